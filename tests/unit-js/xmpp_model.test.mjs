// Tests for web/operator/xmpp_model.js: the linking steps the webclient shows (PROTOCOL.md 2.10).
import test from 'node:test';
import assert from 'node:assert/strict';
import { xmppStep, xmppStatusText, xmppControls, jidProblem, cleanCode } from '../../web/operator/xmpp_model.js';

const base = { enabled: true, domain: 'chat.example.test', connected: true, jid: null, confirmed: false, code_sent: false, subscribed: false, online: false };

test('each state of GET /api/xmpp is one step', () => {
  assert.equal(xmppStep(null), 'off');
  assert.equal(xmppStep({ enabled: false }), 'off');
  assert.equal(xmppStep(base), 'none');
  assert.equal(xmppStep({ ...base, jid: 'a@b', code_sent: true }), 'code');
  assert.equal(xmppStep({ ...base, jid: 'a@b' }), 'unsent');
  assert.equal(xmppStep({ ...base, jid: 'a@b', confirmed: true }), 'approve');
  assert.equal(xmppStep({ ...base, jid: 'a@b', confirmed: true, subscribed: true }), 'offline');
  assert.equal(xmppStep({ ...base, jid: 'a@b', confirmed: true, subscribed: true, online: true }), 'online');
});

test('the sentences name the address and what to do next', () => {
  assert.equal(xmppStatusText({ enabled: false }), '');
  assert.match(xmppStatusText({ ...base, jid: 'a@b', code_sent: true }), /code was sent to a@b from chat\.example\.test/);
  assert.match(xmppStatusText({ ...base, jid: 'a@b', confirmed: true }), /Approve chat\.example\.test/);
  assert.equal(xmppStatusText({ ...base, jid: 'a@b', confirmed: true, subscribed: true, online: true }), 'Available via XMPP as a@b.');
});

test('controls: the code form only while a code waits; unlink once linked; the link state', () => {
  assert.deepEqual(xmppControls(base), { address: true, code: false, unlink: false, disconnected: false });
  assert.deepEqual(xmppControls({ ...base, jid: 'a@b', code_sent: true }), { address: true, code: true, unlink: true, disconnected: false });
  assert.deepEqual(xmppControls({ ...base, jid: 'a@b', confirmed: true, connected: false }), { address: false, code: false, unlink: true, disconnected: true });
});

test('addresses are checked before sending, codes cleaned as typed', () => {
  assert.equal(jidProblem(' ann@example.org '), null);
  assert.match(jidProblem(''), /Type your/);
  assert.match(jidProblem('ann@example.org/phone'), /resource/);
  assert.match(jidProblem('ann example.org'), /does not look/);
  assert.match(jidProblem('a b@example.org'), /does not look/);
  assert.equal(cleanCode(' AB12-cd34 '), 'ab12cd34');
});
