// Tests for web/shared/transcript_model.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Transcript, noticeText, senderLabel, stateText, startsGroup } from '../../web/shared/transcript_model.js';

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
  assert.equal(noticeText({ notice: 'ended', by: 'system' }, 'guest'), 'The chat was closed');
  assert.equal(noticeText({ notice: 'started', name: 'Ann' }, 'operator'), 'Ann started the chat');
  assert.equal(noticeText({ notice: 'started', name: null }, 'operator'), 'A guest started the chat');
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
