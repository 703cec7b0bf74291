// Tests for web/widget/box_session.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadChat, saveChat, clearChat, updateChat, parseChat, pickStorage, queueFromPath, modeFromSearch, sessionKey } from '../../web/widget/box_session.js';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), m };
}

test('a chat is saved per queue and read back', () => {
  const s = memoryStorage();
  saveChat(s, 'ask', { chat: 'c_1', token: 't', lastSeq: 4, name: 'Ann', outbox: [] });
  saveChat(s, 'law', { chat: 'c_2', token: 'u', lastSeq: 0, name: '', outbox: [] });
  assert.equal(loadChat(s, 'ask').chat, 'c_1');
  assert.equal(loadChat(s, 'law').chat, 'c_2');
  clearChat(s, 'ask');
  assert.equal(loadChat(s, 'ask'), null);
  assert.equal(loadChat(s, 'law').token, 'u');
});

test('bad or foreign records read as nothing', () => {
  const s = memoryStorage();
  s.setItem(sessionKey('ask'), '{not json');
  assert.equal(loadChat(s, 'ask'), null);
  s.setItem(sessionKey('ask'), JSON.stringify({ chat: 5 }));
  assert.equal(loadChat(s, 'ask'), null);
  s.setItem(sessionKey('ask'), JSON.stringify({ chat: 'c', token: 't', lastSeq: -3, outbox: [{ cid: 1 }, { cid: 'a', text: 'x', at: 1 }] }));
  const r = loadChat(s, 'ask');
  assert.equal(r.lastSeq, 0);
  assert.deepEqual(r.outbox, [{ cid: 'a', text: 'x', at: 1 }]);
});

test('storage that throws does not break the box', () => {
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('full'); }, removeItem() { throw new Error('x'); } };
  assert.equal(loadChat(broken, 'ask'), null);
  saveChat(broken, 'ask', { chat: 'c', token: 't' });
  clearChat(broken, 'ask');
});

test('updateChat changes only the same chat', () => {
  const s = memoryStorage();
  saveChat(s, 'ask', { chat: 'c_1', token: 't', lastSeq: 1, name: '', outbox: [] });
  updateChat(s, 'ask', 'c_1', (r) => ({ lastSeq: r.lastSeq + 1, outbox: [{ cid: 'g', text: 'hi', at: 2 }] }));
  assert.equal(loadChat(s, 'ask').lastSeq, 2);
  assert.equal(updateChat(s, 'ask', 'c_other', () => ({ lastSeq: 99 })), null);
  assert.equal(loadChat(s, 'ask').lastSeq, 2);
});

test('queue and mode from the URL', () => {
  assert.equal(queueFromPath('/box/ask'), 'ask');
  assert.equal(queueFromPath('/box/law-school/'), 'law-school');
  assert.equal(queueFromPath('/box/Bad_Name'), null);
  assert.equal(queueFromPath('/box/'), null);
  assert.equal(modeFromSearch('?mode=popup'), 'popup');
  assert.equal(modeFromSearch('?mode=follow'), 'follow');
  assert.equal(modeFromSearch('?mode=<x>'), 'embedded');
  assert.equal(modeFromSearch(''), 'embedded');
});

test('parseChat accepts only a well-formed record', () => {
  assert.equal(parseChat(null), null);
  assert.equal(parseChat({ chat: 'c' }), null);
  assert.equal(parseChat('c'), null);
  const r = parseChat({ chat: 'c', token: 't', lastSeq: 3, readSeq: 2, name: 5, outbox: 'x', extra: true });
  assert.deepEqual(r, { chat: 'c', token: 't', lastSeq: 3, readSeq: 2, name: '', outbox: [] });
});

test('pickStorage takes the first storage that works, else memory', () => {
  const refused = () => {
    throw new DOMException('Access is denied for this document.', 'SecurityError');
  };
  const local = memoryStorage();
  const session = memoryStorage();
  assert.equal(pickStorage([['local', () => local], ['session', () => session]]).storage, local);
  // A refused frame's localStorage throws on access: sessionStorage is next.
  const second = pickStorage([['local', refused], ['session', () => session]]);
  assert.deepEqual([second.kind, second.storage], ['session', session]);
  // A full or read-only storage is passed over too, and the probe leaves nothing behind.
  const full = { ...memoryStorage(), setItem() { throw new DOMException('full', 'QuotaExceededError'); } };
  assert.equal(pickStorage([['local', () => full], ['session', () => session]]).kind, 'session');
  const forgetful = { getItem: () => null, setItem() {}, removeItem() {} };
  assert.equal(pickStorage([['local', () => forgetful], ['session', () => session]]).kind, 'session');
  assert.equal(session.m.size, 0);
});

test('with every storage refused the chat lives in memory, for this page only', () => {
  const refused = () => {
    throw new DOMException('denied', 'SecurityError');
  };
  const { kind, storage } = pickStorage([['local', refused], ['session', refused]]);
  assert.equal(kind, 'memory');
  saveChat(storage, 'ask', { chat: 'c_1', token: 't', lastSeq: 2, name: '', outbox: [] });
  assert.equal(loadChat(storage, 'ask').token, 't');
  // Another page load picks a fresh memory: nothing carried over.
  assert.equal(loadChat(pickStorage([['local', refused]]).storage, 'ask'), null);
});
