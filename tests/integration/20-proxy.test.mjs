// 20-proxy: refdesk behind a reverse proxy that ends TLS. --public-url names the address
// browsers use: its origin may open /ws and sign in, and cookies get Secure and responses HSTS.
// --trusted-proxy names the proxy: its X-Forwarded-For (last entry) is the client's address for
// the sign-in limits and the per-address WebSocket caps, and its own connections are not capped
// as one client. A client that is not a trusted proxy cannot claim an address this way. (The
// browser test behind a real nginx is tests/e2e/https.test.mjs.)

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Client, HandshakeError } from './lib/client.mjs';
import { isOk } from './lib/flows.mjs';
import { runBinary, startServer } from '../lib/server.mjs';

const PUBLIC = 'https://chat.library.example';

/** POST /api/session with this Origin (and Host: fetch would not send ours); resolves with the status. */
function signInRaw(srv, origin, host) {
	return new Promise((resolve, reject) => {
		const body = JSON.stringify({ username: 'bob', password: 'bob-password-2' });
		const req = http.request({ host: '127.0.0.1', port: srv.port, method: 'POST', path: '/api/session', agent: false,
			headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin,
				...(host ? { host } : {}) } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.end(body);
	});
}

test('--public-url: its origin may sign in and open /ws; cookies Secure; HSTS', { timeout: 60000 }, async () => {
	// Browsers leave the scheme's own port out of Origin; so does refdesk.
	const srv = await startServer({ args: ['--public-url', `${PUBLIC}:443/`] });
	try {
		const s = await srv.signIn('ann', { origin: PUBLIC });
		assert.equal(s.status, 200, s.text);
		assert.match(s.headers.getSetCookie()[0], /; Secure/);
		assert.match((await srv.request('GET', '/staff')).headers.get('strict-transport-security') ?? '', /max-age=\d+/);
		const ws = await Client.connect(srv.wsUrl, { cookie: s.cookie, origin: PUBLIC });
		assert.equal((await ws.next(() => true, 5000, 'hello')).type, 'hello');
		await ws.close();
		// Other origins still are not; nor the public host over plain HTTP, nor another port.
		// Nor the public host over plain HTTP, even with the Host a proxy passes on; nor the
		// address refdesk itself listens on, once browsers are to come through the proxy.
		for (const [other, host] of [['https://evil.example'], ['http://chat.library.example', 'chat.library.example'],
			['http://chat.library.example'], [`${PUBLIC}:8443`], [srv.origin]]) {
			const headers = host ? { host } : {};
			const bad = await signInRaw(srv, other, host);
			assert.equal(bad, 403, `sign-in from ${other}${host ? ` with Host ${host}` : ''}`);
			await assert.rejects(Client.connect(srv.wsUrl, { origin: other, headers }),
				(err) => err instanceof HandshakeError && err.status === 403, `/ws from ${other}`);
		}
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

test('--public-url and --trusted-proxy refuse what they cannot use, before starting', async () => {
	for (const [args, why] of [
		[['--public-url', 'ftp://chat.example'], /public-url/],
		[['--public-url', 'https://chat.example/refdesk/'], /public-url/],
		[['--public-url', 'https://'], /public-url/],
		[['--public-url', 'https://chat.example:99999'], /public-url/],
		[['--trusted-proxy', 'nginx.local'], /trusted-proxy/],
		[['--trusted-proxy', '10.0.0.0/8'], /trusted-proxy/],
	]) {
		const r = await runBinary(['serve', '--listen', '127.0.0.1:1', '--data', '/nonexistent', ...args]);
		assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
		assert.match(r.stderr, why, args.join(' '));
	}
});

/** Sign-in attempts with a wrong password until the address limit answers 429. */
async function attemptsUntilLimited(srv, headers) {
	for (let i = 1; i <= 15; i++) {
		// Unknown names, so that no username's own limit is reached first.
		const r = await srv.signIn(`nobody${i}`, { password: 'wrong password', headers });
		if (r.status === 429)
			return i;
		assert.equal(r.status, 401, `attempt ${i}: ${r.status} ${r.text}`);
	}
	return Infinity;
}

test('--trusted-proxy: sign-in limits count the forwarded client, not the proxy', { timeout: 60000 }, async () => {
	const srv = await startServer({ args: ['--trusted-proxy', '127.0.0.1'] });
	try {
		// Ten a minute per address (08-limits): the eleventh from one client is refused...
		assert.equal(await attemptsUntilLimited(srv, { 'x-forwarded-for': '203.0.113.5' }), 11);
		// ...while another client behind the same proxy still signs in.
		const other = await srv.signIn('ann', { headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' } });
		assert.equal(other.status, 200, other.text);
		// Only the last entry counts: what the client put before it is its own claim.
		const spoof = await srv.signIn('bob', { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' } });
		assert.equal(spoof.status, 429, 'a client that prepends another address still is 203.0.113.5');
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

test('without --trusted-proxy, X-Forwarded-For is ignored', { timeout: 60000 }, async () => {
	const srv = await startServer();
	try {
		let n = 0;
		for (let i = 1; i <= 15; i++) {
			// A new claimed address each time: it must not buy new attempts.
			const r = await srv.signIn(`nobody${i}`, { password: 'wrong password', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
			n = i;
			if (r.status === 429 && r.json?.error?.code === 'rate_limited')
				break;
		}
		assert.ok(n <= 11, `limited only after ${n} attempts`);
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

test('--trusted-proxy: WebSockets are capped per forwarded client; the proxy is not one client', { timeout: 60000 }, async () => {
	const srv = await startServer({ args: ['--trusted-proxy', '127.0.0.1', '--max-conns-per-ip', '3'] });
	const open = [];
	try {
		for (let i = 0; i < 3; i++)
			open.push(await Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.5' } }));
		await assert.rejects(Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.5' } }),
			(err) => err instanceof HandshakeError && err.status === 503, 'a fourth socket for one client');
		// Other clients through the same proxy: more sockets from 127.0.0.1 than the cap.
		for (let i = 0; i < 6; i++)
			open.push(await Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': `198.51.100.${i}` } }));
		// However long the list the client sent before it, the last entry names the client.
		const padded = `${Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(', ')}, 203.0.113.5`;
		assert.ok(padded.length > 3000);
		await assert.rejects(Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': padded } }),
			(err) => err instanceof HandshakeError && err.status === 503, 'a fourth socket behind a long header');
		// One IPv6 /64 is one client, as for direct connections.
		for (let i = 1; i <= 3; i++)
			open.push(await Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': `2001:db8:1:2::${i}` } }));
		await assert.rejects(Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': '2001:db8:1:2:ffff::9' } }),
			(err) => err instanceof HandshakeError && err.status === 503, 'a fourth socket from the same /64');
		open.push(await Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': '2001:db8:1:3::1' } }));
		// A closed socket gives its client the allowance back.
		await open.shift().close();
		await new Promise((r) => setTimeout(r, 200));
		open.push(await Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.5' } }));
		isOk(await open.at(-1).request({ type: 'presence.watch', queues: ['alpha'] }));
		for (const c of open.splice(0))
			await c.close();
		await srv.stop();
	} finally {
		for (const c of open)
			await c.close().catch(() => {});
		await srv.cleanup();
	}
});
