// The box's weight on a patron's line: its page carries its own styles (no
// stylesheet request before the first state), the files it loads carry no
// document headers, and the bytes on the wire stay within budget. Sizes only:
// timings belong in bench/box.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { staffOnline } from './lib/flows.mjs';

let srv;
let browser;
let who;

// Budgets, in bytes on the wire as Chromium counts them (headers included).
// The box frame before any chat: its page (which carries its language's catalogue), its
// modules and GET /api/queues, served minified from build/web-min as `make` writes it. (The
// target is 25 KB; the box is at ~22.5 KB, docs/PERFORMANCE.md; this keeps ~1 KB of headroom.)
const BOX_BUDGET = 23500;
const LOADER_GZIP_BUDGET = 2048; // embed.js, gzipped

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  who = srv.addOperator({ username: 'bea', name: 'Bea Budget' });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('without any script, the box page draws its form with its own styles and asks for no stylesheet', async () => {
  const { staff } = await staffOnline(browser, srv.url, who);
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await page.goto(`${srv.url}/box/ask?mode=embedded`);
  const start = page.getByRole('button', { name: 'Start chat' });
  await expect.visible(start);
  assert.equal(asked[0], '/box/ask');
  assert.deepEqual(asked.filter((p) => p.endsWith('.css')), [], 'no stylesheet asked for');
  // Styled by box.css and base.css, not the browser's grey button.
  const look = await start.evaluate((b) => ({ bg: getComputedStyle(b).backgroundColor, radius: getComputedStyle(b).borderRadius }));
  assert.equal(look.bg, 'rgb(29, 92, 140)');
  assert.notEqual(look.radius, '0px');
  await context.close();
  await staff.close();
});

test('the page\'s inline styles are the ones its policy allows, and the box works with them', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const res = await page.goto(`${srv.url}/box/ask?mode=popup`);
  const csp = (await res.allHeaders())['content-security-policy'];
  const hashes = await page.evaluate(async () => {
    const out = [];
    for (const s of document.querySelectorAll('style[data-inline]')) {
      const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s.textContent));
      out.push(btoa(String.fromCharCode(...new Uint8Array(d))));
    }
    return out;
  });
  assert.equal(hashes.length, 3);
  for (const h of hashes) assert.ok(csp.includes(`'sha256-${h}'`), `style-src lists ${h}`);
  assert.match(csp, /script-src 'self';/, 'scripts stay files only');
  await expect.visible(page.locator('#box[data-mode="popup"]'));
  await expect.visible(page.locator('#box:is([data-view="start"], [data-view="offline"])'));
  // The chat's own stylesheet, added before box.css's rules, still loads.
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('link[href="/shared/transcript.css"] + style[data-inline="/widget/box.css"]').count(), 1);
  await checkAxe(page);
  expectClean(context); // a refused inline style would be a console error
  await context.close();
});

test('the box on a library page stays within its byte budget, and the loader within 2 KB', async () => {
  const { staff } = await staffOnline(browser, srv.url, who);
  const context = await newContext(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const reqs = new Map();
  cdp.on('Network.requestWillBeSent', (e) => reqs.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0 }));
  cdp.on('Network.loadingFinished', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).bytes = e.encodedDataLength; });
  const headers = new Map();
  page.on('response', async (r) => headers.set(new URL(r.url()).pathname, await r.allHeaders()));
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[src*="mode=embedded"]');
  await expect.visible(box.getByRole('button', { name: 'Start chat' }));
  await expect.visible(box.locator('#box[data-mode="embedded"]'));
  await page.waitForLoadState('networkidle');

  const inBox = [...reqs.values()].filter((r) => r.type !== 'WebSocket' &&
    /^\/(box|widget|shared|api)\//.test(new URL(r.url).pathname) && !r.url.endsWith('/widget/dock.js'));
  const total = inBox.reduce((n, r) => n + r.bytes, 0);
  assert.ok(inBox.every((r) => r.bytes > 0), 'every request counted');
  assert.ok(!inBox.some((r) => /\/(transcript_view|composer|uploads)\.js$|\.css$/.test(r.url)), 'nothing the first state does not need');
  assert.ok(total <= BOX_BUDGET, `the box's frame: ${total} bytes on the wire over ${inBox.length} requests (budget ${BOX_BUDGET}; ` +
    'the minified copies are `make web-min`\'s)');
  assert.ok(!inBox.some((r) => /\/shared\/i18n\//.test(r.url)), 'the catalogue comes in the page');

  // A module carries no document headers; the pages do.
  const js = headers.get('/widget/box.js');
  assert.equal(js['content-security-policy'], undefined);
  assert.equal(js['x-frame-options'], undefined);
  assert.equal(js['x-content-type-options'], 'nosniff');
  assert.match(headers.get('/box/ask')['content-security-policy'], /frame-ancestors/);
  assert.match(headers.get('/')['content-security-policy'], /frame-ancestors 'none'/);

  const loader = await fetch(`${srv.url}/embed.js`, { headers: { 'accept-encoding': 'gzip' } });
  const gz = (await loader.arrayBuffer()).byteLength; // fetch decodes, so ask its length
  const len = Number(loader.headers.get('content-length'));
  assert.equal(loader.headers.get('content-encoding'), 'gzip');
  assert.ok(len > 0 && len <= LOADER_GZIP_BUDGET, `embed.js: ${len} bytes gzipped (${gz} plain)`);
  await context.close();
  await staff.close();
});
