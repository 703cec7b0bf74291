// turn.mjs: a real TURN relay (coturn) on 127.0.0.1 for the screensharing
// tests. Chromium gathers no host candidates on loopback, so two pages on
// this machine connect only through a relay — which is also refdesk's
// privacy mode (--ice-policy relay). The relay checks credentials with a
// shared secret, as in production (use-auth-secret); loopback peers are
// allowed here only.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A UDP port on 127.0.0.1 where nothing listens now (bound, then let go). */
export function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start turnserver; resolves with { url, secret, stop(), output() }. */
export async function startTurn({ secret = 'turn-test-secret' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-turn-'));
  const port = await freeUdpPort();
  // A relay port range of its own, away from other tests' ephemeral ports.
  const min = 40000 + Math.floor(Math.random() * 200) * 100;
  const args = ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${min}`, `--max-port=${min + 99}`, '--use-auth-secret', `--static-auth-secret=${secret}`,
    '--realm=refdesk.test', '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls',
    '--no-multicast-peers', '--fingerprint', '--log-file=stdout', '--simple-log',
    `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--userdb=${path.join(dir, 'turndb')}`];
  const child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + 10000;
  while (!/Total General servers/.test(output)) {
    if (child.exitCode !== null) throw new Error(`turnserver exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    stun: `stun:127.0.0.1:${port}`,
    secret,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await done;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
