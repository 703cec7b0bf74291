// Screensharing between two real Chromium pages, through a real TURN relay
// (coturn on 127.0.0.1) with the relay-only policy: the guest accepts an
// invitation, the operator's sharing tool shows the live screen (frames
// decoded, content changing), Take snapshot and a click on the screen put a
// frame in the editor that is sent; stop from either side; decline; an
// embedded box whose frame may not capture goes through the consent pop-up;
// a really blocked pop-up reaches the operator and the re-invite works; a
// browser that cannot share is reported at once; a wrong TURN secret gets a
// clear message. getStats() shows only relayed candidates on both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchBrowser, newContext, expectClean, screenshot, SCREEN_CAPTURE_ARGS, SCREENS } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { startTurn, freeUdpPort } from './lib/turn.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard, poll } from './lib/flows.mjs';
import { PAYLOADS, findInjection } from './lib/xss_payloads.mjs';



let turn;
let srv;
let browser;
let site;
let siteUrl;
let n = 0;

// A library's own pages on another origin ("localhost" is not refdesk's
// 127.0.0.1) that frame the chat box by hand: one without
// allow="display-capture", one sandboxed without allow-popups.
/**
 * POST JSON on a connection of its own (fetch would reuse the pooled
 * connection of the health check, which the server may be closing as idle).
 */
function post(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, { method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function libraryPage(kind) {
  const frame = kind === 'sandboxed'
    ? `<iframe id="box" title="Chat" sandbox="allow-scripts allow-same-origin allow-forms" src="${srv.url}/box/ask?mode=embedded"></iframe>`
    : `<iframe id="box" title="Chat" src="${srv.url}/box/ask?mode=embedded"></iframe>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Library</title>
<style>iframe{width:420px;height:640px;border:1px solid #ccc}</style></head>
<body><main><h1>Renew your loans</h1>${frame}</main></body></html>`;
}

before(async () => {
  turn = await startTurn();
  srv = await startDemoServer({ args: ['--turn', turn.url, '--turn-secret', turn.secret, '--ice-policy', 'relay'] });
  browser = await launchBrowser({ args: SCREEN_CAPTURE_ARGS });
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(libraryPage(req.url.slice(1)));
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://localhost:${site.address().port}`;
  const admin = srv.addOperator({ username: 'boss', name: 'Bea Boss', isAdmin: true });
  const signin = await post(`${srv.url}/api/session`, { username: admin.username, password: admin.password });
  const cookie = signin.headers['set-cookie'][0].split(';')[0];
  const r = await post(`${srv.url}/api/admin/account`, { origins: [siteUrl] },
    { cookie, 'X-CSRF-Token': JSON.parse(signin.body).csrf });
  assert.equal(r.status, 200);
});
after(async () => {
  await browser?.close();
  await turn?.stop();
  site?.close();
  await srv?.close();
});

/**
 * An operator signed in and available, a guest chatting in `boxUrl` (a page
 * that is, or holds, the chat box), the chat accepted and the sharing tool
 * open. Returns { staff, op, guests, guest, box, tool, chat }.
 */
async function setUp({ server = srv, boxUrl, frame = null, guestInit = null } = {}) {
  n += 1;
  const who = server.addOperator({ username: `op${n}`, name: `Olga ${n}` });
  const staff = await newContext(browser);
  await staff.addInitScript(recordPeers);
  const op = await staff.newPage();
  await signIn(op, server.url, who);
  await goAvailable(op);

  const guests = await newContext(browser, { viewport: { width: 900, height: 760 } });
  await guests.addInitScript(recordPeers);
  if (guestInit) await guests.addInitScript(guestInit);
  const guest = await guests.newPage();
  await guest.goto(boxUrl || `${server.url}/box/ask?mode=popup`);
  const box = frame ? guest.frameLocator(frame) : guest;
  const name = `Gus ${n}`;
  await startChat(box, name);
  await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(box), 'joined the chat');
  await say(box, 'I cannot find the renew button');
  await expect.text(transcript(op), 'I cannot find the renew button');

  const [tool] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await tool.waitForLoadState();
  await expect.visible(tool.locator('#conn[data-state="open"]'));
  await expect.text(transcript(tool), 'I cannot find the renew button');
  const chat = decodeURIComponent(new URL(tool.url()).pathname.split('/').pop());
  return { staff, op, guests, guest, box, tool, chat, who };
}


async function invite(tool, text, { prefilled = false } = {}) {
  await tool.getByRole('button', { name: 'Invite to share screen' }).click();
  const field = tool.getByRole('textbox', { name: 'Invitation to the guest' });
  await expect.visible(field);
  // Prefilled with the queue's words (the default here), editable; the
  // operator's own wording stays for the next invitation.
  if (prefilled) assert.match(await field.inputValue(), /^May I see your screen\?/);
  if (text) await field.fill(text);
  await tool.getByRole('button', { name: 'Send invitation' }).click();
  // The form closes once the server has the invitation (the status may
  // already have moved on: a guest that cannot share answers at once).
  await expect.hidden(field);
}

/** Wait until the operator's video shows decoded frames; returns its size. */
async function waitForVideo(tool) {
  await poll(tool, () => {
    const v = document.getElementById('screen-video');
    return v && v.videoWidth > 0 && v.readyState >= 2;
  }, 'decoded frames at the operator');
  return tool.evaluate(() => {
    const v = document.getElementById('screen-video');
    return { w: v.videoWidth, h: v.videoHeight };
  });
}

/** A small fingerprint of the current frame (to see the content change). */
function frameSample(tool) {
  return tool.evaluate(() => {
    const v = document.getElementById('screen-video');
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 36;
    c.getContext('2d').drawImage(v, 0, 0, 64, 36);
    return Array.from(c.getContext('2d').getImageData(0, 0, 64, 36).data).join(',');
  });
}

/** Keep every RTCPeerConnection a page makes in window.__pcs (to read getStats). */
function recordPeers() {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function RTCPeerConnection(...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
}

/**
 * The candidate types a page's newest peer connection gathered and heard of,
 * and the selected pair's (from getStats), once it has selected one.
 */
function candidateTypes(page) {
  return poll(page, async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    const stats = await pc.getStats();
    const local = new Set();
    const remote = new Set();
    const byId = new Map();
    let selected = null;
    stats.forEach((s) => {
      byId.set(s.id, s);
      if (s.type === 'local-candidate') local.add(s.candidateType);
      if (s.type === 'remote-candidate') remote.add(s.candidateType);
      if (s.type === 'transport' && s.selectedCandidatePairId) selected = s.selectedCandidatePairId;
    });
    const pair = selected && byId.get(selected);
    if (!pair || pair.state !== 'succeeded') return null;
    return { local: [...local], remote: [...remote],
      pair: [byId.get(pair.localCandidateId)?.candidateType, byId.get(pair.remoteCandidateId)?.candidateType] };
  }, 'a selected candidate pair', 10000);
}

test('the whole share: invite, accept, live view, snapshots, operator stops; relay only', async () => {
  const s = await setUp();
  const text = 'Could you show me the catalogue page you are on?';
  await invite(s.tool, text, { prefilled: true });

  await expect.text(s.guest.locator('#share-panel'), text);
  await screenshot(s.guest, 'share-guest-invitation');
  await checkAxe(s.guest, 'the box with an invitation');
  const t0 = Date.now();
  await s.guest.getByRole('button', { name: 'Share my screen' }).click();
  await expect.text(s.guest.locator('#share-panel'), 'You are sharing your screen');
  await expect.visible(s.guest.getByRole('button', { name: 'Stop sharing' }));

  const size = await waitForVideo(s.tool);
  const firstFrameMs = Date.now() - t0;
  console.log(`# consent click to first decoded frame: ${firstFrameMs} ms (${size.w}×${size.h})`);
  assert.ok(size.w > 0 && size.h > 0);
  const a = await frameSample(s.tool);
  await s.tool.waitForTimeout(700);
  const b = await frameSample(s.tool);
  assert.notEqual(a, b, 'the live screen does not change');
  await expect.text(s.tool.locator('#screen-stats'), `${size.w} × ${size.h}`);
  await expect.text(s.tool.locator('#share-status'), 'You are viewing the guest');

  // Privacy mode: only relayed candidates on both sides.
  for (const [page, holder] of [[s.tool, 'operator'], [s.guest, 'guest']]) {
    const types = await candidateTypes(page);
    assert.deepEqual(types.local, ['relay'], `${holder}: local candidates ${types.local}`);
    assert.ok(types.remote.length > 0 && types.remote.every((t) => t === 'relay'), `${holder}: remote candidates ${types.remote}`);
    assert.deepEqual(types.pair, ['relay', 'relay'], `${holder}: the selected pair`);
  }
  await screenshot(s.tool, 'share-operator-live');
  await checkAxe(s.tool, 'the sharing tool with a live screen');
  await checkAxe(s.guest, 'the box while sharing');

  // Take snapshot: the frame goes to the editor, and is sent.
  await s.tool.getByRole('button', { name: 'Take snapshot' }).click();
  await expect.text(s.tool.locator('#stage-summary'), `Image ${size.w}×${size.h}, 0 marks`);
  await s.tool.getByRole('button', { name: 'Send to guest' }).click();
  await expect.text(s.tool.locator('#send-note'), 'Sent to the guest.');
  await expect.visible(s.guest.locator('.rd-log img').first());

  // The editor came back with the frame; back to the live screen, and a click
  // on it: a snapshot with an arrow pointing there.
  await expect.hidden(s.tool.locator('#screen'));
  await s.tool.getByRole('button', { name: 'Back to live screen' }).click();
  await expect.visible(s.tool.locator('#screen-video'));
  const video = await s.tool.locator('#screen-video').boundingBox();
  await s.tool.mouse.click(video.x + video.width / 2, video.y + video.height / 2);
  await expect.text(s.tool.locator('#stage-summary'), '1 mark');
  await expect.text(s.tool.locator('#stage-summary'), 'arrow');
  await screenshot(s.tool, 'share-operator-snapshot-arrow');

  await s.tool.getByRole('button', { name: 'Stop screensharing' }).click();
  await expect.text(s.guest.locator('#share-panel'), 'Screen sharing has stopped');
  await poll(s.guest, () => window.__pcs.every((pc) => pc.connectionState === 'closed'), 'the guest to close its connection');
  await expect.hidden(s.tool.locator('#screen'));
  await expect.text(transcript(s.guest), 'The librarian stopped viewing your screen');

  // The consent record in the operator's transcript, in order.
  await expect.text(transcript(s.tool), 'Screensharing stopped by the librarian');
  const record = await s.tool.locator('.rd-notice--share').allTextContents();
  const steps = [/Invitation to share the screen sent: .Could you show me the catalogue page/, /agreed to share/,
    /started sharing/, /Snapshot taken/, /Snapshot taken/, /stopped by the librarian/];
  assert.equal(record.length, steps.length, `consent record: ${record.join(' | ')}`);
  steps.forEach((re, i) => assert.match(record[i], re));
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});

test('No thanks tells the operator; the guest stops sharing; ending the chat ends the share', async () => {
  const s = await setUp();
  await invite(s.tool);
  await s.guest.getByRole('button', { name: 'No thanks' }).click();
  await expect.text(s.tool.locator('#share-status'), 'The guest declined');
  await expect.text(transcript(s.tool), 'The guest declined to share their screen');
  await expect.hidden(s.guest.getByRole('button', { name: 'Share my screen' }));

  await invite(s.tool, 'Second try: may I see it?');
  await s.guest.getByRole('button', { name: 'Share my screen' }).click();
  await waitForVideo(s.tool);
  await s.guest.getByRole('button', { name: 'Stop sharing' }).click();
  await expect.text(s.tool.locator('#share-status'), 'The guest stopped sharing');
  await expect.hidden(s.tool.locator('#screen'));
  await expect.text(transcript(s.tool), 'The guest stopped sharing their screen');
  // The operator may invite again at once.
  await expect.enabled(s.tool.getByRole('button', { name: 'Invite to share screen' }));

  // Ending the chat while sharing ends the share for both.
  await invite(s.tool);
  await s.guest.getByRole('button', { name: 'Share my screen' }).click();
  await waitForVideo(s.tool);
  await s.guest.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(s.tool), 'Screen sharing ended with the chat');
  await expect.hidden(s.tool.locator('#screen'));
  await poll(s.guest, () => window.__pcs.every((pc) => pc.connectionState === 'closed'), 'the guest to close its connection');
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});

test('an embedded box whose frame may not capture asks again in a pop-up and shares from there', async () => {
  const s = await setUp({ boxUrl: `${siteUrl}/no-capture`, frame: '#box' });
  await invite(s.tool);
  const [popup] = await Promise.all([s.guests.waitForEvent('page'),
    s.box.getByRole('button', { name: 'Share my screen' }).click()]);
  await popup.waitForLoadState();
  assert.match(popup.url(), /\/box\/ask\?mode=consent/);
  await expect.text(s.box.locator('#share-panel'), 'Continue in the new window');
  await expect.text(popup.locator('body'), 'The librarian would like to see your screen');
  await screenshot(popup, 'share-consent-popup');
  await popup.getByRole('button', { name: 'Share my screen' }).click();
  await waitForVideo(s.tool);
  // The box shows the share and can stop it; the pop-up then closes itself.
  await expect.text(s.box.locator('#share-panel'), 'You are sharing your screen');
  await expect.text(popup.locator('body'), 'You are sharing your screen');
  const closed = popup.waitForEvent('close');
  await s.box.getByRole('button', { name: 'Stop sharing' }).click();
  await closed;
  await expect.hidden(s.tool.locator('#screen'));
  await expect.text(transcript(s.tool), 'The guest stopped sharing their screen');

  // Sharing again from the pop-up, then the guest closes the library's page: the pop-up goes
  // with it, and the share ends for the operator.
  await invite(s.tool);
  const [again] = await Promise.all([s.guests.waitForEvent('page'),
    s.box.getByRole('button', { name: 'Share my screen' }).click()]);
  await again.waitForLoadState();
  await again.getByRole('button', { name: 'Share my screen' }).click();
  await waitForVideo(s.tool);
  const gone = again.waitForEvent('close');
  await s.guest.close();
  await gone;
  await expect.hidden(s.tool.locator('#screen'));
  await expect.text(s.tool.locator('#share-status'), 'the guest left or closed the sharing window');
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});

test('a really blocked pop-up reaches the operator as blocked, the guest learns how to allow it, the re-invite works', async () => {
  const s = await setUp({ boxUrl: `${siteUrl}/sandboxed`, frame: '#box' });
  await invite(s.tool);
  const pages = s.guests.pages().length;
  await s.box.getByRole('button', { name: 'Share my screen' }).click();
  await expect.text(s.tool.locator('#share-status'), 'pop-up blocker stopped the invitation');
  await expect.text(transcript(s.tool), 'The guest’s pop-up blocker stopped the invitation');
  await expect.text(s.box.locator('#share-panel'), 'allow pop-up windows for this site');
  assert.equal(s.guests.pages().length, pages, 'a window opened after all');
  await screenshot(s.guest, 'share-guest-blocked');
  // Invite again: the guest gets the new invitation.
  await expect.enabled(s.tool.getByRole('button', { name: 'Invite to share screen' }));
  await invite(s.tool, 'Let us try once more');
  await expect.text(s.box.locator('#share-panel'), 'Let us try once more');
  await expect.visible(s.box.getByRole('button', { name: 'Share my screen' }));
  expectClean(s.staff);
  // The browser's own word that it blocked the window (proof it was really blocked).
  expectClean(s.guests, [/Blocked opening .* sandboxed frame whose 'allow-popups' permission is not set/]);
  await s.staff.close();
  await s.guests.close();
});

test('a browser that cannot share is reported to the operator at once; the guest is offered a screenshot', async () => {
  const s = await setUp({ guestInit: () => { delete MediaDevices.prototype.getDisplayMedia; } });
  await invite(s.tool);
  await expect.text(s.tool.locator('#share-status'), 'The guest cannot share their screen: their browser has no screen sharing');
  await expect.text(s.guest.locator('#share-panel'), 'This browser cannot share a screen');
  await expect.visible(s.guest.getByRole('button', { name: 'Send a screenshot' }));
  await expect.hidden(s.guest.getByRole('button', { name: 'Share my screen' }));
  await screenshot(s.guest, 'share-guest-unsupported');
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});

for (const [what, relay, operatorSays, reason] of [
  ['a wrong TURN secret', async () => ['--turn', turn.url, '--turn-secret', 'not-the-relay-secret'],
    'refused the credentials', 'the relay server refused the credentials'],
  ['an unreachable TURN port', async () => ['--turn', `turn:127.0.0.1:${await freeUdpPort()}?transport=udp`, '--turn-secret', turn.secret],
    'the relay server could not be reached', 'no connection could be made'],
]) {
  test(`${what}: no connection; the operator is told why, the guest that nothing was seen; the record says "connection failed"`, async () => {
    const failing = await startDemoServer({ args: [...await relay(), '--ice-policy', 'relay'] });
    try {
      const s = await setUp({ server: failing });
      await invite(s.tool);
      await s.guest.getByRole('button', { name: 'Share my screen' }).click();
      await expect.text(s.tool.locator('#share-status'), operatorSays, 20000);
      // The guest learns it (and is offered a screenshot), without waiting for the frame timeout.
      await expect.text(s.guest.locator('#share-panel'), 'Your screen could not be shown to the librarian', 20000);
      await expect.visible(s.guest.getByRole('button', { name: 'Send a screenshot' }));
      await expect.hidden(s.guest.getByRole('button', { name: 'Stop sharing' }));
      await poll(s.guest, () => window.__pcs.every((pc) => pc.connectionState === 'closed'), 'the guest to let go of its connection');
      const connected = await s.tool.evaluate(() => window.__pcs.some((pc) => pc.connectionState === 'connected'));
      assert.equal(connected, false);
      // The consent record: agreed, then failed; never "started".
      await expect.text(transcript(s.tool), `Connection failed: the guest’s screen was never shown (${reason})`);
      await expect.text(transcript(s.guest), 'Connection failed: your screen could not be shown to the librarian');
      const record = await s.tool.locator('.rd-notice--share').allTextContents();
      assert.ok(!record.some((r) => /started sharing/.test(r)), `consent record: ${record.join(' | ')}`);
      assert.match(record.at(-1), /Connection failed/);
      await screenshot(s.guest, `share-guest-relay-failed-${reason.split(' ')[1]}`, { dir: SCREENS });
      await screenshot(s.tool, `share-operator-relay-failed-${reason.split(' ')[1]}`, { dir: SCREENS });
      await checkAxe(s.guest, 'the box after a failed share');
      // The operator may invite again at once.
      await expect.enabled(s.tool.getByRole('button', { name: 'Invite to share screen' }));
      expectClean(s.staff, [/401|TURN|turn|701/i]);
      expectClean(s.guests, [/401|TURN|turn|701/i]);
      await s.staff.close();
      await s.guests.close();
    } finally {
      await failing.close();
    }
  });
}

test(`${PAYLOADS.length} stored-XSS payloads as invitation text stay inert for the guest and the operator`, { timeout: 120000 }, async () => {
  const s = await setUp();
  for (const p of PAYLOADS) {
    await s.tool.getByRole('button', { name: 'Invite to share screen' }).click();
    await s.tool.getByRole('textbox', { name: 'Invitation to the guest' }).fill(p);
    await s.tool.getByRole('button', { name: 'Send invitation' }).click();
    await expect.hidden(s.tool.getByRole('textbox', { name: 'Invitation to the guest' }));
    await expect.text(s.guest.locator('#share-panel blockquote'), p.trim());
  }
  await expect.text(transcript(s.guest), PAYLOADS[PAYLOADS.length - 1].trim());
  for (const [page, who] of [[s.guest, 'the box'], [s.tool, 'the sharing tool'], [s.op, 'the webclient']])
    assert.deepEqual(await findInjection(page), [], `a payload took effect in ${who}`);
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});

/* ---------- the layout, at the sizes a librarian's window has ---------- */

const SIZES = [[1024, 640], [1280, 720], [1920, 1080], [2560, 1440]];

/** Fail unless `loc` is shown and lies wholly inside the viewport. */
async function inViewport(page, loc, what) {
  await expect.visible(loc);
  const b = await loc.boundingBox();
  const vp = page.viewportSize();
  assert.ok(b && b.x >= 0 && b.y >= 0 && b.x + b.width <= vp.width + 0.5 && b.y + b.height <= vp.height + 0.5,
    `${what} at ${JSON.stringify(b)} is not inside the ${vp.width}×${vp.height} window`);
}

/**
 * The live screen as drawn (object-fit: contain inside the video element),
 * the frame the layout gives it, and the editor column it replaces.
 */
function liveGeometry(tool) {
  return poll(tool, () => new Promise((resolve) => {
    // Two animation frames: the layout has settled after a resize.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const v = document.getElementById('screen-video');
      const rect = (el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
      };
      if (!v.videoWidth) return resolve(null);
      const box = rect(v);
      const scale = Math.min(box.width / v.videoWidth, box.height / v.videoHeight);
      resolve({ video: box, drawn: { width: v.videoWidth * scale, height: v.videoHeight * scale },
        frame: rect(document.getElementById('screen-frame')), column: rect(document.querySelector('.editor')),
        head: rect(document.querySelector('.screen__head')), natural: { width: v.videoWidth, height: v.videoHeight } });
    }));
  }), 'the live screen laid out');
}

/** The editor's toolbar: its mode, and whether it fits its row. */
function toolbarState(tool) {
  return tool.evaluate(() => {
    const tb = document.getElementById('toolbar');
    const rect = tb.querySelector('[data-tool="rect"]');
    return { mode: tb.dataset.mode, fits: tb.scrollWidth <= tb.clientWidth + 1,
      labelShown: rect.querySelector('.tool__label').getBoundingClientRect().width > 0,
      name: rect.getAttribute('aria-label'), title: rect.title };
  });
}

/** Not sharing, or back from a snapshot: what the editor needs is in the window. */
async function editorInView(tool, size) {
  // (A snapshot is a PNG made from the frame; on a busy machine that takes a moment.)
  await expect.hidden(tool.locator('#screen'), 30000);
  await inViewport(tool, tool.getByRole('button', { name: 'Send to guest' }), `Send to guest at ${size}`);
  await inViewport(tool, tool.getByRole('textbox', { name: 'Description' }), `Description at ${size}`);
  await inViewport(tool, tool.getByRole('textbox', { name: 'Message' }), `the message field at ${size}`);
  await inViewport(tool, tool.locator('#stage'), `the editor's stage at ${size}`);
  const tb = await toolbarState(tool);
  assert.ok(tb.fits, `the toolbar overflows its row at ${size}`);
  assert.equal(tb.name, 'Rectangle');
  assert.match(tb.title, /^Rectangle \(R\)$/, 'compact or not, each tool keeps its tooltip');
  return tb;
}

test('the live screen is the centre of the tool from 1024×640 to 2560×1440: Fit, Actual size, full screen; the editor steps aside and comes back with the frame', { timeout: 240000 }, async () => {
  const s = await setUp();
  const modes = {};
  for (const [w, h] of SIZES) {
    const size = `${w}x${h}`;
    await s.tool.setViewportSize({ width: w, height: h });
    const tb = await editorInView(s.tool, size);
    modes[w] = tb.mode;
    // Names beside the icons where they fit, icons only where they do not.
    assert.equal(tb.labelShown, tb.mode !== 'compact', `${size}: mode ${tb.mode} but label shown ${tb.labelShown}`);
    await screenshot(s.tool, `tool-editor-${size}`, { dir: SCREENS });
  }
  assert.equal(modes[1024], 'compact', 'a 1024 px window has no room for the tool names');
  assert.notEqual(modes[1920], 'compact', 'a 1920 px window shows the drawing tools\' names');
  assert.equal(modes[2560], 'labelled', 'a 2560 px window shows every name');
  await checkAxe(s.tool, 'the sharing tool, names beside the tools');
  await s.tool.setViewportSize({ width: 1024, height: 640 });
  await checkAxe(s.tool, 'the sharing tool, compact toolbar');

  await invite(s.tool);
  await s.guest.getByRole('button', { name: 'Share my screen' }).click();
  const natural = await waitForVideo(s.tool);
  await expect.text(s.tool.locator('#share-status'), 'You are viewing the guest');
  // Only now, with a frame on the librarian's screen, does the record say "started".
  await expect.text(transcript(s.tool), 'The guest started sharing their screen');

  for (const [w, h] of SIZES) {
    const size = `${w}x${h}`;
    await s.tool.setViewportSize({ width: w, height: h });
    // The live screen has the work area: the editor has stepped aside.
    await expect.visible(s.tool.locator('#screen'));
    await expect.hidden(s.tool.locator('#stage'));
    await expect.hidden(s.tool.getByRole('button', { name: 'Send to guest' }));
    let g = await liveGeometry(s.tool);
    assert.ok(g.frame.left - g.column.left <= 1 && g.column.right - g.frame.right <= 2,
      `${size}: the screen's frame ${JSON.stringify(g.frame)} is not as wide as the work area ${JSON.stringify(g.column)}`);
    assert.ok(g.column.bottom - g.frame.bottom <= 1 && g.frame.top - g.head.bottom <= 1,
      `${size}: the frame ${JSON.stringify(g.frame)} does not fill the work area below its buttons`);
    const used = Math.max(g.drawn.width / g.frame.width, g.drawn.height / g.frame.height);
    assert.ok(used >= 0.8 && g.drawn.width <= g.frame.width + 1 && g.drawn.height <= g.frame.height + 1,
      `${size}: drawn ${Math.round(g.drawn.width)}×${Math.round(g.drawn.height)} in a ${g.frame.width}×${g.frame.height} frame`);
    console.log(`# ${size}: the ${natural.w}×${natural.h} screen drawn at ${Math.round(g.drawn.width)}×${Math.round(g.drawn.height)}`
      + ` in a ${Math.round(g.frame.width)}×${Math.round(g.frame.height)} frame (${Math.round(used * 100)} %)`);
    for (const name of ['Take snapshot', 'Stop screensharing', 'Fit', 'Actual size'])
      await inViewport(s.tool, s.tool.getByRole('button', { name, exact: true }), `${name} at ${size}`);
    await inViewport(s.tool, s.tool.getByRole('textbox', { name: 'Message' }), `the message field at ${size}`);
    await inViewport(s.tool, s.tool.locator('#log'), `the conversation at ${size}`);
    await screenshot(s.tool, `tool-live-fit-${size}`, { dir: SCREENS });

    // Actual size: one video pixel to one screen pixel; a drag pans and takes no snapshot.
    await s.tool.getByRole('button', { name: 'Actual size' }).click();
    await expect.attribute(s.tool.getByRole('button', { name: 'Actual size' }), 'aria-pressed', 'true');
    await expect.attribute(s.tool.getByRole('button', { name: 'Fit' }), 'aria-pressed', 'false');
    g = await liveGeometry(s.tool);
    assert.ok(Math.abs(g.video.width - natural.w) <= 1 && Math.abs(g.video.height - natural.h) <= 1,
      `${size}: Actual size shows ${g.video.width}×${g.video.height}, not ${natural.w}×${natural.h}`);
    assert.ok(Math.abs(g.drawn.width - natural.w) <= 1, `${size}: drawn at ${g.drawn.width} wide`);
    const pannable = await s.tool.evaluate(() => {
      const f = document.getElementById('screen-frame');
      return { x: f.scrollWidth > f.clientWidth, y: f.scrollHeight > f.clientHeight, left: f.scrollLeft, top: f.scrollTop };
    });
    if (pannable.x || pannable.y) {
      const f = await s.tool.locator('#screen-frame').boundingBox();
      await s.tool.mouse.move(f.x + f.width / 2, f.y + f.height / 2);
      await s.tool.mouse.down();
      await s.tool.mouse.move(f.x + f.width / 2 + 60, f.y + f.height / 2 + 40, { steps: 5 });
      await s.tool.mouse.up();
      const after = await s.tool.evaluate(() => {
        const fr = document.getElementById('screen-frame');
        return { left: fr.scrollLeft, top: fr.scrollTop };
      });
      assert.ok((pannable.x && after.left < pannable.left) || (pannable.y && after.top < pannable.top),
        `${size}: a drag did not move the view (${JSON.stringify(pannable)} → ${JSON.stringify(after)})`);
      await expect.visible(s.tool.locator('#screen'));
      // The arrow keys move it too.
      await s.tool.locator('#screen-video').focus();
      await s.tool.keyboard.press(pannable.x ? 'ArrowRight' : 'ArrowDown');
      const keyed = await s.tool.evaluate(() => {
        const fr = document.getElementById('screen-frame');
        return { left: fr.scrollLeft, top: fr.scrollTop };
      });
      assert.ok(keyed.left > after.left || keyed.top > after.top, `${size}: the arrow key did not move the view`);
    }
    await screenshot(s.tool, `tool-live-actual-${size}`, { dir: SCREENS });
    if (w === 1280) await checkAxe(s.tool, 'the live screen at actual size');
    await s.tool.getByRole('button', { name: 'Fit' }).click();
    g = await liveGeometry(s.tool);
    assert.ok(Math.max(g.drawn.width / g.frame.width, g.drawn.height / g.frame.height) >= 0.8, `${size}: Fit again`);

    // Take snapshot: the editor comes back with the frame in it.
    await s.tool.getByRole('button', { name: 'Take snapshot' }).click();
    await expect.text(s.tool.locator('#stage-summary'), `Image ${natural.w}×${natural.h}, 0 marks`);
    await editorInView(s.tool, size);
    await inViewport(s.tool, s.tool.getByRole('button', { name: 'Back to live screen' }), `Back to live screen at ${size}`);
    await inViewport(s.tool, s.tool.getByRole('button', { name: 'Stop screensharing' }), `Stop screensharing beside the editor at ${size}`);
    await screenshot(s.tool, `tool-snapshot-${size}`, { dir: SCREENS });
    await s.tool.getByRole('button', { name: 'Back to live screen' }).click();
    await expect.visible(s.tool.locator('#screen'));
    assert.equal(await s.tool.evaluate(() => document.activeElement?.id), 'screen-video', 'focus goes to the live screen');
  }
  await checkAxe(s.tool, 'the live screen');

  // Full screen: the live screen with its buttons fills the display, and comes back.
  await s.tool.setViewportSize({ width: 1280, height: 720 });
  const full = s.tool.getByRole('button', { name: 'Full screen' });
  await full.click();
  await poll(s.tool, () => document.fullscreenElement?.id === 'screen', 'full screen');
  await expect.attribute(full, 'aria-pressed', 'true');
  await screenshot(s.tool, 'tool-live-fullscreen-1280x720', { dir: SCREENS });
  await full.click();
  await poll(s.tool, () => !document.fullscreenElement, 'leaving full screen');
  await expect.attribute(full, 'aria-pressed', 'false');

  // The share ends: the editor has the work area again.
  await s.tool.getByRole('button', { name: 'Stop screensharing' }).click();
  await expect.hidden(s.tool.locator('#screen'));
  await expect.hidden(s.tool.getByRole('button', { name: 'Back to live screen' }));
  await editorInView(s.tool, '1280x720');
  expectClean(s.staff);
  expectClean(s.guests);
  await s.staff.close();
  await s.guests.close();
});
