// 27-xmpp: librarians on XMPP. refdesk as an external component (XEP-0114) of a real Prosody
// started on 127.0.0.1 by this file (once), with @xmpp/client sessions as the librarians:
// the link comes up and answers; a wrong secret is one clear log line and a retry, not a crash
// loop; a server outside this machine is refused without --xmpp-allow-remote; Prosody going
// away and coming back is survived while the web keeps serving. Linking an operator's address
// with a code sent to it; presence switching availability; an unconfirmed address ignored. A
// whole chat as the XMPP client sees it, management link first; every bad input; a web operator
// and an XMPP operator racing for 20 chats; queue JIDs' presence; a message while the store
// refuses (a full disk). Transfers to the XMPP operator: declined, accepted and chatted in, taken
// away again by a colleague; a queue transfer a web colleague takes first; one that expires.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { guest, isAck, isError, isOk, openChat, operator, say, setAvailable, startChat, until } from './lib/flows.mjs';
import { chatJid as xmppChatJid, startProsody, xml, xmppClient } from './lib/prosody.mjs';
import { png } from './lib/images.mjs';
import { OPERATORS, admin, copyFixtures, onPostgres, runAdmin, runBinary, startServer } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

const DOMAIN = 'chat.example.test';
const SECRET = 'component-secret-1';
const USERS = { lib1: 'lib1-password-1', lib2: 'lib2-password-2' };

let prosody;
let tmp;
let secretFile;

before(async () => {
	prosody = await startProsody({ domain: DOMAIN, secret: SECRET, users: USERS });
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-'));
	secretFile = path.join(tmp, 'secret');
	await fs.writeFile(secretFile, `${SECRET}\n`);
});
after(async () => {
	await prosody?.cleanup();
	if (tmp)
		await fs.rm(tmp, { recursive: true, force: true });
});

const xmppArgs = (file = secretFile) => ['--xmpp-domain', DOMAIN, '--xmpp-server', prosody.componentAddress, '--xmpp-secret-file', file];
const lines = (srv, re) => srv.stderr.split('\n').filter((l) => re.test(l));
const ping = (who, to = DOMAIN) => who.iq(to, 'get', xml('ping', { xmlns: 'urn:xmpp:ping' }));

async function connected(srv, n = 1) {
	await until(() => lines(srv, /xmpp: connected to /).length >= n, 10000, `refdesk's XMPP link (connection ${n})`);
}

test('the component connects: it answers ping and service discovery, and refuses what it does not serve', async () => {
	const srv = await startServer({ args: xmppArgs() });
	const lib = await xmppClient(prosody, 'lib1');
	try {
		await connected(srv);
		const pong = await ping(lib);
		assert.equal(pong.attrs.type, 'result', `ping: ${pong}`);

		const info = await lib.iq(DOMAIN, 'get', xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
		assert.equal(info.attrs.type, 'result', `disco#info: ${info}`);
		const q = info.getChild('query', 'http://jabber.org/protocol/disco#info');
		assert.equal(q.getChild('identity').attrs.category, 'component');
		const features = q.getChildren('feature').map((f) => f.attrs.var);
		assert.ok(features.includes('urn:xmpp:ping'), `features: ${features}`);

		// An iq the component does not serve gets service-unavailable, not silence.
		const other = await lib.iq(DOMAIN, 'get', xml('query', { xmlns: 'jabber:iq:version' }));
		assert.equal(other.attrs.type, 'error');
		assert.ok(other.getChild('error').getChild('service-unavailable'), `unknown iq: ${other}`);
	} finally {
		await lib.stop();
		await srv.close();
	}
});

test('a wrong secret is one clear log line, the web keeps serving, and the fixed secret is picked up on retry', async () => {
	const file = path.join(tmp, 'wrong-secret');
	await fs.writeFile(file, 'not-the-secret\n');
	const srv = await startServer({ args: xmppArgs(file) });
	try {
		await until(() => lines(srv, /not-authorized/).length >= 1, 10000, 'the refused secret in the log');
		const line = lines(srv, /not-authorized/)[0];
		assert.match(line, /error/);
		assert.match(line, /--xmpp-secret-file/);
		assert.ok(!line.includes('not-the-secret'), 'the log line must not show the secret');
		// Retries (1 s, 2 s …) do not repeat the same line, and the process stays up and serving.
		await new Promise((r) => setTimeout(r, 3500));
		assert.equal(lines(srv, /not-authorized/).length, 1, `repeated:\n${srv.stderr}`);
		assert.ok(srv.running, 'refdesk exited on a wrong secret');
		assert.ok(await srv.healthy(), 'the web stopped serving');
		assert.equal(lines(srv, /xmpp: connected/).length, 0);

		// The file is read again at each attempt: fixing it needs no restart.
		await fs.writeFile(file, `${SECRET}\n`);
		await connected(srv);
		const lib = await xmppClient(prosody, 'lib1');
		assert.equal((await ping(lib)).attrs.type, 'result');
		await lib.stop();
	} finally {
		await srv.close();
	}
});

test('a missing secret file is logged and retried, not fatal', async () => {
	const srv = await startServer({ args: xmppArgs(path.join(tmp, 'absent')) });
	try {
		await until(() => lines(srv, /cannot read --xmpp-secret-file/).length >= 1, 10000, 'the unreadable secret in the log');
		assert.ok(await srv.healthy());
	} finally {
		await srv.close();
	}
});

test('a server outside this machine is refused without --xmpp-allow-remote; loopback names are fine', async () => {
	for (const address of ['192.0.2.10:5347', 'xmpp.library.example:5347', '[2001:db8::1]:5347']) {
		const r = await runBinary(['limits', '--xmpp-domain', DOMAIN, '--xmpp-server', address, '--xmpp-secret-file', secretFile]);
		assert.equal(r.code, 2, `${address}: ${r.stderr}`);
		assert.match(r.stderr, /not on this machine.*no TLS.*--xmpp-allow-remote/s, address);
		const allowed = await runBinary(['limits', '--xmpp-domain', DOMAIN, '--xmpp-server', address, '--xmpp-secret-file', secretFile, '--xmpp-allow-remote']);
		assert.equal(allowed.code, 0, `${address} with --xmpp-allow-remote: ${allowed.stderr}`);
	}
	for (const address of ['127.0.0.1:5347', '127.1.2.3:5347', 'localhost:5347', '[::1]:5347']) {
		const r = await runBinary(['limits', '--xmpp-domain', DOMAIN, '--xmpp-server', address, '--xmpp-secret-file', secretFile]);
		assert.equal(r.code, 0, `${address}: ${r.stderr}`);
	}
	for (const bad of [['--xmpp-domain', DOMAIN], ['--xmpp-secret-file', secretFile], ['--xmpp-domain', 'Chat.Example', '--xmpp-secret-file', secretFile],
		['--xmpp-domain', DOMAIN, '--xmpp-secret-file', secretFile, '--xmpp-server', '127.0.0.1']]) {
		const r = await runBinary(['limits', ...bad]);
		assert.equal(r.code, 2, `${bad.join(' ')} was accepted`);
	}
});

test('Prosody going away and coming back: the web keeps serving, the link is restored', async () => {
	const srv = await startServer({ args: xmppArgs() });
	try {
		await connected(srv);
		await prosody.stop();
		await until(() => lines(srv, /xmpp: .*closed/).length >= 1, 10000, 'the lost link in the log');
		assert.ok(await srv.healthy(), 'the web stopped serving without XMPP');
		await new Promise((r) => setTimeout(r, 1500)); // a refused connection or two
		assert.ok(srv.running);
		await prosody.start();
		await connected(srv, 2);
		const lib = await xmppClient(prosody, 'lib2');
		assert.equal((await ping(lib)).attrs.type, 'result');
		await lib.stop();
	} finally {
		await srv.close();
	}
});

/** Approve every subscription request the component sends to this librarian. */
function approveSubscriptions(lib) {
	lib.client.on('stanza', (st) => {
		if (st.is('presence') && st.attrs.type === 'subscribe')
			lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
	});
}

const fromDomain = (st) => st.is('message') && st.attrs.from === DOMAIN && /code is/.test(st.getChildText('body') ?? '');

/** Link `jid` to `username` through the API and confirm it with the code `lib` receives. */
async function linkAndConfirm(srv, username, lib, jid = lib.jid) {
	const s = await srv.session(username);
	const r = await srv.request('POST', '/api/xmpp/jid', { session: s, body: { jid } });
	assert.equal(r.status, 200, r.text);
	const msg = await lib.next(fromDomain, 5000, 'the confirmation code');
	const code = /code is ([a-z0-9]{8})\./.exec(msg.getChildText('body'))[1];
	const c = await srv.request('POST', '/api/xmpp/confirm', { session: s, body: { code } });
	return { code, confirm: c };
}

test('linking an address: a code goes to it, typed back it confirms; presence then drives availability', async () => {
	const srv = await startServer({ args: xmppArgs() });
	const lib = await xmppClient(prosody, 'lib1');
	approveSubscriptions(lib);
	const watcher = await guest(srv, 'watcher');
	try {
		await connected(srv);
		const ann = await srv.session('ann');
		const state = async () => (await srv.request('GET', '/api/xmpp', { session: ann })).json;
		assert.deepEqual(await state(), { enabled: true, domain: DOMAIN, connected: true, jid: null, confirmed: false, code_sent: false, subscribed: false, online: false });

		isOk(await watcher.request({ type: 'presence.watch', queues: ['alpha'] }));
		const online = (v) => watcher.next((f) => f.type === 'presence' && f.queue === 'alpha' && f.online === v, 8000, `alpha online=${v}`);

		// Hostile input first: not an address, a resource, extra fields, no code sent yet.
		for (const body of [{ jid: 'no-at-sign' }, { jid: 'a@b/resource' }, { jid: 'a b@c' }, { jid: 42 }, { jid: 'a@b', x: 1 }, {}]) {
			const r = await srv.request('POST', '/api/xmpp/jid', { session: ann, body });
			assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
		}
		let r = await srv.request('POST', '/api/xmpp/confirm', { session: ann, body: { code: 'abcdefgh' } });
		assert.equal(r.status, 404, r.text);
		r = await srv.request('POST', '/api/xmpp/jid', { session: ann, body: { jid: 'LIB1@LocalHost' } });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, { jid: 'lib1@localhost', confirmed: false, code_sent: true });
		const msg = await lib.next(fromDomain, 5000, 'the confirmation code');
		const code = /code is ([a-z0-9]{8})\./.exec(msg.getChildText('body'))[1];

		// Unconfirmed: lib1 is online but nothing changes for the queue.
		await lib.client.send(xml('presence', { to: DOMAIN }));
		await watcher.none((f) => f.type === 'presence', 700);
		assert.equal((await state()).confirmed, false);
		assert.equal((await state()).code_sent, true);

		const wrong = code.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
		for (const body of [{ code: wrong }, { code: 'short' }, { code, extra: 1 }, { code: 12345678 }]) {
			r = await srv.request('POST', '/api/xmpp/confirm', { session: ann, body });
			assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
		}
		// Another operator cannot confirm ann's code.
		r = await srv.request('POST', '/api/xmpp/confirm', { session: await srv.session('bob'), body: { code } });
		assert.equal(r.status, 404, r.text);

		r = await srv.request('POST', '/api/xmpp/confirm', { session: ann, body: { code: code.toUpperCase() } });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, { jid: 'lib1@localhost', confirmed: true });
		// The component asks to subscribe; lib1 approves; its presence makes ann available.
		await online(true);
		assert.deepEqual(await state(), { enabled: true, domain: DOMAIN, connected: true, jid: 'lib1@localhost', confirmed: true, code_sent: false, subscribed: true, online: true });

		for (const [show, avail] of [['away', false], [null, true], ['dnd', false], ['chat', true], ['xa', false], ['chat', true]]) {
			await lib.client.send(show ? xml('presence', {}, xml('show', {}, show)) : xml('presence'));
			await online(avail);
		}
		await lib.stop(); // going offline is unavailable
		await online(false);
		assert.equal((await state()).online, false);

		// The address is taken: another operator may not confirm it too.
		const lib1b = await xmppClient(prosody, 'lib1');
		const taken = await linkAndConfirm(srv, 'cat', lib1b);
		assert.equal(taken.confirm.status, 409, taken.confirm.text);
		await lib1b.stop();
	} finally {
		await lib.stop();
		await watcher.close();
		await srv.close();
	}
});

test('an address set by an admin on the command line stays unconfirmed: its presence is ignored', async () => {
	const srv = await startServer({ args: xmppArgs() });
	await srv.stop();
	const set = await runAdmin(srv.dataDir, ['operator', 'set-jid', 'bob', 'lib2@localhost']);
	assert.equal(set.code, 0, set.stderr);
	for (const bad of [['bob', 'not an address'], ['bob', 'x@y/z'], ['nobody', 'lib2@localhost'], ['bob']]) {
		const r = await runAdmin(srv.dataDir, ['operator', 'set-jid', ...bad]);
		assert.notEqual(r.code, 0, `set-jid ${bad.join(' ')} was accepted`);
	}
	await srv.start();
	const lib = await xmppClient(prosody, 'lib2');
	const watcher = await guest(srv, 'watcher');
	try {
		await connected(srv, 1);
		const bob = await srv.session('bob');
		const st = (await srv.request('GET', '/api/xmpp', { session: bob })).json;
		assert.equal(st.jid, 'lib2@localhost');
		assert.equal(st.confirmed, false);
		assert.equal(st.code_sent, false);
		const w = isOk(await watcher.request({ type: 'presence.watch', queues: ['alpha'] }));
		assert.equal(w.queues.alpha, false);
		await lib.client.send(xml('presence', { to: DOMAIN }));
		await lib.client.send(xml('presence', { to: DOMAIN, type: 'subscribed' }));
		await watcher.none((f) => f.type === 'presence', 1000);
		// It is still not rung: a chat started now stays unoffered (nobody is available).
		const g = await guest(srv, 'pat');
		// Nobody counts as available on alpha: the guest hears so, and nothing rings.
		isError(await g.request({ type: 'chat.start', queue: 'alpha', name: 'Pat' }), 'offline', 'chat.start');
		await new Promise((res) => setTimeout(res, 800));
		assert.ok(!lib.stanzas.some((s) => s.is('message') && s.attrs.from !== DOMAIN), 'an unconfirmed address was rung');
		await g.close();
		// Cleared from the command line, it is gone.
		await srv.stop();
		const clear = await runAdmin(srv.dataDir, ['operator', 'set-jid', 'bob', '--clear']);
		assert.equal(clear.code, 0, clear.stderr);
	} finally {
		await lib.stop();
		await watcher.close();
		await srv.close();
	}
});

/** The JID of chat `pub` in this file's component domain. */
const chatJid = (pub) => {
	const jid = xmppChatJid(pub, DOMAIN);
	assert.equal(jid.length, 24 + 1 + DOMAIN.length, jid);
	return jid;
};

const msgFrom = (jid, pred = () => true) => (st) => st.is('message') && st.attrs.from === jid && st.attrs.type !== 'error' && st.getChildText('body') !== null && pred(st.getChildText('body'));
const errorFor = (id) => (st) => st.is('message') && st.attrs.type === 'error' && st.attrs.id === id;
const condition = (st) => st.getChild('error').children.find((c) => c.name !== 'text')?.name;
let stanzaIds = 0;

/** Send a chat message from `lib` to `to`; returns the stanza id. */
async function tell(lib, to, body, extra = []) {
	const id = `s${++stanzaIds}`;
	await lib.client.send(xml('message', { to, type: 'chat', id }, body === null ? [] : xml('body', {}, body), ...extra));
	return id;
}

/** A server with XMPP, ann linked to lib1 and available (through presence). */
async function serverWithXmppAnn(opts = {}) {
	const srv = await startServer({ args: xmppArgs(), ...opts });
	await connected(srv);
	const lib = await xmppClient(prosody, 'lib1');
	approveSubscriptions(lib);
	const { confirm } = await linkAndConfirm(srv, 'ann', lib);
	assert.equal(confirm.status, 200, confirm.text);
	const ann = await srv.session('ann');
	for (let t = Date.now(); !(await srv.request('GET', '/api/xmpp', { session: ann })).json.online;) {
		assert.ok(Date.now() - t < 8000, `ann is not online through XMPP:\n${srv.stderr}`);
		await new Promise((r) => setTimeout(r, 50));
	}
	return { srv, lib };
}

test('a whole chat in the XMPP client: management link first, first answer takes it, both ways in order, commands, typing, end', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const other = await xmppClient(prosody, 'lib2');
	try {
		const { guest: g, chat, token } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await say(g, chat, 'Hello, I need a book on birds.');

		const ringing = await lib.next(msgFrom(jid), 5000, 'the ring');
		const lines = ringing.getChildText('body').split('\n');
		assert.match(lines[0], new RegExp(`^${srv.url}/staff/chat/${chat}/[A-Za-z0-9_-]+$`), 'first line: the management link');
		assert.ok(!lines[0].includes(token), 'the guest token must never be sent');
		assert.match(lines[1], /alpha/);
		assert.match(lines[1], /Pat/);
		await lib.next(msgFrom(jid, (b) => b === 'Hello, I need a book on birds.'), 5000, "the guest's first message");
		// The management page answers (it asks for a sign-in; not a bearer link).
		const page = await srv.request('GET', new URL(lines[0]).pathname);
		assert.equal(page.status, 302, 'the management link without a session');

		// The first answer takes the chat and reaches the guest as the operator's message.
		await tell(lib, jid, 'Hi Pat, which birds?');
		const joined = await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'joined', 5000, 'joined');
		assert.equal(joined.name, 'Ann Alpha');
		const first = await g.next((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 5000, "the operator's answer");
		assert.equal(first.text, 'Hi Pat, which birds?');
		assert.ok(first.seq > joined.seq);
		await lib.next(msgFrom(jid, (b) => b === 'You took the chat.'), 5000, 'the confirmation that the answer took it');

		// Both ways, in order.
		for (let i = 1; i <= 10; i++)
			await tell(lib, jid, `line ${i}`);
		for (let i = 1; i <= 10; i++) {
			const f = await g.next((e) => e.type === 'event' && e.kind === 'message' && e.from === 'operator', 5000, `line ${i}`);
			assert.equal(f.text, `line ${i}`);
		}
		for (let i = 1; i <= 10; i++)
			await say(g, chat, `guest ${i}`);
		for (let i = 1; i <= 10; i++)
			await lib.next(msgFrom(jid, (b) => b.startsWith('guest ')), 5000, `guest ${i}`).then((m) => assert.equal(m.getChildText('body'), `guest ${i}`));

		// Characters XML 1.0 forbids arrive as U+FFFD; the link stays up (the next line arrives).
		await say(g, chat, 'bell \u0001 and \uffff here');
		await lib.next(msgFrom(jid, (b) => b.startsWith('bell ')), 5000, 'the line with control characters')
			.then((m) => assert.equal(m.getChildText('body'), 'bell \ufffd and \ufffd here'));
		await say(g, chat, 'still here');
		await lib.next(msgFrom(jid, (b) => b === 'still here'), 5000, 'the line after it: the link stayed up');

		// A guest's snapshot reaches the XMPP client as a line with the chat's page, never a blob URL.
		const up = await upload(srv, { token }, chat, png(40, 30));
		assert.equal(up.status, 200, up.text);
		const snap = await lib.next(msgFrom(jid, (b) => /snapshot/.test(b)), 5000, 'the snapshot line');
		assert.ok(snap.getChildText('body').includes(lines[0]), `the snapshot line: ${snap.getChildText('body')}`);
		assert.ok(!/blobs|uploads|token/.test(snap.getChildText('body')), `a bearer URL: ${snap.getChildText('body')}`);

		// Typing both ways (XEP-0085).
		g.send({ type: 'typing', chat, active: true });
		await lib.next((st) => st.is('message') && st.attrs.from === jid && st.getChild('composing', 'http://jabber.org/protocol/chatstates'), 5000, 'composing');
		await tell(lib, jid, null, [xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })]);
		const typing = await g.next((f) => f.type === 'typing' && f.chat === chat, 5000, 'typing from the operator');
		assert.equal(typing.active, true);
		assert.equal(typing.from, 'operator');

		// Commands: /help and anything else starting with / answer with the list, never reach the guest.
		const mark = g.mark();
		for (const cmd of ['/help', '/whatever', '/END now']) {
			await tell(lib, jid, cmd);
			await lib.next(msgFrom(jid, (b) => b.includes('/end') && b.includes('/help')), 5000, `the command list after ${cmd}`);
		}
		await g.none((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 500, 'a command sent to the guest', mark);

		// Bad input: too long; from an address nobody linked; to a chat that does not exist.
		let id = await tell(lib, jid, 'x'.repeat(4001));
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'the error for 4,001 characters')), 'not-acceptable');
		id = await tell(lib, jid, 'y'.repeat(4000));
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'y'.repeat(4000), 5000, '4,000 characters');
		id = await tell(other, jid, 'let me in');
		assert.equal(condition(await other.next(errorFor(id), 5000, 'the error for an unlinked address')), 'forbidden');
		id = await tell(lib, chatJid('c_' + Buffer.alloc(15, 7).toString('base64url')), 'anyone?');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'the error for an unknown chat')), 'item-not-found');
		id = await tell(lib, `not-a-chat@${DOMAIN}`, 'anyone?');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'the error for a malformed chat JID')), 'item-not-found');

		// /end ends it for the guest (a client may add white space after a command);
		// afterwards the chat JID answers item-not-found.
		await tell(lib, jid, '/end \n');
		const ended = await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'ended', 5000, 'the end');
		assert.equal(ended.by, 'operator');
		await lib.next(msgFrom(jid, (b) => /ended/.test(b)), 5000, 'the end, in the XMPP client');
		id = await tell(lib, jid, 'one more thing');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'the error after the end')), 'item-not-found');

		// Nothing was relayed twice.
		const bodies = lib.stanzas.filter(msgFrom(jid)).map((m) => m.getChildText('body'));
		console.log(`transcript as the XMPP client received it (from ${jid}):\n${bodies.flatMap((b) => b.split('\n').map((l, i) => (i ? '  |   ' : '  | ') + (l.length > 100 ? l.slice(0, 97) + '...' : l))).join('\n')}`);
		assert.equal(new Set(bodies.filter((b) => b.startsWith('guest '))).size, 10);
		assert.equal(bodies.filter((b) => b.startsWith('guest ')).length, 10, bodies.join('|'));
		await g.close();
	} finally {
		await other.stop();
		await lib.stop();
		await srv.close();
	}
});

test('a web operator and an XMPP operator race for 20 chats: each is taken exactly once; the loser is told', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	const results = [];
	try {
		for (let i = 0; i < 20; i++) {
			const { guest: g, chat } = await startChat(srv, 'alpha', `Guest ${i}`);
			const jid = chatJid(chat);
			await bob.next((f) => f.type === 'chat.offer' && f.chat === chat, 5000, `offer ${i} to bob`);
			await lib.next(msgFrom(jid, (b) => b.includes('/staff/chat/')), 5000, `ring ${i} in XMPP`);
			// Both answer at once; alternate who goes first on the wire.
			const xmppAnswer = () => tell(lib, jid, `mine ${i}`);
			const webAccept = () => bob.request({ type: 'chat.accept', chat });
			const [a, b] = i % 2 ? [xmppAnswer(), webAccept()] : [webAccept(), xmppAnswer()].reverse();
			const stanzaId = await a;
			const web = await b;
			const joined = await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'joined', 5000, `joined ${i}`);
			const winner = joined.name;
			if (winner === 'Bob Alpha') {
				isOk(web, `bob's accept of ${i}`);
				const err = await lib.next(errorFor(stanzaId), 5000, `the XMPP loser's error for ${i}`);
				assert.equal(condition(err), 'conflict');
				await lib.next(msgFrom(jid, (t) => t === 'Taken by Bob Alpha.'), 5000, `"taken by" for ${i}`);
				// Later messages to it get an error too, not silence.
				const later = await tell(lib, jid, 'still there?');
				assert.equal(condition(await lib.next(errorFor(later), 5000, 'the error for a later message')), 'conflict');
			} else {
				assert.equal(winner, 'Ann Alpha');
				isError(web, 'taken', `bob's accept of ${i}`);
				const m = await g.next((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 5000, `the XMPP answer ${i}`);
				assert.equal(m.text, `mine ${i}`);
			}
			await g.none((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'joined', 300, `a second joined notice in ${i}`);
			results.push(winner);
			await g.close();
		}
		const web = results.filter((w) => w === 'Bob Alpha').length;
		console.log(`race: 20 chats, web took ${web}, XMPP took ${20 - web}`);
		assert.equal(results.length, 20);
	} finally {
		await bob.close();
		await lib.stop();
		await srv.close();
	}
});

test('the link dropped and restored mid-chat: what the guest wrote meanwhile arrives once, nothing is doubled', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	let lib2, lib3;
	try {
		const { guest: g, chat } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await say(g, chat, 'before 1');
		await lib.next(msgFrom(jid, (b) => b === 'before 1'), 5000, 'before 1');
		await tell(lib, jid, 'taking it');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 5000, 'the answer');
		await say(g, chat, 'before 2');
		await lib.next(msgFrom(jid, (b) => b === 'before 2'), 5000, 'before 2');

		await lib.stop();
		await prosody.stop();
		await until(() => lines(srv, /xmpp: .*closed/).length >= 1, 10000, 'the lost link');
		for (let i = 1; i <= 3; i++)
			await say(g, chat, `while down ${i}`);
		await prosody.start();
		await connected(srv, 2);
		lib2 = await xmppClient(prosody, 'lib1');
		approveSubscriptions(lib2);
		for (let i = 1; i <= 3; i++)
			await lib2.next(msgFrom(jid, (b) => b === `while down ${i}`), 10000, `while down ${i}`);
		await say(g, chat, 'after');
		await lib2.next(msgFrom(jid, (b) => b === 'after'), 5000, 'after');
		await tell(lib2, jid, 'back again');
		const m = await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'back again', 5000, 'the answer after the drop');
		assert.equal(m.from, 'operator');
		await new Promise((r) => setTimeout(r, 500));
		const bodies = lib2.stanzas.filter(msgFrom(jid)).map((s) => s.getChildText('body'));
		for (const b of ['while down 1', 'while down 2', 'while down 3', 'after'])
			assert.equal(bodies.filter((x) => x === b).length, 1, `${b}: ${bodies.join(' | ')}`);
		assert.ok(!bodies.includes('before 1') && !bodies.includes('before 2'), `relayed again: ${bodies.join(' | ')}`);

		// The operator's own client going offline (the link stays up) is the same: kept, then sent once.
		const offline = lines(srv, /xmpp: operator \d+ offline/).length;
		await lib2.stop();
		await until(() => lines(srv, /xmpp: operator \d+ offline/).length > offline, 5000, 'the operator offline');
		await say(g, chat, 'while offline');
		lib3 = await xmppClient(prosody, 'lib1');
		await lib3.next(msgFrom(jid, (b) => b === 'while offline'), 10000, 'while offline');
		await new Promise((r) => setTimeout(r, 500));
		const again = lib3.stanzas.filter(msgFrom(jid)).map((s) => s.getChildText('body'));
		assert.deepEqual(again, ['while offline'], again.join(' | '));
		await g.close();
	} finally {
		await lib3?.stop();
		await lib2?.stop();
		await lib.stop();
		await srv.close();
	}
});

test("queue JIDs answer presence with how many guests wait, only to the queue's own operators", async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const alpha = `alpha@${DOMAIN}`;
	const fromQueue = (jid, pred = () => true) => (st) => st.is('presence') && st.attrs.from === jid && pred(st);
	try {
		await lib.client.send(xml('presence', { to: alpha, type: 'subscribe' }));
		// (Prosody turns the queue's "subscribed" into a roster push; its presence follows.)
		const idle = await lib.next(fromQueue(alpha, (st) => !st.attrs.type), 5000, "the queue's presence");
		assert.equal(idle.getChildText('show'), 'xa');
		assert.equal(idle.getChildText('status'), 'Nobody waiting');

		const { guest: g } = await startChat(srv, 'alpha', 'Pat');
		const busy = await lib.next(fromQueue(alpha, (st) => st.getChildText('status') === '1 guest waiting'), 5000, 'one guest waiting');
		assert.equal(busy.getChildText('show'), 'chat');

		// Another library's queue, and one that does not exist, refuse the subscription (an
		// "unsubscribed", which Prosody turns into a roster push) and tell nothing.
		for (const q of ['beta', 'no-such-queue']) {
			await lib.client.send(xml('presence', { to: `${q}@${DOMAIN}`, type: 'subscribe' }));
			await lib.client.send(xml('presence', { to: `${q}@${DOMAIN}`, type: 'probe' }));
		}
		await new Promise((r) => setTimeout(r, 800));
		for (const q of ['beta', 'no-such-queue'])
			assert.ok(!lib.stanzas.some(fromQueue(`${q}@${DOMAIN}`, (st) => !st.attrs.type)), `${q} told its presence`);
		assert.match(srv.stderr, /xmpp: connected/);
		await g.close();
	} finally {
		await lib.stop();
		await srv.close();
	}
});

test('a message while the store refuses gets an error stanza, and nothing of it reaches the guest', {
	timeout: 120000,
	skip: onPostgres && 'SQLite\'s own: its file on a full disk (39-postgres takes the database away instead)',
}, async (t) => {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-full-'));
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
	} catch (err) {
		await fs.rmdir(dir);
		t.skip(`cannot mount a tmpfs here (${err.message})`);
		return;
	}
	const srv = await startServer({ dataDir: dir, args: xmppArgs() });
	const lib = await xmppClient(prosody, 'lib1');
	try {
		await connected(srv);
		approveSubscriptions(lib);
		const { confirm } = await linkAndConfirm(srv, 'ann', lib);
		assert.equal(confirm.status, 200, confirm.text);
		const ann = await srv.session('ann');
		for (let t0 = Date.now(); !(await srv.request('GET', '/api/xmpp', { session: ann })).json.online;) {
			assert.ok(Date.now() - t0 < 8000, 'ann online through XMPP');
			await new Promise((r) => setTimeout(r, 50));
		}
		const { guest: g, chat } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await tell(lib, jid, 'taking it');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 5000, 'the answer');

		// Fill the disk to its last byte.
		const f = await fs.open(path.join(dir, 'filler'), 'a');
		const chunk = Buffer.alloc(64 * 1024, 0x55);
		for (let size = chunk.length; size >= 1; size = Math.floor(size / 2))
			for (;;) {
				try { await f.write(chunk, 0, size); } catch { break; }
			}
		await f.close();

		const refused = [], delivered = [];
		for (let i = 0; i < 400 && refused.length < 10; i++) {
			const text = `full ${i} ${'x'.repeat(2000)}`;
			const id = await tell(lib, jid, text);
			for (const deadline = Date.now() + 10000; ; await new Promise((r) => setTimeout(r, 5))) {
				const err = lib.stanzas.find(errorFor(id));
				if (err) {
					assert.equal(err.getChild('error').attrs.type, 'wait');
					assert.equal(condition(err), 'internal-server-error');
					refused.push(text);
					break;
				}
				if (g.frames.some(({ frame: fr }) => fr.type === 'event' && fr.text === text)) {
					delivered.push(text);
					break;
				}
				assert.ok(Date.now() < deadline, `message ${i}: neither delivered nor refused`);
			}
		}
		assert.ok(refused.length >= 10, `the disk never filled: ${delivered.length} delivered`);
		await new Promise((r) => setTimeout(r, 500));
		for (const text of refused)
			assert.ok(!g.frames.some(({ frame: fr }) => fr.type === 'event' && fr.text === text), 'a refused message reached the guest');
		console.log(`full disk: ${delivered.length} delivered, ${refused.length} refused with an error stanza`);

		// Space is back: the next message goes through.
		await fs.rm(path.join(dir, 'filler'));
		await tell(lib, jid, 'space is back');
		await g.next((fr) => fr.type === 'event' && fr.text === 'space is back', 5000, 'a message once space is back');
		await g.close();
	} finally {
		await lib.stop();
		await srv.close();
		try { execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); } catch { /* gone */ }
		await fs.rmdir(dir).catch(() => {});
	}
});

const OFFER_LINE = 'Answer /accept to take it or /decline.';

test('a transfer to the XMPP operator: rung with the note and the last lines, /decline gives it back, /accept takes it over', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	let annWeb;
	try {
		const { guest: g, chat } = await openChat(srv, bob, 'alpha', 'Pat');
		const jid = chatJid(chat);
		// Ann was rung for the new chat too, and saw Bob take it.
		await lib.next(msgFrom(jid, (b) => b === 'Taken by Bob Alpha.'), 5000, '"taken by" for the new chat');
		await say(g, chat, 'Where are the bird books?');
		await say(bob, chat, 'Let me ask Ann.');
		const targets = isOk(await bob.request({ type: 'transfer.targets', chat }), 'transfer.targets');
		const annId = targets.operators.find((o) => o.name === OPERATORS.ann.name)?.id;
		assert.ok(annId, `the XMPP operator is a target: ${JSON.stringify(targets)}`);

		// Before any transfer, /accept and /decline are refused with an error stanza, never sent to the guest.
		const mark = g.mark();
		let id = await tell(lib, jid, '/accept');
		assert.equal(condition(await lib.next(errorFor(id), 5000, '/accept with no transfer')), 'item-not-found');
		id = await tell(lib, jid, '/decline');
		assert.equal(condition(await lib.next(errorFor(id), 5000, '/decline with no transfer')), 'item-not-found');
		await g.none((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator' && f.text.startsWith('/'), 300, 'a command sent to the guest', mark);

		// The offer: management link, who asks, the note, the queue, the last lines, how to answer.
		isOk(await bob.request({ type: 'chat.transfer', chat, operator: annId, note: 'Knows the bird books.' }), 'chat.transfer');
		const offer = (await lib.next(msgFrom(jid, (b) => b.includes('wants to hand you')), 5000, 'the transfer offer')).getChildText('body').split('\n');
		assert.match(offer[0], new RegExp(`^${srv.url}/staff/chat/${chat}/[A-Za-z0-9_-]+$`), 'first line: the management link');
		assert.equal(offer[1], 'Bob Alpha wants to hand you this chat.');
		assert.ok(offer.includes('Note: Knows the bird books.'), offer.join('|'));
		assert.ok(offer.includes('Queue: alpha'), offer.join('|'));
		assert.ok(offer.includes('Guest: Where are the bird books?'), offer.join('|'));
		assert.ok(offer.includes('Bob Alpha: Let me ask Ann.'), offer.join('|'));
		assert.equal(offer.at(-1), OFFER_LINE);
		// /help lists the new commands.
		await tell(lib, jid, '/help');
		await lib.next(msgFrom(jid, (b) => b.includes('/accept') && b.includes('/decline') && b.includes('/end')), 5000, 'the command list');

		// /decline: the chat stays with Bob, who is told.
		await tell(lib, jid, '/decline');
		await lib.next(msgFrom(jid, (b) => b === 'You declined the transfer.'), 5000, 'the decline confirmed');
		const back = await bob.nextOf('transfer.returned', chat);
		assert.equal(back.reason, 'declined');
		assert.equal(back.by, OPERATORS.ann.name);
		await say(bob, chat, 'Still here, one moment.');
		id = await tell(lib, jid, 'not mine yet');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'a message to a chat Bob still holds')), 'conflict');

		// A second transfer rings again; /accept takes it over.
		isOk(await bob.request({ type: 'chat.transfer', chat, operator: annId }), 'the second chat.transfer');
		const again = (await lib.next(msgFrom(jid, (b) => b.includes('wants to hand you')), 5000, 'the second offer')).getChildText('body');
		assert.ok(again.includes('Bob Alpha: Still here, one moment.'), again);
		assert.ok(!again.includes('Note:'), again);
		await tell(lib, jid, '/accept');
		await lib.next(msgFrom(jid, (b) => b === 'You took over the chat.'), 5000, 'the take-over confirmed');
		const moved = await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'transferred', 5000, 'the guest told');
		assert.equal(moved.name, OPERATORS.ann.name);
		const done = await bob.nextOf('transfer.done', chat);
		assert.equal(done.to.id, annId);

		// Both ways now, and Bob's messages are refused.
		await tell(lib, jid, 'Hi Pat, the birds are on floor 2.');
		const m = await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'Hi Pat, the birds are on floor 2.', 5000, "the new holder's message");
		assert.equal(m.from, 'operator');
		assert.ok(m.seq > moved.seq);
		await say(g, chat, 'Thank you!');
		await lib.next(msgFrom(jid, (b) => b === 'Thank you!'), 5000, "the guest's message in XMPP");
		isError(await bob.request({ type: 'msg.send', chat, text: 'me too' }), 'not_holder', "the sender's message after the hand-over");
		// What the offer quoted is not relayed again as lines of its own.
		const bodies = lib.stanzas.filter(msgFrom(jid)).map((s) => s.getChildText('body'));
		assert.ok(!bodies.includes('Where are the bird books?'), bodies.join('|'));
		assert.equal(bodies.filter((b) => b === 'Thank you!').length, 1, bodies.join('|'));

		// Ann hands it back from the webclient; Bob takes it: the XMPP client is told, later messages get an error.
		await setAvailable(bob, 'alpha', true);
		annWeb = await operator(srv, 'ann');
		isOk(await annWeb.request({ type: 'chat.transfer', chat, operator: bob.hello.operator.id }), 'the transfer back');
		await bob.nextOf('transfer.offer', chat);
		isOk(await bob.request({ type: 'transfer.accept', chat }), 'bob accepts');
		await lib.next(msgFrom(jid, (b) => b === 'Bob Alpha took over the chat.'), 5000, 'the old holder told');
		id = await tell(lib, jid, 'still mine?');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'a message after the chat was taken over')), 'conflict');
		const late = g.mark();
		await g.none((f) => f.type === 'event' && f.kind === 'message' && f.text === 'still mine?', 300, 'the refused message reached the guest', late);

		// Offered to Ann again and taken on her webclient: her XMPP client follows the chat again.
		isOk(await bob.request({ type: 'chat.transfer', chat, operator: annId }), 'the third chat.transfer');
		await lib.next(msgFrom(jid, (b) => b.includes('wants to hand you')), 5000, 'the third offer');
		await annWeb.nextOf('transfer.offer', chat);
		isOk(await annWeb.request({ type: 'transfer.accept', chat }), 'ann accepts on the webclient');
		await lib.next(msgFrom(jid, (b) => b === 'You took over the chat.'), 5000, 'the take-over on the webclient, in XMPP');
		await say(g, chat, 'Back to Ann?');
		await lib.next(msgFrom(jid, (b) => b === 'Back to Ann?'), 5000, "the guest's message after a webclient take-over");
		await tell(lib, jid, 'Yes, me again.');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'Yes, me again.', 5000, 'the XMPP answer after a webclient take-over');
		await g.close();
	} finally {
		await annWeb?.close();
		await bob.close();
		await lib.stop();
		await srv.close();
	}
});

test('a queue transfer rings the XMPP operator; a web colleague takes it first: the XMPP operator is told and /accept is refused; then one expires', async () => {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-transfer-'));
	await copyFixtures(dir);
	await admin(dir, ['operator', 'add', '--account', 'Alpha Library', 'dan', '--name', 'Dan Alpha'], 'dan-password-4\n');
	await admin(dir, ['member', 'add', 'alpha', 'dan']);
	const { srv, lib } = await serverWithXmppAnn({ dataDir: dir, fixtures: false, args: [...xmppArgs(), '--transfer-timeout-secs', '4'] });
	const s = await srv.signIn('dan', { password: 'dan-password-4' });
	assert.equal(s.status, 200, `sign-in of dan: ${s.status}`);
	srv.sessions.set('dan', s);
	const bob = await operator(srv, 'bob');
	const dan = await operator(srv, 'dan');
	try {
		await setAvailable(dan, 'alpha', false);
		await setAvailable(bob, 'alpha', true);
		const { guest: g, chat } = await openChat(srv, bob, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await say(g, chat, 'I need old newspapers.');
		await setAvailable(dan, 'alpha', true);

		const r = isOk(await bob.request({ type: 'chat.transfer', chat, queue: 'alpha', note: 'Microfilm?' }), 'the queue transfer');
		assert.deepEqual(r.to, { queue: { name: 'alpha', title: 'Alpha Ask' } });
		const offer = (await lib.next(msgFrom(jid, (b) => b.includes('wants to hand you')), 5000, 'the queue offer in XMPP')).getChildText('body').split('\n');
		assert.equal(offer[1], 'Bob Alpha wants to hand you this chat (sent to the queue Alpha Ask).');
		assert.ok(offer.includes('Note: Microfilm?'), offer.join('|'));
		assert.ok(offer.includes('Guest: I need old newspapers.'), offer.join('|'));
		assert.equal(offer.at(-1), OFFER_LINE);
		await dan.nextOf('transfer.offer', chat);

		isOk(await dan.request({ type: 'transfer.accept', chat }), "dan's accept");
		await lib.next(msgFrom(jid, (b) => b === 'The transfer was taken by Dan Alpha.'), 5000, 'the gone line');
		const id = await tell(lib, jid, '/accept');
		const err = await lib.next(errorFor(id), 5000, 'the late /accept');
		// Told who was first, as a web colleague a moment late is.
		assert.equal(condition(err), 'conflict');
		assert.match(err.toString(), /Dan Alpha took this chat\./);
		const later = await tell(lib, jid, 'hello?');
		assert.equal(condition(await lib.next(errorFor(later), 5000, 'a message to the chat Dan took')), 'conflict');
		const moved = await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'transferred', 5000, 'the guest told');
		assert.equal(moved.name, 'Dan Alpha');
		await g.none((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'transferred' && f.seq !== moved.seq, 300, 'a second hand-over');

		// Dan hands it to Ann, who does not answer: the deadline passes, she is told, /accept is refused.
		const targets = isOk(await dan.request({ type: 'transfer.targets', chat }), 'transfer.targets');
		const annId = targets.operators.find((o) => o.name === OPERATORS.ann.name)?.id;
		isOk(await dan.request({ type: 'chat.transfer', chat, operator: annId }), "dan's transfer");
		const second = await lib.next(msgFrom(jid, (b) => b.includes('Dan Alpha wants to hand you this chat.')), 5000, "dan's offer");
		assert.ok(second.getChildText('body').includes('Guest: I need old newspapers.'));
		await lib.next(msgFrom(jid, (b) => b === 'The transfer expired before anyone took it.'), 8000, 'the expiry line');
		assert.equal((await dan.nextOf('transfer.returned', chat)).reason, 'expired');
		const expired = await tell(lib, jid, '/accept');
		assert.equal(condition(await lib.next(errorFor(expired), 5000, '/accept after the expiry')), 'item-not-found');
		await g.close();
	} finally {
		await dan.close();
		await bob.close();
		await lib.stop();
		await srv.close();
	}
});

test('staff notes reach the XMPP operator marked as notes, /note writes one, and the guest sees neither', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const bob = await operator(srv, 'bob');
	try {
		const { guest: g, chat } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await lib.next(msgFrom(jid), 5000, 'the ring');
		await tell(lib, jid, 'Hello Pat.');
		await lib.next(msgFrom(jid, (b) => b === 'You took the chat.'), 5000, 'the chat taken');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'Hello Pat.', 5000, 'the first answer');
		isOk(await bob.request({ type: 'chat.join', chat, after: 0 }), "bob follows the chat");
		const mark = g.mark();

		// A colleague's note: one line in XMPP, marked; the guest gets nothing.
		isOk(await bob.request({ type: 'note.send', chat, text: 'She asked last week too.' }), "bob's note");
		await lib.next(msgFrom(jid, (b) => b === 'Staff note from Bob Alpha (the guest does not see it): She asked last week too.'), 5000, "bob's note in XMPP");

		// /note from XMPP: a note for colleagues, never a message to the guest.
		await tell(lib, jid, '/note  Pat wants the 1998 edition ');
		const n = await bob.next((f) => f.type === 'note' && f.chat === chat && f.note.name !== 'Bob Alpha', 5000, "ann's note at bob's");
		assert.equal(n.note.text, 'Pat wants the 1998 edition');
		assert.equal(n.note.name, OPERATORS.ann.name);
		// Ann's own note is not echoed back to her.
		await tell(lib, jid, '/help');
		await lib.next(msgFrom(jid, (b) => b.includes('/note TEXT')), 5000, 'the command list names /note');
		const bodies = lib.stanzas.filter(msgFrom(jid)).map((s) => s.getChildText('body'));
		assert.ok(!bodies.some((b) => b.includes('1998 edition')), bodies.join('|'));
		// An empty note and an oversized one are refused with an error stanza.
		let id = await tell(lib, jid, '/note');
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'an empty /note')), 'not-acceptable');
		id = await tell(lib, jid, `/note ${'x'.repeat(4001)}`);
		assert.equal(condition(await lib.next(errorFor(id), 5000, 'an oversized /note')), 'not-acceptable');
		// "/notes" is no /note: the help, and nothing is written.
		await tell(lib, jid, '/notes for later');
		await lib.next(msgFrom(jid, (b) => b.includes('/note TEXT') && b.includes('/end')), 5000, 'the help for an unknown command');

		await g.none((f) => (f.type === 'event' && ['message', 'note'].includes(f.kind)) || f.type === 'note' ||
			JSON.stringify(f).includes('1998 edition') || JSON.stringify(f).includes('last week'), 500, 'a note reached the guest', mark);
		// The longest note from a colleague with the longest name arrives whole: a cut could fall
		// inside a character and break the component's stream for everyone.
		const longName = '\u{1D11E}'.repeat(80);
		const renamed = await srv.request('POST', `/api/admin/operators/${bob.hello.operator.id}`,
			{ session: await srv.session('bob'), body: { name: longName } });
		assert.equal(renamed.status, 200, renamed.text);
		const bob2 = await operator(srv, 'bob');
		isOk(await bob2.request({ type: 'chat.join', chat, after: 0 }), 'bob follows again');
		const longNote = '\u{1F600}'.repeat(4000);
		isOk(await bob2.request({ type: 'note.send', chat, text: longNote }), 'the longest note');
		// (Compared by length: the test's XMPP client decodes each TCP read on its own, so a
		// character split between two reads comes out as U+FFFD there, not on the wire.)
		const head = `Staff note from ${longName} (the guest does not see it): `;
		const whole = [...head].length + 4000;
		const got = (await lib.next(msgFrom(jid, (b) => b.startsWith(head)), 5000, 'the longest note')).getChildText('body');
		assert.ok(got.endsWith('\u{1F600}'.repeat(20)), 'the note\'s end arrived');
		assert.ok(Math.abs([...got].length - whole) <= 4, `the whole note: ${[...got].length} characters of ${whole}`);
		await tell(lib, jid, 'Still linked?');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'Still linked?', 5000, 'the link still up');
		await bob2.close();
		await g.close();
	} finally {
		await bob.close();
		await lib.stop();
		await srv.close();
	}
});

test('a stanza over 256 KiB gets a policy-violation error and the link stays up for everyone else', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	const other = await xmppClient(prosody, 'lib2');
	try {
		const { guest: g, chat } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await lib.next(msgFrom(jid), 5000, 'the ring');
		// From an address that is no librarian's, and from the librarian, to the chat's JID.
		for (const who of [other, lib]) {
			const id = await tell(who, jid, 'z'.repeat(300 * 1024));
			const err = await who.next(errorFor(id), 10000, 'the error for the oversized message');
			assert.equal(condition(err), 'policy-violation');
		}
		await g.none((f) => f.type === 'event' && f.kind === 'message', 300, 'an oversized message reached the guest');
		// The link did not drop: the next message takes the chat, and no reconnection happened.
		await tell(lib, jid, 'Hello Pat.');
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === 'Hello Pat.', 5000, 'the next message');
		assert.equal(lines(srv, /xmpp: connected to /).length, 1, srv.stderr);
		assert.equal(lines(srv, /xmpp: skipped 1 stanza over 262144 bytes/).length, 1, srv.stderr);
		await g.close();
	} finally {
		await other.stop();
		await lib.stop();
		await srv.close();
	}
});

test('a librarian who goes offline with messages in flight leaves nothing waiting behind', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	try {
		const { guest: g, chat } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		const ann = await srv.session('ann');
		await lib.next(msgFrom(jid), 5000, 'the ring');
		await tell(lib, jid, 'Hello Pat.');
		await lib.next(msgFrom(jid, (b) => b === 'You took the chat.'), 5000, 'the chat taken');
		const pending = async () => Number((await srv.request('GET', '/metrics')).text.match(/^refdesk_xmpp_pending (\d+)$/m)?.[1]);
		const eventually = async (cond, what) => {
			for (const t0 = Date.now(); !(await cond());) {
				assert.ok(Date.now() - t0 < 5000, `timed out waiting for ${what}`);
				await new Promise((r) => setTimeout(r, 50));
			}
		};
		await eventually(async () => (await pending()) === 0, 'the first answer settled');
		// Messages, then at once the client's unavailable presence: the replies arrive for a
		// client that is gone, and must not wait for a link that may stay up for weeks.
		for (let round = 0; round < 5; round++) {
			await Promise.all(Array.from({ length: 40 }, (_, i) => tell(lib, jid, `r${round} m${i}`)));
			await lib.client.send(xml('presence', { type: 'unavailable' }));
			await eventually(async () => (await pending()) === 0, `nothing waiting after round ${round}`);
			await lib.client.send(xml('presence'));
			await eventually(async () => (await srv.request('GET', '/api/xmpp', { session: ann })).json.online, 'ann online again');
		}
		await g.close();
	} finally {
		await lib.stop();
		await srv.close();
	}
});

test('a chat that goes on across a restart: the XMPP librarian\'s next words are new words, not taken for old ones', async () => {
	const { srv, lib } = await serverWithXmppAnn();
	try {
		const { guest: g, chat, token } = await startChat(srv, 'alpha', 'Pat');
		const jid = chatJid(chat);
		await lib.next(msgFrom(jid), 5000, 'the ring');
		for (const text of ['one', 'two', 'three', 'four']) {
			await tell(lib, jid, text);
			await g.next((f) => f.type === 'event' && f.kind === 'message' && f.text === text, 5000, text);
		}
		await g.close();
		const before = lines(srv, /xmpp: connected to /).length;
		await srv.stop();
		await srv.restart();
		await until(() => lines(srv, /xmpp: connected to /).length > before, 10000, 'the link after the restart');
		const back = await guest(srv);
		isOk(await back.request({ type: 'chat.join', chat, token, after: 0 }), 'the guest back');
		// The librarian's client is online again once its presence is probed.
		const ann = await srv.session('ann');
		for (let t = Date.now(); !(await srv.request('GET', '/api/xmpp', { session: ann })).json.online;) {
			assert.ok(Date.now() - t < 8000, 'ann online again');
			await new Promise((r) => setTimeout(r, 50));
		}
		for (const text of ['after one', 'after two', 'after three', 'after four', 'after five']) {
			await tell(lib, jid, text);
			await back.next((f) => f.type === 'event' && f.kind === 'message' && f.text === text, 5000, `"${text}" at the guest`);
		}
		await back.close();
	} finally {
		await lib.stop();
		await srv.close();
	}
});
