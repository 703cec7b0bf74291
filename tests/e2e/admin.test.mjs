// The admin page manages the account through /api/admin/*: operators (add,
// disable, reset password), queues (add, rename, members) with their
// snippets, and the allowed embedding origins. Operators without the admin
// flag are turned away. The Audit log section shows each change, newest first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn } from './lib/flows.mjs';

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

async function apiGet(page, path) {
  return page.evaluate(async (p) => (await fetch(p)).json(), path);
}

test('an account admin manages operators, queues and origins', async () => {
  const root = srv.addOperator({ username: 'root', name: 'Rita Admin', isAdmin: true, queues: [] });
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, root);
  await page.goto(`${srv.url}/staff/admin`);
  await expect.visible(page.getByRole('heading', { name: 'Operators' }));

  // Add an operator.
  await page.getByRole('textbox', { name: 'Username' }).fill('sam');
  await page.getByRole('textbox', { name: 'Full name' }).fill('Sam Archer');
  await page.getByLabel('Password', { exact: true }).fill('sam-password-1');
  await page.getByRole('button', { name: 'Add operator' }).click();
  await expect.text(page.locator('#operators-status'), 'Sam Archer can now sign in as sam');
  await expect.text(page.locator('#operators'), 'Sam Archer');
  let ops = (await apiGet(page, '/api/admin/operators')).operators;
  const sam = ops.find((o) => o.username === 'sam');
  assert.equal(sam.name, 'Sam Archer');
  assert.equal(sam.admin, false);

  // The same username again is refused, with words.
  await page.getByRole('textbox', { name: 'Username' }).fill('sam');
  await page.getByRole('textbox', { name: 'Full name' }).fill('Other Sam');
  await page.getByLabel('Password', { exact: true }).fill('sam-password-2');
  await page.getByRole('button', { name: 'Add operator' }).click();
  await expect.text(page.locator('#operators-status'), 'taken');

  // Add a queue, rename it, make Sam a member.
  await page.getByRole('textbox', { name: 'Queue name' }).fill('law');
  await page.getByRole('textbox', { name: 'Queue title' }).fill('Law library');
  await page.getByRole('button', { name: 'Add queue' }).click();
  await expect.visible(page.getByRole('heading', { name: 'Law library' }));
  const law = page.locator('article.queue-card', { has: page.getByRole('heading', { name: 'Law library' }) });
  await law.getByRole('textbox', { name: 'Title' }).fill('Law Library Help');
  await law.getByRole('button', { name: /Rename/ }).click();
  await expect.visible(page.getByRole('heading', { name: 'Law Library Help' }));
  const lawCard = page.locator('article.queue-card', { has: page.getByRole('heading', { name: 'Law Library Help' }) });
  await lawCard.getByRole('checkbox', { name: 'Sam Archer' }).check();
  await expect.text(page.locator('#queues-status'), 'Sam Archer is now a member of Law Library Help');
  const queues = (await apiGet(page, '/api/admin/queues')).queues;
  const q = queues.find((x) => x.name === 'law');
  assert.equal(q.title, 'Law Library Help');
  assert.deepEqual(q.members, [sam.id]);
  // Its snippets name the queue and this server.
  await expect.text(lawCard, `<script src="${srv.url}/embed.js" data-queue="law" data-mode="follow-me" async></script>`);
  await expect.text(lawCard, `${srv.url}/box/law?mode=popup`);
  await screenshot(page, 'admin-queues');

  // Allowed embedding origins.
  await page.getByRole('textbox', { name: 'Origin to allow' }).fill('not a url');
  await page.getByRole('button', { name: 'Add origin' }).click();
  await expect.text(page.locator('#account-status'), 'Enter an origin');
  await page.getByRole('textbox', { name: 'Origin to allow' }).fill('https://library.example.org/');
  await page.getByRole('button', { name: 'Add origin' }).click();
  await expect.text(page.locator('#origins'), 'https://library.example.org');
  assert.deepEqual((await apiGet(page, '/api/admin/account')).origins, ['https://library.example.org']);
  await page.getByRole('button', { name: 'Remove https://library.example.org' }).click();
  await expect.text(page.locator('#account-status'), 'Removed');
  assert.deepEqual((await apiGet(page, '/api/admin/account')).origins, []);

  // Reset Sam's password, then Sam signs in with it.
  await page.getByRole('button', { name: 'Reset password for Sam Archer' }).click();
  await page.getByLabel('New password').fill('brand-new-secret');
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await expect.text(page.locator('#operators-status'), 'New password set for Sam Archer');
  const samCtx = await newContext(browser);
  const samPage = await samCtx.newPage();
  await signIn(samPage, srv.url, { username: 'sam', password: 'brand-new-secret' });
  await expect.visible(samPage.getByRole('checkbox', { name: 'Available on Law Library Help' }));

  // Sam is no admin: the admin page is the staff 403 page, with nothing to change.
  const refused = await samPage.goto(`${srv.url}/staff/admin`);
  assert.equal(refused.status(), 403);
  await expect.text(samPage.getByRole('heading', { level: 1 }), 'You may not open this page');
  assert.equal(await samPage.locator('#admin-content').count(), 0);
  expectClean(samCtx, [/status of 403/]);

  // Disabling Sam signs Sam out: the webclient goes back to sign-in.
  await samPage.goto(`${srv.url}/staff`);
  await expect.visible(samPage.locator('#conn[data-state="open"]'));
  await page.getByRole('button', { name: 'Disable Sam Archer' }).click();
  await expect.text(page.locator('#operators-status'), 'Sam Archer is now disabled');
  ops = (await apiGet(page, '/api/admin/operators')).operators;
  assert.equal(ops.find((o) => o.username === 'sam').disabled, true);
  await samPage.waitForURL(/\/staff\/signin/, { timeout: 15000 });

  expectClean(ctx, [/status of 409/]); // the refused duplicate username
  expectClean(samCtx, [/status of 40[13]/]);
});

test('the audit log shows each change, newest first, pages with Older, and passes axe', async () => {
  const auditor = srv.addOperator({ username: 'auditor', name: 'Audrey Auditor', isAdmin: true, queues: [] });
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, auditor);
  await page.goto(`${srv.url}/staff/admin`);
  const section = page.getByRole('region', { name: 'Audit log' });
  await expect.visible(section.getByRole('heading', { name: 'Audit log' }));
  const firstRow = () => page.locator('#audit tr').first();
  // The command line made this operator: the newest entry says so.
  await expect.text(firstRow(), 'Command line');

  // A queue added here is the newest entry, by this admin, as soon as it is saved.
  await page.getByRole('textbox', { name: 'Queue name' }).fill('maps');
  await page.getByRole('textbox', { name: 'Queue title' }).fill('Map room');
  await page.getByRole('button', { name: 'Add queue' }).click();
  await expect.text(firstRow(), 'Queue added');
  await expect.text(firstRow(), 'auditor');
  await expect.text(firstRow(), 'maps');
  await expect.text(firstRow(), 'title "Map room"');

  // A password reset is recorded without the password.
  await page.getByRole('button', { name: 'Reset password for Audrey Auditor' }).click();
  await page.getByLabel('New password').fill('audit-secret-password');
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await expect.text(firstRow(), 'Password reset');
  assert.ok(!(await page.locator('#audit').textContent()).includes('audit-secret-password'));

  // More than a page: 50 rows, then Older shows the rest and Newest comes back.
  await page.evaluate(async () => {
    const { csrf } = await (await fetch('/api/session')).json();
    for (let i = 0; i < 55; i++) {
      await fetch('/api/admin/queues/maps', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ title: `Map room ${i}` }) });
    }
  });
  await page.reload();
  await expect.text(firstRow(), 'Map room 54');
  assert.equal(await page.locator('#audit tr').count(), 50);
  assert.equal(await page.getByRole('button', { name: 'Newest' }).isVisible(), false);
  await page.getByRole('button', { name: 'Older' }).click();
  await expect.text(firstRow(), '"Map room 3" → "Map room 4"');
  await expect.visible(page.getByRole('button', { name: 'Newest' }));
  await checkAxe(page, 'the admin page with an older page of its audit log');
  await page.getByRole('button', { name: 'Newest' }).click();
  await expect.text(firstRow(), 'Map room 54');
  await screenshot(page, 'admin-audit');
  await checkAxe(page, 'the admin page with its audit log');
  expectClean(ctx);
});
