// 00-helpers: the shared test helpers (tests/lib/) check what every other file relies on. Each
// test file ends with srv.close(), whose stop() sends SIGTERM and fails the file unless refdesk
// exits 0 with no sanitizer report; this file proves that those checks pass a clean exit and
// catch the bad ones. The real binary shows the clean exit, an unasked-for death and TLS; a
// stand-in program (a few lines of Node that answer /api/health like refdesk) shows what the real
// one must never do: exit non-zero on SIGTERM, exit 0 after printing a sanitizer report, hang
// after SIGTERM, or die before answering. Last, upload() sends each kind of caller's credentials.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeCertificate, onPostgres, startServer } from '../lib/server.mjs';
import { png } from './lib/images.mjs';
import { openChat, operator, setAvailable } from './lib/flows.mjs';
import { upload } from '../lib/upload.mjs';

let dir;

/**
 * Write an executable stand-in for refdesk that says `report` and exits `code` on SIGTERM (or
 * stays when `stay`), or, with `early`, exits `early` before it listens.
 */
async function standIn(name, { report = '', code = 0, stay = false, early = null }) {
	const file = path.join(dir, name);
	await fs.writeFile(file, `#!${process.execPath}
const http = require('node:http');
if (${early} !== null)
	process.exit(${early});
const port = Number(process.argv[process.argv.indexOf('--listen') + 1].split(':')[1]);
const server = http.createServer((req, res) => res.end('{"ok": true}')).listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
	process.stderr.write(${JSON.stringify(report)});
	if (${stay})
		return;
	server.close();
	process.exit(${code});
});
`, { mode: 0o755 });
	return file;
}

before(async () => {
	dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-launcher-'));
});

after(async () => {
	await fs.rm(dir, { recursive: true, force: true });
});

test('a clean SIGTERM passes stop(); close() then removes the data directory', async () => {
	const srv = await startServer();
	await srv.stop();
	assert.deepEqual(srv.exit, { code: 0, signal: null });
	if (onPostgres)
		assert.equal(srv.sql('SELECT count(*) FROM accounts').trim(), '2', 'stop() keeps the data for a look afterwards');
	else
		assert.ok(await fs.stat(srv.dbPath), 'stop() keeps the data for a look afterwards');
	await srv.close(); // a second stop() only checks stderr again
	if (!process.env.REFDESK_KEEP_DATA)
		assert.equal(await fs.stat(srv.dataDir).catch(() => null), null, 'close() left the data directory');
});

test('a server that died on its own fails stop(), even though nothing is left to stop', async () => {
	const srv = await startServer({ fixtures: false });
	try {
		process.kill(srv.pid, 'SIGKILL'); // not through srv.kill(): nobody asked for this death
		await srv.exited;
		await assert.rejects(srv.stop(), /died before the end of the tests \(SIGKILL\)/);
	} finally {
		await srv.cleanup();
	}
});

test('a non-zero exit after SIGTERM fails stop()', async () => {
	const srv = await startServer({ fixtures: false, bin: await standIn('exits-3', { code: 3 }) });
	try {
		await assert.rejects(srv.stop(), /exited 3 after SIGTERM, not 0/);
	} finally {
		await srv.cleanup();
	}
});

test('a sanitizer report fails stop() even when the exit status is 0', async () => {
	for (const report of ['==1==ERROR: LeakSanitizer: detected memory leaks\n',
		'src/x.c:10:5: runtime error: signed integer overflow\n',
		'==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n']) {
		const srv = await startServer({ fixtures: false, bin: await standIn('reports', { report }) });
		try {
			await assert.rejects(srv.close(), /sanitizer report on refdesk's stderr/, report);
			assert.equal(srv.exit.code, 0);
		} finally {
			await srv.cleanup();
		}
	}
});

test('a deliberate kill() is not a failure of stop()', async () => {
	const srv = await startServer({ fixtures: false });
	try {
		assert.equal((await srv.crash()).signal, 'SIGKILL');
		await srv.stop();
		await srv.revive();
		assert.ok(await srv.healthy(), 'revive() brought it back on the same port');
		await srv.stop();
		assert.equal(srv.exit.code, 0);
	} finally {
		await srv.cleanup();
	}
});

test('a server that ignores SIGTERM fails stop() once the wait is over, and is killed', async () => {
	const srv = await startServer({ fixtures: false, stopTimeoutMs: 1000, bin: await standIn('stays', { stay: true }) });
	try {
		await assert.rejects(srv.stop(), /did not exit within 1000 ms of SIGTERM/);
		assert.equal(srv.exit.signal, 'SIGKILL');
	} finally {
		await srv.cleanup();
	}
});

test('a server that exits before answering fails startServer(), which removes its data directory', async () => {
	const dataDir = path.join(dir, 'early-data');
	await fs.mkdir(dataDir);
	const err = await startServer({ fixtures: false, dataDir, bin: await standIn('early', { early: 4 }) }).catch((e) => e);
	assert.ok(err instanceof Error, 'startServer() resolved');
	assert.match(err.message, /refdesk serve exited \(4\) before answering \/api\/health/);
	if (!process.env.REFDESK_KEEP_DATA)
		assert.equal(await fs.stat(dataDir).catch(() => null), null, 'the data directory is still there');
});

test('over TLS the launcher speaks HTTPS with the certificate it was given, and stops cleanly', async () => {
	const tls = makeCertificate(dir);
	const srv = await startServer({ tls });
	try {
		assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
		assert.match(srv.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
		assert.equal(await srv.healthy(), true);
		// Plain HTTP on that port is no health check: the launcher did not take any answer.
		const plain = await fetch(`http://127.0.0.1:${srv.port}/api/health`, { signal: AbortSignal.timeout(5000) })
			.then((r) => r.status, () => 0);
		assert.notEqual(plain, 200);
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});

test('upload() sends a guest token, an operator cookie and CSRF token, and nothing for nobody', async () => {
	const srv = await startServer();
	try {
		const bob = await operator(srv, 'bob');
		await setAvailable(bob, 'alpha', true);
		const c = await openChat(srv, bob, 'alpha', 'Pat');
		const guest = await upload(srv, c, c.chat, png(12, 10));
		assert.equal(guest.status, 200, guest.text);
		assert.equal(guest.json.type, 'ack');
		const holder = await upload(srv, await srv.session('bob'), c.chat, png(12, 11), { headers: { 'x-client-id': 'op-1' } });
		assert.equal(holder.status, 200, holder.text);
		// The same operator without the CSRF token is refused: upload() is what sent it above.
		const s = await srv.session('bob');
		const noCsrf = await upload(srv, { cookie: s.cookie }, c.chat, png(12, 12));
		assert.equal(noCsrf.status, 403, noCsrf.text);
		const nobody = await upload(srv, null, c.chat, png(12, 13));
		assert.equal(nobody.status, 404, nobody.text);
		assert.equal(nobody.json.error.code, 'not_found');
		await c.guest.close();
		await bob.close();
		await srv.stop();
	} finally {
		await srv.cleanup();
	}
});
