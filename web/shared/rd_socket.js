// rd_socket.js: the one WebSocket a page keeps to refdesk (/ws), kept alive.
//
// How it works. RdSocket owns a WebSocket and replaces it when it closes,
// waiting an exponentially growing, jittered delay between attempts. Every
// client message gets an `id`; the server answers each id exactly once
// (ack, ok or error), and request() returns a promise for that answer.
//
// Messages that must not be lost (msg.send, chat.end) are sent with
// { retry: true }: they stay in an outbox until answered, survive a dropped
// connection and are sent again, with the same id, once the socket is back.
// The server stores a repeated id only once, so a retry cannot duplicate.
//
// The socket remembers the chats the page follows and the last event seq it
// has seen in each. After a reconnect it first re-joins every followed chat
// with `after: lastSeq` (the server then sends exactly what was missed), then
// re-sends presence.watch, and only then flushes the outbox, so a resent
// message never reaches the server before the join that authorises it.
// Events with a seq already seen are dropped here, so views never see one
// twice.
//
// Nothing here touches the DOM; the WebSocket class and timers are injected
// so the module runs under `node --test` with a fake socket.

/** Close codes after which reconnecting is pointless (PROTOCOL.md 3.6). */
const FINAL_CLOSE_CODES = new Set([4001]);

/**
 * Delay before reconnect attempt number `attempt` (0-based): doubles from
 * `min` up to `max`, then a random point in the upper half of that window so
 * many clients dropped together do not return together.
 */
export function backoffDelay(attempt, { min = 500, max = 15000, random = Math.random } = {}) {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The /ws URL on the page's own origin. */
export function socketUrl(loc = globalThis.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws`;
}

/** Move a chat's lastSeq up over every seq already seen just above it. */
function advanceWatermark(state) {
  while (state.seen.has(state.lastSeq + 1)) {
    state.lastSeq += 1;
    state.seen.delete(state.lastSeq);
  }
}

let idCounter = 0;
function nextRequestId() {
  idCounter += 1;
  return `r${Date.now().toString(36)}.${idCounter}`;
}

/** An Error carrying the server's (or the socket's) error code. */
export class SocketError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class RdSocket {
  /**
   * options: url, WebSocketImpl (default globalThis.WebSocket),
   * timers ({ setTimeout, clearTimeout }), random, minDelay, maxDelay.
   * Call start() to connect.
   */
  constructor(options = {}) {
    this.url = options.url || socketUrl();
    this.WebSocketImpl = options.WebSocketImpl || globalThis.WebSocket;
    this.timers = options.timers || { setTimeout: globalThis.setTimeout.bind(globalThis),
      clearTimeout: globalThis.clearTimeout.bind(globalThis) };
    this.random = options.random || Math.random;
    this.minDelay = options.minDelay ?? 500;
    this.maxDelay = options.maxDelay ?? 15000;
    // Take over the socket session_start.js opened while the page loaded.
    this.early = Boolean(options.early);

    this.status = 'idle'; // idle | connecting | resuming | open | waiting | stopped
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.listeners = new Map();
    this.inflight = new Map(); // id -> entry (sent on the current socket)
    this.outbox = []; // entries waiting for an open socket, in send order
    this.chats = new Map(); // chat -> { token, lastSeq, joined }
    this.watched = new Set();
  }

  /** Subscribe to 'status', 'frame', 'event', 'joined', 'join-failed', 'presence', 'close'. Returns an unsubscribe function. */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  emit(type, payload) {
    for (const fn of this.listeners.get(type) || []) fn(payload);
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }

  /** Connect (or reconnect) now. */
  start() {
    if (this.status === 'connecting' || this.status === 'open' || this.status === 'resuming') return;
    this.cancelRetry();
    this.setStatus('connecting');
    const early = this.takeEarly();
    let ws = early?.ws;
    try {
      ws ||= new this.WebSocketImpl(this.url);
    } catch (err) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.handleOpen(ws);
    ws.onmessage = (e) => this.handleFrame(ws, e.data);
    ws.onclose = (e) => this.handleClose(ws, e.code);
    ws.onerror = () => {}; // a close always follows
    // Already open: what would have happened since, in the order it would.
    if (early && ws.readyState === 1) {
      this.handleOpen(ws);
      for (const data of early.frames) if (ws === this.ws) this.handleFrame(ws, data);
    }
  }

  /**
   * The socket session_start.js opened early, once ({ ws, frames } while it
   * is still connecting or open, else null); the first start() takes it, or
   * marks it taken so that none is opened after.
   */
  takeEarly() {
    if (!this.early) return null;
    this.early = false;
    const early = globalThis.refdeskSocket;
    globalThis.refdeskSocket = null;
    if (!early?.ws || early.ws.readyState > 1) return null;
    return early;
  }

  /** Close for good: no more reconnects; pending requests fail. */
  stop() {
    this.cancelRetry();
    this.setStatus('stopped');
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
    this.failAll('stopped', [...this.inflight.values(), ...this.outbox]);
    this.inflight.clear();
    this.outbox = [];
  }

  /** Skip the remaining backoff wait (e.g. the browser came back online). */
  retryNow() {
    if (this.status === 'waiting') {
      this.attempt = 0;
      this.start();
    }
  }

  cancelRetry() {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  scheduleRetry() {
    this.setStatus('waiting');
    const delay = backoffDelay(this.attempt, { min: this.minDelay, max: this.maxDelay,
      random: this.random });
    this.attempt += 1;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delay);
  }

  async handleOpen(ws) {
    if (ws !== this.ws) return;
    this.attempt = 0;
    this.setStatus('resuming');
    for (const chat of this.chats.values()) chat.joined = null;
    const followed = [...this.chats].filter(([, state]) => state.followed).map(([chat]) => chat);
    const joins = followed.map((chat) => this.joinChat(chat).catch(() => {}));
    if (this.watched.size > 0)
      joins.push(this.sendNow({ type: 'presence.watch', queues: [...this.watched] }).catch(() => {}));
    await Promise.all(joins);
    if (ws !== this.ws) return;
    this.setStatus('open');
    this.flushOutbox();
    this.emit('open');
  }

  handleClose(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    // What was on the wire may or may not have arrived: retryable messages
    // go back to the front of the outbox (the server dedupes by id), the
    // rest fail so their callers can decide.
    const back = [];
    for (const entry of this.inflight.values()) {
      if (entry.retry) back.push(entry);
      else entry.reject(new SocketError('disconnected', 'The connection was lost.'));
    }
    this.inflight.clear();
    this.outbox = [...back, ...this.outbox];
    this.emit('close', code);
    if (this.status === 'stopped') return;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.setStatus('stopped');
      this.failAll('signed_out', this.outbox);
      this.outbox = [];
      return;
    }
    this.scheduleRetry();
  }

  handleFrame(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const isReply = msg.type === 'ack' || msg.type === 'ok' || msg.type === 'error';
    if (isReply && msg.id !== null && this.inflight.has(msg.id)) {
      const entry = this.inflight.get(msg.id);
      this.inflight.delete(msg.id);
      if (msg.type === 'error') entry.reject(new SocketError(msg.code, msg.message));
      else {
        // An ack stands for our own event: the server need not send it too.
        if (msg.type === 'ack' && msg.chat) this.markSeen(msg.chat, msg.seq);
        // Applied now, not in a promise callback, so a presence push that
        // follows the answer cannot be overtaken by it.
        if (entry.msg.type === 'presence.watch') this.emitPresence(msg.queues);
        entry.resolve(msg);
      }
      return;
    }
    if (msg.type === 'event') {
      if (!this.acceptEvent(msg)) return;
      this.emit('event', msg);
      return;
    }
    if (msg.type === 'presence') this.emitPresence({ [msg.queue]: msg.online });
    this.emit('frame', msg);
  }

  chatState(chat) {
    let state = this.chats.get(chat);
    if (!state) {
      state = { token: undefined, lastSeq: 0, seen: new Set(), joined: null, followed: false };
      this.chats.set(chat, state);
    }
    return state;
  }

  /**
   * Record that seq `seq` of `chat` is known here; false if it already was.
   * `lastSeq` is the watermark below which every seq is known: it is what a
   * re-join asks to start after. Seqs above it that arrived early (say the
   * live `joined` notice before the history a join replays) wait in `seen`.
   */
  markSeen(chat, seq) {
    const state = this.chatState(chat);
    if (typeof seq !== 'number' || seq <= state.lastSeq || state.seen.has(seq)) return false;
    state.seen.add(seq);
    advanceWatermark(state);
    return true;
  }

  acceptEvent(ev) {
    return this.markSeen(ev.chat, ev.seq);
  }

  emitPresence(queues) {
    if (queues) this.emit('presence', queues);
  }

  /**
   * Send a command and get its answer. options.retry keeps it through
   * disconnects (for messages stored idempotently by id); without it a
   * request made while offline fails at once with code 'offline'.
   * The message's own `id` is kept if it has one.
   */
  request(msg, { retry = false } = {}) {
    const full = { ...msg, id: msg.id || nextRequestId() };
    return new Promise((resolve, reject) => {
      const entry = { msg: full, retry, resolve, reject };
      if (this.status === 'open') this.transmit(entry);
      else if (retry || this.status === 'resuming') this.outbox.push(entry);
      else reject(new SocketError('offline', 'Not connected.'));
    });
  }

  /** Send now, bypassing the outbox (used for the re-join handshake). */
  sendNow(msg) {
    const full = { ...msg, id: msg.id || nextRequestId() };
    return new Promise((resolve, reject) => {
      this.transmit({ msg: full, retry: false, resolve, reject });
    });
  }

  /** Fire and forget (typing): dropped unless the socket is open. */
  post(msg) {
    if (this.status !== 'open' || !this.ws) return false;
    this.ws.send(JSON.stringify({ ...msg, id: msg.id || nextRequestId() }));
    return true;
  }

  transmit(entry) {
    if (!this.ws) {
      this.outbox.push(entry);
      return;
    }
    this.inflight.set(entry.msg.id, entry);
    this.ws.send(JSON.stringify(entry.msg));
  }

  flushOutbox() {
    const queued = this.outbox;
    this.outbox = [];
    for (const entry of queued) this.transmit(entry);
  }

  failAll(code, entries) {
    for (const entry of entries) entry.reject(new SocketError(code, 'The connection was closed.'));
  }

  /** Messages (by id) not yet answered by the server. */
  pendingIds() {
    return [...this.outbox, ...this.inflight.values()].map((e) => e.msg.id);
  }

  /**
   * Follow a chat: join it now if connected and again after every reconnect,
   * asking only for events after the last seq seen. `token` is the guest's
   * chat token (operators pass none). `after` seeds the last seq (e.g. from
   * storage after a page reload). Resolves with the join's `ok`.
   */
  follow(chat, { token, after = 0 } = {}) {
    const state = this.chatState(chat);
    state.followed = true;
    if (token !== undefined) state.token = token;
    if (after > state.lastSeq) {
      state.lastSeq = after;
      for (const seq of state.seen) if (seq <= after) state.seen.delete(seq);
      advanceWatermark(state);
    }
    if (state.joined) return state.joined;
    if (this.status === 'open' || this.status === 'resuming') return this.joinChat(chat);
    return new Promise((resolve, reject) => {
      const off = this.on('joined', (r) => {
        if (r.chat === chat) { off(); offFail(); resolve(r); }
      });
      const offFail = this.on('join-failed', (r) => {
        if (r.chat === chat) { off(); offFail(); reject(new SocketError(r.code)); }
      });
    });
  }

  joinChat(chat) {
    const state = this.chats.get(chat);
    const msg = { type: 'chat.join', chat, after: state.lastSeq };
    if (state.token !== undefined) msg.token = state.token;
    const joined = this.sendNow(msg).then((reply) => {
      this.emit('joined', reply);
      return reply;
    }, (err) => {
      state.joined = null;
      if (err.code !== 'disconnected') {
        this.chats.delete(chat);
        this.emit('join-failed', { chat, code: err.code, message: err.message });
      }
      throw err;
    });
    state.joined = joined;
    return joined;
  }

  /** Stop following a chat (it ended, or the page closed its tab). */
  unfollow(chat) {
    this.chats.delete(chat);
  }

  /** The highest event seq seen for `chat` (0 if none). */
  lastSeq(chat) {
    return this.chats.get(chat)?.lastSeq || 0;
  }

  /** Watch queues' online state now and after every reconnect. */
  watch(queues) {
    for (const q of queues) this.watched.add(q);
    if (this.status !== 'open') return Promise.resolve(null);
    return this.request({ type: 'presence.watch', queues: [...this.watched] });
  }
}
