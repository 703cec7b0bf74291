// 35-block: Block guest (PROTOCOL §2.14). The operator who holds a chat blocks its guest: the
// chat ends, and new chats from the same client address (IPv4 /32, IPv6 /64; here the address a
// trusted proxy reports) are refused for that account, politely, for 1-24 hours, while other
// addresses and other libraries go on. Nobody else may block (an admin who does not hold the chat,
// another library's admin); bad input is 400 and blocks nothing. The audit log records who, when,
// why and for how long, never the address, and the address is nowhere in the database. An admin
// lists the account's active blocks (without addresses) and lifts one; a block ends by itself
// (--block-hour-secs makes an hour short here).
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 4.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, closeAll } from './lib/client.mjs';
import { isError, isOk, operator, setAvailable } from './lib/flows.mjs';
import { startServer, storeContains } from '../lib/server.mjs';

const HOUR_SECS = 2;
let srv, ann, bob, cat, annWs, catWs;

before(async () => {
	srv = await startServer({ args: ['--trusted-proxy', '127.0.0.1', '--block-hour-secs', String(HOUR_SECS)] });
	ann = await srv.session('ann');
	bob = await srv.session('bob');
	cat = await srv.session('cat');
	annWs = await operator(srv, 'ann');
	await setAvailable(annWs, 'alpha', true);
	catWs = await operator(srv, 'cat');
	await setAvailable(catWs, 'beta', true);
});

after(async () => {
	await closeAll();
	await srv?.close();
});

/** A guest socket that the proxy (loopback, trusted) says comes from `addr`. */
const guestAt = (addr) => Client.connect(srv.wsUrl, { headers: { 'x-forwarded-for': addr }, label: `guest ${addr}` });

/** chat.start from `addr` on `queue`: the socket and the reply (ok or error). */
async function startFrom(addr, queue = 'alpha') {
	const g = await guestAt(addr);
	const reply = await g.request({ type: 'chat.start', queue, name: 'Reader' });
	return { g, reply };
}

/** A chat from `addr` that ann has accepted. */
async function heldChat(addr) {
	const { g, reply } = await startFrom(addr);
	const chat = isOk(reply, 'chat.start').chat;
	await annWs.next((f) => f.type === 'chat.offer' && f.chat === chat, 5000, 'the offer');
	isOk(await annWs.request({ type: 'chat.accept', chat }), 'chat.accept');
	return { g, chat };
}

const block = (session, chat, body) => srv.request('POST', `/api/chats/${chat}/block`, { session, body });
const blocks = (session) => srv.request('GET', '/api/admin/blocks', { session });
const lift = (session, id) => srv.request('POST', `/api/admin/blocks/${id}/lift`, { session, body: {} });
const auditOf = async (action) => {
	const r = await srv.request('GET', '/api/admin/audit?limit=100', { session: bob });
	assert.equal(r.status, 200, r.text);
	return r.json.entries.filter((e) => e.action === action);
};
const dbHas = (text) => storeContains(srv.dataDir, text);

function expect(r, status, code, what) {
	assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
	if (code)
		assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
}

test('blocking ends the chat and refuses that address for the account; others go on; the log has no address', async () => {
	const ADDR = '203.0.113.77';
	const { g, chat } = await heldChat(ADDR);

	// Only the holder may, with a sensible body.
	expect(await block(bob, chat, { reason: 'Spam' }), 403, 'not_holder', 'an admin who does not hold it');
	expect(await block(cat, chat, { reason: 'Spam' }), 404, 'not_found', 'another library\'s admin');
	for (const [what, body] of [['25 hours', { reason: 'Spam', hours: 25 }], ['0 hours', { reason: 'Spam', hours: 0 }],
		['no reason', { hours: 2 }], ['an empty reason', { reason: '' }], ['a reason of spaces', { reason: '   ' }],
		['a reason on two lines', { reason: 'a\nb' }], ['201 characters', { reason: 'x'.repeat(201) }],
		['hours as text', { reason: 'Spam', hours: '2' }], ['an unknown field', { reason: 'Spam', address: ADDR }]])
		expect(await block(ann, chat, body), 400, 'bad_request', what);
	expect(await block(ann, 'c_nosuchchat', { reason: 'Spam' }), 404, 'not_found', 'a made-up chat');
	const noCsrf = await srv.request('POST', `/api/chats/${chat}/block`, { session: { ...ann, csrf: 'wrong' }, body: { reason: 'Spam' } });
	assert.equal(noCsrf.status, 403);
	assert.equal((await blocks(bob)).json.blocks.length, 0, 'nothing blocked by refusals');
	assert.equal(isOk((await startFrom(ADDR)).reply, 'still free').type, 'ok');

	const t0 = Date.now();
	const r = await block(ann, chat, { reason: 'Abusive language towards staff', hours: 24 });
	expect(r, 200, null, 'block');
	const b = r.json.block;
	assert.equal(b.chat, chat);
	assert.equal(b.hours, 24);
	assert.equal(b.reason, 'Abusive language towards staff');
	assert.deepEqual(b.operator, { id: ann.operator.id, name: 'Ann Alpha' });
	assert.ok(b.created_at >= t0 - 1000 && b.until === b.created_at + 24 * HOUR_SECS * 1000, JSON.stringify(b));
	assert.ok(!JSON.stringify(r.json).includes(ADDR));
	await g.next((f) => f.type === 'event' && f.chat === chat && f.kind === 'notice' && f.notice === 'ended', 5000, 'the end of the chat');
	expect(await block(ann, chat, { reason: 'again' }), 409, 'chat_ended', 'an ended chat');

	// The same address: refused, on a new socket and on the old one, with words for a person.
	const again = await startFrom(ADDR);
	const refused = isError(again.reply, 'blocked', 'chat.start from the blocked address');
	assert.match(refused.message, /paused chats from your connection/);
	isError(await g.request({ type: 'chat.start', queue: 'alpha' }), 'blocked', 'the blocked socket');
	// Another address, and another library from the same address, go on.
	isOk((await startFrom('203.0.113.78')).reply, 'chat.start from another address');
	isOk((await startFrom(ADDR, 'beta')).reply, 'chat.start on another library\'s queue');

	// The audit log: who, when, why, how long — and no address, here or anywhere in the database.
	const [entry] = await auditOf('guest.block');
	assert.ok(entry, 'the block is in the audit log');
	assert.equal(entry.target, chat);
	assert.equal(entry.actor.username, 'ann');
	assert.ok(entry.at >= t0 - 1000);
	assert.match(entry.detail, /24 hours: Abusive language towards staff/);
	assert.ok(!JSON.stringify(entry).includes(ADDR));
	assert.equal(dbHas(ADDR), false, 'the address is not in the database');
	assert.equal(dbHas('Abusive language towards staff'), true, 'the check can see what is there');

	// The admin's list: this account's blocks, without addresses; lifting one frees the address.
	expect(await blocks(ann), 403, 'forbidden', 'an operator who is not an admin');
	const list = await blocks(bob);
	expect(list, 200, null, 'list');
	assert.deepEqual(list.json.blocks.map((x) => x.id), [b.id]);
	assert.deepEqual(list.json.blocks[0], b);
	assert.ok(!list.text.includes(ADDR));
	assert.deepEqual((await blocks(cat)).json.blocks, [], 'another library sees none');
	expect(await lift(cat, b.id), 404, 'not_found', 'another library\'s admin lifts it');
	expect(await lift(ann, b.id), 403, 'forbidden', 'an operator lifts it');
	expect(await lift(bob, 'x1'), 404, 'not_found', 'a malformed id');
	expect(await lift(bob, b.id), 200, null, 'lift');
	expect(await lift(bob, b.id), 404, 'not_found', 'lift again');
	assert.deepEqual((await blocks(bob)).json.blocks, []);
	isOk((await startFrom(ADDR)).reply, 'chat.start once lifted');
	const [unblock] = await auditOf('guest.unblock');
	assert.equal(unblock.target, chat);
	assert.equal(unblock.actor.username, 'bob');
});

test('IPv6: the whole /64 is refused, the next /64 is not', async () => {
	const { chat } = await heldChat('2001:db8:5:6::1');
	expect(await block(ann, chat, { reason: 'Flooding the chat', hours: 24 }), 200, null, 'block');
	isError((await startFrom('2001:db8:5:6:ffff::42')).reply, 'blocked', 'the same /64');
	isOk((await startFrom('2001:db8:5:7::1')).reply, 'the next /64');
	const [b] = (await blocks(bob)).json.blocks;
	expect(await lift(bob, b.id), 200, null, 'lift');
});

test('a block ends by itself after its hours', async () => {
	const ADDR = '198.51.100.23';
	const { chat } = await heldChat(ADDR);
	const r = await block(ann, chat, { reason: 'Cooling off' });
	expect(r, 200, null, 'block');
	assert.equal(r.json.block.hours, 1, 'one hour unless told');
	isError((await startFrom(ADDR)).reply, 'blocked', 'during the block');
	await new Promise((resolve) => setTimeout(resolve, HOUR_SECS * 1000 + 300));
	isOk((await startFrom(ADDR)).reply, 'after the block');
	assert.deepEqual((await blocks(bob)).json.blocks, [], 'gone from the list');
});

test('a waiting chat: an operator it rings blocks its guest without taking it; others may not', async () => {
	const ADDR = '203.0.113.91';
	const { g, reply } = await startFrom(ADDR);
	const chat = isOk(reply, 'chat.start').chat;
	await annWs.next((f) => f.type === 'chat.offer' && f.chat === chat, 5000, 'the offer');
	// Bob (not available on alpha) was never rung; Cat is another library's.
	expect(await block(bob, chat, { reason: 'Spam' }), 403, 'not_offered', 'an operator it never rang');
	expect(await block(cat, chat, { reason: 'Spam' }), 404, 'not_found', "another library's operator");
	const r = await block(ann, chat, { reason: 'Threats in the first message' });
	expect(r, 200, null, 'block while it waits');
	await g.next((f) => f.type === 'event' && f.chat === chat && f.kind === 'notice' && f.notice === 'ended', 5000, 'the end');
	await annWs.next((f) => f.type === 'chat.gone' && f.chat === chat, 5000, 'the offer withdrawn');
	isError((await startFrom(ADDR)).reply, 'blocked', 'the address afterwards');
	expect(await lift(bob, r.json.block.id), 200, null, 'lift');
});
