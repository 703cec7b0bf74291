// 04-resume: a side that loses its connection in the middle of a burst comes back with
// chat.join `after` = the last seq it had (PROTOCOL §3.2, §3.3, §3.5): it gets exactly the events
// it missed, in order, once, even while the other side keeps sending; the messages it sent
// without seeing their ack are sent again with the same ids and stored once.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { Client, closeAll, show } from './lib/client.mjs';
import { guest, isAck, isOk, openChat, operator, pacedBurst, setAvailable, until } from './lib/flows.mjs';
import { OPERATORS, sleep, startServer } from '../lib/server.mjs';

let srv;
// Rate limits are 08-limits' business: here they would only make the pacing flaky on a busy machine.
before(async () => { srv = await startServer({ args: ['--msg-rate', '200', '--msg-burst', '400'] }); });
after(() => srv?.close()); // stop() fails the file unless the exit is clean
afterEach(() => closeAll()); // what a failed test left open must not confuse the next one

/** The seqs of `chat` a client has seen, in events and in acks. */
function seenSeqs(client, chat) {
	return client.all().filter((f) => (f.type === 'event' || f.type === 'ack') && f.chat === chat).map((f) => f.seq);
}

/**
 * The common scenario. `steady` sends a paced burst; once `dropper` has heard 20 of it, the
 * dropper stops reading (its acks from then on are lost), sends 5 messages, waits until the
 * steady side has heard them (so they are stored), sends 2 more and drops the connection.
 * `reconnect()` opens a new socket and `join(after)` is the chat.join message to send on it.
 */
async function dropAndResume({ chat, steady, dropper, dropperRole, reconnect, join }) {
	const burst = pacedBurst(steady, chat, 60, `steady ${steady.label}`);
	const burstIds = new Set();
	await until(() => {
		for (const s of burst.sent)
			burstIds.add(s.id);
		return dropper.events(chat).filter((e) => burstIds.has(e.cid)).length >= 20;
	}, 10000, `${dropper.label} to hear 20 burst messages`);

	dropper.freeze();
	const lastSeen = Math.max(...seenSeqs(dropper, chat));
	const held = new Set(seenSeqs(dropper, chat));
	const late = [];
	for (let i = 0; i < 5; i++)
		late.push({ id: dropper.newId(), text: `late ${dropperRole} ${i}` });
	for (const m of late)
		dropper.send({ type: 'msg.send', id: m.id, chat, text: m.text });
	await until(() => late.every((m) => steady.events(chat).some((e) => e.cid === m.id)), 5000,
		`${steady.label} to hear the dropper's last messages`);
	const lost = [{ id: dropper.newId(), text: `lost ${dropperRole} 0` }, { id: dropper.newId(), text: `lost ${dropperRole} 1` }];
	for (const m of lost)
		dropper.send({ type: 'msg.send', id: m.id, chat, text: m.text });
	dropper.terminate();
	const unacked = [...late, ...lost];

	// Back, while the burst goes on.
	const fresh = await reconnect();
	const j = isOk(await fresh.request(join(lastSeen)), 'chat.join after a drop');
	assert.equal(j.chat, chat);
	assert.equal(j.status, 'active');
	assert.deepEqual(j.operator, { name: OPERATORS.ann.name });
	const resent = [];
	for (const m of unacked)
		resent.push(isAck(await fresh.request({ type: 'msg.send', id: m.id, chat, text: m.text }), `resend of ${m.id}`));

	const steadyAcks = await burst.acks;
	steadyAcks.forEach((a, i) => isAck(a, `burst message ${i}`));
	const top = Math.max(...steadyAcks.map((a) => a.seq), ...resent.map((a) => a.seq));
	const missing = () => {
		const have = new Set(seenSeqs(fresh, chat));
		const out = [];
		for (let s = lastSeen + 1; s <= top; s++)
			if (!have.has(s))
				out.push(s);
		return out;
	};
	await until(() => missing().length === 0, 5000, `the new socket to have every seq after ${lastSeen}`).catch((err) => {
		throw new Error(`${err.message}; still missing ${missing().join(',')}`);
	});
	await steady.event(chat, Math.max(...resent.map((a) => a.seq)));
	await sleep(300);

	// Exactly the missed events, once: none the client had, the lowest right after `after`,
	// and in increasing order. A guest socket follows nothing before its chat.join, so there
	// everything comes after the ok. A new operator socket already follows the chats it holds,
	// so live events may come before the ok; each run must still increase.
	const events = fresh.events(chat);
	assert.ok(events.length > 0, 'no events after chat.join');
	const seqs = events.map((e) => e.seq);
	assert.equal(new Set(seqs).size, seqs.length, `an event was delivered twice: ${seqs.join(',')}`);
	assert.equal(Math.min(...seqs), lastSeen + 1, `the lowest event after chat.join after ${lastSeen}: ${seqs.join(',')}`);
	assert.ok(events.every((e) => !held.has(e.seq)), 'an event the client already had was sent again');
	const beforeOk = events.filter((e) => e.arrival < j.arrival);
	const afterOk = events.filter((e) => e.arrival > j.arrival);
	if (dropperRole === 'guest')
		assert.deepEqual(beforeOk.map((e) => e.seq), [], 'events arrived before the ok of chat.join');
	for (const run of [beforeOk, afterOk])
		for (let i = 1; i < run.length; i++)
			assert.ok(run[i].seq > run[i - 1].seq, `events out of order: ${run.map((e) => e.seq).join(',')}`);
	if (afterOk.length)
		assert.equal(afterOk[0].seq, lastSeen + 1, `the first event after the ok of chat.join after ${lastSeen}: ${show(afterOk[0])}`);

	// The messages stored before the drop keep their seq: the resend's ack carries it.
	for (const [i, m] of late.entries()) {
		const stored = events.filter((e) => e.cid === m.id);
		assert.equal(stored.length, 1, `${m.id} replayed ${stored.length} times`);
		assert.equal(resent[i].seq, stored[0].seq, `resend of a stored message got seq ${resent[i].seq}, stored at ${stored[0].seq}`);
	}
	// The other side heard each of the dropper's messages once.
	for (const m of unacked) {
		const n = steady.events(chat).filter((e) => e.cid === m.id).length;
		assert.equal(n, 1, `${steady.label} heard ${m.id} ${n} times`);
	}

	// The whole log, read by a third socket, holds each message once and in send order.
	const reader = await guest(srv, 'reader');
	isOk(await reader.request({ type: 'chat.join', chat, token: reconnect.token, after: 0 }));
	await reader.event(chat, top);
	await sleep(100);
	const log = reader.events(chat);
	assert.deepEqual(log.map((e) => e.seq), [...Array(top).keys()].map((k) => k + 1), 'the log has gaps or repeats');
	const cids = log.filter((e) => e.kind === 'message').map((e) => e.cid);
	assert.equal(new Set(cids).size, cids.length, 'a message is stored twice');
	const allBurst = new Set(burst.sent.map((m) => m.id));
	const burstInLog = log.filter((e) => allBurst.has(e.cid)).map((e) => e.cid);
	assert.deepEqual(burstInLog, burst.sent.map((s) => s.id), 'burst messages out of order in the log');
	for (const m of unacked)
		assert.equal(log.find((e) => e.cid === m.id)?.text, m.text);
	await reader.close();
	return fresh;
}

test('the guest drops mid-burst and resumes: missed events once, in order; resends stored once', async () => {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Dropper');
	const reconnect = async () => guest(srv, 'guest-again');
	reconnect.token = c.token;
	const fresh = await dropAndResume({
		chat: c.chat, steady: ann, dropper: c.guest, dropperRole: 'guest', reconnect,
		join: (afterSeq) => ({ type: 'chat.join', chat: c.chat, token: c.token, after: afterSeq }),
	});
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await fresh.close();
});

test('the operator drops mid-burst and resumes the same way', async () => {
	const ann = await operator(srv, 'ann', 'ann-dropper');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Steady');
	const reconnect = async () => {
		const again = await operator(srv, 'ann', 'ann-again');
		const summary = again.hello.chats.find((s) => s.chat === c.chat);
		assert.ok(summary, `hello after a reconnect does not list the held chat: ${show(again.hello)}`);
		assert.equal(summary.status, 'active');
		assert.deepEqual(summary.operator, { id: again.hello.operator.id, name: OPERATORS.ann.name });
		return again;
	};
	reconnect.token = c.token;
	const fresh = await dropAndResume({
		chat: c.chat, steady: c.guest, dropper: ann, dropperRole: 'operator', reconnect,
		join: (afterSeq) => ({ type: 'chat.join', chat: c.chat, after: afterSeq }),
	});
	await setAvailable(fresh, 'alpha', false);
	await fresh.close();
	await c.guest.close();
});

test('joining while live messages flow never delivers an event twice', async () => {
	const ann = await operator(srv, 'ann', 'ann-live');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Live');
	const burst = pacedBurst(ann, c.chat, 45, 'live', { burst: 5, rate: 18 });
	// Several sockets join at different moments of the burst, from different points.
	const joiners = [];
	for (let k = 0; k < 5; k++) {
		await sleep(150);
		const j = await Client.connect(srv.wsUrl, { label: `joiner${k}` });
		const from = Math.max(0, c.joinedSeq + k * 3 - 4);
		isOk(await j.request({ type: 'chat.join', chat: c.chat, token: c.token, after: from }));
		joiners.push({ j, from });
	}
	const acks = await burst.acks;
	const top = Math.max(...acks.map((a) => isAck(a).seq));
	for (const { j, from } of joiners) {
		await j.event(c.chat, top);
		await sleep(50);
		const seqs = j.events(c.chat).map((e) => e.seq);
		assert.deepEqual(seqs, [...Array(top - from).keys()].map((k) => k + from + 1), `${j.label} (after ${from})`);
		await j.close();
	}
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await c.guest.close();
});

test('chat.join replays a long chat (1,500 events) in full to a client that reads', { timeout: 60000 }, async () => {
	const ann = await operator(srv, 'ann', 'ann-long');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Chatty');
	// The rate limit is per socket: twelve guest sockets share the writing.
	const writers = [];
	for (let i = 0; i < 12; i++) {
		const w = await guest(srv, `writer${i}`);
		isOk(await w.request({ type: 'chat.join', chat: c.chat, token: c.token, after: c.joinedSeq }));
		writers.push(w);
	}
	const bursts = writers.map((w) => pacedBurst(w, c.chat, 125, w.label, { burst: 35, rate: 18 }));
	const acks = (await Promise.all(bursts.map((b) => b.acks))).flat();
	acks.forEach((a, i) => isAck(a, `message ${i}`));
	const top = Math.max(...acks.map((a) => a.seq));
	assert.ok(top >= 1500, `only ${top} events`);
	for (const w of writers)
		w.terminate();

	const reader = await guest(srv, 'long-reader');
	isOk(await reader.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join after 0 of a long chat');
	await reader.event(c.chat, top, 20000);
	assert.deepEqual(reader.events(c.chat).map((e) => e.seq), [...Array(top).keys()].map((k) => k + 1));
	assert.equal(reader.closeInfo, null);
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await reader.close();
	await c.guest.close();
});
