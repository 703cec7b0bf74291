// prosody.mjs: a throwaway Prosody 0.12 on 127.0.0.1 for the XMPP tests, and XMPP clients on it.
//
//   startProsody({ domain, secret, users })  writes a configuration into a temp dir (owned by
//       the prosody user when we are root: Prosody will not run as root), starts it in the
//       foreground (with runuser as root) and
//       waits until its client and component ports answer. Users live on the host "localhost"
//       (their password is written straight into Prosody's account store).
//   p.stop() / p.start()   stop it (to drop refdesk's link) and start it again on the same ports
//   p.cleanup()            stop it and remove its directory
//   xmppClient(p, user)    an @xmpp/client session of `user`, online, keeping every stanza it
//       receives so a test can wait for them (next(pred, ms)).
//
// Nothing listens beyond 127.0.0.1: every *_ports list not used here is empty.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { client as makeClient, xml } from '@xmpp/client';
import { freePort, sleep } from '../../lib/server.mjs';

export { xml };

const START_MS = 20000;

function portOpen(port) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port });
		s.once('connect', () => { s.destroy(); resolve(true); });
		s.once('error', () => resolve(false));
	});
}

/** Prosody stores "localhost" as is; other hosts with dots escaped as %2e. */
function hostDir(host) {
	return host.replace(/\./g, '%2e').replace(/-/g, '%2d');
}

export class Prosody {
	constructor(dir, { domain, secret, users, c2sPort, componentPort }) {
		Object.assign(this, { dir, domain, secret, users, c2sPort, componentPort });
		this.proc = null;
		this.log = '';
	}

	get componentAddress() { return `127.0.0.1:${this.componentPort}`; }

	async writeConfig() {
		const d = this.dir;
		await fs.mkdir(path.join(d, 'data', 'localhost', 'accounts'), { recursive: true });
		await fs.writeFile(path.join(d, 'prosody.cfg.lua'), `-- throwaway test configuration, 127.0.0.1 only
pidfile = "${d}/prosody.pid"
data_path = "${d}/data"
interfaces = { "127.0.0.1" }
c2s_ports = { ${this.c2sPort} }
component_ports = { ${this.componentPort} }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
s2s_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
log = { info = "${d}/prosody.log" }
limits = { c2s = { rate = "10mb/s" } }
-- A server on the network may pass on stanzas up to 512 KiB (s2s); this lets a local client
-- stand in for such a sender.
c2s_stanza_size_limit = 1024 * 1024
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "presence"; "message" }
VirtualHost "localhost"
Component "${this.domain}"
	component_secret = "${this.secret}"
`);
		for (const [name, password] of Object.entries(this.users))
			await fs.writeFile(path.join(d, 'data', hostDir('localhost'), 'accounts', `${name}.dat`),
				`return {\n\t["password"] = "${password}";\n};\n`);
		await chown(d);
	}

	async start() {
		// Prosody refuses to run as root: as root, run it as its own user; otherwise as we are.
		const cmd = ['prosody', '--config', path.join(this.dir, 'prosody.cfg.lua'), '-F'];
		this.proc = isRoot ? spawn('runuser', ['-u', 'prosody', '--', ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] })
			: spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc.stdout.setEncoding('utf8').on('data', (s) => { this.log += s; });
		this.proc.stderr.setEncoding('utf8').on('data', (s) => { this.log += s; });
		this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
		const deadline = Date.now() + START_MS;
		while (Date.now() < deadline) {
			if (await portOpen(this.c2sPort) && await portOpen(this.componentPort))
				return;
			await sleep(100);
		}
		throw new Error(`prosody did not start\n${this.log}\n${await this.fileLog()}`);
	}

	async fileLog() {
		return fs.readFile(path.join(this.dir, 'prosody.log'), 'utf8').catch(() => '');
	}

	/** Stop Prosody (the Lua process runuser started, then runuser itself). */
	async stop() {
		if (!this.proc)
			return;
		const pid = Number(await fs.readFile(path.join(this.dir, 'prosody.pid'), 'utf8').catch(() => '0'));
		if (pid)
			try { process.kill(pid, 'SIGTERM'); } catch { /* gone already */ }
		this.proc.kill('SIGTERM');
		const timer = setTimeout(() => { if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
		await this.exited;
		clearTimeout(timer);
		while (await portOpen(this.componentPort))
			await sleep(50);
		this.proc = null;
	}

	async cleanup() {
		await this.stop();
		await fs.rm(this.dir, { recursive: true, force: true });
	}
}

const isRoot = process.getuid?.() === 0;

async function chown(dir) {
	if (!isRoot)
		return;
	await new Promise((resolve, reject) => {
		const p = spawn('chown', ['-R', 'prosody:', dir], { stdio: 'inherit' });
		p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chown ${dir} failed`))));
	});
}

/** Start a Prosody with component `domain` (secret `secret`) and the given users. */
export async function startProsody({ domain = 'chat.example.test', secret = 'component-secret-1', users = {} } = {}) {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-prosody-'));
	await fs.chmod(dir, 0o755);
	const p = new Prosody(dir, { domain, secret, users, c2sPort: await freePort(), componentPort: await freePort() });
	await p.writeConfig();
	try {
		await p.start();
	} catch (err) {
		await p.cleanup();
		throw err;
	}
	return p;
}

/** An online XMPP session of `user` on Prosody `p` that records every stanza it receives. */
export async function xmppClient(p, user, { presence = true } = {}) {
	const c = makeClient({ service: `xmpp://127.0.0.1:${p.c2sPort}`, domain: 'localhost', resource: 'test', username: user, password: p.users[user] });
	c.on('error', () => {}); // a test that cares waits for the stanza it expected
	const session = { client: c, stanzas: [], waiters: [], jid: `${user}@localhost` };
	c.on('stanza', (st) => {
		session.stanzas.push(st);
		for (const w of [...session.waiters])
			w.check();
	});
	await c.start();
	if (presence)
		await c.send(xml('presence'));
	/** The first stanza (not taken before) matching pred, within ms. */
	session.taken = new Set();
	session.next = (pred, ms = 5000, what = 'a stanza') => new Promise((resolve, reject) => {
		const w = {
			check() {
				const st = session.stanzas.find((s) => !session.taken.has(s) && pred(s));
				if (!st)
					return;
				session.taken.add(st);
				clearTimeout(w.timer);
				session.waiters.splice(session.waiters.indexOf(w), 1);
				resolve(st);
			},
		};
		w.timer = setTimeout(() => {
			session.waiters.splice(session.waiters.indexOf(w), 1);
			reject(new Error(`${user}: no ${what} within ${ms} ms; got:\n${session.stanzas.map(String).join('\n')}`));
		}, ms);
		session.waiters.push(w);
		w.check();
	});
	/** Send an iq and resolve with its answer (result or error). */
	let ids = 0;
	session.iq = async (to, type, child) => {
		const id = `q${++ids}`;
		await c.send(xml('iq', { to, type, id }, child));
		return session.next((s) => s.is('iq') && s.attrs.id === id && s.attrs.from === to, 5000, `answer to iq ${id}`);
	};
	session.stop = () => c.stop().catch(() => {});
	return session;
}

/** The JID of chat `pub` ("c_" + 15 bytes of base64url) in `domain`: the same bytes in lower-case base32. */
export function chatJid(pub, domain) {
	const bytes = Buffer.from(pub.slice(2), 'base64url');
	const abc = 'abcdefghijklmnopqrstuvwxyz234567';
	let bits = 0, acc = 0, out = '';
	for (const b of bytes) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += abc[(acc >> bits) & 31];
		}
	}
	return `${out}@${domain}`;
}
