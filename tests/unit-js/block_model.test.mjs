// block_model.js: Block guest's form checks, its refusal words and the admin list's line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockLine, blockRefusal, checkBlock, HOURS_MAX, REASON_MAX, SHARED_ADDRESS_WARNING } from '../../web/operator/block_model.js';

test('checkBlock: a reason on one line and 1-24 whole hours, 1 when left empty', () => {
  assert.deepEqual(checkBlock('Abusive language', ''), { body: { reason: 'Abusive language', hours: 1 } });
  assert.deepEqual(checkBlock('  Spam\n links  ', '24'), { body: { reason: 'Spam links', hours: 24 } });
  assert.deepEqual(checkBlock('x'.repeat(REASON_MAX), '3'), { body: { reason: 'x'.repeat(REASON_MAX), hours: 3 } });
  assert.match(checkBlock('', '1').problem, /reason/);
  assert.match(checkBlock(' \n ', '1').problem, /reason/);
  assert.match(checkBlock('x'.repeat(REASON_MAX + 1), '1').problem, /over 200/);
  for (const bad of ['0', '25', String(HOURS_MAX + 1), '1.5', 'two', '-1'])
    assert.match(checkBlock('Spam', bad).problem, /1 to 24 hours/, bad);
});

test('blockRefusal and the warning say what a person needs to know', () => {
  assert.match(blockRefusal(409, 'no_address'), /not known/);
  assert.match(blockRefusal(403, 'not_holder'), /another librarian/);
  assert.match(blockRefusal(403, 'not_offered'), /no longer rings for you/);
  assert.match(blockRefusal(0, 'network'), /could not be reached/);
  assert.match(blockRefusal(500, 'odd'), /went wrong/);
  assert.match(SHARED_ADDRESS_WARNING, /public computers and Wi-Fi/);
  assert.match(SHARED_ADDRESS_WARNING, /other patrons/);
});

test('blockLine: operator, chat, times, hours and reason — nothing else', () => {
  const line = blockLine({ id: 4, chat: 'c_x', reason: 'Spam', hours: 2, created_at: 1000, until: 7201000,
    operator: { id: 1, name: 'Ann Alpha' } }, (ms) => `T${ms}`);
  assert.equal(line, 'Ann Alpha blocked the guest of chat c_x at T1000, for 2 hours (until T7201000): Spam');
});
