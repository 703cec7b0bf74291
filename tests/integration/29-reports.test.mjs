// 29-reports: the Reports API (PROTOCOL §2.11) against a known set of chats made through the
// real protocol — answered (with snapshots each way and every screensharing answer), missed
// (the guest's box went away unanswered), abandoned (the guest ended it while waiting), one still
// waiting, and another account's — checking every figure, the hours of the week in the server's
// time zone (TZ=Asia/Kolkata, half an hour off any UTC hour), the queue and operator filters,
// the CSV and its neutralised cells, and every refusal. Follow-ups are counted on a second
// server with a real SMTP server (tests/lib/smtp.mjs): questions left through the real route, one
// answered and delivered, one given up once the SMTP server is stopped (--smtp-attempts 1), one
// still open; the figures stay after the follow-ups' rows are deleted.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { closeAll } from './lib/client.mjs';
import { isAck, isOk, openChat, operator, setAvailable, startChat } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { freePort, makeCertificate, sleep, startServer } from '../lib/server.mjs';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from '../lib/smtp.mjs';
import { uploadOk } from '../lib/upload.mjs';

const ZONE = 'Asia/Kolkata';
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const TITLE = '=1+2,"x"'; // a queue title a spreadsheet would run as a formula

let srv;
let bob; // an admin of Alpha Library
const chats = {};
let annId;
let bobId;
let catId;
let range; // {from, to}: yesterday to tomorrow in ZONE

/** The date, weekday and hour of `ms` in ZONE. */
function local(ms) {
	const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
		timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'long', hour: '2-digit', hourCycle: 'h23',
	}).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
	return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: WEEKDAYS.indexOf(parts.weekday), hour: Number(parts.hour) };
}

const get = (path, session = bob) => srv.request('GET', path, { session });
const query = (extra = {}) => '?' + new URLSearchParams({ ...range, ...extra });

/** Chat History's record of a chat: its times as the server stored them. */
async function record(chat) {
	const r = await get(`/api/history/${chat}`);
	assert.equal(r.status, 200, r.text);
	return r.json.chat;
}

/** Poll the async `cond` every 100 ms until it holds; fail after `timeout` ms saying `what`. */
async function eventually(cond, timeout, what) {
	const deadline = Date.now() + timeout;
	while (!(await cond())) {
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
		await sleep(100);
	}
}

/** Nearest-rank percentile of whole seconds, as the server reports them (all under 2 minutes). */
function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

before(async () => {
	srv = await startServer({ args: ['--abandon-secs', '1'], env: { TZ: ZONE } });
	bob = await srv.session('bob');
	const annSession = await srv.session('ann');
	annId = annSession.operator.id;
	bobId = bob.operator.id;
	catId = (await srv.session('cat')).operator.id;
	const now = Date.now();
	range = { from: local(now - 86400000).date, to: local(now + 86400000).date };
	assert.equal((await srv.request('POST', '/api/admin/queues/alpha', { session: bob, body: { title: TITLE } })).status, 200);

	const ann = await operator(srv, 'ann');
	const bobWs = await operator(srv, 'bob');
	await setAvailable(ann, 'alpha', true);
	await setAvailable(bobWs, 'alpha', true);

	// 1: ann answers; a snapshot each way; the guest declines, is blocked, then accepts; ann ends it.
	const one = await openChat(srv, ann, 'alpha', 'One');
	await uploadOk(srv, { token: one.token }, one.chat, png(20, 20));
	await uploadOk(srv, annSession, one.chat, png(30, 20));
	for (const answer of ['decline', 'blocked', 'accept']) {
		const inv = isOk(await ann.request({ type: 'share.invite', chat: one.chat, text: 'May I see?' }));
		isOk(await one.guest.request({ type: 'share.reply', chat: one.chat, share: inv.share, answer }));
	}
	isAck(await ann.request({ type: 'chat.end', chat: one.chat }));
	chats.one = one.chat;

	// 2: bob answers; the guest ends it.
	const two = await startChat(srv, 'alpha', 'Two');
	await bobWs.next((f) => f.type === 'chat.offer' && f.chat === two.chat, 5000, 'the offer of chat two');
	isOk(await bobWs.request({ type: 'chat.accept', chat: two.chat }));
	isAck(await two.guest.request({ type: 'chat.end', chat: two.chat }));
	chats.two = two.chat;

	// 3: abandoned: the guest ends it while it waits.
	const three = await startChat(srv, 'alpha', 'Three');
	isAck(await three.guest.request({ type: 'chat.end', chat: three.chat }));
	chats.three = three.chat;

	// 4: missed: the guest's box goes away, nobody accepts, the server ends it.
	const four = await startChat(srv, 'alpha', 'Four');
	await four.guest.close();
	await ann.next((f) => f.type === 'chat.gone' && f.chat === four.chat, 10000, 'chat four ended by the system');
	chats.four = four.chat;

	// 5: still waiting.
	chats.five = (await startChat(srv, 'alpha', 'Five')).chat;

	// Another account's chat, answered.
	const cat = await operator(srv, 'cat');
	await setAvailable(cat, 'beta', true);
	chats.beta = (await openChat(srv, cat, 'beta', 'Beta')).chat;
});
after(async () => {
	await closeAll();
	await srv?.close();
});

test('every figure of the account matches the chats made', async () => {
	const r = await get('/api/reports' + query());
	assert.equal(r.status, 200, r.text);
	const rep = r.json;
	assert.equal(rep.time_zone, ZONE);
	assert.equal(rep.from, range.from);
	assert.equal(rep.queue, null);
	assert.equal(rep.operator, null);
	assert.deepEqual({
		chats: rep.chats, answered: rep.answered, missed: rep.missed, abandoned: rep.abandoned,
		snapshots_from_guests: rep.snapshots_from_guests, snapshots_to_guests: rep.snapshots_to_guests,
		share_invited: rep.share_invited, share_accepted: rep.share_accepted,
		share_declined: rep.share_declined, share_blocked: rep.share_blocked,
	}, {
		chats: 5, answered: 2, missed: 1, abandoned: 1, snapshots_from_guests: 1, snapshots_to_guests: 1,
		share_invited: 3, share_accepted: 1, share_declined: 1, share_blocked: 1,
	});

	const answered = [await record(chats.one), await record(chats.two)];
	const waits = answered.map((c) => Math.floor((c.accepted_at - c.started_at) / 1000));
	const lengths = answered.map((c) => Math.floor((c.ended_at - c.accepted_at) / 1000));
	assert.deepEqual(rep.wait, { count: 2, p50: percentile(waits, 50), p90: percentile(waits, 90) });
	assert.deepEqual(rep.length, { count: 2, p50: percentile(lengths, 50), p90: percentile(lengths, 90) });

	// The heat map: each Alpha chat in the hour it began, in the server's zone.
	const want = Array.from({ length: 7 }, () => Array(24).fill(0));
	for (const name of ['one', 'two', 'three', 'four', 'five']) {
		const at = local((await record(chats[name])).started_at);
		want[at.weekday][at.hour]++;
	}
	assert.deepEqual(rep.by_hour, want);
});

test('a queue, an operator, and another account each see their own chats', async () => {
	const q = (await get('/api/reports' + query({ queue: 'alpha' }))).json;
	assert.equal(q.queue.name, 'alpha');
	assert.equal(q.queue.title, TITLE);
	assert.equal(q.chats, 5);
	assert.equal(q.missed, 1);

	const a = (await get('/api/reports' + query({ operator: String(annId) }))).json;
	assert.equal(a.operator.id, annId);
	assert.deepEqual([a.chats, a.answered, a.missed, a.abandoned], [1, 1, 0, 0]);
	assert.deepEqual([a.snapshots_from_guests, a.snapshots_to_guests, a.share_invited, a.share_accepted,
		a.share_declined, a.share_blocked], [1, 1, 3, 1, 1, 1]);
	assert.equal(a.wait.count, 1);

	const b = (await get('/api/reports' + query({ operator: String(bobId) }))).json;
	assert.deepEqual([b.chats, b.answered, b.share_invited, b.length.count], [1, 1, 0, 1]);

	const cat = await srv.session('cat');
	const beta = (await get('/api/reports' + query(), cat)).json;
	assert.deepEqual([beta.chats, beta.answered, beta.wait.count, beta.length.count], [1, 1, 1, 0]);

	// A range that ends before today holds none of them.
	const past = (await get('/api/reports?from=2020-01-01&to=2020-12-31')).json;
	assert.equal(past.chats, 0);
	assert.equal(past.by_hour.flat().reduce((s, n) => s + n, 0), 0);
});

test('the CSV has the same figures, with formula-like cells neutralised', async () => {
	const json = (await get('/api/reports' + query({ queue: 'alpha' }))).json;
	const r = await get('/api/reports.csv' + query({ queue: 'alpha' }));
	assert.equal(r.status, 200, r.text);
	assert.match(r.headers.get('content-type'), /^text\/csv/);
	assert.match(r.headers.get('content-disposition'), /^attachment; filename="refdesk-report-[0-9-]+\.csv"$/);
	const [figures, heat] = r.text.split('\r\n\r\n');
	const rows = new Map(figures.split('\r\n').map((line) => {
		const i = line.indexOf(',');
		return [line.slice(0, i), line.slice(i + 1)];
	}));
	assert.equal(rows.get('figure'), 'value');
	assert.equal(rows.get('time_zone'), ZONE);
	assert.equal(rows.get('queue'), 'alpha');
	// Quoted for its comma and quotes, and an apostrophe before the "=".
	assert.equal(rows.get('queue_title'), `"'=1+2,""x"""`);
	for (const k of ['chats', 'answered', 'missed', 'abandoned', 'snapshots_from_guests', 'snapshots_to_guests',
		'share_invited', 'share_accepted', 'share_declined', 'share_blocked'])
		assert.equal(rows.get(k), String(json[k]), k);
	for (const t of ['wait', 'length']) {
		assert.equal(rows.get(`${t}_count`), String(json[t].count));
		assert.equal(rows.get(`${t}_p50_seconds`), String(json[t].p50));
		assert.equal(rows.get(`${t}_p90_seconds`), String(json[t].p90));
	}
	const lines = heat.trim().split('\r\n');
	assert.equal(lines[0], 'day,' + Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')).join(','));
	assert.deepEqual(lines.slice(1).map((l) => l.split(',')), json.by_hour.map((row, i) => [WEEKDAYS[i], ...row.map(String)]));

	// An operator's name that starts a formula is neutralised too, whichever sign starts it.
	for (const name of ['@SUM(A1)', '+1+1', '-2-2', '=3']) {
		assert.equal((await srv.request('POST', `/api/admin/operators/${annId}`, { session: bob, body: { name } })).status, 200);
		const op = await get('/api/reports.csv' + query({ operator: String(annId) }));
		assert.ok(op.text.includes(`\r\noperator,'${name}\r\n`), `${name}: ${op.text}`);
	}
	// A name that merely contains a sign is left alone.
	assert.equal((await srv.request('POST', `/api/admin/operators/${annId}`, { session: bob, body: { name: 'Ann-Marie' } })).status, 200);
	assert.ok((await get('/api/reports.csv' + query({ operator: String(annId) }))).text.includes('\r\noperator,Ann-Marie\r\n'));
	assert.equal((await srv.request('POST', `/api/admin/operators/${annId}`, { session: bob, body: { name: 'Ann Alpha' } })).status, 200);
});

test('bad input is refused with a clear error', async () => {
	const bad = [
		['?from=2026-02-30&to=2026-03-01', 400, 'bad_request'],
		['?from=yesterday&to=2026-03-01', 400, 'bad_request'],
		['?from=2026-1-01&to=2026-03-01', 400, 'bad_request'],
		['?to=2026-03-01', 400, 'bad_request'],
		['?from=1969-12-31&to=1970-01-01', 400, 'bad_request'],
		['?from=2026-03-02&to=2026-03-01', 400, 'bad_request'],
		['?from=2024-01-01&to=2026-01-01', 400, 'bad_request'], // 732 days
		['?from=2026-03-01&to=2026-03-01&queue=alpha&operator=1', 400, 'bad_request'],
		['?from=2026-03-01&to=2026-03-01&operator=x1', 400, 'bad_request'],
		[`?from=2026-03-01&to=2026-03-01&operator=${'9'.repeat(40)}`, 400, 'bad_request'],
		[`?from=2026-03-01&to=2026-03-01&queue=${'a'.repeat(60)}`, 404, 'not_found'],
		['?from=2026-03-01&to=2026-03-01&operator=0', 400, 'bad_request'],
		['?from=2026-03-01&to=2026-03-01&queue=beta', 404, 'not_found'],
		['?from=2026-03-01&to=2026-03-01&queue=nope', 404, 'not_found'],
		['?from=2026-03-01&to=2026-03-01&queue=..%2F', 404, 'not_found'],
		[`?from=2026-03-01&to=2026-03-01&operator=${catId}`, 404, 'not_found'],
		['?from=2026-03-01&to=2026-03-01&operator=999999', 404, 'not_found'],
	];
	for (const [q, status, code] of bad) {
		for (const path of ['/api/reports', '/api/reports.csv']) {
			const r = await get(path + q);
			assert.equal(r.status, status, `${path}${q}: ${r.status} ${r.text}`);
			assert.equal(r.json?.error?.code, code, `${path}${q}: ${r.text}`);
			assert.ok(r.json.error.message.length > 0);
		}
	}
	// Two years exactly (a leap day inside) is fine.
	assert.equal((await get('/api/reports?from=2024-01-01&to=2025-12-31')).status, 200);
	// An operator who is not an admin, and nobody signed in.
	const ann = await srv.session('ann');
	assert.equal((await get('/api/reports' + query(), ann)).status, 403);
	assert.equal((await get('/api/reports.csv' + query(), ann)).status, 403);
	assert.equal((await srv.request('GET', '/api/reports' + query())).status, 401);
	// The page: for admins; others get the staff error page.
	const page = await get('/staff/reports');
	assert.equal(page.status, 200);
	assert.match(page.text, /<title[^>]*>Reports/);
	assert.equal((await get('/staff/reports', ann)).status, 403);
});

test('follow-ups left, answered and not delivered are counted, and stay once the rows are gone', { timeout: 90000 }, async () => {
	const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-report-smtp-'));
	const tls = makeCertificate(tmp);
	const pwFile = path.join(tmp, 'smtp-password');
	await fs.writeFile(pwFile, `${SMTP_PASSWORD}\n`);
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const mail = await startServer({
		args: ['--smtp-url', `smtp://127.0.0.1:${smtp.port}`, '--smtp-user', SMTP_USER, '--smtp-password-file', pwFile,
			'--smtp-from', 'Alpha Ask <ask@alpha.example>', '--smtp-ca-file', tls.cert, '--smtp-attempts', '1'],
		env: { TZ: ZONE },
	});
	try {
		const admin = await mail.session('bob');
		const ann = await mail.session('ann');
		const cat = await mail.session('cat');
		const annOp = ann.operator.id;
		const bobOp = admin.operator.id;
		const leave = async (queue, question) => {
			const r = await mail.request('POST', `/api/queues/${queue}/followups`, { body: { question, email: 'pat@example.org' } });
			assert.equal(r.status, 201, r.text);
		};
		const list = async (session) => {
			const r = await mail.request('GET', '/api/followups', { session });
			assert.equal(r.status, 200, r.text);
			return r.json.followups;
		};
		const statusOf = async (question) => (await list(admin)).find((f) => f.question === question).status;
		const reply = async (session, question, text) => {
			const f = (await list(session)).find((g) => g.question === question);
			const r = await mail.request('POST', `/api/followups/${f.id}/answer`, { session, body: { text } });
			assert.equal(r.status, 200, r.text);
		};
		const figures = async (extra = {}, session = admin) => {
			const r = await mail.request('GET', '/api/reports' + query(extra), { session });
			assert.equal(r.status, 200, r.text);
			return [r.json.followups, r.json.followups_answered, r.json.followups_not_delivered];
		};

		await leave('alpha', 'Do you have the atlas?');
		await leave('alpha', 'Is the map room open?');
		await leave('alpha', 'Can I renew by phone?');
		await leave('beta', 'Another library\'s question');
		assert.deepEqual(await figures(), [3, 0, 0], 'left, nothing answered yet');

		// Ann answers the first: delivered.
		await reply(ann, 'Do you have the atlas?', 'Yes, on the second floor.');
		await eventually(async () => (await statusOf('Do you have the atlas?')) === 'answered', 10000, 'delivered');
		assert.equal(smtp.mails.length, 1);
		// The mail server goes away; Bob's answer fails once and, with one attempt, is given up.
		await smtp.close();
		await reply(admin, 'Is the map room open?', 'Until 6 pm.');
		await eventually(async () => (await statusOf('Is the map room open?')) === 'not_delivered', 20000, 'not delivered');

		assert.deepEqual(await figures(), [3, 1, 1], 'the account');
		assert.deepEqual(await figures({ queue: 'alpha' }), [3, 1, 1], 'the queue');
		assert.deepEqual(await figures({ operator: String(annOp) }), [1, 1, 0], 'Ann: what she answered');
		assert.deepEqual(await figures({ operator: String(bobOp) }), [1, 0, 1], 'Bob: what he answered');
		assert.deepEqual(await figures({}, cat), [1, 0, 0], 'the other account sees its own');
		const past = (await mail.request('GET', '/api/reports?from=2020-01-01&to=2020-12-31', { session: admin })).json;
		assert.deepEqual([past.followups, past.followups_answered, past.followups_not_delivered], [0, 0, 0]);
		// Follow-ups are not chats.
		const rep = (await mail.request('GET', '/api/reports' + query(), { session: admin })).json;
		assert.equal(rep.chats, 0);
		assert.equal(rep.by_hour.flat().reduce((t, n) => t + n, 0), 0);

		// The CSV: the same figures, right after the ones before them (later figures follow).
		const csv = await mail.request('GET', '/api/reports.csv' + query(), { session: admin });
		assert.equal(csv.status, 200, csv.text);
		const names = csv.text.split('\r\n\r\n')[0].split('\r\n').map((l) => l.split(','));
		const at = names.findIndex((row) => row[0] === 'length_p90_seconds');
		assert.deepEqual(names.slice(at, at + 4), [['length_p90_seconds', String(rep.length.p90)], ['followups', '3'],
			['followups_answered', '1'], ['followups_not_delivered', '1']]);

		// Retention deletes the follow-ups: the report keeps its figures.
		mail.sql('DELETE FROM followups');
		assert.deepEqual(await list(admin), []);
		assert.deepEqual(await figures(), [3, 1, 1], 'after the rows are gone');
		assert.deepEqual(await figures({ operator: String(bobOp) }), [1, 0, 1]);
		await mail.stop();
	} finally {
		await mail.cleanup();
		await smtp.close().catch(() => {});
		await fs.rm(tmp, { recursive: true, force: true });
	}
});
