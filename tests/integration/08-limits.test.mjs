// 08-limits: the limits that protect everyone else (PROTOCOL §2.2, §3.6, §3.7): a socket that
// floods messages is rate_limited and then closed 1008; a burst of connections from one address
// is cut to the allowed rate and count; a client that sends half its headers is cut off after
// about 10 s; sign-in attempts are limited per username and per address. In each case the
// server keeps serving everyone else. Each test runs against its own server; the slow-header
// test runs alongside the others because it mostly waits.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { Client, show } from './lib/client.mjs';
import { guest, isAck, isOk, openChat, operator, setAvailable, stillServes } from './lib/flows.mjs';
import { OPERATORS, sleep, startServer } from '../lib/server.mjs';

const servers = [];
after(async () => {
	for (const s of servers)
		await s.cleanup();
});

async function server() {
	const s = await startServer();
	servers.push(s);
	return s;
}

/**
 * Keep a chat talking in the background: every `every` ms the guest and the operator each
 * send one message; records the worst time from send to the other side hearing it.
 * Returns {stop(): Promise<{count, worst}>}.
 */
function chatter(c, op, every = 100) {
	let running = true;
	let worst = 0;
	let count = 0;
	const loop = (async () => {
		while (running) {
			for (const [from, to] of [[c.guest, op], [op, c.guest]]) {
				const t = Date.now();
				const a = isAck(await from.request({ type: 'msg.send', chat: c.chat, text: `tick ${count}` }), 'bystander message');
				await to.event(c.chat, a.seq);
				worst = Math.max(worst, Date.now() - t);
				count++;
			}
			await sleep(every);
		}
	})();
	return {
		async stop() {
			running = false;
			await loop;
			return { count, worst };
		},
	};
}

describe('limits', { concurrency: true }, () => {
	test('a client that sends half its headers is cut off within 10–15 s; others are unaffected', { timeout: 40000 }, async () => {
		const srv = await server();
		const ann = await operator(srv, 'ann');
		await setAvailable(ann, 'alpha', true);
		const c = await openChat(srv, ann, 'alpha', 'Patient');

		const partial = [
			'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upg',
			'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n',
			'GET /staff HTTP/1.1\r\nHo',
			'POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n',
			'', // connects and says nothing at all
		];
		const slow = partial.map((text) => new Promise((resolve) => {
			const sock = net.connect(srv.port, '127.0.0.1');
			let sentAt = 0;
			const timer = setTimeout(() => { sock.destroy(); resolve({ text, cut: null }); }, 20000);
			sock.on('connect', () => {
				if (text)
					sock.write(text);
				sentAt = Date.now();
			});
			sock.on('data', () => {});
			sock.on('error', () => {});
			sock.on('close', () => {
				clearTimeout(timer);
				resolve({ text, cut: Date.now() - sentAt });
			});
		}));

		// While they dawdle, everyone else is served promptly.
		const talk = chatter(c, ann, 200);
		for (let i = 0; i < 6; i++) {
			const t = Date.now();
			await stillServes(srv);
			assert.ok(Date.now() - t < 1500, `serving a new client took ${Date.now() - t} ms`);
			await sleep(1500);
		}
		const results = await Promise.all(slow);
		const { count, worst } = await talk.stop();
		for (const r of results) {
			assert.ok(r.cut !== null, `still connected after 20 s: ${JSON.stringify(r.text)}`);
			assert.ok(r.cut <= 16000, `cut off after ${r.cut} ms: ${JSON.stringify(r.text)}`);
		}
		assert.ok(count > 10 && worst < 1000, `bystander chat: ${count} messages, worst ${worst} ms`);
		// A WebSocket that finished its handshake long ago is not subject to the header limit.
		assert.equal(c.guest.closeInfo, null, 'an idle, fully connected guest socket was closed');
		isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'still here' }));
		await setAvailable(ann, 'alpha', false);
		await ann.close();
		await c.guest.close();
		await srv.stop();
	});

	describe('one at a time', () => {
		test('a flooding socket gets rate_limited, then 1008; another chat carries on', { timeout: 30000 }, async () => {
			const srv = await server();
			const ann = await operator(srv, 'ann');
			await setAvailable(ann, 'alpha', true);
			const flood = await openChat(srv, ann, 'alpha', 'Flood');
			await setAvailable(ann, 'alpha', false);
			const bob = await operator(srv, 'bob');
			await setAvailable(bob, 'alpha', true);
			const calm = await openChat(srv, bob, 'alpha', 'Calm');

			const talk = chatter(calm, bob, 50);
			await sleep(300);
			// Ten messages a millisecond until the server closes the socket.
			const g = flood.guest;
			const ids = [];
			while (!g.closeInfo && ids.length < 5000) {
				for (let i = 0; i < 10 && g.ws.readyState === g.ws.OPEN; i++)
					ids.push(g.send({ type: 'msg.send', chat: flood.chat, text: `flood ${ids.length}` }));
				await sleep(1);
			}
			const closed = await g.waitClosed(10000);
			assert.equal(closed.code, 1008, `a socket that kept flooding closed with ${closed.code}`);
			const replies = g.all().filter((f) => ids.includes(f.id));
			const acks = replies.filter((f) => f.type === 'ack');
			const limited = replies.filter((f) => f.type === 'error' && f.code === 'rate_limited');
			const others = replies.filter((f) => f.type !== 'ack' && f.code !== 'rate_limited');
			assert.deepEqual(others, [], `unexpected replies: ${others.slice(0, 3).map(show)}`);
			assert.ok(acks.length >= 20 && acks.length <= 80, `${acks.length} of the flood were accepted`);
			assert.ok(limited.length >= 1, 'no rate_limited error before the close');
			assert.ok(limited.length <= 100, `${limited.length} rate_limited replies: closed late`);

			await sleep(1000); // the bystanders keep talking a while after the flood
			const { count, worst } = await talk.stop();
			assert.ok(count >= 10, `the bystander chat moved ${count} messages`);
			assert.ok(worst < 1000, `a bystander message took ${worst} ms`);

			// Only the accepted messages were stored.
			await sleep(200);
			const heard = ann.events(flood.chat).filter((e) => e.kind === 'message');
			assert.deepEqual(heard.map((e) => e.cid).sort(), acks.map((a) => a.id).sort(), 'stored flood messages differ from the acked ones');

			// The flooder's chat survives: back on a new socket, at a polite pace, all is well.
			const back = await guest(srv, 'flood-back');
			isOk(await back.request({ type: 'chat.join', chat: flood.chat, token: flood.token, after: 0 }));
			for (let i = 0; i < 15; i++) {
				isAck(await back.request({ type: 'msg.send', chat: flood.chat, text: `polite ${i}` }), `polite message ${i}`);
				await sleep(80);
			}
			await setAvailable(bob, 'alpha', false);
			for (const x of [ann, bob, back, calm.guest])
				await x.close();
			await srv.stop();
		});

		test('a flood written all at once still hears rate_limited and the 1008 close', { timeout: 30000 }, async () => {
			// The server closes while most of the flood is still unread on its side; unless it
			// drains its input before closing, the kernel answers with a reset and the client
			// loses every reply and the close frame.
			const srv = await server();
			const g = await guest(srv, 'all-at-once');
			for (let i = 0; i < 400; i++)
				g.send({ type: 'presence.watch', queues: ['alpha'] });
			const closed = await g.waitClosed(10000);
			const limited = g.all().filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
			assert.equal(closed.code, 1008, `closed with ${closed.code} after ${g.all().length} replies (${limited} rate_limited)`);
			assert.ok(limited >= 1, 'no rate_limited reply arrived');
			await stillServes(srv);
			await srv.stop();
		});

		test('a burst of connections from one address: the excess is closed, earlier ones are fine', { timeout: 60000 }, async () => {
			const srv = await server();
			const open = async (label) => {
				const t = Date.now();
				try {
					const c = await Client.connect(srv.wsUrl, { label, timeout: 5000 });
					return { c, ms: Date.now() - t };
				} catch (err) {
					return { err, ms: Date.now() - t };
				}
			};
			const settle = async (attempts) => {
				await sleep(500);
				return {
					ok: attempts.filter((a) => a.c && !a.c.closeInfo).map((a) => a.c),
					refused: attempts.filter((a) => a.err || a.c.closeInfo),
				};
			};

			// 100 connections fit in the burst of 128.
			const first = [];
			for (let i = 0; i < 100; i += 20)
				first.push(...await Promise.all(Array.from({ length: 20 }, (_, k) => open(`early${i + k}`))));
			const early = await settle(first);
			assert.equal(early.refused.length, 0, `early connections refused: ${early.refused.map((a) => a.err?.message ?? a.c.closeInfo.code).slice(0, 3)}`);

			// 300 more at once: beyond 64 a second with a burst of 128, and beyond 256 open.
			const second = await Promise.all(Array.from({ length: 300 }, (_, k) => open(`burst${k}`)));
			const burst = await settle(second);
			console.log(`# connection burst: ${burst.ok.length} of 300 kept`);
			assert.ok(burst.ok.length + early.ok.length <= 256, `${burst.ok.length + early.ok.length} connections open from one address`);
			assert.ok(burst.refused.length >= 144, `only ${burst.refused.length} of 300 burst connections were refused`);
			const slowest = Math.max(...burst.refused.map((a) => a.ms));
			assert.ok(slowest < 3000, `refusing a connection took ${slowest} ms`);

			// The earlier connections are untouched and answer.
			for (const c of early.ok) {
				assert.equal(c.closeInfo, null, `${c.label} was closed by the burst`);
				isOk(await c.request({ type: 'presence.watch', queues: ['alpha'] }), `${c.label} after the burst`);
			}

			// At a pace within the rate, the count still stops at 256 open connections.
			await sleep(2200);
			const paced = [];
			const want = 280 - early.ok.length - burst.ok.length;
			for (let i = 0; i < want; i++) {
				paced.push(await open(`paced${i}`));
				await sleep(1000 / 40);
			}
			const later = await settle(paced);
			const total = early.ok.length + burst.ok.length + later.ok.length;
			console.log(`# open connections at the end: ${total}`);
			assert.ok(total <= 256, `${total} connections open from one address`);
			assert.ok(total >= 250, `only ${total} connections open: pacing at 40 a second was refused`);

			for (const c of [...early.ok, ...burst.ok, ...later.ok])
				c.terminate();
			await sleep(1500);
			await stillServes(srv);
			await srv.stop();
		});

		test('sign-in: 5 failures per username, then 429 with Retry-After', { timeout: 30000 }, async () => {
			const srv = await server();
			for (let i = 0; i < 5; i++) {
				const r = await srv.signIn('ann', { password: `wrong-password-${i}` });
				assert.equal(r.status, 401, `failure ${i + 1}: ${r.status} ${r.text}`);
			}
			const sixth = await srv.signIn('ann', { password: 'wrong-password-5' });
			assert.equal(sixth.status, 429, `sixth failure: ${sixth.status} ${sixth.text}`);
			assert.equal(sixth.json?.error?.code, 'rate_limited');
			assert.equal(sixth.headers.get('retry-after'), '900', 'Retry-After: the 15-minute window');
			const right = await srv.signIn('ann', { password: OPERATORS.ann.password });
			assert.equal(right.status, 429, `the right password while locked out: ${right.status}`);
			assert.equal(right.cookie, null);
			const bob = await srv.signIn('bob');
			assert.equal(bob.status, 200, `another username is not locked out: ${bob.status} ${bob.text}`);
			await srv.stop();
		});

		test('sign-in: wrong passwords sent all at once get no more than 5 tries', { timeout: 30000 }, async () => {
			const srv = await server();
			const replies = await Promise.all(Array.from({ length: 8 }, (_, i) =>
				srv.signIn('ann', { password: `wrong-password-${i}` })));
			const statuses = replies.map((r) => r.status).sort();
			assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429], statuses.join(' '));
			const right = await srv.signIn('ann', { password: OPERATORS.ann.password });
			assert.equal(right.status, 429, `the right password after them: ${right.status}`);
			await srv.stop();
		});

		test('sign-in: 10 attempts a minute per address, then 429 with Retry-After', { timeout: 30000 }, async () => {
			const srv = await server();
			for (let i = 0; i < 10; i++) {
				const r = await srv.signIn(i % 2 ? 'ann' : 'bob');
				assert.equal(r.status, 200, `sign-in ${i + 1}: ${r.status} ${r.text}`);
			}
			const eleventh = await srv.signIn('cat');
			assert.equal(eleventh.status, 429, `sign-in 11: ${eleventh.status} ${eleventh.text}`);
			assert.equal(eleventh.json?.error?.code, 'rate_limited');
			assert.equal(eleventh.headers.get('retry-after'), '60', 'Retry-After: the one-minute window');
			assert.ok(await srv.healthy());
			await srv.stop();
		});
	});
});
