// 31-followups: questions left while nobody is online, answered by email (PROTOCOL §2.10), and
// Email transcript. The mail goes to a real SMTP server started here (tests/lib/smtp.mjs) that
// requires STARTTLS (a throwaway certificate, which refdesk trusts through --smtp-ca-file) and
// AUTH. A question is stored, listed to its account's staff only, answered once; exactly one
// mail goes out with the right headers and body, and the address is erased once it is
// delivered. With the SMTP server down, the mail is retried and then shown as "not delivered";
// an answer waiting in the outbox survives a restart. Each bad input is refused with a clear
// error, and nothing is stored or sent. Without --smtp-url there are no follow-ups at all.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { columns, freePort, makeCertificate, repoRoot, sleep, startServer, storeContains } from '../lib/server.mjs';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from '../lib/smtp.mjs';
import { openChat, operator, setAvailable, startChat, until } from './lib/flows.mjs';

let tmp;
let tls;
let pwFile;
before(async () => {
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-smtp-'));
	tls = makeCertificate(tmp);
	pwFile = path.join(tmp, 'smtp-password');
	await fs.writeFile(pwFile, `${SMTP_PASSWORD}\n`);
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

const FROM = 'Alpha Ask <ask@alpha.example>';
function smtpArgs(port, more = []) {
	return ['--smtp-url', `smtp://127.0.0.1:${port}`, '--smtp-user', SMTP_USER, '--smtp-password-file', pwFile,
		'--smtp-from', FROM, '--smtp-ca-file', tls.cert, ...more];
}

const leave = (srv, body, headers = {}, queue = 'alpha') =>
	srv.request('POST', `/api/queues/${queue}/followups`, { body, headers });
const listOf = async (srv, session) => {
	const r = await srv.request('GET', '/api/followups', { session });
	assert.equal(r.status, 200, r.text);
	return r.json;
};
const answer = (srv, session, id, text) =>
	srv.request('POST', `/api/followups/${id}/answer`, { session, body: { text } });
const db = (srv, text) => srv.sql(text).trim();

/** Poll the async `cond` every 100 ms until it holds; fail after `timeout` ms saying `what`. */
async function eventually(cond, timeout, what) {
	const deadline = Date.now() + timeout;
	while (!(await cond())) {
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
		await sleep(100);
	}
}

function expect(r, status, code, what) {
	assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
	if (code) {
		assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
		assert.ok(r.json.error.message.length > 10, `${what}: a sentence for people`);
	}
}

test('a question is stored, answered by staff, and mailed once; the address is erased', { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port) });
	try {
		const q = await srv.request('GET', '/api/queues/alpha');
		assert.equal(q.json.mail, true, 'the box is told it may offer Leave a question');
		assert.equal(q.json.online, false);

		const question = 'Do you have the 1911 Britannica?\nVolume 3 in particular.';
		const r = await leave(srv, { question, email: 'pat@example.org', name: 'Pat Patron' });
		expect(r, 201, null, 'leave a question');
		assert.equal(JSON.stringify(r.json).includes('pat@'), false);

		const ann = await srv.session('ann');
		const cat = await srv.session('cat');
		const list = await listOf(srv, ann);
		assert.equal(list.waiting, 1);
		assert.equal(list.mail, true);
		assert.equal(list.followups.length, 1);
		const f = list.followups[0];
		assert.deepEqual({ queue: f.queue, name: f.name, question: f.question, status: f.status, has_address: f.has_address,
			answer: f.answer, answered_by: f.answered_by },
		{ queue: 'alpha', name: 'Pat Patron', question, status: 'open', has_address: true, answer: null, answered_by: null });
		assert.equal(JSON.stringify(list).includes('pat@example.org'), false, 'staff never see the address');
		// Another account sees nothing and cannot answer it.
		assert.deepEqual((await listOf(srv, cat)).followups, []);
		expect(await answer(srv, cat, f.id, 'Not yours'), 404, 'not_found', "another account's follow-up");
		expect(await answer(srv, ann, 999999, 'Nothing'), 404, 'not_found', 'a missing follow-up');
		expect(await answer(srv, ann, f.id, '   '), 400, 'bad_request', 'an empty answer');

		const text = 'Yes: volume 3 is on the open shelves, call number 031 ENC.\nAsk at the desk.';
		const a = await answer(srv, ann, f.id, text);
		expect(a, 200, null, 'answer');
		assert.equal(a.json.followup.answer, text);
		assert.equal(a.json.followup.answered_by.name, 'Ann Alpha');
		expect(await answer(srv, ann, f.id, 'Again'), 409, 'answered', 'a second answer');

		await eventually(async () => (await listOf(srv, ann)).followups[0].status === 'answered', 10000, 'delivered');
		await sleep(300);
		assert.equal(smtp.mails.length, 1, 'exactly one mail');
		const m = smtp.mails[0];
		assert.equal(m.secure, true, 'sent after STARTTLS');
		assert.equal(m.user, SMTP_USER, 'sent after AUTH');
		assert.equal(m.from, 'ask@alpha.example');
		assert.deepEqual(m.to, ['pat@example.org']);
		assert.equal(m.headers.from, FROM);
		assert.equal(m.headers.to, '<pat@example.org>');
		assert.equal(m.headers.subject, 'Answer to your question — Alpha Ask');
		assert.match(m.headers['content-type'], /^text\/plain; charset=UTF-8$/);
		assert.ok(m.headers.date && m.headers['message-id'], 'Date and Message-ID');
		assert.ok(m.body.startsWith(text.replace(/\n/g, '\r\n')), m.body);
		assert.match(m.body, /— Ann Alpha, Alpha Ask/);
		assert.match(m.body, /> Do you have the 1911 Britannica\?\r\n> Volume 3 in particular\./);

		const done = (await listOf(srv, ann)).followups[0];
		assert.equal(done.status, 'answered');
		assert.equal(done.has_address, false);
		assert.ok(done.delivered_at >= done.answered_at);
		assert.equal((await listOf(srv, ann)).waiting, 0);
		assert.equal(db(srv, 'SELECT count(*) FROM followups WHERE email IS NOT NULL'), '0', 'the address is erased');
		assert.equal(db(srv, "SELECT count(*) FROM followups WHERE answer LIKE 'Yes: volume 3%'"), '1',
			"the answer is kept in the follow-up's record");
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test('every bad input is refused with a clear error; nothing is stored or sent', { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port) });
	try {
		const good = { question: 'When do you open?', email: 'pat@example.org' };
		const cases = [
			[{ ...good, email: 'not an address' }, 400, 'bad_email'],
			[{ ...good, email: 'pat@localhost' }, 400, 'bad_email'],
			[{ ...good, email: 'pat@127.0.0.1' }, 400, 'bad_email'],
			[{ ...good, email: 'pat@@example.org' }, 400, 'bad_email'],
			[{ ...good, email: '"pat"@example.org' }, 400, 'bad_email'],
			[{ ...good, email: `${'p'.repeat(65)}@example.org` }, 400, 'bad_email'],
			[{ ...good, email: `pat@${'a'.repeat(250)}.org` }, 400, 'bad_email'],
			// Header injection: CR or LF in a field that reaches a header, a CR anywhere.
			[{ ...good, email: 'pat@example.org\r\nBcc: victim@example.net' }, 400, 'bad_request'],
			[{ ...good, email: 'pat@example.org\nBcc: victim@example.net' }, 400, 'bad_request'],
			[{ ...good, name: 'Pat\r\nBcc: victim@example.net' }, 400, 'bad_request'],
			[{ ...good, name: 'Pat\nX' }, 400, 'bad_request'],
			[{ ...good, question: 'Hello\r\n.\r\nMAIL FROM:<x@example.net>' }, 400, 'bad_request'],
			[{ ...good, name: 'n'.repeat(81) }, 400, 'bad_request'],
			[{ ...good, question: 'q'.repeat(4001) }, 400, 'too_long'],
			[{ ...good, question: '   \n ' }, 400, 'bad_request'],
			[{ ...good, question: 'bell\u0007' }, 400, 'bad_request'],
			[{ email: 'pat@example.org' }, 400, 'bad_request'],
			[{ ...good, extra: 1 }, 400, 'bad_request'],
			[{ ...good, question: 5 }, 400, 'bad_request'],
			[{ ...good, lang: '<script>' }, 400, 'bad_request'],
			[{ ...good, lang: 'fr\r\nBcc: victim@example.net' }, 400, 'bad_request'],
			[{ ...good, lang: `fr-${'x'.repeat(60)}` }, 400, 'bad_request'],
			[{ ...good, lang: 5 }, 400, 'bad_request'],
		];
		for (const [body, status, code] of cases)
			expect(await leave(srv, body), status, code, JSON.stringify(body).slice(0, 80));
		expect(await leave(srv, good, {}, 'nosuchqueue'), 404, 'not_found', 'a missing queue');
		const big = await srv.request('POST', '/api/queues/alpha/followups', { body: { ...good, question: 'q'.repeat(70000) } });
		assert.equal(big.status, 413, 'a body over 64 KiB');
		assert.equal(db(srv, 'SELECT count(*) FROM followups'), '0', 'nothing stored');
		// The longest question passes (4,000 characters, counted as characters).
		expect(await leave(srv, { ...good, question: 'é'.repeat(4000) }), 201, null, 'a 4,000-character question');
		await sleep(500);
		assert.equal(smtp.mails.length, 0, 'nothing sent');

		// The longest quote: a question of one letter and line breaks doubles in the mail ("> ").
		const lines = `x${'\n'.repeat(3999)}`;
		expect(await leave(srv, { question: lines, email: 'lines@example.org' }), 201, null, 'a question of line breaks');
		const ann = await srv.session('ann');
		const f = (await listOf(srv, ann)).followups.find((g) => g.question === lines);
		expect(await answer(srv, ann, f.id, 'Noted.'), 200, null, 'answer it');
		await eventually(() => smtp.mails.length === 1, 10000, 'its mail');
		// "x", then 3,998 empty lines before the last break.
		assert.equal(smtp.mails[0].body.split('\r\n').filter((l) => l === '> ').length, 3998, 'every line quoted');
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test("the answer's mail speaks the language the question was asked in", { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port) });
	const words = (lang) => JSON.parse(readFileSync(path.join(repoRoot, 'web/shared/i18n', `${lang}.json`), 'utf8'));
	try {
		const ann = await srv.session('ann');
		// fr-CA is answered in French, as the box would show it; a language not offered in English.
		for (const [lang, as] of [['fr-CA', 'fr'], ['ar', 'ar'], ['pt-BR', 'en'], [undefined, 'en']]) {
			const email = `pat-${as}-${lang ?? 'none'}@example.org`.toLowerCase();
			const question = `Question in ${lang}?`;
			expect(await leave(srv, { question, email, ...(lang && { lang }) }), 201, null, `a question in ${lang}`);
			const f = (await listOf(srv, ann)).followups.find((g) => g.question === question);
			expect(await answer(srv, ann, f.id, `Answer ${lang}`), 200, null, 'answer');
			await eventually(() => smtp.mails.some((m) => m.to[0] === email), 10000, `the mail in ${as}`);
			const m = smtp.mails.find((x) => x.to[0] === email);
			const w = words(as);
			assert.equal(m.headers.subject, w['mail.answer.subject'].replace('{queue}', 'Alpha Ask'), lang);
			const when = w['mail.answer.asked'].split('{when}');
			assert.match(m.body, new RegExp(`${when[0]}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC${when[1]}\r\n> ${question.replace('?', '\\?')}`), lang);
			assert.ok(m.body.includes(w['mail.answer.erased']), `${lang}: ${m.body}`);
		}
		assert.deepEqual(db(srv, 'SELECT lang FROM followups ORDER BY id').split('\n'), ['fr', 'ar', 'en', 'en']);
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test("a library's own catalogue words with a tab or a control character still make a mail", { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const web = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-web-'));
	await fs.cp(path.join(repoRoot, 'web'), web, { recursive: true });
	const fr = JSON.parse(await fs.readFile(path.join(web, 'shared/i18n/fr.json'), 'utf8'));
	fr['mail.answer.subject'] = 'Réponse\tà votre\u0007 question\r\nBcc: x@example.net — {queue}';
	fr['mail.answer.asked'] = 'Le {when}\u0001 :';
	await fs.writeFile(path.join(web, 'shared/i18n/fr.json'), JSON.stringify(fr));
	const srv = await startServer({ args: [...smtpArgs(smtp.port), '--web', web] });
	try {
		const ann = await srv.session('ann');
		expect(await leave(srv, { question: 'Ouvert ?', email: 'tab@example.org', lang: 'fr' }), 201, null, 'leave');
		const f = (await listOf(srv, ann)).followups[0];
		expect(await answer(srv, ann, f.id, 'Oui.'), 200, null, 'answer');
		await eventually(async () => (await listOf(srv, ann)).followups[0].status !== 'sending', 10000, 'sent');
		assert.equal((await listOf(srv, ann)).followups[0].status, 'answered');
		assert.equal(smtp.mails.length, 1);
		assert.equal(smtp.mails[0].headers.subject, 'Réponse à votre question Bcc: x@example.net — Alpha Ask');
		assert.equal(smtp.mails[0].headers.bcc, undefined);
		assert.match(smtp.mails[0].body, /\r\nLe \d{4}-\d\d-\d\d \d\d:\d\d UTC :\r\n> Ouvert \?/);
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
		await fs.rm(web, { recursive: true, force: true });
	}
});

test('floods: five questions an hour per address (an IPv6 /64 is one), twenty at once per chat box', { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port, ['--trusted-proxy', '127.0.0.1']) });
	try {
		const ask = (ip, i) => leave(srv, { question: `Question ${i}`, email: `p${i}@example.org` }, { 'x-forwarded-for': ip });
		for (let i = 0; i < 5; i++)
			expect(await ask('203.0.113.1', i), 201, null, `question ${i + 1} from one address`);
		const sixth = await ask('203.0.113.1', 5);
		expect(sixth, 429, 'rate_limited', 'the sixth from one address');
		assert.ok(Number(sixth.headers.get('retry-after')) > 0);
		// Other addresses go on, until the box has taken twenty.
		let n = 5;
		for (let ip = 2; n < 20; ip++)
			for (let k = 0; k < 5 && n < 20; k++, n++)
				expect(await ask(`203.0.113.${ip}`, n), 201, null, `question ${n + 1}`);
		expect(await ask('198.51.100.9', 99), 429, 'rate_limited', 'the 21st into one box');
		// Another box is not held up by this one.
		expect(await leave(srv, { question: 'Hi', email: 'q@example.org' }, { 'x-forwarded-for': '198.51.100.10' }, 'beta'),
			201, null, 'another queue');
		// An IPv6 host spreading over its /64 is one address; the next /64 is another.
		const beta = (ip, i) => leave(srv, { question: `Q6 ${i}`, email: `v${i}@example.org` }, { 'x-forwarded-for': ip }, 'beta');
		for (let i = 1; i <= 5; i++)
			expect(await beta(`2001:db8:1:2::${i}`, i), 201, null, `question ${i} from one /64`);
		expect(await beta('2001:db8:1:2:ffff:ffff:ffff:9', 6), 429, 'rate_limited', 'the sixth from the same /64');
		expect(await beta('2001:db8:1:3::1', 7), 201, null, 'the next /64');
		assert.equal(db(srv, 'SELECT count(*) FROM followups'), '27');
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test('SMTP down: the mail is retried, then shown as not delivered; staff may answer again', { timeout: 60000 }, async () => {
	const port = await freePort(); // nothing listens there yet
	const srv = await startServer({ args: smtpArgs(port, ['--smtp-attempts', '3', '--smtp-retry-secs', '1']) });
	let smtp;
	try {
		expect(await leave(srv, { question: 'Is the reading room open?', email: 'pat@example.org' }), 201, null, 'leave');
		const ann = await srv.session('ann');
		const [f] = (await listOf(srv, ann)).followups;
		expect(await answer(srv, ann, f.id, 'Yes, until 8 pm.'), 200, null, 'answer');
		const seen = new Set();
		await eventually(async () => {
			const g = (await listOf(srv, ann)).followups[0];
			seen.add(g.status);
			return g.status === 'not_delivered';
		}, 20000, 'not delivered');
		const g = (await listOf(srv, ann)).followups[0];
		assert.ok(seen.has('sending'), `seen ${[...seen]}: ${JSON.stringify(g)}`);
		assert.equal(g.attempts, 3, 'tried three times');
		assert.ok(g.error && g.error.length > 3, 'the reason is shown');
		assert.equal(g.has_address, true, 'the address stays for another try');
		assert.equal((await listOf(srv, ann)).waiting, 1, 'counted as waiting again');

		// Once the mail server is back, Answer again delivers it.
		smtp = await startSmtp({ port, ...tls });
		expect(await answer(srv, ann, f.id, 'Yes, until 8 pm (second try).'), 200, null, 'answer again');
		await eventually(async () => (await listOf(srv, ann)).followups[0].status === 'answered', 10000, 'delivered');
		assert.equal(smtp.mails.length, 1);
		assert.match(smtp.mails[0].body, /second try/);
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp?.close();
	}
});

test('an answer waiting in the outbox survives a restart and goes out once the server is back', { timeout: 60000 }, async () => {
	const port = await freePort();
	const srv = await startServer({ args: smtpArgs(port, ['--smtp-attempts', '10', '--smtp-retry-secs', '1']) });
	let smtp;
	try {
		expect(await leave(srv, { question: 'Can I renew online?', email: 'renew@example.org' }), 201, null, 'leave');
		const ann = await srv.session('ann');
		const [f] = (await listOf(srv, ann)).followups;
		expect(await answer(srv, ann, f.id, 'Yes, from your account page.'), 200, null, 'answer');
		await eventually(async () => (await listOf(srv, ann)).followups[0].attempts >= 1, 10000, 'a failed try');
		await srv.stop();
		assert.equal(db(srv, 'SELECT status FROM followups'), '1', 'still in the outbox');
		smtp = await startSmtp({ port, ...tls });
		await srv.restart();
		await until(() => smtp.mails.length === 1, 15000, 'the mail after the restart');
		assert.deepEqual(smtp.mails[0].to, ['renew@example.org']);
		const ann2 = await srv.session('ann');
		await eventually(async () => (await listOf(srv, ann2)).followups[0].status === 'answered', 5000, 'answered');
		assert.equal(db(srv, 'SELECT count(*) FROM followups WHERE email IS NOT NULL'), '0');
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp?.close();
	}
});

test('Email transcript: built by the server from the stored chat, at most once per chat', { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port) });
	try {
		const op = await operator(srv, 'ann');
		await setAvailable(op, 'alpha', true);
		const c = await openChat(srv, op, 'alpha', 'Pat');
		const said = await c.guest.request({ type: 'msg.send', chat: c.chat, text: 'Where are the atlases?' });
		assert.equal(said.type, 'ack');
		await op.request({ type: 'msg.send', chat: c.chat, text: 'Second floor, <b>map room</b>.' });
		const mail = (chat, token, body) => srv.request('POST', `/api/chats/${chat}/email`,
			{ body, headers: token ? { authorization: `Bearer ${token}` } : {} });

		// Not while the chat goes on: its text is still the guest's to choose.
		expect(await mail(c.chat, c.token, { email: 'pat@example.org' }), 409, 'not_ended', 'a chat still going on');
		// A chat nobody answered: the guest could type anything into it and mail it to a victim.
		const lone = await startChat(srv, 'alpha', 'Lone');
		await lone.guest.request({ type: 'msg.send', chat: lone.chat, text: 'Your account is locked: visit evil.example' });
		expect(await mail(lone.chat, lone.token, { email: 'victim@example.org' }), 409, 'not_ended', 'a waiting chat');
		assert.equal((await lone.guest.request({ type: 'chat.end', chat: lone.chat })).type, 'ack');
		expect(await mail(lone.chat, lone.token, { email: 'victim@example.org' }), 409, 'not_answered', 'an unanswered chat');
		assert.equal((await c.guest.request({ type: 'chat.end', chat: c.chat })).type, 'ack');

		const other = await startChat(srv, 'alpha', 'Other');
		expect(await mail(c.chat, other.token, { email: 'pat@example.org' }), 404, 'not_found', "another chat's token");
		expect(await mail(c.chat, null, { email: 'pat@example.org' }), 404, 'not_found', 'no token');
		expect(await mail(c.chat, c.token, { email: 'pat@example.org\r\nBcc: x@example.net' }), 400, 'bad_email', 'CR/LF');
		expect(await mail(c.chat, c.token, { email: 'nope' }), 400, 'bad_email', 'a bad address');
		expect(await mail(c.chat, c.token, { email: 'pat@example.org', html: '<h1>Win!</h1>' }), 400, 'bad_request',
			'browser-supplied content');
		expect(await mail(c.chat, c.token, { email: 'pat@example.org', text: 'Click here' }), 400, 'bad_request',
			'browser-supplied text');

		expect(await mail(c.chat, c.token, { email: 'pat@example.org' }), 202, null, 'email transcript');
		expect(await mail(c.chat, c.token, { email: 'someone@example.net' }), 409, 'already_sent', 'a second time');
		await until(() => smtp.mails.length === 1, 10000, 'the transcript mail');
		await sleep(300);
		assert.equal(smtp.mails.length, 1);
		const m = smtp.mails[0];
		assert.deepEqual(m.to, ['pat@example.org']);
		assert.equal(m.headers.subject, 'Your chat: Alpha Ask');
		assert.match(m.headers['content-type'], /^text\/plain/);
		assert.match(m.body, /Pat \(guest\): Where are the atlases\?/);
		assert.match(m.body, /Ann Alpha \(librarian\): Second floor, <b>map room<\/b>\./);
		assert.equal(db(srv, 'SELECT count(*) FROM chat_mailed'), '1');
		assert.equal(columns(srv, 'chat_mailed').filter((c) => /email/.test(c)).length, 0);
		assert.ok(!fsContains(srv, 'pat@example.org'), 'the address is not stored');

		// Three mails an hour per address; the refused ones (already sent, not ended) are not counted.
		const ended = async (name) => {
			const e = await openChat(srv, op, 'alpha', name);
			assert.equal((await e.guest.request({ type: 'chat.end', chat: e.chat })).type, 'ack');
			return e;
		};
		const more = await ended('More');
		expect(await mail(more.chat, more.token, { email: 'm1@example.org' }), 202, null, 'the second mail');
		const third = await ended('Third');
		expect(await mail(third.chat, third.token, { email: 'm3@example.org' }), 202, null, 'the third mail');
		const fourth = await ended('Fourth');
		expect(await mail(fourth.chat, fourth.token, { email: 'm4@example.org' }), 429, 'rate_limited', 'the fourth');
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test('Email transcript: a chat over 512 KiB of text is refused with a clear error, and nothing is sent', { timeout: 60000 }, async () => {
	const smtp = await startSmtp({ port: await freePort(), ...tls });
	const srv = await startServer({ args: smtpArgs(smtp.port, ['--msg-rate', '1000', '--msg-burst', '1000']) });
	try {
		const op = await operator(srv, 'ann');
		await setAvailable(op, 'alpha', true);
		const c = await openChat(srv, op, 'alpha', 'Pat');
		const line = 'x'.repeat(3990);
		for (let i = 0; i < 135; i++)
			assert.equal((await c.guest.request({ type: 'msg.send', chat: c.chat, text: `${i} ${line}` })).type, 'ack');
		assert.equal((await c.guest.request({ type: 'chat.end', chat: c.chat })).type, 'ack');
		const r = await srv.request('POST', `/api/chats/${c.chat}/email`,
			{ body: { email: 'pat@example.org' }, headers: { authorization: `Bearer ${c.token}` } });
		expect(r, 413, 'too_large', 'a very long chat');
		assert.match(r.json.error.message, /Save transcript/);
		await sleep(300);
		assert.equal(smtp.mails.length, 0);
		assert.equal(db(srv, 'SELECT count(*) FROM chat_mailed'), '0');
		await srv.stop();
	} finally {
		await srv.cleanup();
		await smtp.close();
	}
});

test('Email transcript: when every try fails, the chat may be mailed again', { timeout: 60000 }, async () => {
	const port = await freePort(); // nothing listens there
	const srv = await startServer({ args: smtpArgs(port, ['--smtp-attempts', '2', '--smtp-retry-secs', '1']) });
	try {
		const op = await operator(srv, 'ann');
		await setAvailable(op, 'alpha', true);
		const c = await openChat(srv, op, 'alpha', 'Pat');
		assert.equal((await c.guest.request({ type: 'chat.end', chat: c.chat })).type, 'ack');
		const mail = () => srv.request('POST', `/api/chats/${c.chat}/email`,
			{ body: { email: 'pat@example.org' }, headers: { authorization: `Bearer ${c.token}` } });
		expect(await mail(), 202, null, 'email transcript');
		expect(await mail(), 409, 'already_sent', 'while it is being tried');
		await eventually(async () => db(srv, 'SELECT count(*) FROM chat_mailed') === '0', 20000,
			'the mark forgotten after the last failed try');
		expect(await mail(), 202, null, 'asked again after the mail failed');
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

/** Whether `needle` is anywhere in the data directory's database. */
function fsContains(srv, needle) {
	return storeContains(srv.dataDir, needle);
}

test('without --smtp-url there are no follow-ups: the box is told, the routes refuse', { timeout: 30000 }, async () => {
	const srv = await startServer();
	try {
		assert.equal((await srv.request('GET', '/api/queues/alpha')).json.mail, false);
		expect(await leave(srv, { question: 'Hello?', email: 'pat@example.org' }), 409, 'unavailable', 'leave');
		const ann = await srv.session('ann');
		const l = await listOf(srv, ann);
		assert.equal(l.mail, false);
		assert.deepEqual(l.followups, []);
		expect(await answer(srv, ann, 1, 'Hi'), 409, 'unavailable', 'answer');
		const op = await operator(srv, 'ann');
		await setAvailable(op, 'alpha', true);
		const c = await startChat(srv, 'alpha', 'Pat');
		const r = await srv.request('POST', `/api/chats/${c.chat}/email`,
			{ body: { email: 'pat@example.org' }, headers: { authorization: `Bearer ${c.token}` } });
		expect(r, 409, 'unavailable', 'email transcript');
		assert.equal(db(srv, 'SELECT count(*) FROM followups'), '0');
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

test('refdesk refuses mail options it cannot use, before starting', async () => {
	const { runBinary } = await import('../lib/server.mjs');
	for (const [args, want] of [
		[['--smtp-url', 'http://127.0.0.1:25', '--smtp-from', 'a@b.example'], /smtp-url/],
		[['--smtp-url', 'smtp://127.0.0.1:25'], /needs --smtp-from/],
		[['--smtp-url', 'smtp://127.0.0.1:25', '--smtp-from', 'A <a@b.example>\r\nBcc: x@y.example'], /smtp-from/],
		[['--smtp-url', 'smtp://127.0.0.1:25', '--smtp-from', 'a@b.example', '--smtp-user', 'u'], /go together/],
		// A password in the URL would be written to the log.
		[['--smtp-url', 'smtp://ask:secret@127.0.0.1:25', '--smtp-from', 'a@b.example'], /--smtp-user and --smtp-password-file/],
		[['--smtp-url', 'smtp://127.0.0.1:25', '--smtp-from', `${'A'.repeat(201)} <a@b.example>`], /smtp-from/],
	]) {
		const r = await runBinary(['limits', ...args]);
		assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
		assert.match(r.stderr, want);
	}
});
