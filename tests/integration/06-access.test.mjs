// 06-access: who may touch what (PROTOCOL §1, §2.5, §3.3, §3.4). Another account's operator and
// another chat's guest get, for every message on an Alpha chat, exactly what a made-up chat id
// gets; a wrong token is not_found; an operator of the same account who does not hold the chat
// gets not_holder; non-admins get 403 on /api/admin/*, and one account's admin cannot see or
// change another account's operators and queues.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, randomText, setAvailable, startChat } from './lib/flows.mjs';
import { OPERATORS, startServer } from '../lib/server.mjs';

let srv;
let ann;     // holds `active`, available on alpha
let active;  // an Alpha chat held by ann
let waiting; // an Alpha chat nobody has accepted
let other;   // another Alpha chat, whose guest socket plays the intruder
before(async () => {
	srv = await startServer();
	ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	active = await openChat(srv, ann, 'alpha', 'Target');
	other = await openChat(srv, ann, 'alpha', 'Intruder');
	waiting = await startChat(srv, 'alpha', 'Waiting');
	await ann.nextOf('chat.offer', waiting.chat);
});
after(async () => {
	for (const c of [ann, active?.guest, other?.guest, waiting?.guest])
		await c?.close();
	await srv?.close(); // stop() fails the file unless the exit is clean
});

/** A chat id shaped like the real ones but made up. */
function madeUp(real) {
	const prefix = /^[A-Za-z]+_/.exec(real)?.[0] ?? '';
	return prefix + randomText(real.length - prefix.length);
}

/** Error replies without their id, to compare two of them. */
const gist = (r) => ({ type: r.type, code: r.code, message: r.message });

/** Every message an `operator` or a `guest` socket could send about `chat`. */
function attempts(kind, chat, token) {
	return [
		kind === 'operator' ? { type: 'chat.join', chat, after: 0 } : { type: 'chat.join', chat, token, after: 0 },
		{ type: 'msg.send', chat, text: 'let me in' },
		{ type: 'typing', chat, active: true },
		{ type: 'chat.end', chat },
		{ type: 'chat.accept', chat },
	];
}

/** Send every attempt on `c` for `chat` and for a made-up id; the replies must be identical. */
async function indistinguishable(c, kind, chat, token, want) {
	const fake = madeUp(chat);
	const real = attempts(kind, chat, token);
	const made = attempts(kind, fake, token);
	for (let i = 0; i < real.length; i++) {
		const r1 = await c.request(real[i]);
		const r2 = await c.request(made[i]);
		const code = kind === 'guest' && real[i].type === 'chat.accept' ? 'unknown_type' : want;
		isError(r1, code, `${c.label}: ${show(real[i])}`);
		isError(r2, code, `${c.label}: ${show(made[i])}`);
		assert.deepEqual(gist(r1), gist(r2), `${c.label}: ${real[i].type} on a real chat reads differently from a made-up id`);
	}
}

test("an operator of another account gets not_found for everything on an Alpha chat", async () => {
	const cat = await operator(srv, 'cat');
	assert.deepEqual(cat.hello.chats, [], `Beta's operator sees chats: ${show(cat.hello)}`);
	assert.deepEqual(cat.hello.queues.map((q) => q.name), ['beta']);
	isError(await cat.request({ type: 'availability.set', queue: 'alpha', available: true }), 'not_found', 'availability on a foreign queue');
	for (const c of [active, waiting])
		await indistinguishable(cat, 'operator', c.chat, undefined, 'not_found');
	await setAvailable(cat, 'beta', true);
	await cat.none((f) => f.type === 'chat.offer', 300, 'an offer for an Alpha chat');
	await setAvailable(cat, 'beta', false);
	await cat.close();
});

test('the guest of another chat gets not_found for everything on an Alpha chat', async () => {
	const g = other.guest;
	for (const c of [active, waiting])
		await indistinguishable(g, 'guest', c.chat, other.token, 'not_found');
	// Its own token with the other chat, and the other chat's token never leaked to it.
	const stranger = await guest(srv, 'stranger');
	for (const c of [active, waiting])
		await indistinguishable(stranger, 'guest', c.chat, randomText(43), 'not_found');
	await stranger.close();
});

test('a wrong token is not_found, exactly like a made-up chat', async () => {
	const g = await guest(srv, 'wrong-token');
	const wrongs = [randomText(43), active.token.slice(0, -1) + (active.token.endsWith('A') ? 'B' : 'A'), '', active.token + 'A'];
	const fake = isError(await g.request({ type: 'chat.join', chat: madeUp(active.chat), token: active.token, after: 0 }), 'not_found');
	for (const token of wrongs) {
		const r = isError(await g.request({ type: 'chat.join', chat: active.chat, token, after: 0 }), 'not_found', `token ${token}`);
		assert.deepEqual(gist(r), gist(fake));
	}
	// Without a successful join the socket may not write into the chat.
	isError(await g.request({ type: 'msg.send', chat: active.chat, text: 'hi' }), 'not_found');
	assert.ok(!g.all().some((f) => f.type === 'event'), 'a refused join delivered events');
	await g.close();
});

test('an operator of the same account who does not hold the chat gets not_holder', async () => {
	const bob = await operator(srv, 'bob');
	isError(await bob.request({ type: 'msg.send', chat: active.chat, text: 'mine now' }), 'not_holder', 'msg.send');
	isError(await bob.request({ type: 'typing', chat: active.chat, active: true }), 'not_holder', 'typing');
	isError(await bob.request({ type: 'chat.end', chat: active.chat }), 'not_holder', 'chat.end');
	const taken = isError(await bob.request({ type: 'chat.accept', chat: active.chat }), 'taken', 'accepting a held chat');
	assert.ok(taken.message.includes(OPERATORS.ann.name), `taken does not name the holder: ${show(taken)}`);
	// Following is allowed, and the chat is unchanged.
	isOk(await bob.request({ type: 'chat.join', chat: active.chat, after: 0 }), 'chat.join by a colleague');
	await bob.event(active.chat, active.joinedSeq);
	const a = isAck(await ann.request({ type: 'msg.send', chat: active.chat, text: 'still mine' }));
	assert.equal(a.seq, active.joinedSeq + 1, 'refused messages took a seq');
	await bob.event(active.chat, a.seq);
	await active.guest.event(active.chat, a.seq);
	assert.ok(!active.guest.all().some((f) => f.type === 'typing'), 'refused typing reached the guest');
	// Nobody may send into a chat that nobody has accepted.
	isError(await ann.request({ type: 'msg.send', chat: waiting.chat, text: 'hello?' }), 'chat_waiting', 'msg.send into a waiting chat');
	await bob.close();
});

test('non-admins get 403 forbidden on /api/admin/*', async () => {
	const s = await srv.session('ann');
	for (const p of ['/api/admin/account', '/api/admin/operators', '/api/admin/queues']) {
		const r = await srv.request('GET', p, { session: s });
		assert.equal(r.status, 403, `GET ${p}: ${r.status} ${r.text}`);
		assert.equal(r.json?.error?.code, 'forbidden');
	}
	for (const [p, body] of [
		['/api/admin/account', { name: 'Ann Library' }],
		['/api/admin/operators', { username: 'ann2', name: 'Ann Two', password: 'ann2-password' }],
		[`/api/admin/operators/${s.operator.id}`, { admin: true }],
		['/api/admin/queues', { name: 'ann-queue', title: 'Ann' }],
		['/api/admin/queues/alpha', { title: 'Ann' }],
	]) {
		const r = await srv.request('POST', p, { session: s, body });
		assert.equal(r.status, 403, `POST ${p}: ${r.status} ${r.text}`);
		assert.equal(r.json?.error?.code, 'forbidden');
	}
	const me = await srv.request('GET', '/api/session', { session: s });
	assert.equal(me.json?.operator?.admin, false, 'ann made herself an admin');
});

test("Beta's admin can neither see nor change Alpha's operators and queues", async () => {
	const cat = await srv.session('cat');
	const bob = await srv.session('bob');
	const annId = (await srv.session('ann')).operator.id;

	const acct = await srv.request('GET', '/api/admin/account', { session: cat });
	assert.equal(acct.json?.name, 'Beta Library', acct.text);
	const ops = await srv.request('GET', '/api/admin/operators', { session: cat });
	assert.deepEqual(ops.json?.operators?.map((o) => o.username), ['cat'], ops.text);
	const queues = await srv.request('GET', '/api/admin/queues', { session: cat });
	assert.deepEqual(queues.json?.queues?.map((q) => q.name), ['beta'], queues.text);

	for (const [p, body] of [
		[`/api/admin/operators/${annId}`, { name: 'Stolen', disabled: true }],
		[`/api/admin/operators/${annId}/password`, { password: 'stolen-password' }],
		['/api/admin/queues/alpha', { title: 'Stolen' }],
		['/api/admin/queues/alpha/members', { operator: cat.operator.id, member: true }],
		['/api/admin/queues/beta/members', { operator: annId, member: true }],
	]) {
		const r = await srv.request('POST', p, { session: cat, body });
		assert.equal(r.status, 404, `POST ${p} by Beta's admin: ${r.status} ${r.text}`);
		assert.equal(r.json?.error?.code, 'not_found');
	}
	// Same answer as for ids that do not exist at all.
	const ghost = await srv.request('POST', '/api/admin/operators/987654', { session: cat, body: { name: 'Ghost' } });
	assert.equal(ghost.status, 404);
	const ghostQueue = await srv.request('POST', '/api/admin/queues/no-such-queue', { session: cat, body: { title: 'Ghost' } });
	assert.equal(ghostQueue.status, 404);

	// Nothing changed, as Alpha's admin sees it; ann can still sign in with her password.
	const alphaOps = await srv.request('GET', '/api/admin/operators', { session: bob });
	const annRow = alphaOps.json?.operators?.find((o) => o.username === 'ann');
	assert.equal(annRow?.name, OPERATORS.ann.name, alphaOps.text);
	assert.equal(annRow.disabled, false);
	assert.deepEqual(annRow.queues, ['alpha']);
	const alphaQueues = await srv.request('GET', '/api/admin/queues', { session: bob });
	const alpha = alphaQueues.json?.queues?.find((q) => q.name === 'alpha');
	assert.equal(alpha?.title, 'Alpha Ask');
	assert.deepEqual([...alpha.members].sort((x, y) => x - y), [annId, bob.operator.id].sort((x, y) => x - y));
	assert.equal((await srv.request('GET', '/api/session', { session: await srv.session('ann') })).status, 200, "ann's session ended");
	const beta = await srv.request('GET', '/api/admin/queues', { session: cat });
	assert.deepEqual(beta.json?.queues?.[0]?.members, [cat.operator.id]);
});
