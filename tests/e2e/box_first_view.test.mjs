// The box on a slow connection: its page arrives with its first view (the
// ask form while a librarian is available, the away notice while nobody
// is) and shows it with no script at all; the chat's own code and styles
// load only once the patron turns to chat; and Start chat pressed before
// the first connection is open waits for it instead of failing.
// (A pop-up box, opened to chat, fetches the chat's parts at once.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { staffOnline, transcript, offerCard, ASK_SWITCH } from './lib/flows.mjs';

let srv;
let browser;
let who;

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  who = srv.addOperator({ username: 'fiona', name: 'Fiona First' });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

const awayText = "We're away right now";

/**
 * The conversation's stylesheet comes after the first view's markup, and what
 * is drawn of the first view looks the same without it: on a slow line the view is drawn
 * before those rules arrive.
 */
async function firstViewNeedsOnlyTheHeadStyles(page, selector) {
  const look = () => page.evaluate((sel) => [...document.querySelectorAll(`${sel}, ${sel} *`)].filter((el) => el.getClientRects().length > 0).map((el) => {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return [el.id || el.tagName, cs.display, cs.color, cs.backgroundColor, cs.fontSize, cs.padding, cs.margin,
      Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)].join(' ');
  }), selector);
  const order = await page.evaluate((sel) => {
    const late = document.querySelector('style[data-inline="/widget/box_chat.css"]');
    return late && Boolean(document.querySelector(sel).compareDocumentPosition(late) & Node.DOCUMENT_POSITION_FOLLOWING);
  }, selector);
  assert.equal(order, true, 'box_chat.css comes after the first view');
  const before = await look();
  await page.evaluate(() => document.querySelector('style[data-inline="/widget/box_chat.css"]').remove());
  assert.deepEqual(await look(), before);
}

test('without any script, the box page shows the away notice while nobody is available', async () => {
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(page.getByRole('heading', { name: awayText }));
  assert.equal(await page.getByRole('button', { name: 'Start chat' }).isVisible(), false);
  assert.equal(await page.getByText('Loading the chat…').isVisible(), false);
  await firstViewNeedsOnlyTheHeadStyles(page, '#box');
  await context.close();
});

test('without any script, the box page shows the ask form while a librarian is available', async () => {
  const { staff, op } = await staffOnline(browser, srv.url, who);
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${srv.url}/box/ask?mode=embedded`);
  await expect.visible(page.getByRole('button', { name: 'Start chat' }));
  await expect.visible(page.getByRole('textbox', { name: /Your name/ }));
  assert.equal(await page.getByRole('heading', { name: awayText }).isVisible(), false);
  assert.equal(await page.locator('#box').getAttribute('data-presence'), 'online');
  await firstViewNeedsOnlyTheHeadStyles(page, '#box');
  await page.reload();

  // Pressed before any script: nothing happens (no navigation, no reload).
  await page.getByRole('button', { name: 'Start chat' }).click();
  assert.equal(page.url(), `${srv.url}/box/ask?mode=embedded`);

  // The consent pop-up's page is not the ask form, whoever is available.
  await page.goto(`${srv.url}/box/ask?mode=consent&chat=x&share=y`);
  assert.equal(await page.getByRole('button', { name: 'Start chat' }).isVisible(), false);
  await expect.visible(page.getByText('Loading the chat…'));

  // Once the librarian goes away, the next page says so.
  const available = op.getByRole('checkbox', { name: ASK_SWITCH });
  await available.uncheck();
  await expect.enabled(available); // the server has answered
  assert.equal(await available.isChecked(), false);
  await page.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(page.getByRole('heading', { name: awayText }));
  await context.close();
  await staff.close();
});

test('the chat\'s code and styles load only when the patron turns to chat', async () => {
  const { staff, op } = await staffOnline(browser, srv.url, who);
  const context = await newContext(browser);
  const page = await context.newPage();
  const loaded = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto(`${srv.url}/box/ask?mode=embedded`);
  await expect.visible(page.locator('#box[data-mode="embedded"]'));
  await expect.text(page.locator('#box-status'), 'Librarians are online');
  await page.waitForLoadState('networkidle');
  for (const lazy of ['/shared/transcript_view.js', '/shared/composer.js', '/shared/uploads.js', '/shared/transcript.css'])
    assert.ok(!loaded.includes(lazy), `${lazy} loaded before any chat: ${loaded.join(' ')}`);

  await page.getByRole('textbox', { name: /Your name/ }).fill('Lazy Lou');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect.visible(page.getByRole('textbox', { name: 'Message' }));
  for (const lazy of ['/shared/transcript_view.js', '/shared/composer.js', '/shared/uploads.js', '/shared/transcript.css'])
    assert.ok(loaded.includes(lazy), `${lazy} not loaded with the chat`);
  // The chat's stylesheet applies: the log is laid out as the transcript's.
  assert.notEqual(await page.locator('#log').evaluate((el) => getComputedStyle(el).overflowY), 'visible');
  await offerCard(op, 'Lazy Lou').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(page), 'joined the chat');
  expectClean(context);

  // A pop-up window is opened to chat: there they come at once, untouched.
  const popup = await context.newPage();
  const popupLoaded = [];
  popup.on('request', (r) => popupLoaded.push(new URL(r.url()).pathname));
  await popup.goto(`${srv.url}/box/ask?mode=popup`);
  await popup.waitForLoadState('networkidle');
  assert.ok(popupLoaded.includes('/shared/transcript_view.js'), popupLoaded.join(' '));
  await context.close();
  await staff.close();
});

test('Start chat pressed before the first connection is open waits for it', async () => {
  const { staff, op } = await staffOnline(browser, srv.url, who);
  const context = await newContext(browser);
  // A slow line, made certain: the page's first socket is told it is open
  // only 2 s after it is. The form and the script are there long before.
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    let first = true;
    function SlowSocket(url, protocols) {
      const ws = new Native(url, protocols);
      if (!first) return ws;
      first = false;
      let onopen = null;
      Object.defineProperty(ws, 'onopen', { get: () => onopen, set: (fn) => { onopen = fn; } });
      ws.addEventListener('open', (e) => setTimeout(() => onopen?.call(ws, e), 2000));
      return ws;
    }
    SlowSocket.prototype = Native.prototype;
    Object.assign(SlowSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    window.WebSocket = SlowSocket;
  });
  const page = await context.newPage();
  await page.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(page.locator('#box[data-mode="popup"]'));
  await page.getByRole('button', { name: 'Start chat' }).click();
  await expect.visible(page.getByRole('textbox', { name: 'Message' }));
  assert.equal(await page.locator('#start-error').textContent(), '');
  await expect.visible(op.locator('article.offer'));
  await context.close();
  await staff.close();
});
