// 37-board: the board's data (PROTOCOL §2.15, GET /api/board) and its page (/staff/board):
// operators only, each sees their own account's queues and colleagues only; waiting guests
// and the longest wait per queue; each operator Available, Away or offline with their chats.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { closeAll, show } from './lib/client.mjs';
import { isOk, openChat, operator, setAvailable, startChat } from './lib/flows.mjs';
import { OPERATORS, sleep, startServer } from '../lib/server.mjs';

let srv, ann, bob, cat;

before(async () => {
	srv = await startServer({ args: ['--abandon-secs', '1'] });
	ann = await srv.session('ann');
	bob = await srv.session('bob');
	cat = await srv.session('cat');
});
after(() => srv?.close());
afterEach(async () => {
	await closeAll();
	await sleep(2500); // waiting chats whose guest left are ended by then
});

async function board(session = ann) {
	const r = await srv.request('GET', '/api/board', { session });
	assert.equal(r.status, 200, r.text);
	return r.json;
}
const op = (b, name) => b.operators.find((o) => o.name === name);

test('operators only: signed out is 401, a guest\'s token is nobody', async () => {
	const r = await srv.request('GET', '/api/board');
	assert.equal(r.status, 401, r.text);
	assert.equal(r.json.error.code, 'not_signed_in');
	const ws = await operator(srv, 'ann');
	await setAvailable(ws, 'alpha', true);
	const c = await startChat(srv, 'alpha', 'Pat');
	const withToken = await srv.request('GET', `/api/board?chat=${c.chat}&token=${c.token}`);
	assert.equal(withToken.status, 401);
	const bad = await srv.request('GET', '/api/board', { headers: { cookie: 'refdesk_session=not-a-session' } });
	assert.equal(bad.status, 401);
});

test('each account sees its own queues and operators only', async () => {
	const a = await board(ann);
	assert.deepEqual(a.queues.map((q) => q.queue), ['alpha']);
	assert.deepEqual(a.operators.map((o) => o.name).sort(), [OPERATORS.ann.name, OPERATORS.bob.name]);
	const c = await board(cat);
	assert.deepEqual(c.queues.map((q) => q.queue), ['beta']);
	assert.deepEqual(c.operators.map((o) => o.name), [OPERATORS.cat.name]);
	assert.ok(!JSON.stringify(c).includes('alpha') && !JSON.stringify(c).includes('Ann'), show(c));
	// An Alpha guest waiting shows on Alpha's board, never on Beta's.
	const ws = await operator(srv, 'ann');
	await setAvailable(ws, 'alpha', true);
	await startChat(srv, 'alpha', 'Pat');
	assert.equal((await board(ann)).queues[0].waiting, 1);
	assert.equal((await board(cat)).queues[0].waiting, 0);
});

test('status: offline, Available, Away; chats held; the account\'s limit', async () => {
	let b = await board(bob);
	assert.equal(op(b, OPERATORS.ann.name).status, 'offline');
	assert.equal(b.max_chats, 0);
	const ws = await operator(srv, 'ann');
	await setAvailable(ws, 'alpha', true);
	b = await board(bob);
	assert.deepEqual(op(b, OPERATORS.ann.name), { id: ws.hello.operator.id, name: OPERATORS.ann.name, status: 'available', chats: 0, queues: ['alpha'] });
	// Signed in but off every queue: no queue, though the socket is open.
	await setAvailable(ws, 'alpha', false);
	assert.deepEqual(op(await board(bob), OPERATORS.ann.name).queues, []);
	await setAvailable(ws, 'alpha', true);
	const c = await openChat(srv, ws, 'alpha', 'Pat');
	assert.equal(op(await board(bob), OPERATORS.ann.name).chats, 1);
	isOk(await ws.request({ type: 'status.set', status: 'away' }));
	assert.equal(op(await board(bob), OPERATORS.ann.name).status, 'away');
	assert.deepEqual(op(await board(bob), OPERATORS.ann.name).queues, [], 'Away: rung on no queue');
	await ws.request({ type: 'chat.end', chat: c.chat });
	b = await board(bob);
	assert.equal(op(b, OPERATORS.ann.name).chats, 0);
	const set = await srv.request('POST', '/api/admin/desk', { session: bob, body: { away_idle_mins: 0, max_chats: 3 } });
	assert.equal(set.status, 200, set.text);
	assert.equal((await board(ann)).max_chats, 3);
	await srv.request('POST', '/api/admin/desk', { session: bob, body: { away_idle_mins: 0, max_chats: 0 } });
	await ws.close();
	await sleep(100);
	assert.equal(op(await board(bob), OPERATORS.ann.name).status, 'offline');
});

test('queues: guests waiting and the longest wait, gone once accepted', async () => {
	const ws = await operator(srv, 'ann');
	await setAvailable(ws, 'alpha', true);
	let b = await board();
	assert.deepEqual([b.queues[0].waiting, b.queues[0].longest_wait_secs], [0, null]);
	const one = await startChat(srv, 'alpha', 'One');
	await sleep(1200);
	await startChat(srv, 'alpha', 'Two');
	b = await board();
	assert.equal(b.queues[0].waiting, 2);
	assert.ok(b.queues[0].longest_wait_secs >= 1 && b.queues[0].longest_wait_secs < 10, show(b));
	await ws.nextOf('chat.offer', one.chat);
	isOk(await ws.request({ type: 'chat.accept', chat: one.chat }));
	b = await board();
	assert.equal(b.queues[0].waiting, 1);
	assert.ok(b.queues[0].longest_wait_secs < 1.2, `the oldest is now the second: ${show(b)}`);
	assert.equal(op(b, OPERATORS.ann.name).chats, 1);
	assert.ok(Math.abs(b.at - Date.now()) < 5000, 'at is the server\'s clock in ms');
});

test('the page is served to everyone (it holds no data) and links back to the staff pages', async () => {
	for (const session of [undefined, ann, cat]) {
		const r = await srv.request('GET', '/staff/board', { session });
		assert.equal(r.status, 200);
		assert.match(r.text, /<h1[^>]*>Board<\/h1>/);
		assert.match(r.text, /src="\/board\/board\.js"/);
	}
	for (const file of ['/board/board.js', '/board/board_model.js', '/board/board.css']) {
		const r = await srv.request('GET', file);
		assert.equal(r.status, 200, file);
	}
	const webclient = await srv.request('GET', '/staff');
	assert.match(webclient.text, /<a class="topbar__link" href="\/staff\/board"[^>]*>Board<\/a>/);
});
