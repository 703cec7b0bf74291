// 25-systemd-unit: contrib/refdesk.service, the unit docs/OPERATIONS.md explains.
//
// `systemd-analyze verify` and `systemd-analyze security --offline` read a unit file without a
// running systemd, so they work in a container: verify must print nothing at all (it exits 0
// even for an unknown or misspelt directive, and only says so on stderr), and the exposure
// score must stay at 2.0 or below. Then the unit's own ExecStart, Environment, KillSignal and
// TimeoutStopSec are run here with the restrictions a process can put on itself and keep across
// exec (NoNewPrivileges, MemoryDenyWriteExecute and RestrictAddressFamilies, by prctl and a
// seccomp filter): the server starts, resizes a pasted image with libvips under them, and stops
// cleanly on SIGTERM in time. The rest of the sandbox (mount namespaces, the system call filter,
// the user) needs systemd itself; docs/OPERATIONS.md says how those were checked.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { openChat, operator, setAvailable } from './lib/flows.mjs';
import { closeAll } from './lib/client.mjs';
import { png } from './lib/images.mjs';
import { refdeskBin, repoRoot, startServer } from '../lib/server.mjs';
import { upload } from '../lib/upload.mjs';

const run = promisify(execFile);
const UNIT = path.join(repoRoot, 'contrib', 'refdesk.service');
const INSTALLED_BIN = '/usr/local/bin/refdesk';

/** Run systemd-analyze; resolves with {code, stdout, stderr}, never rejects on a non-zero exit. */
async function analyze(args) {
	try {
		const { stdout, stderr } = await run('systemd-analyze', args, { timeout: 30000 });
		return { code: 0, stdout, stderr };
	} catch (err) {
		if (err.code === 'ENOENT')
			throw new Error('systemd-analyze is missing: scripts/install-deps test installs the systemd package');
		return { code: err.code, stdout: err.stdout, stderr: err.stderr };
	}
}

/** The unit's text with ExecStart pointing at the binary under test (verify checks it exists). */
async function unitText() {
	const text = await fs.readFile(UNIT, 'utf8');
	assert.ok(text.includes(`ExecStart=${INSTALLED_BIN} `), 'ExecStart no longer runs /usr/local/bin/refdesk');
	return text.replace(`ExecStart=${INSTALLED_BIN} `, `ExecStart=${path.resolve(refdeskBin)} `);
}

/** Write `text` as DIR/refdesk.service (verify wants the unit's own name) and return its path. */
async function writeUnit(dir, text) {
	await fs.mkdir(dir, { recursive: true });
	const file = path.join(dir, 'refdesk.service');
	await fs.writeFile(file, text);
	return file;
}

/** Every `Key=value` of the [Service] section, repeated keys in order. */
function serviceSettings(text) {
	const section = text.split(/^\[Service\]$/m)[1].split(/^\[/m)[0];
	const out = new Map();
	for (const line of section.split('\n')) {
		const m = /^([A-Za-z]+)=(.*)$/.exec(line);
		if (m)
			out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
	}
	return out;
}

let tmp;
test('setup', async () => {
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-unit-'));
});

test('systemd-analyze verify reads the unit without a word', async () => {
	const r = await analyze(['verify', await writeUnit(path.join(tmp, 'good'), await unitText())]);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stderr.trim(), '', 'verify warned');
	assert.equal(r.stdout.trim(), '');
});

test('a misspelt or wrong directive is caught (verify only warns: its stderr is what counts)', async () => {
	const good = await unitText();
	for (const [what, bad] of [
		['a misspelt key', good.replace('ProtectSystem=strict', 'ProtectSytem=strict')],
		['a bad value', good.replace('ProtectSystem=strict', 'ProtectSystem=bogus')],
		['a missing binary', good.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/refdesk')],
	]) {
		const r = await analyze(['verify', await writeUnit(path.join(tmp, 'bad'), bad)]);
		assert.ok(r.code !== 0 || r.stderr.trim() !== '', `${what} passed verify`);
	}
});

test('the sandbox: every required directive, and an exposure of 2.0 or less', async () => {
	const text = await unitText();
	const s = serviceSettings(text);
	const want = {
		User: 'refdesk', StateDirectory: 'refdesk', ReadWritePaths: '/var/lib/refdesk',
		ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', NoNewPrivileges: 'yes',
		CapabilityBoundingSet: '', AmbientCapabilities: '',
		RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', SystemCallFilter: '@system-service',
		MemoryDenyWriteExecute: 'yes', Restart: 'on-failure', KillSignal: 'SIGTERM',
	};
	for (const [k, v] of Object.entries(want))
		assert.deepEqual(s.get(k), [v], `${k}`);
	assert.match(s.get('TimeoutStopSec')?.[0] ?? '', /^\d+s$/);
	// The data directory refdesk is told to use is the one it may write.
	assert.match(s.get('ExecStart')[0], / --data \/var\/lib\/refdesk( |$)/);

	const file = await writeUnit(path.join(tmp, 'good'), text);
	const r = await analyze(['security', '--offline=yes', '--threshold=20', file]);
	assert.equal(r.code, 0, `exposure above 2.0:\n${r.stdout.split('\n').slice(-3).join('\n')}${r.stderr}`);

	// The threshold can fail: the same unit without its sandbox is far above it.
	const bare = text.split('\n').filter((l) => !/^(Protect|Private|Restrict|NoNew|Capability|Ambient|SystemCall|MemoryDeny|Lock|UMask|ReadWrite)/.test(l)).join('\n');
	const exposed = await analyze(['security', '--offline=yes', '--threshold=20', await writeUnit(path.join(tmp, 'bare'), bare)]);
	assert.notEqual(exposed.code, 0, 'an unsandboxed unit passed the threshold');
});

test('its ExecStart serves, images included, under NoNewPrivileges, MemoryDenyWriteExecute and RestrictAddressFamilies, and SIGTERM ends it in time', async () => {
	const s = serviceSettings(await unitText());
	const dataDir = path.join(tmp, 'data');
	const conf = path.join(tmp, 'refdesk.conf');
	await fs.writeFile(conf, '# the test\'s stand-in for /etc/refdesk/refdesk.conf\nlog-level = info\n');
	// The unit's arguments, with its paths moved to this test's (Server puts --listen first).
	const [, ...args] = s.get('ExecStart')[0].split(' ');
	const moved = args.slice(1).map((a) => ({
		'/etc/refdesk/refdesk.conf': conf, '/var/lib/refdesk': dataDir,
		'/usr/local/share/refdesk/web': path.join(repoRoot, 'web'),
	})[a] ?? a);
	assert.equal(args[0], 'serve');
	const env = Object.fromEntries((s.get('Environment') ?? []).map((e) => e.split('=')));

	// NoNewPrivileges: PR_SET_NO_NEW_PRIVS (38). MemoryDenyWriteExecute: PR_SET_MDWE (65) with
	// PR_MDWE_REFUSE_EXEC_GAIN (1). RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX: a seccomp
	// filter (PR_SET_SECCOMP 22, mode 2) like systemd's, socket() of any other family fails with
	// EAFNOSUPPORT (97). BPF: load the call number; not socket (41): allow; load its first
	// argument; AF_UNIX (1), AF_INET (2) or AF_INET6 (10): allow; else the error.
	const wrapper = path.join(tmp, 'sandboxed');
	await fs.writeFile(wrapper, `#!/usr/bin/python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
def prctl(*a):
    if libc.prctl(*a) != 0:
        sys.exit("prctl %d: %s" % (a[0], os.strerror(ctypes.get_errno())))
class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Insn))]
code = [(0x20, 0, 0, 0), (0x15, 0, 5, 41), (0x20, 0, 0, 16), (0x15, 3, 0, 1), (0x15, 2, 0, 2),
        (0x15, 1, 0, 10), (0x06, 0, 0, 0x00050000 | 97), (0x06, 0, 0, 0x7fff0000)]
insns = (Insn * len(code))(*[Insn(*c) for c in code])
prog = Prog(len(code), insns)
prctl(38, 1, 0, 0, 0)
prctl(65, 1, 0, 0, 0)
prctl(22, 2, ctypes.addressof(prog), 0, 0)
os.execv(${JSON.stringify(path.resolve(refdeskBin))}, [sys.argv[0]] + sys.argv[1:])
`, { mode: 0o755 });

	const stopSecs = Number(s.get('TimeoutStopSec')[0].replace(/s$/, ''));
	const srv = await startServer({ dataDir, bin: wrapper, args: moved, env, stopTimeoutMs: stopSecs * 1000 });
	try {
		const bob = await operator(srv, 'bob');
		await setAvailable(bob, 'alpha', true);
		const c = await openChat(srv, bob, 'alpha', 'Pat');
		const r = await upload(srv, c, c.chat, png(1280, 720), { headers: { 'x-client-id': 'sandboxed-1' } });
		assert.equal(r.status, 200, r.text);
		assert.ok(r.json.thumb, 'no thumbnail: libvips did not run');
		const thumb = await srv.request('GET', `/api/chats/${c.chat}/blobs/${r.json.thumb}`, { session: bob.session });
		assert.equal(thumb.status, 200);
		// The filter was in force: libwebsockets' interface lookup (a netlink socket) was refused,
		// and it listened on the address as given all the same.
		assert.match(srv.stderr, /unable to getifaddrs: errno 97/);
		await closeAll();
	} finally {
		await srv.close(); // SIGTERM; fails unless it exits 0 within TimeoutStopSec
	}
	await fs.rm(tmp, { recursive: true, force: true });
});
