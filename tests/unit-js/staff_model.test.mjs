// staff_model: staff notes kept once per number and in order; the staff room's unread count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotesBook, NotesList, RoomModel, noteLabel, staffTextProblem, STAFF_TEXT_MAX } from '../../web/shared/staff_model.js';

const note = (seq, text = `n${seq}`) => ({ seq, operator_id: 1, name: 'Ann', text, cid: `c${seq}`, at: seq });

test('notes are kept once per seq, oldest first, whichever way they came', () => {
  const l = new NotesList();
  assert.equal(l.add([note(2), note(1)]), true);
  assert.equal(l.add(note(2, 'again')), false, 'a note seen twice is one note');
  assert.equal(l.add(note(3)), true);
  assert.deepEqual(l.all().map((n) => [n.seq, n.text]), [[1, 'n1'], [2, 'n2'], [3, 'n3']]);
  assert.equal(l.add({ text: 'no seq' }), false);
  assert.equal(l.size, 3);
});

test('the book files frames by chat and ignores what is not a note', () => {
  const b = new NotesBook();
  assert.equal(b.frame({ type: 'notes', chat: 'a', notes: [note(1)] }), 'a');
  assert.equal(b.frame({ type: 'note', chat: 'b', note: note(1) }), 'b');
  assert.equal(b.frame({ type: 'note', chat: 'a', note: note(1) }), null, 'a duplicate changes nothing');
  assert.equal(b.frame({ type: 'event', chat: 'a', seq: 4 }), null);
  assert.equal(b.of('a').size, 1);
  assert.equal(b.of('b').size, 1);
  assert.equal(noteLabel({ name: 'Bob Alpha' }), 'Staff note — Bob Alpha');
});

test('text checks: empty and too long are refused before sending', () => {
  assert.equal(staffTextProblem('  \n '), 'Write something first.');
  assert.equal(staffTextProblem('é'.repeat(STAFF_TEXT_MAX)), null);
  assert.match(staffTextProblem('é'.repeat(STAFF_TEXT_MAX + 1)), /At most 4,000/);
});

test('room: history is read; colleagues\' messages count as unread until the operator looks', () => {
  const r = new RoomModel();
  r.meId = 1;
  r.history({ messages: [{ id: 1, operator_id: 2, text: 'old' }], keep_secs: 604800 });
  assert.equal(r.unread, 0, 'history is not unread');
  assert.equal(r.keepText(), '7 days');
  assert.equal(r.add({ id: 2, operator_id: 2, text: 'new' }), true);
  assert.equal(r.add({ id: 2, operator_id: 2, text: 'new' }), false);
  assert.equal(r.add({ id: 3, operator_id: 1, text: 'mine' }), true);
  assert.equal(r.unread, 1, 'only a colleague\'s message is unread');
  r.setLooking(true);
  assert.equal(r.unread, 0);
  r.add({ id: 4, operator_id: 2, text: 'seen at once' });
  assert.equal(r.unread, 0);
  r.setLooking(false);
  r.add({ id: 5, operator_id: 2, text: 'later' });
  assert.equal(r.unread, 1);
  assert.deepEqual(r.all().map((m) => m.id), [1, 2, 3, 4, 5]);
});
