// 09-admin: account administration over HTTP (PROTOCOL §2.5) and the admin command line.
// The account's name and origins, operators (create, rename, promote, disable, reset password),
// queues (create, rename, members); duplicates are 409 exists, bad input 400 bad_request and
// changes nothing.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 8 on its main server.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { show } from './lib/client.mjs';
import { operator, setAvailable } from './lib/flows.mjs';
import { ALPHA_ORIGIN, OPERATORS, makeFixtures, runAdmin, startServer } from '../lib/server.mjs';

let srv;
let bob;
before(async () => {
	srv = await startServer();
	bob = await srv.session('bob');
});
after(() => srv?.close()); // stop() fails the file unless the exit is clean

const get = (p, session = bob) => srv.request('GET', p, { session });
const post = (p, body, session = bob) => srv.request('POST', p, { session, body });

/** Assert a 400 bad_request for each body POSTed to `p`. */
async function refused(p, bodies) {
	for (const body of bodies) {
		const r = await post(p, body);
		assert.equal(r.status, 400, `POST ${p} ${show(body)}: ${r.status} ${r.text}`);
		assert.equal(r.json?.error?.code, 'bad_request', `POST ${p} ${show(body)}: ${r.text}`);
	}
}

function frameAncestors(res) {
	const m = /frame-ancestors([^;]*)/.exec(res.headers.get('content-security-policy') ?? '');
	return m ? m[1].trim().split(/\s+/) : [];
}

test('account: read, rename, set origins (which /box/alpha may be framed by)', async () => {
	const a = await get('/api/admin/account');
	assert.equal(a.status, 200, a.text);
	assert.ok(Number.isInteger(a.json.id));
	assert.equal(a.json.name, 'Alpha Library');
	assert.deepEqual(a.json.origins, [ALPHA_ORIGIN]);

	const extra = 'http://localhost:8080';
	const set = await post('/api/admin/account', { origins: [ALPHA_ORIGIN, extra] });
	assert.equal(set.status, 200, set.text);
	assert.deepEqual(set.json.origins, [ALPHA_ORIGIN, extra]);
	assert.equal(set.json.name, 'Alpha Library');
	assert.ok(frameAncestors(await srv.request('GET', '/box/alpha')).includes(extra), 'a new origin does not reach frame-ancestors');

	const renamed = await post('/api/admin/account', { name: 'Alpha Public Library' });
	assert.equal(renamed.status, 200, renamed.text);
	assert.equal(renamed.json.name, 'Alpha Public Library');
	assert.deepEqual(renamed.json.origins, [ALPHA_ORIGIN, extra], 'renaming changed the origins');
	assert.equal((await srv.request('GET', '/api/queues/alpha')).json?.account, 'Alpha Public Library');

	await refused('/api/admin/account', [
		{ name: '' }, { name: 'n'.repeat(81) }, { name: 5 },
		{ origins: 'https://x.example' }, { origins: [5] }, { origins: ['not a url'] },
		{ origins: ['https://x.example/path'] }, { origins: ['ftp://x.example'] }, { origins: ['https://'] },
		{ origins: ['https://x.example?q=1'] }, { origins: ['javascript:alert(1)'] },
	]);
	// Twenty long origins do not fit together: refused, and the server lives on
	// (they once overran a stack buffer).
	const long = Array.from({ length: 20 }, (_, i) => `https://${String(i).padStart(2, '0')}${'a'.repeat(180)}.example`);
	await refused('/api/admin/account', [{ origins: long }]);
	assert.ok(await srv.healthy(), 'the server died on twenty long origins');
	const same = await get('/api/admin/account');
	assert.deepEqual({ name: same.json.name, origins: same.json.origins }, { name: 'Alpha Public Library', origins: [ALPHA_ORIGIN, extra] });

	const back = await post('/api/admin/account', { origins: [ALPHA_ORIGIN], name: 'Alpha Library' });
	assert.equal(back.status, 200, back.text);
	assert.ok(!frameAncestors(await srv.request('GET', '/box/alpha')).includes(extra), 'a removed origin may still frame the box');
});

test('queues: list, create, 409 on a taken name, rename, bad input', async () => {
	const ann = await srv.session('ann');
	const list = await get('/api/admin/queues');
	assert.equal(list.status, 200, list.text);
	assert.equal(list.json.queues.length, 1);
	const [alpha] = list.json.queues;
	assert.equal(alpha.name, 'alpha');
	assert.equal(alpha.title, 'Alpha Ask');
	assert.deepEqual([...alpha.members].sort((a, b) => a - b), [ann.operator.id, bob.operator.id].sort((a, b) => a - b));

	const made = await post('/api/admin/queues', { name: 'alpha-two', title: 'Alpha Two' });
	assert.equal(made.status, 201, made.text);
	assert.deepEqual(made.json, { name: 'alpha-two', title: 'Alpha Two', share_invite: '', members: [] });
	const pub = await srv.request('GET', '/api/queues/alpha-two');
	assert.deepEqual(pub.json, { queue: 'alpha-two', title: 'Alpha Two', account: 'Alpha Library', online: false,
		mail: false, mail_keep_days: 30, limits: { image_bytes: 15 << 20, file_bytes: 25 << 20, text_chars: 4000 } });

	for (const name of ['alpha-two', 'alpha', 'beta']) {
		const dup = await post('/api/admin/queues', { name, title: 'Again' });
		assert.equal(dup.status, 409, `queue ${name} again: ${dup.status} ${dup.text}`);
		assert.equal(dup.json?.error?.code, 'exists');
	}
	await refused('/api/admin/queues', [
		{ name: 'Alpha3', title: 'Caps' }, { name: 'a b', title: 'Space' }, { name: '', title: 'Empty' },
		{ name: 'q'.repeat(33), title: 'Long' }, { name: 'a_b', title: 'Underscore' }, { name: 5, title: 'Number' },
		{ name: 'no-title' }, { name: 'empty-title', title: '' }, { name: 'long-title', title: 't'.repeat(81) },
	]);
	const longest = await post('/api/admin/queues', { name: 'q'.repeat(32), title: 'x'.repeat(80) });
	assert.equal(longest.status, 201, `a 32-character name and an 80-character title: ${longest.text}`);

	const renamed = await post('/api/admin/queues/alpha-two', { title: 'Alpha Second' });
	assert.equal(renamed.status, 200, renamed.text);
	assert.equal(renamed.json.title, 'Alpha Second');
	assert.equal(renamed.json.name, 'alpha-two');
	assert.equal((await srv.request('GET', '/api/queues/alpha-two')).json?.title, 'Alpha Second');
	await refused('/api/admin/queues/alpha-two', [{ title: '' }, { title: 5 }, { title: 't'.repeat(81) }]);
	const missing = await post('/api/admin/queues/no-such-queue', { title: 'Nope' });
	assert.equal(missing.status, 404, missing.text);

	const names = (await get('/api/admin/queues')).json.queues.map((q) => q.name).sort();
	assert.deepEqual(names, ['alpha', 'alpha-two', 'q'.repeat(32)]);
});

let dan; // {id, session}

test('operators: list, create, 409 on a taken username, bad input', async () => {
	const list = await get('/api/admin/operators');
	assert.equal(list.status, 200, list.text);
	const rows = Object.fromEntries(list.json.operators.map((o) => [o.username, o]));
	assert.deepEqual(Object.keys(rows).sort(), ['ann', 'bob']);
	for (const who of ['ann', 'bob']) {
		const o = rows[who];
		assert.deepEqual(Object.keys(o).sort(), ['admin', 'disabled', 'id', 'name', 'queues', 'username']);
		assert.equal(o.name, OPERATORS[who].name);
		assert.equal(o.admin, OPERATORS[who].admin);
		assert.equal(o.disabled, false);
		assert.deepEqual(o.queues, ['alpha']);
	}

	const made = await post('/api/admin/operators', { username: 'dan', name: 'Dan Alpha', password: 'dan-password-1' });
	assert.equal(made.status, 201, made.text);
	assert.ok(Number.isInteger(made.json.id));
	assert.equal(made.json.username, 'dan');
	assert.equal(made.json.name, 'Dan Alpha');
	assert.equal(made.json.admin, false);
	assert.ok(!('password' in made.json) && !JSON.stringify(made.json).includes('dan-password-1'), 'the password came back');

	for (const username of ['dan', 'ann', 'cat']) {
		const dup = await post('/api/admin/operators', { username, name: 'Again', password: 'again-password' });
		assert.equal(dup.status, 409, `username ${username} again: ${dup.status} ${dup.text}`);
		assert.equal(dup.json?.error?.code, 'exists');
	}
	await refused('/api/admin/operators', [
		{ username: 'bad name', name: 'X', password: 'password-1' },
		{ username: '', name: 'X', password: 'password-1' },
		{ username: 'u'.repeat(65), name: 'X', password: 'password-1' },
		{ username: 'émile', name: 'X', password: 'password-1' },
		{ username: 'x1', name: '', password: 'password-1' },
		{ username: 'x2', name: 'n'.repeat(81), password: 'password-1' },
		{ username: 'x3', name: 'X', password: 'short-7' },
		{ username: 'x4', name: 'X', password: 'p'.repeat(257) },
		{ username: 'x5', name: 'X' },
		{ username: 'x6', password: 'password-1' },
		{ username: 'x7', name: 'X', password: 'password-1', admin: 'yes' },
		{ name: 'X', password: 'password-1' },
	]);
	const edge = await post('/api/admin/operators', { username: 'A.b_c-9'.padEnd(64, 'z'), name: 'm'.repeat(80), password: 'p'.repeat(256), admin: true });
	assert.equal(edge.status, 201, `64-character username, 80-character name, 256-character password: ${edge.text}`);
	assert.equal(edge.json.admin, true);
	const eight = await post('/api/admin/operators', { username: 'eight', name: 'Eight', password: '12345678' });
	assert.equal(eight.status, 201, `an 8-character password: ${eight.text}`);

	const names = (await get('/api/admin/operators')).json.operators.map((o) => o.username).sort();
	assert.deepEqual(names, ['A.b_c-9'.padEnd(64, 'z'), 'ann', 'bob', 'dan', 'eight']);

	const s = await srv.signIn('dan', { password: 'dan-password-1' });
	assert.equal(s.status, 200, `the new operator signs in: ${s.text}`);
	assert.equal(s.operator.account.name, 'Alpha Library');
	dan = { id: made.json.id, session: s };
	srv.sessions.set('dan', s);
});

test('operators: rename, promote, queue membership', async () => {
	const renamed = await post(`/api/admin/operators/${dan.id}`, { name: 'Daniel Alpha' });
	assert.equal(renamed.status, 200, renamed.text);
	assert.equal(renamed.json.name, 'Daniel Alpha');
	const promoted = await post(`/api/admin/operators/${dan.id}`, { admin: true });
	assert.equal(promoted.json?.admin, true, promoted.text);
	assert.equal(promoted.json.name, 'Daniel Alpha');
	assert.equal((await post(`/api/admin/operators/${dan.id}`, { admin: false })).json?.admin, false);
	await refused(`/api/admin/operators/${dan.id}`, [{ name: '' }, { admin: 'yes' }, { disabled: 1 }, { name: 'n'.repeat(81) }]);
	for (const id of ['987654', 'abc', '-1']) {
		const r = await post(`/api/admin/operators/${id}`, { name: 'Ghost' });
		assert.equal(r.status, 404, `operator ${id}: ${r.status} ${r.text}`);
	}

	const add = await post('/api/admin/queues/alpha-two/members', { operator: dan.id, member: true });
	assert.equal(add.status, 200, add.text);
	assert.deepEqual(add.json.members, [dan.id]);
	const row = (await get('/api/admin/operators')).json.operators.find((o) => o.id === dan.id);
	assert.deepEqual(row.queues, ['alpha-two']);
	const op = await operator(srv, 'dan');
	assert.deepEqual(op.hello.queues, [{ name: 'alpha-two', title: 'Alpha Second', available: false }]);
	await setAvailable(op, 'alpha-two', true);
	assert.equal((await srv.request('GET', '/api/queues/alpha-two')).json?.online, true);
	await setAvailable(op, 'alpha-two', false);
	await op.close();

	const again = await post('/api/admin/queues/alpha-two/members', { operator: dan.id, member: true });
	assert.deepEqual(again.json?.members, [dan.id], 'adding a member twice');
	const removed = await post('/api/admin/queues/alpha-two/members', { operator: dan.id, member: false });
	assert.deepEqual(removed.json?.members, [], removed.text);
	await refused('/api/admin/queues/alpha-two/members', [{ operator: dan.id }, { member: true }, { operator: 'dan', member: true }, { operator: dan.id, member: 'yes' }]);
	assert.equal((await post('/api/admin/queues/alpha-two/members', { operator: 987654, member: true })).status, 404);
	assert.equal((await post('/api/admin/queues/no-such-queue/members', { operator: dan.id, member: true })).status, 404);
});

test('disabling an operator signs them out everywhere; enabling lets them back in', async () => {
	const op = await operator(srv, 'dan');
	const off = await post(`/api/admin/operators/${dan.id}`, { disabled: true });
	assert.equal(off.status, 200, off.text);
	assert.equal(off.json.disabled, true);
	assert.equal((await op.waitClosed()).code, 4001, 'the disabled operator\'s socket');
	const s = await srv.request('GET', '/api/session', { session: dan.session });
	assert.equal(s.status, 401, `the disabled operator's session: ${s.status}`);
	const denied = await srv.signIn('dan', { password: 'dan-password-1' });
	assert.equal(denied.status, 401, denied.text);
	assert.equal(denied.json?.error?.code, 'bad_credentials');
	const row = (await get('/api/admin/operators')).json.operators.find((o) => o.id === dan.id);
	assert.equal(row.disabled, true);

	const on = await post(`/api/admin/operators/${dan.id}`, { disabled: false });
	assert.equal(on.json?.disabled, false, on.text);
	const back = await srv.signIn('dan', { password: 'dan-password-1' });
	assert.equal(back.status, 200, back.text);
	dan.session = back;
	srv.sessions.set('dan', back);
});

test("resetting an operator's password ends their sessions; only the new one works", async () => {
	const op = await operator(srv, 'dan');
	await refused(`/api/admin/operators/${dan.id}/password`, [{ password: 'short-7' }, { password: 'p'.repeat(257) }, {}, { password: 12345678 }]);
	const r = await post(`/api/admin/operators/${dan.id}/password`, { password: 'dan-password-2' });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, {});
	assert.equal((await op.waitClosed()).code, 4001, "dan's socket after the reset");
	assert.equal((await srv.request('GET', '/api/session', { session: dan.session })).status, 401);
	assert.equal((await srv.signIn('dan', { password: 'dan-password-1' })).status, 401, 'the old password still works');
	assert.equal((await srv.signIn('dan', { password: 'dan-password-2' })).status, 200, 'the new password does not work');
	assert.equal((await srv.request('GET', '/api/session', { session: bob })).status, 200, "the admin's own session ended");
	assert.equal((await post('/api/admin/operators/987654/password', { password: 'ghost-password' })).status, 404);
});

test('admin command line: list, duplicates refused, password reset', async () => {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-cli-'));
	try {
		await makeFixtures(dir);
		const list = await runAdmin(dir, ['list']);
		assert.equal(list.code, 0, list.stderr);
		for (const word of ['Alpha Library', 'Beta Library', 'alpha', 'beta', 'ann', 'bob', 'cat'])
			assert.ok(list.stdout.includes(word), `list does not show ${word}:\n${list.stdout}`);
		assert.ok(!list.stdout.includes(OPERATORS.ann.password), 'list shows a password');

		const dupAccount = await runAdmin(dir, ['account', 'add', 'Alpha Library']);
		assert.notEqual(dupAccount.code, 0, 'a second account of the same name');
		const dupQueue = await runAdmin(dir, ['queue', 'add', '--account', 'Beta Library', 'alpha']);
		assert.notEqual(dupQueue.code, 0, 'a second queue named alpha');
		const dupOp = await runAdmin(dir, ['operator', 'add', '--account', 'Beta Library', 'ann'], 'another-password\n');
		assert.notEqual(dupOp.code, 0, 'a second operator named ann');
		const shortPw = await runAdmin(dir, ['operator', 'add', '--account', 'Beta Library', 'shorty'], 'short\n');
		assert.notEqual(shortPw.code, 0, 'a 5-character password');
		const noAccount = await runAdmin(dir, ['queue', 'add', '--account', 'No Such Library', 'nowhere']);
		assert.notEqual(noAccount.code, 0, 'a queue for a missing account');
		// Origins past the 2 KB the account keeps: refused whole (this overflowed a buffer once).
		const many = Array.from({ length: 48 }, (_, i) => ['--origin', `https://branch-${i}.library-with-a-long-name.example`]).flat();
		const tooMany = await runAdmin(dir, ['account', 'add', 'Gamma Library', ...many]);
		assert.equal(tooMany.code, 1, tooMany.stderr);
		assert.match(tooMany.stderr, /the origins take more than 2047 characters/);
		assert.ok(!(await runAdmin(dir, ['list'])).stdout.includes('Gamma Library'), 'the refused account was added');
		const fits = await runAdmin(dir, ['account', 'add', 'Delta Library', ...many.slice(0, 2 * 30)]);
		assert.equal(fits.code, 0, fits.stderr);
		const reset = await runAdmin(dir, ['password', 'reset', 'ann'], 'ann-password-new\n');
		assert.equal(reset.code, 0, reset.stderr);

		const s = await startServer({ fixtures: false, dataDir: dir });
		try {
			assert.equal((await s.signIn('ann', { password: OPERATORS.ann.password })).status, 401, 'the old password after a reset');
			assert.equal((await s.signIn('ann', { password: 'ann-password-new' })).status, 200, 'the new password after a reset');
			assert.equal((await s.signIn('cat')).status, 200);
			await s.stop();
		} finally {
			await s.cleanup();
		}
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});
