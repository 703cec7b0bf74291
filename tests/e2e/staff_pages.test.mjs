// Staff pages as a librarian uses them all day: the error pages (staff and
// patrons) with their status and heading, staff links that open named tabs
// (a second press brings the same tab forward), the webclient's warning
// before it is left while it is working, unnamed guests told apart by their
// chat's label on every staff page, and an active chat's duration ticking
// in Chat History. Screenshots go to build/screens/; axe checks each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, ROOT } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, staffOnline, startChat, say, transcript, goAvailable } from './lib/flows.mjs';

const SCREENS = path.join(ROOT, 'build', 'screens');
const LABEL = /^Guest [0-9A-HJKMNP-TV-Z]{4}$/;

let srv;
let browser;
let staff;
let op;
let nora;

async function shot(page, name) {
  fs.mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

before(async () => {
  // A grace of zero: a chat's management link expires as soon as it ends (the 410 page).
  srv = await startDemoServer({ args: ['--manage-grace-hours', '0'] });
  browser = await launchBrowser();
  nora = srv.addOperator({ username: 'nora', name: 'Nora Lind', isAdmin: true });
  ({ staff, op } = await staffOnline(browser, srv.url, nora));
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** A guest who gives no name starts a chat in the pop-up box. */
async function unnamedGuest() {
  const guests = await newContext(browser);
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest);
  return { guests, guest };
}

/** Accept the ringing offer on `page`; resolves with its chat id once it is the chat shown. */
async function acceptOffer(page) {
  const card = page.locator('article.offer--ringing').first();
  await expect.visible(card);
  const chat = await card.getAttribute('data-offer');
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect.visible(page.locator(`.chat-tab.is-selected[data-chat="${chat}"]`));
  return chat;
}

/** The management page's address of `chat`, as Chat History's API gives it. */
async function manageUrl(page, chat) {
  return page.evaluate(async (id) => (await (await fetch(`/api/history/${id}?events=0`)).json()).chat.manage_url, chat);
}

test('unnamed guests get distinct labels in the webclient, Chat History, the chat page and the sharing tool', async () => {
  const a = await unnamedGuest();
  const b = await unnamedGuest();
  const cards = op.locator('article.offer');
  await expect.count(cards, 2);
  const offered = await op.locator('.offer__who').allInnerTexts();
  for (const who of offered) assert.match(who, LABEL);
  assert.notEqual(offered[0], offered[1], 'two unnamed guests read differently');
  for (const label of offered) {
    await op.locator('article.offer', { hasText: label }).getByRole('button', { name: 'Accept' }).click();
    await expect.visible(op.locator('.chat-tab__name', { hasText: label }));
  }
  await expect.text(transcript(a.guest), 'joined the chat');
  await expect.text(transcript(b.guest), 'joined the chat');
  await say(a.guest, 'Which floor has the maps?');
  const tabs = await op.locator('.chat-tab__name').allInnerTexts();
  assert.deepEqual([...tabs].sort(), [...offered].sort(), 'the chat list uses the same labels');
  // The selected chat's title and its transcript name the guest by the label too.
  await op.locator('.chat-tab', { hasText: 'Which floor' }).click();
  const title = await op.locator('#chat-title').innerText();
  assert.match(title, LABEL);
  await expect.text(transcript(op), `${title} started the chat`);
  await expect.text(op.locator('.rd-msg__who').first(), title);
  await shot(op, 'webclient-guest-labels');

  const chat = await op.locator('.chat-tab.is-selected').getAttribute('data-chat');
  const history = await staff.newPage();
  await history.goto(`${srv.url}/staff/history`);
  await expect.visible(history.locator(`.history-item[data-chat="${chat}"]`));
  const names = await history.locator('.history-item__name').allInnerTexts();
  for (const t of tabs) assert.ok(names.includes(t), `Chat History lists ${t}`);
  await history.locator(`.history-item[data-chat="${chat}"]`).click();
  await expect.text(history.locator('#chat-title'), title);
  await expect.text(transcript(history), `${title}`);

  // An active chat's duration ticks instead of staying at the moment it loaded.
  const duration = history.locator(`.history-item[data-chat="${chat}"] .history-duration`);
  const first = await duration.innerText();
  await expect.text(duration, new RegExp(`^(?!${first}$)`), 5000);
  const paneFirst = await history.locator('#chat-meta .history-duration').innerText();
  await expect.text(history.locator('#chat-meta .history-duration'), new RegExp(`^(?!${paneFirst}$)`), 5000);
  await shot(history, 'history-guest-labels');
  await checkAxe(history, 'Chat History with unnamed guests');
  await history.close();

  const manage = await staff.newPage();
  await manage.goto(`${srv.url}${await manageUrl(op, chat)}`);
  await expect.text(manage.locator('#title'), `Chat with ${title}`);
  await expect.text(manage.locator('#guest'), `${title} (no name given)`);
  await shot(manage, 'manage-guest-label');
  await manage.close();

  const share = await staff.newPage();
  await share.goto(`${srv.url}/staff/share/${chat}`);
  await expect.text(share.locator('#chat-label'), `Chat with ${title}`);
  await share.close();
  for (const g of [a, b]) await g.guests.close();
});

test('staff links open named tabs, and a second press brings the same tab forward', async () => {
  const ctx = await newContext(browser);
  const desk = await ctx.newPage();
  await signIn(desk, srv.url, nora);
  assert.equal(await desk.evaluate(() => window.name), 'refdesk-webclient');
  const link = desk.getByRole('link', { name: 'Chat History' });
  assert.equal(await link.getAttribute('target'), 'refdesk-history');
  const [history] = await Promise.all([ctx.waitForEvent('page'), link.click()]);
  await history.waitForURL(`${srv.url}/staff/history`);
  assert.equal(await history.evaluate(() => window.name), 'refdesk-history');
  assert.equal(desk.url(), `${srv.url}/staff`, 'the webclient stays where it was');
  // The history tab is used again, and not reloaded: a mark left in it survives.
  await history.evaluate(() => { window.__stillHere = true; });
  await link.click();
  await desk.waitForTimeout(500);
  assert.equal(ctx.pages().length, 2, 'no second Chat History tab');
  assert.equal(await history.evaluate(() => window.__stillHere), true, 'brought forward, not reloaded');
  await shot(history, 'history-named-tab');
  // From Chat History, Webclient leads back to the same webclient tab.
  await history.getByRole('link', { name: 'Webclient' }).click();
  await desk.waitForTimeout(500);
  assert.equal(ctx.pages().length, 2, 'no second webclient');

  // A chat's page opens in a tab named after the chat, once.
  const g = await unnamedGuest();
  const chat = await acceptOffer(desk);
  const chatLink = desk.getByRole('link', { name: 'Chat page' });
  await expect.visible(chatLink);
  assert.equal(await chatLink.getAttribute('target'), `refdesk-chat-${chat}`);
  const [chatPage] = await Promise.all([ctx.waitForEvent('page'), chatLink.click()]);
  await chatPage.waitForURL(/\/staff\/chat\//);
  await chatLink.click();
  await desk.waitForTimeout(500);
  assert.equal(ctx.pages().length, 3, 'the chat page opened once');

  // Leaving the webclient while a chat is open or the operator is available asks first.
  let asked = null;
  desk.once('dialog', async (d) => {
    asked = d.type();
    await d.dismiss();
  });
  await desk.close({ runBeforeUnload: true });
  await desk.waitForTimeout(500);
  assert.equal(asked, 'beforeunload');
  assert.equal(desk.isClosed(), false, 'staying was possible');
  await g.guests.close();
  await ctx.close();
});

test('a webclient with nothing open and nobody available is left without a question', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, srv.addOperator({ username: 'idle', name: 'Ida Idle', queues: [] }));
  let asked = false;
  page.on('dialog', async (d) => {
    asked = true;
    await d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(asked, false);
  assert.equal(page.isClosed(), true);
  await ctx.close();
});

test('error pages: one for staff, one for patrons, each with its status, heading and way back', async () => {
  // An ended chat's link (expired at once here) and a made-up one.
  const g = await unnamedGuest();
  const chat = await acceptOffer(op);
  const expired = await manageUrl(op, chat);
  await op.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(op), 'ended');
  const sam = srv.addOperator({ username: 'sam', name: 'Sam Archer' });
  const samCtx = await newContext(browser);
  const samPage = await samCtx.newPage();
  await signIn(samPage, srv.url, sam);

  const cases = [
    { who: op, path: '/staff/share/c_nope', status: 404, heading: 'This page or chat was not found', shot: 'error-staff-404' },
    { who: op, path: expired.replace(/[^/]+$/, 'x'.repeat(32)), status: 404, heading: 'This page or chat was not found' },
    { who: op, path: '/staff/no-such-page', status: 404, heading: 'This page or chat was not found' },
    { who: op, path: expired, status: 410, heading: "This chat's link has expired", shot: 'error-staff-410' },
    { who: samPage, path: '/staff/admin', status: 403, heading: 'You may not open this page', shot: 'error-staff-403' },
    { who: op, path: '/box/no-such-queue', status: 404, heading: 'This chat is not available', shot: 'error-patron-404', patron: true },
  ];
  // Each error page's own status shows in the console as a failed load.
  const expected = [/status of (403|404|410)/];
  for (const ctx of [staff, samCtx]) expectClean(ctx, expected);
  for (const c of cases) {
    const page = await c.who.context().newPage();
    const res = await page.goto(`${srv.url}${c.path}`);
    assert.equal(res.status(), c.status, c.path);
    await expect.text(page.getByRole('heading', { level: 1 }), c.heading);
    if (c.patron) {
      assert.equal(await page.locator('.topbar').count(), 0, 'patrons do not get the staff bar');
      await expect.visible(page.getByText('Chat with a librarian'));
    } else {
      await expect.visible(page.getByRole('link', { name: 'Chat History' }).first());
      await expect.visible(page.getByRole('link', { name: 'Back to the webclient' }));
    }
    if (c.status === 410)
      assert.equal(await page.getByRole('link', { name: 'Open it in Chat History' }).getAttribute('href'), `/staff/history?chat=${chat}`);
    await checkAxe(page, `the ${c.status} page at ${c.path}`);
    if (c.shot) await shot(page, c.shot);
    await page.close();
  }

  // The patrons' page inside a narrow frame, as the embedded box would show it.
  const framedCtx = await newContext(browser, { viewport: { width: 320, height: 568 } });
  expectClean(framedCtx, expected);
  const framed = await framedCtx.newPage();
  await framed.goto(`${srv.url}/box/no-such-queue`);
  await expect.visible(framed.getByRole('heading', { level: 1 }));
  await shot(framed, 'error-patron-404-320');
  const fits = await framed.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, 'no sideways scrolling at 320 px');
  await framed.context().close();
  await samCtx.close();
  await g.guests.close();
});

/** Hold the webclient's script back, as a slow line holds it; resolves to the release. */
async function holdWebclientScript(page) {
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/operator/webclient.js', async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** Wait up to `ms` for `cond()` to be true (polled here, not in the page). */
async function until(cond, ms) {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 50));
}

test('the webclient asks for its session and opens its one socket before its script has arrived', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, srv.url, nora);
  const release = await holdWebclientScript(page);
  const seen = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/session')) seen.push('session'); });
  page.on('websocket', () => seen.push('socket'));
  await page.reload({ waitUntil: 'commit' });
  await until(() => seen.includes('socket'), 10000);
  assert.deepEqual(seen, ['session', 'socket'], 'asked for while the script is held');
  release();
  await expect.visible(page.locator('#conn[data-state="open"]'));
  await goAvailable(page);
  assert.deepEqual(seen, ['session', 'socket'], 'the page took that socket over: no second one');
  // Signed out, the page opens no socket and goes to sign in.
  await page.unroute('**/operator/webclient.js');
  await ctx.clearCookies();
  seen.length = 0;
  await page.reload();
  await page.waitForURL(/\/staff\/signin\?next=/);
  assert.deepEqual(seen, ['session'], 'no socket without a session');
  expectClean(ctx, [/401/]);
  await ctx.close();
});

test('a socket opened early that the page never takes over is closed, and the page opens its own later', async () => {
  const ctx = await newContext(browser);
  await ctx.clock.install();
  const page = await ctx.newPage();
  await signIn(page, srv.url, nora);
  const release = await holdWebclientScript(page);
  const sockets = [];
  page.on('websocket', (ws) => {
    const s = { closed: false };
    ws.on('close', () => { s.closed = true; });
    sockets.push(s);
  });
  await page.reload({ waitUntil: 'commit' });
  await until(() => sockets.length > 0, 10000);
  assert.equal(sockets.length, 1, 'the early socket');
  // The script still has not come 20 s on: an operator at no desk must not stay connected.
  await page.clock.fastForward(21000);
  await until(() => sockets[0].closed, 5000);
  assert.equal(sockets[0].closed, true, 'closed when nobody took it over');
  release();
  await expect.visible(page.locator('#conn[data-state="open"]'));
  assert.equal(sockets.length, 2, 'the page opened its own');
  await ctx.close();
});
