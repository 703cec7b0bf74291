// desk_settings_model: the admin page's Desk settings (web/operator/desk_settings_model.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDesk, describeQuiet, parseWhole } from '../../web/operator/desk_settings_model.js';

test('parseWhole: whole numbers in range only', () => {
  assert.deepEqual(parseWhole('0', 50, 'Chats'), { value: 0 });
  assert.deepEqual(parseWhole(' 12 ', 50, 'Chats'), { value: 12 });
  assert.deepEqual(parseWhole('50', 50, 'Chats'), { value: 50 });
  for (const bad of ['51', '-1', '1.5', '', 'ten', '1e2', null, undefined, '0x1'])
    assert.equal(parseWhole(bad, 50, 'Chats').error, 'Chats must be a whole number from 0 to 50.', String(bad));
});

test('describeDesk and describeQuiet: 0 reads as never / no limit', () => {
  assert.equal(describeDesk({ away_idle_mins: 0, max_chats: 0 }),
    'Operators never go Away by themselves, and are rung however many chats they hold.');
  assert.equal(describeDesk({ away_idle_mins: 1, max_chats: 3 }),
    'Operators go Away after 1 idle minute, and are not rung while they hold 3 chats.');
  assert.equal(describeQuiet(0), 'Quiet chats stay open until someone ends them.');
  assert.equal(describeQuiet(20), 'A chat nobody writes in for 20 minutes is warned, then closed a minute later.');
});
