// client.mjs: a promise-based WebSocket client for refdesk's /ws, built on the `ws` package.
//
// A Client keeps every frame it receives, in arrival order, and lets a test wait for them:
//   send(obj)           sends obj as JSON, filling in a fresh unique `id` when obj has none
//   request(obj)        sends, then resolves with the one reply (ack, ok or error) carrying that id
//   next(pred, ms)      resolves with the first frame matching pred that no earlier next() took
//   none(pred, ms)      waits ms and fails if a matching frame arrived meanwhile
//   closed              a promise of {code, reason} once the socket has closed
// Each frame also gets two non-enumerable properties: `arrival`, a number counted across all
// clients of this process, and `received`, the performance.now() of its arrival, so a test can
// tell which of two sockets heard something first. Every client is registered in `openClients`
// until it closes, so a test file can close whatever a failed test left open (closeAll()).
//
// Every wait has a timeout, and a wait that can no longer succeed (the socket closed) fails at
// once, so a broken server fails a test rather than hanging it.

import crypto from 'node:crypto';
import WebSocket from 'ws';

export const WAIT_MS = 5000;

let arrivals = 0;
let clients = 0;

/** Clients not yet closed. */
export const openClients = new Set();

/** Close every open client except those in `keep` (for afterEach hooks). */
export async function closeAll(keep = []) {
	await Promise.all([...openClients].filter((c) => !keep.includes(c)).map((c) => c.close()));
}

/** Connection refused at the handshake: `status` is the HTTP status the server answered. */
export class HandshakeError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

/** Short printable form of a frame for failure messages. */
export function show(frame) {
	const s = typeof frame === 'string' ? frame : JSON.stringify(frame);
	return s.length > 300 ? s.slice(0, 300) + '…' : s;
}

export class Client {
	/**
	 * Open a WebSocket. Options: cookie (a Cookie header value), origin (an Origin header),
	 * headers, timeout (handshake, ms), label (for messages), ca (a certificate to trust for
	 * wss://). Rejects with a HandshakeError
	 * carrying the status when the server refuses the upgrade, or with the network error.
	 */
	static connect(url, { cookie, origin, headers = {}, timeout = WAIT_MS, label, ca } = {}) {
		const h = { ...headers };
		if (cookie)
			h.cookie = cookie;
		const ws = new WebSocket(url, { headers: h, origin, handshakeTimeout: timeout, perMessageDeflate: false, ...(ca ? { ca } : {}) });
		const client = new Client(ws, label);
		return new Promise((resolve, reject) => {
			let settled = false;
			const fail = (err) => {
				if (!settled) {
					settled = true;
					reject(err);
				}
			};
			ws.once('unexpected-response', (req, res) => {
				fail(new HandshakeError(res.statusCode, `${client.label}: upgrade refused with ${res.statusCode}`));
				res.resume();
				req.destroy();
			});
			ws.once('open', () => {
				if (!settled) {
					settled = true;
					resolve(client);
				}
			});
			ws.once('error', (err) => fail(err));
			ws.once('close', (code) => fail(new Error(`${client.label}: closed (${code}) during the handshake`)));
		});
	}

	constructor(ws, label) {
		this.ws = ws;
		this.label = label ?? `client${++clients}`;
		this.idPrefix = crypto.randomBytes(4).toString('hex');
		this.idCount = 0;
		this.frames = [];   // {frame, taken}
		this.waiters = [];  // {pred, resolve, reject, timer, what}
		this.closeInfo = null;
		this.frozen = false;
		this.errors = [];
		openClients.add(this);
		this.closed = new Promise((resolve) => {
			ws.on('close', (code, reason) => {
				openClients.delete(this);
				this.closeInfo = { code, reason: reason.toString() };
				for (const w of this.waiters.splice(0)) {
					clearTimeout(w.timer);
					w.reject(new Error(`${this.label}: socket closed (${code} ${this.closeInfo.reason}) while waiting for ${w.what}${this.tail()}`));
				}
				resolve(this.closeInfo);
			});
		});
		ws.on('error', (err) => this.errors.push(err));
		ws.on('message', (data, isBinary) => this.receive(data, isBinary));
	}

	receive(data, isBinary) {
		if (this.frozen)
			return;
		let frame;
		const text = data.toString();
		try {
			frame = JSON.parse(text);
		} catch {
			frame = { unparsed: text, binary: isBinary };
		}
		if (frame !== null && typeof frame === 'object') {
			Object.defineProperty(frame, 'arrival', { value: ++arrivals, enumerable: false });
			Object.defineProperty(frame, 'received', { value: performance.now(), enumerable: false });
		} else
			frame = { unparsed: text };
		const rec = { frame, taken: false };
		this.frames.push(rec);
		for (let i = 0; i < this.waiters.length; i++) {
			const w = this.waiters[i];
			if (w.pred(frame)) {
				rec.taken = true;
				this.waiters.splice(i, 1);
				clearTimeout(w.timer);
				w.resolve(frame);
				break;
			}
		}
	}

	/** A fresh message id, unique across clients: 1–64 of [A-Za-z0-9_.:-]. */
	newId() {
		return `${this.idPrefix}.${++this.idCount}`;
	}

	/** Send obj as JSON (adding a fresh id unless obj has an `id` key); returns the id. */
	send(obj) {
		const msg = 'id' in obj ? obj : { ...obj, id: this.newId() };
		this.ws.send(JSON.stringify(msg));
		return msg.id;
	}

	/** Send a text frame exactly as given. */
	sendRaw(text) {
		this.ws.send(text);
	}

	/** Send a binary frame. */
	sendBinary(buf) {
		this.ws.send(buf, { binary: true });
	}

	/** Send obj and resolve with the server's reply to it (type ack, ok or error). */
	request(obj, timeout = WAIT_MS) {
		const id = this.send(obj);
		return this.reply(id, timeout, obj.type);
	}

	/** Resolve with the next reply (ack, ok or error) carrying `id`. */
	reply(id, timeout = WAIT_MS, what = 'message') {
		return this.next((f) => f.id === id && (f.type === 'ack' || f.type === 'ok' || f.type === 'error'),
			timeout, `the reply to ${what} ${JSON.stringify(id)}`);
	}

	/**
	 * Resolve with the first frame, in arrival order, that matches `pred` and that no earlier
	 * next() has taken; wait up to `timeout` ms for one to arrive.
	 */
	next(pred, timeout = WAIT_MS, what = 'a matching frame') {
		for (const rec of this.frames) {
			if (!rec.taken && pred(rec.frame)) {
				rec.taken = true;
				return Promise.resolve(rec.frame);
			}
		}
		if (this.closeInfo)
			return Promise.reject(new Error(`${this.label}: socket already closed (${this.closeInfo.code}) while waiting for ${what}${this.tail()}`));
		return new Promise((resolve, reject) => {
			const w = { pred, resolve, reject, what };
			w.timer = setTimeout(() => {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				reject(new Error(`${this.label}: no ${what} within ${timeout} ms${this.tail()}`));
			}, timeout);
			this.waiters.push(w);
		});
	}

	/** Wait for `type`, optionally about `chat`. */
	nextOf(type, chat, timeout = WAIT_MS) {
		return this.next((f) => f.type === type && (chat === undefined || f.chat === chat), timeout,
			chat === undefined ? `a ${type}` : `a ${type} for ${chat}`);
	}

	/** Wait for the event with this seq in this chat. */
	event(chat, seq, timeout = WAIT_MS) {
		return this.next((f) => f.type === 'event' && f.chat === chat && f.seq === seq, timeout,
			`event ${seq} of ${chat}`);
	}

	/** A position in the frames received so far, for none(…, from). */
	mark() {
		return this.frames.length;
	}

	/**
	 * Wait `ms`, then fail if a frame matching `pred` (taken or not) arrived since the call, or
	 * since `from` (a mark()) when given.
	 */
	async none(pred, ms, what = 'frame', from = this.frames.length) {
		await new Promise((resolve) => setTimeout(resolve, ms));
		const hit = this.frames.slice(from).find((r) => pred(r.frame));
		if (hit)
			throw new Error(`${this.label}: unexpected ${what}: ${show(hit.frame)}`);
	}

	/** Every frame received so far, in arrival order. */
	all() {
		return this.frames.map((r) => r.frame);
	}

	/** Every event of `chat` received so far, in arrival order. */
	events(chat) {
		return this.all().filter((f) => f.type === 'event' && f.chat === chat);
	}

	/** The last few frames, for failure messages. */
	tail(n = 6) {
		const last = this.frames.slice(-n).map((r) => '\n    ' + show(r.frame)).join('');
		return last ? `; last frames:${last}` : '; no frames received';
	}

	/** Close normally and wait for the close to finish (or 3 s). */
	async close(code = 1000) {
		if (this.closeInfo)
			return this.closeInfo;
		this.ws.close(code);
		return waitFor(this.closed, 3000, `${this.label} to close`).catch(() => {
			this.ws.terminate();
			return this.closed;
		});
	}

	/**
	 * Stop hearing anything: frames that arrive from now on are dropped unread, as if the
	 * network had lost them. Sending still works. Used to lose acks deterministically.
	 */
	freeze() {
		this.frozen = true;
		this.ws.pause();
	}

	/** Drop the connection at once, without a close frame (a lost network). */
	terminate() {
		this.ws.terminate();
	}

	/** Wait for the socket to close; resolves with {code, reason}. */
	waitClosed(timeout = WAIT_MS) {
		return waitFor(this.closed, timeout, `${this.label} to be closed by the server${this.tail()}`);
	}
}

/** Resolve with `promise`, or reject after `ms` saying what was awaited. */
export function waitFor(promise, ms, what) {
	let timer;
	return Promise.race([
		promise,
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}
