// The box refuses a message over 4,000 characters before sending it,
// shows the limit, and counts characters as the text nears it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, transcript, offerCard, staffOnline } from './lib/flows.mjs';

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

test('an over-long message is refused in the box, with the limit shown', async () => {
  const quinn = srv.addOperator({ username: 'quinn', name: 'Quinn Ray' });
  const { staff, op } = await staffOnline(browser, srv.url, quinn);

  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Rae');
  await offerCard(op, 'Rae').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Quinn Ray joined the chat');

  const input = guest.getByRole('textbox', { name: 'Message' });
  const counter = guest.locator('#counter');
  await input.fill('a'.repeat(3000));
  await expect.hidden(counter);
  await input.fill('a'.repeat(3600));
  await expect.text(counter, '3,600 / 4,000');

  await input.fill('b'.repeat(4001));
  await expect.text(counter, '4,001 / 4,000');
  await input.press('Enter');
  const alert = guest.getByRole('alert').filter({ hasText: 'limit' });
  await expect.text(alert, '4,000 characters');
  await expect.text(alert, '4,001');
  await screenshot(guest, 'limits-refused');
  // Nothing left the box: no bubble, and the text is still there to shorten.
  assert.equal(await transcript(guest).locator('.rd-msg').count(), 0);
  assert.equal((await input.inputValue()).length, 4001);
  await guest.getByRole('button', { name: 'Send' }).click();
  assert.equal(await transcript(guest).locator('.rd-msg').count(), 0);

  // Exactly 4,000 characters is fine and arrives whole.
  await input.press('Backspace');
  await expect.hidden(alert);
  await input.press('Enter');
  await expect.count(transcript(op).locator('.rd-msg'), 1);
  const got = await transcript(op).locator('.rd-msg__bubble').innerText();
  assert.equal(got, 'b'.repeat(4000));
  assert.equal(await transcript(op).getByText('b'.repeat(4001)).count(), 0);

  expectClean(staff);
  expectClean(guests);
});
