// 30-retention: queues' retention rules (PROTOCOL §2.5, GET /api/admin/retention and
// POST /api/admin/queues/{queue}/retention) and the purge that applies them — the server's own,
// every --purge-interval-secs, and `refdesk admin purge --now WHEN` to run it as of a later day.
// What has expired is gone from every route that could show it (Chat History, both transcript
// downloads, search, the blob route, the guest's replay) and from disk; the chat's row and its
// times stay; bytes uploaded again while the purge removes their file stay served; every purge
// that deleted something and every change of a rule is in the audit log;
// bad settings are refused and change nothing; another account's queue looks missing.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 4.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { closeAll } from './lib/client.mjs';
import { guest, isAck, isOk, openChat, operator, say, setAvailable } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { admin, startServer, storeContains } from '../lib/server.mjs';
import { upload, uploadOk } from '../lib/upload.mjs';

let srv, bob, bobWs, ann, cat;

before(async () => {
	srv = await startServer({ args: ['--purge-interval-secs', '1', '--upload-burst', '40'] });
	bob = await srv.session('bob');
	ann = await srv.session('ann');
	cat = await srv.session('cat');
	// A second queue of the Alpha account, which bob staffs too.
	const q = await srv.request('POST', '/api/admin/queues', { session: bob, body: { name: 'alpha-two', title: 'Alpha Two' } });
	assert.equal(q.status, 201, q.text);
	const m = await srv.request('POST', '/api/admin/queues/alpha-two/members', { session: bob, body: { operator: bob.operator.id, member: true } });
	assert.equal(m.status, 200, m.text);
	bobWs = await operator(srv, 'bob');
	await setAvailable(bobWs, 'alpha', true);
	await setAvailable(bobWs, 'alpha-two', true);
});

after(async () => {
	await closeAll();
	await srv?.close();
});

const rules = (session = bob) => srv.request('GET', '/api/admin/retention', { session });
const setRule = (queue, body, opts = {}) => srv.request('POST', `/api/admin/queues/${queue}/retention`, { session: bob, body, ...opts });
const db = (text) => srv.sql(text).trim();
/** Whether `word` is anywhere in the bytes of the database's files. */
const fileHas = (word) => storeContains(srv.dataDir, word);
const history = (chat) => srv.request('GET', `/api/history/${chat}`, { session: ann });
const blobPath = (hash) => path.join(srv.dataDir, 'blobs', hash.slice(0, 2), hash);
const onDisk = (hash) => fs.access(blobPath(hash)).then(() => true, () => false);
const blobStatus = async (chat, hash, headers) => (await fetch(`${srv.url}/api/chats/${chat}/blobs/${hash}`, { headers })).status;

async function auditEntries() {
	const r = await srv.request('GET', '/api/admin/audit?limit=100', { session: bob });
	assert.equal(r.status, 200, r.text);
	return r.json.entries;
}

async function ruleOf(queue) {
	const r = await rules();
	assert.equal(r.status, 200, r.text);
	return r.json.queues.find((q) => q.queue === queue);
}

/**
 * A chat on `queue` accepted by bob with a guest called `name`: a message each way holding
 * `word`, a guest snapshot and an operator file; ended by the operator unless `end` is false.
 * Resolves with the chat, its uploads and its history record before the purge.
 */
async function chatWithEverything(queue, name, word, { end = true, image = png(96, 64) } = {}) {
	const c = await openChat(srv, bobWs, queue, name);
	await say(c.guest, c.chat, `My card number is ${word}-1`);
	await say(bobWs, c.chat, `Thanks, I looked up ${word}-2`);
	const snap = await uploadOk(srv, c, c.chat, image, { headers: { 'x-file-name': `${word}-screen.png` } });
	const file = await uploadOk(srv, bob, c.chat, Buffer.from(`%PDF-1.4 ${word}`), {
		headers: { 'x-upload-kind': 'file', 'content-type': 'application/pdf', 'x-file-name': `${word}-list.pdf` } });
	if (end)
		isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const before = (await history(c.chat)).json;
	return { ...c, snap, file, before };
}

/** Everything a route gives an operator about `chat`, as one string to search. */
async function everyRoute(c) {
	const parts = [];
	for (const p of [`/api/history/${c.chat}`, `/api/history/${c.chat}/transcript.html`, `/api/history/${c.chat}/transcript.txt`]) {
		const r = await srv.request('GET', p, { session: ann });
		assert.equal(r.status, 200, `${p}: ${r.text}`);
		parts.push(r.text);
	}
	const list = await srv.request('GET', '/api/history?limit=100', { session: ann });
	parts.push(JSON.stringify(list.json.chats.find((x) => x.chat === c.chat)));
	return parts.join('\n');
}

/** Every frame a guest gets when it joins its chat again from the start. */
async function guestReplay(c) {
	const g = await guest(srv, 'replay');
	isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'chat.join');
	await new Promise((resolve) => setTimeout(resolve, 300));
	const frames = g.all();
	await g.close();
	return frames;
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

function sameTimes(now, was) {
	for (const k of ['started_at', 'accepted_at', 'ended_at', 'duration_ms', 'messages', 'snapshots', 'status', 'queue'])
		assert.deepEqual(now[k], was[k], `the chat's ${k} stays`);
}

test('the rules: defaults, a change recorded in the audit log, and read back', async () => {
	const r = await rules();
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.defaults, { text_days: 30, files_days: 7, keep_names: false });
	assert.equal(r.json.max_days, 3650);
	assert.deepEqual(r.json.queues.map((q) => q.queue).sort(), ['alpha', 'alpha-two'], 'the caller\'s queues only');
	const two = r.json.queues.find((q) => q.queue === 'alpha-two');
	assert.deepEqual({ ...two, title: undefined }, { queue: 'alpha-two', title: undefined, text_days: 30, files_days: 7, keep_names: false, updated_at: null });

	const t0 = Date.now();
	const s = await setRule('alpha-two', { text_days: 90, files_days: 14, keep_names: true });
	assert.equal(s.status, 200, s.text);
	assert.equal(s.json.text_days, 90);
	assert.equal(s.json.files_days, 14);
	assert.equal(s.json.keep_names, true);
	assert.ok(s.json.updated_at >= t0 - 1000, 'stamped');
	assert.deepEqual(await ruleOf('alpha-two'), s.json);
	const e = (await auditEntries())[0];
	assert.equal(e.action, 'retention.change');
	assert.equal(e.target, 'alpha-two');
	assert.deepEqual(e.actor, { id: bob.operator.id, username: 'bob' });
	assert.equal(e.detail, 'text 30 days, files 7 days, names not kept → text 90 days, files 14 days, names kept');
});

test('bad settings are refused with 400 and change nothing; another account\'s queue is 404', async () => {
	const was = await ruleOf('alpha-two');
	const entries = (await auditEntries()).length;
	const good = { text_days: 5, files_days: 2, keep_names: false };
	const bad = [
		{ ...good, text_days: -1 }, { ...good, files_days: -30 }, { ...good, text_days: 3651 },
		{ ...good, files_days: 1e15 }, { ...good, text_days: 2 ** 63 }, { ...good, text_days: 1.5 },
		{ ...good, text_days: '7' }, { ...good, files_days: null }, { ...good, keep_names: 'no' },
		{ ...good, keep_names: 0 }, { text_days: 5, files_days: 2 }, { ...good, extra: 1 }, {},
	];
	for (const body of bad) {
		const r = await setRule('alpha-two', body);
		assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
		// A number past 64 bits is already refused as JSON; every other body as a bad rule.
		assert.equal(r.json.error.code, body.text_days === 2 ** 63 ? 'bad_json' : 'bad_request', r.text);
	}
	for (const raw of ['[1,2]', 'text_days=5', '{"text_days": 5, "text_days": 6, "files_days": 1, "keep_names": true}']) {
		const r = await srv.request('POST', '/api/admin/queues/alpha-two/retention', { session: bob, body: raw, headers: { 'content-type': 'application/json' } });
		assert.equal(r.status, 400, `${raw}: ${r.text}`);
	}
	for (const q of ['beta', 'no-such-queue', 'ALPHA', 'a'.repeat(40), 'x%20y']) {
		const r = await setRule(q, good);
		assert.equal(r.status, 404, `${q}: ${r.text}`);
		assert.equal(r.json.error.code, 'not_found');
	}
	const betaRules = await rules(cat);
	assert.deepEqual(betaRules.json.queues.map((q) => q.queue), ['beta'], 'cat sees only Beta\'s queue');
	const own = await srv.request('POST', '/api/admin/queues/beta/retention', { session: cat, body: good });
	assert.equal(own.status, 200, 'Beta\'s admin may set Beta\'s rule');
	const beta = await rules(cat);
	assert.equal(beta.json.queues[0].text_days, 5);
	assert.equal((await srv.request('POST', '/api/admin/queues/alpha/retention', { session: cat, body: good })).status, 404);

	const notAdmin = await srv.request('POST', '/api/admin/queues/alpha-two/retention', { session: ann, body: good });
	assert.equal(notAdmin.status, 403);
	assert.equal((await rules(ann)).status, 403);
	const noCsrf = await setRule('alpha-two', good, { csrf: false });
	assert.equal(noCsrf.status, 403);
	assert.equal((await srv.request('GET', '/api/admin/retention')).status, 401, 'signed out');

	assert.deepEqual(await ruleOf('alpha-two'), was, 'nothing changed');
	assert.equal((await auditEntries()).length, entries, 'and nothing was recorded');
});

test('0 days: the server\'s purge deletes an ended chat\'s text, files and name; an open chat keeps everything', async () => {
	const s = await setRule('alpha', { text_days: 0, files_days: 0, keep_names: false });
	assert.equal(s.status, 200, s.text);
	try {
		await purgeEverything();
	} finally {
		// The next tests want alpha to keep everything.
		await setRule('alpha', { text_days: 3650, files_days: 3650, keep_names: true });
	}
});

test('the same bytes uploaded again while the purge removes their file stay served; the last copy does go', async () => {
	const s = await setRule('alpha', { text_days: 0, files_days: 0, keep_names: false });
	assert.equal(s.status, 200, s.text);
	try {
		await reuploadDuringPurge();
	} finally {
		await setRule('alpha', { text_days: 3650, files_days: 3650, keep_names: true });
	}
});

async function reuploadDuringPurge() {
	const bytes = Buffer.from('%PDF-1.4 the same reading list, sent in every chat');
	const send = async (c) => (await uploadOk(srv, bob, c.chat, bytes, {
		headers: { 'x-upload-kind': 'file', 'content-type': 'application/pdf', 'x-file-name': 'list.pdf' } })).blob;
	let hash;
	// Each chat takes the bytes while the purge (every second) removes the last chat's copy.
	for (let i = 0; i < 8; i++) {
		const c = await openChat(srv, bobWs, 'alpha', `Loop Reader ${i}`);
		const h = await send(c);
		hash ??= h;
		assert.equal(h, hash, 'one blob for the same bytes');
		assert.equal(await blobStatus(c.chat, h, { cookie: ann.cookie }), 200, `chat ${i} is served its file`);
		isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	}
	const last = await openChat(srv, bobWs, 'alpha', 'Last Reader');
	await send(last);
	await new Promise((resolve) => setTimeout(resolve, 2500)); // two purges and more
	assert.equal(await blobStatus(last.chat, hash, { cookie: ann.cookie }), 200, 'the open chat keeps its file');
	assert.equal(await onDisk(hash), true);
	// Once no chat reads the bytes, the file goes.
	isAck(await bobWs.request({ type: 'chat.end', chat: last.chat }), 'chat.end');
	for (let t = 0; t < 50 && await onDisk(hash); t++)
		await new Promise((resolve) => setTimeout(resolve, 100));
	assert.equal(await onDisk(hash), false, 'the file no chat reads is removed');
}

async function purgeEverything() {
	const open = await chatWithEverything('alpha', 'Olive Openchat', 'okapi', { end: false, image: png(97, 64) });
	// Checked while it runs: the purge comes within a second of its end.
	const c = await chatWithEverything('alpha', 'Zebulon Quartermaine', 'xyzzy', { end: false });
	for (const h of [c.snap.blob, c.snap.thumb, c.file.blob])
		assert.ok(await onDisk(h), 'on disk before');
	const found = await srv.request('GET', '/api/history?q=xyzzy', { session: ann });
	assert.deepEqual(found.json.chats.map((x) => x.chat), [c.chat], 'searchable before');
	isAck(await bobWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const ended = (await history(c.chat)).json.chat;
	assert.ok(ended.ended_at > 0);

	await until(async () => (await history(c.chat)).json.chat.deleted_at !== null, 8000, 'the purge to reach the chat');
	// Gone from the file's bytes too, not only from what the server reads: the freed pages are
	// overwritten and the search index's segments merged (checked after a checkpoint).
	await until(async () => !fileHas('xyzzy'), 8000, 'the purged word to leave the database file');
	assert.ok(fileHas('okapi'), 'the open chat\'s words are still there (the check can see words)');
	const after = (await history(c.chat)).json;
	sameTimes(after.chat, ended);
	assert.equal(after.chat.name, null);
	assert.deepEqual(after.events, []);
	const all = await everyRoute(c);
	for (const secret of ['xyzzy', 'Zebulon', 'Quartermaine', c.snap.blob, c.snap.thumb, c.file.blob])
		assert.ok(!all.includes(secret), `"${secret}" is returned by no route`);
	assert.deepEqual((await srv.request('GET', '/api/history?q=xyzzy', { session: ann })).json.chats, [], 'gone from search');
	for (const h of [c.snap.blob, c.snap.thumb, c.file.blob]) {
		assert.equal(await blobStatus(c.chat, h, { authorization: `Bearer ${c.token}` }), 404, 'the guest gets 404');
		assert.equal(await blobStatus(c.chat, h, { cookie: ann.cookie }), 404, 'an operator gets 404');
		assert.equal(await onDisk(h), false, 'the file is gone from disk');
	}
	const replay = await guestReplay(c);
	assert.ok(!JSON.stringify(replay).includes('xyzzy'), `the guest's replay: ${JSON.stringify(replay)}`);

	// The chat still running is untouched, whatever its rule.
	const live = (await history(open.chat)).json;
	assert.equal(live.chat.deleted_at, null);
	assert.equal(live.chat.name, 'Olive Openchat');
	assert.ok(live.events.some((e) => e.kind === 'message' && e.text.includes('okapi')));
	assert.equal(await blobStatus(open.chat, open.snap.blob, { authorization: `Bearer ${open.token}` }), 200);

	// /metrics counts it, with nothing that names the chat.
	const m = await (await fetch(`${srv.url}/metrics`)).text();
	const sample = (re) => Number((re.exec(m) ?? [])[1]);
	assert.ok(sample(/^refdesk_purge_runs_total (\d+)$/m) >= 1, m);
	assert.ok(sample(/^refdesk_purged_total\{what="transcripts"\} (\d+)$/m) >= 1, m);
	assert.ok(sample(/^refdesk_purged_total\{what="files"\} (\d+)$/m) >= 2, m);
	assert.ok(sample(/^refdesk_purge_last_end_seconds ([\d.]+)$/m) * 1000 >= ended.ended_at, m);
	assert.equal(sample(/^refdesk_purge_failed_total (\d+)$/m), 0);
	assert.ok(!m.includes(c.chat) && !m.includes('xyzzy'));
	const e = (await auditEntries()).find((x) => x.action === 'retention.purge' && x.target === 'alpha');
	assert.ok(e, 'the purge is in the audit log');
	assert.deepEqual(e.actor, { id: null, username: 'retention rule' });
	const files = new Set([c.snap.blob, c.snap.thumb, c.file.blob]).size;
	assert.equal(e.detail, `1 transcript deleted; ${files} files deleted from disk; rule: text only while the chat runs, files only while the chat runs, names not kept`);
	assert.ok(e.at >= ended.ended_at, 'after the chat ended');
	for (const secret of ['xyzzy', 'Zebulon', c.chat])
		assert.ok(!e.detail.includes(secret));
	isAck(await bobWs.request({ type: 'chat.end', chat: open.chat }), 'chat.end');
	await until(async () => (await history(open.chat)).json.chat.deleted_at !== null, 8000, 'the second chat purged once ended');
}

test('follow-ups keep the queue\'s rule: old ones deleted, names not kept removed, waiting ones kept', async () => {
	assert.equal((await setRule('alpha-two', { text_days: 30, files_days: 7, keep_names: false })).status, 200);
	const day = 24 * 3600 * 1000;
	const now = Date.now();
	const row = (name, question, status, email, created, answered) =>
		`((SELECT account_id FROM queues WHERE name = 'alpha-two'), (SELECT id FROM queues WHERE name = 'alpha-two'), ` +
		`'${name}', '${question}', ${status}, ${email ? `'${email}'` : 'NULL'}, ${created}, ${answered ?? 'NULL'})`;
	db(`INSERT INTO followups(account_id, queue_id, guest_name, question, status, email, created_at, answered_at) VALUES ${[
		row('Fern Old', 'zebu old answered', 2, null, now - 50 * day, now - 40 * day),
		row('Nell Recent', 'zebu recent answered', 2, null, now - 2 * day, now - 1 * day),
		row('Olga Open', 'zebu still open', 0, 'olga@example.org', now - 40 * day, null),
		row('Sam Sending', 'zebu in the outbox', 1, 'sam@example.org', now - 50 * day, now - 40 * day),
	].join(', ')}`);
	await until(async () => db("SELECT count(*) FROM followups WHERE question LIKE 'zebu%'") === '3', 8000,
		'the server\'s purge to delete the old follow-up');
	assert.equal(db("SELECT question || '|' || coalesce(guest_name, '-') FROM followups WHERE question LIKE 'zebu%' ORDER BY id"),
		'zebu recent answered|-\nzebu still open|Olga Open\nzebu in the outbox|Sam Sending',
		'the answered one lost its name; the one waiting for an answer and the one being mailed keep theirs');
	const e = (await auditEntries()).find((x) => x.action === 'retention.purge' && x.detail.includes('follow-up'));
	assert.ok(e, 'the purge of follow-ups is in the audit log');
	assert.match(e.detail, /^1 guest name removed; 1 follow-up deleted; rule: text 30 days/);
	// The question that waits is not kept forever: once its address is erased it goes too.
	db("UPDATE followups SET email = NULL WHERE question = 'zebu still open'");
	await until(async () => db("SELECT count(*) FROM followups WHERE question LIKE 'zebu%'") === '2', 8000,
		'the expired question to go');
});

test('files before text, a name not kept, as of later days with `refdesk admin purge --now`', async () => {
	assert.equal((await setRule('alpha-two', { text_days: 30, files_days: 7, keep_names: false })).status, 200);
	const shared = png(120, 80, () => [200, 10, 90]);
	const c = await chatWithEverything('alpha-two', 'Wilhelmina Yarrow', 'quokka', { image: shared });
	// The same image in a chat of a queue that keeps everything for years.
	const keep = await chatWithEverything('alpha', 'Kept Keeper', 'kiwi', { image: shared });
	assert.equal(keep.snap.blob, c.snap.blob, 'one blob for both chats');

	// The name goes at the server's next run; the text and files stay.
	await until(async () => (await history(c.chat)).json.chat.name === null, 8000, 'the name to go');
	let h = (await history(c.chat)).json;
	assert.equal(h.chat.deleted_at, null);
	assert.ok(h.events.some((e) => e.kind === 'message' && e.text === 'My card number is quokka-1'), 'the text stays');
	assert.ok(!JSON.stringify(h).includes('Wilhelmina'), 'the name is nowhere in the record or its events');
	assert.ok(!(await everyRoute(c)).includes('Wilhelmina'));
	// The guest's box is still open on the ended chat, so the server still holds it live: a
	// join (the management page's, a reload's) must not hand the name out from there either.
	const rejoin = isOk(await bobWs.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'chat.join');
	assert.equal(rejoin.name, null, 'the live chat forgot the name too');
	const frames = await guestReplay(c);
	assert.ok(!JSON.stringify(frames).includes('Wilhelmina'), 'the guest\'s replay holds no name');
	assert.equal(await blobStatus(c.chat, c.file.blob, { cookie: ann.cookie }), 200, 'files stay for 7 days');
	assert.equal((await history(keep.chat)).json.chat.name, 'Kept Keeper', 'a queue that keeps names keeps them');

	// Six days on, nothing more; eight days on, the files go.
	let r = await admin(srv.dataDir, ['purge', '--now', '+6d']);
	assert.equal(r.stdout, '');
	assert.equal(await blobStatus(c.chat, c.file.blob, { cookie: ann.cookie }), 200);
	r = await admin(srv.dataDir, ['purge', '--now', '+8d']);
	// The image is the other chat's too: only the PDF (and a thumbnail of its own, if any) goes.
	const own = new Set([c.snap.thumb, c.file.blob].filter((x) => x !== c.snap.blob)).size;
	assert.equal(r.stdout, `alpha-two: 0 transcripts deleted, files of 1 chats removed, 0 guest names removed, ${own} files deleted from disk\n`);
	h = (await history(c.chat)).json;
	sameTimes(h.chat, c.before.chat);
	assert.equal(h.chat.deleted_at, null);
	assert.ok(h.events.some((e) => e.kind === 'message' && e.text === 'Thanks, I looked up quokka-2'), 'the text stays');
	assert.ok(!h.events.some((e) => e.kind === 'snapshot' || e.kind === 'file'));
	assert.deepEqual(h.events.filter((e) => e.notice === 'removed').map((e) => e.what), ['snapshot', 'file'],
		'each snapshot and file leaves a notice in its place');
	const txt = await srv.request('GET', `/api/history/${c.chat}/transcript.txt`, { session: ann });
	assert.match(txt.text, /An image was removed under the library's retention policy[^]*A file was removed under the library's retention policy/);
	const all = await everyRoute(c);
	for (const secret of ['quokka-screen.png', 'quokka-list.pdf', c.snap.thumb, c.file.blob])
		assert.ok(!all.includes(secret), `"${secret}" is returned by no route`);
	for (const hash of [c.snap.blob, c.snap.thumb, c.file.blob])
		assert.equal(await blobStatus(c.chat, hash, { authorization: `Bearer ${c.token}` }), 404);
	assert.equal(await onDisk(c.file.blob), false, 'the file only this chat had is gone');
	assert.equal(await onDisk(c.snap.blob), true, 'the image the other chat has stays on disk');
	assert.equal(await blobStatus(keep.chat, keep.snap.blob, { authorization: `Bearer ${keep.token}` }), 200, 'and is still served to it');
	const e = (await auditEntries())[0];
	assert.equal(e.action, 'retention.purge');
	assert.deepEqual(e.actor, { id: null, username: 'command line' });
	assert.equal(e.detail, `images and files of 1 chat removed; ${own} file${own === 1 ? '' : 's'} deleted from disk; rule: text 30 days, files 7 days, names not kept`);

	// Running it again as of the same day changes nothing and records nothing.
	const n = (await auditEntries()).length;
	r = await admin(srv.dataDir, ['purge', '--now', '+8d']);
	assert.equal(r.stdout, '');
	assert.equal((await auditEntries()).length, n);

	// A month on, the text goes too; the times stay.
	r = await admin(srv.dataDir, ['purge', '--now', '+31d']);
	assert.match(r.stdout, /^alpha-two: 1 transcripts deleted/m);
	h = (await history(c.chat)).json;
	sameTimes(h.chat, c.before.chat);
	assert.ok(h.chat.deleted_at > 0 && h.chat.deleted_at <= Date.now() + 1000, 'stamped with when it happened, not as of --now');
	assert.deepEqual(h.events, []);
	assert.ok(!(await everyRoute(c)).includes('quokka'));
	assert.deepEqual((await srv.request('GET', '/api/history?q=quokka', { session: ann })).json.chats, []);
	// The queue that keeps everything for ten years lost nothing.
	const k = (await history(keep.chat)).json;
	assert.equal(k.chat.name, 'Kept Keeper');
	assert.ok(k.events.some((ev) => ev.kind === 'snapshot'));
});

test('`refdesk admin purge` sweeps old blob files that no chat reads, and nothing else', async () => {
	const c = await chatWithEverything('alpha', 'Sweep Keeper', 'wombat', { image: png(99, 66) });
	const stray = 'f'.repeat(64);
	const fresh = 'e'.repeat(64);
	const hour = (h) => new Date(Date.now() - h * 3600 * 1000);
	for (const hash of [stray, fresh]) {
		await fs.mkdir(path.dirname(blobPath(hash)), { recursive: true });
		await fs.writeFile(blobPath(hash), 'left behind');
	}
	await fs.utimes(blobPath(stray), hour(2), hour(2));
	await fs.utimes(blobPath(c.file.blob), hour(2), hour(2)); // old, but a chat reads it
	const r = await admin(srv.dataDir, ['purge']);
	assert.equal(r.stdout, '1 file that no chat reads removed from disk\n');
	assert.equal(await onDisk(stray), false, 'the old stray file is gone');
	assert.equal(await onDisk(fresh), true, 'a fresh one may be an upload about to commit: kept');
	assert.equal(await onDisk(c.file.blob), true, 'a file a chat reads is kept');
	assert.equal(await blobStatus(c.chat, c.file.blob, { cookie: ann.cookie }), 200);
	await fs.rm(blobPath(fresh));
});

test('bad --now is a usage error; the purge changes nothing then', async () => {
	assert.equal((await setRule('alpha-two', { text_days: 1, files_days: 1, keep_names: true })).status, 200);
	const c = await chatWithEverything('alpha-two', 'Still Here', 'narwhal');
	const n = (await auditEntries()).length;
	// Each of these, read leniently, would be a day or more from now and purge the chat.
	for (const when of ['tomorrow', '+3', '+5d5', '5d', '-5d', '+99999d', '2027-13-40', '2027-01-01x', '1e15', '']) {
		const r = await admin(srv.dataDir, ['purge', '--now', when]).catch((err) => ({ err }));
		assert.ok(r.err, `--now ${JSON.stringify(when)} should fail`);
		assert.match(String(r.err.message), /exited 2/);
	}
	assert.equal((await history(c.chat)).json.chat.name, 'Still Here', 'nothing was purged');
	assert.equal((await auditEntries()).length, n, 'nor recorded');
	// The same chat does go with a good --now.
	const r = await admin(srv.dataDir, ['purge', '--now', '+2d']);
	assert.match(r.stdout, /^alpha-two: \d+ transcripts deleted/m);
	assert.ok((await history(c.chat)).json.chat.deleted_at > 0);
});

test('a chat transferred between queues keeps the stricter of their rules', async () => {
	const q = await srv.request('POST', '/api/admin/queues', { session: bob, body: { name: 'alpha-strict', title: 'Alpha Strict' } });
	assert.equal(q.status, 201, q.text);
	for (const [queue, who] of [['alpha-strict', bob], ['alpha', ann]]) {
		const m = await srv.request('POST', `/api/admin/queues/${queue}/members`, { session: bob, body: { operator: who.operator.id, member: true } });
		assert.equal(m.status, 200, m.text);
	}
	assert.equal((await setRule('alpha-strict', { text_days: 0, files_days: 0, keep_names: false })).status, 200);
	assert.equal((await setRule('alpha', { text_days: 3650, files_days: 3650, keep_names: true })).status, 200);
	await setAvailable(bobWs, 'alpha-strict', true);
	const annWs = await operator(srv, 'ann', 'ann-retention');
	await setAvailable(annWs, 'alpha', true);

	// Started on the strict queue, handed to Ann on the queue that keeps everything.
	const c = await chatWithEverything('alpha-strict', 'Tessa Transfer', 'tapir', { end: false, image: png(101, 67) });
	isOk(await bobWs.request({ type: 'chat.transfer', chat: c.chat, queue: 'alpha' }), 'chat.transfer');
	await annWs.nextOf('transfer.offer', c.chat);
	isOk(await annWs.request({ type: 'transfer.accept', chat: c.chat }), 'transfer.accept');
	assert.equal((await history(c.chat)).json.chat.queue, 'alpha', 'the chat is the keeping queue\'s now');
	// A chat that only ever was on the keeping queue, for comparison.
	const kept = await chatWithEverything('alpha', 'Kit Keepsake', 'kudu', { image: png(102, 68) });
	isAck(await annWs.request({ type: 'chat.end', chat: c.chat }), 'chat.end');

	await until(async () => (await history(c.chat)).json.chat.deleted_at !== null, 8000,
		'the strict queue\'s rule to reach the chat it handed on');
	const all = await everyRoute(c);
	for (const secret of ['tapir', 'Tessa', c.snap.blob, c.file.blob])
		assert.ok(!all.includes(secret), `"${secret}" is returned by no route`);
	assert.equal(await onDisk(c.file.blob), false, 'its file is gone from disk');
	const k = (await history(kept.chat)).json;
	assert.equal(k.chat.deleted_at, null, 'a chat the strict queue never had is kept');
	assert.equal(k.chat.name, 'Kit Keepsake');
	const e = (await auditEntries()).find((x) => x.action === 'retention.purge' && x.target === 'alpha-strict');
	assert.ok(e, 'the purge is recorded under the strict queue\'s rule');
	assert.match(e.detail, /^1 transcript deleted/);
});
