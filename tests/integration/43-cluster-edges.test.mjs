// 43-cluster-edges: the seams between nodes, where a share or a transfer started on one node
// meets a hand-over, a reload, a closed tab or a lost link on another. Three nodes (PostgreSQL,
// NATS, nginx: lib/cluster.mjs), A's link to NATS through a relay the test can cut; transfers run
// out after 3 s and waiting chats whose guest left end after 3 s, so each edge shows quickly.
//
// It starts PostgreSQL, NATS and nginx of its own: it runs once, in the SQLite pass.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAll } from './lib/client.mjs';
import { startCluster } from './lib/cluster.mjs';
import { guest, isOk, operator, setAvailable, startChat } from './lib/flows.mjs';
import { onPostgres, sleep } from '../lib/server.mjs';

const skip = onPostgres && 'runs once, in the SQLite pass: it starts PostgreSQL, NATS and nginx of its own';
let cl;
let A, B, C;

before(async () => {
	if (skip)
		return;
	cl = await startCluster({ n: 3, operators: ['ann', 'bob', 'cat'], cutters: [0],
		args: ['--abandon-secs', '3', '--transfer-timeout-secs', '3'] });
	[A, B, C] = cl.nodes;
});

after(async () => {
	await closeAll();
	await cl?.stop();
});

async function seenOn(node) {
	for (let i = 0; i < 100; i++) {
		if ((await (await fetch(`${node.url}/api/queues/ask`)).json()).online)
			return;
		await sleep(50);
	}
	assert.fail(`node ${node.port} never saw anyone available`);
}

const status = (chat) => cl.psql(`SELECT status FROM chats WHERE public_id = '${chat}'`);
const holder = (chat) => cl.psql(`SELECT coalesce(o.name, '-') FROM chats c LEFT JOIN operators o ON o.id = c.operator_id
	WHERE c.public_id = '${chat}'`);
const steps = (chat) => cl.psql(`SELECT e.body::json->>'step' FROM events e JOIN chats c ON c.id = e.chat_id
	WHERE c.public_id = '${chat}' AND e.kind = 'share' ORDER BY e.seq`).split('\n').filter(Boolean);
const shareStep = (chat, step) => (f) => f.type === 'event' && f.chat === chat && f.kind === 'share' && f.step === step;
const OFFER = ['v=0', 'o=- 46117 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
	'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=ice-ufrag:abcd',
	'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=sendonly', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');
const ANSWER = OFFER.replace('a=sendonly', 'a=recvonly');
const CANDIDATE = 'candidate:2 1 udp 2122260223 192.0.2.7 61000 typ host generation 0';

/** A guest on A, Bob on B holding the chat (and no longer available, so nothing else rings him). */
async function bobsChat() {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	await seenOn(A);
	const c = await startChat(A, 'ask', 'Pat');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
	isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept on B');
	await setAvailable(bob, 'ask', false);
	return { bob, c };
}

/** A live share of the guest's screen (on A) to Bob (on B); its number. */
async function liveShare(bob, c) {
	const share = isOk(await bob.request({ type: 'share.invite', chat: c.chat, text: 'May I see?' }), 'share.invite').share;
	await c.guest.next(shareStep(c.chat, 'invited'), 5000, 'invited on A');
	isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'share.reply');
	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'share.offer');
	await bob.next((f) => f.type === 'share.offer' && f.chat === c.chat, 5000, 'the offer on B');
	isOk(await bob.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'share.answer');
	isOk(await bob.request({ type: 'share.shown', chat: c.chat, share }), 'share.shown');
	await c.guest.next(shareStep(c.chat, 'started'), 5000, 'started on A');
	return share;
}

/** The id of `name` among the colleagues `op` may hand chat `chat` to, once it shows. */
async function colleague(op, chat, name) {
	for (let i = 0; i < 50; i++) {
		const t = isOk(await op.request({ type: 'transfer.targets', chat }), 'transfer.targets');
		const o = t.operators.find((x) => x.name === name);
		if (o)
			return o.id;
		await sleep(100);
	}
	assert.fail(`${name} never showed among the transfer targets`);
}

test('a hand-over accepted on another node stops the share running on the sender\'s node', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const cat = await operator(C, 'cat');
	await setAvailable(cat, 'ask', true);
	const share = await liveShare(bob, c);
	isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, operator: await colleague(bob, c.chat, 'Cat') }), 'chat.transfer');
	await cat.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on C');
	isOk(await cat.request({ type: 'transfer.accept', chat: c.chat }), 'transfer.accept on C');
	const stopped = await c.guest.next(shareStep(c.chat, 'stopped'), 5000, 'the share stopped, on A');
	assert.equal(stopped.by, 'system');
	assert.deepEqual(steps(c.chat), ['invited', 'accepted', 'started', 'stopped']);
	// The guest's candidates no longer reach Bob, who does not hold the chat now.
	const r = await c.guest.request({ type: 'share.ice', chat: c.chat, share, candidate: CANDIDATE, mid: '0', mline: 0 }, 2000)
		.catch(() => null);
	assert.ok(r === null || r.type === 'error', JSON.stringify(r));
	await bob.none((f) => f.type === 'share.ice', 500, 'a candidate for Bob');
	await setAvailable(cat, 'ask', false);
	await closeAll();
});

test('a guest who reopens the chat on another node after the invitation can answer it there', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const inv = isOk(await bob.request({ type: 'share.invite', chat: c.chat, text: 'May I see?' }), 'share.invite');
	await c.guest.next(shareStep(c.chat, 'invited'), 5000, 'invited on A');
	const moved = await guest(C, 'guest on C');
	isOk(await moved.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join on C');
	const r = isOk(await moved.request({ type: 'share.reply', chat: c.chat, share: inv.share, answer: 'accept' }), 'share.reply from C');
	assert.ok(r.ice, JSON.stringify(r));
	await bob.next(shareStep(c.chat, 'accepted'), 5000, 'accepted on B');
	await closeAll();
});

test('a colleague rung on two nodes who closes one tab has not declined; the other tab may still take it', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const cat = await operator(C, 'cat');
	const catOnA = await operator(A, 'cat', 'cat on A');
	await setAvailable(cat, 'ask', true);
	isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, operator: await colleague(bob, c.chat, 'Cat') }), 'chat.transfer');
	await cat.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on C');
	await catOnA.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on A');
	await cat.close();
	await bob.none((f) => f.type === 'transfer.returned', 1000, 'the transfer returned when one of Cat\'s tabs closed');
	isOk(await catOnA.request({ type: 'transfer.accept', chat: c.chat }), 'transfer.accept on A');
	await bob.next((f) => f.type === 'transfer.done' && f.chat === c.chat, 5000, 'transfer.done on B');
	assert.equal(holder(c.chat), 'Cat');
	await closeAll();
});

test('a copy of a transfer whose deadline passed takes no accept, even when its node did not hear the end', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const ann = await operator(A, 'ann');
	await setAvailable(ann, 'ask', true);
	isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, operator: await colleague(bob, c.chat, 'Ann') }), 'chat.transfer');
	await ann.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer on A');
	await cl.cutters[0].cut();
	const back = await bob.next((f) => f.type === 'transfer.returned' && f.chat === c.chat, 8000, 'transfer.returned on B');
	assert.equal(back.reason, 'expired');
	const r = await ann.request({ type: 'transfer.accept', chat: c.chat });
	assert.equal(r.code, 'no_transfer', JSON.stringify(r));
	await cl.cutters[0].heal();
	assert.equal(holder(c.chat), 'Bob', 'it came back to Bob, as he was told');
	await setAvailable(ann, 'ask', false);
	await closeAll();
});

test('a consent window that answered and closed does not make the librarian\'s node take the guest for gone', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const cat = await operator(C, 'cat');
	await setAvailable(cat, 'ask', true);
	const win = await guest(A, 'consent window');
	isOk(await win.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join');
	const inv = isOk(await bob.request({ type: 'share.invite', chat: c.chat, text: 'May I see?' }), 'share.invite');
	await win.next(shareStep(c.chat, 'invited'), 5000, 'invited on A');
	isOk(await win.request({ type: 'share.reply', chat: c.chat, share: inv.share, answer: 'accept' }), 'share.reply');
	await win.close();
	await bob.next(shareStep(c.chat, 'stopped'), 5000, 'stopped on B');
	await sleep(3500); // more than --abandon-secs
	// Bob hands it to the queue and leaves; nobody answers: back on the queue, from B.
	isOk(await bob.request({ type: 'chat.transfer', chat: c.chat, queue: 'ask' }), 'chat.transfer to the queue');
	await bob.close();
	for (let i = 0; i < 80 && status(c.chat) === '1'; i++)
		await sleep(100);
	assert.equal(status(c.chat), '0', 'back on the queue');
	await sleep(4000);
	assert.equal(status(c.chat), '0', 'still waiting: its guest is on A');
	await setAvailable(cat, 'ask', false);
	await closeAll();
});

test('the holder closes the tab that sent a transfer while another tab runs a share: he has not left', { skip, timeout: 60000 }, async () => {
	const { bob, c } = await bobsChat();
	const bobOnC = await operator(C, 'bob', 'bob on C');
	isOk(await bobOnC.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'Bob follows on C too');
	const ann = await operator(B, 'ann');
	await setAvailable(ann, 'ask', true);
	const share = await liveShare(bob, c);
	await sleep(2500); // Ann's availability reaches C
	isOk(await bobOnC.request({ type: 'chat.transfer', chat: c.chat, queue: 'ask' }), 'chat.transfer from C');
	await ann.next((f) => f.type === 'transfer.offer' && f.chat === c.chat, 5000, 'the offer for Ann');
	await bobOnC.close();
	// Nobody answers: it comes back to Bob, still here on B, not to the queue.
	await sleep(4500);
	assert.equal(status(c.chat), '1');
	assert.equal(holder(c.chat), 'Bob');
	assert.deepEqual(steps(c.chat), ['invited', 'accepted', 'started'], 'the share goes on');
	c.guest.send({ type: 'share.ice', id: c.guest.newId(), chat: c.chat, share, candidate: CANDIDATE, mid: '0', mline: 0 });
	await bob.next((f) => f.type === 'share.ice' && f.chat === c.chat, 5000, 'the guest\'s candidate on B');
	await bob.close();
	await c.guest.next(shareStep(c.chat, 'stopped'), 5000, 'stopped when Bob left');
	assert.ok(B.running, 'B runs');
	await setAvailable(ann, 'ask', false);
	await closeAll();
});
