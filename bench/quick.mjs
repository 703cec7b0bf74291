// bench/quick.mjs — a first look at refdesk's numbers, printed, never asserted.
//
//   node bench/quick.mjs [--bin build/refdesk] [--messages 20000] [--window 64] [--idle 1000]
//
// Starts the release binary on 127.0.0.1 with a throwaway data directory, then:
//  1. relay: one guest sends messages to one operator as fast as acks allow, with
//     `window` messages in flight; reports acked messages per second, ack latency and
//     delivery latency (send -> the operator's receipt), and how many commits the
//     writer made (group commit);
//  2. idle: opens `idle` guest sockets that only watch a queue's presence and reports the
//     server's resident memory per socket.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const BIN = arg('bin', 'build/refdesk');
const MESSAGES = Number(arg('messages', 20000));
const WINDOW = Number(arg('window', 64));
const IDLE = Number(arg('idle', 1000));

const freePort = () => new Promise((res) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];

const dir = mkdtempSync(join(tmpdir(), 'refdesk-bench-'));
const port = await freePort();
const admin = (...a) => execFileSync(BIN, ['admin', '--data', dir, ...a], { input: 'bench-password\n' });
admin('account', 'add', 'Bench');
admin('queue', 'add', '--account', 'Bench', 'bench');
admin('operator', 'add', '--account', 'Bench', 'op');
admin('member', 'add', 'bench', 'op');
const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dir, '--web', 'web',
  '--max-conns-per-ip', String(IDLE + 100), '--conn-burst', String(IDLE + 100), '--conn-rate', '100000',
  // A real patron types a few messages a minute; lift the per-socket flood limit to measure the server.
  '--msg-rate', '1000000', '--msg-burst', '1000000'],
{ stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((res) => server.stdout.on('data', (d) => { if (String(d).includes('listening')) res(); }));
const base = `http://127.0.0.1:${port}`;

function open(headers = {}) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, perMessageDeflate: false });
    ws.on('open', () => res(ws));
    ws.on('error', rej);
  });
}
const once = (ws, pred) => new Promise((res) => {
  const f = (m) => { const o = JSON.parse(m); if (pred(o)) { ws.off('message', f); res(o); } };
  ws.on('message', f);
});

try {
  const r = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'op', password: 'bench-password' }) });
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const op = await open({ cookie });
  op.send(JSON.stringify({ type: 'availability.set', id: 'a', queue: 'bench', available: true }));
  await once(op, (o) => o.id === 'a');
  const guest = await open();
  guest.send(JSON.stringify({ type: 'chat.start', id: 's', queue: 'bench' }));
  const { chat } = await once(guest, (o) => o.id === 's');
  op.send(JSON.stringify({ type: 'chat.accept', id: 'acc', chat }));
  await once(op, (o) => o.id === 'acc');
  await sleep(100);

  // 1. relay
  const sentAt = new Map();
  const ackLat = [];
  const delLat = [];
  let next = 0;
  let acked = 0;
  let delivered = 0;
  const t0 = performance.now();
  const done = new Promise((res) => {
    op.on('message', (m) => {
      const o = JSON.parse(m);
      if (o.type === 'event' && o.kind === 'message' && sentAt.has(o.cid)) {
        delLat.push(performance.now() - sentAt.get(o.cid));
        if (++delivered === MESSAGES) res();
      }
    });
  });
  const send = () => {
    const id = `m${next++}`;
    sentAt.set(id, performance.now());
    guest.send(JSON.stringify({ type: 'msg.send', id, chat, text: `message ${id}` }));
  };
  guest.on('message', (m) => {
    const o = JSON.parse(m);
    if (o.type === 'ack') {
      ackLat.push(performance.now() - sentAt.get(o.id));
      acked++;
      if (next < MESSAGES) send();
    } else if (o.type === 'error') {
      console.error('error', o);
    }
  });
  for (let i = 0; i < Math.min(WINDOW, MESSAGES); i++) send();
  await done;
  const secs = (performance.now() - t0) / 1000;
  ackLat.sort((a, b) => a - b);
  delLat.sort((a, b) => a - b);
  console.log(`relay: ${MESSAGES} messages, window ${WINDOW}: ${(MESSAGES / secs).toFixed(0)} msg/s acked+delivered`);
  console.log(`  ack latency ms p50 ${pct(ackLat, 0.5).toFixed(2)} p99 ${pct(ackLat, 0.99).toFixed(2)}; ` +
    `delivery ms p50 ${pct(delLat, 0.5).toFixed(2)} p99 ${pct(delLat, 0.99).toFixed(2)}`);

  // 2. idle sockets
  await sleep(300);
  const before = rssKb(server.pid);
  const idle = [];
  const t1 = performance.now();
  for (let i = 0; i < IDLE; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(IDLE, i + 100); j++) batch.push(open());
    idle.push(...await Promise.all(batch));
  }
  const openSecs = (performance.now() - t1) / 1000;
  await sleep(500);
  const after = rssKb(server.pid);
  console.log(`idle: ${IDLE} guest sockets opened in ${openSecs.toFixed(2)} s; ` +
    `server RSS ${before} -> ${after} KiB = ${((after - before) / IDLE).toFixed(2)} KiB per socket`);
  for (const ws of idle) ws.terminate();
  guest.terminate();
  op.terminate();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
