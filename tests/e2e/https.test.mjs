// HTTPS as a library deploys it, twice: TLS in refdesk itself, and TLS at an nginx in front
// (Debian nginx-light on 127.0.0.1, configured by the recipe in docs/OPERATIONS.md as written).
// Each time, in real Chromium: the demo site with its embedded box and the staff pages load; a
// chat runs; the guest sends a pasted screenshot; the sharing tool opens; a screen share runs
// through the TURN relay and a frame goes back to the guest as a snapshot — and not one request
// fails. Chromium speaks HTTP/1.1 to refdesk (its ALPN offers only that) and HTTP/2 to nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot, SCREEN_CAPTURE_ARGS } from './lib/browser.mjs';
import { freePort, makeCertificate, startDemoServer } from '../lib/server.mjs';
import { startNginx, writeRefdeskConf } from './lib/nginx.mjs';
import { startTurn } from './lib/turn.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard, poll } from './lib/flows.mjs';

let dir;
let tls;
let turn;
let browser;
let n = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-https-'));
  tls = makeCertificate(dir);
  turn = await startTurn();
  // Chromium trusts the test certificate by its key, as if a CA had signed it: no certificate
  // error to click through (or to have the browser retry around) on any connection.
  browser = await launchBrowser({ args: [...SCREEN_CAPTURE_ARGS, `--ignore-certificate-errors-spki-list=${spkiHash(tls.cert)}`] });
});
after(async () => {
  await browser?.close();
  await turn?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const turnArgs = () => ['--turn', turn.url, '--turn-secret', turn.secret, '--ice-policy', 'relay'];

/** base64 of the SHA-256 of the certificate's public key (SPKI), as Chromium pins keys. */
function spkiHash(certPath) {
  const key = crypto.createPublicKey(fs.readFileSync(certPath)).export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(key).digest('base64');
}

/**
 * A context that records every request that fails (network
 * error, reset, cancelled) and every answer of 500 or more, in `context.failed`.
 */
async function watchedContext(options = {}) {
  const context = await newContext(browser, options);
  context.failed = [];
  context.on('requestfailed', (r) => context.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  context.on('response', (r) => { if (r.status() >= 500) context.failed.push(`${r.status()} ${r.url()}`); });
  return context;
}


/** The protocol the page's own document came over ('http/1.1', 'h2'). */
const protocolOf = (page) => page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);

/** The whole visit at `base` (https://...) of a server `srv`; `protocol` is what Chromium must speak. */
async function visit(base, srv, protocol, label) {
  n += 1;
  const who = srv.addOperator({ username: `tls${n}`, name: `Tess ${n}` });

  // The library's site: the loader, its styles and logo, and the embedded box.
  const patrons = await watchedContext({ viewport: { width: 1100, height: 900 } });
  const site = await patrons.newPage();
  await site.goto(`${base}/`);
  assert.equal(await protocolOf(site), protocol, `the demo site over ${label}`);
  const embedded = site.frameLocator('#ask-box iframe');
  await expect.visible(embedded.getByRole('heading').first());
  await screenshot(site, `https-${label}-site`);

  // The librarian signs in and goes available.
  const staff = await watchedContext();
  const op = await staff.newPage();
  await signIn(op, base, who);
  assert.equal(await protocolOf(op), protocol, `/staff over ${label}`);
  await goAvailable(op);

  // A chat in a pop-up box.
  const guest = await patrons.newPage();
  await guest.setViewportSize({ width: 900, height: 760 });
  await guest.goto(`${base}/box/ask?mode=popup`);
  const name = `Gail ${n}`;
  await startChat(guest, name);
  await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'joined the chat');
  await say(guest, `Hello over ${label}`);
  await expect.text(transcript(op), `Hello over ${label}`);
  await say(op, 'Hello, how can I help?');
  await expect.text(transcript(guest), 'Hello, how can I help?');

  // The guest pastes a screenshot and sends it; it reaches the librarian.
  await guest.getByRole('textbox', { name: 'Message' }).evaluate(async (field) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 200;
    const g = canvas.getContext('2d');
    g.fillStyle = '#1d5c8c';
    g.fillRect(0, 0, 320, 200);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'screen.png', { type: 'image/png' }));
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  const preview = guest.getByRole('region', { name: 'Image to send' });
  await preview.getByRole('button', { name: 'Send image' }).click();
  await expect.hidden(preview);
  await expect.visible(transcript(guest).getByRole('img', { name: /^Screenshot from the guest, 320×200/ }));
  await expect.text(transcript(op), 'screen.png');
  await expect.text(transcript(op), '320×200');

  // The sharing tool, and a screen share through the relay.
  const [tool] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await tool.waitForLoadState();
  await expect.visible(tool.locator('#conn[data-state="open"]'));
  await expect.text(transcript(tool), `Hello over ${label}`);
  await tool.getByRole('button', { name: 'Invite to share screen' }).click();
  await tool.getByRole('button', { name: 'Send invitation' }).click();
  await guest.getByRole('button', { name: 'Share my screen' }).click();
  await expect.visible(guest.getByRole('button', { name: 'Stop sharing' }));
  await poll(tool, () => {
    const v = document.getElementById('screen-video');
    return v && v.videoWidth > 0 && v.readyState >= 2;
  }, `decoded frames at the librarian over ${label}`);
  await screenshot(tool, `https-${label}-share`);
  await tool.getByRole('button', { name: 'Take snapshot' }).click();
  const send = tool.getByRole('button', { name: 'Send to guest' });
  await expect.enabled(send);
  await send.click();
  await expect.text(tool.locator('#send-note'), 'Sent to the guest.');
  await expect.count(transcript(guest).getByRole('img'), 2);
  await guest.getByRole('button', { name: 'Stop sharing' }).click();
  await expect.text(transcript(tool), 'The guest stopped sharing their screen');

  assert.deepEqual(staff.failed, [], `failed requests for the librarian over ${label}`);
  assert.deepEqual(patrons.failed, [], `failed requests for the patron over ${label}`);
  expectClean(staff);
  expectClean(patrons);
  await staff.close();
  await patrons.close();
}

test('TLS in refdesk: the whole visit over HTTPS, HTTP/1.1 to refdesk', { timeout: 180000 }, async () => {
  const srv = await startDemoServer({ tls, args: turnArgs() });
  try {
    await visit(srv.url, srv, 'http/1.1', 'refdesk-tls');
  } finally {
    await srv.close();
  }
});

test('TLS at nginx, configured as docs/OPERATIONS.md says: the whole visit, HTTP/2 to nginx', { timeout: 180000 }, async () => {
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const confDir = fs.mkdtempSync(path.join(dir, 'conf-'));
  // refdesk's own port and data come from startDemoServer; the recipe's file gives the rest.
  const conf = writeRefdeskConf(confDir, { upstreamPort: 8080, publicUrl: base, dataDir: confDir });
  const srv = await startDemoServer({ args: ['--config', conf, ...turnArgs()] });
  const nginx = await startNginx({ port, upstreamPort: srv.port, tls });
  try {
    await visit(base, srv, 'h2', 'nginx');
    // Every request went through nginx, and refdesk saw the patrons' address from it.
    assert.match(nginx.access(), /GET \/staff HTTP\/2\.0" 200/);
    assert.match(nginx.access(), /GET \/ws HTTP\/1\.1" 101/);
  } finally {
    await nginx.stop();
    await srv.close();
  }
});
