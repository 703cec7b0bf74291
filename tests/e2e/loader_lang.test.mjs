// The loader's button (embed.js, and dock.js for follow-me) on a library's
// page speaks the box's language: the embed snippet's data-lang, else the
// page's lang, in English, French, Spanish, German and Arabic; unknown
// languages read English, and a library's own data-label wins. The words
// come with embed.js itself: the button shows before any other request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchBrowser, newContext, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';

// What a patron reads on the button, per language (docs/OPERATIONS.md lists them for review).
const LABEL = {
  en: 'Chat with us',
  fr: 'Discutez avec nous',
  es: 'Chatea con nosotros',
  de: 'Chatten Sie mit uns',
  ar: 'تحدث معنا',
};
const ASIDE = { en: 'Move the chat button aside', fr: 'Écarter le bouton de discussion' };

let srv;
let browser;
let site;
let siteUrl;

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  // A library's page on its own origin: ?page= its lang, ?data= the snippet's data-lang,
  // ?mode= the snippet's data-mode, ?label= a data-label.
  site = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const attr = (name, value) => (value ? ` ${name}="${value.replace(/"/g, '&quot;')}"` : '');
    const mode = u.searchParams.get('mode') || 'follow-me';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html${attr('lang', u.searchParams.get('page'))}><head><meta charset="utf-8">` +
      `<title>Library</title></head><body><main><h1>Library</h1><p>Opening hours.</p>` +
      (mode === 'embedded' ? '<div style="height:500px" data-refdesk-box></div>' : '') +
      `<script src="${srv.url}/embed.js" data-queue="ask" data-mode="${mode}"` +
      `${attr('data-lang', u.searchParams.get('data'))}${attr('data-label', u.searchParams.get('label'))}></script>` +
      '</main></body></html>');
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${site.address().port}`;
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
  await browser?.close();
  site?.close();
  await srv?.close();
});

/** A library page with `query`; records what it asks refdesk for. */
async function open(query, { locale = 'en-US', blockDock = false } = {}) {
  const context = await newContext(browser, { locale });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => { if (r.url().startsWith(srv.url)) asked.push(new URL(r.url()).pathname); });
  if (blockDock) await page.route(`${srv.url}/widget/dock.js`, (route) => route.abort());
  await page.goto(`${siteUrl}/?${query}`);
  return { context, page, asked };
}

for (const [lang, label] of Object.entries(LABEL)) {
  test(`the pop-up button in ${lang}, from the page's lang, before any request but embed.js`, async () => {
    const { context, page, asked } = await open(`mode=popup&page=${lang}`);
    const button = page.getByRole('button', { name: label, exact: true });
    await expect.visible(button);
    assert.deepEqual(asked, ['/embed.js'], 'the button needs nothing but embed.js');
    assert.equal(await button.textContent(), label);
    await context.close();
  });
}

test('follow-me: the launcher and its tuck button in French, the launcher even without dock.js', async () => {
  const { context, page } = await open('page=fr-CA', { blockDock: true });
  await expect.visible(page.getByRole('button', { name: LABEL.fr, exact: true }));
  await context.close();

  const full = await open('page=fr');
  const launcher = full.page.getByRole('button', { name: LABEL.fr, exact: true });
  await expect.visible(launcher);
  await expect.visible(full.page.getByRole('button', { name: ASIDE.fr, exact: true }));
  assert.match(await launcher.getAttribute('aria-controls'), /^refdesk-follow-/);
  await launcher.click();
  await expect.attribute(launcher, 'aria-expanded', 'true');
  // The box opens in the same language, and Escape on the launcher puts it away.
  await expect.visible(full.page.frameLocator('iframe').locator('html[lang="fr"]'));
  assert.equal(await full.page.locator('iframe').getAttribute('title'), LABEL.fr);
  await launcher.focus();
  await full.page.keyboard.press('Escape');
  await expect.attribute(launcher, 'aria-expanded', 'false');
  await checkAxe(full.page, 'the French launcher on a library page');
  await screenshot(full.page, 'loader-fr-follow-me');
  await full.context.close();
});

test('data-lang wins over the page\'s lang; an unknown language reads English; Arabic', async () => {
  for (const [query, want] of [['page=en&data=de', 'de'], ['page=fr&data=es', 'es'], ['page=ja', 'en'], ['data=ar', 'ar'],
    ['mode=embedded&page=de', 'de']]) {
    const { context, page } = await open(query, { locale: 'fr-FR' });
    if (query.includes('embedded')) {
      await expect.visible(page.frameLocator('iframe').locator('html[lang="de"]'));
      assert.equal(await page.locator('iframe').getAttribute('title'), LABEL.de);
    } else {
      await expect.visible(page.getByRole('button', { name: LABEL[want], exact: true }));
    }
    await context.close();
  }
});

test('no lang at all: the browser\'s language, as the box takes it', async () => {
  const { context, page } = await open('mode=popup', { locale: 'es-ES' });
  await expect.visible(page.getByRole('button', { name: LABEL.es, exact: true }));
  await context.close();
});

test('a library\'s own data-label wins over every language', async () => {
  for (const query of ['page=fr&label=Posez+votre+question', 'mode=popup&data=de&label=Posez+votre+question']) {
    const { context, page } = await open(query);
    await expect.visible(page.getByRole('button', { name: 'Posez votre question', exact: true }));
    assert.equal(await page.getByRole('button', { name: LABEL.fr }).count(), 0);
    await context.close();
  }
});
