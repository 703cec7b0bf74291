// 23-backup: `refdesk admin backup DEST` while the server runs and writes — the copy holds every
// message acknowledged before the backup began and the files those chats need, a server started
// on it serves them, and a bad destination changes nothing.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { guest, isOk, openChat, operator, setAvailable } from './lib/flows.mjs';
import { png } from './lib/images.mjs';
import { onPostgres, runAdmin, startServer } from '../lib/server.mjs';
import { uploadOk } from '../lib/upload.mjs';

let srv, copy, bob, chat, tmp;

before(async () => {
	srv = await startServer({ args: ['--msg-rate', '1000', '--msg-burst', '1000'] });
	bob = await operator(srv, 'bob');
	await setAvailable(bob, 'alpha', true);
	chat = await openChat(srv, bob, 'alpha', 'Pat');
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-backup-'));
});

after(async () => {
	await bob?.close();
	await chat?.guest.close();
	await copy?.close();
	await srv?.close();
	if (tmp)
		await fs.rm(tmp, { recursive: true, force: true });
});

test('a backup taken during a burst of messages holds every acknowledged one, and its files', {
	skip: onPostgres && 'SQLite\'s own: PostgreSQL is backed up with its own tools (docs/OPERATIONS.md)',
}, async () => {
	const snap = await uploadOk(srv, { token: chat.token }, chat.chat, png(900, 700), {
		headers: { 'x-upload-kind': 'image', 'content-type': 'image/png' },
	});
	const acked = [];
	let sending = true;
	const burst = (async () => {
		for (let i = 0; sending || i < 60; i++) {
			const text = `burst message ${i}`;
			const r = await chat.guest.request({ type: 'msg.send', chat: chat.chat, text });
			assert.equal(r.type, 'ack', JSON.stringify(r));
			acked.push({ text, seq: r.seq });
		}
	})();
	while (acked.length < 30)
		await new Promise((resolve) => setTimeout(resolve, 5));
	const before = acked.slice();
	const dest = path.join(tmp, 'copy');
	const out = await runAdmin(srv.dataDir, ['backup', dest]);
	sending = false;
	await burst;
	assert.equal(out.code, 0, out.stderr);
	const files = [snap.blob, snap.thumb].filter(Boolean);
	assert.match(out.stdout, new RegExp(`backup: the database and ${files.length} files?`));
	assert.ok(acked.length > before.length, 'the server went on acknowledging during the backup');

	copy = await startServer({ fixtures: false, dataDir: dest });
	const ann = await copy.session('ann');
	const r = await copy.request('GET', `/api/history/${chat.chat}`, { session: ann });
	assert.equal(r.status, 200, r.text);
	const texts = new Set(r.json.events.filter((e) => e.kind === 'message').map((e) => e.text));
	for (const m of before)
		assert.ok(texts.has(m.text), `"${m.text}" (seq ${m.seq}) was acknowledged before the backup and is missing`);
	const seqs = r.json.events.map((e) => e.seq);
	assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'the copied chat has no gaps');

	// The snapshot and its thumbnail are in the copy, byte for byte.
	for (const hash of files) {
		const a = await srv.request('GET', `/api/chats/${chat.chat}/blobs/${hash}`, { session: await srv.session('ann') });
		const b = await copy.request('GET', `/api/chats/${chat.chat}/blobs/${hash}`, { session: ann });
		assert.equal(b.status, 200, `blob ${hash} on the copy: ${b.status}`);
		assert.equal(b.text, a.text, `blob ${hash} differs`);
	}
	// The guest's token works on the copy too: the restored service is the same service.
	const g = await guest(copy, 'guest on the copy');
	try {
		isOk(await g.request({ type: 'chat.join', chat: chat.chat, token: chat.token, after: 0 }), 'chat.join on the copy');
	} finally {
		await g.close();
	}
});

test('a destination that exists, or is missing, is refused and nothing is changed', async () => {
	const existing = path.join(tmp, 'exists');
	await fs.mkdir(existing);
	await fs.writeFile(path.join(existing, 'keep.txt'), 'mine');
	const r = await runAdmin(srv.dataDir, ['backup', existing]);
	assert.equal(r.code, 1, r.stdout);
	assert.match(r.stderr, /already exists/);
	assert.deepEqual(await fs.readdir(existing), ['keep.txt']);

	const nowhere = path.join(tmp, 'no', 'such', 'dir');
	const n = await runAdmin(srv.dataDir, ['backup', nowhere]);
	assert.equal(n.code, 1, n.stdout);
	await assert.rejects(fs.stat(path.join(tmp, 'no')));

	const u = await runAdmin(srv.dataDir, ['backup']);
	assert.equal(u.code, 2);
	assert.match(u.stderr, /usage: refdesk admin/);
	assert.ok(await srv.healthy(), 'the server still serves');
});
