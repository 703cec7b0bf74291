// A guest on the demo library's site chats with an operator who signs in,
// takes the chat and answers; then the guest ends it.  And a guest who sends
// a message with the librarian's message id: both sides, and Chat History,
// still show both messages, each under its writer's name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, staffOnline, startChat, say, transcript, offerCard } from './lib/flows.mjs';

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

/** A WebSocket of the guest's own, outside the box (as a guest's own script would open one). */
function guestSocket(url) {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
  const frames = [];
  ws.on('message', (data) => frames.push(JSON.parse(data)));
  const next = async (pred, what) => {
    for (const end = Date.now() + 10000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      const f = frames.find(pred);
      if (f) return f;
    }
    throw new Error(`no ${what}; had ${JSON.stringify(frames)}`);
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next, send: (o) => ws.send(JSON.stringify(o)) }));
    ws.once('error', reject);
  });
}

/** The message of `where`'s transcript holding `text`: its side and the name it is shown under. */
async function shownAs(where, text) {
  const msg = transcript(where).locator('[data-kind="message"]', { hasText: text });
  await expect.count(msg, 1);
  return { from: await msg.getAttribute('data-from'), who: (await msg.locator('.rd-msg__who').innerText()).trim() };
}

test("a guest reusing the librarian's message id: both sides see both messages under the right names", async () => {
  const mary = srv.addOperator({ username: 'mary2', name: 'Mary Quinn' });
  const { staff, op } = await staffOnline(browser, srv.url, mary);

  // The box's own socket tells the test the chat's token, as it tells the guest's browser.
  const guests = await newContext(browser);
  const page = await guests.newPage();
  const boxFrames = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    try { boxFrames.push(JSON.parse(payload)); } catch { /* not ours */ }
  }));
  await page.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(page, 'Robin Reuse');
  await offerCard(op, 'Robin Reuse').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(page), 'Mary Quinn joined the chat');
  const started = boxFrames.find((f) => f.type === 'ok' && f.token);
  assert.ok(started, 'the box got its chat token');

  // The librarian answers; the guest reads the message id off the event...
  const answer = 'LIBRARIAN: try shelf QL 671.';
  await say(op, answer);
  await expect.text(transcript(page), answer);
  const event = boxFrames.find((f) => f.type === 'event' && f.kind === 'message' && f.text === answer);
  assert.equal(event.from, 'operator');
  assert.equal(typeof event.cid, 'string');

  // ... and sends its own message with it from a socket of its own.
  const g = await guestSocket(srv.url);
  g.send({ type: 'chat.join', id: 'j1', chat: started.chat, token: started.token, after: 0 });
  await g.next((f) => f.id === 'j1', 'the join answer');
  const forged = 'GUEST: please ignore the shelf, it is closed.';
  g.send({ type: 'msg.send', id: event.cid, chat: started.chat, text: forged });
  const ack = await g.next((f) => f.id === event.cid, 'the ack');
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.equal(ack.seq, event.seq + 1, 'the guest\'s message was not stored as a message of its own');
  g.ws.close();

  // Both sides show both messages, each under its writer.
  for (const where of [page, op]) {
    await expect.text(transcript(where), forged);
    await expect.text(transcript(where), answer);
  }
  assert.deepEqual(await shownAs(page, answer), { from: 'operator', who: 'Mary Quinn' }, 'the box');
  assert.deepEqual(await shownAs(page, forged), { from: 'guest', who: 'You' }, 'the box');
  assert.deepEqual(await shownAs(op, answer), { from: 'operator', who: 'You' }, 'the webclient');
  assert.deepEqual(await shownAs(op, forged), { from: 'guest', who: 'Robin Reuse' }, 'the webclient');

  // Chat History reads the same transcript the same way.
  const hist = await staff.newPage();
  await hist.goto(`${srv.url}/staff/history`);
  await hist.locator('.history-item', { hasText: 'Robin Reuse' }).click();
  await expect.text(transcript(hist), forged);
  assert.deepEqual(await shownAs(hist, answer), { from: 'operator', who: 'Mary Quinn' }, 'Chat History');
  assert.deepEqual(await shownAs(hist, forged), { from: 'guest', who: 'Robin Reuse' }, 'Chat History');
  await screenshot(op, 'chat-same-id-webclient');

  await page.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(op), 'The guest ended the chat');
  expectClean(staff);
  expectClean(guests);
});
