// bench/box.mjs — how fast the patron's chat box (and the staff pages) open, on a slow phone
// connection and on plain loopback.
//
//   node bench/box.mjs [--runs 3] [--only box,staff,share] [--profiles slow,loopback] [--web DIR]
//                      [--web-min DIR]
//
// (--web serves another checkout's web/ directory, with its REFDESK_BIN, to compare; --web-min
// the minified scripts `make` writes, build/web-min by default with this checkout's web/, none
// with another's unless given; "" for none.)
// Starts its own server (build/refdesk, or $REFDESK_BIN) with --demo in a temporary data
// directory on 127.0.0.1 and headless Chromium with the test suite's flags
// (tests/e2e/lib/chromium.mjs). Every run is a fresh browser context (empty cache) opening
// the demo site's home page over plain HTTP; the "slow" profile is Chromium's own network
// emulation (CDP Network.emulateNetworkConditions: 400 ms latency per request, 400 kbit/s
// down and up), "loopback" is none. Measured, from navigation start:
//
//   host     the host page's own first contentful paint (its document and stylesheet)
//   state    the box's first state visible in its frame: the ask form, or the away notice
//            (the form while a librarian is available, the notice while nobody is)
//   script   box.js running (the form works from then on; a click before it does nothing)
//   message  Start chat clicked → the Message field visible: clicked at once, and after
//            typing a name (as a patron does who gives one)
//   bytes    bytes on the wire (headers included, as Chromium counts them), and requests,
//            for the box's frame until it works (before any chat) and with a chat started,
//            for the loader (embed.js, dock.js), and for the whole page
//
// and for the staff side the first usable view: the webclient with its connection open and
// its availability switch enabled; the sharing tool with its chat joined (editor shown,
// connection open). Figures are printed (median of the runs, and every run), never asserted.
// The server is killed when the script ends, also on failure, Ctrl-C or SIGTERM.
import { launchBrowser, ROOT } from '../tests/e2e/lib/chromium.mjs';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(opt('runs', 3));
const ONLY = opt('only', 'box,staff,share').split(',');
const PROFILES = opt('profiles', 'slow,loopback').split(',');
const BIN = process.env.REFDESK_BIN || path.join(ROOT, 'build', 'refdesk');
const WEB = opt('web', path.join(ROOT, 'web')); // another checkout's pages, to compare
const WEB_MIN = opt('web-min', opt('web') ? '' : path.join(ROOT, 'build', 'web-min'));
const SLOW = { offline: false, latency: 400, downloadThroughput: 400000 / 8, uploadThroughput: 400000 / 8 };
const OPERATOR = { username: 'benchbox', password: 'correct horse battery', name: 'Bench Librarian' };

/* ---------- the server, and making sure it goes ---------- */

let server = null;
let browser = null;
let dataDir = null;

function cleanUp() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  server = null;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
}
// 'exit' runs for a normal end and for process.exit(); the signals would otherwise end
// node without it, leaving the server orphaned.
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`box.mjs: ${sig}, stopping the server\n`);
    browser?.close().catch(() => {});
    process.exit(128 + os.constants.signals[sig]);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  if (!fs.existsSync(BIN)) throw new Error(`no server binary at ${BIN}: run make, or set REFDESK_BIN`);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-box-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--web',
    WEB, ...(WEB_MIN ? ['--web-min', WEB_MIN] : []), '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { output += d; });
  server.stderr.on('data', (d) => { output += d; });
  for (const until = Date.now() + 15000; Date.now() < until;) {
    if (server.exitCode !== null) break;
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) {
      const admin = (args, input = '') => execFileSync(BIN, ['admin', '--data', dataDir, ...args], { input });
      admin(['operator', 'add', '--account', 'Demo Library', OPERATOR.username, '--name', OPERATOR.name],
        `${OPERATOR.password}\n`);
      admin(['member', 'add', 'ask', OPERATOR.username]);
      return url;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`refdesk did not start on ${url}\n${output}`);
}

/* ---------- measuring one page load ---------- */

// Runs in every frame before its scripts: marks (epoch ms, one clock for all frames) when
// each watched element is first seen shown, then waits for the next frame to be drawn
// (requestAnimationFrame, then a task), which a render-blocking stylesheet still loading
// holds back.
function watchFirstState(watch) {
  const now = () => performance.timeOrigin + performance.now();
  window.__marks = {};
  const shown = (sel) => {
    const el = document.querySelector(sel);
    return el && !el.hidden && !el.closest('[hidden]') && el.getClientRects().length > 0;
  };
  const check = () => {
    for (const [name, sel] of Object.entries(watch)) {
      if (window.__marks[name] || window.__marks[`${name}?`] || !shown(sel)) continue;
      window.__marks[`${name}?`] = now();
      requestAnimationFrame(() => setTimeout(() => {
        // Seen before the stylesheets applied (which may hide it): count it only if still shown.
        if (shown(sel)) window.__marks[name] = now();
        else delete window.__marks[`${name}?`];
      }, 0));
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('DOMContentLoaded', check);
  addEventListener('load', check);
}

// `script`: box.js has run (it marks the box with its mode), so Start chat works.
const BOX_WATCH = { form: '#view-start #start-chat', away: '#view-offline', message: '#message', script: '#box[data-mode]' };

async function newMeasuredPage(context, profile) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  if (profile === 'slow') await cdp.send('Network.emulateNetworkConditions', SLOW);
  const reqs = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (!reqs.has(e.requestId)) reqs.set(e.requestId, { url: e.request.url, frame: e.frameId, bytes: 0, type: e.type });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = reqs.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  cdp.on('Network.webSocketCreated', (e) => reqs.set(`ws:${e.requestId}`, { url: e.url, frame: null, bytes: 0, type: 'WebSocket' }));
  return { page, cdp, reqs };
}

/** Sums of requests and bytes over the requests for which `pick` is true. */
function tally(reqs, pick) {
  const list = [...reqs.values()].filter(pick);
  return { requests: list.length, bytes: list.reduce((n, r) => n + r.bytes, 0), list };
}

async function marksIn(frame) {
  return frame.evaluate(() => ({ ...window.__marks, origin: performance.timeOrigin,
    fcp: performance.timeOrigin + (performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN) }));
}

async function waitFor(fn, what, timeout = 30000) {
  for (const until = Date.now() + timeout; Date.now() < until;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The demo home page with its embedded box; returns the figures of one run. */
async function runBox(url, profile, staffed, typed = false) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(watchFirstState, BOX_WATCH);
    const { page, reqs } = await newMeasuredPage(context, profile);
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    const box = await waitFor(() => page.frames().find((f) => f.url().includes('/box/ask?mode=embedded')), 'the box frame');
    const state = staffed ? 'form' : 'away';
    const marks = await waitFor(async () => {
      const m = await marksIn(box).catch(() => null);
      return m && m[state] ? m : null;
    }, `the box's ${state}`);
    const host = await page.evaluate(() => ({
      origin: performance.timeOrigin,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    }));
    const out = {
      host: host.fcp,
      state: marks[state] - host.origin,
      boxPaint: marks.fcp - host.origin, // the frame's first paint: a check on `state`
    };
    const m1 = await waitFor(async () => {
      const m = await marksIn(box);
      return m.script ? m : null;
    }, 'box.js');
    out.script = m1.script - host.origin;
    // What the box loads until it works (before any chat): let the page settle first so
    // late requests (the follow-me dock) are counted.
    const settle = async () => {
      await page.waitForLoadState('load');
      await new Promise((r) => setTimeout(r, profile === 'slow' ? 2000 : 300));
    };
    await settle();
    const isBox = (r) => /\/(box|widget|shared|api)\//.test(new URL(r.url).pathname) && !/\/widget\/dock\.js$/.test(r.url)
      && r.type !== 'WebSocket';
    const isLoader = (r) => /\/embed\.js$|\/widget\/dock\.js$/.test(r.url);
    out.box = tally(reqs, isBox);
    out.loader = tally(reqs, isLoader);
    out.all = tally(reqs, (r) => r.type !== 'WebSocket');
    if (staffed) {
      // A patron who gives their name first: typing it at ~8 keys a second.
      if (typed) await box.locator('#guest-name').pressSequentially('Bench Patron', { delay: 120 });
      const clicked = Date.now();
      await box.locator('#start-chat').click();
      const m2 = await waitFor(async () => {
        const m = await marksIn(box);
        return m.message ? m : null;
      }, 'the Message field').catch(async (e) => { console.log(await box.evaluate(() => [document.getElementById('box').dataset.view, document.getElementById('start-error').textContent, JSON.stringify(window.__marks)])); throw e; });
      out.message = m2.message - clicked;
      await settle();
      out.chat = tally(reqs, isBox);
    }
    return out;
  } finally {
    await context.close();
  }
}

/* ---------- the staff side ---------- */

async function signIn(context, url) {
  const page = await context.newPage();
  await page.goto(`${url}/staff/signin`);
  await page.fill('#username', OPERATOR.username);
  await page.fill('#password', OPERATOR.password);
  await Promise.all([page.waitForURL(`${url}/staff`), page.click('#signin-submit')]);
  return page;
}

/** A librarian available on the demo queue, for the whole run; resolves to their page. */
async function staffOn(url) {
  const context = await browser.newContext();
  const page = await signIn(context, url);
  const sw = page.locator('#queues input[type=checkbox]').first();
  await sw.check();
  await waitFor(() => sw.isEnabled(), 'availability');
  return { context, page };
}

const STAFF_WATCH = {
  webclient: '#queues input[type=checkbox]:not([disabled])',
  share: '#share:not([hidden]) .editor__bar',
};

/** Open `pathname` cold (signed in, cache emptied) and time its first usable view. */
async function runStaffPage(url, profile, pathname, ready) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await (await signIn(context, url)).close();
    await context.addInitScript(watchFirstState, STAFF_WATCH);
    const { page, cdp, reqs } = await newMeasuredPage(context, profile);
    await cdp.send('Network.clearBrowserCache');
    await page.goto(`${url}${pathname}`, { waitUntil: 'commit' });
    const t = await waitFor(async () => {
      const m = await page.evaluate(() => ({ ...window.__marks, origin: performance.timeOrigin,
        conn: document.querySelector('#conn')?.dataset.state })).catch(() => null);
      return m && m[ready] && m.conn === 'open' ? m : null;
    }, `${pathname} ready`);
    const openAt = await page.evaluate(() => performance.timeOrigin + performance.now());
    await page.waitForLoadState('load');
    return { ready: Math.max(t[ready], openAt) - t.origin, all: tally(reqs, (r) => r.type !== 'WebSocket') };
  } finally {
    await context.close();
  }
}

/** A chat for the sharing tool to open: started by a guest, accepted by the librarian. */
async function makeChat(url, desk) {
  const context = await browser.newContext();
  const guest = await context.newPage();
  await guest.goto(`${url}/box/ask?mode=popup`);
  await guest.fill('#guest-name', 'Bench Guest');
  await guest.click('#start-chat');
  await guest.waitForSelector('#message');
  const chat = await waitFor(() => guest.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const v = localStorage.getItem(localStorage.key(i));
      if (v?.includes('"chat"')) return JSON.parse(v).chat;
    }
    return null;
  }), 'the chat id');
  await desk.locator('article.offer button', { hasText: 'Accept' }).first().click();
  return { context, chat };
}

/* ---------- main ---------- */

const median = (a) => {
  const v = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  return v.length ? v[Math.floor(v.length / 2)] : null;
};
const ms = (x) => (x == null ? '—' : `${Math.round(x)} ms`);
const kb = (x) => (x == null ? '—' : `${(x / 1000).toFixed(1)} KB`);

try {
  const url = await startServer();
  browser = await launchBrowser();
  console.log(`box.mjs: ${url}, ${RUNS} run(s) per figure, Chromium ${browser.version()}`);
  const staff = ONLY.some((o) => o === 'box' || o === 'share') ? await staffOn(url) : null;
  const rows = [];
  for (const profile of PROFILES) {
    if (ONLY.includes('box')) {
      for (const staffed of [true, false]) {
        if (!staffed) await staff.page.locator('#queues input[type=checkbox]').first().uncheck();
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await runBox(url, profile, staffed));
        const typed = [];
        for (let i = 0; staffed && i < RUNS; i++) typed.push(await runBox(url, profile, staffed, true));
        if (!staffed) await staff.page.locator('#queues input[type=checkbox]').first().check();
        const label = staffed ? 'ask form' : 'away notice';
        rows.push([profile, `box: host page FCP`, ms(median(runs.map((r) => r.host))), runs.map((r) => Math.round(r.host)).join(' ')]);
        rows.push([profile, `box: first state (${label})`, ms(median(runs.map((r) => r.state))), runs.map((r) => Math.round(r.state)).join(' ')]);
        rows.push([profile, '  first state − host page FCP, per run', ms(median(runs.map((r) => r.state - r.host))), runs.map((r) => Math.round(r.state - r.host)).join(' ')]);
        rows.push([profile, '  (the box frame\'s first contentful paint)', ms(median(runs.map((r) => r.boxPaint))), runs.map((r) => Math.round(r.boxPaint)).join(' ')]);
        rows.push([profile, 'box: script running (Start chat works)', ms(median(runs.map((r) => r.script))), runs.map((r) => Math.round(r.script)).join(' ')]);
        if (staffed) {
          rows.push([profile, 'box: Start chat → Message field', ms(median(runs.map((r) => r.message))), runs.map((r) => Math.round(r.message)).join(' ')]);
          rows.push([profile, '  the same after typing a name', ms(median(typed.map((r) => r.message))), typed.map((r) => Math.round(r.message)).join(' ')]);
          const r0 = runs[runs.length - 1];
          rows.push([profile, 'box frame until it works: requests / bytes', `${r0.box.requests} / ${kb(r0.box.bytes)}`, '']);
          rows.push([profile, 'box frame with a chat started: requests / bytes', `${r0.chat.requests} / ${kb(r0.chat.bytes)}`, '']);
          rows.push([profile, 'loader: requests / bytes on the wire', `${r0.loader.requests} / ${kb(r0.loader.bytes)}`, '']);
          rows.push([profile, 'whole page: requests / bytes on the wire', `${r0.all.requests} / ${kb(r0.all.bytes)}`, '']);
          if (process.env.BOX_URLS) console.log(r0.box.list.map((r) => `${r.type} ${r.bytes} B ${r.url}`).join('\n'));
        }
      }
    }
    if (ONLY.includes('staff')) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runStaffPage(url, profile, '/staff', 'webclient'));
      rows.push([profile, 'webclient: first usable view', ms(median(runs.map((r) => r.ready))), runs.map((r) => Math.round(r.ready)).join(' ')]);
      rows.push([profile, 'webclient: requests / bytes', `${runs[0].all.requests} / ${kb(runs[0].all.bytes)}`, '']);
    }
    if (ONLY.includes('share')) {
      const { context, chat } = await makeChat(url, staff.page);
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runStaffPage(url, profile, `/staff/share/${chat}`, 'share'));
      rows.push([profile, 'sharing tool: first usable view', ms(median(runs.map((r) => r.ready))), runs.map((r) => Math.round(r.ready)).join(' ')]);
      rows.push([profile, 'sharing tool: requests / bytes', `${runs[0].all.requests} / ${kb(runs[0].all.bytes)}`, '']);
      await context.close();
    }
  }
  const w = [8, 44, 16];
  console.log(`${'profile'.padEnd(w[0])} ${'figure'.padEnd(w[1])} ${'median'.padEnd(w[2])} runs (ms)`);
  for (const r of rows) console.log(`${r[0].padEnd(w[0])} ${r[1].padEnd(w[1])} ${r[2].padEnd(w[2])} ${r[3]}`);
} catch (err) {
  console.error(`box.mjs: ${err.stack || err}`);
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  cleanUp();
}
