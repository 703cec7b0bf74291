// 21-canned: saved replies, "canned answers" (PROTOCOL §2.8). Personal replies (each operator's
// own) and shared ones (the account's, written by its admins): add, list, edit, delete; an
// operator cannot change a shared reply (403); another account's reply, or another operator's
// own, answers 404 exactly like a missing one, even to an admin; bad input is 400 and changes
// nothing; each owner has at most 200, checked inside the write, so a burst of adds at once
// cannot pass the limit. Placeholders are stored as written (the webclient fills them in).
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 5.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { show } from './lib/client.mjs';
import { startServer } from '../lib/server.mjs';

const LIMIT = 200;

let srv;
let ann;  // Alpha operator
let bob;  // Alpha admin
let cat;  // Beta admin
before(async () => {
	srv = await startServer();
	ann = await srv.session('ann');
	bob = await srv.session('bob');
	cat = await srv.session('cat');
});
after(() => srv?.close()); // stop() fails the file unless the exit is clean

const list = async (session) => {
	const r = await srv.request('GET', '/api/canned', { session });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.max, LIMIT);
	return r.json.canned;
};
const add = (session, body) => srv.request('POST', '/api/canned', { session, body });
const edit = (session, id, body) => srv.request('POST', `/api/canned/${id}`, { session, body });
const remove = (session, id) => srv.request('POST', `/api/canned/${id}/delete`, { session, body: {} });

function expect(r, status, code, what) {
	assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
	if (code) {
		assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
		assert.equal(typeof r.json.error.message, 'string');
	}
}

test('personal replies: add, list, edit, delete; placeholders are kept as written', async () => {
	assert.deepEqual(await list(ann), []);
	const text = 'Hello {guest}, I am {me} from {queue}.\nOur hours are 9–5.';
	const a = await add(ann, { name: 'hours', text });
	expect(a, 201, null, 'add');
	assert.ok(Number.isInteger(a.json.id) && a.json.id > 0);
	assert.deepEqual({ ...a.json, id: 0 }, { id: 0, name: 'hours', text, shared: false });
	const b = await add(ann, { name: 'Bye', text: 'Goodbye, {guest}!', shared: false });
	expect(b, 201, null, 'add a second');

	// Listed by name, case aside; nobody else sees them.
	assert.deepEqual((await list(ann)).map((c) => c.name), ['Bye', 'hours']);
	assert.deepEqual(await list(bob), [], "bob sees ann's own replies");

	const e = await edit(ann, a.json.id, { text: 'We open at 9, {guest}.' });
	expect(e, 200, null, 'edit the text');
	assert.deepEqual(e.json, { id: a.json.id, name: 'hours', text: 'We open at 9, {guest}.', shared: false });
	const n = await edit(ann, a.json.id, { name: 'opening hours' });
	expect(n, 200, null, 'rename');
	assert.equal(n.json.text, 'We open at 9, {guest}.', 'renaming changed the text');
	assert.deepEqual((await list(ann)).find((c) => c.id === a.json.id).name, 'opening hours');

	expect(await remove(ann, b.json.id), 200, null, 'delete');
	assert.deepEqual((await list(ann)).map((c) => c.id), [a.json.id]);
	expect(await remove(ann, b.json.id), 404, 'not_found', 'delete again');
	expect(await edit(ann, b.json.id, { text: 'x' }), 404, 'not_found', 'edit a deleted one');
	expect(await remove(ann, a.json.id), 200, null, 'delete the last');
	assert.deepEqual(await list(ann), []);
});

test('shared replies: admins alone write them; every operator of the account lists them', async () => {
	const s = await add(bob, { name: 'welcome', text: 'Welcome to {queue}!', shared: true });
	expect(s, 201, null, 'admin adds a shared reply');
	assert.equal(s.json.shared, true);
	const own = await add(ann, { name: 'mine', text: 'my own' });
	expect(own, 201, null, 'ann adds her own');

	// Shared ones first, then the caller's own.
	assert.deepEqual((await list(ann)).map((c) => [c.name, c.shared]), [['welcome', true], ['mine', false]]);
	assert.deepEqual((await list(bob)).map((c) => c.name), ['welcome']);

	expect(await add(ann, { name: 'sneaky', text: 'x', shared: true }), 403, 'forbidden', 'operator adds shared');
	expect(await edit(ann, s.json.id, { text: 'changed' }), 403, 'forbidden', 'operator edits shared');
	expect(await remove(ann, s.json.id), 403, 'forbidden', 'operator deletes shared');
	assert.deepEqual((await list(ann)).map((c) => c.name), ['welcome', 'mine'], 'a refused request changed the list');
	assert.equal((await list(bob))[0].text, 'Welcome to {queue}!');

	const e = await edit(bob, s.json.id, { name: 'welcome', text: 'Hi, welcome to {queue}.' });
	expect(e, 200, null, 'admin edits shared');
	assert.equal((await list(ann))[0].text, 'Hi, welcome to {queue}.');
	expect(await remove(bob, s.json.id), 200, null, 'admin deletes shared');
	assert.deepEqual((await list(ann)).map((c) => c.name), ['mine']);
	expect(await remove(ann, own.json.id), 200, null, 'cleanup');
});

test("another account's reply and another operator's own read as missing, even to admins", async () => {
	const shared = (await add(bob, { name: 'alpha shared', text: 'a', shared: true })).json;
	const annOwn = (await add(ann, { name: 'ann own', text: 'b' })).json;
	const catOwn = (await add(cat, { name: 'cat own', text: 'c' })).json;
	const betaShared = (await add(cat, { name: 'beta shared', text: 'd', shared: true })).json;

	const missing = [];
	for (const [who, session, id] of [
		['cat on an Alpha shared reply', cat, shared.id],
		["cat on ann's own", cat, annOwn.id],
		["bob (an Alpha admin) on ann's own", bob, annOwn.id],
		["ann on cat's own", ann, catOwn.id],
		['bob on a Beta shared reply', bob, betaShared.id],
		['ann on a Beta shared reply', ann, betaShared.id],
		['a made-up id', bob, 99999999],
		['id 0', bob, 0],
		['a negative id', bob, -1],
		['not a number', bob, 'abc'],
		['a number with junk', bob, `${shared.id}x`],
	]) {
		for (const [what, r] of [['edit', await edit(session, id, { text: 'pwned' })], ['delete', await remove(session, id)]]) {
			if (r.status !== 404 || r.json?.error?.code !== 'not_found')
				missing.push(`${who}, ${what}: ${r.status} ${r.text}`);
		}
	}
	assert.deepEqual(missing, []);
	// The answers are the same bytes as a missing reply's, and nothing changed.
	const a = await edit(cat, shared.id, { text: 'x' });
	const b = await edit(cat, 99999999, { text: 'x' });
	assert.equal(a.text, b.text);
	assert.deepEqual((await list(ann)).map((c) => [c.name, c.text]), [['alpha shared', 'a'], ['ann own', 'b']]);
	assert.deepEqual((await list(cat)).map((c) => [c.name, c.text]), [['beta shared', 'd'], ['cat own', 'c']]);
	assert.deepEqual((await list(bob)).map((c) => c.name), ['alpha shared']);
	for (const [s, id] of [[bob, shared.id], [ann, annOwn.id], [cat, catOwn.id], [cat, betaShared.id]])
		expect(await remove(s, id), 200, null, 'cleanup');
});

test('bad input is 400 with a clear message, and changes nothing', async () => {
	const keep = (await add(ann, { name: 'keep', text: 'kept {guest}' })).json;
	const before = await list(ann);
	const long = (n) => 'x'.repeat(n);
	const bad = [
		['an empty name', { name: '', text: 't' }],
		['a name of spaces', { name: '   ', text: 't' }],
		['a name with a leading space', { name: ' hours', text: 't' }],
		['a name of 41 characters', { name: long(41), text: 't' }],
		['a name with a line break', { name: 'ho\nurs', text: 't' }],
		['a name with a tab', { name: 'ho\turs', text: 't' }],
		['a name with a bell', { name: 'ho\u0007urs', text: 't' }],
		['a name with DEL', { name: 'ho\u007furs', text: 't' }],
		['a name with a C1 control', { name: 'ho\u0085urs', text: 't' }],
		['a name with a direction override', { name: 'ho\u202eurs', text: 't' }],
		['a name with a zero-width space', { name: 'ho\u200burs', text: 't' }],
		['an empty text', { name: 'n', text: '' }],
		['a text of spaces and lines', { name: 'n', text: ' \n\t ' }],
		['a text of 4,001 characters', { name: 'n', text: long(4001) }],
		['a text of 4,001 characters, some of them wide', { name: 'n', text: 'é'.repeat(4001) }],
		['a text with a bell', { name: 'n', text: 'ring\u0007' }],
		['a text with an escape', { name: 'n', text: '\u001b[31mred' }],
		['no name', { text: 't' }],
		['no text', { name: 'n' }],
		['a number for a name', { name: 5, text: 't' }],
		['null text', { name: 'n', text: null }],
		['shared as a string', { name: 'n', text: 't', shared: 'yes' }],
		['an unknown field', { name: 'n', text: 't', owner: 7 }],
	];
	const wrong = [];
	for (const [what, body] of bad) {
		const r = await add(ann, body);
		if (r.status !== 400 || r.json?.error?.code !== 'bad_request' || !/name|text/.test(r.json.error.message))
			wrong.push(`add with ${what}: ${r.status} ${r.text.slice(0, 200)}`);
		// An edit may leave out the name or the text; every other body is as bad for it.
		const e = 'name' in body && 'text' in body ? await edit(ann, keep.id, body) : { status: 400 };
		if (e.status !== 400)
			wrong.push(`edit with ${what}: ${e.status} ${e.text.slice(0, 200)}`);
	}
	for (const [what, raw] of [['not JSON', 'name=hours'], ['an array', '[]'], ['a string', '"x"'],
		['a duplicate key', '{"name":"a","name":"b","text":"t"}'], ['a NUL', '{"name":"a\\u0000b","text":"t"}']]) {
		const r = await add(ann, raw);
		if (r.status !== 400 || r.json?.error?.code !== 'bad_json')
			wrong.push(`add with ${what}: ${r.status} ${r.text}`);
	}
	const empty = await edit(ann, keep.id, {});
	if (empty.status !== 400 || empty.json?.error?.code !== 'bad_request')
		wrong.push(`edit with nothing to change: ${empty.status} ${empty.text}`);
	assert.deepEqual(wrong, []);
	assert.deepEqual(await list(ann), before, 'a refused request changed the list');

	// The limits themselves are allowed, counted in characters, not bytes.
	const edge = await add(ann, { name: 'é'.repeat(40), text: `Dear {guest},\r\n\t${'ü'.repeat(3980)}` });
	expect(edge, 201, null, 'a 40-character name and a 4,000-character text');
	assert.equal([...edge.json.text].length, 3980 + 16);
	assert.equal((await list(ann)).find((c) => c.id === edge.json.id).text, edge.json.text);
	for (const id of [keep.id, edge.json.id])
		expect(await remove(ann, id), 200, null, 'cleanup');
});

test('the caller check comes first: signed out 401, no CSRF token 403', async () => {
	expect(await srv.request('GET', '/api/canned'), 401, 'not_signed_in', 'list signed out');
	expect(await srv.request('POST', '/api/canned', { body: { name: 'n', text: 't' } }), 401, 'not_signed_in', 'add signed out');
	expect(await srv.request('POST', '/api/canned', { session: ann, csrf: false, body: { name: 'n', text: 't' } }),
		403, 'csrf', 'add without CSRF');
	expect(await srv.request('POST', '/api/canned', { session: ann, csrf: 'wrong', body: { name: 'n', text: 't' } }),
		403, 'csrf', 'add with a wrong CSRF token');
	assert.deepEqual(await list(ann), []);
});

/**
 * Send `n` adds, 24 in flight at a time (under the per-address connection burst), so the writer
 * gets many in one batch; the answers, in order.
 */
async function burst(session, n, shared) {
	const out = new Array(n);
	let next = 0;
	const worker = async () => {
		while (next < n) {
			const i = next++;
			out[i] = await add(session, { name: `r${String(i).padStart(3, '0')}`, text: `reply ${i}`, shared });
		}
	};
	await Promise.all(Array.from({ length: 24 }, worker));
	for (const r of out)
		assert.ok(r.status === 201 || (r.status === 409 && r.json?.error?.code === 'too_many'), `${r.status} ${r.text}`);
	return out;
}

test('at most 200 per operator and 200 shared per account, even for adds that arrive together', { timeout: 60000 }, async () => {
	const dan = await srv.request('POST', '/api/admin/operators', {
		session: bob, body: { username: 'dan', name: 'Dan Alpha', password: 'dan-password-4' },
	});
	expect(dan, 201, null, 'add dan');
	const d = await srv.signIn('dan', { password: 'dan-password-4' });
	assert.equal(d.status, 200, d.text);

	const got = await burst(d, LIMIT + 10, false);
	assert.equal(got.filter((r) => r.status === 201).length, LIMIT);
	const refused = got.find((r) => r.status === 409);
	assert.match(refused.json.error.message, /200/);
	assert.equal((await list(d)).length, LIMIT);
	assert.deepEqual(await list(ann), [], "dan's replies reached ann");

	// Ann's own and the shared ones count apart from dan's.
	const a = await add(ann, { name: 'ann', text: 'mine' });
	expect(a, 201, null, "ann's own while dan is full");

	const shared = await burst(cat, LIMIT + 5, true);
	assert.equal(shared.filter((r) => r.status === 201).length, LIMIT);
	assert.match(shared.find((r) => r.status === 409).json.error.message, /account/i);
	assert.equal((await list(cat)).length, LIMIT);
	// A Beta admin's own reply still fits; an Alpha shared one too.
	expect(await add(cat, { name: 'own', text: 'x' }), 201, null, "cat's own while Beta's shared are full");
	expect(await add(bob, { name: 'alpha', text: 'x', shared: true }), 201, null, 'Alpha shared while Beta is full');

	// Deleting one makes room for one.
	const first = (await list(d)).find((c) => !c.shared);
	expect(await remove(d, first.id), 200, null, 'delete one');
	expect(await add(d, { name: 'again', text: 'y' }), 201, null, 'add after a delete');
	expect(await add(d, { name: 'over', text: 'z' }), 409, 'too_many', 'and full again');
});

test('replies survive a restart', async () => {
	const before = await list(ann);
	assert.ok(before.length > 0);
	await srv.stop();
	await srv.restart();
	ann = await srv.session('ann');
	assert.deepEqual(await list(ann), before);
});
