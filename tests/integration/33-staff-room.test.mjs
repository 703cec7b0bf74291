// 33-staff-room: the staff room (PROTOCOL §3.10). Every signed-in operator of an account can
// write; each message reaches every socket of every signed-in operator of that account, live,
// and no one else (another library's operators, guest sockets); a new operator socket gets
// the room's recent history (the newest 200, oldest first). Messages are kept for
// --staff-room-keep-secs (7 days; 8 s here, with room for a loaded machine) and the periodic purge deletes older ones from the
// database. Empty, oversized and malformed messages are refused and store nothing.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 6.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sleep, startServer } from '../lib/server.mjs';
import { isError, isOk, guest, operator } from './lib/flows.mjs';

let srv;
before(async () => {
	srv = await startServer({ args: ['--staff-room-keep-secs', '8', '--purge-interval-secs', '1'] });
});
after(() => srv?.close());

const db = (text) => srv.sql(text).trim();
const post = (op, text, extra = {}) => op.request({ type: 'room.send', text, ...extra });

/** A new operator socket and the room history it is given right after hello. */
async function historyOf(username) {
	const op = await operator(srv, username, `${username}-history`);
	const h = await op.next((f) => f.type === 'room.history', 5000, 'room.history');
	await op.close();
	return h;
}

test('a message reaches every operator of the account, live, and no one else', async () => {
	const ann1 = await operator(srv, 'ann', 'ann-1');
	const ann2 = await operator(srv, 'ann', 'ann-2');
	const bob = await operator(srv, 'bob');
	const cat = await operator(srv, 'cat');
	const g = await guest(srv);
	isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }), 'a watching guest');
	for (const op of [ann1, ann2, bob, cat])
		await op.next((f) => f.type === 'room.history', 5000, 'room.history after hello');

	const r = isOk(await post(ann1, '  Who can cover the desk at 3?  '), 'room.send');
	const want = { id: r.message.id, operator_id: ann1.hello.operator.id, name: 'Ann Alpha',
		text: 'Who can cover the desk at 3?', cid: r.id, at: r.message.at };
	assert.deepEqual(r.message, want);
	assert.ok(Math.abs(r.message.at - Date.now()) < 60000);
	for (const op of [ann2, bob]) {
		const m = await op.next((f) => f.type === 'room.message', 5000, `room.message on ${op.label}`);
		assert.deepEqual(m.message, want, op.label);
	}
	const b = isOk(await post(bob, 'I can.'), "bob's answer");
	assert.ok(b.message.id > r.message.id, 'ids increase');
	for (const op of [ann1, ann2])
		assert.equal((await op.next((f) => f.type === 'room.message', 5000, 'bob on ann')).message.text, 'I can.');
	await cat.none((f) => f.type === 'room.message' || JSON.stringify(f).includes('cover the desk'), 300,
		'another library hearing the room');
	await g.none((f) => f.type.startsWith('room.') || JSON.stringify(f).includes('cover the desk'), 0,
		'a guest socket hearing the room', 0);
	await ann1.none((f) => f.type === 'room.message' && f.message.id === r.message.id, 0,
		'the sender hearing its own message twice', 0);

	// A new socket of the account is given the history, oldest first; another library's is not.
	const h = await historyOf('bob');
	assert.deepEqual(h.messages.map((m) => m.text), ['Who can cover the desk at 3?', 'I can.']);
	assert.equal(h.keep_secs, 8);
	const other = await historyOf('cat');
	assert.deepEqual(other.messages, [], "another library's room");
	const own = isOk(await post(cat, 'Beta only'), "cat's message");
	assert.equal(own.message.name, 'Cat Beta');
	await bob.none((f) => JSON.stringify(f).includes('Beta only'), 300, "another library's message");
	for (const c of [ann1, ann2, bob, cat, g])
		await c.close();
});

test('refusals and retries: nothing stored, nothing sent', async () => {
	const ann = await operator(srv, 'ann', 'ann-limits');
	const bob = await operator(srv, 'bob', 'bob-limits');
	const g = await guest(srv);
	const count = () => db('SELECT count(*) FROM staff_room');
	const before = count();
	const mark = bob.mark();
	isError(await post(ann, ''), 'bad_message', 'empty');
	isError(await post(ann, '\n \t'), 'bad_message', 'white space');
	isError(await post(ann, 'x'.repeat(4001)), 'too_long', '4,001 characters');
	isError(await ann.request({ type: 'room.send' }), 'bad_message', 'no text');
	isError(await post(ann, 'x', { account: 2 }), 'bad_message', 'an unknown field');
	isError(await g.request({ type: 'room.send', text: 'from a guest' }), 'unknown_type', 'a guest socket');
	assert.equal(count(), before);
	await bob.none((f) => f.type === 'room.message', 200, 'a refused message sent', mark);

	const longest = 'ü'.repeat(4000);
	const a = isOk(await post(ann, longest, { id: 'room-retry' }), '4,000 characters');
	assert.equal((await bob.next((f) => f.type === 'room.message', 5000, 'the long one')).message.text, longest);
	const again = bob.mark();
	const b = isOk(await post(ann, 'changed', { id: 'room-retry' }), 'the same id again');
	assert.equal(b.message.id, a.message.id);
	assert.equal(b.message.text, longest, 'a retry answers with the stored message');
	await bob.none((f) => f.type === 'room.message', 300, 'a retry sent again', again);
	await Promise.all([ann.close(), bob.close(), g.close()]);
});

test('history: the newest 200; messages past the keep time are purged from the database', { timeout: 60000 }, async () => {
	// Rate limits are per socket (20 a second, burst 40): spread 205 messages over six sockets.
	const socks = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => operator(srv, i % 2 ? 'ann' : 'bob', `writer-${i}`)));
	const stamp = Date.now();
	const texts = Array.from({ length: 205 }, (_, i) => `m${stamp}-${i}`);
	for (let i = 0; i < texts.length; i += socks.length) {
		await Promise.all(socks.map((s, j) => texts[i + j] !== undefined ? post(s, texts[i + j]) : null));
	}
	const h = await historyOf('ann');
	assert.equal(h.messages.length, 200, 'the history is capped at 200');
	assert.ok(h.messages.every((m, i) => i === 0 || m.id > h.messages[i - 1].id), 'oldest first');
	// The six of a round go at once, in any order; rounds follow each other. So the five
	// left out are five of the first round, and everything after it is there.
	const shown = new Set(h.messages.map((m) => m.text));
	const missing = texts.filter((t) => !shown.has(t));
	assert.equal(missing.length, 5, `missing: ${missing}`);
	assert.ok(missing.every((t) => texts.indexOf(t) < socks.length), `missing from later rounds: ${missing}`);
	await Promise.all(socks.map((s) => s.close()));

	// Past the keep time (8 s) with the purge every second: gone from history and database.
	await sleep(9500);
	const fresh = await operator(srv, 'bob', 'bob-fresh');
	isOk(await post(fresh, 'still here'), 'a new message');
	await sleep(1500); // a purge runs meanwhile: the new message must survive it
	assert.deepEqual((await historyOf('ann')).messages.map((m) => m.text), ['still here']);
	assert.equal(db(`SELECT count(*) FROM staff_room WHERE text LIKE 'm${stamp}-%'`), '0', 'old messages still stored');
	assert.equal(db("SELECT count(*) FROM staff_room WHERE text = 'still here'"), '1');
	await fresh.close();
});
