// Tests for web/shared/transcript_model.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Transcript, isOwnItem, noticeText, senderLabel, stateText, startsGroup } from '../../web/shared/transcript_model.js';

const msg = (seq, from, text, cid = `x${seq}`) => ({ type: 'event', chat: 'c', seq, at: 1000 * seq, kind: 'message', from, name: null, text, cid });

test('a pending message becomes sent on ack and keeps its key', () => {
  const t = new Transcript();
  t.addEvent({ chat: 'c', seq: 1, at: 1, kind: 'notice', notice: 'started', name: 'Ann' });
  const item = t.addPending({ cid: 'g1', text: 'hello', from: 'guest' });
  assert.equal(item.state, 'pending');
  assert.equal(item.key, 'c:g1');
  assert.deepEqual(t.pending().map((i) => i.cid), ['g1']);
  t.ack('g1', 2);
  assert.equal(item.state, 'sent');
  assert.equal(item.seq, 2);
  assert.equal(t.items.length, 2);
  assert.equal(t.lastSeq(), 2);
});

test('our own event (same cid) merges with the pending item, before or after the ack', () => {
  const a = new Transcript();
  a.addPending({ cid: 'g1', text: 'hello', from: 'guest' });
  a.addEvent(msg(1, 'guest', 'hello', 'g1'));
  a.ack('g1', 1);
  assert.equal(a.items.length, 1);
  assert.equal(a.items[0].state, 'sent');

  const b = new Transcript();
  b.addPending({ cid: 'g1', text: 'hello', from: 'guest' });
  b.ack('g1', 1);
  assert.equal(b.addEvent(msg(1, 'guest', 'hello', 'g1')), false, 'the event is a duplicate');
  assert.equal(b.items.length, 1);
});

// A client id is unique per author, not per chat (PROTOCOL §3.2): the guest sees the operator's
// cids in its events and can send its own message with one of them, and two operators may write
// in one chat. Each author's message must stay its own item, under its own name.
const ev = (seq, from, text, cid, extra = {}) => ({ type: 'event', chat: 'c', seq, at: 1000 * seq, kind: 'message', from,
  name: from === 'guest' ? 'Pat' : 'Mary', text, cid, ...extra });
const shown = (t) => t.items.map((i) => `${i.seq}:${i.from}:${i.name}:${i.text}`);
const keysAreUnique = (t) => assert.equal(new Set(t.items.map((i) => i.key)).size, t.items.length, 'two items share a key');

test("another author's event with our cid does not overwrite our pending message; our echo still does", () => {
  // The operator's page (operator 7): its message is pending when the guest's copy of the id arrives.
  const t = new Transcript();
  const mine = t.addPending({ cid: 'o-answer-1', text: 'LIBRARIAN: try shelf QL 671.', from: 'operator', operatorId: 7, name: 'Mary' });
  assert.equal(t.addEvent(ev(5, 'guest', 'GUEST: please ignore', 'o-answer-1')), true);
  assert.equal(mine.state, 'pending', "the guest's event was taken for ours");
  assert.equal(mine.text, 'LIBRARIAN: try shelf QL 671.');
  // A colleague's message with the same id is not ours either.
  t.addEvent(ev(6, 'operator', 'from a colleague', 'o-answer-1', { operator_id: 8, name: 'Bob' }));
  assert.equal(mine.state, 'pending', "a colleague's event was taken for ours");
  // Our own echo (this operator) makes it sent, in place.
  assert.equal(t.addEvent(ev(4, 'operator', 'LIBRARIAN: try shelf QL 671.', 'o-answer-1', { operator_id: 7 })), true);
  assert.equal(mine.state, 'sent');
  assert.equal(mine.seq, 4);
  assert.equal(mine.key, 'c:o-answer-1', 'one key for its whole life');
  assert.equal(t.ack('o-answer-1', 4), true);
  assert.deepEqual(shown(t), ['4:operator:Mary:LIBRARIAN: try shelf QL 671.', '5:guest:Pat:GUEST: please ignore',
    '6:operator:Bob:from a colleague']);
  keysAreUnique(t);
});

test("another author's event with our cid after the ack is an item of its own", () => {
  // The guest's page: its message is sent; the operator then uses the same id.
  const t = new Transcript();
  t.addPending({ cid: 'g-1', text: 'mine', from: 'guest', name: 'Pat' });
  t.ack('g-1', 2);
  t.addEvent(ev(2, 'guest', 'mine', 'g-1'));
  assert.equal(t.addEvent(ev(3, 'operator', 'not yours', 'g-1')), true);
  assert.deepEqual(shown(t), ['2:guest:Pat:mine', '3:operator:Mary:not yours']);
  keysAreUnique(t);
  // A page that sends with a cid another author already used gets a pending item of its own.
  const p = t.addPending({ cid: 'o-x', text: 'new', from: 'guest', name: 'Pat' });
  t.addEvent(ev(4, 'operator', 'theirs', 'o-x'));
  assert.equal(p.state, 'pending');
  assert.equal(p.text, 'new');
});

test('a whole transcript with one id used by both sides shows both messages under their names', () => {
  // Chat History and the management page: every event arrives at once, nothing of theirs is pending.
  const t = new Transcript();
  assert.equal(t.addEvents([ev(4, 'operator', 'LIBRARIAN: try shelf QL 671.', 'o-answer-1', { operator_id: 7 }),
    ev(5, 'guest', 'GUEST: please ignore', 'o-answer-1')]), 2);
  assert.deepEqual(shown(t), ['4:operator:Mary:LIBRARIAN: try shelf QL 671.', '5:guest:Pat:GUEST: please ignore']);
  keysAreUnique(t);
});

test("another author's snapshot with our cid swaps neither our image nor its own", () => {
  const snap = (seq, from, blob, cid, extra = {}) => ({ type: 'event', chat: 'c', seq, at: seq, kind: 'snapshot', from,
    name: null, cid, blob, thumb: blob, mime: 'image/png', width: 10, height: 10, size: 5, file_name: `${blob}.png`, alt: blob, ...extra });
  // Pending, the guest's snapshot with our id arrives first.
  const t = new Transcript();
  const mine = t.addPendingUpload({ cid: 'ou-1', kind: 'snapshot', from: 'operator', operatorId: 7, fileName: 'ours.png',
    mime: 'image/png', size: 5, preview: 'blob:ours' });
  t.addEvent(snap(3, 'guest', 'theirs', 'ou-1'));
  assert.equal(mine.state, 'pending');
  assert.equal(mine.blob, undefined);
  assert.equal(mine.preview, 'blob:ours');
  // Acked and waiting for its event: only our own event at that seq fills it in.
  t.ack('ou-1', 4);
  assert.equal(mine.awaitingEvent, true);
  assert.equal(t.addEvent(snap(5, 'guest', 'later', 'ou-1')), true);
  assert.equal(mine.blob, undefined, "another author's snapshot filled in ours");
  t.addEvent(snap(4, 'operator', 'ours', 'ou-1', { operator_id: 7 }));
  assert.equal(mine.blob, 'ours');
  assert.equal(mine.awaitingEvent, false);
  assert.deepEqual(t.items.map((i) => `${i.seq}:${i.from}:${i.blob}`), ['3:guest:theirs', '4:operator:ours', '5:guest:later']);
  keysAreUnique(t);
  // A page that did not know its operator id still gets its acked upload filled in: the ack named the seq.
  const u = new Transcript();
  const up = u.addPendingUpload({ cid: 'ou-2', kind: 'snapshot', from: 'operator', fileName: 'a.png', mime: 'image/png', size: 5 });
  u.ack('ou-2', 9);
  u.addEvent(snap(9, 'operator', 'filled', 'ou-2', { operator_id: 7 }));
  assert.equal(up.blob, 'filled');
  assert.equal(u.items.length, 1);
});

test('events are ordered by seq, pending messages last, duplicates ignored', () => {
  const t = new Transcript();
  t.addPending({ cid: 'p', text: 'mine', from: 'guest' });
  t.addEvent(msg(3, 'operator', 'three'));
  t.addEvent(msg(1, 'operator', 'one'));
  assert.equal(t.addEvent(msg(1, 'operator', 'one again')), false);
  t.addEvent(msg(2, 'operator', 'two'));
  assert.deepEqual(t.items.map((i) => i.text), ['one', 'two', 'three', 'mine']);
});

test('a refused message shows why, and can be retried', () => {
  const t = new Transcript();
  t.addPending({ cid: 'g1', text: 'x', from: 'guest' });
  t.fail('g1', 'the chat has ended.');
  assert.equal(stateText(t.items[0]), 'Not sent: the chat has ended.');
  t.retry('g1');
  assert.equal(stateText(t.items[0]), 'Sending…');
  t.ack('g1', 4);
  assert.equal(t.fail('g1', 'late'), false, 'a sent message cannot fail');
});

test('every change bumps the version', () => {
  const t = new Transcript();
  const v0 = t.version;
  t.addPending({ cid: 'a', text: 'x', from: 'guest' });
  const v1 = t.version;
  t.ack('a', 1);
  assert.ok(v0 < v1 && v1 < t.version);
});

test('notices read right from each side', () => {
  assert.equal(noticeText({ notice: 'joined', name: 'Mary' }, 'guest'), 'Mary joined the chat');
  assert.equal(noticeText({ notice: 'ended', by: 'guest' }, 'guest'), 'You ended the chat');
  assert.equal(noticeText({ notice: 'ended', by: 'guest' }, 'operator'), 'The guest ended the chat');
  assert.equal(noticeText({ notice: 'ended', by: 'operator' }, 'guest'), 'The librarian ended the chat');
  assert.equal(noticeText({ notice: 'ended', by: 'system', reason: 'idle' }, 'guest'), 'The chat was closed because nobody wrote for a while');
  assert.equal(noticeText({ notice: 'ended', by: 'system' }, 'operator'), 'The chat was closed');
  assert.equal(noticeText({ notice: 'ended', by: 'system' }, 'guest'), 'The chat was closed');
  assert.equal(noticeText({ notice: 'started', name: 'Ann' }, 'operator'), 'Ann started the chat');
  assert.equal(noticeText({ notice: 'started', name: null }, 'operator'), 'A guest started the chat');
});

test('a transfer reads as whom the guest now talks to, and as who passed it on for staff', () => {
  const t = new Transcript();
  t.addEvent({ type: 'event', chat: 'c', seq: 5, kind: 'notice', at: 1, notice: 'transferred', name: 'Bob', from: 'Ann' });
  t.addEvent({ type: 'event', chat: 'c', seq: 6, kind: 'notice', at: 2, notice: 'transferred', name: 'Cy', from: 'Bob',
    queue: 'maps', title: 'Maps Desk' });
  t.addEvent({ type: 'event', chat: 'c', seq: 7, kind: 'share', at: 3, from: 'system', share: 1, step: 'stopped',
    by: 'system', reason: 'transferred' });
  t.addEvent({ type: 'event', chat: 'c', seq: 8, kind: 'notice', at: 4, notice: 'requeued' });
  const [toBob, toMaps, stopped, requeued] = t.items;
  assert.equal(noticeText(toBob, 'guest'), 'You are now chatting with Bob');
  assert.equal(noticeText(toBob, 'operator'), 'Ann transferred the chat to Bob');
  assert.equal(noticeText(toMaps, 'guest'), 'You are now chatting with Maps Desk');
  assert.equal(noticeText(toMaps, 'operator'), 'Bob transferred the chat to Maps Desk; Cy took it');
  assert.equal(noticeText(stopped, 'guest'), 'Screen sharing stopped: the chat was transferred');
  assert.equal(noticeText(stopped, 'operator'), 'Screen sharing stopped: the chat was transferred');
  assert.match(noticeText(requeued, 'guest'), /another librarian will be with you/);
  assert.match(noticeText(requeued, 'operator'), /waiting on its queue again/);
  // A name that is not there never reads as "undefined".
  assert.equal(noticeText({ notice: 'transferred' }, 'guest'), 'You are now chatting with another librarian');
});

test('a snapshot or file removed by the retention rule reads as such, from the event', () => {
  const t = new Transcript();
  t.addEvent({ type: 'event', chat: 'c_1', seq: 5, kind: 'notice', at: 1, notice: 'removed', what: 'file' });
  t.addEvent({ type: 'event', chat: 'c_1', seq: 6, kind: 'notice', at: 2, notice: 'removed', what: 'snapshot' });
  const [file, image] = t.items;
  assert.equal(noticeText(file, 'operator'), 'A file was removed under the library\'s retention policy');
  assert.equal(noticeText(image, 'guest'), 'An image was removed under the library\'s retention policy');
});

test('sender labels and grouping', () => {
  assert.equal(senderLabel({ from: 'guest', name: 'Ann' }, 'guest'), 'You');
  assert.equal(senderLabel({ from: 'operator', name: 'Mary' }, 'guest'), 'Mary');
  assert.equal(senderLabel({ from: 'guest', name: null }, 'operator'), 'Guest');
  const a = { kind: 'message', from: 'guest', name: null, at: 0 };
  assert.equal(startsGroup(a, null), true);
  assert.equal(startsGroup({ ...a, at: 60000 }, a), false);
  assert.equal(startsGroup({ ...a, at: 200000 }, a), true);
  assert.equal(startsGroup({ ...a, from: 'operator' }, a), true);
});

test('addEvents: a whole transcript at once, in seq order, duplicates once', () => {
  const t = new Transcript();
  const evs = [3, 1, 2, 2].map((seq) => ({ chat: 'c', seq, at: seq, kind: 'message', from: 'guest', text: `m${seq}`, cid: `g${seq}` }));
  assert.equal(t.addEvents(evs), 3);
  assert.deepEqual(t.items.map((i) => i.seq), [1, 2, 3]);
  assert.equal(t.addEvents(evs), 0, 'all known already');
  assert.equal(t.addEvent({ chat: 'c', seq: 0.5 * 2 + 3, at: 4, kind: 'notice', notice: 'ended', by: 'guest' }), true);
  assert.deepEqual(t.items.map((i) => i.seq), [1, 2, 3, 4], 'sorting works again after a batch');
});

test("an unnamed guest is called by the chat's label once the page knows it", () => {
  const t = new Transcript();
  const v = t.version;
  t.setGuestLabel('Guest 7F3K');
  assert.ok(t.version > v, 'a new label redraws');
  const before = t.version;
  t.setGuestLabel('Guest 7F3K');
  assert.equal(t.version, before, 'the same label changes nothing');
  const m = { from: 'guest', name: null };
  assert.equal(senderLabel(m, 'operator', t.guestLabel), 'Guest 7F3K');
  assert.equal(senderLabel(m, 'operator'), 'Guest');
  assert.equal(senderLabel({ from: 'guest', name: 'Ann' }, 'operator', 'Guest 7F3K'), 'Ann');
  assert.equal(senderLabel(m, 'guest', 'Guest 7F3K'), 'You');
  assert.equal(noticeText({ notice: 'started', name: null }, 'operator', 'Guest 7F3K'), 'Guest 7F3K started the chat');
  assert.equal(noticeText({ notice: 'started', name: null }, 'operator'), 'A guest started the chat');
});

test('on a staff page, a colleague\'s messages (the holder before a transfer) are not "You"', () => {
  const ann = { from: 'operator', operatorId: 3, name: 'Ann' };
  const ben = { from: 'operator', operatorId: 7, name: 'Ben' };
  assert.equal(senderLabel(ann, 'operator', null, 7), 'Ann');
  assert.equal(senderLabel(ben, 'operator', null, 7), 'You');
  assert.equal(isOwnItem(ann, 'operator', 7), false);
  assert.equal(isOwnItem(ben, 'operator', 7), true);
  // Without ids to compare (a page that does not know its reader yet), the side decides, as before.
  assert.equal(senderLabel(ann, 'operator'), 'You');
  assert.equal(senderLabel({ from: 'operator', name: 'Ann' }, 'operator', null, 7), 'You');
  // Guests: their own side is always theirs.
  assert.equal(isOwnItem({ from: 'guest' }, 'guest', 7), true);
  assert.equal(isOwnItem(ann, 'guest', 7), false);
});
