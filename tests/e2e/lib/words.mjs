// words.mjs: which words on a page its French catalogues do not explain.
//
// A staff page in French may show only words from the French catalogues
// (web/shared/i18n/fr.json and staff/fr.json, placeholders filled in), the
// people's own words the test names (names, queue titles, messages typed),
// and what no language owns (numbers, times, dates in French, symbols). Any
// other text a reader sees or hears — a text node of a visible element, an
// aria-label, title, placeholder or alt, the document title, a select's
// options — is a string the page built without the catalogue: English left
// behind. Text the page itself marks with another lang (the server's own
// English words, such as the audit log's details) is the server's, not the
// page's, and is left out.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './browser.mjs';

const DIR = path.join(ROOT, 'web/shared/i18n');
const read = (file) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));

/** Every text of a catalogue: plain values and each plural form. */
function texts(catalogue) {
  return Object.values(catalogue).flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v]));
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words that belong to no language here: French dates and the units the pages print. */
function neutralWords(lang) {
  const words = new Set(['s', 'min', 'h', 'fps', 'refdesk', 'XMPP', 'CSV', 'PNG', 'JPEG', 'WebP', 'GIF', 'Ctrl']);
  for (let c = 65; c <= 90; c++) words.add(String.fromCharCode(c)); // a key: "R", "Ctrl+Z"
  for (let m = 0; m < 12; m++) {
    for (const month of ['long', 'short'])
      words.add(new Intl.DateTimeFormat(lang, { month, timeZone: 'UTC' }).format(Date.UTC(2024, m, 15)).replace(/\.$/, ''));
  }
  for (let d = 0; d < 7; d++) {
    for (const weekday of ['long', 'short'])
      words.add(new Intl.DateTimeFormat(lang, { weekday, timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + d)).replace(/\.$/, ''));
  }
  for (const l of read('index.json').languages) words.add(l.name); // the Language setting lists each in its own words
  words.add('à'); // "4 déc. 2026 à 10:24"
  return words;
}

/**
 * A checker for `lang` (whose catalogues are LANG.json and staff/LANG.json):
 * unexplained(strings, allow) returns the strings no catalogue text, allowed
 * string or neutral form explains. `allow` lists the people's own words.
 */
export function wordChecker(lang) {
  const all = [...texts(read(`${lang}.json`)), ...texts(read(`staff/${lang}.json`))].map((s) => s.replace(/\s+/g, ' '));
  const whole = new Set(all.map((s) => s.trim()));
  const pieces = new Set(all.flatMap((s) => s.split(/\{\w+\}/).map((p) => p.trim()).filter(Boolean)));
  // A template with placeholders matches its filled-in text; it needs fixed
  // words of its own to count (a bare "{name}" would match anything).
  const patterns = all.filter((s) => /\{\w+\}/.test(s) && /\p{L}{3}/u.test(s.replace(/\{\w+\}/g, '')))
    .map((s) => new RegExp(`^${s.trim().split(/\{\w+\}/).map(esc).join('[\\s\\S]*?')}$`, 'u'));
  const neutral = neutralWords(lang);
  const isNeutral = (s) => s.split(/[^\p{L}]+/u).filter(Boolean).every((w) => neutral.has(w));

  const explained = (s, allow) => {
    // A count before a title ("(2) Poste de travail"), a separator left at an end.
    const t = s.replace(/\s+/g, ' ').replace(/^\(\d+\) /, '').replace(/^[·,—]\s*|\s*[·,—]$/g, '').trim();
    if (!t || isNeutral(t) || whole.has(t) || pieces.has(t)) return true;
    if (allow.some((a) => (a instanceof RegExp ? a.test(t) : a === t))) return true;
    if (patterns.some((re) => re.test(t))) return true;
    // Lines the pages join with " · ", ", " or French's " : " (a chat's queue, operator, start and counts).
    for (const sep of [' · ', ', ', ' — ', ' : ']) {
      for (let i = t.indexOf(sep); i > 0; i = t.indexOf(sep, i + 1))
        if (explained(t.slice(0, i), allow) && explained(t.slice(i + sep.length), allow)) return true;
    }
    // A control's name with its shortcut: "Rectangle (R)".
    const key = /^(.+) \(([^()]+)\)$/.exec(t);
    return Boolean(key && explained(key[1], allow) && explained(key[2], allow));
  };
  return (strings, allow = []) => [...new Set(strings)].filter((s) => !explained(s, allow));
}

/**
 * What a reader of `page` sees or hears: the text nodes of visible
 * elements (and of the fields people type into), the labels and hints in
 * their attributes, the options of visible selects, and the page's title.
 */
export function shownStrings(page) {
  return page.evaluate(() => {
    const out = [document.title];
    for (const el of document.querySelectorAll('body *')) {
      if (['SCRIPT', 'STYLE', 'CODE', 'PRE', 'KBD'].includes(el.tagName) || el.closest('pre, code')) continue;
      // Words the page marks as another language's (the server's own, in English) are not the page's.
      if (el.closest('[lang]') !== document.documentElement) continue;
      const seen = el.checkVisibility() || ((el.tagName === 'OPTION') && el.parentElement?.checkVisibility());
      if (!seen) continue;
      for (const n of el.childNodes) if (n.nodeType === 3 && n.textContent.trim()) out.push(n.textContent);
      for (const a of ['aria-label', 'placeholder', 'title', 'alt', 'aria-roledescription'])
        if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out.map((s) => s.trim()).filter(Boolean);
  });
}
