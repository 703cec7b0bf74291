// Tests for the operator pages' pure modules: desk_model.js, admin_snippets.js, nav.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Desk, guestName, expiryOf, secondsLeft } from '../../web/operator/desk_model.js';
import { snippetsFor, normalizeOrigin, isQueueName, isUsername, isPassword } from '../../web/operator/admin_snippets.js';
import { safeNext } from '../../web/operator/nav.js';

const me = { id: 7, username: 'mary', name: 'Mary', admin: false, account: { id: 1, name: 'Demo' } };
const summary = (chat, extra = {}) => ({ chat, queue: 'ask', status: 'waiting', name: 'Ann', operator: null, started_at: 1, seq: 1, ...extra });

function helloDesk() {
  const d = new Desk();
  const held = d.applyHello({ operator: me, queues: [{ name: 'ask', title: 'Ask a librarian', available: true }],
    chats: [summary('c_w'), summary('c_h', { status: 'active', operator: { id: 7, name: 'Mary' } })] });
  return { d, held };
}

test('hello: held chats are followed, waiting chats ring', () => {
  const { d, held } = helloDesk();
  assert.deepEqual(held, ['c_h']);
  assert.equal(d.chats.has('c_h'), true);
  assert.equal(d.offers.get('c_w').state, 'ringing');
  assert.equal(d.ringingCount(), 1);
  assert.equal(d.queueTitle('ask'), 'Ask a librarian');
});

test('a transfer we sent before a reload waits again after hello, with its time left', () => {
  const d = new Desk();
  const before = Date.now();
  d.applyHello({ operator: me, queues: [], chats: [summary('c_t', { status: 'active', operator: me,
    transfer: { to: { operator: { id: 8, name: 'Ben' } }, expires_in: 41000 } })] });
  const tr = d.chats.get('c_t').transfer;
  assert.equal(tr.state, 'waiting');
  assert.match(tr.text, /Ben/);
  assert.ok(tr.expiresAt >= before + 41000 && tr.expiresAt <= Date.now() + 41000);
  // A later hello without it (answered while we were away): the waiting line goes.
  d.applyHello({ operator: me, queues: [], chats: [summary('c_t', { status: 'active', operator: me })] });
  assert.equal(d.chats.get('c_t').transfer, null);
});

test('the countdown: whole seconds rounded up, never negative, none without a deadline', () => {
  assert.equal(expiryOf(60000, 1000), 61000);
  assert.equal(expiryOf(undefined, 1000), null);
  assert.equal(expiryOf(-5, 1000), null);
  assert.equal(secondsLeft(61000, 13001), 48);
  assert.equal(secondsLeft(61000, 13000), 48);
  assert.equal(secondsLeft(61000, 12999), 49);
  assert.equal(secondsLeft(61000, 70000), 0);
  assert.equal(secondsLeft(null, 0), null);
});

test('a transfer offer keeps when it stops ringing', () => {
  const d = new Desk();
  d.applyHello({ operator: me, queues: [], chats: [] });
  const before = Date.now();
  d.addTransferOffer({ ...summary('c_x', { status: 'active' }), from: { id: 8, name: 'Ben' }, to: { operator: me }, expires_in: 60000, transcript: [] });
  assert.ok(d.offers.get('c_x').transfer.expiresAt >= before + 60000);
});

test('a new hello (after reconnect) stops offers that are no longer waiting', () => {
  const { d } = helloDesk();
  d.addOffer(summary('c_gone'));
  d.applyHello({ operator: me, queues: [], chats: [summary('c_w')] });
  assert.deepEqual([...d.offers.keys()], ['c_w']);
});

test('taken by someone else: the card says who', () => {
  const { d } = helloDesk();
  d.taken('c_w', { id: 9, name: 'Omar' });
  assert.equal(d.offers.get('c_w').state, 'taken');
  assert.equal(d.offers.get('c_w').takenBy, 'Omar');
  assert.equal(d.ringingCount(), 0);
});

test('gone: the guest left, or the offer was withdrawn at the chat limit', () => {
  const { d } = helloDesk();
  d.addOffer(summary('c_x'));
  d.gone('c_w');
  d.gone('c_x', 'limit');
  assert.equal(d.offers.get('c_w').state, 'gone');
  assert.equal(d.offers.get('c_x').state, 'limit');
  assert.equal(d.ringingCount(), 0);
});

test('accepting turns the offer into a held, selected chat', () => {
  const { d } = helloDesk();
  d.accepting('c_w');
  d.taken('c_w', { id: 7, name: 'Mary' }); // our own take, announced to us too
  assert.equal(d.offers.get('c_w').state, 'accepting');
  d.accepted('c_w');
  assert.equal(d.offers.has('c_w'), false);
  assert.equal(d.selected, 'c_w');
  assert.equal(d.chats.get('c_w').status, 'active');
});

test('accept failures: taken, gone, or try again', () => {
  const { d } = helloDesk();
  d.addOffer(summary('a'));
  d.addOffer(summary('b'));
  d.addOffer(summary('c'));
  d.acceptFailed('a', 'taken', 'Omar took this chat.');
  d.acceptFailed('b', 'chat_ended');
  d.acceptFailed('c', 'busy', 'Server busy');
  assert.equal(d.offers.get('a').state, 'taken');
  assert.equal(d.offers.get('a').message, 'Omar took this chat.');
  assert.equal(d.offers.get('b').state, 'gone');
  assert.equal(d.offers.get('c').state, 'ringing');
});

test('unread counts grow for chats not in view and clear on select', () => {
  const { d } = helloDesk();
  d.holdChat(summary('c_2', { status: 'active' }));
  d.select('c_h');
  d.event({ chat: 'c_2', seq: 1, at: 1, kind: 'message', from: 'guest', name: 'Ann', text: 'hi', cid: 'g1' });
  d.event({ chat: 'c_2', seq: 2, at: 2, kind: 'message', from: 'guest', name: 'Ann', text: 'hello?', cid: 'g2' });
  d.event({ chat: 'c_2', seq: 2, at: 2, kind: 'message', from: 'guest', name: 'Ann', text: 'hello?', cid: 'g2' });
  d.event({ chat: 'c_h', seq: 1, at: 1, kind: 'message', from: 'guest', name: 'Ann', text: 'in view', cid: 'g3' });
  assert.equal(d.chats.get('c_2').unread, 2);
  assert.equal(d.chats.get('c_h').unread, 0);
  assert.equal(d.unreadCount(), 2);
  d.select('c_2');
  assert.equal(d.unreadCount(), 0);
});

test('the ended notice ends the chat; closing removes it', () => {
  const { d } = helloDesk();
  d.typing({ chat: 'c_h', from: 'guest', active: true });
  assert.equal(d.chats.get('c_h').guestTyping, true);
  d.event({ chat: 'c_h', seq: 1, at: 1, kind: 'notice', notice: 'ended', by: 'guest' });
  assert.equal(d.chats.get('c_h').status, 'ended');
  assert.equal(d.chats.get('c_h').guestTyping, false);
  d.closeChat('c_h');
  assert.equal(d.chats.has('c_h'), false);
});

test('guest names', () => {
  assert.equal(guestName(null), 'Guest');
  assert.equal(guestName('  '), 'Guest');
  assert.equal(guestName('Ann'), 'Ann');
  assert.equal(guestName(null, 'Guest 7F3K'), 'Guest 7F3K', 'the chat label for an unnamed guest');
  assert.equal(guestName(' ', 'Guest 7F3K'), 'Guest 7F3K');
  assert.equal(guestName('Ann', 'Guest 7F3K'), 'Ann', 'a given name wins');
});

test('a held chat keeps its label and gives it to its transcript', () => {
  const d = new Desk();
  d.applyHello({ operator: me, queues: [], chats: [summary('c_l', { name: null, label: 'Guest Q4ZX', status: 'active', operator: me })] });
  const rec = d.chats.get('c_l');
  assert.equal(rec.label, 'Guest Q4ZX');
  assert.equal(rec.transcript.guestLabel, 'Guest Q4ZX');
});

test('leaving the webclient costs something while a chat is open or a queue is available', () => {
  const d = new Desk();
  d.applyHello({ operator: me, queues: [{ name: 'ask', title: 'Ask', available: false }], chats: [] });
  assert.equal(d.hasWorkOpen(), false, 'nothing open, not available');
  d.setAvailability('ask', true);
  assert.equal(d.hasWorkOpen(), true, 'available: new chats would ring here');
  d.setAvailability('ask', false);
  d.holdChat(summary('c_o', { status: 'active' }));
  assert.equal(d.hasWorkOpen(), true, 'a chat open');
  d.holdChat(summary('c_o', { status: 'ended' }));
  assert.equal(d.hasWorkOpen(), false, 'only ended chats left');
});

test('snippets for the three boxes and the direct link', () => {
  const s = snippetsFor('https://chat.example.org', 'ask');
  assert.deepEqual(s.map((x) => x.kind), ['embedded', 'follow-me', 'popup', 'link']);
  assert.match(s[0].code, /<script src="https:\/\/chat\.example\.org\/embed\.js" data-queue="ask" data-mode="embedded" async><\/script>/);
  assert.match(s[1].code, /data-mode="follow-me"/);
  assert.match(s[2].code, /data-mode="popup"/);
  assert.equal(s[3].code, 'https://chat.example.org/box/ask?mode=popup');
});

test('origins are scheme://host[:port]', () => {
  assert.equal(normalizeOrigin('https://library.example.org/'), 'https://library.example.org');
  assert.equal(normalizeOrigin(' http://LIB.example:8080 '), 'http://lib.example:8080');
  assert.equal(normalizeOrigin('https://lib.example/path'), null);
  assert.equal(normalizeOrigin('javascript:alert(1)'), null);
  assert.equal(normalizeOrigin('lib.example'), null);
  assert.equal(normalizeOrigin('https://u:p@lib.example'), null);
  assert.equal(normalizeOrigin('https://lib.example/?q=1'), null);
});

test('name rules', () => {
  assert.equal(isQueueName('ask'), true);
  assert.equal(isQueueName('Ask'), false);
  assert.equal(isQueueName('a'.repeat(33)), false);
  assert.equal(isUsername('mary.r_2-x'), true);
  assert.equal(isUsername('mary r'), false);
  assert.equal(isPassword('1234567'), false);
  assert.equal(isPassword('12345678'), true);
});

test('sign-in goes back only to paths on this site', () => {
  assert.equal(safeNext('/staff/admin'), '/staff/admin');
  assert.equal(safeNext('/staff?x=1'), '/staff?x=1');
  assert.equal(safeNext(null), '/staff');
  assert.equal(safeNext('https://evil.example/'), '/staff');
  assert.equal(safeNext('//evil.example/'), '/staff');
  assert.equal(safeNext('/\\evil.example'), '/staff');
  assert.equal(safeNext('/x\\y'), '/staff');
  assert.equal(safeNext('javascript:alert(1)'), '/staff');
  assert.equal(safeNext('/staff/signin?next=/x'), '/staff');
});
