// 34-canned-snapshots: canned snapshots (PROTOCOL §2.8). The sharing tool saves an annotated
// image and its editor document for the account (POST /api/chats/{chat}/uploads with
// X-Upload-Kind: canned); every operator of the account lists them and sends one to a chat they
// hold, by reference: the chat's event names the same blobs and the guest fetches them through
// the chat's blob route, nothing uploaded again. Only the operator who saved one, or an admin,
// renames or deletes it; another account's entry looks missing; bad input is 400 and changes
// nothing. A blob stays while a canned entry or a transcript needs it — through the retention
// purge — and goes once neither does.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 3.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { closeAll } from './lib/client.mjs';
import { isAck, openChat, operator, setAvailable } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { startServer } from '../lib/server.mjs';
import { upload, uploadOk } from '../lib/upload.mjs';

let srv, ann, bob, cat, bobWs, catWs;

before(async () => {
	srv = await startServer({ args: ['--purge-interval-secs', '1', '--upload-burst', '40'] });
	ann = await srv.session('ann');
	bob = await srv.session('bob');
	cat = await srv.session('cat');
	bobWs = await operator(srv, 'bob');
	await setAvailable(bobWs, 'alpha', true);
	catWs = await operator(srv, 'cat');
	await setAvailable(catWs, 'beta', true);
});

after(async () => {
	await closeAll();
	await srv?.close();
});

const DOC = Buffer.from(JSON.stringify({ version: 1, shapes: [{ kind: 'arrow', x1: 1, y1: 2, x2: 30, y2: 40 }] }));
const db = (text) => srv.sql(text).trim();
const blobPath = (hash) => path.join(srv.dataDir, 'blobs', hash.slice(0, 2), hash);
const onDisk = (hash) => fs.access(blobPath(hash)).then(() => true, () => false);
const list = async (session) => {
	const r = await srv.request('GET', '/api/canned-snapshots', { session });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.max, 200);
	return r.json.canned_snapshots;
};
const send = (session, id, body) => srv.request('POST', `/api/canned-snapshots/${id}/send`, { session, body });
const rename = (session, id, body) => srv.request('POST', `/api/canned-snapshots/${id}`, { session, body });
const remove = (session, id) => srv.request('POST', `/api/canned-snapshots/${id}/delete`, { session, body: {} });
const thumb = (session, id) => fetch(`${srv.url}/api/canned-snapshots/${id}/thumb`, { headers: { cookie: session.cookie } });

/** Save `image` from chat `c` (held by the operator of `session`) as canned snapshot `name`. */
async function save(session, c, name, image, headers = {}) {
	const doc = await uploadOk(srv, session, c.chat, DOC, { headers: { 'x-upload-kind': 'annotation' } });
	const r = await upload(srv, session, c.chat, image, { headers: {
		'x-upload-kind': 'canned', 'x-canned-name': encodeURIComponent(name), 'x-annotation': doc.blob,
		'x-alt': encodeURIComponent(`${name}: step by step`), 'x-file-name': 'login.png', ...headers } });
	return { ...r, doc: doc.blob };
}

/** Poll the async `cond` every 100 ms until it is true; fail after `ms` saying `what`. */
async function until(cond, ms, what) {
	const deadline = Date.now() + ms;
	while (!(await cond())) {
		if (Date.now() > deadline)
			throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

function expect(r, status, code, what) {
	assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
	if (code)
		assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
}

/** Send entry `id` into chat `c` as `session`; the guest gets the snapshot and can fetch it. */
async function sendAndFetch(session, id, c) {
	const r = await send(session, id, { chat: c.chat, cid: `canned-${id}-${c.chat}` });
	expect(r, 200, null, 'send');
	assert.equal(r.json.type, 'ack');
	const ev = await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.kind === 'snapshot' && f.seq === r.json.seq,
		5000, 'the canned snapshot at the guest');
	assert.equal(ev.blob, r.json.blob);
	assert.equal(ev.thumb, r.json.thumb);
	for (const h of [ev.blob, ev.thumb]) {
		const g = await fetch(`${srv.url}/api/chats/${c.chat}/blobs/${h}`, { headers: { authorization: `Bearer ${c.token}` } });
		assert.equal(g.status, 200, `the guest fetches ${h}`);
		assert.match(g.headers.get('content-type'), /^image\/(png|jpeg)$/);
	}
	return ev;
}

test('save, list, send by reference: the guest receives it and fetches the same blob', async () => {
	const c1 = await openChat(srv, bobWs, 'alpha', 'Saving Reader');
	const blobsBefore = Number(db('SELECT count(*) FROM blobs'));
	const s = await save(bob, c1, 'Databases: log in', png(640, 480));
	expect(s, 201, null, 'save');
	assert.ok(Number.isInteger(s.json.id) && s.json.id > 0);
	assert.equal(s.json.name, 'Databases: log in');
	assert.equal(s.json.alt, 'Databases: log in: step by step');
	assert.equal(s.json.width, 640);
	assert.equal(s.json.may_change, true);
	assert.equal(Number(db('SELECT count(*) FROM blobs')), blobsBefore + 3, 'image, thumbnail and document');
	assert.equal(c1.guest.events(c1.chat).filter((e) => e.kind === 'snapshot').length, 0, 'saving posts nothing to the chat');

	// The whole account lists it; only its saver and admins may change it; Beta sees nothing.
	const forAnn = await list(ann);
	assert.deepEqual(forAnn.map((x) => [x.id, x.name, x.may_change]), [[s.json.id, 'Databases: log in', false]]);
	assert.equal((await list(bob))[0].may_change, true);
	assert.deepEqual(await list(cat), []);
	const t = await thumb(ann, s.json.id);
	assert.equal(t.status, 200);
	assert.match(t.headers.get('content-type'), /^image\/(png|jpeg)$/);
	assert.ok((await t.arrayBuffer()).byteLength > 50);

	// Sent to another chat: the same blobs, and the editor document comes along for the staff.
	const c2 = await openChat(srv, bobWs, 'alpha', 'Receiving Reader');
	const files = db('SELECT count(*) FROM blobs');
	const ev = await sendAndFetch(bob, s.json.id, c2);
	assert.equal(ev.annotation, s.doc);
	assert.equal(ev.alt, 'Databases: log in: step by step');
	assert.equal(ev.width, 640);
	assert.equal(db('SELECT count(*) FROM blobs'), files, 'nothing stored again');
	assert.ok(Number(db(`SELECT size FROM blobs WHERE hash = '${ev.thumb}'`)) > 100, 'the thumbnail\'s size is recorded');
	assert.equal(db(`SELECT count(*) FROM chat_blobs WHERE chat_id = (SELECT id FROM chats WHERE public_id = '${c2.chat}')`), '3');
	const docAsStaff = await srv.request('GET', `/api/chats/${c2.chat}/blobs/${s.doc}`, { session: ann });
	assert.equal(docAsStaff.status, 200, 'the document opens in the editor from the new chat');
	// Sent twice with the same client id: stored once.
	const again = await send(bob, s.json.id, { chat: c2.chat, cid: `canned-${s.json.id}-${c2.chat}` });
	expect(again, 200, null, 'send again');
	assert.equal(again.json.duplicate, true);

	// Renamed by its saver; deleted while c2's transcript still needs the image: the file stays.
	const n = await rename(bob, s.json.id, { name: 'Log in to the databases' });
	expect(n, 200, null, 'rename');
	assert.equal(n.json.name, 'Log in to the databases');
	assert.equal((await list(ann))[0].name, 'Log in to the databases');
	expect(await remove(bob, s.json.id), 200, null, 'delete');
	assert.deepEqual(await list(bob), []);
	expect(await send(bob, s.json.id, { chat: c2.chat }), 404, 'not_found', 'send a deleted one');
	assert.equal(await onDisk(ev.blob), true, 'the transcript still needs it');
	const g = await fetch(`${srv.url}/api/chats/${c2.chat}/blobs/${ev.blob}`, { headers: { authorization: `Bearer ${c2.token}` } });
	assert.equal(g.status, 200);
	for (const c of [c1, c2])
		isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
});

test('another account\'s entry is not found; only the saver or an admin changes one; bad input is 400', async () => {
	const c = await openChat(srv, bobWs, 'alpha', 'Rules Reader');
	const s = await save(bob, c, 'Renewals', png(64, 64));
	expect(s, 201, null, 'save');
	const id = s.json.id;
	const beta = await openChat(srv, catWs, 'beta', 'Beta Reader');

	// Beta's admin: every route answers as for a missing entry.
	expect(await send(cat, id, { chat: beta.chat }), 404, 'not_found', 'a foreign entry sent');
	expect(await rename(cat, id, { name: 'x' }), 404, 'not_found', 'a foreign entry renamed');
	expect(await remove(cat, id), 404, 'not_found', 'a foreign entry deleted');
	assert.equal((await thumb(cat, id)).status, 404);
	// Alpha's entry into Beta's chat: the chat is another account's.
	expect(await send(bob, id, { chat: beta.chat }), 404, 'not_found', 'into a foreign chat');
	assert.equal(beta.guest.events(beta.chat).filter((e) => e.kind === 'snapshot').length, 0);

	// ann (no admin, not the saver) may send it to a chat she holds but not change it.
	expect(await rename(ann, id, { name: 'mine now' }), 403, 'forbidden', 'rename by another operator');
	expect(await remove(ann, id), 403, 'forbidden', 'delete by another operator');
	const annByBobChat = await send(ann, id, { chat: c.chat });
	assert.ok(annByBobChat.status === 403 || annByBobChat.status === 409, `into a chat ann does not hold: ${annByBobChat.text}`);

	// Bad input, and nothing changed.
	for (const [what, name] of [['empty', ''], ['41 characters', 'x'.repeat(41)], ['two lines', 'a\nb'], ['padded', ' pad ']]) {
		const r = await save(bob, c, name, png(32, 32));
		expect(r, 400, 'bad_request', `a name that is ${what}`);
	}
	expect(await upload(srv, bob, c.chat, Buffer.from('not an image'), { headers: { 'x-upload-kind': 'canned', 'x-canned-name': 'junk' } }),
		415, 'not_image', 'not an image');
	expect(await upload(srv, c, c.chat, png(32, 32), { headers: { 'x-upload-kind': 'canned', 'x-canned-name': 'guest' } }),
		400, 'bad_request', 'a guest saving one');
	expect(await upload(srv, bob, c.chat, png(32, 32), { headers: { 'x-upload-kind': 'canned', 'x-canned-name': 'doc', 'x-annotation': 'f'.repeat(64) } }),
		400, 'bad_request', 'a document of no chat');
	expect(await send(bob, id, { chat: c.chat, extra: 1 }), 400, 'bad_request', 'an unknown field');
	expect(await send(bob, id, {}), 400, 'bad_request', 'no chat');
	expect(await send(bob, id, { chat: 'nope' }), 404, 'not_found', 'no such chat');
	expect(await send(bob, 'abc', { chat: c.chat }), 404, 'not_found', 'a malformed id');
	expect(await rename(bob, id, { name: '' }), 400, 'bad_request', 'an empty name');
	expect(await rename(bob, id, { name: 'ok', text: 'x' }), 400, 'bad_request', 'a field it lacks');
	assert.deepEqual((await list(bob)).map((x) => x.name), ['Renewals']);
	assert.equal((await srv.request('GET', '/api/canned-snapshots')).status, 401, 'signed out');
	const noCsrf = await srv.request('POST', `/api/canned-snapshots/${id}/delete`, { session: { ...bob, csrf: 'wrong' }, body: {} });
	assert.equal(noCsrf.status, 403, 'a POST without the CSRF token');
	assert.equal(c.guest.events(c.chat).filter((e) => e.kind === 'snapshot').length, 0, 'nothing reached the chat');

	// An admin who did not save it may delete it.
	expect(await remove(bob, id), 200, null, 'delete');
	for (const x of [c, beta])
		isAck(await (x === beta ? catWs : bobWs).request({ type: 'chat.end', chat: x.chat }), 'chat.end');
});

test('the retention purge keeps blobs a canned entry needs; they go once neither entry nor transcript does', async () => {
	const rule = (body) => srv.request('POST', '/api/admin/queues/alpha/retention', { session: bob, body });
	const c = await openChat(srv, bobWs, 'alpha', 'Purged Reader');
	const s = await save(bob, c, 'Wi-Fi', png(990, 700));
	expect(s, 201, null, 'save');
	const ev = await sendAndFetch(bob, s.json.id, c);
	const hashes = [ev.blob, ev.thumb, s.doc];
	isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	expect(await rule({ text_days: 0, files_days: 0, keep_names: false }), 200, null, 'rule: keep nothing');
	try {
		await until(async () => (await srv.request('GET', `/api/history/${c.chat}`, { session: bob })).json.chat.deleted_at !== null,
			8000, 'the purge to reach the chat');
		for (const h of hashes)
			assert.equal(await onDisk(h), true, `the canned entry keeps ${h.slice(0, 8)} through the purge`);
		assert.equal((await thumb(bob, s.json.id)).status, 200);

		// Still sendable after the purge, and the new chat's copy is purged in turn.
		const d = await openChat(srv, bobWs, 'alpha', 'Later Reader');
		await sendAndFetch(bob, s.json.id, d);
		isAck(await bobWs.request({ type: 'chat.end', chat: d.chat }), 'chat.end');
		await until(async () => (await srv.request('GET', `/api/history/${d.chat}`, { session: bob })).json.chat.deleted_at !== null,
			8000, 'the purge to reach the second chat');
		for (const h of hashes)
			assert.equal(await onDisk(h), true, 'still kept for the entry');

		// No entry and no transcript: the files and their rows go.
		expect(await remove(bob, s.json.id), 200, null, 'delete');
		await until(async () => !(await onDisk(ev.blob)) && !(await onDisk(ev.thumb)) && !(await onDisk(s.doc)), 5000, 'the files to go');
		assert.equal(db(`SELECT count(*) FROM blobs WHERE hash IN ('${hashes.join("','")}')`), '0');
	} finally {
		await rule({ text_days: 3650, files_days: 3650, keep_names: true });
	}
});

test('deleting a transcript that received a canned snapshot keeps the entry\'s blobs', async () => {
	const c = await openChat(srv, bobWs, 'alpha', 'Deleted Reader');
	const s = await save(bob, c, 'Opening hours', png(800, 600));
	expect(s, 201, null, 'save');
	const ev = await sendAndFetch(bob, s.json.id, c);
	isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	expect(await srv.request('POST', `/api/history/${c.chat}/delete`, { session: bob, body: {} }), 200, null, 'delete the transcript');
	for (const h of [ev.blob, ev.thumb, s.doc])
		assert.equal(await onDisk(h), true, 'kept for the canned entry');
	assert.equal((await thumb(bob, s.json.id)).status, 200);
	const d = await openChat(srv, bobWs, 'alpha', 'Next Reader');
	await sendAndFetch(bob, s.json.id, d);
	isAck(await bobWs.request({ type: 'chat.end', chat: d.chat }), 'chat.end');
	expect(await srv.request('POST', `/api/history/${d.chat}/delete`, { session: bob, body: {} }), 200, null, 'delete the second');
	expect(await remove(bob, s.json.id), 200, null, 'delete the entry');
	await until(async () => !(await onDisk(ev.blob)) && !(await onDisk(ev.thumb)) && !(await onDisk(s.doc)), 5000, 'the files to go');
});
