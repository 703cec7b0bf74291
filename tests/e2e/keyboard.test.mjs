// A guest and an operator complete a whole chat with the keyboard alone:
// no clicks anywhere, only Tab, typing, Enter and Space.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, ROOT } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { transcript, ASK_SWITCH } from './lib/flows.mjs';

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

/** The accessible-ish name of the focused element (label, aria-label or text). */
function focusedName(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return '';
    const label = el.labels?.[0]?.textContent || el.getAttribute('aria-label') || el.textContent || '';
    return label.replace(/\s+/g, ' ').trim();
  });
}

/** Press Tab (or Shift+Tab) until the focused element's name matches. */
async function tabTo(page, name, { back = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    const now = await focusedName(page);
    if (name instanceof RegExp ? name.test(now) : now === name) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`could not reach "${name}" with the keyboard`);
}

test('guest and operator chat with the keyboard only', async () => {
  const mo = srv.addOperator({ username: 'mo', name: 'Mo Adler' });
  const staff = await newContext(browser);
  const op = await staff.newPage();
  await op.goto(`${srv.url}/staff/signin`);
  // The username field has focus on arrival.
  assert.equal(await focusedName(op), 'Username');
  await op.keyboard.type('mo');
  await op.keyboard.press('Tab');
  await op.keyboard.type(mo.password);
  await expect.enabled(op.getByRole('button', { name: 'Sign in' }));
  await op.keyboard.press('Enter');
  await op.waitForURL(`${srv.url}/staff`);
  await expect.visible(op.locator('#conn[data-state="open"]'));
  await tabTo(op, /^Available on Ask a librarian/i);
  await op.keyboard.press('Space');
  await expect.checked(op.getByRole('checkbox', { name: ASK_SWITCH }));

  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  await tabTo(guest, /^Your name/);
  await guest.keyboard.type('Nell');
  await guest.keyboard.press('Enter');
  // Starting moves focus to the message box.
  await expect.visible(guest.getByRole('textbox', { name: 'Message' }));
  await expect.text(transcript(guest), 'You started the chat');
  assert.equal(await focusedName(guest), 'Message');
  await guest.keyboard.type('Hello from the keyboard');
  await guest.keyboard.press('Enter');
  await expect.text(transcript(guest).locator('[data-state="sent"]'), 'Hello from the keyboard');

  await expect.visible(op.getByRole('button', { name: 'Accept' }));
  await tabTo(op, 'Accept');
  await op.keyboard.press('Enter');
  await expect.text(transcript(op), 'Hello from the keyboard');
  // Accepting puts the operator in the message box.
  assert.equal(await focusedName(op), 'Message');
  await op.keyboard.type('Hello Nell, how can I help?');
  await op.keyboard.press('Enter');
  await expect.text(transcript(guest), 'Hello Nell, how can I help?');

  await guest.keyboard.type('That is all, thanks');
  await guest.keyboard.press('Enter');
  await expect.text(transcript(op), 'That is all, thanks');

  // The operator ends the chat from the keyboard.
  await tabTo(op, 'End chat', { back: true });
  await op.keyboard.press('Enter');
  await expect.text(transcript(guest), 'The librarian ended the chat');
  await expect.text(transcript(op), 'The chat was ended by the librarian');

  // The guest starts a new chat with the keyboard.
  await tabTo(guest, 'Start chat');
  await guest.keyboard.press('Enter');
  await expect.visible(guest.getByRole('textbox', { name: 'Message' }));
  await expect.visible(op.getByRole('button', { name: 'Accept' }));

  // Signing out, by keyboard.
  await tabTo(op, 'Sign out', { back: true, max: 60 });
  await op.keyboard.press('Enter');
  await op.waitForURL(/\/staff\/signin/);

  expectClean(staff);
  expectClean(guests);
});

test('a sign-in page whose script never comes says so, and one whose script runs does not', async () => {
  const staff = await newContext(browser);
  await staff.clock.install();
  const op = await staff.newPage();
  await op.route('**/operator/signin.js', (route) => route.abort());
  await op.goto(`${srv.url}/staff/signin`, { waitUntil: 'commit' });
  await expect.visible(op.getByLabel('Username'));
  const late = op.getByRole('alert').filter({ hasText: 'taking a long time to load' });
  await op.clock.fastForward(5000);
  assert.equal(await late.isVisible(), false, 'not at once');
  await op.clock.fastForward(8000);
  await expect.visible(late);
  assert.equal(await op.getByRole('button', { name: 'Sign in' }).isDisabled(), true);
  await op.screenshot({ path: path.join(ROOT, 'build', 'screens', 'signin-script-missing.png') });
  // The aborted script is the browser's error to report, not the page's.
  expectClean(staff, [/signin\.js|ERR_FAILED|Failed to load/]);

  await op.unroute('**/operator/signin.js');
  await op.reload();
  await expect.enabled(op.getByRole('button', { name: 'Sign in' }));
  await op.clock.fastForward(20000);
  assert.equal(await op.locator('#signin-late').count(), 0, 'the notice is gone once the script runs');
  await staff.close();

  // Without JavaScript at all, the page says what it needs at once.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const page = await plain.newPage();
  await page.goto(`${srv.url}/staff/signin`);
  // (The page's own scripts are off; the test's evaluate still runs.)
  const shown = await page.evaluate(() => [...document.querySelectorAll('noscript .rd-alert')]
    .filter((p) => p.getBoundingClientRect().height > 0).map((p) => p.textContent));
  assert.deepEqual(shown, ['Signing in needs JavaScript. Turn it on for this site, then reload the page.']);
  await plain.close();
});

test('sign-in keeps what was typed, and Enter sends nothing, while the page is still loading', async () => {
  const ada = srv.addOperator({ username: 'ada', name: 'Ada Byron' });
  const staff = await newContext(browser);
  const op = await staff.newPage();
  // Hold the page's script back.
  let release;
  const held = new Promise((r) => { release = r; });
  await op.route('**/operator/signin.js', async (route) => {
    await held;
    await route.continue();
  });
  const urls = [];
  op.on('request', (r) => urls.push(r.url()));
  // (A module script holds DOMContentLoaded back: wait for the field itself.)
  await op.goto(`${srv.url}/staff/signin`, { waitUntil: 'commit' });
  await expect.visible(op.getByLabel('Username'));
  await op.waitForFunction(() => document.activeElement?.id === 'username');
  await op.keyboard.type('ada');
  await op.keyboard.press('Tab');
  await op.keyboard.type('correct horse');
  await op.keyboard.press('Enter');
  await op.waitForTimeout(300);
  assert.equal(op.url(), `${srv.url}/staff/signin`);
  assert.ok(!urls.some((u) => u.includes('horse')), `the password left in a URL: ${urls.join(' ')}`);

  release();
  await expect.enabled(op.getByRole('button', { name: 'Sign in' }));
  // The script's arrival moves nothing: the rest of the password goes where the first part went.
  await op.keyboard.type(' battery');
  assert.equal(await op.getByLabel('Username').inputValue(), 'ada');
  assert.equal(await op.getByLabel('Password').inputValue(), ada.password);
  await op.keyboard.press('Enter');
  await op.waitForURL(`${srv.url}/staff`);
  await staff.close();
});
