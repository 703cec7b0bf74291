// 03-chat: the life of a chat over /ws (PROTOCOL §3.2–3.5): offer, accept, messages both ways
// with acks before delivery, typing, end, replay; starting with nobody available; presence;
// two operators racing to accept; a message id sent twice, and one sent by both sides; bursts of
// every frame size.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { closeAll, show } from './lib/client.mjs';
import { FRAME_SIZES, burstArrivesWhole, guest, isAck, isError, isOk, openChat, operator, say, setAvailable } from './lib/flows.mjs';
import { OPERATORS, sleep, startServer } from '../lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => srv?.close()); // stop() fails the file unless the exit is clean
afterEach(() => closeAll()); // what a failed test left open must not confuse the next one

const isEvent = (chat, pred = () => true) => (f) => f.type === 'event' && f.chat === chat && pred(f);

/** Check that the seqs in `seqs` are exactly lo..hi, each once. */
function contiguous(seqs, lo, hi, what) {
	const want = [];
	for (let s = lo; s <= hi; s++)
		want.push(s);
	assert.deepEqual([...seqs].sort((a, b) => a - b), want, `${what}: seqs are not exactly ${lo}..${hi}`);
}

test('a whole chat: offer, accept, messages both ways, typing, end, replay', async () => {
	const t0 = Date.now();
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);

	const g = await guest(srv, 'pat');
	const start = isOk(await g.request({ type: 'chat.start', queue: 'alpha', name: 'Pat' }), 'chat.start');
	const chat = start.chat;
	assert.equal(typeof chat, 'string');
	assert.ok(chat.length >= 10, `chat id too guessable: ${chat}`);
	assert.match(start.token, /^[A-Za-z0-9_-]{43}$/, `token is not 32 bytes of base64url: ${start.token}`);
	assert.equal(start.status, 'waiting');
	assert.ok(Number.isInteger(start.seq) && start.seq >= 1, `chat.start seq: ${show(start)}`);

	const offer = await ann.nextOf('chat.offer', chat);
	assert.deepEqual(Object.keys(offer).sort(), ['chat', 'label', 'name', 'operator', 'queue', 'seq', 'started_at', 'status', 'type']);
	assert.equal(offer.queue, 'alpha');
	assert.equal(offer.status, 'waiting');
	assert.equal(offer.name, 'Pat');
	assert.equal(offer.operator, null);
	assert.equal(offer.seq, start.seq);
	assert.ok(offer.started_at >= t0 - 1000 && offer.started_at <= Date.now() + 1000, `started_at: ${offer.started_at}`);

	const accepted = isOk(await ann.request({ type: 'chat.accept', chat }), 'chat.accept');
	assert.equal(accepted.chat, chat);
	const joined = await g.next(isEvent(chat, (f) => f.kind === 'notice' && f.notice === 'joined'), 5000, 'the joined notice');
	assert.equal(joined.seq, start.seq + 1, `joined notice: ${show(joined)}`);
	assert.equal(joined.name, OPERATORS.ann.name);
	assert.ok(typeof joined.at === 'number' && joined.at >= t0 - 1000, `joined.at: ${show(joined)}`);

	// One message at a time, alternating: each ack reaches its sender before the other side
	// hears the event, and the seqs follow on without gaps.
	const sent = new Map(); // seq -> {from, text, cid}
	let last = joined.seq;
	for (let i = 0; i < 10; i++) {
		const [from, to, who] = i % 2 === 0 ? [g, ann, 'guest'] : [ann, g, 'operator'];
		const text = `${who} says ${i}: ça va? 📚`;
		const id = from.newId();
		const ack = isAck(await from.request({ type: 'msg.send', id, chat, text }));
		assert.equal(ack.chat, chat);
		assert.equal(ack.seq, last + 1, `message ${i}: seq ${ack.seq} after ${last}`);
		last = ack.seq;
		const ev = await to.event(chat, ack.seq);
		// Two sockets are written and read in whatever order the kernel and the event loops
		// pick, so frames sent in the same instant may arrive in either order (a few ms apart
		// on a loaded machine). The slack only forgives that; 07-crash checks the point of the
		// rule exactly: nothing anyone heard is missing after a crash.
		assert.ok(ev.received >= ack.received - 25,
			`message ${i}: the other side heard the event ${(ack.received - ev.received).toFixed(1)} ms before the sender got the ack`);
		assert.equal(ev.kind, 'message');
		assert.equal(ev.from, who);
		assert.equal(ev.name, who === 'guest' ? 'Pat' : OPERATORS.ann.name);
		assert.equal(ev.text, text);
		assert.equal(ev.cid, id);
		assert.equal(typeof ev.at, 'number');
		sent.set(ack.seq, { from: who, text, cid: id });
	}

	// Both sides at once, without waiting: the seqs of each side's acks and the events it
	// hears together cover the new range exactly once, and events arrive in order.
	const burst = [];
	for (let i = 0; i < 12; i++) {
		for (const [c, who] of [[g, 'guest'], [ann, 'operator']]) {
			const text = `${who} burst ${i}`;
			const id = c.send({ type: 'msg.send', chat, text });
			burst.push({ c, who, id, text });
		}
	}
	const acks = await Promise.all(burst.map((b) => b.c.reply(b.id)));
	for (const [i, a] of acks.entries()) {
		isAck(a, `burst message ${i}`);
		sent.set(a.seq, { from: burst[i].who, text: burst[i].text, cid: burst[i].id });
	}
	const top = last + burst.length;
	contiguous(acks.map((a) => a.seq), last + 1, top, 'burst acks');
	for (const [c, other] of [[g, ann], [ann, g]]) {
		const mine = acks.filter((a, i) => burst[i].c === c);
		for (let i = 1; i < mine.length; i++)
			assert.ok(mine[i].seq > mine[i - 1].seq, `${c.label}: messages sent in order got seqs out of order`);
		const theirs = acks.filter((a, i) => burst[i].c === other).map((a) => a.seq);
		const heard = [];
		for (const s of theirs)
			heard.push(await c.event(chat, s));
		const order = heard.slice().sort((a, b) => a.arrival - b.arrival).map((e) => e.seq);
		assert.deepEqual(order, theirs.slice().sort((a, b) => a - b), `${c.label} heard events out of order`);
	}
	last = top;

	// Typing is relayed to the other side only, answered with nothing, and never stored.
	const typingId = g.send({ type: 'typing', chat, active: true });
	const t1 = await ann.nextOf('typing', chat);
	assert.deepEqual({ ...t1 }, { type: 'typing', chat, from: 'guest', active: true });
	ann.send({ type: 'typing', chat, active: false });
	const t2 = await g.nextOf('typing', chat);
	assert.deepEqual({ ...t2 }, { type: 'typing', chat, from: 'operator', active: false });
	isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }));
	assert.ok(!g.all().some((f) => f.id === typingId), 'typing was answered');
	assert.ok(!g.all().some((f) => f.type === 'typing' && f.from === 'guest'), 'the guest heard its own typing');
	const afterTyping = await say(g, chat, 'after typing');
	assert.equal(afterTyping.seq, last + 1, 'typing took a seq');
	sent.set(afterTyping.seq, { from: 'guest', text: 'after typing', cid: afterTyping.id });
	last = afterTyping.seq;
	await ann.event(chat, last);

	// The guest ends the chat: the ack carries the seq of the ended notice both sides know.
	const end = isAck(await g.request({ type: 'chat.end', chat }), 'chat.end');
	assert.equal(end.seq, last + 1);
	const ended = await ann.event(chat, end.seq);
	assert.equal(ended.kind, 'notice');
	assert.equal(ended.notice, 'ended');
	assert.equal(ended.by, 'guest');
	isError(await g.request({ type: 'chat.end', chat }), 'chat_ended', 'ending an ended chat');
	isError(await g.request({ type: 'msg.send', chat, text: 'too late' }), 'chat_ended', 'guest msg.send after the end');
	isError(await ann.request({ type: 'msg.send', chat, text: 'too late' }), 'chat_ended', 'operator msg.send after the end');
	isError(await ann.request({ type: 'chat.end', chat }), 'chat_ended', 'operator chat.end after the end');

	// A new socket replays the whole log with chat.join after 0: in order, once, no typing.
	const g2 = await guest(srv, 'pat-replay');
	const j = isOk(await g2.request({ type: 'chat.join', chat, token: start.token, after: 0 }), 'chat.join');
	assert.equal(j.chat, chat);
	assert.equal(j.status, 'ended');
	assert.equal(j.queue, 'alpha');
	assert.deepEqual(j.operator, { name: OPERATORS.ann.name });
	await g2.event(chat, end.seq);
	await sleep(200);
	const log = g2.events(chat);
	assert.deepEqual(log.map((e) => e.seq), [...Array(end.seq).keys()].map((k) => k + 1), 'replayed seqs');
	assert.ok(j.arrival < log[0].arrival, 'events arrived before the ok of chat.join');
	assert.ok(!g2.all().some((f) => f.type === 'typing'), 'typing was replayed');
	const started = log.find((e) => e.kind === 'notice' && e.notice === 'started');
	assert.ok(started && started.seq <= start.seq, `no started notice in the log: ${show(log[0])}`);
	assert.equal(started.name, 'Pat');
	assert.equal(log[joined.seq - 1].notice, 'joined');
	for (const [seq, m] of sent) {
		const e = log[seq - 1];
		assert.equal(e.kind, 'message', `seq ${seq}: ${show(e)}`);
		assert.equal(e.from, m.from, `seq ${seq}: ${show(e)}`);
		assert.equal(e.text, m.text, `seq ${seq}: ${show(e)}`);
		if (m.cid)
			assert.equal(e.cid, m.cid, `seq ${seq}: ${show(e)}`);
	}
	for (let i = 1; i < log.length; i++)
		assert.ok(log[i].at >= log[i - 1].at, `event times go backwards at seq ${log[i].seq}`);
	assert.equal(log.at(-1).notice, 'ended');

	// Another operator of the account may follow the chat and sees the same log, told which
	// operator wrote each of the operator's messages (the guest is not told).
	const bob = await operator(srv, 'bob');
	isOk(await bob.request({ type: 'chat.join', chat, after: 0 }), 'chat.join by another operator of the account');
	await bob.event(chat, end.seq);
	assert.ok(!log.some((e) => 'operator_id' in e), 'the guest was told an operator id');
	const annId = ann.hello.operator.id;
	assert.deepEqual(bob.events(chat).map((e) => ({ ...e })),
		log.map((e) => (e.kind === 'message' && e.from === 'operator' ? { ...e, operator_id: annId } : { ...e })));

	await setAvailable(ann, 'alpha', false);
	for (const c of [ann, g, g2, bob])
		await c.close();
});

test('bursts of messages of every frame size arrive whole and in order, both ways', async () => {
	// The server joins the frames waiting for a socket into one write: each must still arrive
	// whole, with its own header, in order, whatever its size and whoever sent it.
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Burst');
	await burstArrivesWhole(ann, c.guest, c.chat, FRAME_SIZES);
	await burstArrivesWhole(c.guest, ann, c.chat, FRAME_SIZES.slice().reverse());
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await c.guest.close();
});

test('the operator ends a chat: the guest sees ended by operator', async () => {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Quinn');
	const end = isAck(await ann.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const ev = await c.guest.event(c.chat, end.seq);
	assert.equal(ev.kind, 'notice');
	assert.equal(ev.notice, 'ended');
	assert.equal(ev.by, 'operator');
	isError(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'hello?' }), 'chat_ended');
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await c.guest.close();
});

test('a guest leaving a waiting chat: offered operators get chat.gone, accepting is chat_ended', async () => {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const g = await guest(srv, 'leaver');
	const { chat } = isOk(await g.request({ type: 'chat.start', queue: 'alpha' }));
	const offer = await ann.nextOf('chat.offer', chat);
	assert.equal(offer.name, null, 'an unnamed guest has name null');
	isAck(await g.request({ type: 'chat.end', chat }), 'chat.end of a waiting chat');
	const gone = await ann.nextOf('chat.gone', chat);
	assert.deepEqual({ ...gone }, { type: 'chat.gone', chat });
	isError(await ann.request({ type: 'chat.accept', chat }), 'chat_ended', 'accepting a chat the guest left');
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await g.close();
});

test('starting a chat with nobody available is offline and creates nothing', async () => {
	const g = await guest(srv, 'early');
	const none = await g.request({ type: 'chat.start', queue: 'alpha', name: 'Early' });
	isError(none, 'offline', 'chat.start with nobody available');
	assert.equal(none.chat, undefined);
	isError(await g.request({ type: 'chat.start', queue: 'no-such-queue' }), 'not_found', 'chat.start on an unknown queue');

	// When an operator becomes available nothing is waiting for them.
	const ann = await operator(srv, 'ann');
	assert.deepEqual(ann.hello.chats.filter((c) => c.status === 'waiting'), [], 'hello lists waiting chats');
	await setAvailable(ann, 'alpha', true);
	await ann.none((f) => f.type === 'chat.offer', 500, 'chat.offer for a chat that should not exist');
	const bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	assert.ok(!bob.hello.chats.some((c) => c.status === 'waiting'), `bob's hello lists a waiting chat: ${show(bob.hello)}`);
	await bob.none((f) => f.type === 'chat.offer', 300, 'chat.offer');
	await setAvailable(ann, 'alpha', false);
	await setAvailable(bob, 'alpha', false);
	for (const c of [g, ann, bob])
		await c.close();
});

test('an operator who becomes available is offered every chat already waiting', async () => {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const g = await guest(srv, 'waiter');
	const { chat } = isOk(await g.request({ type: 'chat.start', queue: 'alpha', name: 'Wait' }));
	await ann.nextOf('chat.offer', chat);

	const bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	const offer = await bob.nextOf('chat.offer', chat);
	assert.equal(offer.status, 'waiting');
	const bob2 = await operator(srv, 'bob', 'bob-second-tab');
	assert.ok(bob2.hello.chats.some((c) => c.chat === chat && c.status === 'waiting'),
		`hello of an available operator does not list the waiting chat: ${show(bob2.hello)}`);

	isAck(await g.request({ type: 'chat.end', chat }));
	await ann.nextOf('chat.gone', chat);
	await bob.nextOf('chat.gone', chat);
	await setAvailable(ann, 'alpha', false);
	await setAvailable(bob, 'alpha', false);
	for (const c of [g, ann, bob, bob2])
		await c.close();
});

test('presence: GET /api/queues/alpha and presence.watch follow availability', async () => {
	const online = async () => (await srv.request('GET', '/api/queues/alpha')).json?.online;
	assert.equal(await online(), false);

	const w = await guest(srv, 'watcher');
	const r = isOk(await w.request({ type: 'presence.watch', queues: ['alpha', 'beta', 'unknown-queue'] }), 'presence.watch');
	assert.deepEqual(r.queues, { alpha: false, beta: false, 'unknown-queue': false });
	const push = (value) => w.next((f) => f.type === 'presence' && f.queue === 'alpha' && f.online === value, 5000,
		`presence alpha ${value}`);

	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	assert.deepEqual({ ...await push(true) }, { type: 'presence', queue: 'alpha', online: true });
	assert.equal(await online(), true);

	await setAvailable(ann, 'alpha', false);
	await push(false);
	assert.equal(await online(), false);

	// Available but then disconnected is not online.
	await setAvailable(ann, 'alpha', true);
	await push(true);
	await ann.close();
	await push(false);
	assert.equal(await online(), false);

	// With two available, one leaving keeps the queue online.
	const a2 = await operator(srv, 'ann', 'ann2');
	const bob = await operator(srv, 'bob');
	await setAvailable(a2, 'alpha', true);
	await push(true);
	await setAvailable(bob, 'alpha', true);
	await setAvailable(a2, 'alpha', false);
	await w.none((f) => f.type === 'presence' && f.online === false, 300, 'presence offline while bob is available');
	assert.equal(await online(), true);
	await setAvailable(bob, 'alpha', false);
	await push(false);
	assert.ok(!w.all().some((f) => f.type === 'presence' && f.queue !== 'alpha'), 'pushes for a queue that did not change');
	for (const c of [w, a2, bob])
		await c.close();
});

test('two operators racing to accept: exactly one wins, the other gets taken and chat.taken', async () => {
	const ann = await operator(srv, 'ann', 'ann-race');
	const bob = await operator(srv, 'bob', 'bob-race');
	const ids = { ann: ann.hello.operator.id, bob: bob.hello.operator.id };
	await setAvailable(ann, 'alpha', true);
	await setAvailable(bob, 'alpha', true);
	const wins = { ann: 0, bob: 0 };
	const guests = [];
	for (let round = 0; round < 20; round++) {
		const g = await guest(srv, `racer${round}`);
		guests.push(g);
		const { chat } = isOk(await g.request({ type: 'chat.start', queue: 'alpha', name: `Racer ${round}` }));
		await Promise.all([ann.nextOf('chat.offer', chat), bob.nextOf('chat.offer', chat)]);
		const [first, second] = round % 2 === 0 ? [ann, bob] : [bob, ann];
		const id1 = first.send({ type: 'chat.accept', chat });
		const id2 = second.send({ type: 'chat.accept', chat });
		const [r1, r2] = await Promise.all([first.reply(id1), second.reply(id2)]);
		const byName = new Map([[first, r1], [second, r2]]);
		const okOnes = [...byName].filter(([, r]) => r.type === 'ok');
		assert.equal(okOnes.length, 1, `round ${round}: ${show(r1)} / ${show(r2)}`);
		const winner = okOnes[0][0];
		const loser = winner === ann ? bob : ann;
		const wname = winner === ann ? 'ann' : 'bob';
		wins[wname]++;
		const lost = isError(byName.get(loser), 'taken', `round ${round}: the loser's reply`);
		assert.ok(lost.message.includes(OPERATORS[wname].name), `taken does not name ${OPERATORS[wname].name}: ${show(lost)}`);
		const taken = await loser.nextOf('chat.taken', chat);
		assert.deepEqual(taken.by, { id: ids[wname], name: OPERATORS[wname].name }, `round ${round}: ${show(taken)}`);
		const joined = await g.next(isEvent(chat, (f) => f.notice === 'joined'));
		assert.equal(joined.name, OPERATORS[wname].name);
		isAck(await winner.request({ type: 'chat.end', chat }));
		await g.next(isEvent(chat, (f) => f.notice === 'ended'));
	}
	for (const g of guests) {
		const joins = g.all().filter((f) => f.type === 'event' && f.notice === 'joined');
		assert.equal(joins.length, 1, `${g.label} saw ${joins.length} joined notices`);
	}
	await setAvailable(ann, 'alpha', false);
	await setAvailable(bob, 'alpha', false);
	for (const c of [ann, bob, ...guests])
		await c.close();
	console.log(`# accept race winners: ${JSON.stringify(wins)}`);
});

test('the same message id sent twice is stored once and acked twice with the same seq', async () => {
	const ann = await operator(srv, 'ann', 'ann-dup');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Twice');
	const g = c.guest;

	const frame = JSON.stringify({ type: 'msg.send', id: 'dup-1', chat: c.chat, text: 'only once' });
	g.sendRaw(frame);
	g.sendRaw(frame);
	const a1 = isAck(await g.reply('dup-1'));
	const a2 = isAck(await g.reply('dup-1'));
	assert.equal(a2.seq, a1.seq, 'the retry got a different seq');
	assert.equal(a1.seq, c.joinedSeq + 1);
	await ann.event(c.chat, a1.seq);

	// Again later, even with other text: still the first message's seq, nothing stored.
	const a3 = isAck(await g.request({ type: 'msg.send', id: 'dup-1', chat: c.chat, text: 'only once' }));
	assert.equal(a3.seq, a1.seq);
	const a4 = isAck(await g.request({ type: 'msg.send', id: 'dup-1', chat: c.chat, text: 'changed my mind' }));
	assert.equal(a4.seq, a1.seq);

	// The operator's retry is deduplicated the same way.
	const op = JSON.stringify({ type: 'msg.send', id: 'dup-op', chat: c.chat, text: 'from ann' });
	ann.sendRaw(op);
	ann.sendRaw(op);
	const o1 = isAck(await ann.reply('dup-op'));
	const o2 = isAck(await ann.reply('dup-op'));
	assert.equal(o1.seq, a1.seq + 1, 'a duplicate took a seq');
	assert.equal(o2.seq, o1.seq);
	await g.event(c.chat, o1.seq);

	const next = await say(g, c.chat, 'next');
	assert.equal(next.seq, o1.seq + 1);
	await ann.event(c.chat, next.seq);
	await sleep(200);
	const heard = ann.events(c.chat).filter((e) => e.cid === 'dup-1');
	assert.equal(heard.length, 1, `the operator heard dup-1 ${heard.length} times`);
	assert.equal(heard[0].text, 'only once');
	assert.equal(g.events(c.chat).filter((e) => e.cid === 'dup-op').length, 1, 'the guest heard dup-op twice');

	const g2 = await guest(srv, 'dup-replay');
	isOk(await g2.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }));
	await g2.event(c.chat, next.seq);
	await sleep(100);
	const cids = g2.events(c.chat).filter((e) => e.kind === 'message').map((e) => e.cid);
	assert.deepEqual(cids, ['dup-1', 'dup-op', next.id]);

	await setAvailable(ann, 'alpha', false);
	for (const x of [ann, g, g2])
		await x.close();
});

test('the guest reusing the operator\'s message id writes a message of its own; each retry keeps its author', async () => {
	const ann = await operator(srv, 'ann', 'ann-same-id');
	const annId = ann.hello.operator.id;
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Pat');
	const g = c.guest;

	// The librarian answers; the guest sees the id in the event and sends its own message with it.
	const o1 = isAck(await ann.request({ type: 'msg.send', id: 'o-answer-1', chat: c.chat, text: 'LIBRARIAN: try shelf QL 671.' }));
	const seen = await g.event(c.chat, o1.seq);
	assert.equal(seen.cid, 'o-answer-1');
	const g1 = isAck(await g.request({ type: 'msg.send', id: 'o-answer-1', chat: c.chat, text: 'GUEST: please ignore' }));
	assert.equal(g1.seq, o1.seq + 1, 'the guest\'s message was taken for the librarian\'s');
	await ann.event(c.chat, g1.seq);

	// Each side's retry is still its own first message: nothing stored, its own seq.
	assert.equal(isAck(await ann.request({ type: 'msg.send', id: 'o-answer-1', chat: c.chat, text: 'LIBRARIAN: try shelf QL 671.' })).seq, o1.seq);
	assert.equal(isAck(await g.request({ type: 'msg.send', id: 'o-answer-1', chat: c.chat, text: 'GUEST: please ignore' })).seq, g1.seq);
	const next = await say(g, c.chat, 'next');
	assert.equal(next.seq, g1.seq + 1, 'a retry took a seq');
	await ann.event(c.chat, next.seq);

	// Both are delivered to both sides under their authors.  Operators are told which operator
	// wrote a message (their pages tell their own from a colleague's); the guest is not.
	const want = [
		{ seq: o1.seq, from: 'operator', name: OPERATORS.ann.name, text: 'LIBRARIAN: try shelf QL 671.', operator_id: annId },
		{ seq: g1.seq, from: 'guest', name: 'Pat', text: 'GUEST: please ignore', operator_id: undefined },
	];
	const pick = (e) => ({ seq: e.seq, from: e.from, name: e.name, text: e.text, operator_id: e.operator_id });
	const same = (events) => events.filter((e) => e.cid === 'o-answer-1').map(pick);
	assert.equal(typeof annId, 'number', show(ann.hello));
	assert.deepEqual(same(ann.events(c.chat)), want, 'what the operator heard');
	assert.deepEqual(same(g.events(c.chat)), want.map((w) => ({ ...w, operator_id: undefined })), 'what the guest heard');

	// A reconnect replays them the same way, and Chat History lists both.
	const g2 = await guest(srv, 'same-id-replay');
	isOk(await g2.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }));
	await g2.event(c.chat, next.seq);
	assert.deepEqual(same(g2.events(c.chat)), want.map((w) => ({ ...w, operator_id: undefined })), 'the guest\'s replay');
	const ann2 = await operator(srv, 'ann', 'ann-same-id-replay');
	isOk(await ann2.request({ type: 'chat.join', chat: c.chat, after: 0 }));
	await ann2.event(c.chat, next.seq);
	assert.deepEqual(same(ann2.events(c.chat)), want, 'the operator\'s replay');
	const h = await srv.request('GET', `/api/history/${c.chat}`, { session: ann.session });
	assert.equal(h.status, 200, h.text);
	assert.deepEqual(same(h.json.events), want, 'Chat History');

	await setAvailable(ann, 'alpha', false);
	for (const x of [ann, ann2, g, g2])
		await x.close();
});
