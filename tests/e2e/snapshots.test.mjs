// Snapshots and files (PROTOCOL.md 2.6) in the guest's box and the
// webclient: a guest pastes a screenshot (a real paste event) and sends it
// after the preview; the operator sees it hidden, shows it and opens the
// full image; the operator sends a PDF with Send file and the guest
// downloads the same bytes; a picture sent as a file downloads on both sides
// and is never shown; a picked image can be cancelled before it goes;
// an image over the limit is refused in the box; axe finds nothing wrong
// with either page showing a snapshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, transcript, offerCard } from './lib/flows.mjs';
import { makePng, makePdf } from './lib/files.mjs';


let srv;
let browser;
let staff;
let op;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  const nora = srv.addOperator({ username: 'nora', name: 'Nora Lind' });
  staff = await newContext(browser);
  op = await staff.newPage();
  await signIn(op, srv.url, nora);
  await goAvailable(op);
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/**
 * A guest (own context) starts a chat in the pop-up box and the operator
 * accepts it. Returns { guests, guest, uploads } where uploads collects the
 * upload requests the guest's page makes.
 */
async function openChat(name, options = {}) {
  const guests = await newContext(browser, options);
  const guest = await guests.newPage();
  const uploads = [];
  guest.on('request', (req) => {
    if (req.method() === 'POST' && /\/api\/chats\/[^/]+\/uploads$/.test(req.url())) uploads.push(req);
  });
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, name);
  await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Nora Lind joined the chat');
  await expect.text(op.locator('#chat-title'), name);
  return { guests, guest, uploads };
}


/**
 * Wait until `img` shows a decoded picture; returns its natural size and
 * source. Polls through the locator, so an element redrawn meanwhile (the
 * server's thumbnail replacing the sender's own copy) is found again.
 */
async function loaded(img, timeout = 10000) {
  const end = Date.now() + timeout;
  let last = null;
  while (Date.now() < end) {
    last = await img.evaluate((el) => ({ done: el.complete, width: el.naturalWidth, height: el.naturalHeight, src: el.src }),
      null, { timeout: 1000 }).catch(() => null);
    if (last?.done && last.width > 0) return { width: last.width, height: last.height, src: last.src };
    await new Promise((r) => setTimeout(r, 50));
  }
  return assert.fail(`no picture loaded (last: ${JSON.stringify(last)})`);
}

/**
 * Click `target` and follow the tab it opens: wait for its URL to match
 * `url`, and return that URL, the natural size of the image it shows and
 * that image's src. Whatever the tab reports (a CSP violation, a console
 * error) counts against the test like any page's.
 */
async function openTab(context, target, url) {
  const [tab] = await Promise.all([context.waitForEvent('page'), target.click()]);
  await tab.waitForURL(url);
  await tab.waitForLoadState('load');
  const size = await tab.evaluate(async () => {
    // The guest's viewer fills its window once the bytes are in hand.
    for (let i = 0; i < 100 && !document.images[0]; i++) await new Promise((r) => setTimeout(r, 50));
    const img = document.images[0];
    if (!img) return null;
    if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }));
    return { width: img.naturalWidth, height: img.naturalHeight, src: img.src };
  });
  const opened = tab.url();
  await tab.close();
  return { url: opened, size: size && { width: size.width, height: size.height }, src: size?.src };
}

test('a pasted screenshot: previewed, sent, hidden for the operator until Show, opened full size', async () => {
  const { guests, guest, uploads } = await openChat('Pia Paste', { viewport: { width: 420, height: 700 } });

  // A real paste event carrying a PNG drawn on a canvas, on the message field.
  await guest.getByRole('textbox', { name: 'Message' }).evaluate(async (field) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const g = canvas.getContext('2d');
    g.fillStyle = '#f4f6f9';
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#1d5c8c';
    g.fillRect(40, 40, 560, 60);
    g.fillStyle = '#c0392b';
    g.beginPath();
    g.arc(320, 230, 80, 0, Math.PI * 2);
    g.fill();
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }));
    field.focus();
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  const preview = guest.getByRole('region', { name: 'Image to send' });
  await expect.visible(preview);
  await expect.text(preview, 'screenshot.png');
  const shown = await loaded(preview.getByRole('img'));
  assert.deepEqual([shown.width, shown.height], [640, 360]);
  assert.ok(shown.src.startsWith('blob:'), shown.src);
  assert.equal(uploads.length, 0, 'nothing is sent before Send image');
  await screenshot(guest, 'snap-guest-preview');
  await preview.getByRole('button', { name: 'Send image' }).click();
  await expect.hidden(preview);

  // The guest's transcript: the thumbnail, fetched with the token, through a blob: URL.
  // (The server's thumbnail, inside the button that opens the full image;
  // until the event comes the guest's own copy shows.)
  const opener = transcript(guest).getByRole('button', { name: /^Screenshot from the guest, 640×360/ });
  const thumb = opener.getByRole('img', { name: 'Screenshot from the guest, 640×360' });
  const t = await loaded(thumb);
  assert.deepEqual([t.width, t.height], [320, 180]);
  assert.ok(t.src.startsWith('blob:'), `the guest's thumbnail is ${t.src}`);
  assert.deepEqual(await thumb.evaluate((el) => [el.getAttribute('width'), el.getAttribute('height')]), ['320', '180']);
  assert.equal(uploads.length, 1);
  const sent = uploads[0].headers();
  assert.equal(sent['x-upload-kind'], 'image');
  assert.equal(sent['x-file-name'], 'screenshot.png');
  assert.match(sent['x-client-id'], /^[0-9a-z]+-gu-[0-9a-z]+$/); // time, the guest's upload, randomness
  assert.match(sent.authorization, /^Bearer [A-Za-z0-9_-]{20,}$/);
  assert.ok(!uploads[0].url().includes(sent.authorization.slice(7)), 'the token is not in the URL');
  await screenshot(guest, 'snap-guest-thumbnail');

  // Clicking it opens the full image in a new tab: a page of the box's own
  // making showing a blob: URL (the token stays with the box).
  const guestTab = await openTab(guests, thumb, /^about:blank$/);
  assert.ok(guestTab.src.startsWith(`blob:${srv.url}/`), guestTab.src);
  assert.deepEqual(guestTab.size, { width: 640, height: 360 });

  // The operator sees it hidden: a name, details and Show.
  const item = transcript(op).locator('[data-kind="snapshot"]').last();
  await expect.visible(item);
  await expect.text(item, 'screenshot.png');
  await expect.text(item, 'Image hidden');
  await expect.count(item.getByRole('img'), 0);
  await expect.text(op.locator('.chat-tab.is-selected'), 'Image: screenshot.png');
  await screenshot(op, 'snap-operator-hidden');
  await checkAxe(op, 'the webclient with a hidden snapshot');

  await item.getByRole('button', { name: 'Show', exact: true }).click();
  const opThumb = item.getByRole('img', { name: 'Screenshot from the guest, 640×360' });
  const o = await loaded(opThumb);
  assert.deepEqual([o.width, o.height], [320, 180]);
  assert.match(o.src, /\/api\/chats\/c_[^/]+\/blobs\/[0-9a-f]{64}$/);
  await expect.count(item.getByRole('button', { name: 'Show', exact: true }), 0);
  await screenshot(op, 'snap-operator-shown');
  await checkAxe(op, 'the webclient showing a snapshot');

  const opTab = await openTab(staff, opThumb, /\/api\/chats\/c_[^/]+\/blobs\/[0-9a-f]{64}$/);
  assert.deepEqual(opTab.size, { width: 640, height: 360 });

  await checkAxe(guest, 'the box showing a snapshot');
  expectClean(guests);
  expectClean(staff);
  await guests.close();
});

test('the operator sends a PDF with Send file; the guest downloads the same bytes', async () => {
  const { guests, guest } = await openChat('Dana Download');
  const pdf = makePdf('Owls of North America');
  const name = 'Reading list — owls.pdf';

  const [chooser] = await Promise.all([op.waitForEvent('filechooser'), op.getByRole('button', { name: 'Send file' }).click()]);
  await chooser.setFiles({ name, mimeType: 'application/pdf', buffer: pdf });
  const opItem = transcript(op).locator('[data-kind="file"][data-state="sent"]');
  await expect.text(opItem, name);

  const link = transcript(guest).getByRole('link', { name: new RegExp(name) });
  await expect.visible(link);
  await expect.text(link, 'application/pdf');
  await expect.text(link, '2 KB');
  assert.equal(await link.getAttribute('download'), name);
  await screenshot(guest, 'snap-guest-file');
  await screenshot(op, 'snap-operator-file');

  const [download] = await Promise.all([guest.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), name);
  const got = fs.readFileSync(await download.path());
  assert.ok(got.equals(pdf), `downloaded ${got.length} bytes, sent ${pdf.length}`);

  // The operator pastes a picture too (cookie + CSRF token); the guest sees it at once.
  const opUploads = [];
  const spy = (req) => req.method() === 'POST' && req.url().endsWith('/uploads') && opUploads.push(req);
  op.on('request', spy);
  const png = makePng(480, 240, [30, 120, 70]);
  await op.getByRole('textbox', { name: 'Message' }).evaluate((field, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'catalogue-search.png', { type: 'image/png' }));
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, [...png]);
  const opPreview = op.getByRole('region', { name: 'Image to send' });
  await opPreview.getByRole('textbox', { name: /Description/ }).fill('Where to search the catalogue');
  await screenshot(op, 'snap-operator-preview');
  await opPreview.getByRole('button', { name: 'Send image' }).click();
  const theirs = transcript(guest).getByRole('button', { name: /^Where to search the catalogue/ }).getByRole('img');
  const t = await loaded(theirs);
  assert.deepEqual([t.width, t.height], [320, 160]);
  await loaded(transcript(op).getByRole('link', { name: /^Where to search the catalogue/ }).getByRole('img'));
  op.off('request', spy);
  const h = opUploads[0].headers();
  assert.equal(h['x-upload-kind'], 'image');
  assert.ok(h['x-csrf-token']?.length > 10, 'the CSRF token goes along');
  assert.equal(h.authorization, undefined);
  await screenshot(guest, 'snap-guest-from-operator');

  expectClean(guests);
  expectClean(staff);
  await guests.close();
});

test('a picture sent with Send file is a file: both sides download it, neither page shows it', async () => {
  const { guests, guest } = await openChat('Fay File');
  const png = makePng(200, 100, [200, 30, 30]);
  const name = 'floor-plan.png';
  const [chooser] = await Promise.all([op.waitForEvent('filechooser'), op.getByRole('button', { name: 'Send file' }).click()]);
  await chooser.setFiles({ name, mimeType: 'image/png', buffer: png });

  // The guest's box (token in a header): a download link with the declared type as words, no picture.
  const link = transcript(guest).getByRole('link', { name: new RegExp(name) });
  await expect.visible(link);
  await expect.text(link, 'image/png');
  assert.equal(await transcript(guest).locator('[data-kind="file"] img').count(), 0);
  const [download] = await Promise.all([guest.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), name);
  assert.ok(fs.readFileSync(await download.path()).equals(png), 'the guest got other bytes');

  // The webclient (cookie): the same link downloads, and the server says so too.
  const opLink = transcript(op).locator('[data-kind="file"][data-state="sent"]').getByRole('link', { name: new RegExp(name) });
  await expect.visible(opLink);
  assert.equal(await transcript(op).locator('[data-kind="file"] img').count(), 0);
  const [opDownload] = await Promise.all([op.waitForEvent('download'), opLink.click()]);
  assert.equal(opDownload.suggestedFilename(), name);
  assert.ok(fs.readFileSync(await opDownload.path()).equals(png), 'the operator got other bytes');
  const served = await op.evaluate(async (href) => {
    const res = await fetch(href);
    return { type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
  }, await opLink.getAttribute('href'));
  assert.equal(served.type, 'application/octet-stream');
  assert.match(served.disposition, /^attachment; filename="floor-plan\.png"/);

  expectClean(guests);
  expectClean(staff);
  await guests.close();
});

test('a picked image can be cancelled before it goes; the next one is sent with its description', async () => {
  const { guests, guest, uploads } = await openChat('Cal Cancel', { viewport: { width: 360, height: 700 }, isMobile: true, hasTouch: true });
  const preview = guest.getByRole('region', { name: 'Image to send' });
  const pick = async (file) => {
    const [chooser] = await Promise.all([guest.waitForEvent('filechooser'),
      guest.getByRole('button', { name: 'Attach image' }).click()]);
    assert.equal(await chooser.element().getAttribute('accept'), 'image/png,image/jpeg,image/webp,image/gif');
    await chooser.setFiles(file);
    await expect.visible(preview);
  };

  await pick({ name: 'wrong-one.png', mimeType: 'image/png', buffer: makePng(300, 200, [170, 40, 60]) });
  await expect.text(preview, 'wrong-one.png');
  await preview.getByRole('button', { name: 'Cancel' }).click();
  await expect.hidden(preview);
  await guest.waitForTimeout(300);
  assert.equal(uploads.length, 0, 'a cancelled image was sent');
  await expect.count(transcript(guest).locator('[data-kind="snapshot"]'), 0);

  await pick({ name: 'floor-map.png', mimeType: 'image/png', buffer: makePng(800, 600) });
  await preview.getByRole('textbox', { name: /Description/ }).fill('A map of the second floor');
  await screenshot(guest, 'snap-guest-preview-phone');
  await checkAxe(guest, 'the box with a preview');
  await preview.getByRole('button', { name: 'Send image' }).click();
  const mine = transcript(guest).getByRole('button', { name: /^A map of the second floor/ }).getByRole('img');
  const t = await loaded(mine);
  assert.deepEqual([t.width, t.height], [320, 240]);
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].headers()['x-alt'], encodeURIComponent('A map of the second floor'));
  await screenshot(guest, 'snap-guest-phone-thumbnail');

  const item = transcript(op).locator('[data-kind="snapshot"]').last();
  await expect.text(item, 'floor-map.png');
  // While hidden, its name opens the full image in a new tab.
  const byName = await openTab(staff, item.getByRole('link', { name: /^floor-map\.png/ }), /\/blobs\/[0-9a-f]{64}$/);
  assert.deepEqual(byName.size, { width: 800, height: 600 });
  await item.getByRole('button', { name: 'Show', exact: true }).click();
  await loaded(item.getByRole('img', { name: 'A map of the second floor' }));
  await expect.count(transcript(op).locator('[data-kind="snapshot"]'), 1);

  expectClean(guests);
  expectClean(staff);
  await guests.close();
});

test('an image over the limit is refused in the box before anything is sent', async () => {
  const { guests, guest, uploads } = await openChat('Olly Oversize');
  // 15 MB and one byte, dropped on the conversation (made in the page).
  await guest.locator('#view-chat').evaluate((zone) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(15 * 1024 * 1024 + 1)], 'huge-photo.png', { type: 'image/png' }));
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  const error = guest.locator('#composer-error');
  await expect.text(error, 'The limit is 15 MB');
  await expect.hidden(guest.getByRole('region', { name: 'Image to send' }));
  await screenshot(guest, 'snap-guest-too-large');

  // A file that is not a picture is refused the same way.
  const [chooser] = await Promise.all([guest.waitForEvent('filechooser'),
    guest.getByRole('button', { name: 'Attach image' }).click()]);
  await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes') });
  await expect.text(error, 'Only pictures can be sent here');
  await guest.waitForTimeout(300);
  assert.equal(uploads.length, 0, 'an upload went out');
  await expect.count(transcript(guest).locator('[data-kind="snapshot"]'), 0);

  expectClean(guests);
  expectClean(staff);
  await guests.close();
});
