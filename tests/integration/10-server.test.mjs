// 10-server: behaviour of the server as a whole that the other areas do not cover — per-address
// connection counts are released when connections close, abandoned waiting chats end, options
// can come from a config file, quiet sockets are pinged and dropped, and a stopping server turns
// every request away the same way; its threads are named.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { isOk, operator, setAvailable, startChat, stillServes } from './lib/flows.mjs';
import { onPostgres, runBinary, sleep, startServer } from '../lib/server.mjs';

/** One HTTP request on its own connection (no keep-alive); resolves with the status or 'error'. */
function getOnce(url) {
	return new Promise((resolve) => {
		const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', () => resolve('error'));
		req.setTimeout(5000, () => req.destroy());
	});
}

test('the server waits on epoll (libev), not on poll() over every socket', async () => {
	const srv = await startServer({ fixtures: false });
	try {
		const fds = await fs.readdir(`/proc/${srv.pid}/fd`);
		const targets = await Promise.all(fds.map((fd) => fs.readlink(`/proc/${srv.pid}/fd/${fd}`).catch(() => '')));
		assert.ok(targets.includes('anon_inode:[eventpoll]'), `no epoll descriptor: ${targets.join(' ')}`);
		assert.equal(await getOnce(srv.url + '/api/health'), 200);
		assert.doesNotMatch(srv.stderr, /cannot run in libev/);
	} finally {
		await srv.close();
	}
});

test('the threads are named for what they do', async () => {
	const srv = await startServer({ fixtures: false });
	try {
		const tasks = await fs.readdir(`/proc/${srv.pid}/task`);
		const names = await Promise.all(tasks.map((t) => fs.readFile(`/proc/${srv.pid}/task/${t}/comm`, 'utf8')));
		const count = (name) => names.filter((n) => n.trim() === name).length;
		// On PostgreSQL the writer indexes for search itself: no search-index thread.
		for (const name of ['writer', 'search-index', 'checkpoint'])
			assert.equal(count(name), name === 'search-index' && onPostgres ? 0 : 1,
				`threads: ${names.map((n) => n.trim()).join(', ')}`);
		assert.ok(count('worker') >= 1, `no worker thread: ${names.map((n) => n.trim()).join(', ')}`);
		assert.equal(count('refdesk'), 1, 'the loop keeps the program\'s name, and only it');
	} finally {
		await srv.close();
	}
});

test('closed connections give their address its allowance back', async () => {
	const srv = await startServer({ fixtures: false, args: ['--max-conns-per-ip', '3'] });
	const statuses = [];
	for (let i = 0; i < 25; i++) {
		statuses.push(await getOnce(srv.url + '/api/health'));
		await sleep(20);
	}
	assert.deepEqual(statuses, Array(25).fill(200), 'sequential connections beyond the cap were refused');
	await srv.close();
});

test('a waiting chat whose guest left is ended by the system, and the operator is told', { timeout: 30000 }, async () => {
	const srv = await startServer({ args: ['--abandon-secs', '2'] });
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const left = await startChat(srv, 'alpha', 'Leaves');
	const stays = await startChat(srv, 'alpha', 'Stays');
	await ann.next((f) => f.type === 'chat.offer' && f.chat === stays.chat, 5000, 'the offer');
	await left.guest.close();
	const gone = await ann.next((f) => f.type === 'chat.gone' && f.chat === left.chat, 8000, 'chat.gone');
	assert.equal(gone.chat, left.chat);
	// The chat that still has its guest keeps waiting.
	await sleep(2500);
	assert.ok(!ann.all().some((f) => f.type === 'chat.gone' && f.chat === stays.chat), 'a chat with its guest was ended');
	// The log says the system ended it.
	const back = await operator(srv, 'bob');
	isOk(await back.request({ type: 'chat.join', chat: left.chat, after: 0 }));
	const ended = await back.next((f) => f.type === 'event' && f.notice === 'ended', 5000, 'the ended notice');
	assert.equal(ended.by, 'system');
	const accept = await ann.request({ type: 'chat.accept', chat: left.chat });
	assert.equal(accept.code, 'chat_ended');
	await stillServes(srv);
	for (const c of [ann, back, stays.guest])
		await c.close();
	await srv.close();
});

test('options come from a config file, and the command line wins', async () => {
	const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'refdesk-conf-'));
	const conf = path.join(dir, 'refdesk.conf');
	await fs.writeFile(conf, '# a comment\nmax-conns-per-ip = 2\ndemo = false\nsession-hours = 3\n');
	const srv = await startServer({ fixtures: false, args: ['--config', conf] });
	assert.ok(await srv.healthy());
	await srv.close();
	await fs.writeFile(conf, 'no-such-option = 1\n');
	const bad = await startServer({ fixtures: false, args: ['--config', conf] }).catch((err) => err);
	assert.ok(bad instanceof Error && /unknown option/.test(bad.message), `a bad config file: ${bad}`);
	await fs.rm(dir, { recursive: true, force: true });
});

test('SIGTERM while a sign-in is on a worker still exits 0', async () => {
	for (const delay of [0, 5, 20]) {
		const srv = await startServer();
		const signin = fetch(srv.url + '/api/session', {
			method: 'POST', headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: 'ann', password: 'ann-password-1' }),
		}).catch(() => null);
		await sleep(delay);
		await srv.close(); // checks exit 0 and no sanitizer report
		await signin;
	}
});

test('a POST with an empty body is answered; one without Content-Length gets 411', async () => {
	const srv = await startServer();
	const empty = await new Promise((resolve, reject) => {
		const req = http.request(srv.url + '/api/session/end', { method: 'POST', headers: { 'content-length': '0' } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.setTimeout(5000, () => req.destroy(new Error('no answer to an empty POST')));
		req.end();
	});
	assert.equal(empty, 401);
	const chunked = await new Promise((resolve, reject) => {
		const req = http.request(srv.url + '/api/session', { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.setTimeout(5000, () => req.destroy(new Error('no answer to a chunked POST')));
		req.write('{"username":');
		setTimeout(() => req.end('"ann","password":"x"}'), 50);
	});
	assert.equal(chunked, 411);
	// Uploads too: the transport answers before the upload's own checks (PROTOCOL.md 2.1), and
	// hangs up once the rest of the body has been read away.
	const started = Date.now();
	const upload = await srv.rawHttp(`POST /api/chats/c_none/uploads HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n`
		+ 'X-Upload-Kind: image\r\nAuthorization: Bearer x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n');
	assert.equal(upload.status, 411, upload.text);
	assert.match(upload.text, /"code":"length_required"/);
	assert.match(upload.text, /\r\nconnection: close\r\n/i);
	assert.ok(Date.now() - started < 8000, `the connection stayed open ${Date.now() - started} ms`);
	await stillServes(srv);
	await srv.close();
});

/** A raw WebSocket that answers pings only when `pong`; resolves once open. */
function rawSocket(srv, { pong }) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(srv.wsUrl, { autoPong: pong, perMessageDeflate: false });
		ws.pings = 0;
		ws.on('ping', () => ws.pings++);
		ws.closedAt = null;
		ws.on('close', () => { ws.closedAt = Date.now(); });
		ws.on('open', () => resolve(ws));
		ws.on('error', reject);
	});
}

test('a quiet socket is pinged; one that never answers is dropped, one that does is kept', { timeout: 30000 }, async () => {
	const srv = await startServer({ fixtures: false, args: ['--ping-secs', '1', '--idle-close-secs', '4'] });
	const mute = await rawSocket(srv, { pong: false });
	const alive = await rawSocket(srv, { pong: true });
	const opened = Date.now();
	while (mute.closedAt === null && Date.now() - opened < 10000)
		await sleep(50);
	assert.ok(mute.pings >= 1, 'the silent socket was never pinged');
	assert.ok(mute.closedAt !== null, 'a socket that answers nothing is still open after 10 s');
	const after = mute.closedAt - opened;
	assert.ok(after >= 3500 && after <= 7000, `dropped after ${after} ms; 4 s of silence were asked`);
	await sleep(1500);
	assert.equal(alive.closedAt, null, 'a socket that answers its pings was dropped');
	assert.ok(alive.pings >= 2, `the answering socket was pinged ${alive.pings} times in ${Date.now() - opened} ms`);
	alive.close();
	await stillServes(srv);
	await srv.close();
});

test('refused ping settings: --idle-close-secs must exceed --ping-secs', async () => {
	const r = await runBinary(['serve', '--listen', '127.0.0.1:1', '--ping-secs', '30', '--idle-close-secs', '30']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--idle-close-secs must be more than --ping-secs/);
});

test('while it stops, every request is turned away with 503 busy, signed in or not', { timeout: 30000 }, async () => {
	const srv = await startServer();
	// A socket that keeps talking keeps the stopping server up for a few seconds (its input is
	// read away until it pauses, at most 10 s), long enough to ask it things.
	const chatty = await rawSocket(srv, { pong: true });
	chatty.on('error', () => {});
	const talk = setInterval(() => { try { chatty.send('{"type":"typing"}'); } catch { /* closed */ } }, 50);
	const session = await srv.session('ann');
	srv.proc.kill('SIGTERM');
	await sleep(300);
	try {
		const asks = [
			['GET', '/api/session', {}],
			['GET', '/api/session', { session }],
			['GET', '/api/health', {}],
			['GET', '/staff/share/c_x', {}],
			['POST', '/api/session/end', { body: '' }],
		];
		for (const [method, p, opts] of asks) {
			const r = await srv.request(method, p, opts);
			assert.equal(r.status, 503, `${method} ${p}${opts.session ? ' (signed in)' : ''}: ${r.status} ${r.text}`);
		}
	} finally {
		clearInterval(talk);
		chatty.terminate();
	}
	await srv.close();
});
