// The box's first view in the patron's language: the server draws the page
// in the language its URL asks for (French text, Arabic right to left)
// before any script has run, and carries that catalogue in the page, so the
// box fetches no index and no catalogue before it works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot, ROOT } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { staffOnline } from './lib/flows.mjs';

const catalogue = (lang) => JSON.parse(fs.readFileSync(path.join(ROOT, 'web/shared/i18n', `${lang}.json`), 'utf8'));
const SMALL = { width: 360, height: 740 };
const LARGE = { width: 1280, height: 900 };

let srv;
let browser;
let who;

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  who = srv.addOperator({ username: 'lou', name: 'Lou Langue' });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('without any script, the box is drawn in French, and in Arabic right to left', async () => {
  const { staff } = await staffOnline(browser, srv.url, who);
  for (const lang of ['fr', 'ar']) {
    const words = catalogue(lang);
    const context = await newContext(browser, { javaScriptEnabled: false, viewport: SMALL });
    const page = await context.newPage();
    await page.goto(`${srv.url}/box/ask?mode=embedded&lang=${lang}`);
    await expect.visible(page.getByRole('button', { name: words['box.start.button'], exact: true }));
    await expect.visible(page.getByRole('heading', { name: words['box.start.title'], exact: true }));
    await expect.visible(page.getByRole('textbox', { name: new RegExp(words['box.name']) }));
    assert.equal(await page.title(), words['box.title']);
    assert.equal(await page.locator('html').getAttribute('lang'), lang);
    assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    assert.equal(await page.locator('#box').evaluate((el) => getComputedStyle(el).direction), lang === 'ar' ? 'rtl' : 'ltr');
    assert.equal(await page.getByText('Start chat', { exact: true }).count(), 0, 'no English button');
    await screenshot(page, `box-lang-${lang}-noscript-small`);
    await page.setViewportSize(LARGE);
    await screenshot(page, `box-lang-${lang}-noscript-large`);
    await context.close();
  }
  await staff.close();
});

test('the first frame is already French: before i18n.js arrives, and it then fetches no catalogue', async () => {
  const fr = catalogue('fr');
  const context = await newContext(browser, { viewport: SMALL });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  // Hold the language module back: whatever shows meanwhile is the server's page.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/shared/i18n.js', async (route) => { await held; await route.continue(); });
  await page.goto(`${srv.url}/box/ask?mode=popup&lang=fr`, { waitUntil: 'commit' });
  await expect.visible(page.getByRole('heading', { name: fr['box.offline.title'], exact: true }));
  assert.equal(await page.locator('#box-status-text').textContent(), fr['box.status.connecting']);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  assert.equal(await page.getByText("We're away right now").count(), 0, 'no English first');
  release();
  // The script takes over in French, from the catalogue the page carried.
  await expect.text(page.locator('#box-status-text'), fr['box.status.offline']);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(asked.filter((p) => p.startsWith('/shared/i18n/')), [], 'no index or catalogue fetched');
  await checkAxe(page, 'the away notice in French');
  expectClean(context);
  await context.close();
});

test('a browser whose language differs from the page\'s still gets the one i18n.js picks', async () => {
  // No ?lang= (a library page without lang): the server reads Accept-Language, i18n.js
  // navigator.languages; they agree here, so nothing is fetched and the box is German.
  const de = catalogue('de');
  const context = await newContext(browser, { locale: 'de-AT' });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await page.goto(`${srv.url}/box/ask?mode=popup&lang=`);
  await expect.visible(page.getByRole('heading', { name: de['box.offline.title'], exact: true }));
  await expect.text(page.locator('#box-status-text'), de['box.status.offline']);
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(asked.filter((p) => p.startsWith('/shared/i18n/')), []);
  await context.close();
});
