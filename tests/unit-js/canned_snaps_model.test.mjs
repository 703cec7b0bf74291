// canned_snaps_model.js: the sharing tool's checks on a canned snapshot's name, the list's order
// and the words for refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byName, cannedFailure, nameProblem, NAME_MAX } from '../../web/share/canned_snaps_model.js';

test('nameProblem: one line of 1-40 visible characters, no space at either end', () => {
  assert.equal(nameProblem('Databases: log in'), null);
  assert.equal(nameProblem('x'.repeat(NAME_MAX)), null);
  assert.equal(nameProblem('Ähnlich — ünïcode 名前'), null);
  assert.match(nameProblem(''), /name/);
  assert.match(nameProblem('x'.repeat(NAME_MAX + 1)), /over 40/);
  assert.match(nameProblem(' padded'), /space/);
  assert.match(nameProblem('padded '), /space/);
  assert.match(nameProblem('two\nlines'), /one line/);
  assert.match(nameProblem('tab\there'), /one line/);
  assert.match(nameProblem('hidden\u200bspace'), /one line/);
  assert.match(nameProblem('turn\u202eabout'), /one line/);
  // 40 characters outside the BMP are 80 UTF-16 units: still 40 characters.
  assert.equal(nameProblem('😀'.repeat(NAME_MAX)), null);
});

test('byName: by name whatever the case, then oldest first; the input is not changed', () => {
  const list = [{ id: 3, name: 'wifi' }, { id: 1, name: 'Databases' }, { id: 2, name: 'databases' }, { id: 4, name: 'Catalogue' }];
  assert.deepEqual(byName(list).map((x) => x.id), [4, 1, 2, 3]);
  assert.deepEqual(list.map((x) => x.id), [3, 1, 2, 4]);
});

test('cannedFailure: known codes have their own words; anything else a general one', () => {
  assert.match(cannedFailure(403, 'forbidden'), /saved it, or an admin/);
  assert.match(cannedFailure(409, 'too_many'), /delete one first/);
  assert.match(cannedFailure(0, 'network'), /connection/);
  assert.match(cannedFailure(500, 'whatever'), /went wrong/);
});
