// 36-tidiness: the desk keeps itself tidy (PROTOCOL §2.15, §3.4, §3.5): an operator idle for
// the account's minutes goes Away by themself and is told; the account's limit of chats per
// operator stops the ringing (and it rings again when a chat ends), and a transfer to a full
// colleague is refused; an active chat quiet for the queue's minutes warns, then ends with a
// line in the transcript. The settings' validation, rights and another account's queue too.
// An operator on XMPP is left to their XMPP client's presence. A "minute" is one second here
// (--tidy-minute-secs 1).

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { closeAll, show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, say, setAvailable, startChat } from './lib/flows.mjs';
import { OPERATORS, sleep, startServer } from '../lib/server.mjs';

let srv, bob, ann, cat;

before(async () => {
	// Waiting chats whose guest left end within a second or two, so none rings in the next test.
	srv = await startServer({ args: ['--tidy-minute-secs', '1', '--abandon-secs', '1'] });
	bob = await srv.session('bob');
	ann = await srv.session('ann');
	cat = await srv.session('cat');
});
after(() => srv?.close());
afterEach(async () => {
	// Chats still held end; waiting ones are abandoned once their guest is gone.
	for (const username of ['ann', 'bob']) {
		const op = await operator(srv, username, `${username}-tidy`);
		for (const c of op.hello.chats)
			if (c.status === 'active' && c.operator?.id === op.hello.operator.id)
				isAck(await op.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	}
	await closeAll();
	await sleep(2500);
	// Back to the defaults, so one test's settings never reach the next.
	await srv.request('POST', '/api/admin/desk', { session: bob, body: { away_idle_mins: 0, max_chats: 0 } });
	await srv.request('POST', '/api/admin/queues/alpha/desk', { session: bob, body: { idle_end_mins: 0 } });
});

const setDesk = async (body, session = bob) => {
	const r = await srv.request('POST', '/api/admin/desk', { session, body });
	assert.equal(r.status, 200, r.text);
	return r.json;
};
const setQuiet = async (queue, mins) => {
	const r = await srv.request('POST', `/api/admin/queues/${queue}/desk`, { session: bob, body: { idle_end_mins: mins } });
	assert.equal(r.status, 200, r.text);
	return r.json;
};
const notice = (chat, name) => (f) => f.type === 'event' && f.chat === chat && f.kind === 'notice' && f.notice === name;
/** Frames of `client` matching `pred` that arrive within `ms`. */
async function framesWithin(client, pred, ms) {
	const from = client.frames.length;
	await sleep(ms);
	return client.frames.slice(from).map((r) => r.frame).filter(pred);
}

test('settings: defaults, saved values, and the audit log', async () => {
	const r = await srv.request('GET', '/api/admin/desk', { session: bob });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.away_idle_mins, 0);
	assert.equal(r.json.max_chats, 0);
	assert.deepEqual(r.json.queues.map((q) => [q.queue, q.idle_end_mins]), [['alpha', 0]]);
	const saved = await setDesk({ away_idle_mins: 15, max_chats: 3 });
	assert.equal(saved.away_idle_mins, 15);
	assert.equal(saved.max_chats, 3);
	assert.deepEqual(await setQuiet('alpha', 20), { queue: 'alpha', title: 'Alpha Ask', idle_end_mins: 20 });
	const again = await srv.request('GET', '/api/admin/desk', { session: bob });
	assert.equal(again.json.queues[0].idle_end_mins, 20);
	const audit = await srv.request('GET', '/api/admin/audit?limit=10', { session: bob });
	const actions = audit.json.entries.map((e) => `${e.action} ${e.target}: ${e.detail}`);
	assert.ok(actions.includes('account.change desk: Away after idle: never → 15 min; chats per operator: no limit → 3 chats'), actions.join('\n'));
	assert.ok(actions.includes('queue.change alpha: end quiet chats after: never → 20 min'), actions.join('\n'));
});

test('settings: bad input is refused and changes nothing', async () => {
	await setDesk({ away_idle_mins: 5, max_chats: 2 });
	const bad = [
		{}, { away_idle_mins: 5 }, { away_idle_mins: -1, max_chats: 0 }, { away_idle_mins: 1441, max_chats: 0 },
		{ away_idle_mins: 0, max_chats: 51 }, { away_idle_mins: '5', max_chats: 0 }, { away_idle_mins: 1.5, max_chats: 0 },
		{ away_idle_mins: null, max_chats: 0 }, { away_idle_mins: 0, max_chats: 0, extra: 1 }, [],
	];
	for (const body of bad) {
		const r = await srv.request('POST', '/api/admin/desk', { session: bob, body });
		assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
	}
	for (const body of [{}, { idle_end_mins: -5 }, { idle_end_mins: 1441 }, { idle_end_mins: true }, { idle_end_mins: 1, x: 1 }]) {
		const r = await srv.request('POST', '/api/admin/queues/alpha/desk', { session: bob, body });
		assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
	}
	const raw = await srv.request('POST', '/api/admin/desk', { session: bob, body: '{"away_idle_mins": 1, "away_idle_mins": 2, "max_chats": 0}', headers: { 'content-type': 'application/json' } });
	assert.equal(raw.status, 400, raw.text);
	const r = await srv.request('GET', '/api/admin/desk', { session: bob });
	assert.equal(r.json.away_idle_mins, 5);
	assert.equal(r.json.max_chats, 2);
	assert.equal(r.json.queues[0].idle_end_mins, 0);
});

test('settings: admins of the account only; another account\'s queue is not found', async () => {
	assert.equal((await srv.request('GET', '/api/admin/desk')).status, 401);
	assert.equal((await srv.request('GET', '/api/admin/desk', { session: ann })).status, 403);
	assert.equal((await srv.request('POST', '/api/admin/desk', { session: ann, body: { away_idle_mins: 1, max_chats: 1 } })).status, 403);
	assert.equal((await srv.request('POST', '/api/admin/queues/alpha/desk', { session: ann, body: { idle_end_mins: 1 } })).status, 403);
	const foreign = await srv.request('POST', '/api/admin/queues/alpha/desk', { session: cat, body: { idle_end_mins: 1 } });
	assert.equal(foreign.status, 404, foreign.text);
	assert.equal((await srv.request('POST', '/api/admin/queues/nosuch/desk', { session: bob, body: { idle_end_mins: 1 } })).status, 404);
	// Cat's own change is Beta's: Alpha keeps its settings.
	const beta = await setDesk({ away_idle_mins: 9, max_chats: 4 }, cat);
	assert.deepEqual(beta.queues.map((q) => q.queue), ['beta']);
	const alpha = await srv.request('GET', '/api/admin/desk', { session: bob });
	assert.equal(alpha.json.away_idle_mins, 0);
	assert.equal(alpha.json.max_chats, 0);
	await setDesk({ away_idle_mins: 0, max_chats: 0 }, cat);
});

test('away by idle: an idle operator goes Away and is told; activity keeps another Available', async () => {
	await setDesk({ away_idle_mins: 2, max_chats: 0 });
	const a = await operator(srv, 'ann');
	const b = await operator(srv, 'bob');
	await setAvailable(a, 'alpha', true);
	await setAvailable(b, 'alpha', true);
	const started = Date.now();
	const keepAwake = setInterval(() => b.send({ type: 'activity' }), 300);
	try {
		const told = await a.next((f) => f.type === 'status', 6000, 'status away');
		assert.deepEqual({ status: told.status, reason: told.reason }, { status: 'away', reason: 'idle' }, show(told));
		assert.ok(Date.now() - started >= 1500, `Away after ${Date.now() - started} ms, before two "minutes"`);
		// Away stops the ringing: a new chat rings Bob only.
		const c = await startChat(srv, 'alpha', 'Pat');
		await b.nextOf('chat.offer', c.chat);
		assert.deepEqual(await framesWithin(a, (f) => f.type === 'chat.offer', 300), []);
		assert.equal(b.frames.filter((r) => r.frame.type === 'status').length, 0, 'Bob kept busy should stay Available');
	} finally {
		clearInterval(keepAwake);
	}
	// Bob idle now: his turn; the queue has nobody left, so guests read it offline.
	const toldBob = await b.next((f) => f.type === 'status', 6000, 'Bob away');
	assert.equal(toldBob.reason, 'idle');
	const g = await guest(srv);
	const p = isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }));
	assert.equal(p.queues.alpha, false, show(p));
	// Back by hand: Available again, and the idle clock starts over.
	isOk(await a.request({ type: 'status.set', status: 'available' }));
	const p2 = await g.nextOf('presence');
	assert.equal(p2.online, true);
});

test('away by idle: 0 means never', async () => {
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	assert.deepEqual(await framesWithin(a, (f) => f.type === 'status', 2500), []);
});

test('activity: an operator message only; a guest may not send it; unknown fields refused', async () => {
	const a = await operator(srv, 'ann');
	isOk(await a.request({ type: 'activity' }));
	isError(await a.request({ type: 'activity', extra: 1 }), 'bad_message');
	const g = await guest(srv);
	isError(await g.request({ type: 'activity' }), 'unknown_type');
});

test('chat limit: a full operator is not rung, and is rung again when a chat ends', async () => {
	await setDesk({ away_idle_mins: 0, max_chats: 1 });
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const first = await openChat(srv, a, 'alpha', 'Pat');
	// The queue is staffed, so the guest may start; Ann, at her limit, is not rung.
	const second = await startChat(srv, 'alpha', 'Quinn');
	assert.deepEqual(await framesWithin(a, (f) => f.type === 'chat.offer', 500), []);
	isError(await a.request({ type: 'chat.accept', chat: second.chat }), 'not_offered');
	// Her chat ends: she is rung for the one waiting.
	await a.request({ type: 'chat.end', chat: first.chat });
	await a.nextOf('chat.offer', second.chat);
	isOk(await a.request({ type: 'chat.accept', chat: second.chat }));
});

test('chat limit: under no limit, a chat ending does not ring again for what already rang', async () => {
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const first = await openChat(srv, a, 'alpha', 'Pat');
	const second = await startChat(srv, 'alpha', 'Quinn');
	await a.nextOf('chat.offer', second.chat);
	const from = a.frames.length; // an offer would come in the same turn as the end's ack
	await a.request({ type: 'chat.end', chat: first.chat });
	await sleep(500);
	assert.deepEqual(a.frames.slice(from).map((r) => r.frame).filter((f) => f.type === 'chat.offer'), [], 'rung twice for one chat');
});

test('chat limit: reaching it withdraws the other offers; accepting over it is refused', async () => {
	await setDesk({ away_idle_mins: 0, max_chats: 1 });
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const one = await startChat(srv, 'alpha', 'One');
	const two = await startChat(srv, 'alpha', 'Two');
	await a.nextOf('chat.offer', one.chat);
	await a.nextOf('chat.offer', two.chat);
	isOk(await a.request({ type: 'chat.accept', chat: one.chat }));
	const gone = await a.next((f) => f.type === 'chat.gone' && f.chat === two.chat, 3000, 'chat.gone for two');
	assert.equal(gone.reason, 'limit', show(gone));
	const refused = isError(await a.request({ type: 'chat.accept', chat: two.chat }), 'chat_limit');
	assert.match(refused.message, /1 chats?/);
	// The limit raised: Ann is rung again at once.
	await setDesk({ away_idle_mins: 0, max_chats: 2 });
	await a.nextOf('chat.offer', two.chat);
	isOk(await a.request({ type: 'chat.accept', chat: two.chat }));
});

test('chat limit: lowered to what an operator holds, the offers still ringing them are withdrawn at once', async () => {
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const one = await startChat(srv, 'alpha', 'One');
	const two = await startChat(srv, 'alpha', 'Two');
	await a.nextOf('chat.offer', one.chat);
	await a.nextOf('chat.offer', two.chat);
	isOk(await a.request({ type: 'chat.accept', chat: one.chat }));
	await setDesk({ away_idle_mins: 0, max_chats: 1 });
	const gone = await a.next((f) => f.type === 'chat.gone' && f.chat === two.chat, 3000, 'chat.gone for two');
	assert.equal(gone.reason, 'limit', show(gone));
});

test('chat limit: a transfer to a full colleague is refused clearly; to a queue it rings only those under it', async () => {
	await setDesk({ away_idle_mins: 0, max_chats: 1 });
	const a = await operator(srv, 'ann');
	const b = await operator(srv, 'bob');
	await setAvailable(a, 'alpha', true);
	await setAvailable(b, 'alpha', false);
	await openChat(srv, a, 'alpha', 'Pat');                     // Ann is full
	await setAvailable(a, 'alpha', false);
	await setAvailable(b, 'alpha', true);
	const bobs = await openChat(srv, b, 'alpha', 'Rae');         // Bob is full too
	await setAvailable(a, 'alpha', true);
	const annId = a.hello.operator.id;
	const targets = isOk(await b.request({ type: 'transfer.targets', chat: bobs.chat }));
	assert.deepEqual(targets.operators, [], `a full colleague is no target: ${show(targets)}`);
	const r = isError(await b.request({ type: 'chat.transfer', chat: bobs.chat, operator: annId }), 'chat_limit');
	assert.ok(r.message.includes(OPERATORS.ann.name), r.message);
	isError(await b.request({ type: 'chat.transfer', chat: bobs.chat, queue: 'alpha' }), 'unavailable');
	assert.deepEqual(await framesWithin(a, (f) => f.type === 'transfer.offer', 300), []);
});

test('quiet chats: a warning to both sides, then the system ends the chat (reason idle)', async () => {
	await setQuiet('alpha', 1);
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const c = await openChat(srv, a, 'alpha', 'Pat');
	const t0 = Date.now();
	const warned = await c.guest.nextOf('chat.idle', c.chat);
	assert.equal(warned.ends_in, 1000, show(warned));
	assert.ok(Date.now() - t0 >= 500, `warned after ${Date.now() - t0} ms`);
	await a.nextOf('chat.idle', c.chat);
	const ended = await c.guest.next(notice(c.chat, 'ended'), 5000, 'the ended notice');
	assert.equal(ended.by, 'system', show(ended));
	assert.equal(ended.reason, 'idle', show(ended));
	isError(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'still there?' }), 'chat_ended');
	const h = await srv.request('GET', `/api/history/${c.chat}`, { session: ann });
	const last = h.json.events.at(-1);
	assert.deepEqual([last.kind, last.notice, last.by, last.reason], ['notice', 'ended', 'system', 'idle']);
});

test('quiet chats: a message after the warning starts the quiet over; waiting chats and 0 are left alone', async () => {
	await setQuiet('alpha', 2);
	const a = await operator(srv, 'ann');
	await setAvailable(a, 'alpha', true);
	const c = await openChat(srv, a, 'alpha', 'Pat');
	await c.guest.nextOf('chat.idle', c.chat, 5000);
	await say(c.guest, c.chat, 'Still here!');
	// Two "minutes" of quiet again before the next warning, and no end meanwhile.
	const early = await framesWithin(c.guest, (f) => f.type === 'chat.idle' || notice(c.chat, 'ended')(f), 1200);
	assert.deepEqual(early, []);
	await c.guest.nextOf('chat.idle', c.chat, 5000);
	await c.guest.next(notice(c.chat, 'ended'), 5000, 'the end');
	// 0: a chat may stay quiet.
	await setQuiet('alpha', 0);
	const d = await openChat(srv, a, 'alpha', 'Sam');
	assert.deepEqual(await framesWithin(d.guest, (f) => f.type === 'chat.idle' || notice(d.chat, 'ended')(f), 2500), []);
});

test('away by idle: an operator on XMPP is left to their XMPP client\'s presence', async () => {
	// A server of its own, linked to a Prosody of its own; ann links lib1 and is online through it.
	const { startProsody, xml, xmppClient } = await import('./lib/prosody.mjs');
	const { until } = await import('./lib/flows.mjs');
	const fs = await import('node:fs/promises');
	const os = await import('node:os');
	const path = await import('node:path');
	const DOMAIN = 'chat.example.test';
	const prosody = await startProsody({ domain: DOMAIN, secret: 'component-secret-1', users: { lib1: 'lib1-password-1' } });
	const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-tidy-'));
	const secretFile = path.join(tmp, 'secret');
	await fs.writeFile(secretFile, 'component-secret-1\n');
	const x = await startServer({ args: ['--tidy-minute-secs', '1', '--xmpp-domain', DOMAIN, '--xmpp-server',
		prosody.componentAddress, '--xmpp-secret-file', secretFile] });
	const lib = await xmppClient(prosody, 'lib1');
	try {
		lib.client.on('stanza', (st) => {
			if (st.is('presence') && st.attrs.type === 'subscribe')
				lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
		});
		await until(() => /xmpp: connected to /.test(x.stderr), 10000, 'the XMPP link');
		const annS = await x.session('ann');
		const set = await x.request('POST', '/api/admin/desk', { session: await x.session('bob'), body: { away_idle_mins: 1, max_chats: 0 } });
		assert.equal(set.status, 200, set.text);
		const r = await x.request('POST', '/api/xmpp/jid', { session: annS, body: { jid: lib.jid } });
		assert.equal(r.status, 200, r.text);
		const msg = await lib.next((st) => st.is('message') && /code is/.test(st.getChildText('body') ?? ''), 5000, 'the code');
		const code = /code is ([a-z0-9]{8})\./.exec(msg.getChildText('body'))[1];
		assert.equal((await x.request('POST', '/api/xmpp/confirm', { session: annS, body: { code } })).status, 200);
		const state = async () => (await x.request('GET', '/api/xmpp', { session: annS })).json;
		const deadline = Date.now() + 10000;
		while (!(await state()).online && Date.now() < deadline)
			await sleep(100);
		assert.equal((await state()).online, true);
		// Three "minutes" without a word: still rung, as her XMPP presence says she is there.
		await sleep(3000);
		const boardAnn = (await x.request('GET', '/api/board', { session: annS })).json.operators.find((o) => o.name === OPERATORS.ann.name);
		assert.equal(boardAnn.status, 'available', JSON.stringify(boardAnn));
		const g = await guest(x);
		const p = isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }));
		assert.equal(p.queues.alpha, true, 'the queue is still staffed through XMPP');
	} finally {
		await closeAll();
		await lib.stop();
		await x.close();
		await prosody.cleanup();
		await fs.rm(tmp, { recursive: true, force: true });
	}
});
