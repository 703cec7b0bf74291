// Tests for web/shared/text.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkMessage, textLength, counterText, newId, MAX_TEXT } from '../../web/shared/text.js';

test('length counts characters after trimming, an emoji once', () => {
  assert.equal(textLength('  abc \n'), 3);
  assert.equal(textLength('🦉🦉'), 2);
  assert.equal(textLength(''), 0);
});

test('messages are 1 to 4,000 characters', () => {
  assert.deepEqual(checkMessage('   '), { ok: false, length: 0, reason: 'empty' });
  assert.equal(checkMessage('x'.repeat(MAX_TEXT)).ok, true);
  assert.equal(checkMessage(` ${'x'.repeat(MAX_TEXT)} `).ok, true);
  assert.deepEqual(checkMessage('x'.repeat(MAX_TEXT + 1)), { ok: false, length: 4001, reason: 'too_long' });
  assert.equal(checkMessage('🦉'.repeat(MAX_TEXT)).ok, true, 'limit is in characters, not UTF-16 units');
});

test('counter text', () => {
  assert.equal(counterText(3999), '3,999 / 4,000');
});

test('ids fit the protocol alphabet and do not repeat', () => {
  const ids = new Set();
  for (let i = 0; i < 1000; i++) {
    const id = newId('g');
    assert.match(id, /^[A-Za-z0-9_.:-]{1,64}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 1000);
});

test('ids made later sort after earlier ones, whatever their prefix', async () => {
  const first = newId('o');
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = newId('g');
  await new Promise((resolve) => setTimeout(resolve, 5));
  const third = newId('ou');
  assert.ok(first < second && second < third, `${first}, ${second}, ${third} are out of order`);
});
