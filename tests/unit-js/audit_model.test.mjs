// audit_model: the admin page's reading of GET /api/admin/audit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionLabel, actorLabel, auditPage } from '../../web/operator/audit_model.js';

test('actions have words; an unknown one keeps its name', () => {
  assert.equal(actionLabel('operator.password'), 'Password reset');
  assert.equal(actionLabel('transcript.delete'), 'Transcript deleted');
  assert.equal(actionLabel('guest.block'), 'Guest blocked');
  assert.equal(actionLabel('something.new'), 'something.new');
  assert.equal(actionLabel(undefined), '');
});

test('the command line is named as such, an operator by username', () => {
  assert.equal(actorLabel({ id: null, username: 'command line' }), 'Command line');
  assert.equal(actorLabel({ id: 7, username: 'bob' }), 'bob');
  assert.equal(actorLabel(null), '');
});

test('a page: rows in the order given, and the cursor for older entries only when there are more', () => {
  const entries = [
    { id: 9, at: 2000, actor: { id: 2, username: 'bob' }, action: 'queue.add', target: 'ask', detail: 'title "Ask"' },
    { id: 4, at: 1000, actor: { id: null, username: 'command line' }, action: 'member.add', target: 'ask', detail: 'operator ann' },
  ];
  const p = auditPage({ entries, more: true });
  assert.deepEqual(p.rows.map((r) => r.id), [9, 4]);
  assert.equal(p.rows[0].action, 'Queue added');
  assert.equal(p.rows[1].who, 'Command line');
  assert.equal(p.older, 4);
  assert.equal(auditPage({ entries, more: false }).older, null);
  assert.deepEqual(auditPage({ entries: [], more: true }), { rows: [], older: null });
  assert.deepEqual(auditPage(undefined), { rows: [], older: null });
});

test('markup in a target or detail stays text (the view sets textContent)', () => {
  const p = auditPage({ entries: [{ id: 1, at: 1, actor: { id: 1, username: 'x' }, action: 'queue.change',
    target: '<img src=x onerror=alert(1)>', detail: '<b>bold</b>' }], more: false });
  assert.equal(p.rows[0].target, '<img src=x onerror=alert(1)>');
  assert.equal(p.rows[0].detail, '<b>bold</b>');
});
