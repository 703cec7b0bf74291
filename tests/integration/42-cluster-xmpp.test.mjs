// 42-cluster-xmpp: librarians on XMPP with several nodes. The XMPP link is in one node (the one
// with the shared duties); a guest on another node rings the XMPP librarian through the bus, the
// chat flows both ways across the nodes; the node with the link is killed, another takes the link
// over, and the librarian is rung through it.
//
// It starts PostgreSQL, NATS, nginx and Prosody of its own: it runs once, in the SQLite pass.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAll } from './lib/client.mjs';
import { startCluster } from './lib/cluster.mjs';
import { isAck, startChat, until } from './lib/flows.mjs';
import { chatJid as xmppChatJid, startProsody, xml, xmppClient } from './lib/prosody.mjs';
import { onPostgres, sleep } from '../lib/server.mjs';

const skip = onPostgres && 'runs once, in the SQLite pass: it starts PostgreSQL, NATS, nginx and Prosody of its own';
const DOMAIN = 'chat.example.test';
const SECRET = 'component-secret-42';
let prosody, cl, lib, tmp;

const linked = (node) => node.stderr.split('\n').filter((l) => /xmpp: connected to /.test(l)).length;

before(async () => {
	if (skip)
		return;
	prosody = await startProsody({ domain: DOMAIN, secret: SECRET, users: { lib1: 'lib1-password-1' } });
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-secret-'));
	const secretFile = path.join(tmp, 'secret');
	await fs.writeFile(secretFile, `${SECRET}\n`);
	cl = await startCluster({ n: 3, operators: ['ann'],
		args: ['--xmpp-domain', DOMAIN, '--xmpp-server', prosody.componentAddress, '--xmpp-secret-file', secretFile] });
});

after(async () => {
	await closeAll();
	await lib?.stop();
	await cl?.stop();
	await prosody?.cleanup();
	if (tmp)
		await fs.rm(tmp, { recursive: true, force: true });
});

/** The JID of chat `pub` in this file's component domain. */
const chatJid = (pub) => {
	const jid = xmppChatJid(pub, DOMAIN);
	assert.equal(jid.length, 24 + 1 + DOMAIN.length, jid);
	return jid;
};

const msgFrom = (jid, pred = () => true) => (st) => st.is('message') && st.attrs.from === jid && st.attrs.type !== 'error' &&
	st.getChildText('body') !== null && pred(st.getChildText('body'));

async function seenOn(node) {
	for (let i = 0; i < 200; i++) {
		if ((await (await fetch(`${node.url}/api/queues/ask`)).json()).online)
			return;
		await sleep(50);
	}
	assert.fail(`node ${node.port} never counted the librarian on XMPP`);
}

test('a guest on another node rings the librarian on XMPP through the bus; the chat flows both ways; the link\'s node killed, another takes the link and rings her', { skip, timeout: 90000 }, async () => {
	const [A, B, C] = cl.nodes;
	await until(() => linked(A) === 1, 10000, "A's XMPP link (A started first: it has the duties)");
	assert.equal(linked(B) + linked(C), 0, 'one link');
	lib = await xmppClient(prosody, 'lib1');
	lib.client.on('stanza', (st) => {
		if (st.is('presence') && st.attrs.type === 'subscribe')
			lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
	});
	const s = await A.session('ann');
	assert.equal((await A.request('POST', '/api/xmpp/jid', { session: s, body: { jid: lib.jid } })).status, 200);
	const code = await lib.next((st) => st.is('message') && /code is/.test(st.getChildText('body') ?? ''), 5000, 'the code');
	const word = /code is ([a-z0-9]{8})\./.exec(code.getChildText('body'))[1];
	assert.equal((await A.request('POST', '/api/xmpp/confirm', { session: s, body: { code: word } })).status, 200);

	// Ann is available through her XMPP client on A; a box on C knows it.
	await seenOn(C);
	const c = await startChat(C, 'ask', 'Pat');
	const jid = chatJid(c.chat);
	const ring = await lib.next(msgFrom(jid), 10000, 'the ring, through A, for a chat on C');
	assert.ok(ring.getChildText('body').includes(c.chat), ring.toString());
	isAck(await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'Hello from C' }));
	await lib.next(msgFrom(jid, (b) => b === 'Hello from C'), 10000, "the guest's message from C");
	await lib.client.send(xml('message', { to: jid, type: 'chat', id: 'x1' }, xml('body', {}, 'Hi Pat, Ann here.')));
	const joined = await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'joined', 10000, 'joined, on C');
	assert.match(joined.name, /^Ann/);
	const answer = await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.kind === 'message' && f.from === 'operator', 10000, 'the answer on C');
	assert.equal(answer.text, 'Hi Pat, Ann here.');
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }));
	await c.guest.close();

	// A dies: B or C takes the link (the duties) and rings Ann there for the next chat.
	await A.kill('SIGKILL');
	await until(() => linked(B) + linked(C) === 1, 20000, 'another node connects the XMPP link');
	const holder = linked(B) ? B : C;
	const other = holder === B ? C : B;
	await seenOn(other);
	const d = await startChat(other, 'ask', 'Sam');
	const ring2 = await lib.next(msgFrom(chatJid(d.chat)), 10000, 'the ring through the new link');
	assert.ok(ring2.getChildText('body').includes(d.chat));
	isAck(await d.guest.request({ type: 'chat.end', chat: d.chat }));
	await closeAll();
});
