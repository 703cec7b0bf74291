// retention_model: what the admin page sends for a queue's retention rule, and how it words one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRule, parseDays, ruleBody, ruleOrigin } from '../../web/operator/retention_model.js';

test('days are whole numbers from 0 to the most the server allows', () => {
  assert.deepEqual(parseDays('0', 3650, 'T'), { value: 0 });
  assert.deepEqual(parseDays(' 30 ', 3650, 'T'), { value: 30 });
  assert.deepEqual(parseDays('3650', 3650, 'T'), { value: 3650 });
  for (const bad of ['', '-1', '1.5', '1e3', 'abc', '7 days', null, undefined])
    assert.match(parseDays(bad, 3650, 'T').error, /^T: a whole number of days, 0 to 3650\.$/, String(bad));
  assert.equal(parseDays('3651', 3650, 'T').error, 'T: at most 3650 days.');
});

test('the body has exactly the three fields the server takes', () => {
  assert.deepEqual(ruleBody({ text_days: '30', files_days: '7', keep_names: false }, 3650),
    { body: { text_days: 30, files_days: 7, keep_names: false } });
  assert.match(ruleBody({ text_days: '30', files_days: '-7', keep_names: true }, 3650).error, /^Images and files/);
  assert.match(ruleBody({ text_days: 'x', files_days: '7', keep_names: true }, 3650).error, /^Transcript text/);
});

test('a rule in words, files never longer than the text', () => {
  assert.equal(describeRule({ text_days: 30, files_days: 7, keep_names: false }),
    'Transcript text is kept 30 days, images and files 7 days; guest names are not kept.');
  assert.equal(describeRule({ text_days: 0, files_days: 0, keep_names: true }),
    'Transcript text is kept only while the chat runs, images and files only while the chat runs; guest names as long as the text.');
  assert.equal(describeRule({ text_days: 1, files_days: 90, keep_names: false }),
    'Transcript text is kept 1 day, images and files 1 day; guest names are not kept. Files never outlive the text.');
  assert.equal(ruleOrigin({ updated_at: null }), 'The defaults.');
  assert.match(ruleOrigin({ updated_at: Date.UTC(2026, 0, 2) }), /^Saved .+\.$/);
});
