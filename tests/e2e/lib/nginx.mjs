// nginx.mjs: refdesk behind a real nginx that ends TLS, configured by the recipe in
// docs/OPERATIONS.md ("TLS and reverse proxies") — the same text a library copies.
//
// recipe() reads the two fenced blocks that follow the "<!-- recipe: ... -->" comments there: the
// refdesk config file and the nginx site. startNginx() runs a private nginx (Debian nginx-light)
// on 127.0.0.1 with that site (tests/lib/nginx.mjs), changing only what a library changes too:
// the host name, the ports and the certificate paths.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './browser.mjs';
import { runNginx } from '../../lib/nginx.mjs';

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

/**
 * nginx on 127.0.0.1:`port` with the recipe's site in front of refdesk on `upstreamPort`, using
 * the certificate `tls` ({cert, key}). Resolves with { stop(), output() }.
 */
export async function startNginx({ port, upstreamPort, tls }) {
  let site = recipe().nginxSite;
  site = swap(site, 'listen 443 ssl', `listen 127.0.0.1:${port} ssl`);
  site = swap(site, `server_name ${HOST};`, 'server_name 127.0.0.1;');
  site = swap(site, `/etc/letsencrypt/live/${HOST}/fullchain.pem`, tls.cert);
  site = swap(site, `/etc/letsencrypt/live/${HOST}/privkey.pem`, tls.key);
  site = swap(site, 'http://127.0.0.1:8080', `http://127.0.0.1:${upstreamPort}`);
  return runNginx(site, port);
}
