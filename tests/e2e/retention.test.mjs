// The admin page's Retention section: an account admin sets, per queue, how many days transcript
// text and images and files are kept and whether guest names are kept, with **Save retention**;
// the server holds what the page shows, the change is in the Audit log section, a value the
// server would refuse is explained on the page and sends nothing, and the section is axe-clean
// at desktop and phone sizes (screenshots admin-retention-1280 and admin-retention-390). Once the
// purge has removed a chat's image, Chat History shows a sentence in its place and no image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { launchBrowser, newContext, expectClean, SHOTS } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { Client } from '../integration/lib/client.mjs';
import { isAck, openChat, say, setAvailable } from '../integration/lib/flows.mjs';
import { png } from '../integration/lib/images.mjs';
import { uploadOk } from '../lib/upload.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn } from './lib/flows.mjs';

let srv;
let browser;
before(async () => {
  srv = await startDemoServer({ args: ['--purge-interval-secs', '1'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

const rules = (page) => page.evaluate(async () => (await fetch('/api/admin/retention')).json());

async function shoot(section, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await section.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

test('an account admin sets a queue\'s retention with Save retention', async () => {
  const root = srv.addOperator({ username: 'keeper', name: 'Kim Keeper', isAdmin: true, queues: [] });
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, root);
  await page.goto(`${srv.url}/staff/admin`);
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Retention', level: 2 }) });
  await expect.visible(section);
  const form = section.getByRole('form', { name: 'Ask a Librarian' });
  const text = form.getByRole('spinbutton', { name: 'Keep transcript text (days)' });
  const files = form.getByRole('spinbutton', { name: 'Keep images and files (days)' });
  const names = form.getByRole('checkbox', { name: 'Keep guest names' });
  const save = form.getByRole('button', { name: /^Save retention/ });

  // The defaults, as the server has them.
  assert.equal(await text.inputValue(), '30');
  assert.equal(await files.inputValue(), '7');
  assert.equal(await names.isChecked(), false);
  await expect.text(form, 'The defaults.');
  await checkAxe(page, 'the admin page with its Retention section');
  await section.scrollIntoViewIfNeeded();
  await shoot(section, 'admin-retention-1280');

  // Nonsense is explained and nothing is sent.
  const before = await rules(page);
  for (const [value, words] of [['-3', 'a whole number of days'], ['2.5', 'a whole number of days'], ['4000', 'at most 3650 days']]) {
    await text.fill(value);
    await save.click();
    await expect.text(page.locator('#retention-status'), words);
  }
  assert.deepEqual(await rules(page), before, 'nothing changed on the server');

  // A real change: a year of text, two weeks of files, names kept.
  await text.fill('365');
  await files.fill('14');
  await names.check();
  await save.click();
  await expect.text(page.locator('#retention-status'), 'Retention for Ask a Librarian saved');
  const ask = (await rules(page)).queues.find((q) => q.queue === 'ask');
  assert.deepEqual([ask.text_days, ask.files_days, ask.keep_names], [365, 14, true]);
  await expect.text(form, 'Transcript text is kept 365 days, images and files 14 days; guest names as long as the text. Saved');
  await expect.text(page.locator('#audit'), 'retention.change');
  await expect.text(page.locator('#audit'), 'text 30 days, files 7 days, names not kept → text 365 days, files 14 days, names kept');

  // 0 days: nothing beyond the chat, said in words.
  await section.getByRole('spinbutton', { name: 'Keep transcript text (days)' }).fill('0');
  await section.getByRole('spinbutton', { name: 'Keep images and files (days)' }).fill('0');
  await section.getByRole('checkbox', { name: 'Keep guest names' }).uncheck();
  await section.getByRole('button', { name: /^Save retention/ }).click();
  await expect.text(section, 'Transcript text is kept only while the chat runs, images and files only while the chat runs; guest names are not kept.');
  const zero = (await rules(page)).queues.find((q) => q.queue === 'ask');
  assert.deepEqual([zero.text_days, zero.files_days, zero.keep_names], [0, 0, false]);

  // A phone: the section still reads and is still clean.
  await page.setViewportSize({ width: 390, height: 844 });
  await checkAxe(page, 'the admin page at 390 px');
  await section.scrollIntoViewIfNeeded();
  await shoot(section, 'admin-retention-390');
  expectClean(ctx);
  await ctx.close();
});

test('Chat History shows where the purge removed an image, and no image', async () => {
  const who = srv.addOperator({ username: 'purger', name: 'Pat Purger', isAdmin: true, queues: ['ask'] });
  const s = await srv.signIn(who.username, { password: who.password });
  // Set first: the rule the last test left would delete the whole transcript.
  const set = await srv.request('POST', '/api/admin/queues/ask/retention', { session: s, body: { text_days: 30, files_days: 0, keep_names: true } });
  assert.equal(set.status, 200, set.text);
  const ws = await Client.connect(srv.wsUrl, { cookie: s.cookie, label: 'purger' });
  await ws.next((f) => f.type === 'hello', 5000, 'hello');
  await setAvailable(ws, 'ask', true);
  const c = await openChat(srv, ws, 'ask', 'Imogen Image');
  await say(c.guest, c.chat, 'Here is my screen');
  const snap = await uploadOk(srv, c, c.chat, png(120, 90), { headers: { 'x-file-name': 'my-screen.png' } });
  isAck(await ws.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
  const deadline = Date.now() + 10000;
  for (;;) {
    const h = await srv.request('GET', `/api/history/${c.chat}`, { session: s });
    if (h.json.events.some((e) => e.notice === 'removed')) break;
    assert.ok(Date.now() < deadline, 'the purge removed the image');
    await new Promise((r) => setTimeout(r, 200));
  }
  await c.guest.close();
  await ws.close();

  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, who);
  await page.goto(`${srv.url}/staff/history?chat=${c.chat}`);
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect.text(log, 'Here is my screen');
  await expect.text(log, 'An image was removed under the library\'s retention policy');
  assert.equal(await log.locator('img').count(), 0, 'no image is shown');
  assert.ok(!(await log.textContent()).includes('my-screen.png'), 'nor its file name');
  assert.equal((await page.request.get(`${srv.url}/api/chats/${c.chat}/blobs/${snap.blob}`)).status(), 404);
  await checkAxe(page, 'Chat History with a purged image');
  expectClean(ctx, [/status of 404/]);
  await ctx.close();
});
