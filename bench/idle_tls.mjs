// idle_tls.mjs: what an idle socket costs refdesk over ws:// and over wss:// (TLS in refdesk).
//
//   node bench/idle_tls.mjs [N]     (default 2000 sockets of each kind; build/refdesk)
//
// For each kind a fresh server (so freed memory is not reused) on 127.0.0.1 with a throwaway
// certificate; N guest sockets each send presence.watch and stay open; the server's resident
// memory (VmRSS) before and after, over N, is the cost of one. Prints one line per kind.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.REFDESK_BIN || path.join(ROOT, 'build/refdesk');
const N = Number(process.argv[2] || 2000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-idle-tls-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
  '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function measure(kind) {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(dir, 'data-'));
  const tls = kind === 'wss' ? ['--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')] : [];
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data, '--demo', '--web', path.join(ROOT, 'web'),
    '--max-conns-per-ip', String(N + 100), '--conn-rate', '100000', '--conn-burst', '100000', ...tls], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => proc.stdout.on('data', (d) => { if (String(d).includes('listening')) resolve(); }));
  await sleep(500);
  const before = rssKiB(proc.pid);
  const sockets = [];
  for (let i = 0; i < N; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 100); j++) {
      batch.push(new Promise((resolve, reject) => {
        const ws = new WebSocket(`${kind}://127.0.0.1:${port}/ws`, { rejectUnauthorized: false, perMessageDeflate: false });
        ws.once('open', () => ws.send(JSON.stringify({ type: 'presence.watch', id: `w${j}`, queues: ['ask'] })));
        ws.once('message', () => resolve(ws));
        ws.once('error', reject);
      }));
    }
    sockets.push(...await Promise.all(batch));
  }
  await sleep(2000);
  const after = rssKiB(proc.pid);
  for (const ws of sockets) ws.terminate();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  return { kind, before, after, per: (after - before) / N };
}

try {
  for (const kind of ['ws', 'wss']) {
    const r = await measure(kind);
    console.log(`IDLE ${r.kind.padEnd(3)} ${N} sockets: server RSS ${r.before} -> ${r.after} KiB, ${r.per.toFixed(2)} KiB/socket`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
