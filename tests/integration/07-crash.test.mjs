// 07-crash: durability and shutdown (PROTOCOL §3.2, §3.6; DESIGN §3 "Delivery").
// A guest and an operator send about 2,000 messages as fast as acks and the rate limit allow;
// at a random moment the server gets SIGKILL. Restarted on the same data directory, it must
// hold every acknowledged message exactly once, at the seq its ack named, in the order each
// socket sent them, and the database must pass `PRAGMA integrity_check`.
// SIGTERM, on the other hand, closes every socket with 1001 and exits 0.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, show } from './lib/client.mjs';
import { guest, isAck, isOk, openChat, operator, setAvailable } from './lib/flows.mjs';
import { onPostgres, sleep, startServer } from '../lib/server.mjs';

const run = promisify(execFile);
const servers = [];
after(async () => {
	for (const s of servers)
		await s.cleanup();
});

// REFDESK_CRASH_MESSAGES changes the size of the burst, to tell durability problems apart
// from problems with replaying a long chat.
const TOTAL = Number(process.env.REFDESK_CRASH_MESSAGES ?? 2000);
const SOCKETS_PER_SIDE = 12;

/**
 * Keep `c` sending messages into `chat` until `shared.stop`: at most `window` unacknowledged,
 * paced under the server's limit of 20 a second (burst 40). Each message is pushed to `log`
 * as {id, text, socket, ack}; ack is filled in when it arrives.
 */
async function sender(c, chat, shared, log, window = 16) {
	let tokens = 36;
	let last = Date.now();
	let inFlight = 0;
	let n = 0;
	while (!shared.stop && shared.sent < TOTAL && !c.closeInfo) {
		const now = Date.now();
		tokens = Math.min(36, tokens + (now - last) * 19 / 1000);
		last = now;
		if (tokens < 1 || inFlight >= window) {
			await sleep(5);
			continue;
		}
		tokens -= 1;
		shared.sent++;
		const text = `${c.label} #${n++}`;
		const m = { id: c.newId(), text, socket: c.label, ack: null };
		log.push(m);
		inFlight++;
		const reply = c.request({ type: 'msg.send', id: m.id, chat, text }, 30000);
		shared.onSend?.();
		reply.then((r) => {
			inFlight--;
			if (r.type === 'ack') {
				m.ack = r;
				shared.acked++;
			} else {
				shared.errors.push(r);
			}
		}, () => { inFlight--; });
	}
}

test('kill -9 mid-burst loses no acknowledged message and stores none twice', { timeout: 120000 }, async () => {
	const srv = await startServer();
	servers.push(srv);
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Durable');

	// More sockets on each side share the load: the rate limit is per socket.
	const guests = [c.guest];
	const ops = [ann];
	for (let i = 1; i < SOCKETS_PER_SIDE; i++) {
		const g = await Client.connect(srv.wsUrl, { label: `guest${i}` });
		isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: c.joinedSeq }));
		guests.push(g);
		const o = await operator(srv, 'ann', `ann${i}`);
		isOk(await o.request({ type: 'chat.join', chat: c.chat, after: c.joinedSeq }));
		ops.push(o);
	}

	const log = [];
	// The kill comes right after a send, so messages are in flight when it lands; late enough
	// that the chat holds over a thousand events to read back.
	const killAt = Math.floor(TOTAL * (0.55 + Math.random() * 0.4));
	const shared = { stop: false, sent: 0, acked: 0, errors: [] };
	let killed = null;
	shared.onSend = () => {
		if (!killed && shared.sent >= killAt) {
			shared.stop = true;
			killed = srv.kill('SIGKILL');
		}
	};
	const t0 = Date.now();
	await Promise.all([...guests, ...ops].map((s) => sender(s, c.chat, shared, log)));
	const exit = await killed;
	assert.equal(exit.signal, 'SIGKILL');
	assert.ok(shared.errors.every((e) => e.code === 'rate_limited'), `unexpected errors: ${shared.errors.slice(0, 3).map(show)}`);
	for (const s of [...guests, ...ops])
		await s.waitClosed(5000);
	// Acks the server wrote before it died may still arrive after the signal: they count too.
	const acked = log.filter((m) => m.ack);
	console.log(`# sent ${log.length}, acked ${acked.length} (kill at ${killAt}) in ${Date.now() - t0} ms`);
	assert.ok(acked.length >= killAt / 2, `only ${acked.length} acks before the kill at message ${killAt}`);

	// Restart on the same data directory and read the whole log back.
	await srv.restart();
	const ann2 = await operator(srv, 'ann', 'ann-after');
	const summary = ann2.hello.chats.find((s) => s.chat === c.chat);
	assert.ok(summary, `the held chat is gone after the restart: ${show(ann2.hello)}`);
	assert.equal(summary.status, 'active');
	const top = summary.seq;
	const reader = await guest(srv, 'reader');
	const j = isOk(await reader.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }));
	assert.equal(j.status, 'active');
	await reader.event(c.chat, top, 15000);
	await sleep(300);
	const events = reader.events(c.chat);
	assert.deepEqual(events.map((e) => e.seq), [...Array(top).keys()].map((k) => k + 1), 'the log has gaps or repeats');

	const byId = new Map(log.map((m) => [m.id, m]));
	const messages = events.filter((e) => e.kind === 'message');
	const seen = new Set();
	for (const e of messages) {
		assert.ok(byId.has(e.cid), `a message nobody sent: ${show(e)}`);
		assert.ok(!seen.has(e.cid), `stored twice: ${e.cid}`);
		seen.add(e.cid);
		assert.equal(e.text, byId.get(e.cid).text, `seq ${e.seq}`);
	}
	for (const m of acked) {
		const e = events[m.ack.seq - 1];
		assert.equal(e?.cid, m.id, `acked message ${m.id} (seq ${m.ack.seq}) is not at its seq after the crash: ${show(e)}`);
	}
	// An event is delivered only after its commit, so whatever any socket heard before the
	// kill is in the log too, at the same seq.  (The log is read by the guest; operator sockets
	// are also told which operator wrote an operator's message.)
	const annId = ann.hello.operator.id;
	for (const s of [...guests, ...ops]) {
		for (const heard of s.events(c.chat)) {
			const e = events[heard.seq - 1];
			const want = ops.includes(s) && e?.from === 'operator' ? { ...e, operator_id: annId } : { ...e };
			assert.deepEqual(want, { ...heard }, `${s.label} heard seq ${heard.seq} before the crash, but the log now holds ${show(e)}`);
		}
	}
	// Per socket, messages are stored in the order they were sent.
	const position = new Map(messages.map((e) => [e.cid, e.seq]));
	for (const label of new Set(log.map((m) => m.socket))) {
		const seqs = log.filter((m) => m.socket === label && position.has(m.id)).map((m) => position.get(m.id));
		for (let i = 1; i < seqs.length; i++)
			assert.ok(seqs[i] > seqs[i - 1], `${label}: stored out of send order`);
	}
	console.log(`# after restart: ${messages.length} messages stored, ${messages.length - acked.length} of them unacknowledged`);

	// The chat carries on.
	isOk(await reader.request({ type: 'presence.watch', queues: ['alpha'] }));
	const more = isAck(await reader.request({ type: 'msg.send', chat: c.chat, text: 'after the crash' }));
	assert.equal(more.seq, top + 1);
	await ann2.close();
	await reader.close();
	await srv.stop();

	// SQLite's file after the crashes (PostgreSQL recovers its own from its log).
	if (!onPostgres) {
		const check = await run('sqlite3', [srv.dbPath, 'PRAGMA integrity_check'], { timeout: 30000 });
		assert.equal(check.stdout.trim(), 'ok', `integrity_check: ${check.stdout}${check.stderr}`);
	}
});

test('SIGTERM closes every socket with 1001 and exits 0', { timeout: 30000 }, async () => {
	const srv = await startServer();
	servers.push(srv);
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Closing');
	const idle = await guest(srv, 'idle');
	isOk(await idle.request({ type: 'presence.watch', queues: ['alpha', 'beta'] }));
	const stopping = srv.stop();
	const closes = await Promise.all([ann, c.guest, idle].map((s) => s.waitClosed(10000)));
	for (const [i, cl] of closes.entries())
		assert.equal(cl.code, 1001, `socket ${i} closed with ${cl.code}`);
	await stopping;
	assert.equal(srv.exit.code, 0);

	// The chat is still there after a restart.
	await srv.restart();
	const g = await guest(srv, 'back');
	const j = isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }));
	assert.equal(j.status, 'active');
	await g.event(c.chat, c.joinedSeq);
	await g.close();
	await srv.stop();
});
