// flows.mjs: the few steps most tests share, written once: connect a guest or an operator,
// make an operator available, open a chat and have it accepted, and check replies.
//
// Assertion helpers put the whole offending frame in their message, so a failure shows what
// the server actually said.

import assert from 'node:assert/strict';
import { Client, show } from './client.mjs';

/** A guest socket: no cookie, no Origin header. */
export function guest(srv, label = 'guest') {
	return Client.connect(srv.wsUrl, { label });
}

/**
 * An operator socket for `username` (signed in once per server) whose first frame must be
 * `hello`; the hello is kept as client.hello.
 */
export async function operator(srv, username, label = username) {
	const s = await srv.session(username);
	const c = await Client.connect(srv.wsUrl, { cookie: s.cookie, label });
	c.session = s;
	c.hello = await c.next(() => true, 5000, 'the first frame (hello)');
	assert.equal(c.hello.type, 'hello', `first frame on an operator socket: ${show(c.hello)}`);
	return c;
}

/** Assert that `reply` is an `ok`; returns it. */
export function isOk(reply, what = 'reply') {
	assert.equal(reply?.type, 'ok', `${what} should be ok, got ${show(reply)}`);
	return reply;
}

/** Assert that `reply` is an `ack` with a positive integer seq; returns it. */
export function isAck(reply, what = 'reply') {
	assert.equal(reply?.type, 'ack', `${what} should be an ack, got ${show(reply)}`);
	assert.ok(Number.isInteger(reply.seq) && reply.seq > 0, `ack without a positive seq: ${show(reply)}`);
	return reply;
}

/** Assert that `reply` is an error with `code` and a non-empty message; returns it. */
export function isError(reply, code, what = 'reply') {
	assert.equal(reply?.type, 'error', `${what} should be error ${code}, got ${show(reply)}`);
	assert.equal(reply.code, code, `${what} should be error ${code}, got ${show(reply)}`);
	assert.equal(typeof reply.message, 'string', `error without a message: ${show(reply)}`);
	assert.ok(reply.message.length > 0, `error with an empty message: ${show(reply)}`);
	return reply;
}

/** availability.set and check the ok. */
export async function setAvailable(op, queue, available) {
	const r = isOk(await op.request({ type: 'availability.set', queue, available }), 'availability.set');
	assert.equal(r.queue, queue, show(r));
	assert.equal(r.available, available, show(r));
	return r;
}

/** A guest socket that starts a chat on `queue`; resolves with {guest, chat, token, seq}. */
export async function startChat(srv, queue, name, label) {
	const g = await guest(srv, label);
	const msg = { type: 'chat.start', queue };
	if (name !== undefined)
		msg.name = name;
	const r = isOk(await g.request(msg), 'chat.start');
	assert.equal(typeof r.chat, 'string', show(r));
	assert.equal(typeof r.token, 'string', show(r));
	return { guest: g, chat: r.chat, token: r.token, seq: r.seq, start: r };
}

/**
 * Open a chat on `queue` and have operator socket `op` (already available there) accept it.
 * Resolves with {guest, chat, token, joinedSeq}.
 */
export async function openChat(srv, op, queue, name = 'Pat') {
	const c = await startChat(srv, queue, name);
	await op.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, `chat.offer for ${c.chat}`);
	const a = isOk(await op.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
	assert.equal(a.chat, c.chat);
	const joined = await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.kind === 'notice' && f.notice === 'joined',
		5000, 'the joined notice');
	return { ...c, joinedSeq: joined.seq };
}

/** Send a message and return its ack (asserting it is one). */
export async function say(client, chat, text) {
	return isAck(await client.request({ type: 'msg.send', chat, text }), `msg.send "${text}"`);
}

/**
 * Check that a server still serves others: a fresh guest socket's presence.watch gets its ok,
 * and GET /api/health answers.
 */
export async function stillServes(srv) {
	assert.ok(await srv.healthy(), 'GET /api/health no longer answers');
	const g = await guest(srv, 'probe');
	try {
		isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }), 'presence.watch on a fresh socket');
	} finally {
		await g.close();
	}
}

/** A random string of `n` base64url characters (made-up chat ids and tokens). */
export function randomText(n) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
	let s = '';
	for (let i = 0; i < n; i++)
		s += abc[Math.floor(Math.random() * abc.length)];
	return s;
}

/** Poll `cond` every 10 ms until it is true; fail after `timeout` ms saying `what`. */
export async function until(cond, timeout, what) {
	const deadline = Date.now() + timeout;
	while (!cond()) {
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/**
 * Send `n` messages into `chat` from `client` without waiting for acks, but paced under the
 * server's per-socket rate limit (20 a second, burst 40): `burst` at once, then `rate` a
 * second. Returns {sent: [{id, text}], acks: Promise of the replies in send order}.
 * A reply that never comes (the socket was dropped) is null.
 */
export function pacedBurst(client, chat, n, tag, { burst = 30, rate = 15 } = {}) {
	const sent = [];
	const replies = [];
	const done = (async () => {
		let tokens = burst;
		let last = Date.now();
		for (let i = 0; i < n; i++) {
			for (;;) {
				const now = Date.now();
				tokens = Math.min(burst, tokens + (now - last) * rate / 1000);
				last = now;
				if (tokens >= 1)
					break;
				await new Promise((resolve) => setTimeout(resolve, Math.ceil((1 - tokens) * 1000 / rate)));
			}
			tokens -= 1;
			if (client.closeInfo || client.frozen)
				break;
			const text = `${tag} ${i}`;
			const id = client.send({ type: 'msg.send', chat, text });
			sent.push({ id, text });
			replies.push(client.reply(id, 15000).catch(() => null));
		}
		return Promise.all(replies);
	})();
	return { sent, acks: done };
}

/**
 * Run `check` on every case, even after one fails, then fail once listing every failure: a
 * table of bad inputs reports all its mismatches instead of only the first.
 */
export async function everyCase(cases, check) {
	const failures = [];
	for (const c of cases) {
		try {
			await check(c);
		} catch (err) {
			failures.push(err.message.split('\n')[0]);
		}
	}
	if (failures.length)
		assert.fail(`${failures.length} of ${cases.length} cases failed:\n  ${failures.join('\n  ')}`);
}

/**
 * Texts whose frames take every header a server frame can have (under 126 bytes, and two bytes
 * of length), one to four bytes a character, up to CHAT_TEXT_MAX characters: some frames join
 * others in one write, some fill one alone.
 */
export const FRAME_SIZES = [[1, 'a'], [2, 'é'], [20, '€'], [30, '😀'], [125, 'a'], [126, 'é'], [200, '€'],
	[1000, '😀'], [3000, 'a'], [4000, 'é'], [4000, '€'], [4000, '😀'], [1, '€'], [4000, 'a'], [5, 'a']]
	.map(([n, ch], i) => [...`${i} ${ch.repeat(n)}`].slice(0, 4000).join(''));

/**
 * Send `texts` from `from` into `chat` all at once, without waiting for acks (so that their
 * frames queue up together at both ends), and check that every ack comes back and that `to`
 * hears every message whole, in order.
 */
export async function burstArrivesWhole(from, to, chat, texts) {
	const replies = texts.map((text) => from.reply(from.send({ type: 'msg.send', chat, text }), 15000));
	const acks = (await Promise.all(replies)).map((r, i) => isAck(r, `the ack of message ${i}`));
	for (let i = 1; i < acks.length; i++)
		assert.ok(acks[i].seq > acks[i - 1].seq, `acks out of order: ${acks[i - 1].seq}, ${acks[i].seq}`);
	for (const [i, ack] of acks.entries()) {
		const ev = await to.next((f) => f.type === 'event' && f.chat === chat && f.seq === ack.seq, 10000, `message ${i}`);
		assert.equal(ev.text, texts[i], `message ${i} (${Buffer.byteLength(texts[i])} bytes) arrived changed`);
	}
}
