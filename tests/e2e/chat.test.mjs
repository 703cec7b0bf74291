// A guest on the demo library's site chats with an operator who signs in,
// takes the chat and answers; then the guest ends it.
import { test, before, after } from 'node:test';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

let srv;
let browser;
before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('guest and operator chat from start to end', async () => {
  const mary = srv.addOperator({ username: 'mary', name: 'Mary Reyes' });
  const staff = await newContext(browser);
  const op = await staff.newPage();

  // Signed out, the webclient sends the operator to sign in and back.
  await op.goto(`${srv.url}/staff`);
  await op.waitForURL(/\/staff\/signin\?next=%2Fstaff/);
  await signIn(op, srv.url, mary);
  await expect.text(op.locator('.topbar'), 'Mary Reyes');

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  // Nobody is available yet: the box says so and offers nothing to send.
  await expect.text(box.locator('#view-offline'), "We're away right now");
  await expect.count(box.getByRole('button', { name: 'Start chat' }), 0);
  await expect.count(box.getByRole('textbox', { name: 'Message' }), 0);

  // The operator goes available; the box switches on by itself (presence).
  await goAvailable(op);
  await startChat(box, 'Alex Patron');
  await expect.text(transcript(box), 'You started the chat');
  await expect.text(box.locator('#box-status'), 'Waiting for a librarian');

  const card = offerCard(op, 'Alex Patron');
  await expect.visible(card);
  await expect.text(card, /Ask a librarian/i);
  await say(box, 'Do you have books about owls?');
  await expect.text(transcript(box).locator('[data-from="guest"][data-state="sent"]'), 'Do you have books about owls?');

  await card.getByRole('button', { name: 'Accept' }).click();
  await expect.hidden(card);
  // The operator sees what the guest wrote before the chat was taken.
  await expect.text(transcript(op), 'Alex Patron started the chat');
  await expect.text(transcript(op), 'Do you have books about owls?');
  await expect.text(transcript(box), 'Mary Reyes joined the chat');
  await expect.text(box.locator('#box-status'), 'Chatting with Mary Reyes');

  // Typing notices travel both ways.
  await op.getByRole('textbox', { name: 'Message' }).pressSequentially('Yes, ');
  await expect.text(box.locator('#typing'), 'Mary Reyes is typing');
  await op.getByRole('textbox', { name: 'Message' }).pressSequentially('try shelf 598.9 on the second floor.');
  await op.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect.text(transcript(box), 'Yes, try shelf 598.9 on the second floor.');
  await expect.text(transcript(op).locator('[data-from="operator"][data-state="sent"]'), 'Yes, try shelf 598.9');
  await expect.hidden(box.locator('#typing .rd-typing__dots'));

  await box.getByRole('textbox', { name: 'Message' }).pressSequentially('Thanks');
  await expect.text(op.locator('#typing'), 'Alex Patron is typing');
  await box.getByRole('button', { name: 'Send' }).click();
  await expect.text(transcript(op), 'Thanks');

  // A multi-line message keeps its lines (Shift+Enter).
  const input = box.getByRole('textbox', { name: 'Message' });
  await input.pressSequentially('line one');
  await input.press('Shift+Enter');
  await input.pressSequentially('line two');
  await input.press('Enter');
  await expect.text(transcript(op), 'line one\nline two');

  await screenshot(page, 'chat-guest-demo-home');
  await screenshot(op, 'chat-webclient');

  await box.getByRole('button', { name: 'End chat' }).click();
  await expect.text(box.locator('#ended'), 'This chat has ended');
  await expect.visible(box.getByRole('button', { name: 'Start chat' }));
  await expect.text(transcript(op), 'The guest ended the chat');
  await expect.hidden(op.getByRole('textbox', { name: 'Message' }));
  await screenshot(page, 'chat-guest-ended');

  expectClean(staff, [/status of 401/]);
  expectClean(guests);
});
