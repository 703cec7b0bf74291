// 28-transfer: handing a chat to a colleague or a queue (PROTOCOL §3.6): to an operator, to a
// queue, declined, timed out, with a screen share running, two colleagues accepting at once,
// targets of another account, a transfer by someone who does not hold the chat, a queue with
// nobody available, the sender or the guest leaving while it waits, an admin moving a chat
// whose holder is gone. And Available or Away (status.set), which decides who may be rung.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { closeAll, show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, say, setAvailable, startChat } from './lib/flows.mjs';
import { OPERATORS, admin, copyFixtures, sleep, startServer } from '../lib/server.mjs';

const TIMEOUT_SECS = 2;
const DAN = { username: 'dan', name: 'Dan Alpha', password: 'dan-password-4' };
let srv;

before(async () => {
	// A third operator of Alpha and a second Alpha queue, "maps", staffed by Bob and Dan.
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-it-'));
	await copyFixtures(dir);
	await admin(dir, ['operator', 'add', '--account', 'Alpha Library', DAN.username, '--name', DAN.name], `${DAN.password}\n`);
	await admin(dir, ['queue', 'add', '--account', 'Alpha Library', 'maps', '--title', 'Maps Desk']);
	await admin(dir, ['member', 'add', 'alpha', 'dan']);
	await admin(dir, ['member', 'add', 'maps', 'bob']);
	await admin(dir, ['member', 'add', 'maps', 'dan']);
	srv = await startServer({ dataDir: dir, fixtures: false, args: ['--transfer-timeout-secs', String(TIMEOUT_SECS)] });
	const s = await srv.signIn(DAN.username, { password: DAN.password });
	assert.equal(s.status, 200, `sign-in of dan: ${s.status}`);
	srv.sessions.set(DAN.username, s);
});
after(() => srv?.close());
afterEach(() => closeAll());

const isEvent = (chat, pred = () => true) => (f) => f.type === 'event' && f.chat === chat && pred(f);
const notice = (chat, name) => isEvent(chat, (f) => f.kind === 'notice' && f.notice === name);

/** Ann holds a chat with Pat on alpha; Bob and Dan are connected, available only where `avail` says. */
async function desk({ bobOn = ['alpha'], danOn = ['alpha'] } = {}) {
	const ann = await operator(srv, 'ann');
	const bob = await operator(srv, 'bob');
	const dan = await operator(srv, 'dan');
	await setAvailable(ann, 'alpha', true);
	// Only Ann may be rung for the new chat, so she is the one who holds it.
	for (const [op, on] of [[bob, bobOn], [dan, danOn]]) {
		await setAvailable(op, 'maps', on.includes('maps'));
		await setAvailable(op, 'alpha', false);
	}
	const c = await openChat(srv, ann, 'alpha', 'Pat');
	await setAvailable(bob, 'alpha', bobOn.includes('alpha'));
	await setAvailable(dan, 'alpha', danOn.includes('alpha'));
	return { ...c, ann, bob, dan };
}

test('to an operator: rung with the note and the transcript, Accept hands the chat over, the guest is told', async () => {
	const d = await desk();
	await say(d.guest, d.chat, 'Where are the old maps kept?');
	const annSays = await say(d.ann, d.chat, 'Let me ask my colleague.');

	const targets = isOk(await d.ann.request({ type: 'transfer.targets', chat: d.chat }), 'transfer.targets');
	assert.deepEqual(targets.operators.map((o) => o.name).sort(), [OPERATORS.bob.name, DAN.name], show(targets));
	const bobId = targets.operators.find((o) => o.name === OPERATORS.bob.name).id;
	assert.deepEqual(targets.queues.map((q) => [q.name, q.title, q.available]).sort(),
		[['alpha', 'Alpha Ask', 2], ['maps', 'Maps Desk', 0]], show(targets));

	const guestFramesBefore = d.guest.frames.length;
	const r = isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: bobId, note: '  Knows the map room.  ' }), 'chat.transfer');
	assert.deepEqual(r.to, { operator: { id: bobId, name: OPERATORS.bob.name } });
	assert.equal(r.expires_in, TIMEOUT_SECS * 1000);

	const offer = await d.bob.nextOf('transfer.offer', d.chat);
	assert.equal(offer.note, 'Knows the map room.');
	assert.deepEqual(offer.from, { id: d.ann.hello.operator.id, name: OPERATORS.ann.name });
	assert.equal(offer.name, 'Pat');
	assert.equal(offer.sender_gone, false);
	assert.equal(offer.guest_gone, false);
	assert.ok(offer.expires_in > 0 && offer.expires_in <= TIMEOUT_SECS * 1000, show(offer));
	const texts = offer.transcript.filter((e) => e.kind === 'message').map((e) => e.text);
	assert.deepEqual(texts, ['Where are the old maps kept?', 'Let me ask my colleague.']);
	assert.equal(offer.transcript.at(-1).seq, annSays.seq);
	// Dan was not asked.
	await sleep(200);
	assert.ok(!d.dan.frames.some((f) => f.frame.type === 'transfer.offer'), 'Dan was rung for a transfer to Bob');

	// While it waits the chat is Ann's, and the guest hears nothing of it.
	const meanwhile = await say(d.ann, d.chat, 'One moment please.');
	await d.guest.event(d.chat, meanwhile.seq);
	isError(await d.bob.request({ type: 'msg.send', chat: d.chat, text: 'too early' }), 'not_holder');
	assert.ok(!d.guest.frames.slice(guestFramesBefore).some((f) => f.frame.notice === 'transferred'));
	assert.ok(!JSON.stringify(d.guest.frames.map((f) => f.frame)).includes('map room'), 'the note reached the guest');

	isOk(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'transfer.accept');
	const told = await d.guest.next(notice(d.chat, 'transferred'), 5000, 'the transferred notice');
	assert.equal(told.name, OPERATORS.bob.name);
	assert.equal(told.from, OPERATORS.ann.name);
	assert.equal(told.seq, meanwhile.seq + 1);
	assert.ok(!('queue' in told) && !('title' in told), show(told));
	const done = await d.ann.nextOf('transfer.done', d.chat);
	assert.deepEqual(done.to, { id: bobId, name: OPERATORS.bob.name });
	await d.ann.next(notice(d.chat, 'transferred'), 5000, 'the notice on Ann\'s socket');
	// Bob is sent the whole transcript, and now writes; Ann no longer may.
	const bobSaw = await d.bob.next(notice(d.chat, 'transferred'), 5000, 'the notice on Bob\'s socket');
	assert.equal(bobSaw.seq, told.seq);
	const seen = d.bob.frames.filter((f) => f.frame.type === 'event' && f.frame.chat === d.chat).map((f) => f.frame.seq);
	assert.deepEqual(seen, Array.from({ length: told.seq }, (_, i) => i + 1), 'Bob did not get every event once, in order');
	const bobSays = await say(d.bob, d.chat, 'Hello Pat, the maps are in room 3.');
	const heard = await d.guest.event(d.chat, bobSays.seq);
	assert.equal(heard.text, 'Hello Pat, the maps are in room 3.');
	isError(await d.ann.request({ type: 'msg.send', chat: d.chat, text: 'still here?' }), 'not_holder');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'not_holder');

	// The guest's log has no gap.
	const gseqs = d.guest.frames.filter((f) => f.frame.type === 'event' && f.frame.chat === d.chat).map((f) => f.frame.seq);
	for (let i = 1; i < gseqs.length; i++)
		assert.equal(gseqs[i], gseqs[i - 1] + 1, `guest seqs ${gseqs.join(',')}`);

	// It is Bob's on disk too: a new socket of his lists it as held, a new one of Ann's does not.
	const bob2 = await operator(srv, 'bob', 'bob2');
	assert.ok(bob2.hello.chats.some((c) => c.chat === d.chat && c.operator?.id === bobId), show(bob2.hello));
	const ann2 = await operator(srv, 'ann', 'ann2');
	assert.ok(!ann2.hello.chats.some((c) => c.chat === d.chat), show(ann2.hello));
});

test('to a queue: everyone available there is rung; two accepting at once, exactly one wins', async () => {
	for (let round = 0; round < 3; round++) {
		const d = await desk({ bobOn: ['maps'], danOn: ['maps'] });
		const r = isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'maps' }), 'chat.transfer');
		assert.deepEqual(r.to, { queue: { name: 'maps', title: 'Maps Desk' } });
		const [ob, od] = await Promise.all([d.bob.nextOf('transfer.offer', d.chat), d.dan.nextOf('transfer.offer', d.chat)]);
		assert.deepEqual(ob.to, { queue: { name: 'maps', title: 'Maps Desk' } });
		assert.equal(od.note, '');
		const [rb, rd] = await Promise.all([
			d.bob.request({ type: 'transfer.accept', chat: d.chat }),
			d.dan.request({ type: 'transfer.accept', chat: d.chat }),
		]);
		const wins = [rb, rd].filter((x) => x.type === 'ok');
		assert.equal(wins.length, 1, `round ${round}: ${show(rb)} ${show(rd)}`);
		const [winner, loser, lost] = rb.type === 'ok' ? [d.bob, d.dan, rd] : [d.dan, d.bob, rb];
		isError(lost, 'taken');
		const winnerName = winner === d.bob ? OPERATORS.bob.name : DAN.name;
		assert.match(lost.message, new RegExp(winnerName));
		const gone = await loser.nextOf('transfer.gone', d.chat);
		assert.equal(gone.reason, 'taken');
		assert.equal(gone.by.name, winnerName);
		const told = await d.guest.next(notice(d.chat, 'transferred'), 5000, 'the transferred notice');
		assert.equal(told.title, 'Maps Desk');
		assert.equal(told.queue, 'maps');
		assert.equal(told.name, winnerName);
		assert.equal(d.guest.frames.filter((f) => f.frame.notice === 'transferred').length, 1);
		// The chat now belongs to the maps queue.
		const j = isOk(await loser.request({ type: 'chat.join', chat: d.chat, after: 0 }), 'chat.join');
		assert.equal(j.queue, 'maps');
		assert.equal(j.operator.name, winnerName);
		await say(winner, d.chat, 'Maps desk here.');
		isError(await loser.request({ type: 'msg.send', chat: d.chat, text: 'me too' }), 'not_holder');
		await closeAll();
	}
});

test('to a queue: a colleague a moment late is told who took it, not that nothing waits', async () => {
	const d = await desk({ bobOn: ['maps'], danOn: ['maps'] });
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'maps' }), 'chat.transfer');
	await Promise.all([d.bob.nextOf('transfer.offer', d.chat), d.dan.nextOf('transfer.offer', d.chat)]);
	isOk(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'transfer.accept');
	// Dan clicks before the "taken" news reaches his screen.
	const late = isError(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'taken');
	assert.match(late.message, new RegExp(OPERATORS.bob.name));
	isError(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer', 'the taker again');
	isError(await d.ann.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer', 'the sender, never rung');
	// Once a new transfer starts, the old answer is forgotten.
	isOk(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: d.ann.hello.operator.id }), 'back to Ann');
	isError(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'not_offered');
	isOk(await d.bob.request({ type: 'transfer.cancel', chat: d.chat }), 'transfer.cancel');
	isError(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer');
});

test('declined: the chat stays with the sender, who is told; the colleague cannot accept after', async () => {
	const d = await desk();
	const bobId = d.bob.hello.operator.id;
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'chat.transfer');
	await d.bob.nextOf('transfer.offer', d.chat);
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.dan.hello.operator.id }), 'busy', 'a second transfer');
	isError(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'not_offered', 'a colleague not asked');
	isOk(await d.bob.request({ type: 'transfer.decline', chat: d.chat }), 'transfer.decline');
	const back = await d.ann.nextOf('transfer.returned', d.chat);
	assert.equal(back.reason, 'declined');
	assert.equal(back.by, OPERATORS.bob.name);
	assert.equal(back.requeued, false);
	isError(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer');
	isError(await d.bob.request({ type: 'transfer.decline', chat: d.chat }), 'no_transfer');
	await say(d.ann, d.chat, 'Still with you.');
	assert.ok(!d.guest.frames.some((f) => f.frame.notice === 'transferred'));
	// And a new transfer may start.
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'chat.transfer again');
	isOk(await d.ann.request({ type: 'transfer.cancel', chat: d.chat }), 'transfer.cancel');
	assert.equal((await d.bob.next((f) => f.type === 'transfer.gone' && f.reason === 'withdrawn')).chat, d.chat);
	isError(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer');
});

test('timed out: after --transfer-timeout-secs the chat goes back to the sender', async () => {
	const d = await desk();
	const t0 = Date.now();
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'alpha' }), 'chat.transfer');
	await Promise.all([d.bob.nextOf('transfer.offer', d.chat), d.dan.nextOf('transfer.offer', d.chat)]);
	const back = await d.ann.nextOf('transfer.returned', d.chat, TIMEOUT_SECS * 1000 + 3000);
	const waited = Date.now() - t0;
	assert.ok(waited >= TIMEOUT_SECS * 1000 - 100, `returned after ${waited} ms`);
	assert.equal(back.reason, 'expired');
	assert.equal(back.by, null);
	for (const op of [d.bob, d.dan])
		assert.equal((await op.nextOf('transfer.gone', d.chat)).reason, 'expired');
	isError(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer');
	await say(d.ann, d.chat, 'Back with me.');
});

test('a screen share running stops at the transfer, and the consent record says why', async () => {
	const d = await desk();
	const inv = isOk(await d.ann.request({ type: 'share.invite', chat: d.chat, text: 'May I see your screen?' }), 'share.invite');
	isOk(await d.guest.request({ type: 'share.reply', chat: d.chat, share: inv.share, answer: 'accept' }), 'share.reply');
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'chat.transfer');
	// While it waits, the share goes on (the guest still talks to Ann).
	await d.bob.nextOf('transfer.offer', d.chat);
	assert.ok(!d.guest.frames.some((f) => f.frame.kind === 'share' && f.frame.step === 'stopped'));
	isOk(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'transfer.accept');
	const stopped = await d.guest.next(isEvent(d.chat, (f) => f.kind === 'share' && f.step === 'stopped'), 5000, 'the share stop');
	assert.equal(stopped.reason, 'transferred');
	assert.equal(stopped.by, 'system');
	assert.equal(stopped.share, inv.share);
	const told = await d.guest.next(notice(d.chat, 'transferred'));
	assert.ok(stopped.seq < told.seq, 'the share must stop before the chat changes hands');
	// The new holder starts from nothing: the guest's consent was to Ann.
	isError(await d.guest.request({ type: 'share.offer', chat: d.chat, share: inv.share, sdp: 'v=0' }), 'no_share');
	const again = isOk(await d.bob.request({ type: 'share.invite', chat: d.chat, text: 'May I see it too?' }), 'Bob invites');
	assert.ok(again.share > inv.share);
	// Chat History's transcript keeps the consent record and the hand-over in words.
	const txt = await srv.request('GET', `/api/history/${d.chat}/transcript.txt`, { session: await srv.session('ann') });
	assert.equal(txt.status, 200, txt.text);
	assert.match(txt.text, /Screen sharing stopped: the chat was transferred/);
	assert.match(txt.text, new RegExp(`${OPERATORS.ann.name} transferred the chat to ${OPERATORS.bob.name}`));
});

test('only the holder may transfer; an admin only when the holder is gone', async () => {
	const d = await desk();
	const danId = d.dan.hello.operator.id;
	isError(await d.dan.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'not_holder', 'a colleague');
	isError(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: danId }), 'not_holder', 'an admin while Ann is here');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.ann.hello.operator.id }), 'bad_request', 'to herself');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: danId, queue: 'alpha' }), 'bad_message', 'both');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat }), 'bad_message', 'neither');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: danId, note: 'x'.repeat(501) }), 'too_long');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: danId, extra: 1 }), 'bad_message', 'an unknown field');
	isError(await d.guest.request({ type: 'chat.transfer', chat: d.chat, operator: danId }), 'unknown_type', 'a guest');
	isError(await d.guest.request({ type: 'transfer.accept', chat: d.chat }), 'unknown_type', 'a guest accepting');

	// Ann goes (every socket): Bob, an admin, moves her chat to Dan.
	await d.ann.close();
	const annId = d.ann.hello.operator.id;
	await sleep(200);
	isError(await d.dan.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'not_holder', 'not an admin');
	isOk(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: danId, note: 'Ann had to leave.' }), 'admin move');
	const offer = await d.dan.nextOf('transfer.offer', d.chat);
	assert.equal(offer.from.name, OPERATORS.bob.name);
	assert.equal(offer.operator.id, annId);
	assert.equal(offer.sender_gone, true, 'a refusal puts the chat back on its queue');
	isOk(await d.dan.request({ type: 'transfer.accept', chat: d.chat }), 'transfer.accept');
	const told = await d.guest.next(notice(d.chat, 'transferred'));
	assert.equal(told.name, DAN.name);
	assert.equal(told.from, OPERATORS.ann.name);
	await d.bob.nextOf('transfer.done', d.chat);
	await say(d.dan, d.chat, 'Dan here.');
});

test('targets of another account are not found; so is the chat for them', async () => {
	const d = await desk();
	const cat = await operator(srv, 'cat');
	await setAvailable(cat, 'beta', true);
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: cat.hello.operator.id }), 'not_found', 'an operator of Beta');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'beta' }), 'not_found', 'a queue of Beta');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'no-such-queue' }), 'not_found', 'no such queue');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: 999999 }), 'not_found', 'no such operator');
	isError(await cat.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'not_found', 'Beta moving an Alpha chat');
	isError(await cat.request({ type: 'transfer.targets', chat: d.chat }), 'not_found');
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'alpha' }), 'chat.transfer');
	isError(await cat.request({ type: 'transfer.accept', chat: d.chat }), 'not_found', 'Beta accepting');
	isError(await cat.request({ type: 'transfer.decline', chat: d.chat }), 'not_found', 'Beta declining');
	await sleep(200);
	assert.ok(!cat.frames.some((f) => f.frame.type?.startsWith('transfer.')), 'Beta heard of an Alpha transfer');
	const targets = isOk(await d.ann.request({ type: 'transfer.targets', chat: d.chat }));
	assert.ok(!targets.operators.some((o) => o.name === OPERATORS.cat.name), show(targets));
	assert.ok(!targets.queues.some((q) => q.name === 'beta'), show(targets));
});

test('nobody available: a clear refusal, and nothing changes', async () => {
	const d = await desk({ bobOn: [], danOn: [] });
	const none = isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'maps' }), 'unavailable');
	assert.match(none.message, /Maps Desk/);
	// On her own queue, Ann herself does not count.
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'alpha' }), 'unavailable', 'only Ann on alpha');
	const bob = isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'unavailable');
	assert.match(bob.message, new RegExp(OPERATORS.bob.name));
	const targets = isOk(await d.ann.request({ type: 'transfer.targets', chat: d.chat }));
	assert.deepEqual(targets.operators, []);
	await say(d.ann, d.chat, 'Nothing changed.');
	isError(await d.bob.request({ type: 'transfer.targets', chat: 'c_nosuchchat000' }), 'not_found');
});

test('the sender leaves while it waits: the colleague is told; a decline puts the chat back on its queue', async () => {
	const d = await desk({ bobOn: ['alpha'], danOn: [] });
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'chat.transfer');
	await d.bob.nextOf('transfer.offer', d.chat);
	await d.ann.close();
	const upd = await d.bob.nextOf('transfer.update', d.chat);
	assert.equal(upd.sender_gone, true);
	assert.equal(upd.guest_gone, false);
	isOk(await d.bob.request({ type: 'transfer.decline', chat: d.chat }), 'transfer.decline');
	const back = await d.guest.next(notice(d.chat, 'requeued'), 5000, 'the requeued notice');
	assert.ok(back.seq > 0);
	// Waiting again: whoever is available on alpha is rung, and may accept it as a new chat.
	const offer = await d.bob.nextOf('chat.offer', d.chat);
	assert.equal(offer.status, 'waiting');
	assert.equal(offer.operator, null);
	isOk(await d.bob.request({ type: 'chat.accept', chat: d.chat }), 'chat.accept');
	const joined = await d.guest.next(notice(d.chat, 'joined'));
	assert.equal(joined.name, OPERATORS.bob.name);
	await say(d.bob, d.chat, 'Bob here.');
});

test('the guest leaves while it waits: the colleague is told, and an end withdraws it', async () => {
	const d = await desk();
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.bob.hello.operator.id }), 'chat.transfer');
	await d.bob.nextOf('transfer.offer', d.chat);
	await d.guest.close();
	const upd = await d.bob.nextOf('transfer.update', d.chat);
	assert.equal(upd.guest_gone, true);
	assert.equal(upd.sender_gone, false);
	// The chat is still active: the guest may come back; Ann ends it instead.
	isAck(await d.ann.request({ type: 'chat.end', chat: d.chat }), 'chat.end');
	const gone = await d.bob.nextOf('transfer.gone', d.chat);
	assert.equal(gone.reason, 'ended');
	isError(await d.bob.request({ type: 'transfer.accept', chat: d.chat }), 'no_transfer');
});

test('a colleague who reloads while rung is rung again on the new socket', async () => {
	const d = await desk();
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.dan.hello.operator.id, note: 'for you' }), 'chat.transfer');
	await d.dan.nextOf('transfer.offer', d.chat);
	const dan2 = await operator(srv, 'dan', 'dan2');
	const again = await dan2.nextOf('transfer.offer', d.chat);
	assert.equal(again.note, 'for you');
	isOk(await dan2.request({ type: 'transfer.decline', chat: d.chat }), 'decline from the new tab');
	assert.equal((await d.dan.nextOf('transfer.gone', d.chat)).reason, 'declined');
	assert.equal((await d.ann.nextOf('transfer.returned', d.chat)).reason, 'declined');
});

// ---- Available or Away (status.set): Away keeps the session and the chats, and stops the ringing.

test('Away: nothing rings, the queue reads offline, nobody can transfer to you; Available puts it all back', async () => {
	const ann = await operator(srv, 'ann');
	const bob = await operator(srv, 'bob');
	const dan = await operator(srv, 'dan');
	for (const op of [bob, dan])
		for (const q of ['alpha', 'maps'])
			await setAvailable(op, q, false);
	await setAvailable(ann, 'alpha', true);
	const held = await openChat(srv, ann, 'alpha', 'Pat');
	const watcher = await guest(srv, 'watcher');
	const watch = isOk(await watcher.request({ type: 'presence.watch', queues: ['alpha'] }));
	assert.equal(watch.queues.alpha, true);

	isError(await ann.request({ type: 'status.set', status: 'gone fishing' }), 'bad_message');
	const away = isOk(await ann.request({ type: 'status.set', status: 'away' }), 'status.set away');
	assert.equal(away.status, 'away');
	assert.equal((await watcher.nextOf('presence')).online, false);
	isError(await (await guest(srv)).request({ type: 'chat.start', queue: 'alpha' }), 'offline', 'a chat while the only operator is Away');
	// The session and the chat she holds stay hers.
	await say(ann, held.chat, 'Still with you, Pat.');
	// Another tab of hers hears it, and a new one opens Away, with her queue choice kept.
	const ann2 = await operator(srv, 'ann', 'ann2');
	assert.equal(ann2.hello.status, 'away');
	assert.equal(ann2.hello.queues.find((q) => q.name === 'alpha').available, true, show(ann2.hello));
	// Switching a queue while Away is kept for later, and rings nothing.
	isOk(await ann2.request({ type: 'availability.set', queue: 'alpha', available: true }));
	await sleep(100);
	assert.ok(!watcher.frames.some((f) => !f.taken && f.frame.type === 'presence' && f.frame.online), 'Away yet online');
	// Colleagues cannot hand her a chat.
	await setAvailable(bob, 'alpha', true);
	const bobs = await openChat(srv, bob, 'alpha', 'Quinn');
	assert.equal((await watcher.nextOf('presence')).online, true, 'Bob made the queue online');
	isError(await bob.request({ type: 'chat.transfer', chat: bobs.chat, operator: ann.hello.operator.id }), 'unavailable');
	const t = isOk(await bob.request({ type: 'transfer.targets', chat: bobs.chat }));
	assert.ok(!t.operators.some((o) => o.id === ann.hello.operator.id), show(t));
	// A chat that waits while she is Away rings Bob only; back to Available, it rings her too.
	const waiting = await startChat(srv, 'alpha', 'Rae');
	await bob.nextOf('chat.offer', waiting.chat);
	await sleep(100);
	assert.ok(!ann.frames.some((f) => f.frame.type === 'chat.offer' && f.frame.chat === waiting.chat), 'rung while Away');

	isOk(await ann.request({ type: 'status.set', status: 'available' }), 'status.set available');
	assert.equal((await ann2.nextOf('status')).status, 'available');
	await ann.nextOf('chat.offer', waiting.chat);
	isOk(await ann.request({ type: 'chat.accept', chat: waiting.chat }), 'accept after Away');
	isOk(await bob.request({ type: 'chat.transfer', chat: bobs.chat, operator: ann.hello.operator.id }), 'transfer to Ann, back');
	await ann.nextOf('transfer.offer', bobs.chat);
});

test('the sender reloads while it waits: the chat is theirs again, their page shows the transfer, a decline gives it back', async () => {
	const d = await desk({ bobOn: ['alpha'], danOn: [] });
	const to = d.bob.hello.operator.id;
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: to, note: 'Birds' }), 'chat.transfer');
	await d.bob.nextOf('transfer.offer', d.chat);
	await d.ann.close();
	assert.equal((await d.bob.nextOf('transfer.update', d.chat)).sender_gone, true);
	// Ann comes back (a reload): her hello shows the transfer waiting, and Bob sees her back.
	const ann = await operator(srv, 'ann');
	const held = ann.hello.chats.find((c) => c.chat === d.chat);
	assert.ok(held?.transfer, show(ann.hello.chats));
	assert.equal(held.transfer.to.operator.id, to);
	assert.ok(held.transfer.expires_in > 0 && held.transfer.expires_in <= TIMEOUT_SECS * 1000, show(held.transfer));
	assert.equal((await d.bob.nextOf('transfer.update', d.chat)).sender_gone, false);
	// Bob declines: the chat stays with Ann, not back on the queue.
	const mark = d.guest.mark();
	isOk(await d.bob.request({ type: 'transfer.decline', chat: d.chat }), 'transfer.decline');
	const back = await ann.nextOf('transfer.returned', d.chat);
	assert.equal(back.requeued, false);
	await say(ann, d.chat, 'Still me.');
	await d.guest.none(notice(d.chat, 'requeued'), 300, 'the requeued notice', mark);
	// Her other chats' hellos carry no transfer.
	const again = await operator(srv, 'ann');
	assert.equal(again.hello.chats.find((c) => c.chat === d.chat)?.transfer, undefined);
});

test('sent to a queue, a chat whose sender left and that nobody took waits on that queue', async () => {
	const d = await desk({ bobOn: ['maps'], danOn: [] });
	isOk(await d.ann.request({ type: 'chat.transfer', chat: d.chat, queue: 'maps' }), 'chat.transfer');
	await d.bob.nextOf('transfer.offer', d.chat);
	await d.ann.close();
	await d.bob.nextOf('transfer.update', d.chat);
	isOk(await d.bob.request({ type: 'transfer.decline', chat: d.chat }), 'transfer.decline');
	await d.guest.next(notice(d.chat, 'requeued'), 5000, 'the requeued notice');
	// Rung again as a new chat on maps (Bob is available only there).
	const offer = await d.bob.nextOf('chat.offer', d.chat);
	assert.equal(offer.queue, 'maps');
	isOk(await d.bob.request({ type: 'chat.accept', chat: d.chat }), 'chat.accept');
	await say(d.bob, d.chat, 'Maps desk here.');
});

test('an admin takes a chat whose holder is gone: offered as a target, handed over at once', async () => {
	const d = await desk({ bobOn: [], danOn: [] });
	const bobId = d.bob.hello.operator.id;
	// While Ann is here, Bob (an admin) is no target for himself and cannot take it.
	let targets = isOk(await d.bob.request({ type: 'transfer.targets', chat: d.chat }));
	assert.ok(!targets.operators.some((o) => o.id === bobId), show(targets));
	isError(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'not_holder', 'while Ann is here');
	isError(await d.ann.request({ type: 'chat.transfer', chat: d.chat, operator: d.ann.hello.operator.id }), 'bad_request', 'Ann to herself');
	await d.ann.close();
	await sleep(200);
	targets = isOk(await d.bob.request({ type: 'transfer.targets', chat: d.chat }));
	const self = targets.operators.find((o) => o.id === bobId);
	assert.equal(self?.self, true, show(targets));
	isError(await d.dan.request({ type: 'chat.transfer', chat: d.chat, operator: d.dan.hello.operator.id }), 'not_holder', 'not an admin');
	isOk(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'the take-over');
	const told = await d.guest.next(notice(d.chat, 'transferred'));
	assert.equal(told.name, OPERATORS.bob.name);
	assert.equal(told.from, OPERATORS.ann.name);
	await say(d.bob, d.chat, 'Bob here now.');
	await d.guest.next(isEvent(d.chat, (f) => f.kind === 'message' && f.text === 'Bob here now.'));
	isError(await d.bob.request({ type: 'chat.transfer', chat: d.chat, operator: bobId }), 'bad_request', 'once his');
});
