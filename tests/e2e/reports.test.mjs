// Reports (/staff/reports): an admin sees today's chats (one answered, one abandoned) in the
// figures, the charts and their tables, the heat map's table ("Chats by hour of the week") holds
// them, the Follow-ups table is there (none left: the demo has no mail server), Download CSV saves the same figures, a reversed range is refused on the page with the
// reason, and axe finds nothing wrong at 1280×800 and 390×844. An operator without the admin
// flag has no Reports link and gets the staff 403 page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, screenshot, SHOTS } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, transcript, offerCard } from './lib/flows.mjs';

let srv;
let browser;
let staff;
let op;
let nora;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  nora = srv.addOperator({ username: 'nora', name: 'Nora Lind', isAdmin: true });
  srv.addOperator({ username: 'otto', name: 'Otto Berg', isAdmin: false, password: 'otto-password-1' });
  staff = await newContext(browser, { acceptDownloads: true });
  op = await staff.newPage();
  await signIn(op, srv.url, nora);
  await goAvailable(op);
  // One chat answered, one the guest leaves while it waits.
  const guests = await newContext(browser);
  const answered = await guests.newPage();
  await answered.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(answered, 'Ada');
  await offerCard(op, 'Ada').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(answered), 'Nora Lind joined the chat');
  // Each guest in a context of their own: a box in the same storage would resume Ada's chat.
  const others = await newContext(browser);
  const leaves = await others.newPage();
  await leaves.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(leaves, 'Bo');
  await expect.visible(offerCard(op, 'Bo'));
  await leaves.getByRole('button', { name: 'End chat' }).click();
  await expect.visible(op.locator('article.offer--gone[aria-label="Chat from Bo"]'));
  await guests.close();
  await others.close();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('an admin reads the figures, the heat map table and downloads the CSV', async () => {
  const page = await staff.newPage();
  await op.getByRole('link', { name: 'Reports' }).waitFor();
  await page.goto(`${srv.url}/staff/reports`);
  await expect.text(page.getByRole('status'), /Report for .*: 2 chats\./);
  const outcomes = page.getByRole('table', { name: 'Chats by outcome' });
  await expect.text(outcomes, 'Answered');
  const rows = await outcomes.locator('tbody tr').allInnerTexts();
  assert.deepEqual(rows.map((r) => r.split('\t').slice(0, 2)), [
    ['Answered', '1'], ['Missed (nobody accepted)', '0'], ['Abandoned (the patron left while waiting)', '1'], ['Still waiting', '0']]);

  const heat = page.getByRole('table', { name: 'Chats by hour of the week' });
  assert.equal(await heat.locator('tbody tr').count(), 7);
  const cells = await heat.locator('tbody td').allTextContents();
  assert.equal(cells.length, 7 * 24);
  assert.equal(cells.reduce((s, c) => s + Number(c), 0), 2);
  // The heat map draws the same count where the table has it.
  const busiest = await page.locator('.heat-map__cell--4').count();
  assert.ok(busiest >= 1, 'no busiest hour drawn');
  assert.ok(await page.locator('svg[aria-hidden="true"]').count() >= 4, 'charts should be hidden from screen readers');
  const sharing = page.getByRole('table', { name: 'Sharing tool use' });
  await expect.text(sharing, 'Screen shares invited');
  // No questions were left by email (the demo has no mail server): every follow-up row is 0.
  const followups = page.getByRole('table', { name: 'Follow-ups' });
  assert.deepEqual((await followups.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t')), [
    ['Follow-ups left', '0'], ['Answer delivered by email', '0'], ['Answer not delivered (every try failed)', '0'],
    ['Not answered yet, or still sending', '0']]);
  await expect.text(page.locator('#followups-note'), 'left by email');
  await checkAxe(page, 'the Reports page');
  await screenshot(page, 'reports-1280');
  await page.screenshot({ path: path.join(SHOTS, 'reports-1280-full.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.match(download.suggestedFilename(), /^refdesk-report-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^figure,value\r\n/);
  assert.match(csv, /\r\nchats,2\r\n/);
  assert.match(csv, /\r\nanswered,1\r\n/);
  assert.match(csv, /\r\nabandoned,1\r\n/);
  assert.match(csv, /\r\nlength_p90_seconds,\d+\r\nfollowups,0\r\nfollowups_answered,0\r\nfollowups_not_delivered,0\r\n(?:[a-z_]+,[^\r\n]*\r\n)*\r\nday,00,01,/);
  assert.match(csv, /\r\nfollowups_not_delivered,0\r\nsurveys,0\r\n(?:[a-z_]+,\d*\r\n)*survey_rating_average,\r\n\r\n/);

  // A reversed range: the page says why and asks nothing.
  await page.getByLabel('From', { exact: true }).fill('2026-03-02');
  await page.getByLabel('To', { exact: true }).fill('2026-03-01');
  await page.getByRole('button', { name: 'Show report' }).click();
  await expect.text(page.getByRole('alert'), 'ends before it begins');
  await page.close();
});

test('on a phone the page reads top to bottom and stays accessible', async () => {
  const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await signIn(page, srv.url, nora);
  await page.goto(`${srv.url}/staff/reports`);
  await expect.text(page.getByRole('status'), /2 chats\./);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > 391).slice(0, 5)
    .map((e) => `${e.tagName}.${e.className?.baseVal ?? e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`));
  assert.ok(width <= 390, `the page scrolls sideways (${width} px): ${wide.join(', ')}`);
  await checkAxe(page, 'the Reports page on a phone');
  await screenshot(page, 'reports-390');
  await page.screenshot({ path: path.join(SHOTS, 'reports-390-full.png'), fullPage: true });
  await phone.close();
});

test('an operator who is not an admin has no Reports link and no page', async () => {
  const other = await newContext(browser);
  const page = await other.newPage();
  await signIn(page, srv.url, { username: 'otto', password: 'otto-password-1' });
  assert.equal(await page.getByRole('link', { name: 'Reports' }).isVisible(), false);
  const res = await page.goto(`${srv.url}/staff/reports`);
  assert.equal(res.status(), 403);
  await other.close();
});
