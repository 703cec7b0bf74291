// history_model.js: the Chat History page's query building, paging and wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canDelete, countsText, dayStart, firstPage, formatDuration, historyQuery, liveDuration, newerPage, olderPage,
  statusLabel } from '../../web/history/history_model.js';

test('filters become the query; empty ones are left out', () => {
  assert.equal(historyQuery({}), '?limit=25');
  const q = new URLSearchParams(historyQuery({ q: '  zeppelin  maps ', queue: 'ask', operator: 7, status: 'ended',
    from: '2026-11-01', to: '2026-11-02' }, '123.456', 10));
  assert.equal(q.get('q'), 'zeppelin  maps');
  assert.equal(q.get('queue'), 'ask');
  assert.equal(q.get('operator'), '7');
  assert.equal(q.get('status'), 'ended');
  assert.equal(Number(q.get('from')), new Date(2026, 10, 1).getTime());
  assert.equal(Number(q.get('to')), new Date(2026, 10, 3).getTime(), 'the whole "to" day');
  assert.equal(q.get('before'), '123.456');
  assert.equal(q.get('limit'), '10');
  // What a person types is a value, never more query.
  assert.equal(new URLSearchParams(historyQuery({ q: 'a&status=waiting' })).get('status'), null);
});

test('dates: local midnight, or nothing for nonsense', () => {
  assert.equal(dayStart(''), null);
  assert.equal(dayStart('2026-13-45x'), null);
  assert.equal(dayStart('2026-02-28', 1), new Date(2026, 2, 1).getTime());
});

test('keyset paging keeps the cursors of earlier pages', () => {
  let p = firstPage();
  assert.equal(olderPage(p), p, 'no older page without a next cursor');
  p = olderPage({ ...p, next: 'a' });
  assert.deepEqual([p.index, p.cursors], [1, [null, 'a']]);
  p = olderPage({ ...p, next: 'b' });
  assert.deepEqual([p.index, p.cursors], [2, [null, 'a', 'b']]);
  p = newerPage(p);
  assert.equal(p.cursors[p.index], 'a');
  p = olderPage({ ...p, next: 'c' });
  assert.deepEqual(p.cursors, [null, 'a', 'c'], 'going older again replaces what followed');
  assert.equal(newerPage(firstPage()).index, 0);
});

test('wording: durations, statuses, counts, who may delete', () => {
  assert.equal(formatDuration(45000), '45 s');
  assert.equal(formatDuration(12 * 60000), '12 min');
  assert.equal(formatDuration(65 * 60000), '1 h 5 min');
  assert.equal(formatDuration(120 * 60000), '2 h');
  assert.equal(formatDuration(-5), '0 s');
  assert.equal(statusLabel({ status: 'active' }), 'Active');
  assert.equal(statusLabel({ status: 'ended', deleted_at: 5 }), 'Transcript deleted');
  assert.equal(countsText({ messages: 1, snapshots: 2 }), '1 message · 2 snapshots');
  assert.equal(canDelete({ status: 'ended' }, true), true);
  assert.equal(canDelete({ status: 'ended' }, false), false);
  assert.equal(canDelete({ status: 'active' }, true), false);
  assert.equal(canDelete({ status: 'ended', deleted_at: 1 }, true), false);
});

test("a running chat's duration grows from the moment it was loaded; an ended one stays", () => {
  const active = { status: 'active', started_at: 5, duration_ms: 1000 };
  assert.equal(liveDuration(active, 50000, 50000), 1000);
  assert.equal(liveDuration(active, 50000, 53000), 4000, 'three seconds later');
  assert.equal(formatDuration(liveDuration(active, 50000, 50000 + 125000)), '2 min');
  assert.equal(liveDuration({ ...active, status: 'waiting' }, 50000, 51000), 2000, 'waiting counts too');
  assert.equal(liveDuration(active, 50000, 40000), 1000, 'a clock that steps back never shrinks it');
  const ended = { status: 'ended', duration_ms: 7000 };
  assert.equal(liveDuration(ended, 50000, 99000), 7000);
  assert.equal(liveDuration({ ...active, deleted_at: 3 }, 50000, 99000), 1000);
});
