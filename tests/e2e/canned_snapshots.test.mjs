// Canned snapshots (PROTOCOL.md §2.8) in the sharing tool: an operator
// annotates a picture and keeps it with Save as canned snapshot; in another
// chat, Canned snapshots lists it with its thumbnail and sends it to that
// guest as it is — without uploading anything — and the guest sees the
// picture with its description; renaming and deleting work in place, by
// keyboard; a bad name is refused in the form; axe finds nothing on the
// form or the list, at a small and a large window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, transcript, offerCard, staffOnline } from './lib/flows.mjs';
import { makeCheckerPng } from './lib/share.mjs';

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

/** Poll the async `fn` until it is truthy; fail after 10 s saying `what`. */
async function eventually(fn, what, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const focused = (loc) => eventually(() => loc.evaluate((el) => el === document.activeElement), 'the focus');

const tool = (page, name) => page.getByRole('toolbar').getByRole('button', { name, exact: true });

/** A guest in a context of its own starts a chat that `op` accepts; resolves with the guest's page and chat id. */
async function chatWith(op, name) {
  const guests = await newContext(browser, { viewport: { width: 420, height: 720 } });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, name);
  await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'joined the chat');
  const { chat } = await guest.evaluate(() => JSON.parse(localStorage.getItem('refdesk.chat.ask')));
  return { guests, guest, chat };
}

async function openTool(staff, chat) {
  const share = await staff.newPage();
  await share.goto(`${srv.url}/staff/share/${chat}`);
  await expect.visible(share.locator('#conn[data-state="open"]'));
  return share;
}

test('save an annotated picture as a canned snapshot and send it to another guest by reference', async () => {
  const vic = srv.addOperator({ username: 'vic', name: 'Vic Vale' });
  const { staff, op } = await staffOnline(browser, srv.url, vic);
  const first = await chatWith(op, 'Fay First');

  // Annotate: a picture and a rectangle placed from the keyboard.
  const share = await openTool(staff, first.chat);
  const [chooser] = await Promise.all([share.waitForEvent('filechooser'),
    share.getByRole('button', { name: 'Upload image', exact: true }).click()]);
  await chooser.setFiles({ name: 'databases.png', mimeType: 'image/png', buffer: makeCheckerPng(400, 300) });
  await expect.text(share.locator('#stage-summary'), 'Image 400×300, 0 marks');
  await tool(share, 'Rectangle').click();
  await share.locator('#stage').focus();
  await share.keyboard.press('Enter');
  await expect.text(share.locator('#stage-summary'), '1 mark');
  await share.getByRole('textbox', { name: 'Description', exact: true }).fill('The log-in box of the databases, marked');

  // Save as canned snapshot: a bad name is refused in the form, a good one saved.
  const saveButton = share.getByRole('button', { name: 'Save as canned snapshot', exact: true });
  await saveButton.click();
  const name = share.getByRole('textbox', { name: 'Name of the canned snapshot' });
  await focused(name);
  await name.fill(' Databases');
  await share.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.text(share.locator('#canned-save-error'), 'may not start or end with a space');
  await checkAxe(share, 'the sharing tool with the Save as canned snapshot form');
  for (const [w, h] of [[360, 740], [1280, 900]]) {
    await share.setViewportSize({ width: w, height: h });
    await screenshot(share, `canned-save-${w}`);
  }
  const uploads = [];
  share.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/uploads')) uploads.push(req.headers()['x-upload-kind']);
  });
  await name.fill('Log in to the databases');
  await name.press('Enter');
  await expect.text(share.locator('#canned-status'), 'Saved as canned snapshot “Log in to the databases”.');
  await focused(saveButton);
  assert.deepEqual(uploads, ['annotation', 'canned']);
  await expect.hidden(name);
  assert.equal(await transcript(first.guest).getByRole('img').count(), 0, 'saving sent nothing to the guest');

  // Another chat: Canned snapshots lists it with its thumbnail; Send sends it as it is.
  const second = await chatWith(op, 'Sam Second');
  const other = await openTool(staff, second.chat);
  const sent = [];
  other.on('request', (req) => {
    if (req.method() === 'POST') sent.push(new URL(req.url()).pathname);
  });
  await other.getByRole('button', { name: 'Canned snapshots', exact: true }).click();
  const list = other.getByRole('list', { name: 'Canned snapshots' });
  await expect.visible(list);
  const thumb = list.getByRole('img', { name: 'The log-in box of the databases, marked' });
  await expect.visible(thumb);
  await eventually(() => thumb.evaluate((el) => el.complete && el.naturalWidth > 0), 'the thumbnail to load');
  await checkAxe(other, 'the sharing tool with the Canned snapshots list');
  for (const [w, h] of [[360, 740], [1280, 900]]) {
    await other.setViewportSize({ width: w, height: h });
    await screenshot(other, `canned-list-${w}`);
  }
  await list.getByRole('button', { name: 'Send Log in to the databases to the guest' }).click();
  await expect.text(other.locator('#canned-status'), 'Sent Log in to the databases to the guest.');
  assert.equal(sent.filter((p) => p.endsWith('/uploads')).length, 0, 'nothing was uploaded again');
  assert.equal(sent.filter((p) => /^\/api\/canned-snapshots\/\d+\/send$/.test(p)).length, 1);
  const seen = transcript(second.guest).getByRole('img', { name: 'The log-in box of the databases, marked' });
  await expect.visible(seen);
  await eventually(() => seen.evaluate((el) => el.complete && el.naturalWidth > 0), 'the guest\'s picture to load');
  await expect.text(transcript(other), 'snapshot-'); // the sent file, hidden behind Show as every snapshot is

  // Rename and delete in place, keyboard first.
  await other.setViewportSize({ width: 1280, height: 900 });
  await list.getByRole('button', { name: 'Rename Log in to the databases' }).click();
  const newName = other.getByRole('textbox', { name: 'New name for Log in to the databases' });
  await focused(newName);
  await newName.fill('Databases: log in');
  await newName.press('Enter');
  await expect.text(list, 'Databases: log in');
  await list.getByRole('button', { name: 'Delete Databases: log in' }).click();
  await focused(list.getByRole('button', { name: 'Yes, delete Databases: log in' }));
  await other.keyboard.press('Enter');
  await expect.text(other.locator('#canned-status'), 'Deleted Databases: log in.');
  await expect.visible(other.getByText('None yet.'));
  // The guest keeps what was sent: the transcript still needs the picture.
  const again = await second.guest.evaluate(async (src) => (await fetch(src)).status,
    await seen.getAttribute('src')).catch(() => 200);
  assert.equal(again, 200);
  expectClean(staff);
  await first.guests.close();
  await second.guests.close();
  await staff.close();
});
