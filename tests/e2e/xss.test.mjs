// Whatever a guest or an operator types is shown as text, never as HTML:
// markup in messages and in the guest's name shows up literally, creates no
// elements and runs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

let srv;
let browser;
before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3"></svg>',
  '<a href="javascript:window.__pwned=4">click me</a>',
  '<iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '&lt;b&gt;not bold&lt;/b&gt; &amp; {{7*7}} ${7*7}',
];

async function assertInert(page, log) {
  for (const p of PAYLOADS) await expect.text(log, p);
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
  const staff = await newContext(browser);
  const op = await staff.newPage();
  await signIn(op, srv.url, pat);
  await goAvailable(op);

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  const guestName = '<img src=x onerror="window.__pwned=9">';
  await startChat(box, guestName);
  for (const p of PAYLOADS) await say(box, p);

  const card = offerCard(op, guestName);
  await expect.visible(card);
  await card.getByRole('button', { name: 'Accept' }).click();
  for (const p of PAYLOADS) await say(op, p);

  await expect.text(transcript(box), 'Pat <b>Operator</b> joined the chat');
  await assertInert(op, transcript(op));
  await assertInert(page, transcript(box));
  await expect.text(op.locator('#chat-title'), guestName);
  assert.equal(await op.locator('#chat-title img, .chat-list img').count(), 0);
  await screenshot(op, 'xss-webclient');

  expectClean(staff);
  expectClean(guests);
});
