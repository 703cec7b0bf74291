// Whatever a guest or an operator types is shown as text, never as HTML:
// markup in messages and in the guest's name shows up literally, creates no
// elements and runs nothing. The second test stores every payload of
// lib/xss_payloads.mjs as messages from both sides, as waiting guests'
// names, as file names and as alt text, and checks the chat box, the
// webclient and the sharing tool; the last proves that the harness itself
// fails a test on a CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { uploadOk } from '../lib/upload.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, say, transcript, offerCard, staffOnline } from './lib/flows.mjs';
import { makePng } from './lib/files.mjs';
import { PAYLOADS, SHORT_PAYLOADS, findInjection } from './lib/xss_payloads.mjs';
import { Client } from '../integration/lib/client.mjs';

let srv;
let browser;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

const FIRST = PAYLOADS.slice(0, 6);

async function assertInert(page, log) {
  for (const p of FIRST) await expect.text(log, p);
  const html = await log.evaluate((el) => ({
    tags: [...el.querySelectorAll('img, script, svg:not([aria-hidden]), a, iframe, b')].map((e) => e.tagName),
  }));
  assert.deepEqual(html.tags, [], 'typed markup created elements');
  for (const frame of page.frames()) {
    assert.equal(await frame.evaluate(() => window.__pwned), undefined, `script ran in ${frame.url()}`);
  }
}

test('markup typed on both sides is shown as text', async () => {
  const pat = srv.addOperator({ username: 'pat', name: 'Pat <b>Operator</b>' });
  const { staff, op } = await staffOnline(browser, srv.url, pat);

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  const guestName = '<img src=x onerror="window.__pwned=9">';
  await startChat(box, guestName);
  for (const p of FIRST) await say(box, p);

  const card = offerCard(op, guestName);
  await expect.visible(card);
  await card.getByRole('button', { name: 'Accept' }).click();
  for (const p of FIRST) await say(op, p);

  await expect.text(transcript(box), 'Pat <b>Operator</b> joined the chat');
  await assertInert(op, transcript(op));
  await assertInert(page, transcript(box));
  await expect.text(op.locator('#chat-title'), guestName);
  assert.equal(await op.locator('#chat-title img, .chat-list img').count(), 0);
  await screenshot(op, 'xss-webclient');

  expectClean(staff);
  expectClean(guests);
});

/** Reply to `msg` on a Node WebSocket client; fails on anything but ack or ok. */
async function must(client, msg) {
  const r = await client.request(msg, 10000);
  assert.ok(r.type === 'ack' || r.type === 'ok', `${msg.type}: ${JSON.stringify(r)}`);
  return r;
}

/** Upload as `who` ({token} or {cookie, csrf}) with the payload as its file name and alt text. */
function sendPayload(chat, who, kind, payload, i) {
  return uploadOk(srv, who, chat, kind === 'image' ? makePng(40 + i, 30) : Buffer.from(`file ${i}`), {
    headers: {
      'x-upload-kind': kind, 'x-client-id': `xss-${kind}-${i}`,
      'x-file-name': encodeURIComponent(payload), 'x-alt': encodeURIComponent(payload),
      'content-type': 'application/octet-stream',
    },
  });
}

/** Press every Show button (each one goes away once pressed). */
async function showAll(page) {
  const shows = page.getByRole('button', { name: 'Show', exact: true });
  for (let n = await shows.count(), i = 0; n > 0 && i < 20; n = await shows.count(), i++) {
    await shows.first().click();
    await expect.count(shows, n - 1);
  }
  assert.equal(await shows.count(), 0, 'Show buttons left');
}

async function checkPage(page, where, log) {
  for (const p of PAYLOADS) await expect.text(log, p, 15000);
  assert.deepEqual(await findInjection(page), [], `${where} is not inert`);
}

test(`${PAYLOADS.length} payloads as messages, names, file names and alt text stay inert on every page`, { timeout: 120000 }, async () => {
  const xena = srv.addOperator({ username: 'xena', name: 'Xena Staff' });
  const { staff, op } = await staffOnline(browser, srv.url, xena);

  // Waiting guests whose names are payloads ring the webclient.
  const wsUrl = `ws://127.0.0.1:${srv.port}/ws`;
  const ringers = [];
  for (const name of SHORT_PAYLOADS.slice(0, 8)) {
    const g = await Client.connect(wsUrl, { label: 'ringer' });
    await must(g, { type: 'chat.start', queue: 'ask', name });
    ringers.push(g);
  }
  for (const name of SHORT_PAYLOADS.slice(0, 8))
    await expect.visible(offerCard(op, name));
  assert.deepEqual(await findInjection(op), [], 'the webclient with payload-named offers is not inert');

  const guests = await newContext(browser, { viewport: { width: 420, height: 720 } });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  const guestName = SHORT_PAYLOADS[9];
  await startChat(guest, guestName);
  await offerCard(op, guestName).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Xena Staff joined the chat');
  const { chat, token } = await guest.evaluate(() => JSON.parse(localStorage.getItem('refdesk.chat.ask')));

  // Both sides store every payload, through the protocol (faster than typing them).
  const g = await Client.connect(wsUrl, { label: 'xss-guest' });
  await must(g, { type: 'chat.join', chat, token, after: 1e9 });
  const signin = await fetch(`${srv.url}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: xena.username, password: xena.password }),
  });
  const cookie = /refdesk_session=[^;]+/.exec(signin.headers.get('set-cookie'))[0];
  const { csrf } = await signin.json();
  const o = await Client.connect(wsUrl, { label: 'xss-operator', cookie });
  await must(o, { type: 'chat.join', chat, after: 1e9 });
  for (const p of PAYLOADS) {
    await must(g, { type: 'msg.send', chat, text: `guest: ${p}` });
    await must(o, { type: 'msg.send', chat, text: `staff: ${p}` });
  }
  for (let i = 0; i < 5; i++) {
    await sendPayload(chat, { token }, 'image', PAYLOADS[i * 7], i);
    await sendPayload(chat, { cookie, csrf }, i % 2 ? 'file' : 'image', PAYLOADS[i * 7 + 3], i);
  }

  await checkPage(guest, 'the chat box', transcript(guest));
  await checkPage(op, 'the webclient', transcript(op));
  await expect.text(op.locator('#chat-title'), guestName);
  // The staff reveal the guest's snapshots (their alt text is the payload).
  await showAll(op);
  assert.deepEqual(await findInjection(op), [], 'the webclient with snapshots shown is not inert');
  await screenshot(op, 'xss-all-webclient');

  const [share] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await share.waitForLoadState();
  await checkPage(share, 'the sharing tool', transcript(share));
  await showAll(share);
  assert.deepEqual(await findInjection(share), [], 'the sharing tool with snapshots shown is not inert');
  await screenshot(share, 'xss-all-share');
  assert.deepEqual(await findInjection(guest), [], 'the chat box is not inert');

  for (const c of [g, o, ...ringers]) await c.close();
  expectClean(staff);
  expectClean(guests);
  await staff.close();
  await guests.close();
});

test('the harness fails a test on a CSP violation (an inline script is refused and reported)', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/staff/signin`);
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__pwned = "inline"';
    document.body.append(s);
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'the CSP let an inline script run');
  assert.throws(() => expectClean(ctx), /csp: script-src/, 'the violation was not reported');
  await ctx.close();
});
