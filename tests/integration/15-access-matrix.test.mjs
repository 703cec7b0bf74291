// 15-access-matrix: who gets what, for every HTTP route and every WebSocket message
// (docs/SECURITY.md §2). The two tables are read from docs/SECURITY.md itself, so the document
// and the test are one: every cell is a request made against the real server by one of six
// identities, and its answer must be the cell's. The rows must match, one for one, the route
// and handler tables the binary prints with `refdesk routes` — the very tables the router and
// the WebSocket dispatcher use — so a route or message type added without a row fails here.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { show } from './lib/client.mjs';
import { guest, openChat, operator, randomText, setAvailable, startChat } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { repoRoot, runBinary, startServer, storeContains } from '../lib/server.mjs';
import { upload, uploadOk } from '../lib/upload.mjs';

const IDENTITIES = ['nobody', 'guest', 'other_guest', 'operator', 'other_operator', 'admin'];
const OPERATOR_OF = { operator: 'ann', other_operator: 'cat', admin: 'bob' };

/** The rows of the markdown table under `heading` in docs/SECURITY.md, as objects. */
export function readTable(heading) {
	const text = fs.readFileSync(path.join(repoRoot, 'docs/SECURITY.md'), 'utf8');
	const lines = text.split('\n');
	const start = lines.findIndex((l) => l.trim() === heading);
	assert.ok(start >= 0, `docs/SECURITY.md has no heading "${heading}"`);
	let i = start + 1;
	while (i < lines.length && !lines[i].startsWith('|'))
		i++;
	const cells = (l) => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
	const head = cells(lines[i]);
	const rows = [];
	for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) {
		const c = cells(lines[i]);
		assert.equal(c.length, head.length, `docs/SECURITY.md: a row of "${heading}" has ${c.length} cells: ${lines[i]}`);
		rows.push(Object.fromEntries(head.map((h, k) => [h, c[k]])));
	}
	assert.deepEqual(head.slice(2), IDENTITIES, `the columns of "${heading}"`);
	return rows;
}

const httpRows = readTable('### 2.1 HTTP');
const wsRows = readTable('### 2.2 WebSocket');

let srv;
let sessions;   // username -> signed-in session
let sockets;    // identity -> operator socket
let nobodyWs;   // a guest socket that follows no chat
let target;     // the HTTP cells' chat, held by ann
let other;      // another Alpha chat: its guest plays other_guest
let blob;       // a snapshot of `target`
let victim;     // an Alpha operator for the admin routes to act on
let canned;     // a shared saved reply of Alpha
let snapshot;   // a canned snapshot of Alpha, saved by the admin
let uniques = 0;
const walked = { http: 0, ws: 0 };

before(async () => {
	// The matrix sends far more than a person would from one socket, and opens two guest
	// sockets per WebSocket cell, faster than the per-address connection rate allows.
	srv = await startServer({ args: ['--msg-rate', '10000', '--msg-burst', '10000',
		'--conn-rate', '10000', '--conn-burst', '10000'] });
	sessions = { ann: await srv.session('ann'), bob: await srv.session('bob'), cat: await srv.session('cat') };
	sockets = {};
	for (const [id, user] of Object.entries(OPERATOR_OF))
		sockets[id] = await operator(srv, user, id);
	await setAvailable(sockets.operator, 'alpha', true);
	nobodyWs = await guest(srv, 'nobody');
	target = await openChat(srv, sockets.operator, 'alpha', 'Target');
	other = await openChat(srv, sockets.operator, 'alpha', 'Other');
	blob = (await uploadOk(srv, target, target.chat, png(16, 12), { headers: { 'content-type': 'image/png' } })).blob;
	const v = await srv.request('POST', '/api/admin/operators', {
		session: sessions.bob, body: { username: 'victim', name: 'Victim', password: 'victim-password-1' },
	});
	assert.equal(v.status, 201, v.text);
	victim = v.json.id;
	const c = await srv.request('POST', '/api/canned', {
		session: sessions.bob, body: { name: 'matrix', text: 'Hello {guest}.', shared: true },
	});
	assert.equal(c.status, 201, c.text);
	canned = c.json.id;
	// bob saves it from a chat of his own, then stops taking chats so the cells' chats are ann's.
	await setAvailable(sockets.admin, 'alpha', true);
	const saver = await openChat(srv, sockets.admin, 'alpha', 'Saver');
	await setAvailable(sockets.admin, 'alpha', false);
	const s = await upload(srv, sessions.bob, saver.chat, png(16, 12), { headers: { 'x-upload-kind': 'canned', 'x-canned-name': 'matrix' } });
	assert.equal(s.status, 201, s.text);
	snapshot = s.json.id;
	assert.equal((await sockets.admin.request({ type: 'chat.end', chat: saver.chat })).type, 'ack');
});

after(async () => {
	await srv?.close(); // stop() fails the file unless the exit is clean
});

/** Fill the placeholders of a cell's path or body. */
function fill(text, vars) {
	return text.replace(/\{(\w+)\}/g, (m, name) => {
		if (name === 'unique')
			return `u${process.pid}x${++uniques}`;
		assert.ok(name in vars, `docs/SECURITY.md uses an unknown placeholder ${m}`);
		return String(vars[name]);
	});
}

test('every route and message type the binary knows has exactly one row, and no row is extra', async () => {
	const r = await runBinary(['routes']);
	assert.equal(r.code, 0, r.stderr);
	const lines = r.stdout.trim().split('\n');
	const http = lines.filter((l) => !l.startsWith('WS ')).sort();
	const ws = lines.filter((l) => l.startsWith('WS ')).map((l) => l.split(' '));
	assert.ok(http.length >= 20 && ws.length >= 8, `refdesk routes printed too little:\n${r.stdout}`);
	const documented = httpRows.map((row) => row.route.replace(/\{\w+\}/g, '*')).sort();
	assert.deepEqual(documented, http, 'HTTP routes in docs/SECURITY.md §2.1 vs `refdesk routes`');
	assert.equal(new Set(documented).size, documented.length, 'a route has two rows');
	assert.deepEqual(wsRows.map((row) => row.message).sort(), ws.map((w) => w[1]).sort(),
		'WebSocket messages in docs/SECURITY.md §2.2 vs `refdesk routes`');
	// The kinds of socket a handler takes must agree with the cells: the rest get unknown_type.
	for (const [, type, ...kinds] of ws) {
		const row = wsRows.find((x) => x.message === type);
		for (const id of IDENTITIES) {
			const kind = id in OPERATOR_OF ? 'operator' : 'guest';
			if (!kinds.includes(kind))
				assert.equal(row[id], 'error unknown_type', `${type} for ${id}: a ${kind} socket cannot send it`);
			else
				assert.notEqual(row[id], 'error unknown_type', `${type} for ${id}: a ${kind} socket may send it`);
		}
	}
});

/** Send one WebSocket cell's message and describe the answer as a cell would. */
async function wsCell(row, id, world) {
	const socket = { nobody: nobodyWs, guest: world.held.guest, other_guest: other.guest }[id] ?? sockets[id];
	const token = { nobody: randomText(43), guest: world.held.token, other_guest: other.token }[id];
	const fields = JSON.parse(fill(row.fields, { chat: world.held.chat, waiting: world.waiting.chat, queue: 'alpha', token }));
	if (id in OPERATOR_OF)
		delete fields.token;
	const msgId = socket.send({ type: row.message, ...fields });
	if (row[id] === 'silent') {
		await socket.none((f) => f.id === msgId, 300, `reply to ${row.message}`);
		return 'silent';
	}
	const reply = await socket.reply(msgId, 5000, row.message);
	return reply.type === 'error' ? `error ${reply.code}` : reply.type;
}

test('every WebSocket cell of docs/SECURITY.md §2.2 answers as written', { timeout: 120000 }, async () => {
	const wrong = [];
	for (const row of wsRows) {
		for (const id of IDENTITIES) {
			// A fresh chat for each cell: one cell may end it or take it.
			const held = await openChat(srv, sockets.operator, 'alpha', `${row.message} ${id}`);
			const waiting = await startChat(srv, 'alpha', 'Waiting');
			await sockets.operator.nextOf('chat.offer', waiting.chat);
			const got = await wsCell(row, id, { held, waiting });
			walked.ws++;
			if (got !== row[id])
				wrong.push(`${row.message} as ${id}: wanted "${row[id]}", got "${got}"`);
			await held.guest.close();
			await waiting.guest.close();
		}
	}
	assert.deepEqual(wrong, [], `cells that disagree with docs/SECURITY.md:\n  ${wrong.join('\n  ')}`);
	console.log(`# WebSocket matrix: ${wsRows.length} messages x ${IDENTITIES.length} identities = ${walked.ws} cells`);
});

/** Make one HTTP cell's request and describe the answer as a cell would. */
async function httpCell(row, id) {
	const [method, pattern] = row.route.split(' ');
	const vars = { chat: target.chat, queue: 'alpha', blob, victim, canned, snapshot, block: 1, followup: 1 };
	const urlPath = fill(pattern, vars);
	const headers = {};
	let session;
	if (id === 'guest')
		headers.authorization = `Bearer ${target.token}`;
	else if (id === 'other_guest')
		headers.authorization = `Bearer ${other.token}`;
	else if (id in OPERATOR_OF)
		session = sessions[OPERATOR_OF[id]];
	let res;
	if (row.body.startsWith('a small PNG')) {
		assert.equal(urlPath, `/api/chats/${vars.chat}/uploads`, `${row.route}: only uploads take a PNG`);
		res = await upload(srv, session, vars.chat, png(16, 12), { headers: { ...headers, 'content-type': 'image/png' } });
	} else {
		res = await srv.request(method, urlPath, {
			session, headers, body: row.body ? fill(row.body, vars) : method === 'POST' ? '{}' : undefined,
		});
	}
	const code = res.json?.error?.code;
	// Pages answer people, in plain text; the API answers programs, in JSON.
	if (!urlPath.startsWith('/api/'))
		return `${res.status}`;
	if (res.status >= 400 && typeof res.json?.error?.message !== 'string')
		return `${res.status} without an error body: ${res.text.slice(0, 100)}`;
	return code ? `${res.status} ${code}` : `${res.status}`;
}

test('every HTTP cell of docs/SECURITY.md §2.1 answers as written', { timeout: 120000 }, async () => {
	// Signing out ends the session the other rows use: that row goes last.
	const last = (row) => row.route === 'POST /api/session/end';
	const rows = [...httpRows.filter((r) => !last(r)), ...httpRows.filter(last)];
	const wrong = [];
	for (const row of rows) {
		for (const id of IDENTITIES) {
			const got = await httpCell(row, id);
			walked.http++;
			if (got !== row[id])
				wrong.push(`${row.route} as ${id}: wanted "${row[id]}", got "${got}"`);
		}
	}
	assert.deepEqual(wrong, [], `cells that disagree with docs/SECURITY.md:\n  ${wrong.join('\n  ')}`);
	console.log(`# HTTP matrix: ${httpRows.length} routes x ${IDENTITIES.length} identities = ${walked.http} cells`);
	// After signing out, the sessions are dead, and their sockets were closed 4001.
	for (const id of Object.keys(OPERATOR_OF)) {
		const closed = await sockets[id].waitClosed(5000);
		assert.equal(closed.code, 4001, `${id}'s socket after sign-out: ${show(closed)}`);
	}
});

test('chat tokens and session cookies are on disk only as hashes; patron text is not logged', async () => {
	// After the stop (a clean exit: stop() checks it), the database with what its WAL held, and
	// the whole log.
	await nobodyWs.close();
	await target.guest.close();
	await other.guest.close();
	await srv.stop();
	// (On PostgreSQL every row as pg_dump writes it: storeContains().)
	assert.ok(storeContains(srv.dataDir, 'Target'), 'the check sees what is stored (the guest\'s name)');
	const secrets = {
		'a guest token': target.token,
		"another guest's token": other.token,
		"ann's session cookie": sessions.ann.cookie.split('=')[1],
		"cat's session cookie": sessions.cat.cookie.split('=')[1],
	};
	for (const [what, value] of Object.entries(secrets)) {
		assert.ok(!storeContains(srv.dataDir, value), `${what} is stored in the clear`);
		assert.ok(!srv.stderr.includes(value), `${what} is in the log`);
	}
	for (const text of ['Target', 'matrix', 'wrong-password', 'victim-password'])
		assert.ok(!srv.stderr.includes(text), `"${text}" (from a client) is in the log:\n${srv.stderr}`);
});
