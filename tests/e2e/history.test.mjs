// Chat History (/staff/history) and the chat management page
// (/staff/chat/CHAT/TOKEN): an operator finds a chat by a word, reads its
// transcript, shows a hidden snapshot, downloads the transcript (messages
// and the thumbnail inside it), opens the sharing tool from both pages,
// follows a management link signed out and lands back on it after signing
// in, accepts a waiting chat and ends one there; axe finds nothing wrong
// with either page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';


let srv;
let browser;
let staff;
let op;
let nora;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  nora = srv.addOperator({ username: 'nora', name: 'Nora Lind', isAdmin: true });
  staff = await newContext(browser, { acceptDownloads: true });
  op = await staff.newPage();
  await signIn(op, srv.url, nora);
  await goAvailable(op);
});
after(async () => {
  await browser?.close();
  await srv?.close();
});


/** A guest starts a chat in the pop-up box; the operator accepts it unless `accept` is false. */
async function guestChat(name, { accept = true } = {}) {
  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, name);
  if (accept) {
    await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
    await expect.text(transcript(guest), 'Nora Lind joined the chat');
  }
  return { guests, guest };
}

/** The guest pastes a small screenshot and sends it. */
async function pasteScreenshot(guest) {
  await guest.getByRole('textbox', { name: 'Message' }).evaluate(async (field) => {
    const canvas = document.createElement('canvas');
    canvas.width = 480;
    canvas.height = 270;
    const g = canvas.getContext('2d');
    g.fillStyle = '#1d5c8c';
    g.fillRect(0, 0, 480, 270);
    g.fillStyle = '#ffd23f';
    g.fillRect(60, 60, 200, 120);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'catalogue.png', { type: 'image/png' }));
    field.focus();
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  const preview = guest.getByRole('region', { name: 'Image to send' });
  await preview.getByRole('button', { name: 'Send image' }).click();
  await expect.hidden(preview);
}

/** Wait until an image has decoded; returns its natural size. */
async function loaded(img) {
  const end = Date.now() + 10000;
  while (Date.now() < end) {
    const s = await img.evaluate((el) => ({ done: el.complete, w: el.naturalWidth, h: el.naturalHeight })).catch(() => null);
    if (s?.done && s.w > 0) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  return assert.fail('the image did not load');
}

/** Click `button` and return the sharing tool window it opens. */
async function opensSharingTool(context, button, chat) {
  const [share] = await Promise.all([context.waitForEvent('page'), button.click()]);
  await share.waitForLoadState();
  assert.equal(new URL(share.url()).pathname, `/staff/share/${chat}`);
  await expect.visible(share.locator('#conn[data-state="open"]'));
  await share.close();
}

let hana;
let chatId;
let hist;

test('find a chat by a word, read it, show a snapshot, download the transcript', async () => {
  hana = await guestChat('Hana Hill');
  await say(hana.guest, 'Where is the zeppelin timetable collection?');
  await expect.text(transcript(op), 'zeppelin timetable');
  await say(op, 'In the <b>maps</b> room & online.');
  await pasteScreenshot(hana.guest);
  await expect.visible(transcript(op).getByRole('button', { name: 'Show' }));
  // Another chat, without the word.
  const other = await guestChat('Omar Other');
  await say(other.guest, 'Do you have audiobooks?');
  await expect.text(transcript(op), 'audiobooks');

  // The webclient links to Chat History; it opens here in a second window,
  // so the webclient stays connected and keeps ringing.
  assert.equal(await op.getByRole('link', { name: 'Chat History' }).getAttribute('href'), '/staff/history');
  hist = await staff.newPage();
  await hist.goto(`${srv.url}/staff/history`);
  await expect.count(hist.locator('.history-item'), 2);
  await hist.getByRole('searchbox', { name: 'Search transcripts' }).fill('zeppelin');
  await hist.getByRole('searchbox', { name: 'Search transcripts' }).press('Enter');
  await expect.count(hist.locator('.history-item'), 1);
  const item = hist.locator('.history-item');
  await expect.text(item, 'Hana Hill');
  assert.equal(await item.locator('mark').innerText(), 'zeppelin');
  await checkAxe(hist, 'Chat History with search results');
  await item.click();
  chatId = await item.getAttribute('data-chat');

  const log = hist.getByRole('log');
  await expect.text(log, 'Where is the zeppelin timetable collection?');
  await expect.text(log, 'In the <b>maps</b> room & online.');
  await expect.text(log, 'Nora Lind joined the chat');
  assert.equal(await log.locator('b').count(), 0, 'message text is never markup');
  await expect.text(hist.locator('#chat-meta'), 'Active');
  // The snapshot is hidden until Show, as in the webclient.
  assert.equal(await log.locator('img').count(), 0);
  await checkAxe(hist, 'Chat History with a transcript');
  await log.getByRole('button', { name: 'Show' }).click();
  const size = await loaded(log.locator('img')).catch(async (err) => {
    await screenshot(hist, 'history-debug');
    throw err;
  });
  assert.deepEqual([size.w, size.h], [320, 180]);
  await screenshot(hist, 'history-transcript');

  const [download] = await Promise.all([hist.waitForEvent('download'),
    hist.getByRole('button', { name: 'Download transcript' }).click()]);
  assert.equal(download.suggestedFilename(), `transcript-${chatId}.html`);
  const html = fs.readFileSync(await download.path(), 'utf8');
  assert.ok(html.includes('Where is the zeppelin timetable collection?'));
  assert.ok(html.includes('In the &lt;b&gt;maps&lt;/b&gt; room &amp; online.'));
  assert.match(html, /<img src="data:image\/png;base64,[A-Za-z0-9+/]{100,}={0,2}" alt="Screenshot from the guest, 480×270">/);
  assert.ok(!/<script/i.test(html));
  // The downloaded file shows its thumbnail with nothing but itself.
  const copy = path.join(path.dirname(await download.path()), 'transcript.html');
  fs.copyFileSync(await download.path(), copy);
  const file = await staff.newPage();
  await file.goto(`file://${copy}`);
  const thumb = await loaded(file.locator('img'));
  assert.deepEqual([thumb.w, thumb.h], [320, 180]);
  await file.close();

  await other.guests.close();
  expectClean(staff);
});

test('the sharing tool opens from Chat History and from the chat management page', async () => {
  await opensSharingTool(staff, hist.getByRole('button', { name: 'Sharing tool', exact: true }), chatId);
  const manage = await hist.getByRole('link', { name: 'Chat page' }).getAttribute('href');
  assert.match(manage, new RegExp(`^/staff/chat/${chatId}/[A-Za-z0-9_-]{32}$`));

  const page = await staff.newPage();
  await page.goto(`${srv.url}${manage}`);
  await expect.text(page.getByRole('heading', { level: 1 }), 'Chat with Hana Hill');
  await expect.text(page.locator('.manage__facts'), 'Nora Lind (you)');
  await expect.text(page.locator('#status'), 'Active');
  await expect.visible(page.locator('#conn[data-state="open"]'));
  assert.equal(await page.getByRole('button', { name: 'Accept' }).isVisible(), false, 'no Accept once taken');
  await checkAxe(page, 'the chat management page');
  await screenshot(page, 'manage-active');
  await opensSharingTool(staff, page.getByRole('button', { name: 'Sharing tool' }), chatId);

  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download transcript' }).click()]);
  assert.ok(fs.readFileSync(await download.path(), 'utf8').includes('zeppelin timetable'));

  // End chat from here: the guest hears it, the page says so.
  await page.getByRole('button', { name: 'End chat' }).click();
  await expect.text(page.locator('#status'), 'Ended');
  await expect.text(transcript(hana.guest), 'ended');
  await expect.hidden(page.getByRole('button', { name: 'End chat' }));
  await expect.hidden(page.getByRole('button', { name: 'Sharing tool' }));
  await page.close();
  await hana.guests.close();
  expectClean(staff);
});

test('a management link signed out: sign in, land back, accept the waiting chat', async () => {
  const ida = await guestChat('Ida Waiting', { accept: false });
  await expect.visible(offerCard(op, 'Ida Waiting'));
  await hist.bringToFront();
  await hist.reload();
  await hist.getByLabel('Status').selectOption('waiting');
  await expect.count(hist.locator('.history-item'), 1);
  await hist.locator('.history-item').click();
  await expect.text(hist.locator('#chat-meta'), 'Waiting');
  const manage = await hist.getByRole('link', { name: 'Chat page' }).getAttribute('href');
  await checkAxe(hist, 'Chat History with filters');
  await screenshot(hist, 'history-filters');

  // A desktop client's operator opens the link without a session.
  const desk = await newContext(browser);
  const page = await desk.newPage();
  await page.goto(`${srv.url}${manage}`);
  await page.waitForURL(/\/staff\/signin\?next=/);
  await page.getByRole('textbox', { name: 'Username' }).fill(nora.username);
  await page.getByLabel('Password').fill(nora.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${srv.url}${manage}`);
  await expect.text(page.locator('#status'), 'Waiting');
  await expect.text(page.locator('#holder'), 'Nobody yet');
  assert.equal(await page.getByRole('button', { name: 'End chat' }).isVisible(), false, 'nobody holds it yet');
  await expect.visible(page.locator('#conn[data-state="open"]'));
  await checkAxe(page, 'the chat management page of a waiting chat');
  await screenshot(page, 'manage-waiting');
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect.text(page.locator('#status'), 'Active');
  await expect.text(page.locator('#holder'), 'Nora Lind (you)');
  await expect.text(transcript(ida.guest), 'Nora Lind joined the chat');
  await expect.visible(page.getByRole('button', { name: 'Sharing tool' }));
  await ida.guests.close();
  expectClean(desk, [/status of 401/]);
});
