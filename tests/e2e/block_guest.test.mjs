// Block guest in the webclient (PROTOCOL.md §2.14): the operator presses
// Block guest, reads first that a library's public computers and Wi-Fi share
// one address, gives a reason and the hours; the chat ends for the guest,
// and a new chat from the same address is refused in the box with words for
// a person; an admin sees the block (never an address) on the admin page
// and lifts it, and the address may chat again. axe checks the dialog, the
// refusal and the admin page; screenshots at 360x740 and 1280x900.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, startChat, transcript, offerCard, staffOnline } from './lib/flows.mjs';

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

test('Block guest: warned first, then the chat ends and the address is refused a new chat', async () => {
  const bea = srv.addOperator({ username: 'bea', name: 'Bea Block' });
  const { staff, op } = await staffOnline(browser, srv.url, bea, { viewport: { width: 1280, height: 900 } });
  const guests = await newContext(browser, { viewport: { width: 420, height: 720 } });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Rex Rude');
  await offerCard(op, 'Rex Rude').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Bea Block joined the chat');

  await op.locator('#chat-pane').getByRole('button', { name: 'Block guest', exact: true }).click();
  const dialog = op.getByRole('dialog', { name: 'Block this guest?' });
  await expect.visible(dialog);
  await expect.text(dialog, 'public computers and Wi-Fi usually share one internet address');
  await expect.text(dialog, 'may also stop other patrons');
  const reason = dialog.getByRole('textbox', { name: 'Reason' });
  const hours = dialog.getByRole('spinbutton', { name: 'Hours' });
  await expect.attribute(hours, 'max', '24');
  // Nothing typed: said in the dialog, nothing sent.
  await dialog.getByRole('button', { name: 'Block guest', exact: true }).click();
  await expect.text(dialog, 'Write a short reason');
  await hours.fill('30');
  await reason.fill('Threats towards staff');
  await dialog.getByRole('button', { name: 'Block guest', exact: true }).click();
  await expect.text(dialog, 'Choose 1 to 24 hours');
  await hours.fill('2');
  await checkAxe(op, 'the Block guest dialog');
  for (const [w, h] of [[360, 740], [1280, 900]]) {
    await op.setViewportSize({ width: w, height: h });
    await screenshot(op, `block-dialog-${w}`);
  }
  await op.setViewportSize({ width: 1280, height: 900 });
  await dialog.getByRole('button', { name: 'Block guest', exact: true }).click();
  await expect.hidden(dialog);
  await expect.text(op.locator('#chat-meta'), 'ended');
  await expect.text(transcript(guest), 'ended the chat');

  // The same address, in a fresh box: refused politely, nothing started.
  const again = await newContext(browser, { viewport: { width: 360, height: 740 } });
  const box = await again.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await expect.visible(box.getByRole('button', { name: 'Start chat' }));
  await box.getByRole('textbox', { name: /Your name/ }).fill('Rex Again');
  await box.getByRole('button', { name: 'Start chat' }).click();
  await expect.text(box.getByRole('alert'), 'paused chats from your connection');
  await checkAxe(box, 'the box refusing a blocked guest');
  await screenshot(box, 'block-box-360');
  expectClean(staff);
  expectClean(again);

  // An admin sees the block on the admin page — who, which chat, why; no address — and lifts it.
  const ada = srv.addOperator({ username: 'ada', name: 'Ada Admin', isAdmin: true });
  const admins = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const admin = await admins.newPage();
  await signIn(admin, srv.url, ada);
  await admin.goto(`${srv.url}/staff/admin`);
  const section = admin.getByRole('region', { name: 'Blocked guests' });
  await expect.text(section, 'Bea Block blocked the guest of chat');
  await expect.text(section, 'for 2 hours');
  await expect.text(section, 'Threats towards staff');
  await expect.noText(section, '127.0.0.1');
  await checkAxe(admin, 'the admin page with a blocked guest');
  await section.scrollIntoViewIfNeeded();
  await screenshot(admin, 'block-admin-1280');
  await section.getByRole('button', { name: /^Lift block \d+: Threats towards staff$/ }).click();
  await expect.text(section, 'No guest is blocked now.');
  await expect.text(admin.getByRole('table', { name: 'Audit log' }), 'Guest block lifted');

  // Lifted: the same address starts a chat again.
  await box.getByRole('button', { name: 'Start chat' }).click();
  await expect.visible(box.getByRole('textbox', { name: 'Message' }));
  await expect.visible(offerCard(op, 'Rex Again'));
  expectClean(admins);
  await guests.close();
  await again.close();
  await admins.close();
  await staff.close();
});

// Last: its block of this machine's address stays.
test('Block guest on a ringing chat: nobody has to take it first', async () => {
  const bo = srv.addOperator({ username: 'bo', name: 'Bo Ring' });
  const { staff, op } = await staffOnline(browser, srv.url, bo, { viewport: { width: 360, height: 740 } });
  const guests = await newContext(browser, { viewport: { width: 420, height: 720 } });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Ned Nasty');
  const card = offerCard(op, 'Ned Nasty');
  await expect.visible(card.getByRole('button', { name: 'Accept' }));
  const block = card.getByRole('button', { name: 'Block guest', exact: true });
  // Its description names the guest, as Accept's does.
  const described = await block.getAttribute('aria-describedby');
  assert.equal(await op.locator(`[id="${described}"]`).textContent(), 'Ned Nasty');
  await checkAxe(op, 'a ringing chat with Block guest');
  await card.scrollIntoViewIfNeeded();
  await screenshot(op, 'block-offer-360');
  await op.setViewportSize({ width: 1280, height: 900 });
  await screenshot(op, 'block-offer-1280');

  await block.click();
  const dialog = op.getByRole('dialog', { name: 'Block this guest?' });
  await expect.visible(dialog);
  await expect.text(dialog, 'public computers and Wi-Fi usually share one internet address');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('Spam before anyone answered');
  await dialog.getByRole('button', { name: 'Block guest', exact: true }).click();
  await expect.hidden(dialog);
  await expect.count(card, 0);
  await expect.text(op.locator('#alert-note'), 'Blocked for 1 hour. The chat has ended.');
  await expect.text(guest.locator('body'), 'ended the chat');

  // The same address is refused a new chat.
  const again = await newContext(browser, { viewport: { width: 360, height: 740 } });
  const box = await again.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await box.getByRole('textbox', { name: /Your name/ }).fill('Ned Again');
  await box.getByRole('button', { name: 'Start chat' }).click();
  await expect.text(box.getByRole('alert'), 'paused chats from your connection');
  expectClean(staff);
  expectClean(again);
  await guests.close();
  await again.close();
  await staff.close();
});
