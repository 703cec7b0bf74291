// 16-faults: the server under crashes and a full disk (PROTOCOL §3.2, §3.6; OPERATIONS
// "Durability"). 07-crash kills once in a long burst; here:
//  - 50 kill -9s at random moments while messages and snapshots stream in; after each, the
//    database passes `PRAGMA integrity_check`, and at the end every acknowledged message and
//    snapshot is in the log once, at the seq its ack named (unacknowledged ones were sent again
//    with the same ids after each restart, as a client does);
//  - a data directory on a tiny tmpfs that fills up: writes fail with `storage`, nothing
//    unacknowledged is stored, and service resumes once space returns;
//  - SIGTERM in the middle of load: every ack that went out is on disk, every socket hears 1001
//    (not a reset), and the exit is 0;
//  - 1,000 guest connections dropped at random moments and resumed while the operator talks:
//    across all of them the guest hears every event once, in order, and its messages (sent
//    again after each drop until acknowledged) are stored once each.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, setAvailable } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { onPostgres, sleep, startServer } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

const run = promisify(execFile);
const KILLS = Number(process.env.REFDESK_FAULT_KILLS ?? 50);
const FAST = ['--msg-rate', '100000', '--msg-burst', '100000', '--upload-rate', '1000', '--upload-burst', '1000',
	'--conn-rate', '100000', '--conn-burst', '100000'];

const cleanups = [];
after(async () => {
	for (const f of cleanups.reverse())
		await f();
});

async function integrity(dbPath) {
	const r = await run('sqlite3', [dbPath, 'PRAGMA integrity_check'], { timeout: 30000 });
	return r.stdout.trim();
}

/** A guest's snapshot under client id `cid`; the picture differs a little with the id. */
function sendSnapshot(srv, chat, token, cid) {
	const body = png(24 + (cid.length % 7), 16, (x, y) => [x * 9 & 255, y * 13 & 255, cid.charCodeAt(cid.length - 1)]);
	return upload(srv, { token }, chat, body, { headers: { 'x-client-id': cid }, timeoutMs: 10000 });
}

/** Read every event of `chat` from seq 1 on a fresh guest socket; resolves with the list. */
async function readLog(srv, chat, token, top) {
	const r = await guest(srv, 'reader');
	isOk(await r.request({ type: 'chat.join', chat, token, after: 0 }));
	if (top > 0)
		await r.event(chat, top, 20000);
	await sleep(100);
	const events = r.events(chat);
	await r.close();
	return events;
}

test(`${KILLS} kill -9s during a message and snapshot burst: intact, nothing lost, nothing twice`, { timeout: 150000 }, async () => {
	const srv = await startServer({ args: FAST });
	cleanups.push(() => srv.cleanup());
	const session = await srv.session('ann');
	let ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Crashy');
	await ann.close();
	await c.guest.close();

	// Every message and upload ever sent: {id, kind, from, text, ack (seq) or null}.
	const sent = new Map();
	let pending = [];    // sent, not acknowledged: sent again after the restart
	let n = 0;
	const stats = { kills: 0, acked: 0, resent: 0, checks: 0 };

	for (let round = 0; round < KILLS; round++) {
		if (round > 0)
			await srv.restart();
		const g = await Client.connect(srv.wsUrl, { label: `guest${round}` });
		const o = await Client.connect(srv.wsUrl, { cookie: session.cookie, label: `ann${round}` });
		isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 1e9 }));
		isOk(await o.request({ type: 'chat.join', chat: c.chat, after: 1e9 }));
		const sockets = { guest: g, operator: o };

		const send = (m) => {
			if (m.kind === 'message') {
				const s = sockets[m.from];
				if (s.closeInfo)
					return;
				s.send({ type: 'msg.send', id: m.id, chat: c.chat, text: m.text });
				s.reply(m.id, 20000).then((r) => {
					if (r.type === 'ack')
						m.ack = r.seq;
				}, () => {});
			} else {
				sendSnapshot(srv, c.chat, c.token, m.id).then((r) => {
					// A kill between the answer's status line and its body leaves no ack.
					if (r.status === 200 && Number.isInteger(r.json?.seq))
						m.ack = r.json.seq;
				}, () => {});
			}
		};
		// First what the last round left unacknowledged, with the same ids.
		for (const m of pending) {
			stats.resent++;
			send(m);
		}
		// Then a stream of new ones until the kill, at a random moment.
		const killAt = Date.now() + 20 + Math.random() * 250;
		while (Date.now() < killAt) {
			for (let k = 0; k < 4; k++) {
				const from = k % 2 ? 'operator' : 'guest';
				const kind = n % 9 === 0 ? 'snapshot' : 'message';
				const m = { id: `${kind[0]}${round}-${n}`, kind, from: kind === 'snapshot' ? 'guest' : from, text: `round ${round} #${n}`, ack: null };
				n++;
				sent.set(m.id, m);
				send(m);
			}
			await sleep(2);
		}
		await srv.kill('SIGKILL');
		stats.kills++;
		await sleep(50); // acks written before the kill may still be in flight
		pending = [...sent.values()].filter((m) => m.ack === null);
		if (!onPostgres) { // SQLite's file (PostgreSQL recovers its own from its log)
			assert.equal(await integrity(srv.dbPath), 'ok', `integrity_check after kill ${round + 1}`);
			stats.checks++;
		}
	}

	// Back up for good: everything pending is sent once more, then the whole log is read.
	await srv.restart();
	const g = await Client.connect(srv.wsUrl, { label: 'guest-last' });
	const o = await Client.connect(srv.wsUrl, { cookie: session.cookie, label: 'ann-last' });
	isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 1e9 }));
	isOk(await o.request({ type: 'chat.join', chat: c.chat, after: 1e9 }));
	for (const m of pending) {
		if (m.kind === 'message') {
			const r = isAck(await { guest: g, operator: o }[m.from].request({ type: 'msg.send', id: m.id, chat: c.chat, text: m.text }), m.id);
			m.ack = r.seq;
		} else {
			const r = await sendSnapshot(srv, c.chat, c.token, m.id);
			assert.equal(r.status, 200, `upload ${m.id} after the last restart: ${JSON.stringify(r.json)}`);
			m.ack = r.json.seq;
		}
	}
	const top = (await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 1e9 })).seq;
	const events = await readLog(srv, c.chat, c.token, top);
	assert.deepEqual(events.map((e) => e.seq), [...Array(top).keys()].map((k) => k + 1), 'the log has gaps or repeats');

	const seen = new Set();
	let messages = 0;
	let snapshots = 0;
	for (const e of events) {
		if (e.kind !== 'message' && e.kind !== 'snapshot')
			continue;
		assert.ok(sent.has(e.cid), `an event nobody sent: ${show(e)}`);
		assert.ok(!seen.has(e.cid), `stored twice: ${e.cid}`);
		seen.add(e.cid);
		const m = sent.get(e.cid);
		assert.equal(e.kind, m.kind, show(e));
		if (e.kind === 'message')
			assert.equal(e.text, m.text, show(e));
		messages += e.kind === 'message';
		snapshots += e.kind === 'snapshot';
	}
	for (const m of sent.values()) {
		assert.ok(m.ack !== null, `${m.id} was never acknowledged`);
		assert.equal(events[m.ack - 1]?.cid, m.id, `${m.id} is not at the seq its ack named (${m.ack})`);
		stats.acked++;
	}
	// Every snapshot's blob is on disk and served.
	for (const e of events.filter((x) => x.kind === 'snapshot')) {
		const res = await fetch(`${srv.url}/api/chats/${c.chat}/blobs/${e.blob}`, { headers: { authorization: `Bearer ${c.token}` } });
		assert.equal(res.status, 200, `blob of ${e.cid}`);
		await res.arrayBuffer();
	}
	console.log(`# ${stats.kills} kills survived, ${stats.checks} integrity checks ok; ${messages} messages and ${snapshots} snapshots checked, each once at its seq (${stats.resent} resends after kills)`);
	await g.close();
	await o.close();
	await srv.stop();
	if (!onPostgres) // SQLite's file (PostgreSQL recovers its own from its log)
		assert.equal(await integrity(srv.dbPath), 'ok');
});

/** Mount a tmpfs of `mb` megabytes at a new directory, or return null with the reason. */
async function tinyDisk(mb) {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-full-'));
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
	} catch (err) {
		await fs.rmdir(dir);
		return { reason: `cannot mount a tmpfs here (${err.stderr?.toString().trim() || err.message})` };
	}
	cleanups.push(async () => {
		try { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); } catch { /* already gone */ }
		await fs.rmdir(dir).catch(() => {});
	});
	return { dir };
}

/** Fill the file system holding `dir` to the last byte with `dir/filler`. */
async function fill(dir) {
	const f = await fs.open(path.join(dir, 'filler'), 'a');
	const chunk = Buffer.alloc(64 * 1024, 0x55);
	try {
		for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
			for (;;) {
				try {
					await f.write(chunk, 0, size);
				} catch {
					break;
				}
			}
		}
	} finally {
		await f.close();
	}
}

test('a full disk: writes fail with storage, nothing unacknowledged is stored, service resumes', {
	timeout: 60000,
	skip: onPostgres && 'SQLite\'s own: its file on a full disk (39-postgres takes the database away instead)',
}, async (t) => {
	const disk = await tinyDisk(24);
	if (disk.reason) {
		console.log(`# skipped: ${disk.reason}`);
		t.skip(disk.reason);
		return;
	}
	const srv = await startServer({ dataDir: disk.dir, args: FAST });
	cleanups.push(() => srv.cleanup());
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Full');
	for (let i = 0; i < 20; i++)
		await isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: `before ${i}` }));

	await fill(disk.dir);
	// Messages: each gets an ack or `storage`, never silence; keep going until refusals come.
	const attempts = [];
	for (let i = 0; i < 400 && attempts.filter((a) => a.r.code === 'storage').length < 20; i++) {
		const from = i % 2 ? c.guest : ann;
		const id = from.newId();
		const text = `full ${i} ${'x'.repeat(2000)}`;
		const r = await from.request({ type: 'msg.send', id, chat: c.chat, text }, 10000);
		attempts.push({ id, r });
	}
	const refused = attempts.filter((a) => a.r.type === 'error');
	for (const a of refused)
		isError(a.r, 'storage', `msg.send ${a.id} on a full disk`);
	assert.ok(refused.length >= 20, `the disk never filled: ${attempts.length} messages all acknowledged`);
	const up = await sendSnapshot(srv, c.chat, c.token, 'full-upload');
	assert.ok([503, 507].includes(up.status) && up.json?.error?.code === 'storage', `an upload on a full disk: ${up.status} ${JSON.stringify(up.json)}`);
	assert.ok(await srv.healthy(), 'the server stopped answering on a full disk');
	console.log(`# full disk: ${attempts.length - refused.length} acknowledged, ${refused.length} refused with storage`);

	// Space returns: the same ids are sent again and stored, once.
	await fs.rm(path.join(disk.dir, 'filler'));
	for (const a of refused.slice(0, 5)) {
		const r = await c.guest.request({ type: 'msg.send', id: `again-${a.id}`, chat: c.chat, text: 'space is back' });
		isAck(r, 'a message once space is back');
	}
	const up2 = await sendSnapshot(srv, c.chat, c.token, 'after-full');
	assert.equal(up2.status, 200, `an upload once space is back: ${JSON.stringify(up2.json)}`);

	// After a restart, the log holds exactly the acknowledged messages.
	const acked = new Set(attempts.filter((a) => a.r.type === 'ack').map((a) => a.id));
	await ann.close();
	await c.guest.close();
	await srv.stop();
	if (!onPostgres) // SQLite's file (PostgreSQL recovers its own from its log)
		assert.equal(await integrity(srv.dbPath), 'ok');
	await srv.restart();
	const top = (await (async () => {
		const o = await operator(srv, 'ann', 'ann-after');
		const s = o.hello.chats.find((x) => x.chat === c.chat);
		await o.close();
		return s;
	})()).seq;
	const events = await readLog(srv, c.chat, c.token, top);
	const full = events.filter((e) => e.kind === 'message' && e.text.startsWith('full '));
	assert.deepEqual(full.map((e) => e.cid).sort(), [...acked].sort(), 'stored messages differ from the acknowledged ones');
	assert.ok(!events.some((e) => e.cid === 'full-upload'), 'the refused upload was stored');
	await srv.stop();
});

test('SIGTERM under load: every ack that went out is on disk, sockets close 1001, exit 0', { timeout: 60000 }, async () => {
	const srv = await startServer({ args: FAST });
	cleanups.push(() => srv.cleanup());
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Draining');
	const senders = [c.guest, ann];
	for (let i = 0; i < 6; i++) {
		const g = await Client.connect(srv.wsUrl, { label: `g${i}` });
		isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 1e9 }));
		senders.push(g);
	}
	const log = [];
	let stop = false;
	// Each sender keeps up to 8 messages in flight, as a busy but well-behaved client would.
	const loops = senders.map(async (s) => {
		let inFlight = 0;
		while (!stop && !s.closeInfo) {
			if (inFlight >= 8) {
				await sleep(1);
				continue;
			}
			const id = s.newId();
			const m = { id, text: `drain ${id}`, reply: null };
			log.push(m);
			inFlight++;
			s.send({ type: 'msg.send', id, chat: c.chat, text: m.text });
			s.reply(id, 10000).then((r) => { m.reply = r; }, () => {}).finally(() => { inFlight--; });
		}
	});
	await sleep(400);
	const stopping = srv.kill('SIGTERM');
	const closes = await Promise.all(senders.map((s) => s.waitClosed(10000)));
	stop = true;
	await Promise.all(loops);
	const exit = await stopping;
	assert.equal(exit.code, 0, `exit after SIGTERM under load: ${JSON.stringify(exit)}\n${srv.stderr.slice(-2000)}`);
	srv.checkStderr();
	for (const cl of closes)
		assert.equal(cl.code, 1001, `a socket closed with ${cl.code}`);
	const replies = log.filter((m) => m.reply);
	const bad = replies.filter((m) => m.reply.type !== 'ack' && m.reply.code !== 'busy');
	assert.deepEqual(bad.map((m) => show(m.reply)), [], 'replies other than ack or busy');
	const acked = log.filter((m) => m.reply?.type === 'ack');
	if (!onPostgres) // SQLite's file (PostgreSQL recovers its own from its log)
		assert.equal(await integrity(srv.dbPath), 'ok');

	await srv.restart();
	const top = Math.max(0, ...acked.map((m) => m.reply.seq));
	const events = await readLog(srv, c.chat, c.token, top);
	const stored = new Map(events.map((e) => [e.cid, e]));
	for (const m of acked)
		assert.equal(stored.get(m.id)?.seq, m.reply.seq, `acked ${m.id} (seq ${m.reply.seq}) missing after SIGTERM`);
	console.log(`# SIGTERM under load: ${log.length} sent, ${acked.length} acknowledged and all on disk, ${replies.length - acked.length} busy`);
	await srv.stop();
});

test('1,000 random drops and resumes: every event once and in order, every message stored once', { timeout: 90000 }, async () => {
	const DROPS = Number(process.env.REFDESK_FAULT_DROPS ?? 1000);
	const srv = await startServer({ args: FAST });
	cleanups.push(() => srv.cleanup());
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Flaky');
	await c.guest.close();

	// The operator talks throughout, acks awaited, a message every few milliseconds.
	const annSent = [];
	let talking = true;
	const talk = (async () => {
		for (let i = 0; talking; i++) {
			annSent.push(isAck(await ann.request({ type: 'msg.send', chat: c.chat, text: `op ${i}` })).seq);
			await sleep(3);
		}
	})();

	const heard = [];     // every event seq the guest heard, over all its connections, in order
	let last = c.joinedSeq;
	const mine = new Map(); // id -> {text, seq}
	let n = 0;
	for (let drop = 0; drop < DROPS; drop++) {
		const g = await Client.connect(srv.wsUrl, { label: `flaky${drop}` });
		isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: last }), `join ${drop}`);
		for (const [id, m] of mine) {
			if (m.seq === null)
				g.send({ type: 'msg.send', id, chat: c.chat, text: m.text });
		}
		const id = `flaky-${n++}`;
		mine.set(id, { text: `guest ${id}`, seq: null });
		g.send({ type: 'msg.send', id, chat: c.chat, text: `guest ${id}` });
		await sleep(Math.random() * 12);
		g.terminate();
		await g.closed;
		for (const f of g.all()) {
			if (f.type === 'event' && f.chat === c.chat) {
				heard.push(f.seq);
				last = f.seq;
			} else if (f.type === 'ack' && mine.has(f.id)) {
				mine.get(f.id).seq = f.seq;
			}
		}
	}
	talking = false;
	await talk;

	// One last, calm connection: everything not yet acknowledged, then the rest of the log.
	const g = await guest(srv, 'calm');
	isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: last }));
	for (const [id, m] of mine) {
		if (m.seq === null)
			m.seq = isAck(await g.request({ type: 'msg.send', id, chat: c.chat, text: m.text })).seq;
	}
	const top = isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 1e9 })).seq;
	if (top > last)
		await g.event(c.chat, top, 10000);
	heard.push(...g.events(c.chat).map((e) => e.seq));
	const expected = [...Array(top - c.joinedSeq).keys()].map((k) => k + c.joinedSeq + 1);
	assert.deepEqual(heard, expected, 'over all its connections the guest heard gaps, repeats or disorder');

	const events = await readLog(srv, c.chat, c.token, top);
	const cids = events.filter((e) => e.kind === 'message' && e.from === 'guest').map((e) => e.cid);
	assert.equal(new Set(cids).size, cids.length, 'a guest message was stored twice');
	assert.deepEqual([...cids].sort(), [...mine.keys()].sort(), 'guest messages stored differ from those sent');
	for (const [id, m] of mine)
		assert.equal(events[m.seq - 1]?.cid, id, `${id} is not at its acknowledged seq`);
	for (const seq of annSent)
		assert.equal(events[seq - 1]?.from, 'operator');
	// The guest's messages are stored in the order it first sent them.
	const order = cids.map((x) => Number(x.split('-')[1]));
	assert.deepEqual(order, [...order].sort((a, b) => a - b), 'guest messages stored out of order');
	console.log(`# ${DROPS} drops and resumes: ${heard.length} events heard once each in order, ${mine.size} guest and ${annSent.length} operator messages stored once`);
	await g.close();
	await ann.close();
	await srv.stop();
});
