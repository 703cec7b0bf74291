// bench/screenshare.mjs — how fast a screen share starts, and what it costs the server.
//
//   node bench/screenshare.mjs [--runs 5] [--hold 10]
//
// Starts the release server (build/refdesk, or $REFDESK_BIN) and a TURN relay (coturn) on
// 127.0.0.1 with the relay-only policy, and two headless Chromium contexts (guest and
// operator) with a synthetic screen. Each run: the operator invites, the guest clicks Share
// my screen, and the time from that click to the first decoded frame at the operator is
// measured on one clock (both pages run on this machine), with where it went: the capture
// dialog, the consent round trip, the offer reaching the operator, ICE + DTLS over the
// relay, the first frame. Then one share is held for --hold seconds and the server's CPU
// time over it is read from /proc (signaling only: the media goes through the relay).
// Figures are printed, never asserted.
import { launchBrowser, newContext, SCREEN_CAPTURE_ARGS } from '../tests/e2e/lib/browser.mjs';
import { startDemoServer } from '../tests/lib/server.mjs';
import { startTurn } from '../tests/e2e/lib/turn.mjs';
import { signIn, goAvailable, startChat, transcript, offerCard } from '../tests/e2e/lib/flows.mjs';
import { expect } from '../tests/e2e/lib/expect.mjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 5);
const HOLD = arg('hold', 10);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.REFDESK_BIN ||= path.join(ROOT, 'build', 'refdesk');

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 10 ms ticks
};

// Page side: timestamps of what the browser does, on the page's own clock (Date.now()).
function instrument() {
  window.__t = {};
  const mark = (k) => { if (!window.__t[k]) window.__t[k] = Date.now(); };
  const gdm = MediaDevices.prototype.getDisplayMedia;
  if (gdm) {
    MediaDevices.prototype.getDisplayMedia = function (...a) {
      mark('capture_asked');
      return gdm.apply(this, a).then((s) => { mark('capture_granted'); return s; });
    };
  }
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function RTCPeerConnection(...a) {
    const pc = new Native(...a);
    mark('pc_created');
    pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && mark('connected'));
    pc.addEventListener('track', () => mark('track'));
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  window.__reset = () => { window.__t = {}; };
}

const turn = await startTurn();
const srv = await startDemoServer({ args: ['--turn', turn.url, '--turn-secret', turn.secret, '--ice-policy', 'relay'] });
const browser = await launchBrowser({ args: SCREEN_CAPTURE_ARGS });
try {
  const op = srv.addOperator({ username: 'bench', name: 'Bench Operator' });
  const staff = await newContext(browser);
  await staff.addInitScript(instrument);
  const desk = await staff.newPage();
  await signIn(desk, srv.url, op);
  await goAvailable(desk);
  const guests = await newContext(browser, { viewport: { width: 1280, height: 720 } });
  await guests.addInitScript(instrument);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Bench Guest');
  await offerCard(desk, 'Bench Guest').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'joined the chat');
  const [tool] = await Promise.all([staff.waitForEvent('page'),
    desk.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await tool.waitForLoadState();
  await expect.visible(tool.locator('#conn[data-state="open"]'));

  const rows = [];
  for (let run = 0; run < RUNS; run++) {
    await tool.evaluate(() => window.__reset());
    await guest.evaluate(() => window.__reset());
    await tool.getByRole('button', { name: 'Invite to share screen' }).click();
    await tool.getByRole('button', { name: 'Send invitation' }).click();
    const share = guest.getByRole('button', { name: 'Share my screen' });
    await expect.visible(share);
    const clicked = guest.evaluate(() => new Promise((resolve) => {
      document.addEventListener('click', () => resolve(Date.now()), { capture: true, once: true });
    }));
    await share.click();
    const t0 = await clicked;
    const frame = await tool.evaluate(async () => {
      const v = document.getElementById('screen-video');
      const until = Date.now() + 20000;
      while (!(v.videoWidth > 0 && v.readyState >= 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
      return Date.now();
    });
    const g = await guest.evaluate(() => window.__t);
    const o = await tool.evaluate(() => window.__t);
    rows.push({ total: frame - t0, capture: g.capture_granted - t0, offer_at_operator: o.pc_created - t0,
      connected: o.connected - t0, track: o.track - t0 });
    if (run < RUNS - 1) {
      await tool.getByRole('button', { name: 'Stop screensharing' }).click();
      await expect.hidden(tool.locator('#screen'));
      await expect.enabled(tool.getByRole('button', { name: 'Invite to share screen' }));
    }
  }

  // Hold the last share and read the server's CPU over it.
  const before = cpuMs(srv.pid);
  await tool.waitForTimeout(HOLD * 1000);
  const used = cpuMs(srv.pid) - before;
  const fps = await tool.locator('#screen-stats').textContent();

  console.log('screen share start (consent click -> first decoded frame at the operator), ms');
  console.log('run  capture  offer@op  connected  track  first-frame');
  rows.forEach((r, i) => console.log(`${String(i + 1).padEnd(4)} ${String(r.capture).padStart(7)} ${String(r.offer_at_operator).padStart(9)} ${String(r.connected).padStart(10)} ${String(r.track).padStart(6)} ${String(r.total).padStart(12)}`));
  console.log(`median first frame: ${median(rows.map((r) => r.total))} ms over ${RUNS} runs (target < 1000 ms)`);
  console.log(`server CPU while one share runs for ${HOLD} s: ${used} ms (${(used / HOLD / 10).toFixed(2)} % of a core); stream ${fps}`);
} finally {
  await browser.close();
  await srv.close();
  await turn.stop();
}
