// The pop-up box: the demo home page's button opens the chat in its own
// named window (reused on the next click), and the chat works there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, say, transcript, offerCard, staffOnline } from './lib/flows.mjs';

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

test('the pop-up box opens in its own window and chats', async () => {
  const gil = srv.addOperator({ username: 'gil', name: 'Gil Santos' });
  const { staff, op } = await staffOnline(browser, srv.url, gil);

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const opened = guests.waitForEvent('page');
  await page.getByRole('button', { name: 'Open chat window' }).click();
  const popup = await opened;
  await popup.waitForLoadState();
  assert.equal(new URL(popup.url()).pathname, '/box/ask');
  assert.equal(new URL(popup.url()).searchParams.get('mode'), 'popup');

  await startChat(popup, 'Hana');
  await say(popup, 'Can I renew a book online?');
  await offerCard(op, 'Hana').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Yes: sign in to your account and choose Renew.');
  await expect.text(transcript(popup), 'Yes: sign in to your account and choose Renew.');
  await expect.text(transcript(op), 'Can I renew a book online?');
  await screenshot(popup, 'popup-chat');

  // The operator ends the chat; the guest is told and may close the window.
  await op.getByRole('button', { name: 'End chat' }).click();
  await expect.text(popup.locator('#ended'), 'The librarian has ended this chat');
  await expect.text(transcript(popup), 'The librarian ended the chat');
  await expect.visible(popup.getByRole('button', { name: 'Close window' }));
  const closed = popup.waitForEvent('close');
  // The click closes the page it lands on: Playwright may then report the page gone
  // while finishing the click.  The 'close' event is what this step checks.
  await popup.getByRole('button', { name: 'Close window' }).click({ noWaitAfter: true })
    .catch((err) => { if (!/has been closed/.test(err.message)) throw err; });
  await closed;

  expectClean(staff);
  expectClean(guests);
});

// The window has a name, so a second click brings the same chat window
// forward instead of opening another one. (This needs the library page and
// the box window in one browsing context group: a Cross-Origin-Opener-Policy
// of same-origin on the library's page would cut the link.)
test('a second click reuses the chat window', async () => {
  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const opened = guests.waitForEvent('page');
  await page.getByRole('button', { name: 'Open chat window' }).click();
  const popup = await opened;
  await popup.waitForLoadState();
  assert.equal(await popup.evaluate(() => window.name), 'refdesk-ask');
  await expect.visible(popup.locator('#box-status'));
  const pagesBefore = guests.pages().length;
  await page.getByRole('button', { name: 'Open chat window' }).click();
  await page.waitForTimeout(500);
  assert.equal(guests.pages().length, pagesBefore, 'a second window was opened');
  expectClean(guests);
});
