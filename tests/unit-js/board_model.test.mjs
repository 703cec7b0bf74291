// board_model: what the board shows from GET /api/board (web/board/board_model.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operatorRows, queueRows, statusLabel, summary, waitText } from '../../web/board/board_model.js';

const BOARD = {
  at: 1700000000000,
  max_chats: 2,
  queues: [
    { queue: 'maps', title: 'Maps Desk', waiting: 0, longest_wait_secs: null },
    { queue: 'ask', title: 'Ask a Librarian', waiting: 3, longest_wait_secs: 125 },
    { queue: 'law', title: 'Law', waiting: 0, longest_wait_secs: null },
  ],
  operators: [
    { id: 3, name: 'Cy', status: 'offline', chats: 0, queues: [] },
    { id: 1, name: 'Bo', status: 'away', chats: 2, queues: [] },
    { id: 2, name: 'Al', status: 'available', chats: 1, queues: ['ask', 'gone'] },
    { id: 4, name: 'Di', status: 'available', chats: 2, queues: ['maps'] },
    { id: 5, name: 'Ed', status: 'available', chats: 0, queues: [] },
  ],
};

test('waitText: nothing, seconds, minutes, hours', () => {
  assert.equal(waitText(null), '—');
  assert.equal(waitText(undefined), '—');
  assert.equal(waitText(-3), '—');
  assert.equal(waitText(0), '0 s');
  assert.equal(waitText(59), '59 s');
  assert.equal(waitText(60), '1 min');
  assert.equal(waitText(3599), '59 min');
  assert.equal(waitText(3600 + 5 * 60), '1 h 05 min');
});

test('statusLabel: the webclient\'s words; anything unknown reads offline', () => {
  assert.equal(statusLabel('available'), 'Available');
  assert.equal(statusLabel('away'), 'Away');
  assert.equal(statusLabel('offline'), 'Offline');
  assert.equal(statusLabel('<b>x</b>'), 'Offline');
});

test('queueRows: busiest first, then by title', () => {
  assert.deepEqual(queueRows(BOARD).map((q) => [q.title, q.waiting, q.wait]),
    [['Ask a Librarian', 3, '2 min'], ['Law', 0, '—'], ['Maps Desk', 0, '—']]);
  assert.deepEqual(queueRows({}), []);
});

test('operatorRows: Available, Away, offline; chats against the limit', () => {
  const rows = operatorRows(BOARD);
  assert.deepEqual(rows.map((o) => [o.name, o.statusText, o.chats, o.full]),
    [['Al', 'Available', '1 of 2', false], ['Di', 'Available', '2 of 2', true], ['Ed', 'Signed in, on no queue', '0 of 2', false],
      ['Bo', 'Away', '2 of 2', true], ['Cy', 'Offline', '0 of 2', false]]);
  const noLimit = operatorRows({ ...BOARD, max_chats: 0 });
  assert.deepEqual(noLimit.map((o) => [o.chats, o.full]), [['1', false], ['2', false], ['0', false], ['2', false], ['0', false]]);
});

test('operatorRows: the queues each one is rung on, by title (else name); none reads as only signed in', () => {
  const rows = Object.fromEntries(operatorRows(BOARD).map((o) => [o.name, o]));
  assert.deepEqual(rows.Al.queues, ['Ask a Librarian', 'gone']);
  assert.equal(rows.Al.queuesText, 'on Ask a Librarian, gone');
  assert.equal(rows.Di.queuesText, 'on Maps Desk');
  assert.equal(rows.Ed.status, 'idle');
  assert.equal(rows.Ed.queuesText, '');
  assert.equal(rows.Bo.status, 'away');
  // An older server without `queues`: no queues, and Available reads as only signed in.
  assert.equal(operatorRows({ operators: [{ id: 9, name: 'Fi', status: 'available', chats: 0 }] })[0].statusText,
    'Signed in, on no queue');
});

test('summary: one sentence, singular and plural', () => {
  // Ed is Available on no queue: signed in, not counted as available.
  assert.equal(summary(BOARD), '3 guests are waiting; 2 of 5 operators are available.');
  assert.equal(summary({ queues: [{ waiting: 1 }], operators: [{ status: 'away' }] }),
    '1 guest is waiting; 0 of 1 operator is available.');
  assert.equal(summary({ queues: [], operators: [] }), 'Nobody is waiting; 0 of 0 operators are available.');
});
