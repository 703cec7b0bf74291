// 17-floods: hostile peers against a server that others are using (PROTOCOL §3.1, §3.6, §3.7,
// §2.6). 08-limits already covers half-sent headers, one message flood and one connection
// burst; here each attack runs while a bystander chat (guest and operator on 127.0.0.1)
// exchanges a message every 30 ms, and the bystander's latency — from sending to the other
// side hearing it — is measured and printed. The attacker comes from another loopback address
// (127.0.0.2), as it would from elsewhere on the network, so the per-address limits are its
// own. Each attack must be capped, the offender cut off, and the bystander served on time.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { Client } from './lib/client.mjs';
import { guest, isAck, isOk, openChat, operator, setAvailable, stillServes } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { sleep, startServer } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

const ATTACKER = '127.0.0.2';
const P99_BOUND_MS = 2000; // generous: a sanitizer build on a shared 2-core machine
let srv;
let ann;
let calm;

before(async () => {
	srv = await startServer({ args: ['--header-timeout', '2'] });
	ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	calm = await openChat(srv, ann, 'alpha', 'Bystander');
});

after(async () => {
	await calm?.guest.close();
	await ann?.close();
	await srv?.close(); // stop() fails the file unless the exit is clean
});

/**
 * The bystander chat talks while `attack()` runs: every 30 ms one side sends and the time
 * until the other side hears the event is recorded. Resolves with the attack's result and
 * {count, p50, p99, max} of the latencies.
 */
async function whileBystanderTalks(name, attack) {
	const samples = [];
	let running = true;
	const talk = (async () => {
		for (let i = 0; running; i++) {
			const [from, to] = i % 2 ? [ann, calm.guest] : [calm.guest, ann];
			const t = performance.now();
			const a = isAck(await from.request({ type: 'msg.send', chat: calm.chat, text: `${name} ${i}` }, 10000), 'bystander message');
			await to.event(calm.chat, a.seq, 10000);
			samples.push(performance.now() - t);
			await sleep(30);
		}
	})();
	await sleep(200);
	let result;
	try {
		result = await attack();
	} finally {
		await sleep(300);
		running = false;
		await talk;
	}
	samples.sort((x, y) => x - y);
	const at = (q) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]);
	const lat = { count: samples.length, p50: at(0.5), p99: at(0.99), max: Math.round(samples[samples.length - 1]) };
	console.log(`# ${name}: bystander ${lat.count} messages, p50 ${lat.p50} ms, p99 ${lat.p99} ms, max ${lat.max} ms`);
	assert.ok(lat.count >= 5, `${name}: the bystander moved only ${lat.count} messages`);
	assert.ok(lat.p99 < P99_BOUND_MS, `${name}: bystander p99 ${lat.p99} ms`);
	await stillServes(srv);
	return result;
}

/** A raw TCP connection from the attacker's address; resolves once connected. */
function raw() {
	return new Promise((resolve, reject) => {
		const sock = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: ATTACKER });
		sock.got = Buffer.alloc(0);
		sock.ended = new Promise((r) => sock.on('close', () => r(performance.now())));
		sock.on('data', (d) => { sock.got = Buffer.concat([sock.got, d]); });
		sock.on('error', () => {});
		sock.once('connect', () => resolve(sock));
		sock.once('error', reject);
	});
}

/** A raw WebSocket (handshake done by hand) from the attacker's address. */
async function rawWs(extraHeaders = '') {
	const sock = await raw();
	const key = crypto.randomBytes(16).toString('base64');
	sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
		`Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`);
	const deadline = Date.now() + 5000;
	while (!sock.got.includes('\r\n\r\n') && Date.now() < deadline)
		await sleep(5);
	const end = sock.got.indexOf('\r\n\r\n');
	sock.handshake = sock.got.subarray(0, end).toString('latin1');
	sock.got = sock.got.subarray(end + 4);
	assert.match(sock.handshake, /^HTTP\/1\.1 101/, `handshake: ${sock.handshake}`);
	return sock;
}

/** A masked client frame: `first` is the first byte (FIN, RSV bits, opcode). */
function frame(first, payload) {
	const p = Buffer.from(payload);
	const mask = crypto.randomBytes(4);
	let head;
	if (p.length < 126)
		head = Buffer.from([first, 0x80 | p.length]);
	else if (p.length < 65536) {
		head = Buffer.alloc(4);
		head[0] = first;
		head[1] = 0x80 | 126;
		head.writeUInt16BE(p.length, 2);
	} else {
		head = Buffer.alloc(10);
		head[0] = first;
		head[1] = 0x80 | 127;
		head.writeBigUInt64BE(BigInt(p.length), 2);
	}
	const body = Buffer.from(p.map((b, i) => b ^ mask[i % 4]));
	return Buffer.concat([head, mask, body]);
}

/** The close code in the server's frames received on `sock`, or null. */
function closeCode(sock) {
	const b = sock.got;
	for (let i = 0; i + 1 < b.length;) {
		const op = b[i] & 0x0f;
		let len = b[i + 1] & 0x7f;
		let off = i + 2;
		if (len === 126) {
			len = b.readUInt16BE(off);
			off += 2;
		} else if (len === 127) {
			len = Number(b.readBigUInt64BE(off));
			off += 8;
		}
		if (op === 8)
			return len >= 2 ? b.readUInt16BE(off) : 1005;
		i = off + len;
	}
	return null;
}

test('headers that never end (a line every 300 ms) are cut off at the header timeout', { timeout: 30000 }, async () => {
	const cut = await whileBystanderTalks('endless headers', async () => {
		const socks = await Promise.all(Array.from({ length: 20 }, () => raw()));
		const t0 = performance.now();
		let i = 0;
		const drip = setInterval(() => {
			for (const s of socks) {
				if (!s.destroyed)
					s.write(i === 0 ? 'GET /staff HTTP/1.1\r\nHost: x\r\n' : `X-Drip-${i}: ${'d'.repeat(20)}\r\n`);
			}
			i++;
		}, 300);
		const ends = await Promise.race([Promise.all(socks.map((s) => s.ended)), sleep(10000).then(() => null)]);
		clearInterval(drip);
		for (const s of socks)
			s.destroy();
		assert.ok(ends, 'a dripping client was still connected after 10 s');
		return Math.max(...ends) - t0;
	});
	console.log(`# endless headers: all 20 cut off within ${Math.round(cut)} ms (header timeout 2 s)`);
	assert.ok(cut < 5000, `cut off after ${cut} ms`);
});

test('huge headers are refused at once; the connection is not kept', { timeout: 30000 }, async () => {
	await whileBystanderTalks('huge headers', async () => {
		for (const size of [9000, 100000, 1000000]) {
			const s = await raw();
			const t0 = performance.now();
			s.write(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`);
			const end = await Promise.race([s.ended, sleep(5000).then(() => null)]);
			const status = /^HTTP\/1\.1 (\d{3})/.exec(s.got.toString('latin1'))?.[1];
			s.destroy();
			assert.ok(end, `a ${size}-byte header kept the connection open`);
			assert.ok(!status || Number(status) >= 400, `a ${size}-byte header was answered ${status}`);
			assert.ok(end - t0 < 3000, `a ${size}-byte header took ${Math.round(end - t0)} ms to refuse`);
		}
	});
});

test('a WebSocket message fragmented forever is read away past 64 KiB and closed 1009', { timeout: 30000 }, async () => {
	// Past 64 KiB the server stops keeping it; it reads the rest away (closing over unread
	// input would reset the connection and lose the close frame) and closes 1009 when the
	// sender pauses — or after 10 s of a sender that never does (which may then see a reset).
	const took = await whileBystanderTalks('endless fragments', async () => {
		const socks = await Promise.all(Array.from({ length: 4 }, () => rawWs()));
		for (const s of socks)
			s.write(frame(0x01, '{"type":"msg.send","id":"frag","text":"'));
		const t0 = performance.now();
		while (socks.some((s) => !s.destroyed && closeCode(s) === null) && performance.now() - t0 < 15000) {
			for (const s of socks) {
				if (!s.destroyed && closeCode(s) === null)
					s.write(frame(0x00, 'x'.repeat(1000))); // continuation, never FIN
			}
			await sleep(2);
		}
		const t = performance.now() - t0;
		for (const s of socks) {
			const code = closeCode(s);
			const reset = s.destroyed;
			s.destroy();
			// A sender that never pauses is hung up on regardless; its own writes may then
			// meet a reset that swallows the close frame (as for the message flooders below).
			assert.ok(code === 1009 || (code === null && reset),
				`an endless fragmented message closed with ${code} after ${Math.round(t)} ms`);
		}
		return t;
	});
	console.log(`# endless fragments: 4 senders that never pause cut off (1009 or a reset) after ${Math.round(took)} ms`);
	assert.ok(took < 12000, `closed after ${took} ms`);
});

test('permessage-deflate is not negotiated, and a compressed (RSV1) frame is refused', { timeout: 30000 }, async () => {
	// Made before the measurement: compressing 64 MiB would stall this process, not the server.
	const { deflateRawSync } = await import('node:zlib');
	const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
	await whileBystanderTalks('compressed frames', async () => {
		// The ws package offers permessage-deflate; the server does not take it.
		const w = new WebSocket(srv.wsUrl, { perMessageDeflate: true, localAddress: ATTACKER });
		const ext = await new Promise((resolve, reject) => {
			w.once('upgrade', (res) => resolve(res.headers['sec-websocket-extensions']));
			w.once('error', reject);
		});
		assert.equal(ext, undefined, `the server negotiated ${ext}`);
		w.terminate();

		// A deflate bomb sent anyway: 64 MiB of zeros in about 64 KiB, with RSV1 set.
		const s = await rawWs('Sec-WebSocket-Extensions: permessage-deflate\r\n');
		assert.doesNotMatch(s.handshake, /sec-websocket-extensions/i, s.handshake);
		s.write(frame(0x80 | 0x40 | 0x01, bomb));
		const end = await Promise.race([s.ended, sleep(5000).then(() => null)]);
		assert.ok(end, 'the connection that sent a compressed frame is still open');
		const code = closeCode(s);
		assert.ok(code === null || code === 1002, `closed with ${code}`);
		assert.ok(!s.got.toString('latin1').includes('"type"'), `the compressed frame was answered: ${s.got.toString('latin1').slice(0, 200)}`);
		s.destroy();
	});
});

test('a connection flood from one address is capped; the bystander keeps talking', { timeout: 60000 }, async () => {
	const kept = await whileBystanderTalks('connection flood', async () => {
		const attempts = await Promise.all(Array.from({ length: 600 }, (_, i) => Client.connect(srv.wsUrl, {
			label: `cflood${i}`, timeout: 5000, headers: {}, localAddress: ATTACKER,
		}).catch((err) => err)));
		await sleep(500);
		const open = attempts.filter((c) => c instanceof Client && !c.closeInfo);
		for (const c of attempts)
			if (c instanceof Client)
				c.terminate();
		return open.length;
	});
	console.log(`# connection flood: ${kept} of 600 kept open`);
	assert.ok(kept <= 256, `${kept} connections open from one address`);
});

test('message floods from several sockets: each is cut off, nothing else slows down', { timeout: 60000 }, async () => {
	// The flooders never pause. The server answers rate_limited, then reads their input away
	// and closes 1008 once they pause — which they never do, so after at most 10 s it hangs up
	// on them regardless (and a peer still sending may then see its connection reset: 1006).
	const results = await whileBystanderTalks('message flood', async () => {
		const floods = await Promise.all(Array.from({ length: 6 }, (_, i) => Client.connect(srv.wsUrl, { label: `mflood${i}`, localAddress: ATTACKER })));
		const t0 = performance.now();
		const going = floods.map(async (g) => {
			for (let n = 0; !g.closeInfo && performance.now() - t0 < 20000; n++) {
				if (g.ws.readyState === g.ws.OPEN)
					g.send({ type: 'presence.watch', queues: ['alpha'] });
				if (n % 20 === 0)
					await sleep(1);
			}
			const closed = await g.waitClosed(15000);
			const limited = g.all().filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
			return { ...closed, limited, after: performance.now() - t0 };
		});
		return Promise.all(going);
	});
	for (const r of results) {
		assert.ok(r.code === 1008 || r.code === 1006, `a flooding socket closed with ${r.code}`);
		assert.ok(r.after < 15000, `a flooding socket was cut off only after ${Math.round(r.after)} ms`);
	}
	assert.ok(results.some((r) => r.limited > 0), 'no flooder heard rate_limited');
	console.log(`# message flood: 6 flooders cut off after ${results.map((r) => `${Math.round(r.after / 100) / 10} s (${r.code})`).join(', ')}`);
});

test('upload floods: a chat over its rate gets 429, a pile of big uploads gets 503; others unaffected', { timeout: 60000 }, async () => {
	const flood = await openChat(srv, ann, 'alpha', 'Uploader');
	const counts = await whileBystanderTalks('upload flood', async () => {
		const post = (body, headers = {}) => upload(srv, flood, flood.chat, body, { headers, timeoutMs: 20000 })
			.then((r) => r.status, () => 0);
		const small = png(64, 48);
		const statuses = await Promise.all(Array.from({ length: 60 }, () => post(small)));
		const by = (s) => statuses.filter((x) => x === s).length;
		return { ok: by(200), limited: by(429), other: statuses.filter((x) => x !== 200 && x !== 429) };
	});
	console.log(`# upload flood: ${counts.ok} stored, ${counts.limited} refused 429`);
	assert.deepEqual(counts.other, [], 'answers other than 200 and 429');
	assert.ok(counts.ok <= 12, `${counts.ok} uploads stored within the burst of 10`);
	assert.ok(counts.limited >= 45, `only ${counts.limited} refused`);

	// Declared big, sent slowly, from many chats at once: the upload memory cap answers busy.
	const socks = [];
	const answers = await whileBystanderTalks('big-upload pile', async () => {
		const chats = [];
		for (let i = 0; i < 24; i++)
			chats.push(await openChat(srv, ann, 'alpha', `Pile ${i}`));
		const res = [];
		for (const c of chats) {
			const s = await raw();
			socks.push(s);
			s.write(`POST /api/chats/${c.chat}/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.token}\r\n` +
				`X-Upload-Kind: image\r\nContent-Type: image/png\r\nContent-Length: ${15 * 1024 * 1024}\r\n\r\n`);
			s.write(Buffer.alloc(1024));
			res.push(s);
		}
		await sleep(1500);
		const statuses = res.map((s) => /^HTTP\/1\.1 (\d{3})/.exec(s.got.toString('latin1'))?.[1] ?? 'pending');
		for (const c of chats)
			await c.guest.close();
		return statuses;
	});
	for (const s of socks)
		s.destroy();
	const busy = answers.filter((s) => s === '503').length;
	console.log(`# big-upload pile: ${answers.filter((s) => s === 'pending').length} held, ${busy} refused 503 busy`);
	assert.ok(answers.every((s) => s === 'pending' || s === '503'), `answers: ${answers}`);
	assert.ok(busy >= 6, `only ${busy} of 24 uploads of 15 MB were refused (memory cap 256 MB)`);
	await flood.guest.close();
});
