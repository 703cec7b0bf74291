// 39-postgres: what only the PostgreSQL store has. The database taken away under a running
// chat (writes answer `storage`, nothing unacknowledged is kept, the service comes back by
// itself, the log says so once), its sessions killed again and again during a burst; two
// processes on one database racing to accept the same chats, writing the same chat, and
// counting failed sign-ins together, and handing the shared duties (the XMPP link among them)
// over when one is killed;
// a server started against a database that is not there; and `refdesk admin migrate-store`
// copying a SQLite library into PostgreSQL.
//
// The file starts a PostgreSQL cluster of its own (scripts/pg-cluster) to stop and start at
// will, so it runs once, in the SQLite pass of the suite; the PostgreSQL pass skips it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAll } from './lib/client.mjs';
import { isAck, isOk, operator, pacedBurst, setAvailable, startChat, until } from './lib/flows.mjs';
import { startProsody, xml, xmppClient } from './lib/prosody.mjs';
import { OPERATORS, freePort, onPostgres, repoRoot, runBinary, sleep, startServer } from '../lib/server.mjs';

const skip = onPostgres && 'runs once, in the SQLite pass: it starts a PostgreSQL cluster of its own';
const cluster = path.join(repoRoot, 'scripts/pg-cluster');
let tmp;
let port;
let base; // the cluster's URL without a database name

const psql = (db, sql) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', base + db, '-c', sql],
	{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const pg = (...args) => execFileSync(cluster, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

before(async () => {
	if (skip)
		return;
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-pg-'));
	await fs.chmod(tmp, 0o755);
	port = await freePort();
	base = pg('start', path.join(tmp, 'c'), String(port)).replace(/refdesk$/, '');
});

after(async () => {
	await closeAll();
	if (!tmp)
		return;
	try {
		pg('stop', path.join(tmp, 'c'));
	} catch { /* it may be stopped already */ }
	await fs.rm(tmp, { recursive: true, force: true });
});

/** Add an operator of the fixtures (ann by default, with her password) to the demo library. */
async function addAnn(dataDir, store, who = 'ann', name = 'Ann') {
	const args = ['admin', '--data', dataDir, ...(store ? ['--store', store] : [])];
	let r = await runBinary([...args, 'operator', 'add', '--account', 'Demo Library', who, '--name', name],
		`${OPERATORS[who].password}\n`);
	assert.equal(r.code, 0, r.stderr);
	r = await runBinary([...args, 'member', 'add', 'ask', who]);
	assert.equal(r.code, 0, r.stderr);
}

/**
 * The guest of chat `c` sends "after N" every half second until one is acknowledged (20 s at
 * most: refdesk tries the database again after 1, 2, 4… seconds); returns that ack.
 */
async function writeAgain(c) {
	for (let i = 0; i < 40; i++) {
		const r = await c.guest.request({ type: 'msg.send', chat: c.chat, text: `after ${i}` });
		if (r.type === 'ack')
			return r;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	assert.fail('no write went through once the database was back');
}

/** The chat's events as the operator's history route gives them. */
async function transcript(srv, chat) {
	const ann = await srv.session('ann');
	const r = await srv.request('GET', `/api/history/${chat}`, { session: ann });
	assert.equal(r.status, 200, r.text);
	return r.json.events.map((e) => ({ seq: e.seq, kind: e.kind, text: e.text ?? null }));
}

test('PostgreSQL stopped mid-chat: writes answer storage, nothing unacknowledged is kept, the service comes back by itself, the log says so once', { skip, timeout: 90000 }, async () => {
	psql('refdesk', 'CREATE DATABASE outage');
	const store = base + 'outage';
	const srv = await startServer({ fixtures: false, demo: true, args: ['--store', store] });
	try {
		await addAnn(srv.dataDir, store);
		const ann = await operator(srv, 'ann');
		await setAvailable(ann, 'ask', true);
		const c = await startChat(srv, 'ask', 'Pat');
		await ann.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer');
		isOk(await ann.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
		const acked = [isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'before 1' })).seq];

		pg('stop', path.join(tmp, 'c'));
		const refused = [];
		for (let i = 0; i < 12; i++) {
			const r = await c.guest.request({ type: 'msg.send', chat: c.chat, text: `during ${i}` });
			if (r.type === 'ack')
				acked.push(r.seq); // only if it was committed before the stop: then it must stay
			else {
				assert.equal(r.code, 'storage', JSON.stringify(r));
				refused.push(`during ${i}`);
			}
		}
		assert.ok(refused.length >= 10, `writes while the database is gone are refused (${refused.length} of 12)`);
		assert.ok(await srv.healthy(), 'the web keeps serving meanwhile');

		pg('resume', path.join(tmp, 'c'), String(port));
		// No restart of refdesk: within a few tries a write goes through again.
		const back = await writeAgain(c);
		acked.push(back.seq);

		const events = await transcript(srv, c.chat);
		const texts = events.filter((e) => e.kind === 'message').map((e) => e.text);
		for (const t of refused)
			assert.ok(!texts.includes(t), `"${t}" was refused, yet stored`);
		for (const seq of acked)
			assert.equal(events.filter((e) => e.seq === seq).length, 1, `acknowledged seq ${seq} is stored once`);
		const seqs = events.map((e) => e.seq);
		assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');

		const log = srv.stderr;
		assert.equal(log.match(/lost the PostgreSQL connection/g)?.length, 1, log);
		assert.equal(log.match(/PostgreSQL connection is back/g)?.length, 1, log);
		assert.ok(!/write failed|could not/.test(log), `a line per failed write:\n${log}`);
	} finally {
		await srv.close();
	}
});

test('its sessions killed mid-burst, over and over: every acknowledged message stored once, none that was refused', { skip, timeout: 90000 }, async () => {
	// The link breaks inside the writer's transactions: a new session must not carry on with
	// what the old one had begun (its COMMIT would answer as if it had committed).
	psql('refdesk', 'CREATE DATABASE killed');
	const store = base + 'killed';
	const srv = await startServer({ fixtures: false, demo: true, args: ['--store', store] });
	try {
		await addAnn(srv.dataDir, store);
		const ann = await operator(srv, 'ann');
		await setAvailable(ann, 'ask', true);
		// Six guests, each paced under the per-socket limit (20 a second after a burst of 40),
		// and a kill every 50 ms: many kills land inside a batch.
		const chats = [];
		for (let g = 0; g < 6; g++) {
			const c = await startChat(srv, 'ask', `Pat ${g}`);
			await ann.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer');
			isOk(await ann.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
			chats.push(c);
		}
		const bursts = chats.map((c, g) => pacedBurst(c.guest, c.chat, 90, `kill ${g}`));
		let kills = 0;
		for (let i = 0; i < 90; i++) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			kills += Number(psql('refdesk', "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
				"WHERE datname = 'killed' AND application_name = 'refdesk'"));
		}
		assert.ok(kills >= 20, `${kills} sessions killed`);
		let acked = 0;
		let refused = 0;
		for (const [g, c] of chats.entries()) {
			const replies = await bursts[g].acks;
			// Once the writes go through again, read what was kept.
			await writeAgain(c);
			const events = await transcript(srv, c.chat);
			const bySeq = new Map(events.map((e) => [e.seq, e]));
			bursts[g].sent.forEach(({ text }, i) => {
				const r = replies[i];
				const stored = events.filter((e) => e.text === text);
				if (r?.type === 'ack') {
					acked++;
					assert.equal(stored.length, 1, `"${text}" was acknowledged (seq ${r.seq}) and is stored ${stored.length} times`);
					assert.equal(bySeq.get(r.seq)?.text, text, `seq ${r.seq} holds "${text}"`);
				} else {
					refused++;
					assert.equal(r?.code, 'storage', `"${text}": ${JSON.stringify(r)}`);
					assert.equal(stored.length, 0, `"${text}" was refused, yet stored`);
				}
			});
			const seqs = events.map((e) => e.seq);
			assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'in order, none twice');
		}
		assert.ok(acked > 0 && refused > 0, `${acked} acknowledged, ${refused} refused: the kills hit the bursts`);
	} finally {
		await srv.close();
	}
});

/**
 * Two refdesk processes on a new database `name`: A with the demo library and B, both given
 * `args`; `operators` (of the fixtures) are added to the demo library. Runs `fn({ a, b, store })`,
 * then closes every client and both processes, whatever happened (A may have been killed).
 */
async function twoProcesses(name, { operators = [], args = [] }, fn) {
	psql('refdesk', `CREATE DATABASE ${name}`);
	const store = base + name;
	const a = await startServer({ fixtures: false, demo: true, args: ['--store', store, ...args] });
	const b = await startServer({ fixtures: false, args: ['--store', store, ...args] });
	try {
		for (const who of operators)
			await addAnn(a.dataDir, store, who, who[0].toUpperCase() + who.slice(1));
		await fn({ a, b, store });
	} finally {
		await closeAll();
		await b.close();
		await (a.running ? a.close() : a.cleanup()); // a test may have killed it
	}
}

test('two processes on one database: operators on each accept the same chats at once, and the database gives each chat to one', { skip, timeout: 90000 }, async () => {
	// No bus joins the two yet: the second learns of a waiting chat from the store, when its
	// operator says they are available. Each process's memory says "waiting"; only the
	// database can tell which accept came first.
	await twoProcesses('twoprocs', { operators: ['ann', 'bob', 'cat'] }, async ({ a, b }) => {
		const ann = await operator(a, 'ann');
		const bob = await operator(b, 'bob');
		const cat = await operator(b, 'cat'); // rung on B too, and does not answer
		await setAvailable(ann, 'ask', true);
		const wins = { Ann: 0, Bob: 0 };
		for (let round = 0; round < 12; round++) {
			const c = await startChat(a, 'ask', `Pat ${round}`);
			await ann.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on A');
			for (const op of [bob, cat]) {
				await setAvailable(op, 'ask', false);
				await setAvailable(op, 'ask', true);
				await op.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B, from the store');
			}
			const [ra, rb] = await Promise.all([
				ann.request({ type: 'chat.accept', chat: c.chat }),
				bob.request({ type: 'chat.accept', chat: c.chat }),
			]);
			assert.equal([ra, rb].filter((r) => r.type === 'ok').length, 1, `round ${round}: ${JSON.stringify([ra, rb])}`);
			const [winner, lost] = ra.type === 'ok' ? ['Ann', rb] : ['Bob', ra];
			assert.equal(lost.code, 'taken', JSON.stringify(lost));
			assert.match(lost.message, new RegExp(`^${winner} took this chat`));
			wins[winner]++;
			const row = psql('twoprocs', `SELECT c.status, o.name, (SELECT count(*) FROM events e WHERE e.chat_id = c.id
				AND e.body LIKE '%"joined"%') FROM chats c JOIN operators o ON o.id = c.operator_id
				WHERE c.public_id = '${c.chat}'`);
			assert.equal(row, `1|${winner}|1`, `round ${round}: one accept stored, by ${winner}`);
			// Cat, rung on B, stops ringing whichever process the winner was on.
			const taken = await cat.next((f) => f.type === 'chat.taken' && f.chat === c.chat, 5000, 'chat.taken for cat');
			assert.equal(taken.by.name, winner);
			// The loser's process now knows who holds it: a second try is refused the same way.
			const again = await (winner === 'Ann' ? bob : ann).request({ type: 'chat.accept', chat: c.chat });
			assert.equal(again.code, 'taken', JSON.stringify(again));
			assert.match(again.message, new RegExp(`^${winner} took this chat`));
		}
		assert.ok(!/write failed/.test(a.stderr + b.stderr), 'a lost race is not logged as a failure');
	});
});

test('two processes on one database write the same chat at once: every message acknowledged, each at a seq of its own', { skip, timeout: 90000 }, async () => {
	// The guest is on A, the librarian who took the chat on B: each process's writer gives
	// seqs, and a seq the other took first is noticed in the database and taken again.
	await twoProcesses('twowriters', { operators: ['ann', 'bob'] }, async ({ a, b }) => {
		// Ann on A lets the guest start (who is available is still each process's own).
		const ann = await operator(a, 'ann');
		await setAvailable(ann, 'ask', true);
		const bob = await operator(b, 'bob');
		const c = await startChat(a, 'ask', 'Pat');
		await setAvailable(bob, 'ask', true);
		await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B, from the store');
		isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept on B');
		const sent = [];
		for (let i = 0; i < 30; i++) {
			const [g, o] = await Promise.all([
				c.guest.request({ type: 'msg.send', chat: c.chat, text: `guest ${i}` }),
				bob.request({ type: 'msg.send', chat: c.chat, text: `bob ${i}` }),
			]);
			sent.push([isAck(g).seq, `guest ${i}`], [isAck(o).seq, `bob ${i}`]);
		}
		const rows = psql('twowriters', `SELECT e.seq, coalesce(e.body::json->>'text', '') FROM events e
			JOIN chats c ON c.id = e.chat_id WHERE c.public_id = '${c.chat}' ORDER BY e.seq`).split('\n')
			.map((l) => l.split('|')).map(([seq, text]) => [Number(seq), text]);
		assert.deepEqual(rows.map(([seq]) => seq), rows.map((_, i) => i + 1), 'seqs 1, 2, 3… with no gap');
		for (const [seq, text] of sent)
			assert.deepEqual(rows.filter((r) => r[1] === text), [[seq, text]], `"${text}" stored once, at its acknowledged seq`);
		assert.ok(!/write failed|seq taken/.test(a.stderr + b.stderr), a.stderr + b.stderr);
	});
});

test('two processes on one database: an accept on one while the guest writes on the other neither deadlocks nor loses a message', { skip, timeout: 90000 }, async () => {
	// The accept changes the chat's row; the guest's messages on the other process change it at
	// their commit. Both store their event first, so neither waits for the other in turn.
	await twoProcesses('acceptwrite', { operators: ['ann', 'bob'] }, async ({ a, b }) => {
		const ann = await operator(b, 'ann'); // lets guests start on B
		await setAvailable(ann, 'ask', true);
		const bob = await operator(a, 'bob');
		for (let round = 0; round < 8; round++) {
			const c = await startChat(b, 'ask', `Pat ${round}`);
			await setAvailable(bob, 'ask', false);
			await setAvailable(bob, 'ask', true);
			await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on A, from the store');
			const burst = Array.from({ length: 12 }, (_, i) => c.guest.request({ type: 'msg.send', chat: c.chat, text: `r${round} m${i}` }));
			const [accept, ...acks] = await Promise.all([bob.request({ type: 'chat.accept', chat: c.chat }), ...burst]);
			isOk(accept, `round ${round}: the accept`);
			for (const r of acks)
				isAck(r);
			const n = psql('acceptwrite', `SELECT count(*), count(DISTINCT e.seq), max(e.seq) FROM events e
				JOIN chats c ON c.id = e.chat_id WHERE c.public_id = '${c.chat}'`);
			const [count, distinct, max] = n.split('|').map(Number);
			assert.equal(count, distinct);
			assert.equal(count, max, `round ${round}: seqs 1…${max} with no gap`);
		}
		assert.ok(!/deadlock|write failed/.test(a.stderr + b.stderr), a.stderr + b.stderr);
	});
});

test('two processes on one database: failed sign-ins of a username count on both, and lock it out on both', { skip, timeout: 60000 }, async () => {
	await twoProcesses('twosignins', { operators: ['ann', 'bob'] }, async ({ a, b }) => {
		// Five wrong passwords, spread over the two: three on A, two on B.
		for (const [i, srv] of [a, b, a, b, a].entries()) {
			const r = await srv.signIn('ann', { password: `wrong-${i}` });
			assert.equal(r.status, 401, `failure ${i + 1}: ${r.status} ${r.text}`);
		}
		for (const srv of [a, b]) {
			const right = await srv.signIn('ann', { password: OPERATORS.ann.password });
			assert.equal(right.status, 429, `the right password after five failures: ${right.status} ${right.text}`);
			assert.equal(right.headers.get('retry-after'), '900');
			assert.equal(right.cookie, null);
		}
		// Another username is not locked out, on either.
		assert.equal((await b.signIn('bob')).status, 200);
		// A username no operator has counts the same way (it gives nothing away).
		for (let i = 0; i < 5; i++)
			assert.equal((await (i % 2 ? a : b).signIn('nobody', { password: 'x' })).status, 401);
		assert.equal((await a.signIn('nobody', { password: 'x' })).status, 429);
		// Failures past the window are forgotten when the next one is noted.
		psql('twosignins', `UPDATE signin_failures SET at = at - 900001 WHERE username = 'nobody'`);
		assert.equal((await a.signIn('nobody', { password: 'y' })).status, 401);
		assert.equal(psql('twosignins', `SELECT count(*) FROM signin_failures WHERE username = 'nobody'`), '1');
	});
});

/** One figure of `srv`'s /metrics (loopback needs no token). */
async function metric(srv, name) {
	const r = await srv.request('GET', '/metrics');
	assert.equal(r.status, 200, r.text);
	const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
	assert.ok(m, `${name} in /metrics`);
	return Number(m[1]);
}

test('two processes on one database: one runs the shared duties; killed, the other takes them over', { skip, timeout: 60000 }, async () => {
	await twoProcesses('duties', { operators: [], args: ['--purge-interval-secs', '1'] }, async ({ a, b }) => {
		assert.equal(await metric(a, 'refdesk_duties'), 1, 'the first to start holds them');
		assert.equal(await metric(b, 'refdesk_duties'), 0);
		await sleep(2500);
		assert.ok(await metric(a, 'refdesk_purge_runs_total') >= 1, 'A purges');
		assert.equal(await metric(b, 'refdesk_purge_runs_total'), 0, 'B does not, meanwhile');
		assert.equal(await metric(b, 'refdesk_duties'), 0);

		await a.kill('SIGKILL');
		const t0 = Date.now();
		while (await metric(b, 'refdesk_duties') !== 1) {
			assert.ok(Date.now() - t0 < 15000, `B never took the duties over:\n${b.stderr}`);
			await sleep(200);
		}
		for (const t1 = Date.now(); await metric(b, 'refdesk_purge_runs_total') === 0;) {
			assert.ok(Date.now() - t1 < 5000, 'B purges once it has the duties');
			await sleep(200);
		}
		assert.equal(b.stderr.match(/another process on the database runs the shared duties/g)?.length, 1, b.stderr);
		assert.equal(b.stderr.match(/this process runs the shared duties/g)?.length, 1, b.stderr);
	});
});

test('two processes on one database: the XMPP link is in one; killed, the other connects it, and librarians on XMPP are rung through it', { skip, timeout: 90000 }, async () => {
	const domain = 'chat.example.test';
	const secret = 'component-secret-2';
	const prosody = await startProsody({ domain, secret, users: { lib1: 'lib1-password-1' } });
	const secretFile = path.join(tmp, 'xmpp-secret');
	await fs.writeFile(secretFile, `${secret}\n`);
	psql('refdesk', 'CREATE DATABASE xmpplink');
	const store = base + 'xmpplink';
	const args = ['--store', store, '--xmpp-domain', domain, '--xmpp-server', prosody.componentAddress,
		'--xmpp-secret-file', secretFile];
	const linked = (srv) => srv.stderr.split('\n').filter((l) => /xmpp: connected to /.test(l)).length;
	let a, b, lib;
	try {
		a = await startServer({ fixtures: false, demo: true, args });
		await addAnn(a.dataDir, store);
		await until(() => linked(a) === 1, 10000, "A's XMPP link");
		b = await startServer({ fixtures: false, args });
		lib = await xmppClient(prosody, 'lib1');
		lib.client.on('stanza', (st) => {
			if (st.is('presence') && st.attrs.type === 'subscribe')
				lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
		});
		// Ann links her XMPP address through A.
		const s = await a.session('ann');
		assert.equal((await a.request('POST', '/api/xmpp/jid', { session: s, body: { jid: lib.jid } })).status, 200);
		const msg = await lib.next((st) => st.is('message') && /code is/.test(st.getChildText('body') ?? ''), 5000, 'the code');
		const code = /code is ([a-z0-9]{8})\./.exec(msg.getChildText('body'))[1];
		assert.equal((await a.request('POST', '/api/xmpp/confirm', { session: s, body: { code } })).status, 200);
		await sleep(2500);
		assert.equal(linked(b), 0, 'B leaves the link to A');
		assert.equal(await metric(b, 'refdesk_duties'), 0);

		await a.kill('SIGKILL');
		await until(() => linked(b) === 1, 15000, "B's XMPP link, once A is gone");
		// Ann's address is in the store: B knows her, sees her online, and rings her there.
		const sb = await b.session('ann');
		await until(async () => (await b.request('GET', '/api/xmpp', { session: sb })).json?.online, 10000, 'ann online through B');
		const c = await startChat(b, 'ask', 'Pat');
		const ring = await lib.next((st) => st.is('message') && (st.getChildText('body') ?? '').includes('/staff/chat/'), 10000, 'the ring through B');
		assert.ok(ring.getChildText('body').includes(c.chat), ring.toString());
	} finally {
		await lib?.stop();
		await b?.close();
		await a?.close().catch(() => {});
		await prosody.cleanup();
	}
});

test('a server given a database that is not there exits with a clear error', { skip }, async () => {
	const dead = `postgres://refdesk@127.0.0.1:${await freePort()}/refdesk`;
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-pg-dead-'));
	try {
		const r = await runBinary(['serve', '--listen', `127.0.0.1:${await freePort()}`, '--data', dir, '--store', dead]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /cannot connect to PostgreSQL/);
		const bad = await runBinary(['serve', '--data', dir, '--store', 'mysql://x']);
		assert.equal(bad.code, 2, bad.stderr);
		assert.match(bad.stderr, /--store: give a postgres:\/\/ URL/);
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('migrate-store copies a SQLite library into PostgreSQL: counts, transcripts, search and sign-in agree', { skip, timeout: 90000 }, async () => {
	// A library on SQLite, with chats, a snapshot-free transcript and a word to find.
	const lite = await startServer({ fixtures: false, demo: true, args: ['--store', 'sqlite'] });
	let chats;
	let before;
	try {
		await addAnn(lite.dataDir, null);
		const ann = await operator(lite, 'ann');
		await setAvailable(ann, 'ask', true);
		chats = [];
		for (const name of ['Pat', 'Quinn', 'Ray']) {
			const c = await startChat(lite, 'ask', name);
			await ann.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer');
			isOk(await ann.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
			isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: `${name} asks about the aardvark atlas` }));
			isAck(await ann.request({ type: 'msg.send', chat: c.chat, text: `Shelf ${name.length}, périodiques` }));
			isAck(await ann.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
			chats.push(c.chat);
		}
		before = await Promise.all(chats.map((c) => transcript(lite, c)));
		await closeAll();
		await lite.stop();

		psql('refdesk', 'CREATE DATABASE migrated');
		const to = base + 'migrated';
		// Hostile first: not PostgreSQL, no such directory, no arguments.
		let r = await runBinary(['admin', 'migrate-store', '--from', `sqlite:${lite.dataDir}`, '--to', lite.dataDir]);
		assert.equal(r.code, 2, r.stderr);
		r = await runBinary(['admin', 'migrate-store', '--from', path.join(lite.dataDir, 'nope'), '--to', to]);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /No such file/);
		r = await runBinary(['admin', 'migrate-store']);
		assert.equal(r.code, 2);

		r = await runBinary(['admin', 'migrate-store', '--from', `sqlite:${lite.dataDir}`, '--to', to]);
		assert.equal(r.code, 0, r.stderr + r.stdout);
		assert.match(r.stdout, /events\s+\d+ rows/);
		assert.match(r.stdout, /3 transcripts compared event by event/);
		assert.equal(psql('migrated', 'SELECT count(*) FROM chats'), '3');

		// A second copy into the same database is refused and changes nothing.
		const events = psql('migrated', 'SELECT count(*) FROM events');
		r = await runBinary(['admin', 'migrate-store', '--from', lite.dataDir, '--to', to]);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /already holds a library/);
		assert.equal(psql('migrated', 'SELECT count(*) FROM events'), events);

		// The same data directory on PostgreSQL: the same transcripts, search, sign-in, new chats.
		const srv = await startServer({ fixtures: false, dataDir: lite.dataDir, args: ['--store', to] });
		try {
			const after = await Promise.all(chats.map((c) => transcript(srv, c)));
			assert.deepEqual(after, before);
			const ann2 = await srv.session('ann');
			const found = await srv.request('GET', '/api/history?q=aardvark', { session: ann2 });
			assert.equal(found.status, 200, found.text);
			assert.deepEqual(found.json.chats.map((x) => x.chat).sort(), [...chats].sort());
			const accent = await srv.request('GET', '/api/history?q=periodiques', { session: ann2 });
			assert.equal(accent.json.chats.length, 3, accent.text);
			const op = await operator(srv, 'ann');
			await setAvailable(op, 'ask', true);
			const c = await startChat(srv, 'ask', 'New');
			assert.ok(!chats.includes(c.chat));
		} finally {
			await srv.close();
		}
	} finally {
		await lite.close().catch(() => {});
	}
});
