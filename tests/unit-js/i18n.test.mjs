// The catalogues (web/shared/i18n/*.json) against English, and the
// language choice and plural rules of web/shared/i18n.js.
//
// Every catalogue holds exactly en.json's keys, each with the same
// placeholders; a plural message holds a form for every category
// Intl.PluralRules has for that language; no value is left in English
// unless it is listed below as the same word in that language; and every
// key the pages use exists in en.json.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMessage, languageCandidates, pickLanguage, t } from '../../web/shared/i18n.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'web/shared/i18n');
const read = (name) => JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
const index = read('index.json');
const en = read('en.json');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'index.json');
// (staff/ is a folder: readdirSync lists it, the filter drops it.)

// Values that are rightly the same as English in that language.
const SAME_AS_ENGLISH = {
  fr: ['box.log', 'box.message', 'attach.alt', 'transcript.image', 'share.ok', 'box.survey.rating_high'],
  es: ['box.document_title', 'box.survey.no'],
  de: ['share.ok'],
  ar: [],
};

const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (value) => (typeof value === 'object' ? Object.values(value) : [value]);

test('index.json lists exactly the catalogues present, with names and a direction', () => {
  const codes = index.languages.map((l) => l.code).sort();
  assert.deepEqual(codes, files.map((f) => f.replace(/\.json$/, '')).sort());
  for (const l of index.languages) {
    assert.match(l.code, /^[a-z]{2,3}(-[A-Z]{2})?$/, l.code);
    assert.ok(l.name, `${l.code} has a name`);
    assert.ok(['ltr', 'rtl'].includes(l.dir), `${l.code} has a direction`);
  }
  assert.equal(index.languages.find((l) => l.code === 'ar').dir, 'rtl');
  for (const code of ['en', 'fr', 'es', 'de', 'ar']) assert.ok(codes.includes(code), code);
});

for (const file of files.filter((f) => f !== 'en.json')) {
  const lang = file.replace(/\.json$/, '');
  const cat = read(file);

  test(`${lang}: the same keys as en.json, no more, no fewer`, () => {
    const missing = Object.keys(en).filter((k) => !(k in cat));
    const extra = Object.keys(cat).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${file} lacks keys`);
    assert.deepEqual(extra, [], `${file} has keys en.json does not`);
  });

  test(`${lang}: the same placeholders as English in every message`, () => {
    for (const [key, value] of Object.entries(cat)) {
      if (!(key in en)) continue;
      const want = [...new Set(forms(en[key]).flatMap(placeholders))].sort();
      if (typeof value === 'object') {
        // A form may say its number in words ("one day", Arabic's dual), but
        // the general form must show it, and no form may invent a placeholder.
        assert.deepEqual(placeholders(value.other), want, `${file} ${key}.other`);
        for (const [cat2, form] of Object.entries(value))
          for (const p of placeholders(form)) assert.ok(want.includes(p), `${file} ${key}.${cat2} has {${p}}`);
      } else {
        assert.deepEqual(placeholders(value), want, `${file} ${key}`);
      }
    }
  });

  test(`${lang}: nothing left in English but the listed same words`, () => {
    const allowed = SAME_AS_ENGLISH[lang] ?? [];
    const same = Object.keys(en).filter((k) => k in cat && JSON.stringify(cat[k]) === JSON.stringify(en[k]));
    assert.deepEqual(same.filter((k) => !allowed.includes(k)), [], `${file} values identical to English`);
    for (const k of allowed) assert.ok(k in en, `${k} (allowed same as English) is a key`);
  });
}

for (const file of files) {
  const lang = file.replace(/\.json$/, '');
  test(`${lang}: every plural message has each of the language's plural categories`, () => {
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [key, value] of Object.entries(read(file))) {
      if (typeof value !== 'object') {
        assert.equal(typeof value, 'string', `${file} ${key}`);
        continue;
      }
      // "many" is French's and Spanish's form for millions: counts here never reach it, but a form is there.
      for (const c of categories) assert.ok(typeof value[c] === 'string' && value[c], `${file} ${key} lacks "${c}"`);
      for (const c of Object.keys(value)) assert.ok(categories.includes(c), `${file} ${key} has "${c}", not a category of ${lang}`);
    }
  });
}

// The webclient's own words (staff/LANG.json, English and French): the same rules.
const STAFF = path.join(DIR, 'staff');
const staffEn = JSON.parse(fs.readFileSync(path.join(STAFF, 'en.json'), 'utf8'));
const STAFF_SAME_AS_ENGLISH = { fr: ['staff.desk.message', 'staff.admin.actions', 'staff.admin.action', 'staff.history.pages',
  'staff.transfer.note_label', 'staff.history.page', 'staff.editor.colour.orange', 'staff.editor.type.rect', 'staff.editor.tool.rect',
  'staff.editor.summary'] };
for (const file of fs.readdirSync(STAFF).filter((f) => f.endsWith('.json') && f !== 'en.json')) {
  const lang = file.replace(/\.json$/, '');
  const cat = JSON.parse(fs.readFileSync(path.join(STAFF, file), 'utf8'));
  test(`staff/${lang}: en.json's keys and placeholders, nothing left in English`, () => {
    assert.ok(files.includes(file), `staff/${file} has a patron catalogue beside it`);
    assert.deepEqual(Object.keys(staffEn).filter((k) => !(k in cat)), [], `staff/${file} lacks keys`);
    assert.deepEqual(Object.keys(cat).filter((k) => !(k in staffEn)), [], `staff/${file} has extra keys`);
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [key, value] of Object.entries(cat)) {
      const want = [...new Set(forms(staffEn[key]).flatMap(placeholders))].sort();
      assert.equal(typeof value, typeof staffEn[key], `${key}: a count in one catalogue is a count in both`);
      if (typeof value !== 'object') {
        assert.deepEqual([...new Set(placeholders(value))].sort(), want, key);
        continue;
      }
      assert.deepEqual([...new Set(placeholders(value.other))].sort(), want, `${key}.other`);
      for (const c of categories) assert.ok(typeof value[c] === 'string' && value[c], `staff/${file} ${key} lacks "${c}"`);
      for (const [c, form] of Object.entries(value)) {
        assert.ok(categories.includes(c), `staff/${file} ${key} has "${c}", not a category of ${lang}`);
        for (const p of placeholders(form)) assert.ok(want.includes(p), `staff/${file} ${key}.${c} has {${p}}`);
      }
    }
    const same = Object.keys(cat).filter((k) => cat[k] === staffEn[k] && !(STAFF_SAME_AS_ENGLISH[lang] ?? []).includes(k));
    assert.deepEqual(same, [], `staff/${file} values identical to English`);
  });
}

test('every staff page offers English and French, with the staff catalogue', () => {
  const pages = ['operator/index.html', 'operator/signin.html', 'operator/admin.html', 'board/index.html',
    'history/index.html', 'history/manage.html', 'reports/index.html', 'share/index.html'];
  for (const page of pages) {
    const html = fs.readFileSync(path.join(ROOT, 'web', page), 'utf8');
    assert.match(html, /<html lang="en" data-i18n-languages="en fr" data-i18n-extra="staff"( data-session(="socket")?)?>/, page);
  }
});

test('a staff page that needs its session asks for it first, before the catalogue', () => {
  const pages = { 'operator/index.html': 'operator/webclient.js', 'operator/admin.html': 'operator/admin.js',
    'board/index.html': 'board/board.js', 'history/index.html': 'history/history.js',
    'history/manage.html': 'history/manage.js', 'reports/index.html': 'reports/reports.js',
    'share/index.html': 'share/main.js' };
  for (const [page, script] of Object.entries(pages)) {
    const html = fs.readFileSync(path.join(ROOT, 'web', page), 'utf8');
    assert.match(html, /<html [^>]*\bdata-session(="socket")?>/, page);
    assert.ok(html.includes('<script data-inline src="/shared/session_start.js"></script>'), `${page}: sends for its session from the head`);
    assert.ok(html.includes(`<script type="module" src="/${script}">`), page);
    const js = fs.readFileSync(path.join(ROOT, 'web', script), 'utf8');
    const first = js.match(/^import .*$/m)?.[0];
    assert.equal(first, "import '../shared/early_session.js'; // first: see there", script);
  }
  // The sign-in page has no session to ask for.
  assert.doesNotMatch(fs.readFileSync(path.join(ROOT, 'web', 'operator/signin.html'), 'utf8'), /data-session/);
});

test('staff keys and patron keys do not collide', () => {
  assert.deepEqual(Object.keys(staffEn).filter((k) => k in en), []);
  assert.ok(Object.keys(staffEn).every((k) => k.startsWith('staff.')));
});

test('every key the pages use is in en.json', () => {
  const used = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|html)$/.test(e.name) && e.name !== 'i18n.js') {
        const src = fs.readFileSync(p, 'utf8');
        for (const m of src.matchAll(/\bt\('([a-z_.]+)'/g)) used.add(m[1]);
        for (const m of src.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
        for (const m of src.matchAll(/data-i18n-attr="([^"]+)"/g))
          for (const pair of m[1].split(/\s+/)) used.add(pair.split(':')[1]);
      }
    }
  };
  walk(path.join(ROOT, 'web'));
  assert.ok(used.size > 100, `found ${used.size} keys`);
  assert.deepEqual([...used].filter((k) => !(k in en) && !(k in staffEn)), []);
});

test('plural forms follow the language: Arabic has six, French counts 0 and 1 as one', () => {
  const ar = { lang: 'ar', messages: read('ar.json') };
  const fr = { lang: 'fr', messages: read('fr.json') };
  const enc = { lang: 'en', messages: en };
  const key = 'box.question.privacy_days';
  assert.match(formatMessage(enc, key, { count: 1 }), /after 1 day if/);
  assert.match(formatMessage(enc, key, { count: 30 }), /after 30 days if/);
  assert.match(formatMessage(fr, key, { count: 0 }), /au bout de 0 jour si/);
  assert.match(formatMessage(fr, key, { count: 1 }), /au bout de 1 jour si/);
  assert.match(formatMessage(fr, key, { count: 2 }), /au bout de 2 jours si/);
  assert.match(formatMessage(ar, key, { count: 1 }), /يوم واحد/);
  assert.match(formatMessage(ar, key, { count: 2 }), /يومين/);
  // Numbers are written as the language writes them (Intl.NumberFormat).
  const n = (x) => new Intl.NumberFormat('ar').format(x);
  assert.ok(formatMessage(ar, key, { count: 3 }).includes(`${n(3)} أيام`));
  assert.ok(formatMessage(ar, key, { count: 11 }).includes(`${n(11)} يومًا`));
  assert.ok(formatMessage(ar, key, { count: 100 }).includes(`${n(100)} يوم `));
});

test('placeholders are filled, numbers in the language\'s format; a missing one stays visible', () => {
  const fr = { lang: 'fr', messages: read('fr.json') };
  assert.equal(formatMessage(fr, 'box.status.chatting_with', { name: 'Ana' }), 'En discussion avec Ana');
  assert.match(formatMessage(fr, 'composer.too_long', { length: 12345, max: 10000 }), /12\u202f345 caractères/);
  assert.equal(formatMessage(fr, 'box.status.chatting_with', {}), 'En discussion avec {name}');
  assert.equal(formatMessage(fr, 'no.such.key'), 'no.such.key');
});

test('the language: first wanted tag on offer, a region falls back to its language, else English', () => {
  const offered = ['en', 'fr', 'es', 'de', 'ar'];
  assert.deepEqual(languageCandidates(['fr-ca', 'de']), ['fr-CA', 'fr', 'de', 'en']);
  assert.equal(pickLanguage(['fr-CA', 'en-US'], offered), 'fr');
  assert.equal(pickLanguage([null, '', 'ar-EG'], offered), 'ar');
  assert.equal(pickLanguage(['ja', 'ko-KR'], offered), 'en');
  assert.equal(pickLanguage(['pt-BR', 'es'], offered), 'es');
  // Not tags: ignored, never part of a file name.
  assert.equal(pickLanguage(['../en', 'fr/../../x', '<b>'], offered), 'en');
  assert.equal(pickLanguage(['es'], ['en', 'fr']), 'en');
});

test('outside a page the module speaks English (the other modules\' unit tests read it)', () => {
  assert.equal(t('box.start.button'), 'Start chat');
});
