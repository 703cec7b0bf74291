// 11-uploads: snapshots and files (PROTOCOL.md §2.6) — the image pipeline's hostile inputs, the
// file names people send, and who may read a blob.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { operator, openChat, randomText, setAvailable, startChat, stillServes } from './lib/flows.mjs';
import { jpeg, jpegWithGps, png, pngBomb } from './lib/images.mjs';
import { startServer } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

let srv, bob, cat, chat, other;

before(async () => {
	// Room for this file's uploads into one chat; the last test still overruns it tenfold.
	srv = await startServer({ args: ['--max-image-mb', '2', '--upload-burst', '40'] });
	bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	chat = await openChat(srv, bob, 'alpha', 'Pat');
	other = await openChat(srv, bob, 'alpha', 'Other');
	cat = await srv.session('cat');
});

after(async () => {
	for (const c of [bob, chat?.guest, other?.guest])
		await c?.close();
	await srv?.close();
});

async function getBlob(who, chatId, hash) {
	const h = {};
	if (who?.token)
		h.authorization = `Bearer ${who.token}`;
	if (who?.cookie)
		h.cookie = who.cookie;
	const res = await fetch(`${srv.url}/api/chats/${chatId}/blobs/${hash}`, { headers: h });
	return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const pngSize = (buf) => ({ width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) });

test('a guest pastes a screenshot: cleaned, thumbnailed, committed, fanned out, served', async () => {
	const r = await upload(srv, chat, chat.chat, png(1280, 720), { headers: { 'x-file-name': 'screen.png', 'x-client-id': 'paste-1' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	assert.equal(r.json.type, 'ack');
	const ev = await bob.next((f) => f.type === 'event' && f.kind === 'snapshot' && f.seq === r.json.seq, 5000, 'the snapshot event');
	assert.equal(ev.from, 'guest');
	assert.equal(ev.width, 1280);
	assert.equal(ev.height, 720);
	assert.ok(ev.thumb_width <= 320 && ev.thumb_height <= 240, `thumbnail ${ev.thumb_width}x${ev.thumb_height}`);
	assert.equal(ev.alt, 'Screenshot from the guest, 1280\u00d7720');
	assert.equal(ev.file_name, 'screen.png');
	const full = await getBlob(chat, chat.chat, ev.blob);
	assert.equal(full.status, 200);
	assert.equal(full.headers.get('content-type'), 'image/png');
	assert.equal(full.headers.get('x-content-type-options'), 'nosniff');
	assert.match(full.headers.get('content-security-policy'), /sandbox/);
	assert.match(full.headers.get('cache-control'), /immutable/);
	assert.deepEqual(pngSize(full.body), { width: 1280, height: 720 });
	const thumb = await getBlob(chat, chat.chat, ev.thumb);
	assert.deepEqual(pngSize(thumb.body), { width: 320, height: 180 });

	// The same id again (a retry) is stored once; the same picture again is one blob.
	const again = await upload(srv, chat, chat.chat, png(1280, 720), { headers: { 'x-client-id': 'paste-1' } });
	assert.equal(again.json.seq, r.json.seq);
	assert.equal(again.json.duplicate, true);
	const twice = await upload(srv, chat, chat.chat, png(1280, 720), { headers: { 'x-client-id': 'paste-2' } });
	assert.equal(twice.json.blob, r.json.blob);
	assert.ok(twice.json.seq > r.json.seq);
});

test('a JPEG with GPS comes out with no EXIF at all', async () => {
	const src = jpegWithGps();
	assert.ok(src.includes('SecretCam') && src.includes('Exif'), 'the test image carries EXIF');
	const r = await upload(srv, chat, chat.chat, src, { headers: { 'x-client-id': 'gps' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const blob = await getBlob(chat, chat.chat, r.json.blob);
	assert.equal(blob.headers.get('content-type'), 'image/jpeg');
	assert.ok(!blob.body.includes('SecretCam'), 'the camera maker survived');
	assert.ok(!blob.body.includes('Exif'), 'an EXIF block survived');
});

test('whatever follows the image (a polyglot tail) does not survive re-encoding', async () => {
	const tail = Buffer.from('<html><script>alert(document.cookie)</script></html>');
	const r = await upload(srv, chat, chat.chat, Buffer.concat([png(40, 30), tail]));
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const blob = await getBlob(chat, chat.chat, r.json.blob);
	assert.ok(!blob.body.includes('<script'), 'the script came through');
});

test('bad images are refused with a clear error and change nothing', async () => {
	const good = png(200, 100);
	const j = jpeg(200, 100);
	const cases = [
		['a text file named .png', Buffer.from('just some notes\n'), 415, 'not_image'],
		['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 415, 'not_image'],
		['SVG with script', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 415, 'not_image'],
		['HTML/JS behind a GIF signature', Buffer.from('GIF89a/*<script>alert(1)</script>*/=1;'), 400, 'corrupt'],
		['a truncated PNG', good.subarray(0, Math.floor(good.length / 2)), 400, 'corrupt'],
		['a truncated JPEG', j.subarray(0, Math.floor(j.length / 2)), 400, 'corrupt'],
	];
	const before = await bob.request({ type: 'chat.join', chat: chat.chat, after: 0 });
	for (const [what, body, status, code] of cases) {
		const r = await upload(srv, chat, chat.chat, body, { headers: { 'x-file-name': `${what}.png` } });
		assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
		assert.equal(r.json.error.code, code, what);
		assert.ok(r.json.error.message.length > 0);
	}
	const now = await bob.request({ type: 'chat.join', chat: chat.chat, after: 0 });
	assert.equal(now.seq, before.seq, 'a refused upload wrote an event');
});

test('a zero-byte upload and one over the limit are refused before their body is read', async () => {
	const empty = await upload(srv, chat, chat.chat, Buffer.alloc(0));
	assert.equal(empty.status, 400);
	assert.equal(empty.json.error.code, 'empty');
	// Over --max-image-mb 2: refused from its Content-Length.
	const big = await upload(srv, chat, chat.chat, Buffer.alloc(3 << 20, 1));
	assert.equal(big.status, 413);
	assert.equal(big.json.error.code, 'too_large');
	await stillServes(srv);
});

test('a tiny PNG that declares 50,000 x 50,000 pixels is refused at once', async () => {
	const bomb = pngBomb();
	assert.ok(bomb.length < 200);
	const r = await upload(srv, chat, chat.chat, bomb);
	assert.equal(r.status, 413, JSON.stringify(r.json));
	assert.equal(r.json.error.code, 'too_many_pixels');
	assert.ok(r.ms < 2000, `took ${r.ms} ms`);
});

test('file names are cleaned: no directories, no control or direction characters, bounded', async () => {
	const s = await srv.session('bob');
	const cases = [
		['../../etc/passwd', (n) => n === 'passwd'],
		['..\\..\\boot.ini', (n) => n === 'boot.ini'],
		['report\u202Efdp.exe', (n) => n === 'reportfdp.exe'],
		['tab\there\nnewline\r\nbreaks\u0000nul.txt', (n) => n === 'tab here newline breaksnul.txt'],
		['re\u200Bport\u2066.pdf\u2069\uFEFF.exe', (n) => n === 'report.pdf.exe'],
		['x'.repeat(5000) + '.pdf', (n) => Buffer.byteLength(n) <= 150 && n.startsWith('xxx')],
		['...', (n) => n === 'file'],
	];
	for (const [name, ok] of cases) {
		const r = await upload(srv, s, chat.chat, Buffer.from('%PDF-1.4 test'), { headers: { 'x-upload-kind': 'file', 'x-file-name': encodeURIComponent(name), 'content-type': 'application/pdf' } });
		assert.equal(r.status, 200, `${JSON.stringify(name)}: ${JSON.stringify(r.json)}`);
		const ev = await bob.next((f) => f.type === 'event' && f.seq === r.json.seq, 5000, 'the file event');
		assert.ok(ok(ev.file_name), `${JSON.stringify(name)} became ${JSON.stringify(ev.file_name)}`);
	}
});

test('an operator sends a file: the guest downloads the same bytes as an attachment', async () => {
	const s = await srv.session('bob');
	const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(randomText(3000))]);
	const r = await upload(srv, s, chat.chat, pdf, { headers: { 'x-upload-kind': 'file', 'x-file-name': encodeURIComponent('Guide à la recherche.pdf'), 'content-type': 'application/pdf' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const ev = await chat.guest.next((f) => f.type === 'event' && f.kind === 'file' && f.seq === r.json.seq, 5000, 'the file event');
	assert.equal(ev.mime, 'application/pdf');
	assert.equal(ev.size, pdf.length);
	const got = await getBlob(chat, chat.chat, ev.blob);
	assert.equal(got.status, 200);
	assert.ok(got.body.equals(pdf), 'different bytes');
	assert.match(got.headers.get('content-disposition'), /^attachment; filename="Guide _+ la recherche.pdf"; filename\*=UTF-8''Guide%20%C3%A0%20la%20recherche\.pdf$/);
	assert.equal(got.headers.get('content-type'), 'application/octet-stream');
	// Guests send images only.
	const g = await upload(srv, chat, chat.chat, pdf, { headers: { 'x-upload-kind': 'file' } });
	assert.equal(g.status, 400);
});

test('a file\'s declared type never decides how it is served: only re-encoded images are inline', async () => {
	const s = await srv.session('bob');
	const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
	const cases = [
		['shot.png', 'image/png', html],
		['photo.jpg', 'image/jpeg', Buffer.concat([html, Buffer.from(' jpeg')])],
		['page.html', 'text/html', Buffer.concat([html, Buffer.from(' html')])],
		['logo.svg', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
		['anim.gif', 'image/gif', Buffer.concat([html, Buffer.from(' gif')])],
		// A real PNG is not an image here either: it did not go through the image pipeline.
		['real.png', 'image/png', png(16, 16, () => [9, 8, 7])],
	];
	for (const [name, type, body] of cases) {
		const r = await upload(srv, s, chat.chat, body, { headers: { 'x-upload-kind': 'file', 'x-file-name': encodeURIComponent(name), 'content-type': type } });
		assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.json)}`);
		const ev = await chat.guest.next((f) => f.type === 'event' && f.kind === 'file' && f.seq === r.json.seq, 5000, `the event of ${name}`);
		assert.equal(ev.mime, type, 'the declared type is still shown');
		for (const [who, cred] of [['the guest', chat], ['an operator', s]]) {
			const got = await getBlob(cred, chat.chat, ev.blob);
			assert.equal(got.status, 200, `${name} for ${who}`);
			assert.equal(got.headers.get('content-type'), 'application/octet-stream', `${name} for ${who}`);
			assert.equal(got.headers.get('content-disposition'), `attachment; filename="${name}"; filename*=UTF-8''${name}`, `${name} for ${who}`);
			assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
			assert.match(got.headers.get('content-security-policy'), /sandbox/);
			assert.ok(got.body.equals(body), `${name}: the same bytes`);
		}
	}
	// The pipeline's own output stays an inline image, the full image and its thumbnail alike.
	const snap = await upload(srv, chat, chat.chat, png(40, 30), { headers: { 'x-file-name': 'mine.png', 'x-client-id': 'inline-still' } });
	assert.equal(snap.status, 200, JSON.stringify(snap.json));
	for (const hash of [snap.json.blob, snap.json.thumb]) {
		const got = await getBlob(chat, chat.chat, hash);
		assert.equal(got.headers.get('content-type'), 'image/png');
		assert.match(got.headers.get('content-disposition'), /^inline; filename="/);
	}
});

test('blobs are served only to the chat\'s guest and its account\'s operators', async () => {
	const r = await upload(srv, chat, chat.chat, png(30, 20, () => [1, 2, 3]), { headers: { 'x-client-id': 'private' } });
	assert.equal(r.status, 200);
	const hash = r.json.blob;
	const ann = await srv.session('ann');
	assert.equal((await getBlob(chat, chat.chat, hash)).status, 200, 'its guest');
	assert.equal((await getBlob(ann, chat.chat, hash)).status, 200, 'an operator of the account');
	const denied = [
		['another chat\'s guest, naming this chat', other, chat.chat],
		['another chat\'s guest, naming their own chat', other, other.chat],
		['another account\'s operator', cat, chat.chat],
		['nobody', null, chat.chat],
		['a wrong token', { token: randomText(43) }, chat.chat],
		['a made-up chat', chat, `c_${randomText(15)}`],
	];
	for (const [who, cred, c] of denied) {
		const res = await getBlob(cred, c, hash);
		assert.equal(res.status, 404, who);
	}
	assert.equal((await getBlob(chat, chat.chat, 'a'.repeat(64))).status, 404, 'a guessed hash');
	assert.equal((await getBlob(chat, chat.chat, '../../refdesk.db')).status, 404, 'a path');
	// Uploads into someone else's chat look like uploads into nothing.
	assert.equal((await upload(srv, other, chat.chat, png(10, 10))).status, 404);
	assert.equal((await upload(srv, cat, chat.chat, png(10, 10))).status, 404);
});

test('a burst of pastes into one chat is rate-limited, and the server carries on', async () => {
	const tiny = png(8, 8);
	const burst = await startChat(srv, 'alpha', 'Paster');
	const results = await Promise.all(Array.from({ length: 90 }, (_, i) => upload(srv, burst, burst.chat, tiny, { headers: { 'x-client-id': `burst-${i}` } })));
	const ok = results.filter((r) => r.status === 200).length;
	const limited = results.filter((r) => r.status === 429).length;
	assert.ok(limited >= 40, `${limited} of 90 were rate-limited (${ok} accepted)`);
	assert.equal(ok + limited, 90, results.map((r) => r.status).join(','));
	// Another chat's uploads are not held back by it.
	assert.equal((await upload(srv, other, other.chat, tiny, { headers: { 'x-client-id': 'after-burst' } })).status, 200);
	await burst.guest.close();
	await stillServes(srv);
});

test('an edited snapshot links to its parent and its editor document, both of this chat only', async () => {
	const s = await srv.session('bob');
	const parent = await upload(srv, chat, chat.chat, png(64, 48), { headers: { 'x-client-id': 'to-edit' } });
	assert.equal(parent.status, 200);
	const doc = Buffer.from(JSON.stringify({ version: 1, image: parent.json.blob, objects: [{ type: 'rect', x: 1, y: 2, w: 3, h: 4 }] }));
	const ann = await upload(srv, s, chat.chat, doc, { headers: { 'x-upload-kind': 'annotation' } });
	assert.equal(ann.status, 200, JSON.stringify(ann.json));
	assert.match(ann.json.blob, /^[0-9a-f]{64}$/);
	// Stored, not announced: no event for the document itself.
	const edited = await upload(srv, s, chat.chat, png(64, 48, () => [200, 0, 0]), { headers: {
		'x-client-id': 'edited', 'x-parent': parent.json.blob, 'x-annotation': ann.json.blob, 'x-alt': encodeURIComponent('1: the search box'),
	} });
	assert.equal(edited.status, 200, JSON.stringify(edited.json));
	const ev = await chat.guest.next((f) => f.type === 'event' && f.seq === edited.json.seq, 5000, 'the edited snapshot');
	assert.equal(ev.parent, parent.json.blob);
	assert.equal(ev.annotation, ann.json.blob);
	assert.equal(ev.alt, '1: the search box');
	const back = await getBlob(s, chat.chat, ann.json.blob);
	assert.equal(back.status, 200);
	assert.deepEqual(JSON.parse(back.body.toString()).objects[0].type, 'rect');
	// Documents are JSON objects, from operators only; links must stay inside the chat.
	assert.equal((await upload(srv, s, chat.chat, Buffer.from('[1,2]'), { headers: { 'x-upload-kind': 'annotation' } })).status, 400);
	assert.equal((await upload(srv, chat, chat.chat, doc, { headers: { 'x-upload-kind': 'annotation' } })).status, 400);
	const foreign = await upload(srv, other, other.chat, png(20, 20), { headers: { 'x-client-id': 'elsewhere' } });
	const bad = await upload(srv, s, chat.chat, png(64, 48), { headers: { 'x-parent': foreign.json.blob } });
	assert.equal(bad.status, 400, JSON.stringify(bad.json));
	const notDoc = await upload(srv, s, chat.chat, png(64, 48), { headers: { 'x-annotation': parent.json.blob } });
	assert.equal(notDoc.status, 400, JSON.stringify(notDoc.json));
});

// The descriptions go into a chat of their own: the uploads above have used up most of the
// first chat's allowance, and on a fast machine the bucket had not refilled by here.
test('an alt text whose first character is dropped before a multi-byte one is kept whole', async () => {
	// Cleaning it in place once copied between overlapping bytes (AddressSanitizer stopped the server).
	const alts = await openChat(srv, bob, 'alpha', 'Alt');
	const r = await upload(srv, alts, alts.chat, png(12, 12), { headers: { 'x-alt': '%01%F0%9F%98%80 owl', 'x-client-id': 'alt-overlap' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const ev = await bob.next((f) => f.type === 'event' && f.chat === alts.chat && f.seq === r.json.seq, 5000, 'the snapshot');
	assert.equal(ev.alt, '\u{1F600} owl');
	await alts.guest.close();
});

test('an image description keeps its words apart: line breaks become spaces, marks go', async () => {
	const alts = await openChat(srv, bob, 'alpha', 'Lines');
	const alt = 'Step 1:\nthe search box\r\nStep 2:\u2028the\u202E button\u200B';
	const r = await upload(srv, alts, alts.chat, png(14, 12), { headers: { 'x-alt': encodeURIComponent(alt), 'x-client-id': 'alt-lines' } });
	assert.equal(r.status, 200, JSON.stringify(r.json));
	const ev = await bob.next((f) => f.type === 'event' && f.chat === alts.chat && f.seq === r.json.seq, 5000, 'the snapshot');
	assert.equal(ev.alt, 'Step 1: the search box Step 2: the button');
	await alts.guest.close();
});

test('uploads abandoned half-way free their memory (the server stops clean)', async () => {
	for (let i = 0; i < 4; i++) {
		await new Promise((resolve, reject) => {
			const s = net.connect(srv.port, '127.0.0.1', () => {
				s.write(`POST /api/chats/${chat.chat}/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
					`Authorization: Bearer ${chat.token}\r\nX-Upload-Kind: image\r\nContent-Length: ${(2 << 20) - 10}\r\n\r\n`);
				s.write(Buffer.alloc(64 * 1024, 7));
				setTimeout(() => { s.destroy(); resolve(); }, 100);
			});
			s.on('error', reject);
		});
	}
	await stillServes(srv);
	// The after() hook stops the server: its exit status and LeakSanitizer's silence are checked there.
});
