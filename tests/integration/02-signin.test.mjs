// 02-signin: operator sessions (PROTOCOL §2.2, §3.1): sign-in and its cookie, the hello of an
// operator socket, refused sign-ins (wrong password, foreign Origin, wrong content type), the
// CSRF token on sign-out, and what signing out does to the session's cookie and sockets.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 8.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, HandshakeError } from './lib/client.mjs';
import { guest, isOk, operator } from './lib/flows.mjs';
import { OPERATORS, startServer } from '../lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => srv?.close()); // stop() fails the file unless the exit is clean

function checkOperator(op, who) {
	const want = OPERATORS[who];
	assert.ok(Number.isInteger(op?.id), `operator.id: ${JSON.stringify(op)}`);
	assert.equal(op.username, want.username);
	assert.equal(op.name, want.name);
	assert.equal(op.admin, want.admin);
	assert.ok(Number.isInteger(op.account?.id), `operator.account.id: ${JSON.stringify(op)}`);
	assert.equal(op.account.name, want.account);
	assert.deepEqual(Object.keys(op).sort(), ['account', 'admin', 'id', 'name', 'username']);
}

test('sign-in answers the operator and a CSRF token, and sets an HttpOnly SameSite=Lax cookie', async () => {
	const s = await srv.signIn('ann');
	assert.equal(s.status, 200, s.text);
	checkOperator(s.json.operator, 'ann');
	assert.equal(typeof s.json.csrf, 'string');
	assert.ok(s.json.csrf.length >= 16, `short CSRF token: ${s.json.csrf}`);
	assert.match(s.headers.get('cache-control') ?? '', /no-store/);
	const line = s.headers.getSetCookie().find((l) => l.startsWith('refdesk_session='));
	assert.ok(line, `no refdesk_session cookie: ${s.headers.getSetCookie()}`);
	assert.match(line, /;\s*HttpOnly/i);
	assert.match(line, /;\s*SameSite=Lax/i);
	assert.doesNotMatch(line, /;\s*Secure/i, 'Secure on plain HTTP');
	const value = /^refdesk_session=([^;]*)/.exec(line)[1];
	assert.ok(value.length >= 22, `session token too short for 128 bits: ${value}`);
	srv.sessions.set('ann', s);

	const again = await srv.request('GET', '/api/session', { session: s });
	assert.equal(again.status, 200, again.text);
	checkOperator(again.json.operator, 'ann');
	assert.equal(again.json.csrf, s.json.csrf);
});

test('an operator socket starts with hello; a socket without a cookie is a guest socket', async () => {
	const op = await operator(srv, 'ann');
	checkOperator(op.hello.operator, 'ann');
	assert.deepEqual(op.hello.queues, [{ name: 'alpha', title: 'Alpha Ask', available: false }]);
	assert.deepEqual(op.hello.chats, []);
	await op.close();

	const g = await guest(srv);
	const r = isOk(await g.request({ type: 'presence.watch', queues: ['alpha'] }));
	assert.equal(g.all()[0], r, `a guest socket got something before its first reply: ${JSON.stringify(g.all()[0])}`);
	await g.close();
});

test('a wrong password and an unknown username get the same 401 bad_credentials', async () => {
	const wrong = await srv.signIn('bob', { password: 'not-bobs-password' });
	assert.equal(wrong.status, 401, wrong.text);
	assert.equal(wrong.json?.error?.code, 'bad_credentials');
	assert.equal(wrong.cookie, null);
	const nobody = await srv.signIn('nobody-here', { password: 'whatever-password' });
	assert.equal(nobody.status, 401, nobody.text);
	assert.deepEqual(nobody.json, wrong.json, 'an unknown username reads differently from a wrong password');
});

test("sign-in with a foreign Origin is 403 csrf; the server's own origin is accepted", async () => {
	const foreign = await srv.signIn('bob', { origin: 'https://evil.example' });
	assert.equal(foreign.status, 403, foreign.text);
	assert.equal(foreign.json?.error?.code, 'csrf');
	assert.equal(foreign.cookie, null, 'a refused sign-in set a cookie');
	const own = await srv.signIn('bob', { origin: srv.origin });
	assert.equal(own.status, 200, own.text);
	checkOperator(own.json.operator, 'bob');
	srv.sessions.set('bob', own);
});

test('sign-in without Content-Type: application/json is refused', async () => {
	const res = await srv.request('POST', '/api/session', {
		body: JSON.stringify({ username: 'cat', password: OPERATORS.cat.password }),
		contentType: 'text/plain',
	});
	assert.ok(res.status >= 400 && res.status < 500, `answered ${res.status} ${res.text}`);
	assert.ok(!res.headers.getSetCookie().some((l) => /^refdesk_session=[^;]+/.test(l)), 'a cookie was set');
});

test('sign-out needs the CSRF token, then ends the session: sockets closed 4001, cookie dead', async () => {
	const s = await srv.session('bob');
	const op1 = await operator(srv, 'bob', 'bob1');
	const op2 = await operator(srv, 'bob', 'bob2');

	const none = await srv.request('POST', '/api/session/end', { session: s, csrf: false, body: {} });
	assert.equal(none.status, 403, `no X-CSRF-Token: ${none.status} ${none.text}`);
	assert.equal(none.json?.error?.code, 'csrf');
	const wrong = await srv.request('POST', '/api/session/end', { session: s, csrf: s.csrf + 'x', body: {} });
	assert.equal(wrong.status, 403, `wrong X-CSRF-Token: ${wrong.status} ${wrong.text}`);
	assert.equal(wrong.json?.error?.code, 'csrf');
	const other = await srv.session('ann');
	const crossed = await srv.request('POST', '/api/session/end', { session: s, csrf: other.csrf, body: {} });
	assert.equal(crossed.status, 403, `another session's token: ${crossed.status} ${crossed.text}`);
	assert.equal((await srv.request('GET', '/api/session', { session: s })).status, 200, 'the refused sign-outs ended the session');
	assert.equal(op1.closeInfo, null, 'a refused sign-out closed a socket');

	const end = await srv.request('POST', '/api/session/end', { session: s, body: {} });
	assert.equal(end.status, 200, end.text);
	assert.deepEqual(end.json, {});
	const cleared = end.headers.getSetCookie().find((l) => l.startsWith('refdesk_session='));
	assert.ok(cleared, 'sign-out did not clear the cookie');
	assert.match(cleared, /^refdesk_session=[^;]*;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i, `cookie not cleared: ${cleared}`);

	for (const op of [op1, op2]) {
		const { code } = await op.waitClosed();
		assert.equal(code, 4001, `${op.label} closed with ${code}, not 4001`);
	}

	const dead = await srv.request('GET', '/api/session', { session: s });
	assert.equal(dead.status, 401, dead.text);
	assert.equal(dead.json?.error?.code, 'not_signed_in');
	const post = await srv.request('POST', '/api/session/end', { session: s, body: {} });
	assert.equal(post.status, 401, `sign-out with a dead cookie: ${post.status}`);

	// The dead cookie makes a guest socket, not an operator socket.
	const c = await Client.connect(srv.wsUrl, { cookie: s.cookie, label: 'dead-cookie' });
	const r = await c.request({ type: 'availability.set', queue: 'alpha', available: true });
	assert.notEqual(c.all()[0]?.type, 'hello', 'a signed-out cookie still got hello');
	assert.equal(r.type, 'error', `availability.set with a signed-out cookie: ${JSON.stringify(r)}`);
	await c.close();

	// Ann's session is untouched.
	assert.equal((await srv.request('GET', '/api/session', { session: other })).status, 200);
});

test('a session cookie does not open an operator socket from a foreign Origin', async () => {
	const s = await srv.session('ann');
	let err = null;
	try {
		const c = await Client.connect(srv.wsUrl, { cookie: s.cookie, origin: 'https://evil.example' });
		await c.close();
	} catch (e) {
		err = e;
	}
	assert.ok(err, 'a foreign Origin with a session cookie was upgraded');
	assert.ok(err instanceof HandshakeError && err.status === 403, `expected an HTTP 403 answer, got ${err.message}`);
	const ok = await Client.connect(srv.wsUrl, { cookie: s.cookie, origin: srv.origin });
	assert.equal((await ok.next(() => true)).type, 'hello');
	await ok.close();
});
