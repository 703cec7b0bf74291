// server.mjs: start a real refdesk server for one browser test file.
//
// startServer() runs `refdesk serve` (the binary in $REFDESK_BIN, else
// build/refdesk) on a free 127.0.0.1 port with a fresh temporary data
// directory and the demo library (over HTTPS when given a certificate),
// waits until /api/health answers, and
// returns helpers to add operators through `refdesk admin`, to crash and
// revive the server (same port, same data), and stop() to kill it and remove
// the directory.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './browser.mjs';

const BIN = process.env.REFDESK_BIN || path.join(ROOT, 'build', 'refdesk');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** GET url/api/health: true on 200 (over https trusting `ca`). */
function healthy(url, ca) {
  if (!url.startsWith('https:'))
    return fetch(`${url}/api/health`).then((res) => res.ok, () => false);
  return new Promise((resolve) => {
    const req = https.get(`${url}/api/health`, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

async function waitForHealth(url, child, timeoutMs = 15000, ca) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`refdesk exited early with code ${child.exitCode}`);
    if (await healthy(url, ca)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`refdesk did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * A throwaway certificate for 127.0.0.1 (and localhost) in `dir`:
 * { cert, key, ca } where cert and key are paths and ca the certificate's bytes.
 */
export function makeCertificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, ca: fs.readFileSync(cert) };
}

/**
 * Start a server; `demo` (default true) loads the demo library site; `extra`
 * are more serve options; `tls` ({cert, key, ca}, see makeCertificate) serves
 * HTTPS.
 */
export async function startServer({ demo = true, extra = [], tls = null } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`no server binary at ${BIN}: run make, or set REFDESK_BIN`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-e2e-'));
  const port = await freePort();
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--web', path.join(ROOT, 'web')];
  if (demo) args.push('--demo');
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);
  args.push(...extra);
  let child = null;
  let output = '';
  const launch = async () => {
    child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    try {
      await waitForHealth(url, child, 15000, tls?.ca);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${err.message}\n--- server output ---\n${output}`);
    }
  };
  const kill = async (signal) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await launch();

  const admin = (args, input = '') =>
    execFileSync(BIN, ['admin', '--data', dataDir, ...args], { input, encoding: 'utf8' });

  return {
    url,
    port,
    dataDir,
    output: () => output,
    /** The server's process id (for benchmarks that read /proc). */
    get pid() { return child.pid; },
    admin,
    /**
     * Create an operator of the demo library, a member of `queues`.
     * Returns { username, password, name }.
     */
    addOperator({ username, name, password = 'correct horse battery', isAdmin = false, queues = ['ask'] }) {
      const args = ['operator', 'add', '--account', 'Demo Library', username, '--name', name];
      if (isAdmin) args.push('--admin');
      admin(args, `${password}\n`);
      for (const q of queues) admin(['member', 'add', q, username]);
      return { username, password, name };
    },
    /** Kill the server hard (SIGKILL) — a crash or a cut network for the browsers. */
    crash: () => kill('SIGKILL'),
    /** Start it again on the same port with the same data. */
    revive: () => launch(),
    async stop() {
      await kill('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
