// 05-bad-input: everything a peer can get wrong (PROTOCOL §2.1, §3.1, §3.2, §3.6) gets the
// documented error or close code, changes nothing, and leaves the server serving a chat that
// runs alongside the whole time.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, HandshakeError, show } from './lib/client.mjs';
import { everyCase, guest, isAck, isError, isOk, openChat, operator, setAvailable, stillServes } from './lib/flows.mjs';
import { OPERATORS, startServer } from '../lib/server.mjs';

let srv;
let ann;      // operator socket, available on alpha, holding `standing`
let standing; // a chat that must keep working whatever else happens
before(async () => {
	srv = await startServer();
	ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	standing = await openChat(srv, ann, 'alpha', 'Bystander');
});
after(() => srv?.close()); // stop() fails the file unless the exit is clean

/** The standing chat still carries messages both ways; and new sockets are served. */
async function bystanderFine() {
	const a = isAck(await standing.guest.request({ type: 'msg.send', chat: standing.chat, text: 'still there?' }));
	await ann.event(standing.chat, a.seq);
	const b = isAck(await ann.request({ type: 'msg.send', chat: standing.chat, text: 'yes' }));
	await standing.guest.event(standing.chat, b.seq);
	await stillServes(srv);
}

/** Send a raw frame on `c` and return the next error it gets (nothing else is in flight). */
async function errorFor(c, raw) {
	c.sendRaw(typeof raw === 'string' ? raw : JSON.stringify(raw));
	return c.next((f) => f.type === 'error', 5000, `an error for ${show(raw)}`);
}

test('frames that are not a JSON object get bad_json with id null', async () => {
	const g = await guest(srv, 'garbage');
	for (const raw of ['{"type":', 'not json at all', '', '[1,2,3]', '"a string"', '42', 'null', 'true',
		'{"type":"presence.watch","id":"t1","queues":["alpha"]} trailing']) {
		if (raw === '')
			continue; // an empty frame is not JSON either, but some clients cannot send one
		const r = isError(await errorFor(g, raw), 'bad_json', `frame ${JSON.stringify(raw)}`);
		assert.equal(r.id, null, `frame ${JSON.stringify(raw)}: ${show(r)}`);
	}
	isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }), 'the socket still works');
	await g.close();
	await bystanderFine();
});

test('envelope errors: missing type or id, unknown type, bad ids, unknown fields', async () => {
	const g = await guest(srv, 'envelope');
	const noType = isError(await errorFor(g, { id: 'nt-1', queues: ['alpha'] }), 'bad_message', 'no type');
	assert.equal(noType.id, 'nt-1');
	const noId = isError(await errorFor(g, { type: 'presence.watch', queues: ['alpha'] }), 'bad_message', 'no id');
	assert.equal(noId.id, null);
	isError(await errorFor(g, { type: 5, id: 'tt-1' }), 'bad_message', 'numeric type');
	const unknown = isError(await errorFor(g, { type: 'chat.explode', id: 'ut-1' }), 'unknown_type', 'unknown type');
	assert.equal(unknown.id, 'ut-1');

	const badIds = [5, null, true, '', 'x'.repeat(65), 'has space', 'slash/y', 'é', 'quote"d', 'new\nline', ['a'], { a: 1 }];
	for (const id of badIds) {
		const r = isError(await errorFor(g, { type: 'presence.watch', id, queues: ['alpha'] }), 'bad_message', `id ${JSON.stringify(id)}`);
		assert.ok(r.id === null || JSON.stringify(r.id) === JSON.stringify(id), `id ${JSON.stringify(id)} answered with id ${JSON.stringify(r.id)}`);
	}
	const longest = 'Az09_.:-'.repeat(8);
	assert.equal(longest.length, 64);
	assert.equal(isOk(await g.request({ type: 'presence.watch', id: longest, queues: ['alpha'] })).id, longest);
	isOk(await g.request({ type: 'presence.watch', id: 'a', queues: ['alpha'] }));

	const extra = isError(await errorFor(g, { type: 'presence.watch', id: 'uf-1', queues: ['alpha'], queue: 'alpha' }),
		'bad_message', 'unknown field');
	assert.equal(extra.id, 'uf-1');
	await g.close();
	await bystanderFine();
});

test('missing, wrong-typed and out-of-range fields get bad_message and change nothing', async () => {
	const g = await guest(srv, 'fields');
	const chat = standing.chat;
	const mark = ann.mark();
	const cases = [
		{ type: 'presence.watch' },
		{ type: 'presence.watch', queues: 'alpha' },
		{ type: 'presence.watch', queues: [] },
		{ type: 'presence.watch', queues: [5] },
		{ type: 'presence.watch', queues: Array.from({ length: 17 }, (_, i) => `q${i}`) },
		{ type: 'chat.start' },
		{ type: 'chat.start', queue: 5 },
		{ type: 'chat.start', queue: ['alpha'] },
		{ type: 'chat.start', queue: 'alpha', name: 5 },
		{ type: 'chat.join', chat, after: 0 },
		{ type: 'chat.join', chat, token: standing.token },
		{ type: 'chat.join', chat, token: standing.token, after: -1 },
		{ type: 'chat.join', chat, token: standing.token, after: '0' },
		{ type: 'chat.join', chat, token: standing.token, after: 1.5 },
		{ type: 'chat.join', chat: 5, token: standing.token, after: 0 },
		{ type: 'msg.send', text: 'no chat' },
		{ type: 'msg.send', chat },
		{ type: 'msg.send', chat, text: 5 },
		{ type: 'msg.send', chat, text: null },
		{ type: 'msg.send', chat, text: 'one field too many', extra: 'x' },
		{ type: 'msg.send', text: 'four fields, one of them not chat', extra: chat },
		{ type: 'msg.send', chat: 5, text: 'a chat that is not a string' },
		{ type: 'typing', chat },
		{ type: 'typing', chat, active: 'yes' },
		{ type: 'chat.end' },
		{ type: 'chat.end', chat: 42 },
	];
	// Text must have 1 to 4,000 characters after trimming: asked by the chat's own guest, so
	// that only the text can be wrong.
	const texts = ['', ' \t\n '].map((text) => ({ own: true, msg: { type: 'msg.send', chat, text } }));
	await everyCase([...cases.map((msg) => ({ msg })), ...texts], async ({ own, msg }) => {
		const c = own ? standing.guest : g;
		const id = c.newId();
		const r = isError(await c.request({ ...msg, id }), 'bad_message', show(msg));
		assert.equal(r.id, id, `${show(msg)}: ${show(r)}`);
	});
	// None of that started a chat or wrote into the standing one.
	await ann.none((f) => f.type === 'chat.offer' || (f.type === 'event' && f.chat === chat), 200, 'effect of a refused message', mark);
	await g.close();
	await bystanderFine();
});

test('operator-only messages on a guest socket, and guest-only ones on an operator socket, are unknown_type', async () => {
	const g = await guest(srv, 'wrong-kind');
	isError(await g.request({ type: 'availability.set', queue: 'alpha', available: true }), 'unknown_type', 'guest availability.set');
	isError(await g.request({ type: 'chat.accept', chat: standing.chat }), 'unknown_type', 'guest chat.accept');
	await g.close();
	const bob = await operator(srv, 'bob');
	isError(await bob.request({ type: 'chat.start', queue: 'alpha' }), 'unknown_type', 'operator chat.start');
	isError(await bob.request({ type: 'availability.set', queue: 'alpha', available: 'yes' }), 'bad_message', 'available: "yes"');
	isError(await bob.request({ type: 'availability.set', available: true }), 'bad_message', 'availability.set without queue');
	isError(await bob.request({ type: 'chat.accept' }), 'bad_message', 'chat.accept without chat');
	isError(await bob.request({ type: 'chat.join', chat: standing.chat, after: 0, token: standing.token }), 'bad_message', 'operator chat.join with a token');
	await bob.close();
});

test('text of exactly 4,000 characters is accepted, 4,001 is too_long; names up to 80', async () => {
	const chat = standing.chat;
	const g = standing.guest;
	for (const ch of ['x', 'é']) {
		const max = ch.repeat(4000);
		const a = isAck(await g.request({ type: 'msg.send', chat, text: max }), `4,000 × ${ch}`);
		const ev = await ann.event(chat, a.seq);
		assert.equal(ev.text, max);
		isError(await g.request({ type: 'msg.send', chat, text: ch.repeat(4001) }), 'too_long', `4,001 × ${ch}`);
	}
	isAck(await g.request({ type: 'msg.send', chat, text: `  ${'y'.repeat(4000)}\n ` }), '4,000 characters plus blanks around them');
	isError(await ann.request({ type: 'msg.send', chat, text: 'z'.repeat(4001) }), 'too_long', 'operator 4,001');

	const g2 = await guest(srv, 'named');
	const mark = ann.mark();
	isError(await g2.request({ type: 'chat.start', queue: 'alpha', name: 'n'.repeat(81) }), 'too_long', 'name of 81');
	await ann.none((f) => f.type === 'chat.offer', 200, 'offer for a refused chat.start', mark);
	const ok = isOk(await g2.request({ type: 'chat.start', queue: 'alpha', name: 'ñ'.repeat(80) }), 'name of 80');
	const offer = await ann.nextOf('chat.offer', ok.chat);
	assert.equal(offer.name, 'ñ'.repeat(80));
	isAck(await g2.request({ type: 'chat.end', chat: ok.chat }));
	await g2.close();
	await bystanderFine();
});

test('a guest\'s name loses direction overrides, isolates and invisible marks; line breaks become spaces', async () => {
	const cases = [
		['Pat\u202Enimda', 'Patnimda'],
		['\u2066Pat\u2069 \u202Dx\u202C \u202A\u202B\u2067\u2068y', 'Pat x y'],
		['P\u200Ba\u200Ct\u200D\u200E\u200F\u2060\uFEFF', 'Pat'],
		['\u200B Pat \u200B', 'Pat'],
		['Pat\n[2026-12-03 15:09:00 UTC] Demo Librarian', 'Pat [2026-12-03 15:09:00 UTC] Demo Librarian'],
		['Pat\r\u2028\u0085\u000BLee', 'Pat    Lee'],
		['\u200B\u202E\u2066', null],
		['\u00f1'.repeat(80) + '\u200B'.repeat(5), '\u00f1'.repeat(80)],
	];
	for (const [name, want] of cases) {
		const g = await guest(srv, 'disguised');
		const ok = isOk(await g.request({ type: 'chat.start', queue: 'alpha', name }), JSON.stringify(name));
		const offer = await ann.nextOf('chat.offer', ok.chat);
		assert.equal(offer.name ?? null, want, `${JSON.stringify(name)} offered as ${JSON.stringify(offer.name)}`);
		const started = await g.next((f) => f.type === 'event' && f.chat === ok.chat && f.kind === 'notice', 5000, 'the started notice');
		assert.equal(started.name ?? null, want, 'the started notice');
		isAck(await g.request({ type: 'chat.end', chat: ok.chat }));
		await g.close();
	}
	await bystanderFine();
});

test('a 64 KiB frame is read; one byte more closes 1009, and so does a longer fragmented message', async () => {
	const g = standing.guest; // its own chat, so only the size can be wrong
	const envelope = (text) => JSON.stringify({ type: 'msg.send', id: 'big', chat: standing.chat, text });
	const pad = 65536 - envelope('').length;
	const exact = envelope('w'.repeat(pad));
	assert.equal(Buffer.byteLength(exact), 65536);
	g.sendRaw(exact);
	isError(await g.reply('big'), 'too_long', 'a 65,536-byte frame with long text');
	assert.equal(g.closeInfo, null);

	const g2 = await guest(srv, 'big-frame');
	g2.sendRaw(envelope('w'.repeat(pad + 1)));
	assert.equal((await g2.waitClosed()).code, 1009, 'a 65,537-byte frame');

	const g3 = await guest(srv, 'big-message');
	const half = 'v'.repeat(33000);
	g3.ws.send(`{"type":"msg.send","id":"frag","chat":"${standing.chat}","text":"${half}`, { fin: false });
	g3.ws.send(`${half}"}`, { fin: true });
	assert.equal((await g3.waitClosed()).code, 1009, 'a 66,000-byte message in two fragments');
	await bystanderFine();
});

test('a binary frame closes the socket 1003', async () => {
	const g = await guest(srv, 'binary');
	g.sendBinary(Buffer.from(JSON.stringify({ type: 'presence.watch', id: 'b1', queues: ['alpha'] })));
	assert.equal((await g.waitClosed()).code, 1003);
	assert.ok(!g.all().some((f) => f.id === 'b1'), 'a binary frame was answered');
	await bystanderFine();
});

test('a WebSocket handshake with a foreign Origin is refused with 403', async () => {
	const origins = ['https://evil.example', 'null', `http://127.0.0.1:${srv.port + 1}`, `https://127.0.0.1:${srv.port}`, 'http://localhost'];
	await everyCase(origins, async (origin) => {
		let err = null;
		try {
			const c = await Client.connect(srv.wsUrl, { origin, label: `origin ${origin}` });
			await c.close();
		} catch (e) {
			err = e;
		}
		assert.ok(err, `Origin ${origin}: the upgrade was accepted`);
		assert.ok(err instanceof HandshakeError && err.status === 403, `Origin ${origin}: expected an HTTP 403 answer, got ${err.message}`);
	});
	const own = await Client.connect(srv.wsUrl, { origin: srv.origin, label: 'own origin' });
	isOk(await own.request({ type: 'presence.watch', queues: ['alpha'] }));
	await own.close();
	await bystanderFine();
});

test('sign-in bodies: not JSON or not an object 400 bad_json, bad fields 400 bad_request, over 64 KiB 413', async () => {
	// Sign-in attempts are limited to 10 a minute per address: this file makes 8 in all.
	const cases = [
		{ body: '{"username":', status: 400, code: 'bad_json' },
		{ body: '[]', status: 400, code: 'bad_json' },
		{ body: { username: 'ann' }, status: 400, code: 'bad_request', names: 'password' },
		{ body: { username: 5, password: OPERATORS.ann.password }, status: 400, code: 'bad_request', names: 'username' },
		{ body: { username: 'ann', password: 'p'.repeat(70000) }, status: 413, code: 'too_large' },
	];
	await everyCase(cases, async ({ body, status, code, names }) => {
		const r = await srv.request('POST', '/api/session', { body });
		const what = `POST /api/session ${show(body).slice(0, 60)}`;
		assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${r.status} ${r.text.slice(0, 120)}`);
		assert.equal(r.json?.error?.code, code, `${what}: ${r.text.slice(0, 120)}`);
		if (names)
			assert.match(r.json.error.message, new RegExp(names), `${what}: the message does not name ${names}`);
	});
	assert.ok(await srv.healthy());
});

test('admin routes: CSRF token required on every POST, bad bodies refused, nothing changes', async () => {
	const bob = await srv.session('bob');
	const routes = [
		['/api/admin/account', { name: 'Hijacked' }],
		['/api/admin/operators', { username: 'mallory', name: 'Mallory', password: 'mallory-pass' }],
		[`/api/admin/operators/${(await srv.session('ann')).operator.id}`, { name: 'Renamed' }],
		[`/api/admin/operators/${(await srv.session('ann')).operator.id}/password`, { password: 'owned-password' }],
		['/api/admin/queues', { name: 'mallory-queue', title: 'Mallory' }],
		['/api/admin/queues/alpha', { title: 'Hijacked' }],
		['/api/admin/queues/alpha/members', { operator: bob.operator.id, member: false }],
	];
	for (const [p, body] of routes) {
		for (const csrf of [false, 'wrong-token', bob.csrf.slice(0, -1)]) {
			const r = await srv.request('POST', p, { session: bob, csrf, body });
			assert.equal(r.status, 403, `POST ${p} with X-CSRF-Token ${csrf}: ${r.status} ${r.text}`);
			assert.equal(r.json?.error?.code, 'csrf', `POST ${p}: ${r.text}`);
		}
	}
	const account = await srv.request('GET', '/api/admin/account', { session: bob });
	assert.equal(account.json?.name, 'Alpha Library', account.text);
	const ops = await srv.request('GET', '/api/admin/operators', { session: bob });
	assert.deepEqual(ops.json?.operators?.map((o) => o.username).sort(), ['ann', 'bob'], ops.text);
	assert.equal(ops.json.operators.find((o) => o.username === 'ann').name, OPERATORS.ann.name);
	const queues = await srv.request('GET', '/api/admin/queues', { session: bob });
	assert.deepEqual(queues.json?.queues?.map((q) => [q.name, q.title, q.members.length]), [['alpha', 'Alpha Ask', 2]], queues.text);
	assert.equal((await srv.signIn('mallory', { password: 'mallory-pass' })).status, 401);

	for (const body of ['{"name":', '[]', '7']) {
		const r = await srv.request('POST', '/api/admin/queues', { session: bob, body });
		assert.equal(r.status, 400, `body ${body}: ${r.status} ${r.text}`);
		assert.equal(r.json?.error?.code, 'bad_json', `body ${body}: ${r.text}`);
	}
	const noTitle = await srv.request('POST', '/api/admin/queues', { session: bob, body: { name: 'no-title' } });
	assert.equal(noTitle.status, 400, noTitle.text);
	assert.equal(noTitle.json?.error?.code, 'bad_request');
	assert.match(noTitle.json.error.message, /title/, 'the message does not name the missing field');
	const huge = await srv.request('POST', '/api/admin/queues', { session: bob, body: { name: 'huge', title: 't'.repeat(70000) } });
	assert.equal(huge.status, 413, huge.text.slice(0, 200));
	assert.equal(huge.json?.error?.code, 'too_large');
	const queuesAfter = await srv.request('GET', '/api/admin/queues', { session: bob });
	assert.deepEqual(queuesAfter.json?.queues?.map((q) => q.name), ['alpha']);

	const anon = await srv.request('GET', '/api/admin/operators');
	assert.equal(anon.status, 401, anon.text);
	assert.equal(anon.json?.error?.code, 'not_signed_in');
	const anonPost = await srv.request('POST', '/api/admin/queues', { body: { name: 'anon', title: 'Anon' } });
	assert.equal(anonPost.status, 401, anonPost.text);
	await bystanderFine();
});

test('the standing chat saw only its own messages', async () => {
	await bystanderFine();
	const log = ann.events(standing.chat).filter((e) => e.kind === 'message');
	assert.ok(log.every((e) => !['big', 'frag', 'b1'].includes(e.cid)), 'a refused message was stored');
	for (let i = 1; i < log.length; i++)
		assert.ok(log[i].seq > log[i - 1].seq);
	await setAvailable(ann, 'alpha', false);
	await ann.close();
	await standing.guest.close();
});
