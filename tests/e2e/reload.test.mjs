// A reload in the middle of a chat loses nothing, on either side, and
// shows nothing twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, startChat, say, transcript, offerCard, ASK_SWITCH, staffOnline } from './lib/flows.mjs';

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

async function messages(where) {
  return transcript(where).locator('.rd-msg__bubble').allInnerTexts();
}

test('reloading the box or the webclient mid-chat loses nothing', async () => {
  const ida = srv.addOperator({ username: 'ida', name: 'Ida Berg' });
  const { staff, op } = await staffOnline(browser, srv.url, ida);

  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Jon');
  await say(guest, 'one');
  await offerCard(op, 'Jon').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'two');
  await expect.text(transcript(guest), 'two');
  await say(guest, 'three');
  await expect.text(transcript(op), 'three');

  // The guest reloads: same chat, whole transcript, once.
  await guest.reload();
  await expect.text(transcript(guest), 'three');
  await expect.text(guest.locator('#box-status'), 'Chatting with Ida Berg');
  assert.deepEqual(await messages(guest), ['one', 'two', 'three']);
  await expect.count(transcript(guest).getByText('Ida Berg joined the chat'), 1);

  // Messages right after the reload go through both ways.
  // (Each side waits to see the other's message, so the order in the log is the typed order.)
  await say(guest, 'four');
  await expect.text(transcript(op), 'four');
  await say(op, 'five');
  await expect.text(transcript(guest), 'five');

  // The operator reloads: the held chat comes back from the server.
  await op.reload();
  await expect.visible(op.locator('#conn[data-state="open"]'));
  await expect.text(transcript(op), 'five');
  assert.deepEqual(await messages(op), ['one', 'two', 'three', 'four', 'five']);
  await expect.checked(op.getByRole('checkbox', { name: ASK_SWITCH }));

  // And the chat still works from the reloaded webclient.
  await say(op, 'six');
  await expect.text(transcript(guest), 'six');
  assert.deepEqual(await messages(guest), ['one', 'two', 'three', 'four', 'five', 'six']);
  await expect.count(transcript(guest).locator('[data-state="pending"]'), 0);

  // A second reload of the box right after sending still shows it once.
  await say(guest, 'seven');
  await guest.reload();
  await expect.text(transcript(guest), 'seven');
  await expect.text(transcript(op), 'seven');
  assert.deepEqual(await messages(guest), ['one', 'two', 'three', 'four', 'five', 'six', 'seven']);
  assert.deepEqual(await messages(op), ['one', 'two', 'three', 'four', 'five', 'six', 'seven']);

  expectClean(staff);
  expectClean(guests);
});

test('a dropped connection: the box reconnects, resumes and sends what was written meanwhile', async () => {
  const kay = srv.addOperator({ username: 'kay', name: 'Kay Dunn' });
  const { staff, op } = await staffOnline(browser, srv.url, kay);

  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Lou');
  await offerCard(op, 'Lou').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'before the drop');
  await expect.text(transcript(guest), 'before the drop');

  await srv.crash();
  await expect.text(guest.locator('#conn'), 'Connection lost', 15000);
  await say(guest, 'written while offline');
  await expect.text(transcript(guest).locator('[data-state="pending"]'), 'written while offline');
  await expect.text(transcript(guest).locator('[data-state="pending"]'), 'Sending…');
  const pendingEl = await transcript(guest).locator('[data-state="pending"]').elementHandle();

  await srv.revive();
  await expect.text(transcript(guest).locator('[data-from="guest"][data-state="sent"]'), 'written while offline', 30000);
  await expect.hidden(guest.locator('#conn'), 15000);
  // The same element turned from pending to sent: screen readers are not
  // told the message a second time.
  assert.equal(await pendingEl.evaluate((el) => el.isConnected && el.dataset.state), 'sent');

  // The operator's webclient reconnects as well (or, if the restarted server
  // forgot the session, asks to sign in again) and sees the message once.
  await expect.visible(op.locator('#conn[data-state="open"], #signin-form'), 30000);
  if (op.url().includes('/staff/signin')) await signIn(op, srv.url, kay);
  await expect.text(transcript(op), 'written while offline', 15000);
  await expect.count(transcript(op).getByText('written while offline'), 1);
  await say(op, 'after the drop');
  await expect.text(transcript(guest), 'after the drop', 15000);
  assert.deepEqual(await messages(guest), ['before the drop', 'written while offline', 'after the drop']);

  const down = [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/, /status of 401/];
  expectClean(staff, down);
  expectClean(guests, down);
});
