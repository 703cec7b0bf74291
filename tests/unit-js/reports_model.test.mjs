// reports_model: the Reports page's pure parts — ranges checked with the server's rules, the
// query, times in words, outcome and sharing rows, bar lengths and heat-map levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bars, csvName, dayNumber, defaultRange, followupNote, followupRows, formatSeconds, heatCells, outcomeRows,
  rangeProblem, reportQuery, sharingRows, timeRows } from '../../web/reports/reports_model.js';

const REPORT = {
  chats: 10, answered: 6, missed: 2, abandoned: 1, snapshots_from_guests: 3, snapshots_to_guests: 4,
  share_invited: 5, share_accepted: 2, share_declined: 2, share_blocked: 1,
  followups: 7, followups_answered: 4, followups_not_delivered: 1,
  wait: { count: 6, p50: 45, p90: 130 }, length: { count: 0, p50: 0, p90: 0 },
};

test('the first range is the last 30 days, both ends included', () => {
  assert.deepEqual(defaultRange(new Date(2026, 2, 5)), { from: '2026-02-04', to: '2026-03-05' });
  assert.deepEqual(defaultRange(new Date(2026, 0, 10)), { from: '2025-12-12', to: '2026-01-10' });
});

test('ranges are checked as the server checks them', () => {
  assert.equal(dayNumber('1970-01-02'), 1);
  assert.equal(dayNumber('2026-02-30'), null);
  assert.equal(dayNumber('2026-2-03'), null);
  assert.equal(dayNumber(''), null);
  assert.equal(rangeProblem('2026-03-01', '2026-03-01'), null);
  assert.equal(rangeProblem('2024-01-01', '2025-12-31'), null); // 731 days
  assert.match(rangeProblem('2024-01-01', '2026-01-01'), /too long/);
  assert.match(rangeProblem('2026-03-02', '2026-03-01'), /ends before it begins/);
  assert.match(rangeProblem('', '2026-03-01'), /both dates/);
  assert.match(rangeProblem('1969-12-31', '1970-01-01'), /1970/);
});

test('the query names the range and one of queue or operator', () => {
  assert.equal(reportQuery({ from: '2026-03-01', to: '2026-03-31' }), '?from=2026-03-01&to=2026-03-31');
  assert.equal(reportQuery({ from: 'a', to: 'b', queue: 'ask me', operator: '7' }), '?from=a&to=b&queue=ask+me');
  assert.equal(reportQuery({ from: 'a', to: 'b', operator: '7' }), '?from=a&to=b&operator=7');
  assert.equal(csvName({ from: '2026-03-01', to: '2026-03-31' }), 'refdesk-report-2026-03-01-2026-03-31.csv');
});

test('times read as people say them', () => {
  assert.equal(formatSeconds(0), '0 s');
  assert.equal(formatSeconds(59), '59 s');
  assert.equal(formatSeconds(60), '1 min');
  assert.equal(formatSeconds(125), '2 min 5 s');
  assert.equal(formatSeconds(3600), '1 h');
  assert.equal(formatSeconds(4830), '1 h 20 min');
  assert.equal(formatSeconds(-1), '—');
});

test('rows: outcomes with shares and the chats still waiting, sharing, times', () => {
  const o = outcomeRows(REPORT);
  assert.deepEqual(o.map((r) => [r.key, r.value, r.share]),
    [['answered', 6, '60 %'], ['missed', 2, '20 %'], ['abandoned', 1, '10 %'], ['waiting', 1, '10 %']]);
  assert.deepEqual(outcomeRows({ ...REPORT, chats: 0, answered: 0, missed: 0, abandoned: 0 }).map((r) => r.share),
    ['—', '—', '—', '—']);
  assert.deepEqual(sharingRows(REPORT).map((r) => r.value), [3, 4, 5, 2, 2, 1]);
  const t = timeRows(REPORT);
  assert.deepEqual(t.map((r) => [r.key, r.count, r.p50Text, r.p90Text]),
    [['wait', 6, '45 s', '2 min 10 s'], ['length', 0, '—', '—']]);
});

test('bars are in proportion to the largest, and a small one still shows', () => {
  assert.deepEqual(bars([{ value: 10 }, { value: 5 }, { value: 0 }, { value: 0.01 }], 300).map((b) => b.length),
    [300, 150, 0, 1]);
  assert.deepEqual(bars([{ value: 0 }, { value: 0 }], 300).map((b) => b.length), [0, 0]);
});

test('heat levels: none is 0, the busiest hour is the top level', () => {
  const byHour = Array.from({ length: 7 }, () => Array(24).fill(0));
  byHour[0][9] = 8;
  byHour[0][10] = 1;
  byHour[6][23] = 4;
  const cells = heatCells(byHour);
  assert.equal(cells.length, 7);
  assert.equal(cells[0].length, 24);
  assert.deepEqual([cells[0][9].level, cells[0][10].level, cells[6][23].level, cells[3][3].level], [4, 1, 2, 0]);
  assert.deepEqual([cells[6][23].day, cells[6][23].hour, cells[6][23].n], [6, 23, 4]);
  assert.equal(heatCells(Array.from({ length: 7 }, () => Array(24).fill(0))).flat().every((c) => c.level === 0), true);
});

test('follow-ups: left, delivered, not delivered and the open rest; an operator has no open rest', () => {
  assert.deepEqual(followupRows(REPORT).map((r) => [r.key, r.value]),
    [['left', 7], ['answered', 4], ['failed', 1], ['open', 2]]);
  assert.match(followupNote(REPORT), /left by email while nobody was online/);
  const ann = { ...REPORT, operator: { id: 3, name: 'Ann' }, followups: 5, followups_answered: 4 };
  const rows = followupRows(ann);
  assert.deepEqual(rows.map((r) => [r.key, r.value]), [['left', 5], ['answered', 4], ['failed', 1]]);
  assert.equal(rows[0].label, 'Follow-ups answered by this operator');
  assert.match(followupNote(ann), /that Ann answered/);
  // Never a negative rest, whatever the counts say.
  assert.equal(followupRows({ ...REPORT, followups: 3 }).at(-1).value, 0);
});
