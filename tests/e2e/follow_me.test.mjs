// The follow-me box: a "Chat with us" button opens a floating box that
// keeps its chat as the guest moves between pages of the library's site,
// and Escape or the minimise control puts it away.
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

test('follow-me keeps the chat across pages', async () => {
  const eve = srv.addOperator({ username: 'eve', name: 'Eve Marsh' });
  const { staff, op } = await staffOnline(browser, srv.url, eve);

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/demo/research.html`);
  const launcher = page.getByRole('button', { name: 'Chat with us' });
  await expect.attribute(launcher, 'aria-expanded', 'false');
  await launcher.click();
  await expect.attribute(launcher, 'aria-expanded', 'true');
  const box = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await startChat(box, 'Fay');
  await say(box, 'Where are the local history books?');
  await offerCard(op, 'Fay').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'In the east reading room.');
  await expect.text(transcript(box), 'In the east reading room.');
  await screenshot(page, 'follow-me-research');

  // Another page of the site: the box opens by itself with the same chat.
  await page.getByRole('link', { name: 'Opening hours' }).click();
  await page.waitForURL(/hours\.html$/);
  const box2 = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await expect.text(transcript(box2), 'Where are the local history books?');
  await expect.text(transcript(box2), 'In the east reading room.');
  await expect.text(box2.locator('#box-status'), 'Chatting with Eve Marsh');
  await say(box2, 'And when do you open on Saturday?');
  await expect.text(transcript(op), 'And when do you open on Saturday?');
  // Nothing was shown twice.
  await expect.count(transcript(box2).getByText('In the east reading room.'), 1);

  // Escape (inside the box) puts it away and focus returns to the button.
  await box2.getByRole('textbox', { name: 'Message' }).press('Escape');
  await expect.hidden(page.locator('iframe[name="refdesk-follow-ask"]'));
  await expect.attribute(page.getByRole('button', { name: /Chat with us/ }), 'aria-expanded', 'false');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.startsWith('Chat with us')), true);

  // Minimised, the next page does not pop it open, but the chat is still there.
  await page.getByRole('link', { name: 'Home' }).click();
  await page.waitForURL(`${srv.url}/`);
  await expect.hidden(page.locator('iframe[name="refdesk-follow-ask"]'));
  await say(op, 'Saturday 10 to 4.');
  await expect.text(page.getByRole('button', { name: /Chat with us/ }), '1 new');
  await page.getByRole('button', { name: /Chat with us/ }).click();
  const box3 = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await expect.text(transcript(box3), 'Saturday 10 to 4.');

  // The minimise control in the box's header closes it too.
  await box3.getByRole('button', { name: 'Minimise chat' }).click();
  await expect.hidden(page.locator('iframe[name="refdesk-follow-ask"]'));

  // Once the guest ends the chat, the box stops following.
  await page.getByRole('button', { name: /Chat with us/ }).click();
  await box3.getByRole('button', { name: 'End chat' }).click();
  await expect.text(box3.locator('#ended'), 'This chat has ended');
  // The box tells the page by postMessage; a person cannot navigate faster than that lands.
  // (Polled from here: waitForFunction would evaluate a string, which the page's CSP forbids.)
  for (let i = 0; i < 50 && !(await page.evaluate(() => JSON.parse(localStorage['refdesk.ask'] || '{}').open === false)); i++)
    await page.waitForTimeout(100);
  assert.ok(await page.evaluate(() => JSON.parse(localStorage['refdesk.ask'] || '{}').open === false), 'the page never heard that the chat ended');
  await page.goto(`${srv.url}/demo/research.html`);
  await expect.visible(page.getByRole('button', { name: 'Chat with us' }));
  await page.waitForTimeout(300);
  assert.equal(await page.locator('iframe[name="refdesk-follow-ask"]').count(), 0);

  expectClean(staff);
  expectClean(guests);
});

test('follow-me on a phone fills the screen and shows no horizontal scrolling', async () => {
  const ctx = await newContext(browser, { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/demo/hours.html`);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const frame = page.locator('iframe[name="refdesk-follow-ask"]');
  await expect.visible(frame);
  const rect = await frame.boundingBox();
  assert.equal(Math.round(rect.width), 320);
  const box = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await expect.visible(box.getByRole('button', { name: 'Minimise chat' }));
  await screenshot(page, 'follow-me-phone');
  const scroll = await page.frames().find((f) => f.name() === 'refdesk-follow-ask')
    .evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 320, `box is ${scroll}px wide`);
  expectClean(ctx);
});
