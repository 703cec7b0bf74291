// 40-cluster: refdesk as three nodes on one PostgreSQL database, NATS carrying the news between
// them, nginx in front (docs/OPERATIONS.md, "Running several nodes"; lib/cluster.mjs). A guest on
// one node and librarians on the others: rung across nodes, one takes the chat, it flows both
// ways in order, an upload on one is read on another, the box counts librarians on every node;
// accept races across nodes; NATS killed and started again mid-chat; the node holding the guest's
// socket killed during a burst, the guest back through nginx.
//
// Waiting chats whose guest left are ended after 3 s here (--abandon-secs), so a node that
// wrongly thinks a guest gone shows within the tests.
//
// The file starts its own PostgreSQL cluster, nats-server and nginx, so it runs once, in the
// SQLite pass of the suite; the PostgreSQL pass skips it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import { Client, closeAll } from './lib/client.mjs';
import { startCluster } from './lib/cluster.mjs';
import { guest, isAck, isOk, operator, pacedBurst, setAvailable, startChat, until } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { onPostgres, sleep } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

const skip = onPostgres && 'runs once, in the SQLite pass: it starts a PostgreSQL cluster, NATS and nginx of its own';
let cl;
let A, B, C;

before(async () => {
	if (skip)
		return;
	cl = await startCluster({ n: 3, operators: ['ann', 'bob', 'cat'], cutters: [0, 2], args: ['--abandon-secs', '3'] });
	[A, B, C] = cl.nodes;
});

after(async () => {
	await closeAll();
	await cl?.stop();
});

/** GET /api/queues/ask on `node`: is anyone there, as its box would say? */
async function online(node) {
	const res = await fetch(`${node.url}/api/queues/ask`);
	return (await res.json()).online;
}

/** Wait until `node` counts someone available on `ask` (availability crosses the bus in moments). */
async function seenOn(node) {
	for (let i = 0; i < 100; i++) {
		if (await online(node))
			return;
		await sleep(50);
	}
	assert.fail(`node ${node.port} never saw anyone available`);
}

/** A chat from a guest on `node` (once it counts someone available), rung and taken by `op`. */
async function acceptedChat(node, op, name) {
	await seenOn(node);
	const c = await startChat(node, 'ask', name);
	await op.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, `the offer for ${op.label}`);
	isOk(await op.request({ type: 'chat.accept', chat: c.chat }), `chat.accept by ${op.label}`);
	return c;
}

/** The messages and events of chat `chat` a client has had, as [seq, text-or-kind]. */
const heard = (client, chat) => client.events(chat).map((e) => [e.seq, e.kind === 'message' ? e.text : e.kind]);

/** Seqs strictly increasing, each once. */
function inOrder(list, what) {
	for (let i = 1; i < list.length; i++)
		assert.ok(list[i][0] > list[i - 1][0], `${what}: seq ${list[i][0]} after ${list[i - 1][0]}\n${JSON.stringify(list)}`);
}

const storedTexts = (chat) => cl.psql(`SELECT e.seq, coalesce(e.body::json->>'text', '') FROM events e
	JOIN chats c ON c.id = e.chat_id WHERE c.public_id = '${chat}' AND e.kind = 'message' ORDER BY e.seq`)
	.split('\n').filter(Boolean).map((l) => l.split('|')).map(([seq, text]) => [Number(seq), text]);

test('a guest on A, librarians on B and C: the box counts them, both are rung, one takes it, the chat flows both ways in order, an upload is read on another node', { skip, timeout: 60000 }, async () => {
	assert.equal(await online(A), false, 'nobody is available anywhere yet');
	const watcher = await guest(A, 'watcher');
	isOk(await watcher.request({ type: 'presence.watch', queues: ['ask'] }), 'presence.watch');
	const bob = await operator(B, 'bob');
	const cat = await operator(C, 'cat');
	await setAvailable(bob, 'ask', true);
	await watcher.next((f) => f.type === 'presence' && f.queue === 'ask' && f.online === true, 5000, 'presence online on A, for Bob on B');
	assert.equal(await online(A), true, 'the box on A says someone is there');
	await setAvailable(cat, 'ask', true);

	await seenOn(A);
	const c = await startChat(A, 'ask', 'Pat');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
	await cat.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on C');
	isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept on B');
	const taken = await cat.next((f) => f.type === 'chat.taken' && f.chat === c.chat, 5000, 'chat.taken on C');
	assert.equal(taken.by.name, 'Bob');
	await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'joined', 5000, 'the joined notice on A');
	const late = await cat.request({ type: 'chat.accept', chat: c.chat });
	assert.equal(late.code, 'taken', JSON.stringify(late));

	const sent = [];
	for (let i = 0; i < 15; i++) {
		const [g, o] = await Promise.all([
			c.guest.request({ type: 'msg.send', chat: c.chat, text: `guest ${i}` }),
			bob.request({ type: 'msg.send', chat: c.chat, text: `bob ${i}` }),
		]);
		sent.push([isAck(g).seq, `guest ${i}`], [isAck(o).seq, `bob ${i}`]);
	}
	sent.sort((x, y) => x[0] - y[0]);
	const top = sent.at(-1)[0];
	for (const [who, label] of [[c.guest, 'the guest on A'], [bob, 'Bob on B']]) {
		await until(() => who.events(c.chat).some((e) => e.seq === top), 5000, `${label} to have seq ${top}`);
		const got = heard(who, c.chat);
		inOrder(got, label);
		assert.deepEqual(got.filter(([, t]) => /^(guest|bob) /.test(t)), sent, `${label}: every message once, at its seq`);
	}
	assert.deepEqual(storedTexts(c.chat), sent, 'the store has each message once, at its acknowledged seq');

	// A snapshot the guest sends through A is read by Bob on B and the guest through nginx.
	const r = await upload(A, c, c.chat, png(640, 360), { headers: { 'x-client-id': 'snap-1' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const ev = await bob.next((f) => f.type === 'event' && f.kind === 'snapshot' && f.seq === r.json.seq, 5000, 'the snapshot on B');
	for (const [base, headers] of [[B.url, { cookie: bob.session.cookie }], [cl.proxy.url, { authorization: `Bearer ${c.token}` }]]) {
		const res = await fetch(`${base}/api/chats/${c.chat}/blobs/${ev.blob}`, { headers });
		assert.equal(res.status, 200, `the blob from ${base}`);
		const body = Buffer.from(await res.arrayBuffer());
		assert.equal(body.readUInt32BE(16), 640);
	}

	// Staff notes and the staff room reach colleagues on other nodes, never the guest.
	isOk(await cat.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'Cat follows the chat from C');
	isOk(await bob.request({ type: 'note.send', chat: c.chat, text: 'Regular; prefers email.' }), 'note.send on B');
	const seenNote = await cat.next((f) => f.type === 'note' && f.chat === c.chat, 5000, 'the note on C');
	assert.equal(seenNote.note.text, 'Regular; prefers email.');
	const ann = await operator(A, 'ann');
	isOk(await cat.request({ type: 'room.send', text: 'Coffee in the back room.' }), 'room.send on C');
	for (const [who, label] of [[ann, 'Ann on A'], [bob, 'Bob on B']])
		assert.equal((await who.next((f) => f.type === 'room.message', 5000, `the room message for ${label}`)).message.text, 'Coffee in the back room.');
	await c.guest.none((f) => f.type === 'note' || f.type === 'room.message', 300, 'staff frames on the guest socket');

	// The desk board on A counts every node: Bob on B holds the chat, Cat on C is available.
	let board;
	for (let i = 0; i < 60; i++) {
		board = (await A.request('GET', '/api/board', { session: await A.session('ann') })).json;
		if (board.operators.find((o) => o.name === 'Bob')?.chats === 1)
			break;
		await sleep(100);
	}
	const row = (name) => board.operators.find((o) => o.name === name);
	assert.deepEqual([row('Bob').status, row('Bob').chats, row('Bob').queues], ['available', 1, ['ask']], JSON.stringify(board));
	assert.deepEqual([row('Cat').status, row('Cat').chats, row('Cat').queues], ['available', 0, ['ask']], JSON.stringify(board));
	const waitingOn = await startChat(B, 'ask', 'Waiting');
	for (let i = 0; i < 60 && board.queues.find((q) => q.queue === 'ask').waiting !== 1; i++) {
		await sleep(100);
		board = (await A.request('GET', '/api/board', { session: await A.session('ann') })).json;
	}
	assert.equal(board.queues.find((q) => q.queue === 'ask').waiting, 1, 'a chat waiting on B counts on A');
	isAck(await waitingOn.guest.request({ type: 'chat.end', chat: waitingOn.chat }));

	// The guest leaves: Bob's chat ends on B.
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end on A');
	await bob.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'ended', 5000, 'the end on B');
	await setAvailable(bob, 'ask', false);
	await setAvailable(cat, 'ask', false);
	await watcher.next((f) => f.type === 'presence' && f.queue === 'ask' && f.online === false, 5000, 'presence offline on A');
	await closeAll();
});

test('accept races with librarians on three nodes, 20 rounds: each chat taken exactly once, the others told who took it', { skip, timeout: 90000 }, async () => {
	const ops = [await operator(A, 'ann'), await operator(B, 'bob'), await operator(C, 'cat')];
	for (const op of ops)
		await setAvailable(op, 'ask', true);
	const names = ['Ann', 'Bob', 'Cat'];
	const wins = [0, 0, 0];
	for (let round = 0; round < 20; round++) {
		await seenOn(cl.nodes[round % 3]);
		const c = await startChat(cl.nodes[round % 3], 'ask', `Pat ${round}`);
		for (const op of ops)
			await op.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, `round ${round}: the offer for ${op.label}`);
		const replies = await Promise.all(ops.map((op) => op.request({ type: 'chat.accept', chat: c.chat })));
		const ok = replies.map((r, i) => (r.type === 'ok' ? i : -1)).filter((i) => i >= 0);
		assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(replies)}`);
		const w = ok[0];
		wins[w]++;
		replies.forEach((r, i) => {
			if (i !== w) {
				assert.equal(r.code, 'taken', `round ${round}: ${JSON.stringify(r)}`);
				assert.match(r.message, new RegExp(`^${names[w]} took this chat`));
			}
		});
		const row = cl.psql(`SELECT o.name, (SELECT count(*) FROM events e WHERE e.chat_id = c.id AND e.body LIKE '%"joined"%')
			FROM chats c JOIN operators o ON o.id = c.operator_id WHERE c.public_id = '${c.chat}'`);
		assert.equal(row, `${names[w]}|1`, `round ${round}: one accept stored`);
		isAck(await ops[w].request({ type: 'chat.end', chat: c.chat }), 'chat.end');
		await c.guest.close();
	}
	assert.ok(wins.filter((n) => n > 0).length >= 2, `more than one node won a race: ${wins}`);
	for (const op of ops)
		await setAvailable(op, 'ask', false);
	await closeAll();
});

test('a librarian available on the queue may take a chat before the ring from the guest\'s node arrives', { skip, timeout: 30000 }, async () => {
	const bob = await operator(B, 'bob');
	const cat = await operator(C, 'cat');
	await setAvailable(bob, 'ask', true);
	await setAvailable(cat, 'ask', true);
	for (let round = 0; round < 5; round++) {
		await seenOn(A);
		const c = await startChat(A, 'ask', `Quick ${round}`);
		// At once, without waiting for chat.offer: B may not have heard of the chat yet.
		isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), `round ${round}: chat.accept on B`);
		await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'joined', 5000, 'the joined notice on A');
		// Cat on C was rung if the ring came before the accept, and then hears it was taken;
		// either way her own accept is told who took it.
		await sleep(200);
		if (cat.frames.some((r) => r.frame.type === 'chat.offer' && r.frame.chat === c.chat))
			await cat.next((f) => f.type === 'chat.taken' && f.chat === c.chat, 5000, 'chat.taken on C');
		const late = await cat.request({ type: 'chat.accept', chat: c.chat });
		assert.equal(late.code, 'taken', JSON.stringify(late));
		assert.match(late.message, /^Bob took this chat/);
		isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	}
	// Cat, not available, may not.
	await setAvailable(cat, 'ask', false);
	await seenOn(A);
	const c = await startChat(A, 'ask', 'Late');
	const r = await cat.request({ type: 'chat.accept', chat: c.chat });
	assert.equal(r.code, 'not_offered', JSON.stringify(r));
	isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept on B');
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

test('transfers across nodes: to a colleague on another node, who accepts; to a queue with colleagues on two others, one declines, the other accepts', { skip, timeout: 60000 }, async () => {
	const ann = await operator(A, 'ann');
	const bob = await operator(B, 'bob');
	const cat = await operator(C, 'cat');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(A, bob, 'Pat');
	await setAvailable(cat, 'ask', true);
	await setAvailable(ann, 'ask', true);
	const asked = isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'Where are the old maps?' })).seq;
	await bob.next((f) => f.type === 'event' && f.seq === asked, 5000, 'the question on B');

	// Bob on B sees Cat on C among those he can hand the chat to, and hands it to her.
	let targets;
	for (let i = 0; i < 50; i++) {
		targets = isOk(await bob.request({ type: 'transfer.targets', chat: c.chat }), 'transfer.targets');
		if (targets.operators.some((o) => o.name === 'Cat') && targets.operators.some((o) => o.name === 'Ann'))
			break;
		await sleep(100);
	}
	assert.deepEqual(targets.operators.map((o) => o.name).sort(), ['Ann', 'Cat'], JSON.stringify(targets));
	const catId = targets.operators.find((o) => o.name === 'Cat').id;
	const r = isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, operator: catId, note: 'Knows the map room.' }), 'chat.transfer');
	assert.deepEqual(r.to, { operator: { id: catId, name: 'Cat' } });
	const offer = await cat.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the transfer offer on C');
	assert.equal(offer.note, 'Knows the map room.');
	assert.equal(offer.from.name, 'Bob');
	assert.ok(offer.transcript.some((e) => e.text === 'Where are the old maps?'), JSON.stringify(offer.transcript));
	assert.ok(!ann.frames.some((f) => f.frame.type === 'transfer.offer'), 'Ann was not asked');
	isOk(await cat.request({ type: 'transfer.accept', chat: c.chat }), 'transfer.accept on C');
	const done = await bob.next((f) => f.type === 'transfer.done' && f.chat === c.chat, 5000, 'transfer.done on B');
	assert.deepEqual(done.to, { id: catId, name: 'Cat' });
	const told = await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'transferred', 5000, 'the notice on A');
	assert.equal(told.name, 'Cat');
	const catSays = isAck(await cat.request({ type: 'msg.send', chat: c.chat, text: 'Room 3.' })).seq;
	await c.guest.next((f) => f.type === 'event' && f.seq === catSays, 5000, 'Cat\'s answer on A');
	const bobLate = await bob.request({ type: 'msg.send', chat: c.chat, text: 'still mine?' });
	assert.equal(bobLate.code, 'not_holder', JSON.stringify(bobLate));

	// Cat sends it to the queue: Ann on A and Bob on B are rung; Ann declines, Bob accepts.
	isOk(await cat.request({ type: 'chat.transfer', chat: c.chat, queue: 'ask' }), 'chat.transfer to the queue');
	await ann.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on A');
	await bob.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on B');
	isOk(await ann.request({ type: 'transfer.decline', chat: c.chat }), 'decline on A');
	await sleep(300);
	assert.ok(!cat.frames.some((f) => f.frame.type === 'transfer.returned'), 'one decline of two does not end it');
	isOk(await bob.request({ type: 'transfer.accept', chat: c.chat }), 'accept on B');
	const back = await cat.next((f) => f.type === 'transfer.done' && f.chat === c.chat, 5000, 'transfer.done on C');
	assert.equal(back.to.name, 'Bob');
	const row = cl.psql(`SELECT o.name FROM chats c JOIN operators o ON o.id = c.operator_id WHERE c.public_id = '${c.chat}'`);
	assert.equal(row, 'Bob');

	// Bob sends it to Cat again, who declines: it stays Bob's, and Bob is told.
	isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, operator: catId }), 'chat.transfer again');
	await cat.next((f) => f.type === 'transfer.offer' && f.chat === c.chat && f.from.name === 'Bob', 5000, 'the second offer on C');
	isOk(await cat.request({ type: 'transfer.decline', chat: c.chat }), 'decline on C');
	const returned = await bob.next((f) => f.type === 'transfer.returned' && f.chat === c.chat, 5000, 'transfer.returned on B');
	assert.equal(returned.reason, 'declined');
	isAck(await bob.request({ type: 'msg.send', chat: c.chat, text: 'Back with me.' }));
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	for (const op of [ann, bob, cat])
		await setAvailable(op, 'ask', false);
	await closeAll();
});

test('a file\'s fate is decided under a lock per file: an upload naming it waits while another process holds it', { skip, timeout: 30000 }, async () => {
	// Removing a file no row names (after a deletion or a purge) and an upload adding a row
	// that names it are serialised per file in the database, as one writer did on SQLite.
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(A, bob, 'Pat');
	const body = crypto.randomBytes(2000);
	const hash = crypto.createHash('sha256').update(body).digest('hex');
	const key = parseInt(hash.slice(0, 7), 16);
	const holder = spawn('psql', ['-X', '-q', '-d', cl.store, '-c',
		`BEGIN; SELECT pg_advisory_xact_lock(7432003, ${key}); SELECT pg_sleep(1.5); COMMIT;`], { stdio: 'ignore' });
	const held = new Promise((resolve) => holder.on('exit', resolve));
	await sleep(400);
	const t = Date.now();
	const r = await upload(B, bob.session, c.chat, body, { headers: { 'x-upload-kind': 'file', 'x-file-name': 'notes.txt' } });
	const took = Date.now() - t;
	await held;
	assert.equal(r.status, 200, JSON.stringify(r.json));
	assert.equal(r.json.blob ?? hash, hash);
	assert.ok(took >= 700, `the upload waited for the lock (${took} ms)`);
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

const OFFER = ['v=0', 'o=- 46117 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
	'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=ice-ufrag:abcd',
	'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=sendonly', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');
const ANSWER = OFFER.replace('a=sendonly', 'a=recvonly');
const CANDIDATE = 'candidate:2 1 udp 2122260223 192.0.2.7 61000 typ host generation 0';
const shareStep = (chat, step) => (f) => f.type === 'event' && f.chat === chat && f.kind === 'share' && f.step === step;

test('a screen share with the guest on A and the librarian on B: consent, offer, answer and candidates cross the nodes; the guest leaving stops it', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(A, bob, 'Pat');

	const inv = isOk(await bob.request({ type: 'share.invite', chat: c.chat, text: 'May I see your screen?' }), 'share.invite on B');
	const share = inv.share;
	await c.guest.next(shareStep(c.chat, 'invited'), 5000, 'the invitation on A');
	const acc = isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'share.reply on A');
	assert.equal(acc.share, share);
	assert.ok(acc.ice && Array.isArray(acc.ice.servers), JSON.stringify(acc));
	await bob.next(shareStep(c.chat, 'accepted'), 5000, 'accepted on B');
	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'share.offer on A');
	const offer = await bob.next((f) => f.type === 'share.offer' && f.chat === c.chat, 5000, 'the guest\'s offer on B');
	assert.equal(offer.sdp, OFFER);
	isOk(await bob.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'share.answer on B');
	const answer = await c.guest.next((f) => f.type === 'share.answer' && f.chat === c.chat, 5000, 'the answer on A');
	assert.equal(answer.sdp, ANSWER);
	c.guest.send({ type: 'share.ice', id: c.guest.newId(), chat: c.chat, share, candidate: CANDIDATE, mid: '0', mline: 0 });
	const fromGuest = await bob.next((f) => f.type === 'share.ice' && f.chat === c.chat, 5000, 'the guest\'s candidate on B');
	assert.equal(fromGuest.candidate, CANDIDATE);
	bob.send({ type: 'share.ice', id: bob.newId(), chat: c.chat, share, candidate: CANDIDATE, mid: '0', mline: 0 });
	await c.guest.next((f) => f.type === 'share.ice' && f.chat === c.chat, 5000, 'the librarian\'s candidate on A');
	isOk(await bob.request({ type: 'share.shown', chat: c.chat, share }), 'share.shown');
	await c.guest.next(shareStep(c.chat, 'started'), 5000, 'started on A');

	// Another guest cannot act on it from A: only the chat's own guest socket is passed on.
	const stranger = await guest(A, 'stranger');
	const r = await stranger.request({ type: 'share.stop', chat: c.chat, share });
	assert.equal(r.type, 'error', JSON.stringify(r));

	// The guest's box closes on A: the share stops on B, recorded once.
	await c.guest.close();
	const stopped = await bob.next(shareStep(c.chat, 'stopped'), 5000, 'stopped on B');
	assert.equal(stopped.by, 'guest');
	const steps = cl.psql(`SELECT e.body::json->>'step' FROM events e JOIN chats c ON c.id = e.chat_id
		WHERE c.public_id = '${c.chat}' AND e.kind = 'share' ORDER BY e.seq`).split('\n');
	assert.deepEqual(steps, ['invited', 'accepted', 'started', 'stopped']);
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

test('NATS killed and started again mid-chat: what was said meanwhile reaches the other node once, in order, and the chat goes on', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(A, bob, 'Pat');
	const before = isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'before' })).seq;
	await bob.next((f) => f.type === 'event' && f.seq === before, 5000, 'the first message on B');

	await cl.nats.stop();
	const during = [];
	for (let i = 0; i < 6; i++)
		during.push(isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: `during ${i}` })).seq);
	await sleep(500);
	await cl.nats.start();
	// At once: A's link may well still be down (it tries every quarter second), and B's up.
	const after = isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'after' })).seq;
	await until(() => bob.events(c.chat).some((e) => e.seq === after), 15000, 'Bob to catch up once NATS is back');
	const got = heard(bob, c.chat).filter(([, t]) => /^(before|during|after)/.test(t));
	assert.deepEqual(got, [[before, 'before'], ...during.map((s, i) => [s, `during ${i}`]), [after, 'after']]);
	// Bob's answer reaches the guest on A too.
	const back = isAck(await bob.request({ type: 'msg.send', chat: c.chat, text: 'hello again' })).seq;
	await c.guest.next((f) => f.type === 'event' && f.seq === back, 5000, 'Bob\'s answer on A');
	const m = await cl.metrics(A);
	assert.match(m, /^refdesk_bus_up 1$/m);
	assert.match(m, /^refdesk_bus_reconnects_total [1-9]/m);
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

test('the guests\' node alone loses its link to NATS: what it stored meanwhile reaches the librarian\'s node once the link is back', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const chats = [];
	for (const name of ['Pat', 'Sam']) {
		await seenOn(A);
		const c = await startChat(A, 'ask', name);
		await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
		isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
		const first = isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'first' })).seq;
		await bob.next((f) => f.type === 'event' && f.chat === c.chat && f.seq === first, 5000, 'the first message on B');
		chats.push({ ...c, sent: [[first, 'first']] });
	}

	await cl.cutters[0].cut();
	let down = false;
	for (let i = 0; i < 100 && !down; i++) {
		down = /^refdesk_bus_up 0$/m.test(await cl.metrics(A));
		if (!down)
			await sleep(50);
	}
	assert.ok(down, 'A sees its link to NATS down');
	// NATS's client keeps the first note sent while it is cut off and drops the rest: the second
	// chat's news is lost on the way, and B's own link never dropped.
	for (const c of chats)
		for (let i = 0; i < 3; i++)
			c.sent.push([isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: `cut ${i}` })).seq, `cut ${i}`]);
	await sleep(300);
	await cl.cutters[0].heal();
	for (const c of chats) {
		await until(() => bob.events(c.chat).some((e) => e.seq === c.sent.at(-1)[0]), 15000, `Bob to hear what A stored for ${c.chat} while cut off`);
		assert.deepEqual(heard(bob, c.chat).filter(([, t]) => /^(first|cut)/.test(t)), c.sent);
		isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	}
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

test('a message stored on a node cut off from the others, sent again through another node, reaches the librarian at once', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(C, bob, 'Pat');
	await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'joined', 5000, 'joined on C');
	await cl.cutters[2].cut();
	try {
		// C stores it and acknowledges; the ack is lost to the box, and nobody else hears of it.
		const id = c.guest.newId();
		const first = isAck(await c.guest.request({ type: 'msg.send', id, chat: c.chat, text: 'Is the library open on Sunday?' }));
		await c.guest.close();
		// The box, on another node now, sends it again with the same id: the same seq, once.
		const again = await guest(A, 'guest on A');
		isOk(await again.request({ type: 'chat.join', chat: c.chat, token: c.token, after: first.seq - 1 }), 'chat.join on A');
		const dup = isAck(await again.request({ type: 'msg.send', id, chat: c.chat, text: 'Is the library open on Sunday?' }));
		assert.equal(dup.seq, first.seq);
		const heardIt = await bob.next((f) => f.type === 'event' && f.chat === c.chat && f.seq === first.seq, 5000, 'the message on B, C still cut off');
		assert.equal(heardIt.text, 'Is the library open on Sunday?');
	} finally {
		await cl.cutters[2].heal();
	}
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

const status = (chat) => cl.psql(`SELECT status FROM chats WHERE public_id = '${chat}'`);

test('an end stored on B while news reaches A late: A follows it as soon as its own write shows it, and refuses what comes after', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	const c = await acceptedChat(A, bob, 'Pat');
	await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'joined', 5000, 'joined on A');
	cl.cutters[0].delay = 1500; // what NATS says reaches A late
	await sleep(100);
	isAck(await bob.request({ type: 'chat.end', chat: c.chat }), 'chat.end on B');
	// A does not know yet; its write lands after the end, and reading the gap shows the end.
	await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'racing the end' });
	await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'ended', 5000, 'the end on A');
	const after = await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'after the end' });
	assert.equal(after.code, 'chat_ended', JSON.stringify(after));
	cl.cutters[0].delay = 0;
	const again = await guest(A, 'again');
	const j = isOk(await again.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join');
	assert.equal(j.status, 'ended');
	await setAvailable(bob, 'ask', false);
	await closeAll();
});

test('a waiting guest who moves from A to another node is not taken for gone by A, nor by a node that restarts', { skip, timeout: 60000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	await seenOn(A);
	const c = await startChat(A, 'ask', 'Pat');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
	await c.guest.close();
	const moved = await guest(C, 'guest on C');
	const j = isOk(await moved.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join on C');
	assert.equal(j.status, 'waiting');
	// B restarts meanwhile (same port, behind nginx): it must not end the chat as abandoned either.
	await B.stop();
	await B.restart({ port: B.port });
	await sleep(5000); // --abandon-secs 3, and more
	assert.equal(status(c.chat), '0', 'still waiting: its guest is connected, on C');
	await moved.close();
	// Gone from every node now: C, where it left, ends it.
	for (let i = 0; i < 100 && status(c.chat) !== '2'; i++)
		await sleep(100);
	assert.equal(status(c.chat), '2', 'ended once its guest has gone');
	await closeAll();
});

test('kill -9 of the node holding the librarian\'s socket during a burst: back through nginx, the missed events come once, in order', { skip, timeout: 60000 }, async () => {
	const cat = await operator(C, 'cat');
	await setAvailable(cat, 'ask', true);
	const c = await acceptedChat(A, cat, 'Pat');
	const burst = pacedBurst(c.guest, c.chat, 50, 'burst', { burst: 5, rate: 18 });
	await until(() => cat.events(c.chat).filter((e) => e.kind === 'message').length >= 15, 10000, 'Cat to hear 15 of the burst');
	await C.kill('SIGKILL');
	const lastSeen = Math.max(...cat.events(c.chat).map((e) => e.seq));

	// The webclient connects again to the same address: nginx, which finds a live node.
	const again = await Client.connect(cl.proxy.wsUrl, { cookie: cat.session.cookie, label: 'cat again' });
	const hello = await again.next(() => true, 5000, 'hello');
	assert.equal(hello.type, 'hello');
	assert.ok(hello.chats.some((h) => h.chat === c.chat && h.status === 'active'), JSON.stringify(hello.chats));
	isOk(await again.request({ type: 'chat.join', chat: c.chat, after: lastSeen }), 'chat.join through nginx');
	const acks = await burst.acks;
	acks.forEach((a, i) => isAck(a, `burst message ${i}`));
	const top = Math.max(...acks.map((a) => a.seq));
	await until(() => again.events(c.chat).some((e) => e.seq === top), 10000, `the new socket to reach seq ${top}`);
	const seqs = again.events(c.chat).map((e) => e.seq);
	assert.deepEqual(seqs, Array.from({ length: top - lastSeen }, (_, i) => lastSeen + 1 + i), 'every missed event once, in order, none it had');
	isAck(await again.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await closeAll();
});

test('kill -9 of the node holding the guest\'s socket during a burst: back through nginx, every acknowledged message is there once, in order; a waiting chat whose guest died with it ends', { skip, timeout: 90000 }, async () => {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	await seenOn(A);
	// A second guest, waiting on A, whom nobody answers; it will not come back.
	const orphan = await startChat(A, 'ask', 'Gone');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === orphan.chat, 5000, 'the orphan rings on B');
	const c = await startChat(A, 'ask', 'Pat');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
	isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');

	// The guest sends as fast as the rate limit lets it; A dies after the 25th ack.
	const acked = [];
	const pending = [];
	let n = 0;
	const sender = (async () => {
		for (;;) {
			const id = c.guest.newId();
			const text = `burst ${n++}`;
			pending.push({ id, text });
			const r = await c.guest.request({ type: 'msg.send', id, chat: c.chat, text }, 3000).catch(() => null);
			if (!r || r.type !== 'ack')
				return;
			acked.push([r.seq, text]);
			pending.shift();
			if (acked.length === 25)
				A.kill('SIGKILL');
			await sleep(40);
		}
	})();
	await sender;
	assert.ok(acked.length >= 25, `${acked.length} acked before the node died`);
	const lastSeen = Math.max(...c.guest.events(c.chat).map((e) => e.seq));

	// The box connects again to the same address: nginx, which finds a live node.
	const fresh = await Client.connect(cl.proxy.wsUrl, { label: 'guest again' });
	const j = isOk(await fresh.request({ type: 'chat.join', chat: c.chat, token: c.token, after: lastSeen }), 'chat.join through nginx');
	assert.equal(j.status, 'active');
	for (const m of pending)
		await fresh.request({ type: 'msg.send', id: m.id, chat: c.chat, text: m.text }).then((r) => acked.push([isAck(r, m.text).seq, m.text]));
	acked.sort((x, y) => x[0] - y[0]);
	const stored = storedTexts(c.chat).filter(([, t]) => t.startsWith('burst'));
	for (const [seq, text] of acked)
		assert.deepEqual(stored.filter(([, t]) => t === text), [[seq, text]], `"${text}" stored once, at its acknowledged seq`);
	inOrder(stored, 'the store');
	const top = acked.at(-1)[0];
	await until(() => bob.events(c.chat).some((e) => e.seq === top), 10000, 'Bob on B to have every message');
	const bobs = heard(bob, c.chat).filter(([, t]) => t.startsWith('burst'));
	inOrder(bobs, 'Bob');
	assert.deepEqual(bobs, stored, 'Bob had every stored message once, in order');
	const guestHas = () => [...heard(c.guest, c.chat), ...heard(fresh, c.chat)].filter(([, t]) => t.startsWith('burst'))
		.map(([s]) => s).filter((s, i, a) => a.indexOf(s) === i).sort((x, y) => x - y);
	await until(() => guestHas().length >= stored.length, 5000, 'the guest to have every stored message').catch(() => {});
	assert.deepEqual(guestHas(), stored.map(([s]) => s), 'the guest had every message, before or after the move');
	assert.deepEqual(heard(fresh, c.chat).map(([s]) => s).filter((s) => s <= lastSeen), [], 'nothing it had is sent again');
	// A went silent: the node with the shared duties now counts the orphan's guest gone, and
	// ends the chat once --abandon-secs have passed (7 s of silence, then 3 s).
	for (let i = 0; i < 250 && status(orphan.chat) !== '2'; i++)
		await sleep(100);
	assert.equal(status(orphan.chat), '2', 'the orphaned waiting chat ended');
	await bob.next((f) => f.type === 'chat.gone' && f.chat === orphan.chat, 5000, 'chat.gone for Bob');
	await closeAll();
});
