// Tests for transfer_model.js (the words and choices of a transfer) and the
// desk's handling of transfer frames (desk_model.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { NOTE_MAX, startedText, doneText, goneText, offerWarnings, refusalText, returnedText, targetName, transferChoices,
  transferMessage, waitingText } from '../../web/shared/transfer_model.js';
import { Desk } from '../../web/operator/desk_model.js';

const me = { id: 7, username: 'ben', name: 'Ben', admin: false, account: { id: 1, name: 'Demo' } };

test('choices: colleagues, then queues; a queue with nobody available cannot be picked', () => {
  const c = transferChoices({ operators: [{ id: 3, name: 'Ann' }],
    queues: [{ name: 'ask', title: 'Ask a librarian', available: 2 }, { name: 'maps', title: 'Maps', available: 0 },
      { name: 'law', title: '', available: 1 }] });
  assert.deepEqual(c.operators, [{ value: 'operator:3', label: 'Ann', hint: 'available', disabled: false }]);
  assert.deepEqual(c.queues.map((q) => [q.value, q.label, q.hint, q.disabled]), [
    ['queue:ask', 'Ask a librarian', '2 colleagues available', false],
    ['queue:maps', 'Maps', 'nobody available', true],
    ['queue:law', 'law', '1 colleague available', false]]);
  assert.deepEqual(transferChoices(null), { operators: [], queues: [] });
});

test('an admin offered the chat themself (self) comes first, said as taking it', () => {
  const c = transferChoices({ operators: [{ id: 3, name: 'Ann' }, { id: 9, name: 'Ada Admin', self: true }], queues: [] });
  assert.deepEqual(c.operators.map((o) => [o.value, o.label, Boolean(o.self)]),
    [['operator:9', 'Take this chat myself', true], ['operator:3', 'Ann', false]]);
  // Taking it answers without `to`: nothing waits.
  assert.equal(startedText({ chat: 'c_1' }), 'The chat is yours now.');
  assert.equal(startedText({ chat: 'c_1', to: { operator: { id: 3, name: 'Ann' } } }), 'Waiting for Ann to accept…');
});

test('the chat.transfer message names one target and a trimmed note, or none', () => {
  assert.deepEqual(transferMessage('c_1', 'operator:12', '  see the map room  '),
    { type: 'chat.transfer', chat: 'c_1', operator: 12, note: 'see the map room' });
  assert.deepEqual(transferMessage('c_1', 'queue:ask-maps', '   '), { type: 'chat.transfer', chat: 'c_1', queue: 'ask-maps' });
  assert.throws(() => transferMessage('c_1', 'nobody:1'));
  assert.equal(NOTE_MAX, 500);
});

test('the sentences of each way a transfer ends', () => {
  assert.equal(targetName({ operator: { id: 1, name: 'Ann' } }), 'Ann');
  assert.equal(targetName({ queue: { name: 'maps', title: 'Maps Desk' } }), 'Maps Desk');
  assert.equal(waitingText({ operator: { id: 1, name: 'Ann' } }), 'Waiting for Ann to accept…');
  assert.equal(waitingText({ queue: { name: 'maps', title: 'Maps Desk' } }), 'Waiting for someone on Maps Desk to accept…');
  assert.equal(returnedText({ reason: 'declined', by: 'Ann', requeued: false }), 'Ann declined the transfer. The chat is still yours.');
  assert.match(returnedText({ reason: 'expired', by: null, requeued: false }), /in time/);
  assert.match(returnedText({ reason: 'declined', by: 'Ann', requeued: true }), /back to its queue/);
  assert.equal(doneText({ to: { id: 1, name: 'Ann' } }), 'Ann took over this chat.');
  assert.equal(goneText({ reason: 'taken', by: { id: 2, name: 'Cy' } }), 'Cy took this chat.');
  assert.equal(goneText({ reason: 'withdrawn', by: 'Ann' }), 'Ann withdrew the transfer.');
  assert.equal(goneText({ reason: 'ended' }), 'The chat ended.');
  assert.deepEqual(offerWarnings({ senderGone: false, guestGone: false }), []);
  assert.equal(offerWarnings({ senderGone: true, guestGone: true, from: { name: 'Ann' } }).length, 2);
  assert.equal(refusalText({ code: 'unavailable', message: 'Nobody else is available on Maps right now.' }),
    'Nobody else is available on Maps right now.');
  assert.match(refusalText({ code: 'busy' }), /already waiting/);
  assert.match(refusalText({}), /could not be sent/);
});

function deskWith() {
  const d = new Desk();
  d.applyHello({ operator: me, queues: [{ name: 'ask', title: 'Ask', available: true }], chats: [] });
  return d;
}

const offerFrame = (extra = {}) => ({ type: 'transfer.offer', chat: 'c_t', queue: 'ask', status: 'active', name: 'Pat',
  label: 'Guest 7F3K', operator: { id: 3, name: 'Ann' }, started_at: 1, seq: 3, from: { id: 3, name: 'Ann' },
  note: 'maps', to: { operator: { id: 7, name: 'Ben' } }, expires_in: 60000, sender_gone: false, guest_gone: false,
  transcript: [
    { type: 'event', chat: 'c_t', seq: 1, kind: 'notice', at: 1, notice: 'started', name: 'Pat' },
    { type: 'event', chat: 'c_t', seq: 2, kind: 'notice', at: 2, notice: 'joined', name: 'Ann' },
    { type: 'event', chat: 'c_t', seq: 3, kind: 'message', at: 3, from: 'guest', name: 'Pat', text: 'old maps?', cid: 'g1' }],
  ...extra });

test('a colleague\'s transfer rings with its conversation, and Accept makes it a held chat', () => {
  const d = deskWith();
  d.addTransferOffer(offerFrame());
  const offer = d.offers.get('c_t');
  assert.equal(offer.state, 'ringing');
  assert.equal(offer.transfer.note, 'maps');
  assert.equal(offer.transfer.transcript.items.length, 3);
  assert.equal(d.ringingCount(), 1);
  d.transferUpdate({ chat: 'c_t', sender_gone: true, guest_gone: false });
  assert.equal(offer.transfer.senderGone, true);
  d.accepting('c_t');
  d.accepted('c_t');
  assert.equal(d.offers.size, 0);
  assert.equal(d.chats.get('c_t').status, 'active');
  assert.equal(d.selected, 'c_t');
});

test('transfer.gone: taken by someone else stays to be read; our own decline or take from another tab goes', () => {
  const d = deskWith();
  d.addTransferOffer(offerFrame());
  d.transferGone({ chat: 'c_t', reason: 'taken', by: { id: 9, name: 'Cy' } });
  assert.equal(d.offers.get('c_t').state, 'taken');
  assert.equal(d.offers.get('c_t').message, 'Cy took this chat.');
  assert.equal(d.ringingCount(), 0);
  d.addTransferOffer(offerFrame());
  d.transferGone({ chat: 'c_t', reason: 'taken', by: { id: 7, name: 'Ben' } });
  assert.equal(d.offers.has('c_t'), false);
  d.addTransferOffer(offerFrame());
  d.transferGone({ chat: 'c_t', reason: 'declined' });
  assert.equal(d.offers.has('c_t'), false);
  d.addTransferOffer(offerFrame());
  d.transferGone({ chat: 'c_t', reason: 'expired' });
  assert.equal(d.offers.get('c_t').state, 'gone');
});

test('the sender: waiting, returned, then done, after which the chat is read-only even after a re-join', () => {
  const d = deskWith();
  d.holdChat({ chat: 'c_s', queue: 'ask', status: 'active', name: 'Pat', operator: me, started_at: 1 });
  const before = Date.now();
  d.transferStarted('c_s', { operator: { id: 3, name: 'Ann' } }, 60000);
  const { expiresAt, ...line } = d.chats.get('c_s').transfer;
  assert.deepEqual(line, { state: 'waiting', text: 'Waiting for Ann to accept…' });
  assert.ok(expiresAt >= before + 60000 && expiresAt <= Date.now() + 60000);
  d.transferReturned({ chat: 'c_s', reason: 'declined', by: 'Ann', requeued: false });
  assert.equal(d.chats.get('c_s').transfer.state, 'returned');
  assert.equal(d.chats.get('c_s').status, 'active');
  d.transferStarted('c_s', { operator: { id: 3, name: 'Ann' } });
  d.transferDone({ chat: 'c_s', to: { id: 3, name: 'Ann' } });
  assert.equal(d.chats.get('c_s').status, 'transferred');
  d.joined({ chat: 'c_s', status: 'active', queue: 'ask', operator: { name: 'Ann' } });
  assert.equal(d.chats.get('c_s').status, 'transferred');
  assert.equal(d.hasWorkOpen(), true, 'still available on a queue');
  d.setAvailability('ask', false);
  assert.equal(d.hasWorkOpen(), false, 'a chat handed on is no work left open');
});
