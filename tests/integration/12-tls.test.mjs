// 12-tls: with --tls-cert/--tls-key the same port speaks HTTPS and WSS. ALPN offers only
// HTTP/1.1 (libwebsockets 4.1's HTTP/2 is not reliable: docs/OPERATIONS.md), so a client that asks
// for h2, as every browser does, gets HTTP/1.1. Every page file, large JSON answers, transcripts,
// 5 MB uploads and blobs, HEAD, and WebSocket frames over 16 KiB in both directions arrive whole;
// cookies carry Secure, responses carry HSTS, and TLS 1.2 offers only forward-secret AEAD suites.
// The certificate is made here with the openssl command line.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { Client } from './lib/client.mjs';
import { FRAME_SIZES, burstArrivesWhole, isAck, isOk } from './lib/flows.mjs';
import { OPERATORS, makeCertificate, repoRoot, sleep, startServer } from '../lib/server.mjs';

let dir, srv, port, origin, ca;

before(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-tls-'));
	const tlsFiles = makeCertificate(dir);
	ca = tlsFiles.ca;
	// Fast senders: this file sends a thousand messages and several uploads, and opens a
	// connection per request (every page file twice, then every page route four times: more
	// than the default burst of new connections per address on a quick machine).
	srv = await startServer({ tls: tlsFiles, args: ['--msg-rate', '100000', '--msg-burst', '100000',
		'--upload-rate', '1000', '--upload-burst', '1000', '--conn-rate', '100000', '--conn-burst', '100000'] });
	port = srv.port;
	origin = srv.origin;
	// The address it announces is the HTTPS one.
	for (let i = 0; i < 100 && !srv.stdout.includes(origin); i++)
		await sleep(50);
	assert.ok(srv.stdout.includes(origin), `refdesk did not announce ${origin}:\n${srv.stdout}`);
});

after(async () => {
	try {
		await srv?.close(); // stop() fails the file unless the exit is clean
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

/**
 * A request over TLS offering h2 and HTTP/1.1 in ALPN, as a browser does; it must get HTTP/1.1.
 * Resolves with {status, headers, body: Buffer}, gunzipped when gzip.
 */
function request(method, urlPath, { headers = {}, body } = {}) {
	return new Promise((resolve, reject) => {
		const h = { ...headers };
		if (body !== undefined)
			h['content-length'] = Buffer.byteLength(body);
		const req = https.request({ host: '127.0.0.1', port, method, path: urlPath, ca, headers: h, agent: false,
			ALPNProtocols: ['h2', 'http/1.1'] }, (res) => {
			const chunks = [];
			res.on('data', (d) => chunks.push(d));
			res.on('end', () => {
				let bytes = Buffer.concat(chunks);
				if (res.headers['content-encoding'] === 'gzip' && bytes.length)
					bytes = zlib.gunzipSync(bytes);
				resolve({ status: res.statusCode, headers: res.headers, body: bytes, alpn: res.socket.alpnProtocol });
			});
			res.on('error', reject);
		});
		req.on('error', (err) => reject(new Error(`${method} ${urlPath} over TLS: ${err.message}`)));
		req.setTimeout(15000, () => req.destroy(new Error(`${method} ${urlPath}: no answer over TLS`)));
		req.end(body);
	});
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function signIn(username) {
	const r = await request('POST', '/api/session', {
		headers: { 'content-type': 'application/json', origin },
		body: JSON.stringify({ username, password: OPERATORS[username].password }),
	});
	assert.equal(r.status, 200, r.body.toString());
	const cookie = r.headers['set-cookie'][0];
	return { cookie: cookie.split(';')[0], setCookie: cookie, csrf: JSON.parse(r.body).csrf };
}

let annSession;
const ann = async () => (annSession ??= await signIn('ann'));

test('HTTPS and WSS on one port, Secure cookies and HSTS', { timeout: 60000 }, async () => {
	const health = await request('GET', '/api/health');
	assert.equal(health.status, 200);
	assert.match(health.headers['strict-transport-security'], /max-age=/);
	const s = await ann();
	assert.match(s.setCookie, /; Secure/);
	assert.match(s.setCookie, /HttpOnly/);

	const ws = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, cookie: s.cookie, origin });
	const hello = await ws.next(() => true, 10000, 'hello over WSS');
	assert.equal(hello.type, 'hello');
	assert.equal(hello.operator.username, 'ann');
	ws.close();
	// A plain-HTTP origin is not this server's origin under TLS.
	const wrong = await request('POST', '/api/session', {
		headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
		body: JSON.stringify({ username: 'ann', password: OPERATORS.ann.password }),
	});
	assert.equal(wrong.status, 403);
});

/** Every file under web/ that the server serves by its path, relative to web/. */
function webFiles() {
	const out = [];
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory())
				walk(p);
			else if (!e.name.endsWith('.md')) // documentation for developers, not served
				out.push(path.relative(path.join(repoRoot, 'web'), p));
		}
	};
	walk(path.join(repoRoot, 'web'));
	return out.sort();
}

/**
 * The file the server sends for web/`rel`: a script's or stylesheet's minified copy under
 * build/web-min (`make`) when there is one no older than the file (PROTOCOL §2.1), else the file.
 */
function served(rel) {
	const src = path.join(repoRoot, 'web', rel);
	const min = path.join(repoRoot, 'build/web-min', rel);
	let fresh = /\.(js|css)$/.test(rel) && fs.existsSync(min) && fs.statSync(min).mtimeMs >= fs.statSync(src).mtimeMs;
	// A bundle is fresh while every file it was made from is no newer (scripts/web-min).
	if (fresh && fs.existsSync(`${min}.inputs`)) {
		for (const input of fs.readFileSync(`${min}.inputs`, 'utf8').split('\n').filter(Boolean))
			fresh &&= fs.statSync(path.join(repoRoot, 'web', input)).mtimeMs <= fs.statSync(min).mtimeMs;
	}
	return fs.readFileSync(fresh ? min : src);
}

test('every page file arrives whole over TLS, gzipped or not, and ALPN picks HTTP/1.1', { timeout: 120000 }, async () => {
	const files = webFiles();
	assert.ok(files.length > 40, `only ${files.length} files under web/`);
	let largest = 0;
	for (const rel of files) {
		let want = served(rel);
		largest = Math.max(largest, want.length);
		// A page's marked stylesheets and scripts come inside it (PROTOCOL §2.1).
		if (rel.endsWith('.html'))
			want = Buffer.from(want.toString('utf8').replace(/<link rel="stylesheet" data-inline href="\/([^"]+)">/g,
				(_, css) => `<style data-inline="/${css}">${served(css).toString('utf8')}</style>`)
				.replace(/<script data-inline src="\/([^"]+)"><\/script>/g,
					(_, js) => `<script data-inline="/${js}">${served(js).toString('utf8')}</script>`));
		for (const enc of ['gzip', 'identity']) {
			const r = await request('GET', `/${rel}`, { headers: { 'accept-encoding': enc } });
			assert.equal(r.alpn, 'http/1.1', `${rel}: ALPN chose ${r.alpn}`);
			assert.equal(r.status, 200, `${rel} (${enc})`);
			assert.ok(r.body.equals(want), `${rel} (${enc}): ${r.body.length} bytes, the file has ${want.length}`);
		}
	}
	assert.ok(largest > 16384, 'some file is larger than 16 KiB');
});

const PAGE_ROUTES = ['/', '/embed.js', '/box/alpha', '/box/nope', '/staff', '/staff/signin', '/staff/admin', '/staff/history',
	'/staff/share/c_nothing', '/api/health', '/api/queues/alpha', '/widget/box.js', '/no-such-file.js'];

test('HEAD answers every GET route with its headers and no body', { timeout: 60000 }, async () => {
	for (const route of PAGE_ROUTES) {
		for (const enc of ['gzip', 'identity']) {
			const opts = { headers: { 'accept-encoding': enc } };
			const get = await request('GET', route, opts);
			const head = await request('HEAD', route, opts);
			const what = `HEAD ${route} (${enc})`;
			assert.notEqual(head.status, 405, what);
			assert.equal(head.status, get.status, what);
			assert.equal(head.body.length, 0, `${what} carried a body`);
			for (const h of ['content-type', 'content-length', 'content-encoding', 'etag', 'content-security-policy'])
				assert.equal(head.headers[h], get.headers[h], `${what}: ${h}`);
		}
	}
	// POST-only routes stay 405 for HEAD, as for GET.
	assert.equal((await request('HEAD', '/api/session/end')).status, 405);
	// On one connection, HEAD then GET: the GET's answer starts right after HEAD's headers
	// (an HTTP client never reads a HEAD body, so only the raw bytes show one).
	const raw = await new Promise((resolve, reject) => {
		const sock = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
			sock.write(`HEAD /widget/box.js HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`
				+ `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
		});
		let got = '';
		sock.setEncoding('latin1');
		sock.on('data', (d) => { got += d; });
		sock.on('end', () => resolve(got));
		sock.on('error', reject);
		sock.setTimeout(10000, () => sock.destroy(new Error('no answer to HEAD then GET')));
	});
	const split = raw.indexOf('\r\n\r\n');
	assert.match(raw, /^HTTP\/1\.1 200 /, raw.slice(0, 200));
	assert.match(raw, /content-length: [1-9]\d*\r\n/i, 'HEAD tells the GET body\'s length');
	assert.match(raw.slice(split + 4), /^HTTP\/1\.1 200 [^]*\r\n\r\n\{"ok":true\}$/, `after HEAD's headers: ${JSON.stringify(raw.slice(split + 4, split + 120))}`);
});

/** A guest socket over WSS with a chat on alpha that `op` accepted. */
async function acceptedChat(op, name = 'Pat') {
	const guest = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, origin, label: 'guest' });
	const start = isOk(await guest.request({ type: 'chat.start', queue: 'alpha', name }), 'chat.start');
	await op.next((f) => f.type === 'chat.offer' && f.chat === start.chat, 10000, 'the offer');
	isOk(await op.request({ type: 'chat.accept', chat: start.chat }), 'chat.accept');
	return { guest, chat: start.chat, token: start.token };
}

test('a 1,000-event history, its transcripts, and 5 MB uploads and blobs over TLS', { timeout: 180000 }, async () => {
	const s = await ann();
	const op = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, cookie: s.cookie, origin, label: 'ann' });
	await op.next((f) => f.type === 'hello', 10000, 'hello');
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: true }));
	const c = await acceptedChat(op);
	const line = 'The catalogue lists it under QL 671 — shelf 4, second floor; ask at the desk. ';
	for (let i = 0; i < 1000; i += 50) {
		const batch = [];
		for (let j = i; j < i + 50; j++)
			batch.push((j % 2 ? op : c.guest).request({ type: 'msg.send', chat: c.chat, text: `${j}: ${line}${line}` }));
		for (const r of await Promise.all(batch))
			isAck(r);
	}
	// A 5 MB file up, and down for the operator (cookie) and the guest (Bearer).
	const bytes = crypto.randomBytes(5 * 1024 * 1024);
	const up = await request('POST', `/api/chats/${c.chat}/uploads`, {
		headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin, 'x-upload-kind': 'file', 'x-file-name': 'big.bin',
			'content-type': 'application/octet-stream' },
		body: bytes,
	});
	assert.equal(up.status, 200, `upload: ${up.body.toString()}`);
	const { blob } = JSON.parse(up.body);
	for (const auth of [{ cookie: s.cookie }, { authorization: `Bearer ${c.token}` }]) {
		const r = await request('GET', `/api/chats/${c.chat}/blobs/${blob}`, { headers: auth });
		assert.equal(r.status, 200, `blob for ${Object.keys(auth)[0]}`);
		assert.equal(r.body.length, bytes.length);
		assert.equal(sha(r.body), sha(bytes));
	}
	// Ended, so that nothing in the answers changes between two fetches.
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }));
	for (const enc of ['gzip', 'identity']) {
		const hist = await request('GET', `/api/history/${c.chat}`, { headers: { cookie: s.cookie, 'accept-encoding': enc } });
		assert.equal(hist.status, 200, hist.body.toString().slice(0, 200));
		assert.equal(Number(hist.headers['content-length'] ?? hist.body.length) > 0, true);
		const events = JSON.parse(hist.body).events;
		assert.equal(events.filter((e) => e.kind === 'message').length, 1000, `${events.length} events`);
		assert.ok(events.some((e) => e.text === `999: ${line}${line}`.trim()), "the last message, whole");
		assert.ok(hist.body.length > 200000, `the history answer is ${hist.body.length} bytes`);
		// API answers are never compressed (BREACH: docs/SECURITY.md).
		assert.equal(hist.headers['content-encoding'], undefined, `the history answer (${enc})`);
	}
	for (const kind of ['transcript.html', 'transcript.txt']) {
		const t = await request('GET', `/api/history/${c.chat}/${kind}`, { headers: { cookie: s.cookie, 'accept-encoding': 'gzip' } });
		assert.equal(t.status, 200, kind);
		assert.equal(Number(t.headers['content-length']), t.body.length, kind);
		assert.ok(t.body.length > 150000, `${kind}: ${t.body.length} bytes`);
		assert.ok(t.body.includes('999: The catalogue'), `${kind} lacks the last message`);
		assert.equal(t.headers['content-encoding'], undefined, kind);
	}
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: false }));
	op.close();
	c.guest.close();
});

test('WebSocket messages over 16 KiB both ways over WSS', { timeout: 120000 }, async () => {
	const s = await ann();
	const op = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, cookie: s.cookie, origin, label: 'ann' });
	await op.next((f) => f.type === 'hello', 10000, 'hello');
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: true }));
	// Waiting chats with long names make the next hello far larger than 16 KiB.
	const guests = [];
	const waiting = [];
	for (let i = 0; i < 60; i++) {
		if (i % 5 === 0) // a guest socket starts a few chats at most
			guests.push(await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, origin, label: `guests${i}` }));
		const r = isOk(await guests.at(-1).request({ type: 'chat.start', queue: 'alpha', name: `${i} ${'€'.repeat(75)}` }));
		waiting.push({ chat: r.chat, guest: guests.at(-1) });
	}
	const second = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, cookie: s.cookie, origin, label: 'ann/2' });
	const hello = await second.next((f) => f.type === 'hello', 10000, 'the second hello');
	assert.ok(Buffer.byteLength(JSON.stringify(hello)) > 20000, `hello is only ${Buffer.byteLength(JSON.stringify(hello))} bytes`);
	for (const { chat } of waiting)
		assert.ok(hello.chats.some((x) => x.chat === chat && x.name.endsWith('€'.repeat(75))), `${chat} in hello`);
	// A message of 4,000 four-byte characters: over 16 KiB from the client and back to everyone.
	const { chat, guest } = waiting[0];
	isOk(await op.request({ type: 'chat.accept', chat }));
	isOk(await second.request({ type: 'chat.join', chat, after: 0 }));
	const text = '😀'.repeat(4000);
	const ack = isAck(await op.request({ type: 'msg.send', chat, text }), 'a 16 KB message');
	for (const [who, ws] of [['the sender', op], ['a second socket', second], ['the guest', guest]]) {
		const ev = await ws.next((f) => f.type === 'event' && f.chat === chat && f.seq === ack.seq, 10000, `the event for ${who}`);
		assert.equal(ev.text, text, `the text for ${who}`);
	}
	for (const w of waiting)
		await w.guest.request({ type: 'chat.end', chat: w.chat });
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: false }));
	for (const ws of [op, second, ...guests])
		ws.close();
});

test('bursts of messages of every frame size arrive whole and in order over WSS', { timeout: 60000 }, async () => {
	const s = await ann();
	const op = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, cookie: s.cookie, origin, label: 'ann' });
	await op.next((f) => f.type === 'hello', 10000, 'hello');
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: true }));
	const guest = await Client.connect(`wss://127.0.0.1:${port}/ws`, { ca, origin, label: 'burst guest' });
	const { chat } = isOk(await guest.request({ type: 'chat.start', queue: 'alpha', name: 'Burst' }));
	isOk(await op.request({ type: 'chat.accept', chat }));
	await burstArrivesWhole(op, guest, chat, FRAME_SIZES);
	await burstArrivesWhole(guest, op, chat, FRAME_SIZES.slice().reverse());
	await guest.request({ type: 'chat.end', chat });
	isOk(await op.request({ type: 'availability.set', queue: 'alpha', available: false }));
	op.close();
	guest.close();
});

function handshake(args) {
	return new Promise((resolve) => {
		execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args],
			{ timeout: 10000, input: '' }, (err, stdout) => {
				const m = /Cipher is (\S+)/.exec(stdout);
				resolve(!err && m && m[1] !== '(NONE)' ? m[1] : null);
			}).stdin.end();
	});
}

test('TLS: 1.2 with ECDHE and AEAD only, 1.3 as is, nothing older', { timeout: 60000 }, async () => {
	for (const cipher of ['AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-SHA256', 'AES256-SHA'])
		assert.equal(await handshake(['-tls1_2', '-cipher', cipher]), null, `static-RSA ${cipher} was accepted`);
	for (const cipher of ['ECDHE-RSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA'])
		assert.equal(await handshake(['-tls1_2', '-cipher', cipher]), null, `CBC ${cipher} was accepted`);
	for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'])
		assert.equal(await handshake(['-tls1_2', '-cipher', cipher]), cipher, `${cipher} was refused`);
	// The server's order wins: a client preferring ChaCha20 still gets AES-GCM first.
	assert.equal(await handshake(['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256']),
		'ECDHE-RSA-AES128-GCM-SHA256');
	assert.match(await handshake(['-tls1_3']) ?? '', /^TLS_/);
	assert.equal(await handshake(['-tls1_1']), null, 'TLS 1.1 was accepted');
});
