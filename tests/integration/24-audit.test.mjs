// 24-audit: the audit log of admin actions (PROTOCOL §2.5, GET /api/admin/audit, and
// `refdesk admin audit`). Each admin action leaves exactly one entry naming the actor, the time,
// the action, the target and a short detail; a refused action leaves none; no entry holds a
// password, a guest's name or a word of a chat; a non-admin is refused; another account's admin
// sees none of this account's entries; the command line's password reset is recorded as
// "command line".
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 4.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll } from './lib/client.mjs';
import { isAck, openChat, operator, say, setAvailable } from './lib/flows.mjs';
import { ALPHA_ORIGIN, OPERATORS, runAdmin, startServer } from '../lib/server.mjs';

let srv;
let bob;
let bobId;
before(async () => {
	srv = await startServer();
	bob = await srv.session('bob');
	bobId = bob.operator.id;
});
after(async () => {
	await closeAll();
	await srv?.close();
});

const post = (p, body, session = bob) => srv.request('POST', p, { session, body });
const audit = (query = '', session = bob) => srv.request('GET', `/api/admin/audit${query}`, { session });

// Every secret this file uses; none may appear in any entry.
const SECRETS = {
	newOperatorPassword: 'dan-first-secret-41',
	resetPassword: 'dan-second-secret-42',
	cliPassword: 'ann-cli-secret-43',
	guestName: 'Zebulon Quartermaine',
	message: 'my library card number is xyzzy-7781',
	invite: 'Please share your screen, words only staff should see here',
	...Object.fromEntries(Object.values(OPERATORS).map((o) => [o.username, o.password])),
};

/** Every entry `session` can read, newest first, following `more` with `before`. */
async function everything(session = bob) {
	const all = [];
	let query = '?limit=100';
	for (;;) {
		const r = await audit(query, session);
		assert.equal(r.status, 200, r.text);
		all.push(...r.json.entries);
		if (!r.json.more)
			return all;
		query = `?limit=100&before=${all.at(-1).id}`;
	}
}

async function newestId() {
	const r = await audit('?limit=1');
	assert.equal(r.status, 200, r.text);
	return r.json.entries[0]?.id ?? 0;
}

/**
 * Run `action` (which must succeed) and check that it left exactly one entry with these fields,
 * stamped between the start and the end of the action; returns the entry.
 */
async function onlyEntry(action, want) {
	const since = await newestId();
	const t0 = Date.now();
	await action();
	const t1 = Date.now();
	const fresh = (await audit('?limit=100')).json.entries.filter((e) => e.id > since);
	assert.equal(fresh.length, 1, `one entry for ${want.action}, got ${JSON.stringify(fresh)}`);
	const e = fresh[0];
	assert.equal(e.action, want.action);
	assert.equal(e.target, want.target);
	assert.deepEqual(e.actor, want.actor ?? { id: bobId, username: 'bob' });
	assert.ok(e.at >= t0 - 1000 && e.at <= t1 + 1000, `time ${e.at} outside ${t0}..${t1}`);
	for (const part of want.detail ?? [])
		assert.ok(e.detail.includes(part), `detail "${e.detail}" lacks "${part}"`);
	return e;
}

async function ok(r, status = 200) {
	const res = await r;
	assert.equal(res.status, status, res.text);
	return res;
}

let dan;
let chatId;

test('each account change leaves one entry with who, when, what and to what', async () => {
	await onlyEntry(() => ok(post('/api/admin/account', { name: 'Alpha Audited Library', origins: [ALPHA_ORIGIN, 'https://new.example'] })), {
		action: 'account.change', target: 'Alpha Audited Library',
		detail: ['name "Alpha Library" → "Alpha Audited Library"', 'origins added: https://new.example'],
	});
	await onlyEntry(() => ok(post('/api/admin/account', { origins: ['https://new.example'] })), {
		action: 'account.change', target: 'Alpha Audited Library', detail: [`origins removed: ${ALPHA_ORIGIN}`],
	});
});

test('operators: added, renamed and promoted, disabled, enabled, password reset', async () => {
	await onlyEntry(async () => {
		dan = (await ok(post('/api/admin/operators', { username: 'dan', name: 'Dan Delta', password: SECRETS.newOperatorPassword }), 201)).json;
	}, { action: 'operator.add', target: 'dan', detail: ['name "Dan Delta"'] });
	await onlyEntry(() => ok(post(`/api/admin/operators/${dan.id}`, { name: 'Dan Dee', admin: true })), {
		action: 'operator.change', target: 'dan', detail: ['name "Dan Delta" → "Dan Dee"', 'made an account admin'],
	});
	await onlyEntry(() => ok(post(`/api/admin/operators/${dan.id}`, { disabled: true, admin: false })), {
		action: 'operator.change', target: 'dan', detail: ['disabled', 'admin rights removed'],
	});
	await onlyEntry(() => ok(post(`/api/admin/operators/${dan.id}`, { disabled: false })), {
		action: 'operator.change', target: 'dan', detail: ['enabled'],
	});
	await onlyEntry(() => ok(post(`/api/admin/operators/${dan.id}/password`, { password: SECRETS.resetPassword })), {
		action: 'operator.password', target: 'dan', detail: ['admin page'],
	});
});

test('queues: added, changed, members added and removed', async () => {
	await onlyEntry(() => ok(post('/api/admin/queues', { name: 'audit-q', title: 'Audit Q' }), 201), {
		action: 'queue.add', target: 'audit-q', detail: ['title "Audit Q"'],
	});
	await onlyEntry(() => ok(post('/api/admin/queues/audit-q', { title: 'Audit Queue', share_invite: SECRETS.invite })), {
		action: 'queue.change', target: 'audit-q', detail: ['title "Audit Q" → "Audit Queue"', 'screensharing invitation changed'],
	});
	await onlyEntry(() => ok(post('/api/admin/queues/audit-q/members', { operator: dan.id, member: true })), {
		action: 'member.add', target: 'audit-q', detail: ['operator dan'],
	});
	await onlyEntry(() => ok(post('/api/admin/queues/audit-q/members', { operator: dan.id, member: false })), {
		action: 'member.remove', target: 'audit-q', detail: ['operator dan'],
	});
});

test('deleting a transcript leaves one entry naming the chat, without its guest or words', async () => {
	const op = await operator(srv, 'bob');
	await setAvailable(op, 'alpha', true);
	const c = await openChat(srv, op, 'alpha', SECRETS.guestName);
	chatId = c.chat;
	await say(c.guest, c.chat, SECRETS.message);
	isAck(await op.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	await onlyEntry(() => ok(post(`/api/history/${c.chat}/delete`, {})), {
		action: 'transcript.delete', target: c.chat, detail: ['queue alpha'],
	});
});

test('a refused or failed action leaves no entry', async () => {
	const since = await newestId();
	assert.equal((await post('/api/admin/queues', { name: 'audit-q', title: 'Again' })).status, 409);
	assert.equal((await post('/api/admin/operators', { username: 'dan', name: 'Dan', password: 'long-enough-9' })).status, 409);
	assert.equal((await post(`/api/admin/operators/${dan.id}`, { name: '' })).status, 400);
	assert.equal((await post(`/api/admin/operators/${bobId}`, { disabled: true })).status, 400, 'disabling oneself');
	assert.equal((await post('/api/admin/account', { origins: ['ftp://x'] })).status, 400);
	assert.equal((await post(`/api/history/${chatId}/delete`, {}, await srv.session('ann'))).status, 403);
	assert.equal((await srv.request('POST', '/api/admin/queues', { session: bob, csrf: false, body: { name: 'no-csrf', title: 'X' } })).status, 403);
	assert.equal(await newestId(), since, 'a refused action was recorded');
});

test('only admins read the log, and only their own account\'s', async () => {
	const ann = await srv.session('ann');
	const refused = await audit('', ann);
	assert.equal(refused.status, 403, refused.text);
	assert.equal((await srv.request('GET', '/api/admin/audit')).status, 401, 'signed out');

	const ours = await everything();
	const theirs = await everything(await srv.session('cat'));
	assert.ok(theirs.length > 0, 'Beta Library has entries of its own (its fixtures)');
	const ourIds = new Set(ours.map((e) => e.id));
	for (const e of theirs) {
		assert.ok(!ourIds.has(e.id), `Beta's admin sees Alpha's entry ${JSON.stringify(e)}`);
		assert.ok(!/alpha|dan|audit-q/i.test(`${e.target} ${e.detail}`), `Beta's admin sees ${JSON.stringify(e)}`);
	}
	assert.ok(ours.every((e) => !/beta|cat/i.test(`${e.target} ${e.detail}`)), 'Alpha sees Beta\'s entries');
});

test('the log pages newest first; bad paging is 400', async () => {
	const all = await everything();
	for (let i = 1; i < all.length; i++)
		assert.ok(all[i - 1].id > all[i].id, 'not newest first');
	const first = await audit('?limit=3');
	assert.equal(first.json.entries.length, 3);
	assert.equal(first.json.more, true);
	const second = await audit(`?limit=3&before=${first.json.entries[2].id}`);
	assert.deepEqual([...first.json.entries, ...second.json.entries].map((e) => e.id), all.slice(0, 6).map((e) => e.id));
	const whole = await audit(`?limit=100&before=${all.at(-1).id}`);
	assert.deepEqual(whole.json, { entries: [], more: false });
	assert.ok((await audit()).json.entries.length <= 50, 'the default page is 50');
	for (const q of ['?limit=0', '?limit=101', '?limit=x', '?before=-1', '?before=1x', `?before=${'9'.repeat(30)}`])
		assert.equal((await audit(q)).status, 400, q);
});

test('the command line\'s password reset is recorded, and `refdesk admin audit` prints the log', async () => {
	const annId = (await srv.session('ann')).operator.id;
	assert.ok(annId > 0);
	await onlyEntry(async () => {
		const r = await runAdmin(srv.dataDir, ['password', 'reset', 'ann'], `${SECRETS.cliPassword}\n`);
		assert.equal(r.code, 0, r.stderr);
	}, { action: 'operator.password', target: 'ann', actor: { id: null, username: 'command line' }, detail: ['command line'] });

	const printed = await runAdmin(srv.dataDir, ['audit', '--account', 'Alpha Audited Library']);
	assert.equal(printed.code, 0, printed.stderr);
	const lines = printed.stdout.split('\n');
	assert.match(lines[0], /^account \d+: Alpha Audited Library$/);
	assert.match(lines[1], /^ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}command line +operator\.password +ann: /, 'newest first');
	assert.ok(lines.some((l) => /bob +transcript\.delete +c_/.test(l)), printed.stdout);
	assert.ok(!printed.stdout.includes('Beta'), 'another account printed');
	for (const s of Object.values(SECRETS))
		assert.ok(!printed.stdout.includes(s), `the printed log holds "${s}"`);
	assert.equal((await runAdmin(srv.dataDir, ['audit', '--account', 'No Such'])).code, 1);
	assert.equal((await runAdmin(srv.dataDir, ['audit', 'extra'])).code, 2);
});

test('no entry holds a password, a guest\'s name or a chat\'s words', async () => {
	const every = [...await everything(), ...await everything(await srv.session('cat'))];
	const text = JSON.stringify(every);
	for (const [what, s] of Object.entries(SECRETS))
		assert.ok(!text.includes(s), `an entry holds ${what}`);
	const kinds = new Set(every.map((e) => e.action));
	for (const k of ['account.add', 'account.change', 'operator.add', 'operator.change', 'operator.password',
		'queue.add', 'queue.change', 'member.add', 'member.remove', 'transcript.delete'])
		assert.ok(kinds.has(k), `no ${k} entry`);
});
