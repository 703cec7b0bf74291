// Tests for web/shared/rd_socket.js with a fake WebSocket and fake timers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { RdSocket, backoffDelay, socketUrl } from '../../web/shared/rd_socket.js';

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close(code = 1000) { this.readyState = 3; this.onclose?.({ code }); }
  // test side
  open() { this.readyState = 1; this.onopen?.(); }
  receive(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
  last() { return this.sent[this.sent.length - 1]; }
}

function fakeTimers() {
  const timers = [];
  return {
    timers,
    setTimeout(fn, ms) { timers.push({ fn, ms }); return timers.length; },
    clearTimeout(id) { if (timers[id - 1]) timers[id - 1].fn = null; },
    fire() { const t = timers.shift(); t?.fn?.(); return t; },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  FakeSocket.all = [];
  const timers = fakeTimers();
  const socket = new RdSocket({ url: 'ws://test/ws', WebSocketImpl: FakeSocket, timers, random: () => 0.5 });
  return { socket, timers, current: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

test('backoff doubles, is capped and jittered into the upper half', () => {
  const d = (n, r) => backoffDelay(n, { min: 500, max: 8000, random: () => r });
  assert.equal(d(0, 0), 250);
  assert.equal(d(0, 1), 500);
  assert.equal(d(1, 1), 1000);
  assert.equal(d(3, 1), 4000);
  assert.equal(d(10, 1), 8000);
  assert.equal(d(10, 0), 4000);
  for (let i = 0; i < 50; i++) {
    const v = backoffDelay(i);
    assert.ok(v >= 250 && v <= 15000);
  }
});

test('socketUrl uses the page origin and wss under https', () => {
  assert.equal(socketUrl({ protocol: 'https:', host: 'lib.example:8443' }), 'wss://lib.example:8443/ws');
  assert.equal(socketUrl({ protocol: 'http:', host: '127.0.0.1:9' }), 'ws://127.0.0.1:9/ws');
});

test('request resolves with the answer carrying its id, and errors reject with the code', async () => {
  const { socket, current } = setup();
  socket.start();
  current().open();
  await flush();
  const p = socket.request({ type: 'availability.set', queue: 'ask', available: true });
  const sent = current().last();
  assert.equal(sent.type, 'availability.set');
  assert.match(sent.id, /^[A-Za-z0-9_.:-]{1,64}$/);
  current().receive({ type: 'ok', id: sent.id, queue: 'ask', available: true });
  assert.equal((await p).available, true);

  const q = socket.request({ type: 'chat.accept', chat: 'c_1' });
  current().receive({ type: 'error', id: current().last().id, code: 'taken', message: 'Ann took it' });
  await assert.rejects(q, (err) => err.code === 'taken' && err.message === 'Ann took it');
});

test('messages written while offline wait in the outbox and go out after the re-join', async () => {
  const { socket, timers, current } = setup();
  socket.start();
  current().open();
  await flush();
  socket.follow('c_1', { token: 'tok', after: 0 });
  const join1 = current().last();
  assert.deepEqual({ ...join1, id: undefined }, { type: 'chat.join', chat: 'c_1', token: 'tok', after: 0, id: undefined });
  current().receive({ type: 'ok', id: join1.id, chat: 'c_1', status: 'active' });
  current().receive({ type: 'event', chat: 'c_1', seq: 1, kind: 'notice', notice: 'started' });
  current().receive({ type: 'event', chat: 'c_1', seq: 2, kind: 'message', from: 'operator', text: 'hi' });
  await flush();

  current().drop();
  assert.equal(socket.status, 'waiting');
  const sent = socket.request({ type: 'msg.send', id: 'g-1', chat: 'c_1', text: 'while offline' }, { retry: true });
  assert.deepEqual(socket.pendingIds(), ['g-1']);
  await assert.rejects(socket.request({ type: 'chat.start', queue: 'ask' }), (e) => e.code === 'offline');

  timers.fire(); // reconnect
  const ws2 = current();
  assert.notEqual(ws2, FakeSocket.all[0]);
  ws2.open();
  await flush();
  assert.equal(ws2.sent.length, 1, 'only the join goes out before it is answered');
  const join2 = ws2.sent[0];
  assert.equal(join2.type, 'chat.join');
  assert.equal(join2.after, 2, 're-join asks only for what was missed');
  ws2.receive({ type: 'ok', id: join2.id, chat: 'c_1', status: 'active' });
  await flush();
  await flush();
  const resent = ws2.sent[1];
  assert.equal(resent.type, 'msg.send');
  assert.equal(resent.id, 'g-1', 'the retry keeps the client id, so the server stores it once');
  ws2.receive({ type: 'ack', id: 'g-1', chat: 'c_1', seq: 3 });
  assert.equal((await sent).seq, 3);
  assert.equal(socket.lastSeq('c_1'), 3);
});

test('a retryable message in flight when the connection drops is sent again', async () => {
  const { socket, timers, current } = setup();
  socket.start();
  current().open();
  await flush();
  const p = socket.request({ type: 'msg.send', id: 'g-9', chat: 'c_1', text: 'x' }, { retry: true });
  const other = socket.request({ type: 'chat.accept', chat: 'c_2' });
  current().drop();
  await assert.rejects(other, (e) => e.code === 'disconnected');
  timers.fire();
  current().open();
  await flush();
  await flush();
  assert.equal(current().last().id, 'g-9');
  current().receive({ type: 'ack', id: 'g-9', chat: 'c_1', seq: 5 });
  assert.equal((await p).seq, 5);
});

test('events are delivered once each, even when a join replays what arrived live', async () => {
  const { socket, current } = setup();
  const seen = [];
  socket.on('event', (e) => seen.push(e.seq));
  socket.start();
  current().open();
  await flush();
  // A live event arrives before the join's replay of older ones.
  current().receive({ type: 'event', chat: 'c_1', seq: 2, kind: 'notice', notice: 'joined' });
  socket.follow('c_1', { after: 0 });
  const join = current().last();
  current().receive({ type: 'ok', id: join.id, chat: 'c_1', status: 'active' });
  for (const seq of [1, 2, 3, 3, 2]) current().receive({ type: 'event', chat: 'c_1', seq, kind: 'notice' });
  assert.deepEqual(seen, [2, 1, 3]);
  assert.equal(socket.lastSeq('c_1'), 3);
});

test('an ack counts as the sender having its own event', async () => {
  const { socket, current } = setup();
  const seen = [];
  socket.on('event', (e) => seen.push(e.seq));
  socket.start();
  current().open();
  await flush();
  socket.follow('c_1', { after: 1 });
  current().receive({ type: 'ok', id: current().last().id, chat: 'c_1', status: 'active' });
  const p = socket.request({ type: 'msg.send', id: 'm1', chat: 'c_1', text: 'x' }, { retry: true });
  current().receive({ type: 'ack', id: 'm1', chat: 'c_1', seq: 2 });
  await p;
  current().receive({ type: 'event', chat: 'c_1', seq: 2, kind: 'message', cid: 'm1' });
  current().receive({ type: 'event', chat: 'c_1', seq: 3, kind: 'message', cid: 'x' });
  assert.deepEqual(seen, [3]);
});

test('a failed join (unknown chat or wrong token) is reported and not retried', async () => {
  const { socket, current } = setup();
  const failed = [];
  socket.on('join-failed', (f) => failed.push(f));
  socket.start();
  current().open();
  await flush();
  const p = socket.follow('c_x', { token: 'bad', after: 0 });
  current().receive({ type: 'error', id: current().last().id, code: 'not_found', message: 'no' });
  await assert.rejects(p, (e) => e.code === 'not_found');
  assert.deepEqual(failed.map((f) => [f.chat, f.code]), [['c_x', 'not_found']]);
  assert.equal(socket.chats.has('c_x'), false);
});

test('presence watches are renewed after a reconnect, and close 4001 stops for good', async () => {
  const { socket, timers, current } = setup();
  const presence = [];
  socket.on('presence', (p) => presence.push(p));
  socket.watch(['ask']);
  socket.start();
  current().open();
  await flush();
  const w = current().last();
  assert.deepEqual([w.type, w.queues], ['presence.watch', ['ask']]);
  current().receive({ type: 'ok', id: w.id, queues: { ask: true } });
  current().receive({ type: 'presence', queue: 'ask', online: false });
  await flush();
  assert.deepEqual(presence, [{ ask: true }, { ask: false }]);

  current().drop(4001);
  assert.equal(socket.status, 'stopped');
  assert.equal(timers.timers.length, 0, 'no reconnect after sign-out');
});

test('post() sends typing only while open', async () => {
  const { socket, current } = setup();
  socket.start();
  assert.equal(socket.post({ type: 'typing', chat: 'c', active: true }), false);
  current().open();
  await flush();
  assert.equal(socket.post({ type: 'typing', chat: 'c', active: true }), true);
  assert.equal(current().last().type, 'typing');
});

test('with `early`, start() takes over the socket the page opened while loading, frames and all', async () => {
  FakeSocket.all = [];
  const timers = fakeTimers();
  const ws = new FakeSocket('ws://test/ws');
  ws.onmessage = () => assert.fail('the early handler was not replaced');
  ws.readyState = 1;
  globalThis.refdeskSocket = { ws, frames: [JSON.stringify({ type: 'hello', role: 'operator' })] };
  const socket = new RdSocket({ url: 'ws://test/ws', WebSocketImpl: FakeSocket, timers, early: true });
  const seen = [];
  socket.on('frame', (f) => seen.push(f.type));
  socket.watch(['ask']);
  socket.start();
  assert.equal(FakeSocket.all.length, 1, 'no second socket');
  assert.equal(globalThis.refdeskSocket, null, 'taken');
  // As after an open: the watch goes out first, then the frame that arrived is read.
  assert.equal(ws.last().type, 'presence.watch');
  assert.deepEqual(seen, ['hello']);
  ws.receive({ type: 'ok', id: ws.last().id, queues: { ask: true } });
  await flush();
  assert.equal(socket.status, 'open');
  // Dropped later, it is replaced as any socket is.
  ws.drop();
  timers.fire();
  assert.equal(FakeSocket.all.length, 2);
  delete globalThis.refdeskSocket;
});

test('with `early`, a socket still connecting is taken; a closed one, or none, means a new one', () => {
  for (const [state, adopted] of [[0, true], [3, false], [null, false]]) {
    FakeSocket.all = [];
    const ws = state === null ? null : new FakeSocket('ws://test/ws');
    if (ws) ws.readyState = state;
    globalThis.refdeskSocket = ws ? { ws, frames: [] } : undefined;
    const socket = new RdSocket({ url: 'ws://test/ws', WebSocketImpl: FakeSocket, timers: fakeTimers(), early: true });
    socket.start();
    assert.equal(socket.ws === ws, adopted, `state ${state}`);
    assert.equal(FakeSocket.all.length, (ws ? 1 : 0) + (adopted ? 0 : 1), `state ${state}`);
    assert.equal(globalThis.refdeskSocket, null, 'marked taken, so none is opened after');
    if (adopted) {
      ws.open();
      assert.equal(socket.status, 'resuming');
    }
  }
  delete globalThis.refdeskSocket;
});

test('without `early`, a socket the page opened is left alone', () => {
  FakeSocket.all = [];
  const ws = new FakeSocket('ws://test/ws');
  ws.readyState = 1;
  globalThis.refdeskSocket = { ws, frames: [] };
  const socket = new RdSocket({ url: 'ws://test/ws', WebSocketImpl: FakeSocket, timers: fakeTimers() });
  socket.start();
  assert.notEqual(socket.ws, ws);
  assert.equal(globalThis.refdeskSocket.ws, ws);
  delete globalThis.refdeskSocket;
});
