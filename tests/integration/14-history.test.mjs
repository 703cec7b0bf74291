// 14-history: Chat History and the chat management page (PROTOCOL.md §2.7) — search within one
// account, paging and filters, deleting a transcript, another account's chats looking missing,
// and the management link's sign-in, token and grace period.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isAck, isOk, openChat, operator, randomText, say, setAvailable, startChat } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { startServer } from '../lib/server.mjs';
import { uploadOk } from '../lib/upload.mjs';

let srv, bob, catWs, ann, cat;
const chats = {};

before(async () => {
	srv = await startServer({ args: ['--upload-burst', '40'] });
	bob = await operator(srv, 'bob');
	catWs = await operator(srv, 'cat');
	await setAvailable(bob, 'alpha', true);
	await setAvailable(catWs, 'beta', true);
	ann = await srv.session('ann');
	cat = await srv.session('cat');

	chats.pat = await openChat(srv, bob, 'alpha', 'Pat');
	await say(chats.pat.guest, chats.pat.chat, 'Where can I find the périodiques about marmalade?');
	await say(bob, chats.pat.chat, 'Second floor, <b>shelf</b> 12 & beyond.');
	chats.beta = await openChat(srv, catWs, 'beta', 'Bea');
	await say(chats.beta.guest, chats.beta.chat, 'Do you lend marmalade recipes? zebrafish too');
	chats.quinn = await openChat(srv, bob, 'alpha', 'Quinn');
	await say(chats.quinn.guest, chats.quinn.chat, 'I need zebrafish papers');
	isAck(await bob.request({ type: 'chat.end', chat: chats.quinn.chat }), 'chat.end');
});

after(async () => {
	for (const c of [bob, catWs, ...Object.values(chats).map((c) => c.guest)])
		await c?.close();
	await srv?.close();
});

const list = (session, query = '') => srv.request('GET', `/api/history${query}`, { session });
const ids = (r) => r.json.chats.map((c) => c.chat);

test('the list: newest first, with queue, operator, times, status and counts', async () => {
	const r = await list(ann);
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(ids(r), [chats.quinn.chat, chats.pat.chat]);
	const [quinn, pat] = r.json.chats;
	assert.equal(pat.queue, 'alpha');
	assert.equal(pat.queue_title, 'Alpha Ask');
	assert.equal(pat.status, 'active');
	assert.equal(pat.name, 'Pat');
	assert.equal(pat.operator.name, 'Bob Alpha');
	assert.equal(pat.messages, 2);
	assert.equal(pat.snapshots, 0);
	assert.ok(pat.started_at > 0 && pat.duration_ms >= 0);
	assert.equal(quinn.status, 'ended');
	assert.ok(quinn.ended_at >= quinn.started_at);
	assert.equal(quinn.duration_ms, quinn.ended_at - quinn.started_at);
	assert.match(pat.manage_url, /^\/staff\/chat\/c_[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{32}$/);
	assert.equal(r.json.next, null);
	assert.equal((await list(null)).status, 401, 'signed out');
});

test('search finds a word said in one chat, and never in another account\'s', async () => {
	const r = await list(ann, '?q=marmalade');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(ids(r), [chats.pat.chat]);
	const parts = r.json.chats[0].snippet;
	assert.ok(parts.some((p) => p.hit && /marmalade/i.test(p.text)), JSON.stringify(parts));
	assert.ok(parts.some((p) => !p.hit), 'text around the match');

	const b = await list(cat, '?q=marmalade');
	assert.deepEqual(ids(b), [chats.beta.chat], 'the other account finds only its own');
	assert.deepEqual(ids(await list(ann, '?q=zebrafish')), [chats.quinn.chat]);
	// Accents folded, whole words or prefixes, several words, quoting and FTS syntax taken as plain words.
	assert.deepEqual(ids(await list(ann, '?q=periodiques')), [chats.pat.chat]);
	assert.deepEqual(ids(await list(ann, '?q=marma')), [], 'whole words only');
	assert.deepEqual(ids(await list(ann, '?q=marma*')), [chats.pat.chat], 'a prefix when asked for');
	assert.deepEqual(ids(await list(ann, `?q=${encodeURIComponent('shelf marmalade')}`)), [chats.pat.chat]);
	assert.deepEqual(ids(await list(ann, `?q=${encodeURIComponent('shelf zebrafish')}`)), []);
	for (const q of ['"', 'NEAR(a b)', 'a OR', '*', '(', 'col:x', '^x', '<b>', '\u00e9\u0301'])
		assert.equal((await list(ann, `?q=${encodeURIComponent(q)}`)).status, 200, `search ${q}`);
	// Markup in a message comes back as text in a part, never split into tags.
	const s = await list(ann, '?q=shelf');
	assert.ok(s.json.chats[0].snippet.map((p) => p.text).join('').includes('<b>shelf</b> 12 & beyond'));
	assert.equal((await list(ann, `?q=${'x'.repeat(300)}`)).status, 400, 'too long');
	// An encoded "&" stays inside the search words: it never becomes another argument.
	const amp = await list(ann, `?q=${encodeURIComponent('zebrafish&limit=0')}`);
	assert.equal(amp.status, 200, amp.text);
});

test('paging and filters', async () => {
	// Five more chats, the last two taken by ann (on the alpha queue too).
	const annWs = await operator(srv, 'ann');
	try {
		const extra = [];
		for (let i = 0; i < 3; i++) {
			extra.push(await openChat(srv, bob, 'alpha', `Page ${i}`));
			await say(extra[i].guest, extra[i].chat, `pagination check ${i} then more about the reading rooms`);
			await say(bob, extra[i].chat, `Reply ${i} about the reading rooms`);
		}
		await setAvailable(bob, 'alpha', false);
		await setAvailable(annWs, 'alpha', true);
		for (let i = 3; i < 5; i++)
			extra.push(await openChat(srv, annWs, 'alpha', `Page ${i}`));
		const all = ids(await list(ann, '?limit=100'));
		assert.equal(all.length, 7);
		const seen = [];
		let next = '';
		for (let n = 0; n < 4; n++) {
			const r = await list(ann, `?limit=3${next ? `&before=${next}` : ''}`);
			assert.equal(r.status, 200, r.text);
			seen.push(...ids(r));
			if (!r.json.next)
				break;
			next = r.json.next;
		}
		assert.deepEqual(seen, all, 'pages follow each other with nothing skipped or repeated');

		// Search results page the same way, each chat once, newest first.
		const found = [];
		next = '';
		for (let n = 0; n < 5; n++) {
			const r = await list(ann, `?q=reading%20rooms&limit=1${next ? `&before=${next}` : ''}`);
			assert.equal(r.status, 200, r.text);
			found.push(...ids(r));
			if (!r.json.next)
				break;
			next = r.json.next;
		}
		assert.deepEqual(found, extra.slice(0, 3).map((c) => c.chat).reverse());
		assert.deepEqual(ids(await list(ann, '?q=pagination%20reply%201')), [extra[1].chat], 'words from two messages of one chat');

		const annId = annWs.hello.operator.id;
		assert.deepEqual(ids(await list(ann, `?operator=${annId}`)), extra.slice(3).map((c) => c.chat).reverse());
		assert.deepEqual(ids(await list(ann, '?status=ended')), [chats.quinn.chat]);
		assert.equal(ids(await list(ann, '?status=active&queue=alpha')).length, 6);
		const quinn = (await list(ann, '?status=ended')).json.chats[0];
		assert.deepEqual(ids(await list(ann, `?from=${quinn.started_at}&to=${quinn.started_at + 1}`)), [chats.quinn.chat]);
		assert.deepEqual(ids(await list(ann, `?to=${quinn.started_at}`)), [chats.pat.chat]);
		// Another account's queue or operator is "not found"; nonsense is a bad request.
		assert.equal((await list(ann, '?queue=beta')).status, 404);
		assert.equal((await list(ann, `?operator=${catWs.hello.operator.id}`)).status, 404);
		for (const q of ['?status=gone', '?limit=0', '?limit=101', '?from=x', '?before=12', '?before=1.x', '?operator=-1'])
			assert.equal((await list(ann, q)).status, 400, q);
		for (const c of extra)
			await c.guest.close();
	} finally {
		await setAvailable(annWs, 'alpha', false);
		await annWs.close();
		await setAvailable(bob, 'alpha', true);
	}
});

test('one chat: its transcript as the webclient gets it, and both downloads', async () => {
	const snap = await uploadOk(srv, chats.pat, chats.pat.chat, png(640, 400), { headers: { 'x-file-name': 'screen.png' } });
	const r = await srv.request('GET', `/api/history/${chats.pat.chat}`, { session: ann });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.chat.snapshots, 1);
	const kinds = r.json.events.map((e) => e.kind);
	assert.deepEqual(kinds, ['notice', 'notice', 'message', 'message', 'snapshot']);
	const ev = r.json.events[4];
	assert.equal(ev.thumb, snap.thumb);
	assert.equal(ev.type, 'event');
	assert.equal(ev.from, 'guest');
	assert.equal(ev.chat, chats.pat.chat);

	const html = await srv.request('GET', `/api/history/${chats.pat.chat}/transcript.html`, { session: ann });
	assert.equal(html.status, 200);
	assert.match(html.headers.get('content-disposition'), /^attachment; filename="transcript-c_[^"]+\.html"$/);
	const csp = html.headers.get('content-security-policy');
	assert.ok(!/script-src/.test(csp) && /default-src 'none'/.test(csp) && /sandbox/.test(csp), csp);
	assert.match(html.text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/);
	assert.ok(html.text.includes('Where can I find the périodiques about marmalade?'));
	assert.ok(html.text.includes('Second floor, &lt;b&gt;shelf&lt;/b&gt; 12 &amp; beyond.'), 'escaped');
	assert.ok(!html.text.includes('<b>shelf'));
	assert.ok(!/<script/i.test(html.text));
	const thumb = await fs.readFile(path.join(srv.dataDir, 'blobs', snap.thumb.slice(0, 2), snap.thumb)).catch(() => null);
	const m = /<img src="data:image\/(png|jpeg);base64,([A-Za-z0-9+/=]+)"/.exec(html.text);
	assert.ok(m, 'the thumbnail is embedded');
	if (thumb)
		assert.ok(Buffer.from(m[2], 'base64').equals(thumb), 'the embedded bytes are the thumbnail');

	const txt = await srv.request('GET', `/api/history/${chats.pat.chat}/transcript.txt`, { session: ann });
	assert.equal(txt.status, 200);
	assert.match(txt.headers.get('content-type'), /^text\/plain/);
	assert.match(txt.text, /Pat \(guest\): Where can I find the périodiques about marmalade\?/);
	assert.match(txt.text, /Bob Alpha \(librarian\): Second floor, <b>shelf<\/b> 12 & beyond\./);
	assert.match(txt.text, /Pat \(guest\) sent a snapshot: screen\.png/);
});

test('operators of another account get "not found" for every route and link of a foreign chat', async () => {
	const own = await list(ann);
	const url = own.json.chats.find((c) => c.chat === chats.pat.chat).manage_url;
	const foreign = chats.pat.chat;
	const made = `c_${randomText(20)}`;
	for (const id of [foreign, made]) {
		for (const p of [`/api/history/${id}`, `/api/history/${id}/transcript.html`, `/api/history/${id}/transcript.txt`]) {
			const r = await srv.request('GET', p, { session: cat });
			assert.equal(r.status, 404, `${p}: ${r.text}`);
			assert.equal(r.json.error.code, 'not_found');
		}
		const d = await srv.request('POST', `/api/history/${id}/delete`, { session: cat, body: {} });
		assert.equal(d.status, 404, d.text);
	}
	const page = await srv.request('GET', url, { session: cat });
	assert.equal(page.status, 404, 'the management link, opened by another account');
	const madeUp = await srv.request('GET', url.replace(chats.pat.chat, made), { session: cat });
	assert.equal(madeUp.status, 404);
	assert.equal(page.text, madeUp.text, 'a foreign chat reads exactly like a missing one');
	assert.ok(!ids(await list(cat, '?limit=100')).includes(foreign));
});

test('the management link: sign-in first and back, the right token only', async () => {
	const url = (await list(ann)).json.chats.find((c) => c.chat === chats.pat.chat).manage_url;
	const ok = await srv.request('GET', url, { session: ann });
	assert.equal(ok.status, 200);
	assert.match(ok.text, /<title[^>]*>[^<]*Chat[^<]*<\/title>/);
	const out = await srv.request('GET', url);
	assert.equal(out.status, 302);
	assert.equal(out.headers.get('location'), `/staff/signin?next=${encodeURIComponent(url)}`);
	const wrong = url.replace(/\/[^/]+$/, `/${randomText(32)}`);
	assert.equal((await srv.request('GET', wrong, { session: ann })).status, 404, 'a wrong token');
	assert.equal((await srv.request('GET', url.replace(/\/[^/]+$/, ''), { session: ann })).status, 404, 'no token');
	assert.equal((await srv.request('GET', `${url}x`, { session: ann })).status, 404, 'a longer token');
	const ended = (await list(ann, '?status=ended')).json.chats[0].manage_url;
	assert.equal((await srv.request('GET', ended, { session: ann })).status, 200, 'ended, within the grace period');
});

test('deleting a transcript: admins only, ended chats only; text and unshared blobs go, timing stays', async () => {
	const live = chats.pat;
	const before = (await srv.request('GET', `/api/history/${live.chat}`, { session: ann })).json;
	const blob = before.events.find((e) => e.kind === 'snapshot');

	const refused = await srv.request('POST', `/api/history/${live.chat}/delete`, { session: await srv.session('bob'), body: {} });
	assert.equal(refused.status, 409, 'an active chat');
	assert.equal(refused.json.error.code, 'chat_active');
	isAck(await bob.request({ type: 'chat.end', chat: live.chat }), 'chat.end');

	const annTry = await srv.request('POST', `/api/history/${live.chat}/delete`, { session: ann, body: {} });
	assert.equal(annTry.status, 403, 'an operator who is not an admin');
	const noCsrf = await srv.request('POST', `/api/history/${live.chat}/delete`, { session: await srv.session('bob'), csrf: false, body: {} });
	assert.equal(noCsrf.status, 403);
	assert.equal(noCsrf.json.error.code, 'csrf');

	const blobFile = await findBlob(blob.blob);
	assert.ok(blobFile, 'the blob is on disk before');
	const d = await srv.request('POST', `/api/history/${live.chat}/delete`, { session: await srv.session('bob'), body: {} });
	assert.equal(d.status, 200, d.text);
	assert.ok(d.json.chat.deleted_at > 0);
	assert.equal(d.json.chat.name, null, 'the guest\'s name is forgotten');
	assert.equal(d.json.chat.started_at, before.chat.started_at, 'the timing stays');
	assert.ok(d.json.chat.ended_at > 0);
	assert.equal(d.json.chat.messages, 2, 'the counts stay, for statistics');

	const after = await srv.request('GET', `/api/history/${live.chat}`, { session: ann });
	assert.equal(after.status, 200);
	assert.deepEqual(after.json.events, []);
	assert.deepEqual(ids(await list(ann, '?q=marmalade')), [], 'the text is gone from the search index');
	assert.ok(ids(await list(ann, '?limit=100')).includes(live.chat), 'the chat is still listed');
	assert.equal(await findBlob(blob.blob), null, 'the blob file is gone');
	assert.equal(await findBlob(blob.thumb), null, 'the thumbnail file is gone');
	const gone = await fetch(`${srv.url}/api/chats/${live.chat}/blobs/${blob.blob}`, { headers: { cookie: ann.cookie } });
	assert.equal(gone.status, 404);
	// The other account's chat with the same word is untouched.
	assert.deepEqual(ids(await list(cat, '?q=marmalade')), [chats.beta.chat]);
});

test('deleting keeps a blob another chat still uses', async () => {
	const a = await openChat(srv, bob, 'alpha', 'Shared A');
	const b = await openChat(srv, bob, 'alpha', 'Shared B');
	const bytes = png(200, 120, () => [10, 200, 30]);
	const ua = await uploadOk(srv, a, a.chat, bytes, { headers: { 'x-file-name': 'same.png' } });
	const ub = await uploadOk(srv, b, b.chat, bytes, { headers: { 'x-file-name': 'same.png' } });
	assert.equal(ua.blob, ub.blob, 'the same bytes are one blob');
	isAck(await bob.request({ type: 'chat.end', chat: a.chat }));
	const d = await srv.request('POST', `/api/history/${a.chat}/delete`, { session: await srv.session('bob'), body: {} });
	assert.equal(d.status, 200, d.text);
	assert.ok(await findBlob(ua.blob), 'still on disk');
	const still = await fetch(`${srv.url}/api/chats/${b.chat}/blobs/${ub.blob}`, { headers: { authorization: `Bearer ${b.token}` } });
	assert.equal(still.status, 200);
	const old = await fetch(`${srv.url}/api/chats/${a.chat}/blobs/${ua.blob}`, { headers: { authorization: `Bearer ${a.token}` } });
	assert.equal(old.status, 404, 'but no longer the deleted chat\'s');
	await a.guest.close();
	await b.guest.close();
});

/** The path of blob `hash` under the data directory, or null. */
async function findBlob(hash) {
	const walk = async (dir) => {
		for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
			const p = path.join(dir, e.name);
			if (e.isDirectory()) {
				const found = await walk(p);
				if (found)
					return found;
			} else if (e.name === hash) {
				return p;
			}
		}
		return null;
	};
	return walk(srv.dataDir);
}

test('a management link after the grace period is refused', async () => {
	const short = await startServer({ args: ['--manage-grace-hours', '0'] });
	try {
		const op = await operator(short, 'bob');
		await setAvailable(op, 'alpha', true);
		const c = await openChat(short, op, 'alpha', 'Brief');
		const s = await short.session('bob');
		const r = await short.request('GET', '/api/history', { session: s });
		const url = r.json.chats[0].manage_url;
		assert.equal((await short.request('GET', url, { session: s })).status, 200, 'while the chat runs');
		isAck(await op.request({ type: 'chat.end', chat: c.chat }));
		await new Promise((resolve) => setTimeout(resolve, 20));
		const late = await short.request('GET', url, { session: s });
		assert.equal(late.status, 410, late.text);
		assert.match(late.text, /expired/);
		// The chat itself stays in Chat History.
		assert.equal((await short.request('GET', `/api/history/${c.chat}`, { session: s })).status, 200);
		await c.guest.close();
		await op.close();
	} finally {
		await short.stop();
		await short.cleanup();
	}
});

test('a message is found by search as soon as it is acknowledged, and counted in the list', async () => {
	// Messages are indexed in runs after their commit; a search has the index catch up first.
	const rae = await openChat(srv, bob, 'alpha', 'Rae');
	chats.rae = rae;
	// Each word is searched for right after its acknowledgment; the message before it was
	// acknowledged a moment earlier, so the writer has only just indexed.
	for (let i = 0; i < 15; i++) {
		const word = `quokka${randomText(8).replace(/[^a-z]/gi, '').toLowerCase()}x${i}`;
		await say(rae.guest, rae.chat, `sighting number ${i}`);
		await say(bob, rae.chat, `noted ${word}`);
		assert.deepEqual(ids(await list(ann, `?q=${word}`)), [rae.chat], word);
	}
	const row = (await list(ann)).json.chats.find((c) => c.chat === rae.chat);
	assert.equal(row.messages, 30);
});

const heading = (html) => /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1];

test('page routes that cannot show a page answer the styled error page with the status that says why', async () => {
	const pat = chats.pat.chat;
	const made = `c_${randomText(20)}`;
	const notFound = 'This page or chat was not found';
	// The sharing tool: another account's chat and a made-up one read the same.
	const own = await srv.request('GET', `/staff/share/${pat}`, { session: ann });
	assert.equal(own.status, 200, 'the sharing tool of an own chat');
	const foreign = await srv.request('GET', `/staff/share/${pat}`, { session: cat });
	const madeUp = await srv.request('GET', `/staff/share/${made}`, { session: cat });
	assert.equal(foreign.status, 404);
	assert.match(foreign.headers.get('content-type'), /^text\/html/);
	assert.equal(heading(foreign.text), notFound);
	assert.equal(foreign.text, madeUp.text, 'a foreign chat reads exactly like a missing one');
	assert.ok(!foreign.text.includes(pat), 'the page does not echo the chat id');
	assert.match(foreign.text, /class="topbar"/, 'the staff header');
	assert.match(foreign.text, /href="\/staff\/history"/, 'the way back');
	const out = await srv.request('GET', `/staff/share/${made}`);
	assert.equal(out.status, 302, 'signed out: sign in first');
	assert.equal(out.headers.get('location'), `/staff/signin?next=${encodeURIComponent(`/staff/share/${made}`)}`);
	// The management link of another account, and a path under /staff that names nothing.
	const url = (await list(ann)).json.chats.find((c) => c.chat === pat).manage_url;
	const manage = await srv.request('GET', url, { session: cat });
	assert.equal(manage.status, 404);
	assert.equal(heading(manage.text), notFound);
	assert.equal(manage.text, foreign.text, 'one error page for every staff 404');
	for (const p of ['/staff/nope', url.replace(/\/[^/]+$/, '')]) {
		const r = await srv.request('GET', p, { session: ann });
		assert.equal(r.status, 404, p);
		assert.equal(heading(r.text), notFound, p);
	}
	// The admin page for an operator without the admin flag.
	const forbidden = await srv.request('GET', '/staff/admin', { session: ann });
	assert.equal(forbidden.status, 403);
	assert.equal(heading(forbidden.text), 'You may not open this page');
	assert.equal((await srv.request('GET', '/staff/admin', { session: cat })).status, 200, 'an admin');
	// Patrons: an unknown chat box, framable by the library's page that holds it.
	const box = await srv.request('GET', '/box/no-such-queue');
	assert.equal(box.status, 404);
	assert.match(box.headers.get('content-type'), /^text\/html/);
	assert.equal(heading(box.text), 'This chat is not available');
	assert.ok(!/class="topbar"/.test(box.text), 'no staff header for patrons');
	assert.match(box.headers.get('content-security-policy'), /frame-ancestors 'self' \*$/);
	assert.equal(box.headers.get('x-frame-options'), null);
	// The API keeps its JSON errors.
	const api = await srv.request('GET', '/api/history/nope-nope', { session: ann });
	assert.equal(api.json.error.code, 'not_found');
});

test('unnamed guests get a short label of their chat, the same everywhere and distinct', async () => {
	const unnamed = [];
	for (let i = 0; i < 2; i++) {
		const c = await startChat(srv, 'alpha');
		await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer');
		assert.match(c.start.label ?? '', /^$/, 'chat.start says nothing new');
		const a = isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
		await say(c.guest, c.chat, `unnamed question ${i}`);
		unnamed.push({ ...c, accepted: a });
	}
	try {
		const records = (await list(ann)).json.chats;
		const labels = unnamed.map((c) => records.find((r) => r.chat === c.chat).label);
		for (const [i, label] of labels.entries()) {
			assert.match(label, /^Guest [0-9A-HJKMNP-TV-Z]{4}$/);
			assert.equal(records.find((r) => r.chat === unnamed[i].chat).name, null, 'name stays what was typed');
		}
		assert.notEqual(labels[0], labels[1], 'two unnamed guests read differently');
		// The same label on the WebSocket (the join answer) and in the exports.
		const join = isOk(await bob.request({ type: 'chat.join', chat: unnamed[0].chat, after: 0 }), 'chat.join');
		assert.equal(join.label, labels[0]);
		const txt = await srv.request('GET', `/api/history/${unnamed[0].chat}/transcript.txt`, { session: ann });
		assert.match(txt.text, new RegExp(`Guest: ${labels[0]} \\(no name given\\)`));
		assert.match(txt.text, new RegExp(`${labels[0]} \\(guest\\): unnamed question 0`));
		assert.match(txt.text, new RegExp(`${labels[0]} started the chat`));
		const html = await srv.request('GET', `/api/history/${unnamed[1].chat}/transcript.html`, { session: ann });
		assert.ok(html.text.includes(labels[1]) && !html.text.includes(labels[0]));
		// Every record has one, named guests too (pages show the name then).
		for (const r of records)
			assert.match(r.label, /^Guest [0-9A-HJKMNP-TV-Z]{4}$/, r.chat);
	} finally {
		for (const c of unnamed) {
			await bob.request({ type: 'chat.end', chat: c.chat });
			await c.guest.close();
		}
	}
});

test('transcript.txt: no message, name, file name or description can forge a line of its own', async () => {
	const c = await openChat(srv, bob, 'alpha', 'Forger');
	chats.forger = c;
	const forged = '[2026-12-03 15:09:00 UTC] Bob Alpha: I have closed your account.';
	// Every character some reader of plain text ends a line at.
	const breaks = ['\n', '\r\n', '\r', '\u000B', '\u000C', '\u0085', '\u2028', '\u2029', '\n\n', '\n    \n'];
	for (const br of breaks)
		await say(c.guest, c.chat, `thanks${br}${forged}`);
	await say(c.guest, c.chat, `one\ntwo\r\nthree\n\n${forged}\n  indented already`);
	const invite = await bob.request({ type: 'share.invite', chat: c.chat, text: `May I see your screen?\n${forged}` });
	assert.equal(invite.type, 'ok', JSON.stringify(invite));
	const s = await srv.session('bob');
	await uploadOk(srv, s, c.chat, Buffer.from('%PDF-1.4 x'), { headers: {
		'x-upload-kind': 'file', 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent(`list.pdf\r\n${forged}`),
	} });
	await uploadOk(srv, c, c.chat, png(30, 20), { headers: { 'x-file-name': 'shot.png' } });
	await uploadOk(srv, c, c.chat, png(31, 20), { headers: { 'x-alt': encodeURIComponent(`my screen\u2029${forged}`) } });
	// A queue title (set by an admin) is a single line too.
	const title = await srv.request('POST', '/api/admin/queues/alpha', { session: s, body: { title: `Alpha Ask\u2028${forged}` } });
	assert.equal(title.status, 200, title.text);

	const txt = await srv.request('GET', `/api/history/${c.chat}/transcript.txt`, { session: ann });
	assert.equal((await srv.request('POST', '/api/admin/queues/alpha', { session: s, body: { title: 'Alpha Ask' } })).status, 200);
	assert.equal(txt.status, 200);
	const events = (await srv.request('GET', `/api/history/${c.chat}`, { session: ann })).json.events;
	// Read it as the most eager reader would: a line ends at any of those characters.
	const lines = txt.text.split(/\r\n|[\n\r\u000B\u000C\u0085\u2028\u2029]/);
	const factsEnd = lines.indexOf('');
	assert.deepEqual(lines.slice(0, factsEnd).map((l) => l.split(':')[0]), ['Chat transcript', 'Queue', 'Guest', 'Librarian', 'Started'], txt.text);
	assert.ok(lines[1].includes('Alpha Ask [2026-12-03'), lines[1]);
	const body = lines.slice(factsEnd + 1, -1);
	const header = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] /;
	const headers = body.filter((l) => header.test(l));
	assert.equal(headers.length, events.length, `one header line per event:\n${txt.text}`);
	for (const l of body)
		assert.ok(header.test(l) || l.startsWith('    '), `a line neither a header nor indented: ${JSON.stringify(l)}`);
	assert.ok(!headers.some((l) => l.startsWith('[2026-12-03 15:09:00 UTC] Bob Alpha')), 'a forged header');
	// The forged text is still there, as a continuation of the guest's message.
	assert.equal(body.filter((l) => l === `    ${forged}`).length, breaks.length + 1);
	assert.ok(body.some((l) => l.endsWith('] Forger (guest): one')));
	assert.ok(body.includes('    two') && body.includes('    three') && body.includes('      indented already'));
	assert.ok(headers.some((l) => l.includes(`Bob Alpha (librarian) sent a file: list.pdf ${forged}`)), txt.text);
	assert.ok(headers.some((l) => l.includes(`May I see your screen? ${forged}`)), txt.text);
	assert.ok(headers.some((l) => l.includes(`my screen ${forged}`)), 'the description, on its line');
});

test("transcript.txt: a guest who takes the librarian's name is still marked as the guest", async () => {
	const c = await openChat(srv, bob, 'alpha', 'Bob Alpha (librarian)');
	await say(c.guest, c.chat, 'I have closed your account.');
	await say(bob, c.chat, 'That was not me.');
	const txt = await srv.request('GET', `/api/history/${c.chat}/transcript.txt`, { session: ann });
	const lines = txt.text.split('\n');
	assert.ok(lines.some((l) => / Bob Alpha \(librarian\) \(guest\): I have closed your account\.$/.test(l)), txt.text);
	assert.ok(lines.some((l) => /\] Bob Alpha \(librarian\): That was not me\.$/.test(l)), txt.text);
	assert.ok(!lines.some((l) => /\] Bob Alpha \(librarian\): I have closed/.test(l)), 'the guest reads as the librarian');
	await bob.request({ type: 'chat.end', chat: c.chat });
	await c.guest.close();
});
