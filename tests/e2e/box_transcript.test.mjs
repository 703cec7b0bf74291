// Save transcript in the guest's box: the button shows only once a chat
// exists; the guest (in Tokyo) and an operator chat, the operator sends a
// snapshot and XSS payloads, the guest saves the transcript. The download
// is one HTML file named after the chat's day there, with the messages,
// the thumbnail as a data: picture, no script, the payloads as text; the
// thumbnail was fetched with the token in a header, never in a URL, and no
// other request was made. Opened from disk in Chromium it is inert and
// axe-clean. After the chat ends the button still saves it. On a phone
// (390x844) the button fits in the header; axe is clean with it shown.
// Screenshots go to test-results/screenshots/transcript-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser, newContext, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';
import { makePng } from './lib/files.mjs';
import { PAYLOADS, findInjection } from './lib/xss_payloads.mjs';

let srv;
let browser;
let op;
let tmp;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  const staff = await newContext(browser);
  op = await staff.newPage();
  await signIn(op, srv.url, srv.addOperator({ username: 'nora', name: 'Nora Lind' }));
  await goAvailable(op);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-transcript-'));
});
after(async () => {
  await browser?.close();
  await srv?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const SAVE = { name: 'Save transcript' };
// Payloads that would run or become markup, and one that must not be decoded.
const TYPED = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[4], PAYLOADS[5]];

/** A guest in its own context opens the pop-up box; returns { guests, guest }. */
async function openBox(options = {}) {
  const guests = await newContext(browser, { acceptDownloads: true, ...options });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  return { guests, guest };
}

/** Click Save transcript and return { name, html } of the download. */
async function save(guest) {
  const [download] = await Promise.all([guest.waitForEvent('download'), guest.getByRole('button', SAVE).click()]);
  const file = path.join(tmp, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  return { name: download.suggestedFilename(), html: fs.readFileSync(file, 'utf8'), file };
}

/** The day of now in `timeZone`, as the file name writes it. */
function today(timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
}

test('the guest saves the chat: messages, the thumbnail embedded, payloads as text, no script, no new route', async () => {
  const { guests, guest } = await openBox({ timezoneId: 'Asia/Tokyo', viewport: { width: 900, height: 760 } });
  // No chat yet: no button.
  await expect.hidden(guest.getByRole('button', SAVE));
  assert.equal(await guest.getByRole('button', SAVE).count(), 0);

  await startChat(guest, 'Tomo');
  await expect.visible(guest.getByRole('button', SAVE));
  await offerCard(op, 'Tomo').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Nora Lind joined the chat');

  await say(guest, 'Where are the <b>maps</b> & atlases?');
  await expect.text(transcript(op), 'Where are the <b>maps</b> & atlases?');
  for (const p of TYPED) {
    await say(op, p);
    await expect.text(transcript(guest).locator('[data-kind="message"]').last(), p);
  }

  // The operator sends a snapshot; the guest's box shows its thumbnail.
  const [chooser] = await Promise.all([op.waitForEvent('filechooser'), op.getByRole('button', { name: 'Attach image' }).click()]);
  await chooser.setFiles({ name: 'floor-map.png', mimeType: 'image/png', buffer: makePng(800, 600) });
  const preview = op.getByRole('region', { name: 'Image to send' });
  await preview.getByRole('textbox', { name: /Description/ }).fill('Map of the second floor');
  await preview.getByRole('button', { name: 'Send image' }).click();
  const thumb = transcript(guest).getByRole('img', { name: /^Map of the second floor/ });
  await expect.visible(thumb);
  // (No waitForFunction: the box's CSP refuses eval. Poll the element.)
  for (let i = 0; i < 100 && !(await thumb.evaluate((el) => el.complete && el.naturalWidth > 0)); i++) await guest.waitForTimeout(50);

  await checkAxe(guest, 'the box with Save transcript');
  await screenshot(guest, 'transcript-box-desktop');

  // Saving: only the thumbnail is fetched, with the token in a header.
  const requests = [];
  guest.on('request', (req) => requests.push({ url: req.url(), auth: req.headers().authorization }));
  const { name, html, file } = await save(guest);
  assert.equal(name, `chat-${today('Asia/Tokyo')}.html`);
  const blobs = requests.filter((r) => r.url.startsWith(srv.url) && !r.url.startsWith('blob:'));
  for (const r of blobs) {
    assert.match(r.url, /\/api\/chats\/[^/]+\/blobs\/[0-9a-f]+$|\/widget\/(box_transcript|transcript_file)\.js$/, r.url);
    if (r.url.includes('/blobs/')) assert.match(r.auth, /^Bearer [A-Za-z0-9_-]{20,}$/);
    if (r.auth) assert.ok(!r.url.includes(r.auth.slice(7)), 'the token is not in a URL');
  }

  // The file's contents.
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<html lang="en" dir="ltr">/);
  assert.match(html, /<h1>Ask a Librarian<\/h1>/);
  assert.match(html, /Times are in your time zone \(Asia\/Tokyo\)/);
  assert.match(html, /<img src="data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]{100,}" alt="Map of the second floor">/);
  assert.ok(html.includes('Where are the &lt;b&gt;maps&lt;/b&gt; &amp; atlases?'));
  for (const p of TYPED) assert.ok(html.includes(p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;')), p);
  assert.match(html, /Nora Lind joined the chat/);
  assert.doesNotMatch(html, /\/api\/|blob:|Bearer/);

  // Opened from disk in Chromium: the words read as typed, nothing ran or became markup.
  const reader = await guests.newPage();
  await reader.goto(pathToFileURL(file).href);
  assert.deepEqual(await findInjection(reader), []);
  const text = await reader.locator('main').innerText();
  for (const p of TYPED) assert.ok(text.includes(p), `the file shows ${p}`);
  assert.ok(text.includes('Where are the <b>maps</b> & atlases?'));
  assert.equal(await reader.getByRole('heading', { level: 1 }).textContent(), 'Ask a Librarian');
  assert.equal(await reader.getByRole('list').getByRole('listitem').count(), 2 + 1 + TYPED.length + 1);
  const img = reader.getByRole('img', { name: 'Map of the second floor' });
  assert.deepEqual(await img.evaluate((el) => [el.complete, el.naturalWidth > 0]), [true, true]);
  await checkAxe(reader, 'the saved transcript');
  await screenshot(reader, 'transcript-file');
  await reader.close();

  // After the chat ends the button stays, and the file says how it ended.
  await guest.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(guest), 'You ended the chat');
  await expect.visible(guest.getByRole('button', SAVE));
  const after = await save(guest);
  assert.match(after.html, /You ended the chat/);
  assert.match(after.html, /<img src="data:image\//);
  await guests.close();
});

test('on a phone the button fits in the header and keeps its name; axe is clean', async () => {
  const { guests, guest } = await openBox({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await startChat(guest, 'Pat Phone');
  await offerCard(op, 'Pat Phone').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Nora Lind joined the chat');
  const button = guest.getByRole('button', SAVE);
  await expect.visible(button);
  const [b, end, header] = await Promise.all([button.boundingBox(), guest.getByRole('button', { name: 'End chat' }).boundingBox(),
    guest.locator('.box__header').boundingBox()]);
  assert.ok(b.x >= 0 && b.x + b.width <= 390, `the button lies within the screen: ${JSON.stringify(b)}`);
  assert.ok(b.y >= header.y && b.y + b.height <= header.y + header.height, 'the button sits in the header');
  assert.ok(b.x + b.width <= end.x, 'the button does not cover End chat');
  assert.ok(b.width >= 24 && b.height >= 24, `a target big enough to touch: ${b.width}x${b.height}`);
  assert.equal(await guest.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing wider than the screen');
  await checkAxe(guest, 'the box on a phone with Save transcript');
  await screenshot(guest, 'transcript-box-phone');
  const { name, html } = await save(guest);
  assert.match(name, /^chat-\d{4}-\d{2}-\d{2}\.html$/);
  assert.match(html, /You started the chat/);
  await guests.close();
});
