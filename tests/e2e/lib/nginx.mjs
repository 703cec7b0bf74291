// nginx.mjs: refdesk behind a real nginx that ends TLS, configured by the recipe in
// docs/OPERATIONS.md ("TLS and reverse proxies") — the same text a library copies.
//
// recipe() reads the two fenced blocks that follow the "<!-- recipe: ... -->" comments there: the
// refdesk config file and the nginx site. startNginx() runs a private nginx (Debian nginx-light)
// in a temporary directory on 127.0.0.1 with that site, changing only what a library changes too:
// the host name, the ports and the certificate paths. The wrapper around the site (pid file, logs,
// temporary paths) is what a private instance needs instead of Debian's /etc/nginx/nginx.conf.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './browser.mjs';

const HOST = 'chat.library.example';

/** The recipe's blocks: { refdeskConf, nginxSite } as written in docs/OPERATIONS.md. */
export function recipe() {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
  const block = (what, lang) => {
    const re = new RegExp(`<!-- recipe: ${what}[^>]*-->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``);
    const m = re.exec(doc);
    if (!m) throw new Error(`docs/OPERATIONS.md has no "${what}" recipe block`);
    return m[1];
  };
  return { refdeskConf: block('refdesk behind nginx', 'ini'), nginxSite: block('nginx in front of refdesk', 'nginx') };
}

/** Replace `from` in `text`, failing loudly when the recipe no longer has it. */
function swap(text, from, to) {
  if (!text.includes(from)) throw new Error(`the recipe no longer contains "${from}"`);
  return text.split(from).join(to);
}

/**
 * The refdesk config file of the recipe for a server on `upstreamPort` behind `publicUrl`
 * (https://127.0.0.1:PORT), written into `dir`; returns its path.
 */
export function writeRefdeskConf(dir, { upstreamPort, publicUrl, dataDir }) {
  let conf = recipe().refdeskConf;
  conf = swap(conf, '127.0.0.1:8080', `127.0.0.1:${upstreamPort}`);
  conf = swap(conf, '/var/lib/refdesk', dataDir);
  conf = swap(conf, `https://${HOST}/`, `${publicUrl}/`);
  const file = path.join(dir, 'refdesk.conf');
  fs.writeFileSync(file, conf);
  return file;
}

function waitForPort(port, child, output) {
  const deadline = Date.now() + 10000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`nginx exited (${child.exitCode}):\n${output()}`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(); });
      sock.once('error', () => {
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}:\n${output()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * nginx on 127.0.0.1:`port` with the recipe's site in front of refdesk on `upstreamPort`, using
 * the certificate `tls` ({cert, key}). Resolves with { stop(), output() }.
 */
export async function startNginx({ port, upstreamPort, tls }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-nginx-'));
  let site = recipe().nginxSite;
  site = swap(site, 'listen 443 ssl', `listen 127.0.0.1:${port} ssl`);
  site = swap(site, `server_name ${HOST};`, 'server_name 127.0.0.1;');
  site = swap(site, `/etc/letsencrypt/live/${HOST}/fullchain.pem`, tls.cert);
  site = swap(site, `/etc/letsencrypt/live/${HOST}/privkey.pem`, tls.key);
  site = swap(site, 'http://127.0.0.1:8080', `http://127.0.0.1:${upstreamPort}`);
  const conf = `# A private nginx for one test: everything under ${dir}.
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    default_type application/octet-stream;
${site}
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const output = () => out + (fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
  await waitForPort(port, child, output);
  return {
    output,
    access: () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8'),
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await done;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
