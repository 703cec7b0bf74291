// The patron's language: the box in each catalogue's language (no English
// left in a non-English box, axe clean), Arabic laid out right to left,
// the language taken from embed.js's data-lang or the library page's lang,
// the screen sharing invitation and the consent pop-up's page in French,
// and the staff webclient in French.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launchBrowser, newContext, screenshot, ROOT } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { staffOnline, offerCard, transcript, say } from './lib/flows.mjs';

const DIR = path.join(ROOT, 'web/shared/i18n');
const catalogue = (lang) => JSON.parse(fs.readFileSync(path.join(DIR, `${lang}.json`), 'utf8'));
const EN = catalogue('en');
const SMALL = { width: 360, height: 740 };
const LARGE = { width: 1280, height: 900 };

let srv;
let browser;
let who;
let staff;
let op;
let site;
let siteUrl;

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  who = srv.addOperator({ username: 'lena', name: 'Lena' });
  ({ staff, op } = await staffOnline(browser, srv.url, who));
  // A library's own pages, on another origin, that embed the box.
  site = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const pageLang = u.searchParams.get('page');
    const dataLang = u.searchParams.get('data');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html${pageLang ? ` lang="${pageLang}"` : ''}><head><meta charset="utf-8"><title>Library</title></head>` +
      `<body><main><h1>Library</h1><div style="height:600px" data-refdesk-box></div></main>` +
      `<script src="${srv.url}/embed.js" data-queue="ask"${dataLang ? ` data-lang="${dataLang}"` : ''}></script></body></html>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${site.address().port}`;
  // The library lets its pages on that origin frame the box.
  const boss = srv.addOperator({ username: 'boss', name: 'Bea Boss', isAdmin: true });
  const signin = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: boss.username, password: boss.password }) });
  const cookie = signin.headers.get('set-cookie').split(';')[0];
  const r = await fetch(`${srv.url}/api/admin/account`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', cookie, 'X-CSRF-Token': (await signin.json()).csrf, Origin: srv.url },
    body: JSON.stringify({ origins: [siteUrl] }) });
  assert.equal(r.status, 200, await r.text());
});
after(async () => {
  await staff?.close();
  await browser?.close();
  site?.close();
  await srv?.close();
});

/**
 * The English catalogue's words that show on `page` (text of visible
 * elements, and the labels, placeholders and titles people read): [] in a
 * box whose catalogue is not English. Words the language shares with
 * English (the same value in its catalogue) do not count.
 */
async function englishOn(page, lang) {
  const own = catalogue(lang);
  const english = new Set();
  for (const [key, value] of Object.entries(EN)) {
    for (const [i, form] of (typeof value === 'object' ? Object.entries(value) : [[null, value]])) {
      const theirs = i === null ? own[key] : own[key]?.[i];
      if (form === theirs) continue;
      // A message with placeholders: its longest fixed part.
      const fixed = form.split(/\{\w+\}/).map((s) => s.trim()).sort((a, b) => b.length - a.length)[0];
      if (fixed.length >= 4) english.add(fixed);
    }
  }
  // The queue's title is the library's own words, not the catalogue's.
  const title = await page.evaluate(() => document.getElementById('box-title')?.textContent || '\u0000');
  const shown = await page.evaluate(() => {
    const out = [document.title];
    for (const el of document.querySelectorAll('body *')) {
      if (!el.checkVisibility?.() && el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA') continue;
      for (const n of el.childNodes) if (n.nodeType === 3 && n.textContent.trim()) out.push(n.textContent.trim());
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  });
  // Whole words only: German "Senden" holds no English "Send".
  const word = (e) => new RegExp(`(^|[^\\p{L}])${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u');
  return [...english].filter((e) => shown.some((s) => word(e).test(s.replaceAll(title, ''))));
}

/** A box page in `lang`, size `viewport`, the ask form up. */
async function openBox(lang, viewport = SMALL) {
  const context = await newContext(browser, { viewport });
  const page = await context.newPage();
  await page.goto(`${srv.url}/box/ask?mode=popup&lang=${lang}`);
  await expect.visible(page.locator('#start-chat'));
  assert.equal(await page.locator('html').getAttribute('lang'), lang);
  return { context, page };
}

for (const lang of ['en', 'fr', 'es', 'de', 'ar']) {
  test(`the box in ${lang}: its words, axe clean, through a whole chat`, async () => {
    const words = catalogue(lang);
    const { context, page } = await openBox(lang);
    const start = page.getByRole('button', { name: words['box.start.button'], exact: true });
    await expect.visible(start);
    await expect.text(page.locator('#box-status-text'), words['box.status.online']);
    assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    if (lang !== 'en') assert.deepEqual(await englishOn(page, lang), [], 'English on the ask form');
    await checkAxe(page, `the ask form in ${lang}`);
    await screenshot(page, `i18n-${lang}-start-small`);

    await page.getByRole('textbox', { name: new RegExp(words['box.name']) }).fill(`Pat ${lang}`);
    await start.click();
    await offerCard(op, `Pat ${lang}`).getByRole('button', { name: 'Accept' }).click();
    await expect.text(transcript(page), words['notice.joined'].replace('{name}', 'Lena'));
    await say(op, `Hello Pat ${lang}`);
    await expect.text(transcript(page), `Hello Pat ${lang}`);
    const message = page.getByRole('textbox', { name: words['box.message'], exact: true });
    await message.fill('Merci');
    await page.getByRole('button', { name: words['box.send'], exact: true }).click();
    await expect.text(transcript(op), 'Merci');
    if (lang !== 'en') assert.deepEqual(await englishOn(page, lang), [], 'English in the chat');
    // Times in the box's language too (the browser here is English: en-US writes "3:58 PM").
    const clock = await page.locator('#log time').first().textContent();
    assert.equal(clock, new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }).format(
      new Date(await page.locator('#log time').first().getAttribute('datetime'))));
    await checkAxe(page, `the chat in ${lang}`);
    await screenshot(page, `i18n-${lang}-chat-small`);
    await page.setViewportSize(LARGE);
    await screenshot(page, `i18n-${lang}-chat-large`);

    await page.getByRole('button', { name: words['box.end'], exact: true }).click();
    await expect.text(page.locator('#ended-text'), words['box.ended.guest']);
    await expect.text(transcript(page), words['notice.ended.guest']);
    if (lang !== 'en') assert.deepEqual(await englishOn(page, lang), [], 'English once the chat ended');
    await checkAxe(page, `the ended chat in ${lang}`);
    await context.close();
  });
}

test('Arabic: the box is laid out right to left, Send on the left of the message field', async () => {
  const words = catalogue('ar');
  for (const viewport of [SMALL, LARGE]) {
    const { context, page } = await openBox('ar', viewport);
    await page.getByRole('button', { name: words['box.start.button'] }).click();
    await offerCard(op, 'Guest').or(op.locator('article.offer')).first().getByRole('button', { name: 'Accept' }).click();
    await expect.text(transcript(page), words['notice.joined_unnamed'].slice(0, 4));
    const send = await page.getByRole('button', { name: words['box.send'], exact: true }).boundingBox();
    const field = await page.getByRole('textbox', { name: words['box.message'], exact: true }).boundingBox();
    const attach = await page.getByRole('button', { name: words['box.attach'], exact: true }).boundingBox();
    assert.ok(send.x + send.width <= field.x + field.width && send.x < field.x + 1, `Send (${send.x}) is left of the field (${field.x})`);
    assert.ok(attach.x > send.x, 'Attach image sits at the start (right), Send at the end (left)');
    assert.equal(await page.locator('#box').evaluate((el) => getComputedStyle(el).direction), 'rtl');
    // The patron's own message sits on the left (the end), the librarian's on the right.
    await page.getByRole('textbox', { name: words['box.message'] }).fill('مرحبا');
    await page.keyboard.press('Enter');
    await say(op, 'Hello');
    await expect.text(transcript(page), 'Hello');
    const mine = await page.locator('.rd-msg--mine').last().boundingBox();
    const theirs = await page.locator('.rd-msg:not(.rd-msg--mine)').last().boundingBox();
    assert.ok(mine.x < theirs.x, `own message (${mine.x}) left of the librarian's (${theirs.x})`);
    await screenshot(page, `i18n-ar-rtl-${viewport.width}`);
    await page.getByRole('button', { name: words['box.end'] }).click();
    await context.close();
  }
});

test('the language comes from data-lang, else the library page\'s lang, else the browser; unknown is English', async () => {
  const cases = [
    { q: 'page=en&data=de', locale: 'fr-FR', want: 'de' },
    { q: 'page=es', locale: 'fr-FR', want: 'es' },
    { q: 'page=fr-CA', locale: 'de-DE', want: 'fr' },
    { q: '', locale: 'ar-EG', want: 'ar' },
    { q: 'page=ja', locale: 'ja-JP', want: 'en' },
  ];
  for (const c of cases) {
    const context = await newContext(browser, { locale: c.locale });
    const page = await context.newPage();
    await page.goto(`${siteUrl}/?${c.q}`);
    const frame = page.frameLocator('iframe');
    await expect.visible(frame.locator(`html[lang="${c.want}"]`));
    await expect.visible(frame.getByRole('button', { name: catalogue(c.want)['box.start.button'], exact: true }));
    await context.close();
  }
});

test('the screen sharing invitation in the box, and the consent pop-up\'s page, in French', async () => {
  const fr = catalogue('fr');
  const { context, page } = await openBox('fr', LARGE);
  await page.getByRole('textbox', { name: /Votre nom/ }).fill('Pat invite');
  await page.getByRole('button', { name: fr['box.start.button'] }).click();
  await offerCard(op, 'Pat invite').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(page), 'Lena');
  const [tool] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await tool.waitForLoadState();
  await tool.getByRole('button', { name: 'Invite to share screen' }).click();
  await tool.getByRole('textbox', { name: 'Invitation to the guest' }).fill('Puis-je voir votre écran ?');
  await tool.getByRole('button', { name: 'Send invitation' }).click();
  // While it asks, the panel is named by its question.
  const panel = page.getByRole('region', { name: fr['share.invite.title'] });
  await expect.text(panel, fr['share.invite.explain']);
  await expect.visible(panel.getByRole('button', { name: fr['share.yes'] }));
  await expect.visible(panel.getByRole('button', { name: fr['share.no'] }));
  await expect.text(transcript(page), fr['share.step.invited'].replace('{text}', 'Puis-je voir votre écran ?'));
  assert.deepEqual(await englishOn(page, 'fr'), [], 'English in the invitation');
  await checkAxe(page, 'the invitation in French');
  await screenshot(page, 'i18n-fr-invitation');
  await panel.getByRole('button', { name: fr['share.no'] }).click();
  await expect.text(transcript(page), fr['share.step.declined']);
  await tool.close();
  await page.getByRole('button', { name: fr['box.end'] }).click();

  // The consent pop-up's page (what an embedded box opens) speaks the box's language.
  const popup = await context.newPage();
  await popup.goto(`${srv.url}/box/ask?mode=consent&chat=x&share=y&lang=fr`);
  await expect.visible(popup.getByRole('heading', { name: fr['consent.title'] }));
  await expect.text(popup.getByRole('alert'), fr['consent.from_box']);
  await expect.visible(popup.getByRole('button', { name: fr['box.close_window'] }));
  assert.equal(await popup.title(), fr['consent.document_title']);
  assert.deepEqual(await englishOn(popup, 'fr'), [], 'English on the consent page');
  await checkAxe(popup, 'the consent page in French');
  await screenshot(popup, 'i18n-fr-consent');
  await context.close();
});

test('the built-in invitation, sent unchanged by an English librarian, reaches a German patron in German', async () => {
  const de = catalogue('de');
  const staffEn = JSON.parse(fs.readFileSync(path.join(DIR, 'staff/en.json'), 'utf8'));
  const { context, page } = await openBox('de', LARGE);
  await page.getByRole('textbox', { name: /Ihr Name/ }).fill('Pat Stock');
  await page.getByRole('button', { name: de['box.start.button'] }).click();
  await offerCard(op, 'Pat Stock').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(page), 'Lena');
  const [tool] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await tool.waitForLoadState();
  await tool.getByRole('button', { name: 'Invite to share screen' }).click();
  const words = tool.getByRole('textbox', { name: 'Invitation to the guest' });
  assert.equal(await words.inputValue(), staffEn['staff.share.default_invitation']);
  await tool.getByRole('button', { name: 'Send invitation' }).click();
  const panel = page.getByRole('region', { name: de['share.invite.title'] });
  await expect.text(panel, de['share.invite.stock']);
  await expect.text(transcript(page), de['share.step.invited'].replace('{text}', de['share.invite.stock']));
  await expect.noText(panel, staffEn['staff.share.default_invitation']);
  // The librarian's record keeps the words as sent.
  await expect.text(tool.locator('body'), staffEn['staff.share.default_invitation']);
  await panel.getByRole('button', { name: de['share.no'] }).click();
  await tool.close();
  await page.getByRole('button', { name: de['box.end'] }).click();
  await context.close();
});

test('the webclient in French: from the browser\'s language, or the Language setting; axe clean', async () => {
  const fr = { ...catalogue('fr'), ...JSON.parse(fs.readFileSync(path.join(DIR, 'staff/fr.json'), 'utf8')) };
  const staffEn = JSON.parse(fs.readFileSync(path.join(DIR, 'staff/en.json'), 'utf8'));
  const someone = srv.addOperator({ username: 'marie', name: 'Marie' });
  for (const viewport of [LARGE, SMALL]) {
    const context = await newContext(browser, { locale: 'fr-FR', viewport });
    const page = await context.newPage();
    await page.goto(`${srv.url}/staff/signin`);
    // The sign-in page is a staff page too: French for a French browser.
    await page.getByRole('textbox', { name: fr['staff.admin.username'] }).fill(someone.username);
    await page.getByLabel(fr['staff.admin.password']).fill(someone.password);
    await page.getByRole('button', { name: fr['staff.signin.sign_in'] }).click();
    await page.waitForURL(`${srv.url}/staff`);
    await expect.text(page.locator('#conn'), fr['staff.conn.open']);
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    await expect.visible(page.getByRole('heading', { name: fr['staff.status.title'] }));
    await expect.visible(page.getByRole('button', { name: fr['staff.sign_out'] }));
    const available = page.getByRole('checkbox', { name: 'Disponible sur Ask a Librarian' });
    await available.check();
    await expect.text(page.locator('#no-chat-title'), fr['staff.empty.ready.title']);
    // None of the page's own English words is left on it.
    const text = await page.locator('body').innerText();
    const left = Object.entries(staffEn).filter(([k, v]) => !/\{/.test(v) && v.length > 3 && fr[k] !== v && !v.includes('Ask')
      && new RegExp(`(^|\\n)${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|\\n)`).test(text)).map(([k]) => k);
    assert.deepEqual(left, [], 'English left in the French webclient');
    await checkAxe(page, 'the webclient in French');
    await screenshot(page, `i18n-fr-webclient-${viewport.width}`);
    await available.uncheck();

    // The Language setting: English, kept for this browser, then back to French.
    const setting = page.getByRole('combobox', { name: fr['staff.language.label'] });
    await Promise.all([page.waitForEvent('load'), setting.selectOption('en')]);
    // The server hears of the choice too: the page comes from it in English, for this French browser.
    const served = await context.request.get(`${srv.url}/staff`, { headers: { 'accept-language': 'fr-FR' } });
    assert.match(await served.text(), /^<!doctype html>\s*<html lang="en"/i);
    await expect.text(page.locator('#conn'), 'Connected');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await expect.visible(page.getByRole('heading', { name: 'Your status' }));
    await Promise.all([page.waitForEvent('load'), page.getByRole('combobox', { name: 'Language of the webclient' }).selectOption('fr')]);
    await expect.visible(page.getByRole('heading', { name: fr['staff.status.title'] }));
    await context.close();
  }
});

test('nobody online: the away notice and the Leave a question form in German and Arabic', async () => {
  // A second library whose server can mail (nothing is sent here: only the form is shown).
  const mailing = await startDemoServer({ args: ['--smtp-url', 'smtp://127.0.0.1:9', '--smtp-from', 'Library <ask@library.example>'] });
  try {
    for (const lang of ['de', 'ar']) {
      const words = catalogue(lang);
      const context = await newContext(browser, { viewport: SMALL });
      const page = await context.newPage();
      await page.goto(`${mailing.url}/box/ask?mode=popup&lang=${lang}`);
      await expect.visible(page.getByRole('heading', { name: words['box.offline.title'] }));
      await page.getByRole('button', { name: words['box.question.leave'], exact: true }).click();
      await expect.visible(page.getByRole('textbox', { name: words['box.question.text'] }));
      await expect.visible(page.getByRole('textbox', { name: words['box.question.email'] }));
      await page.getByRole('button', { name: words['box.question.send'], exact: true }).click();
      await expect.text(page.locator('#question-error'), words['mail.question_missing']);
      await page.getByRole('textbox', { name: words['box.question.text'] }).fill('?');
      await page.getByRole('textbox', { name: words['box.question.email'] }).fill('not an address');
      await page.getByRole('button', { name: words['box.question.send'], exact: true }).click();
      await expect.text(page.locator('#question-error'), words['mail.email_bad']);
      assert.deepEqual(await englishOn(page, lang), [], `English on the ${lang} question form`);
      await checkAxe(page, `Leave a question in ${lang}`);
      await screenshot(page, `i18n-${lang}-question`);
      await context.close();
    }
  } finally {
    await mailing.close();
  }
});
