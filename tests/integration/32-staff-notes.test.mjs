// 32-staff-notes: staff notes in a chat (PROTOCOL §3.10). A note goes to the chat's staff
// channel: every operator socket of the account that follows the chat hears it, with its own
// number; nothing of it reaches the guest — not a live guest socket, not a guest's resume
// (whose seqs stay contiguous), not the transcripts (Chat History's downloads), not Email
// transcript, not the events table. Another account's operator, a guest socket, an empty
// or oversized note and an ended chat are refused; a retried id stores one note; a deleted
// transcript takes its notes along, and so does the queue's retention purge of text.
//
// Sign-in attempts are limited to 10 a minute per address: this file makes 6.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, makeCertificate, startServer } from '../lib/server.mjs';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from '../lib/smtp.mjs';
import { show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, say, setAvailable, until } from './lib/flows.mjs';

const SECRET = 'NOTE-SECRET-7f3a';

let tmp;
let tls;
let pwFile;
let smtp;
let srv;
let ann;  // holds the chats
let bob;  // admin of the same account, a colleague following the chat
let cat;  // another library's admin
before(async () => {
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-notes-'));
	tls = makeCertificate(tmp);
	pwFile = path.join(tmp, 'smtp-password');
	await fs.writeFile(pwFile, `${SMTP_PASSWORD}\n`);
	smtp = await startSmtp({ port: await freePort(), ...tls });
	srv = await startServer({ args: ['--smtp-url', `smtp://127.0.0.1:${smtp.port}`, '--smtp-user', SMTP_USER,
		'--smtp-password-file', pwFile, '--smtp-from', 'Alpha Ask <ask@alpha.example>',
		'--smtp-ca-file', tls.cert, '--purge-interval-secs', '1'] });
	ann = await operator(srv, 'ann');
	bob = await operator(srv, 'bob');
	cat = await operator(srv, 'cat');
	await setAvailable(ann, 'alpha', true);
});
after(async () => {
	await srv?.close();
	await smtp?.close();
	await fs.rm(tmp, { recursive: true, force: true });
});

const db = (text) => srv.sql(text).trim();
const note = (op, chat, text, extra = {}) => op.request({ type: 'note.send', chat, text, ...extra });
const hasSecret = (f) => JSON.stringify(f).includes(SECRET);

/** Every frame a guest socket got: none names a note or carries a note's words. */
function guestClean(g, what) {
	for (const f of g.all()) {
		assert.ok(!hasSecret(f), `${what} received a note's words: ${show(f)}`);
		assert.ok(f.type !== 'note' && f.type !== 'notes', `${what} received a note frame: ${show(f)}`);
	}
}

/** The events of `chat` on `g` have seqs after..last with no gap. */
function contiguous(g, chat, from, what) {
	const seqs = g.events(chat).map((e) => e.seq);
	assert.ok(seqs.length > 0, `${what}: no events`);
	seqs.forEach((s, i) => assert.equal(s, from + i, `${what}: seqs ${seqs.join(',')} have a gap`));
	return seqs;
}

test('a note reaches the staff following the chat, with its own number, and no guest', async () => {
	const c = await openChat(srv, ann, 'alpha', 'Pat');
	isOk(await bob.request({ type: 'chat.join', chat: c.chat, after: 0 }), "bob's chat.join");
	const bobNotes = await bob.next((f) => f.type === 'notes' && f.chat === c.chat, 5000, 'notes on join');
	assert.deepEqual(bobNotes.notes, [], 'no notes yet');
	const ask = await say(c.guest, c.chat, 'Do you have the 1910 census?');

	const r = isOk(await note(ann, c.chat, `  ${SECRET} she may need the microfilm reader  `), 'note.send');
	assert.equal(r.chat, c.chat);
	assert.equal(r.seq, 1, 'notes are numbered from 1 in each chat, apart from the events');
	for (const [op, who] of [[ann, 'ann (holder)'], [bob, 'bob (colleague)']]) {
		const n = await op.next((f) => f.type === 'note' && f.chat === c.chat, 5000, `the note on ${who}`);
		assert.deepEqual({ ...n.note, at: 0 }, { seq: 1, operator_id: ann.hello.operator.id, name: 'Ann Alpha',
			text: `${SECRET} she may need the microfilm reader`, cid: r.id, at: 0 }, who);
		assert.ok(Math.abs(n.note.at - Date.now()) < 60000, 'at is a time in ms');
	}
	// A colleague who does not hold the chat may write one too (that is what notes are for).
	const r2 = isOk(await note(bob, c.chat, `${SECRET} second: try the county archive`), "bob's note");
	assert.equal(r2.seq, 2);
	await ann.next((f) => f.type === 'note' && f.note?.seq === 2, 5000, "bob's note on ann");

	// The guest's next message follows on the events' sequence with no gap.
	const reply = await say(ann, c.chat, 'Let me look.');
	assert.equal(reply.seq, ask.seq + 1, 'the notes took no event seq');
	await c.guest.event(c.chat, reply.seq);
	const more = await say(c.guest, c.chat, 'Thanks');
	assert.equal(more.seq, reply.seq + 1);
	await c.guest.none((f) => f.type === 'note' || hasSecret(f), 300, 'note on the guest socket');
	guestClean(c.guest, 'the live guest socket');
	contiguous(c.guest, c.chat, 1, 'the live guest socket');

	// A guest's resume, from the start and from the middle: contiguous, no notes.
	for (const afterSeq of [0, ask.seq - 1, ask.seq]) {
		const g = await guest(srv, `resume-${afterSeq}`);
		const j = isOk(await g.request({ type: 'chat.join', chat: c.chat, token: c.token, after: afterSeq }), 'guest resume');
		await g.event(c.chat, j.seq);
		await g.none(() => false, 200);
		guestClean(g, `a guest resume after ${afterSeq}`);
		contiguous(g, c.chat, afterSeq + 1, `a guest resume after ${afterSeq}`);
		assert.equal(g.events(c.chat).at(-1).seq, more.seq);
		await g.close();
	}

	// A new operator socket that joins gets the notes with its join, in order.
	const late = await operator(srv, 'bob', 'bob-late');
	isOk(await late.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'late chat.join');
	const got = await late.next((f) => f.type === 'notes' && f.chat === c.chat, 5000, 'notes on join');
	assert.deepEqual(got.notes.map((n) => [n.seq, n.name, n.text]),
		[[1, 'Ann Alpha', `${SECRET} she may need the microfilm reader`], [2, 'Bob Alpha', `${SECRET} second: try the county archive`]]);
	await late.close();

	// Chat History's record carries them for staff; the event list and both downloads do not.
	const h = await srv.request('GET', `/api/history/${c.chat}`, { session: ann.session });
	assert.equal(h.status, 200, h.text);
	assert.deepEqual(h.json.notes.map((n) => n.seq), [1, 2]);
	assert.ok(!JSON.stringify(h.json.events).includes(SECRET), 'a note among the events');
	assert.ok(h.json.events.every((e, i) => e.seq === i + 1), 'history events contiguous');
	const only = await srv.request('GET', `/api/history/${c.chat}?events=0`, { session: ann.session });
	assert.deepEqual(only.json.notes, [], 'the record alone carries no notes');
	for (const file of ['transcript.html', 'transcript.txt']) {
		const t = await srv.request('GET', `/api/history/${c.chat}/${file}`, { session: bob.session });
		assert.equal(t.status, 200, t.text);
		assert.ok(t.text.includes('Do you have the 1910 census?'), `${file} holds the chat`);
		assert.ok(!t.text.includes(SECRET), `${file} holds a note`);
	}
	// The guest's token opens none of the staff routes.
	for (const p of [`/api/history/${c.chat}`, `/api/history/${c.chat}/transcript.txt`, `/api/history/${c.chat}/transcript.html`]) {
		const g = await srv.request('GET', p, { headers: { authorization: `Bearer ${c.token}` } });
		assert.equal(g.status, 401, `${p} with the guest's token: ${g.status}`);
		assert.ok(!g.text.includes(SECRET));
	}
	assert.equal(db(`SELECT count(*) FROM events WHERE body LIKE '%${SECRET}%'`), '0', 'a note in the events table');
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE text LIKE '%${SECRET}%'`), '2');

	// Email transcript, once the chat has ended: the chat's words, none of the notes'.
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const m = await srv.request('POST', `/api/chats/${c.chat}/email`,
		{ body: { email: 'pat@example.org' }, headers: { authorization: `Bearer ${c.token}` } });
	assert.equal(m.status, 202, m.text);
	await until(() => smtp.mails.length === 1, 10000, 'the transcript mail');
	assert.match(smtp.mails[0].body, /1910 census/);
	assert.ok(!smtp.mails[0].body.includes(SECRET), 'the mailed transcript holds a note');
	guestClean(c.guest, 'the guest socket, at the end');
	// The ended chat's staff followers still got nothing odd; a note now is refused.
	isError(await note(ann, c.chat, 'too late'), 'chat_ended', 'a note on an ended chat');
});

test('refusals: another library, a guest socket, made-up chats, empty and oversized notes', async () => {
	const c = await openChat(srv, ann, 'alpha', 'Quinn');
	const before = db('SELECT count(*) FROM staff_notes');
	isError(await note(cat, c.chat, 'from another library'), 'not_found', "another account's admin");
	isError(await note(ann, 'no-such-chat', 'x'), 'not_found', 'a made-up chat');
	isError(await c.guest.request({ type: 'note.send', chat: c.chat, text: 'from the guest' }), 'unknown_type',
		'a guest socket');
	isError(await note(ann, c.chat, ''), 'bad_message', 'an empty note');
	isError(await note(ann, c.chat, ' \n\t '), 'bad_message', 'a note of white space');
	isError(await note(ann, c.chat, 'é'.repeat(4001)), 'too_long', 'a note of 4,001 characters');
	isError(await ann.request({ type: 'note.send', chat: c.chat }), 'bad_message', 'no text');
	isError(await ann.request({ type: 'note.send', chat: c.chat, text: 5 }), 'bad_message', 'text not a string');
	isError(await note(ann, c.chat, 'x', { to: 'guest' }), 'bad_message', 'an unknown field');
	assert.equal(db('SELECT count(*) FROM staff_notes'), before, 'a refused note was stored');
	await cat.none((f) => f.type === 'note' || f.type === 'notes', 200, 'a note frame in another library');

	// The longest note passes; the same id again stores nothing new and is answered alike.
	const longest = 'é'.repeat(4000);
	const id = 'note-retry-1';
	const a = isOk(await note(ann, c.chat, longest, { id }), 'a note of 4,000 characters');
	await ann.next((f) => f.type === 'note' && f.note?.seq === a.seq, 5000, 'the long note');
	const mark = ann.mark();
	const b = isOk(await note(ann, c.chat, 'another text, same id', { id }), 'the same id again');
	assert.equal(b.seq, a.seq, 'a retry is the same note');
	await ann.none((f) => f.type === 'note', 300, 'a second fan-out of a retried note', mark);
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE cid = '${id}'`), '1');
	// Another operator using the same id writes a note of their own.
	const d = isOk(await note(bob, c.chat, 'bob, same id', { id }), "bob's note with ann's id");
	assert.equal(d.seq, a.seq + 1);
	guestClean(c.guest, 'the guest socket');
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
});

test('a deleted transcript takes its notes along', async () => {
	const c = await openChat(srv, ann, 'alpha', 'Rae');
	isOk(await note(ann, c.chat, `${SECRET} to be deleted`), 'note.send');
	isAck(await ann.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const id = db(`SELECT id FROM chats WHERE public_id = '${c.chat}'`);
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE chat_id = ${id}`), '1');
	const del = await srv.request('POST', `/api/history/${c.chat}/delete`, { session: bob.session, body: {} });
	assert.equal(del.status, 200, del.text);
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE chat_id = ${id}`), '0', 'the notes outlived the transcript');
	const h = await srv.request('GET', `/api/history/${c.chat}`, { session: ann.session });
	assert.deepEqual(h.json.notes, []);
});

test('the retention purge of a chat\'s text takes its notes too', { timeout: 30000 }, async () => {
	const c = await openChat(srv, ann, 'alpha', 'Sam');
	isOk(await note(ann, c.chat, `${SECRET} purged with the text`), 'note.send');
	isAck(await ann.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	const id = db(`SELECT id FROM chats WHERE public_id = '${c.chat}'`);
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE chat_id = ${id}`), '1');
	// Last in this file: a rule keeping text 0 days purges every ended chat of the queue.
	const rule = await srv.request('POST', '/api/admin/queues/alpha/retention',
		{ session: bob.session, body: { text_days: 0, files_days: 0, keep_names: false } });
	assert.equal(rule.status, 200, rule.text);
	await until(() => db(`SELECT count(*) FROM chats WHERE id = ${id} AND deleted_at IS NOT NULL`) === '1', 10000, 'the purge');
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE chat_id = ${id}`), '0', 'notes outlived the purged text');
	assert.equal(db(`SELECT count(*) FROM staff_notes WHERE text LIKE '%${SECRET}%'`), '0', 'notes of purged chats remain');
});
