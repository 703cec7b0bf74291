// axe-core finds no accessibility violations on the guest's box (every
// view), the sign-in page, the webclient (with a chat open) and the admin
// page; and the box fits a 320 px phone without horizontal scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot, ROOT } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

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

/** Run axe (WCAG 2.x A and AA rules plus best practices) and fail on any violation. */
async function checkAxe(page, what) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  const problems = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(problems, [], `axe found problems on ${what}:\n${problems.join('\n')}`);
}

/** No horizontal scrolling at the page's width. */
async function assertNoSideScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: innerWidth }));
  assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px window`);
}

// Injecting axe is an inline script, which the pages' CSP rightly refuses:
// these contexts bypass CSP for the scan only.
const axeContext = (options = {}) => newContext(browser, { bypassCSP: true, ...options });

test('the guest box, on a phone and on a desktop', async () => {
  const una = srv.addOperator({ username: 'una', name: 'Una Vale' });
  const guests = await axeContext({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
  const guest = await guests.newPage();

  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.text(guest.locator('#view-offline'), "We're away right now");
  await checkAxe(guest, 'the offline box');
  await assertNoSideScroll(guest);
  await screenshot(guest, 'box-320-offline');

  const staff = await axeContext();
  const op = await staff.newPage();
  await signIn(op, srv.url, una);
  await goAvailable(op);

  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  await checkAxe(guest, 'the start view');
  await assertNoSideScroll(guest);
  await screenshot(guest, 'box-320-start');
  const size = await guest.getByRole('textbox', { name: /Your name/ }).evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(size, '16px', 'inputs are 16px so phones do not zoom');

  await startChat(guest, 'Vic');
  await say(guest, 'A long question about a reference that wraps over several lines on a narrow phone screen: https://example.org/a/very/long/address/without/any/spaces/at/all/that/must/still/wrap');
  await offerCard(op, 'Vic').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Let me look that up for you.');
  await expect.text(transcript(guest), 'Let me look that up for you.');
  await checkAxe(guest, 'the chat view');
  await assertNoSideScroll(guest);
  const fs = await guest.getByRole('textbox', { name: 'Message' }).evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(fs, '16px');
  await screenshot(guest, 'box-320-chat');

  // The message box stays in view when the visible viewport shrinks (an
  // on-screen keyboard): the box follows visualViewport's height.
  await guest.setViewportSize({ width: 320, height: 360 });
  await guest.waitForTimeout(200);
  const inputBox = await guest.getByRole('textbox', { name: 'Message' }).boundingBox();
  assert.ok(inputBox.y + inputBox.height <= 360, `message box at ${inputBox.y + inputBox.height}px in a 360px viewport`);
  await screenshot(guest, 'box-320-keyboard');
  await guest.setViewportSize({ width: 320, height: 640 });

  await guest.getByRole('button', { name: 'End chat' }).click();
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  await checkAxe(guest, 'the ended view');

  // The webclient with a chat open, and at desktop size the box too.
  await checkAxe(op, 'the webclient');
  const desk = await axeContext();
  const big = await desk.newPage();
  await big.goto(`${srv.url}/box/ask?mode=embedded`);
  await expect.visible(big.getByRole('button', { name: 'Start chat' }));
  await checkAxe(big, 'the embedded box');
  await screenshot(big, 'box-1280-start');

  expectClean(guests);
  expectClean(staff);
  expectClean(desk);
});

test('sign-in, webclient and admin pages', async () => {
  const wes = srv.addOperator({ username: 'wes', name: 'Wes Admin', isAdmin: true });
  const ctx = await axeContext();
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/staff/signin`);
  await checkAxe(page, 'the sign-in page');
  await screenshot(page, 'signin');

  // A wrong password is explained in the alert region.
  await page.getByRole('textbox', { name: 'Username' }).fill('wes');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.text(page.getByRole('alert'), 'do not match');
  await checkAxe(page, 'the sign-in page with an error');
  await screenshot(page, 'signin-error');

  await signIn(page, srv.url, wes);
  await checkAxe(page, 'the empty webclient');
  await screenshot(page, 'webclient-empty');

  // The admin page opens in a tab of its own, so the webclient keeps ringing.
  const [admin] = await Promise.all([ctx.waitForEvent('page'), page.getByRole('link', { name: 'Admin' }).click()]);
  await admin.waitForURL(`${srv.url}/staff/admin`);
  await expect.visible(admin.getByRole('heading', { name: 'Queues and chat boxes' }));
  await expect.text(admin.locator('#queues'), 'data-mode="follow-me"');
  await checkAxe(admin, 'the admin page');
  await admin.screenshot({ path: path.join(ROOT, 'test-results', 'screenshots', 'admin.png'), fullPage: true });

  expectClean(ctx, [/status of 401/]);
});
