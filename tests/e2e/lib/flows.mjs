// flows.mjs: the steps the browser tests share — an operator signing in and
// going available, a guest starting a chat in a box, and waiting for text
// to show in a transcript.

import { expect } from './expect.mjs';
import { newContext } from './browser.mjs';

/** Sign in on /staff/signin and land on the webclient. */
export async function signIn(page, baseUrl, { username, password }) {
  await page.goto(`${baseUrl}/staff/signin`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/staff`);
  await expect.visible(page.locator('#conn[data-state="open"]'));
}

/**
 * A staff member in a context of their own: `who` signed in on the
 * webclient and available on the demo queue. Resolves with { staff, op }.
 */
export async function staffOnline(browser, baseUrl, who, contextOptions) {
  const staff = await newContext(browser, contextOptions);
  const op = await staff.newPage();
  await signIn(op, baseUrl, who);
  await goAvailable(op);
  return { staff, op };
}

/** The demo library's queue, as its switch in the webclient names it. */
export const ASK_SWITCH = /^Available on Ask a librarian$/i;

/** Switch "Available on <queue title>" on and wait for the server's answer. */
export async function goAvailable(page, name = ASK_SWITCH) {
  const box = page.getByRole('checkbox', { name });
  await box.check();
  await expect.checked(box);
  await expect.enabled(box);
}

/** In a chat box (page or frame), give a name and start a chat. */
export async function startChat(box, name) {
  await expect.visible(box.getByRole('button', { name: 'Start chat' }));
  if (name) await box.getByRole('textbox', { name: /Your name/ }).fill(name);
  await box.getByRole('button', { name: 'Start chat' }).click();
  await expect.visible(box.getByRole('textbox', { name: 'Message' }));
}

/** Type a message into the Message box and press Enter. */
export async function say(where, text) {
  const input = where.getByRole('textbox', { name: 'Message' });
  await input.fill(text);
  await input.press('Enter');
}

/** The transcript (role=log) of a box or the webclient. */
export function transcript(where) {
  return where.getByRole('log');
}

/** The ringing card for `guest` in the webclient. */
export function offerCard(page, guest) {
  return page.locator('article.offer', { has: page.getByText(guest, { exact: true }) });
}

/**
 * Poll `fn` in the page until it returns something truthy, and return that
 * (page.evaluate: the pages' CSP refuses waitForFunction's eval).
 */
export async function poll(page, fn, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(fn).catch(() => false);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
