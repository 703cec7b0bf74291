#!/usr/bin/env node
// bench/xmpp_cost.mjs - instructions refdesk spends per relayed message, guest (web) to an
// operator on the webclient and to an operator in an XMPP client, measured with callgrind
// (independent of machine noise), as bench/run measures web to web.
//
//   node bench/xmpp_cost.mjs [N]     (default 300; needs build/refdesk, valgrind, prosody, root)
//
// Each path runs twice, with N and 3N messages, in a server started afresh under
// valgrind --tool=callgrind; the difference cancels start-up and set-up:
// instructions per message = (I(3N) - I(N)) / 2N.  Sign-in and the XMPP link's confirmation
// happen beforehand on a server without valgrind (the session and the linked address are
// in the database the measured server opens).  The guest sends one message at a time and
// waits until the operator's side has it, so both paths do exactly one relay per message.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '../tests/integration/lib/client.mjs';
import { startProsody, xml, xmppClient } from '../tests/integration/lib/prosody.mjs';
import { Server, copyFixtures, repoRoot } from '../tests/lib/server.mjs';

const N = Number(process.argv[2] ?? 300);
const DOMAIN = 'chat.example.test';
const SECRET = 'bench-secret';
const BIN = path.join(repoRoot, 'build', 'refdesk');

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-cost-'));
const prosody = await startProsody({ domain: DOMAIN, secret: SECRET, users: { lib1: 'lib1-password-1' } });
await fs.writeFile(path.join(tmp, 'secret'), SECRET);
await fs.mkdir(path.join(tmp, 'no-vips-modules'));
const ARGS = ['--xmpp-domain', DOMAIN, '--xmpp-server', prosody.componentAddress, '--xmpp-secret-file', path.join(tmp, 'secret'),
	'--msg-rate', '100000', '--msg-burst', '100000', '--log-level', 'warn'];

function approve(lib) {
	lib.client.on('stanza', (st) => {
		if (st.is('presence') && st.attrs.type === 'subscribe')
			lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
	});
}

/** A data directory with the fixtures, ann signed in, and ann's XMPP address confirmed. */
async function prepare() {
	const dir = path.join(tmp, 'data');
	await fs.mkdir(dir);
	await copyFixtures(dir);
	const srv = new Server(dir, { bin: BIN, args: ARGS });
	await srv.start();
	const s = await srv.session('ann');
	const lib = await xmppClient(prosody, 'lib1');
	approve(lib);
	for (let t = Date.now(); !(await srv.request('GET', '/api/xmpp', { session: s })).json.connected;)
		if (Date.now() - t > 10000) throw new Error('no XMPP link');
	await srv.request('POST', '/api/xmpp/jid', { session: s, body: { jid: 'lib1@localhost' } });
	const m = await lib.next((st) => st.is('message') && st.attrs.from === DOMAIN, 5000, 'code');
	const code = /code is ([a-z0-9]{8})/.exec(m.getChildText('body'))[1];
	const r = await srv.request('POST', '/api/xmpp/confirm', { session: s, body: { code } });
	if (r.status !== 200) throw new Error(`confirm: ${r.text}`);
	await new Promise((res) => setTimeout(res, 500));
	await lib.stop();
	await srv.stop();
	return { dir, cookie: s.cookie };
}

async function measure(base, mode, count) {
	const dir = path.join(tmp, `${mode}-${count}`);
	await fs.cp(base.dir, dir, { recursive: true });
	const out = path.join(tmp, `callgrind.${mode}.${count}.out`);
	const wrapper = path.join(tmp, `run-${mode}-${count}.sh`);
	await fs.writeFile(wrapper, `#!/bin/sh\nVIPSHOME=${tmp}/no-vips-modules exec valgrind --tool=callgrind --callgrind-out-file=${out} ${BIN} "$@"\n`, { mode: 0o755 });
	const srv = new Server(dir, { bin: wrapper, args: ARGS, stopTimeoutMs: 300000 });
	await srv.start();
	try {
		return await relay(srv, base, mode, count, out);
	} finally {
		await srv.kill().catch(() => {}); // after a failure only: relay() stopped it cleanly
	}
}

async function relay(srv, base, mode, count, out) {
	let lib = null, op = null;
	const g = await Client.connect(srv.wsUrl, { label: 'guest', timeout: 60000 });
	if (mode === 'xmpp') {
		for (let t = Date.now(); !/xmpp: connected/.test(srv.stderr) && !(await srv.request('GET', '/api/health')).json?.ok;)
			if (Date.now() - t > 60000) throw new Error('no link');
		lib = await xmppClient(prosody, 'lib1');
		approve(lib);
		// Ann is available once her presence reached the component.
		for (let t = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
			const w = await g.request({ type: 'presence.watch', queues: ['alpha'] }, 60000);
			if (w.queues?.alpha) break;
			if (Date.now() - t > 60000) throw new Error('ann never available via XMPP');
		}
	} else {
		op = await Client.connect(srv.wsUrl, { cookie: base.cookie, label: 'ann', timeout: 60000 });
		await op.next((f) => f.type === 'hello', 60000);
		await op.request({ type: 'availability.set', queue: 'alpha', available: true }, 60000);
	}
	const start = await g.request({ type: 'chat.start', queue: 'alpha', name: 'Pat' }, 60000);
	const chat = start.chat;
	let jid = null;
	if (mode === 'xmpp') {
		const ring = await lib.next((st) => st.is('message') && /staff\/chat/.test(st.getChildText('body') ?? ''), 60000, 'ring');
		jid = ring.attrs.from;
		await lib.client.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'hello')));
	} else {
		await op.next((f) => f.type === 'chat.offer' && f.chat === chat, 60000);
		await op.request({ type: 'chat.accept', chat }, 60000);
	}
	if (mode === 'xmpp')
		await g.next((f) => f.type === 'event' && f.kind === 'message' && f.from === 'operator', 60000, 'first answer');
	else
		await g.next((f) => f.type === 'event' && f.kind === 'notice' && f.notice === 'joined', 60000, 'joined');
	const t0 = Date.now();
	for (let i = 0; i < count; i++) {
		const text = `message number ${i} from the guest`;
		await g.request({ type: 'msg.send', chat, text }, 60000);
		if (mode === 'xmpp')
			await lib.next((st) => st.is('message') && st.attrs.from === jid && st.getChildText('body') === text, 60000, text);
		else
			await op.next((f) => f.type === 'event' && f.text === text, 60000, text);
	}
	const secs = (Date.now() - t0) / 1000;
	await g.close();
	await op?.close();
	await lib?.stop();
	await srv.stop();
	const text = await fs.readFile(out, 'utf8');
	const total = Number(/^(?:summary|totals):\s+(\d+)/m.exec(text)[1]);
	console.error(`${mode} ${count}: ${total} instructions (${secs.toFixed(1)} s of messages under callgrind)`);
	return total;
}

try {
	const base = await prepare();
	const result = {};
	for (const mode of ['web', 'xmpp']) {
		const i1 = await measure(base, mode, N);
		const i3 = await measure(base, mode, 3 * N);
		result[mode] = Math.round((i3 - i1) / (2 * N));
		console.log(`RESULT instr label=${mode === 'web' ? 'web-to-web' : 'web-to-xmpp'} n1=${N} i1=${i1} n3=${3 * N} i3=${i3} per_msg=${result[mode]}`);
	}
	console.log(`instructions per relayed message: web to web ${result.web}, web to XMPP ${result.xmpp} (${(result.xmpp / result.web).toFixed(2)}x)`);
} finally {
	await prosody.cleanup();
	await fs.rm(tmp, { recursive: true, force: true });
}
