// The library's site must not be able to read the patron's chat. Its pages
// (the demo library's, served from another origin than refdesk's) run a
// hostile script of their own: it records every message posted to the page
// and reads everything a page can reach — its localStorage, sessionStorage,
// cookies, window and frame names, frame addresses, resource URLs and the
// document. None of that may hold the chat id, the token or what the patron
// wrote. The chat still resumes after a reload and on the site's next page,
// because the box keeps it in its own (partitioned) storage. Where the
// browser refuses the box any storage, the chat does not survive a reload:
// that is the price of not lending the token to the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ROOT, launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, say, transcript, offerCard, staffOnline } from './lib/flows.mjs';

let srv;
let browser;
let site;
let siteUrl;

const DEMO = path.join(ROOT, 'web', 'demo');
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml' };

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  // The demo library's pages on "localhost" (another site than refdesk's
  // 127.0.0.1), loading embed.js from refdesk.
  site = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const name = url.pathname === '/' ? 'index.html' : url.pathname.replace(/^\/demo\//, '');
    const file = path.join(DEMO, path.basename(name));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    let body = fs.readFileSync(file);
    if (file.endsWith('.html')) body = body.toString().replaceAll('src="/embed.js"', `src="${srv.url}/embed.js"`);
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://localhost:${site.address().port}`;

  const admin = srv.addOperator({ username: 'sadmin', name: 'Sam Admin', isAdmin: true });
  const signin = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: admin.username, password: admin.password }) });
  const cookie = signin.headers.get('set-cookie').split(';')[0];
  const { csrf } = await signin.json();
  const r = await fetch(`${srv.url}/api/admin/account`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', cookie, 'X-CSRF-Token': csrf }, body: JSON.stringify({ origins: [siteUrl] }) });
  assert.equal(r.status, 200);
});
after(async () => {
  await browser?.close();
  site?.close();
  await srv?.close();
});

/**
 * A guest's context whose pages on the library's site run the hostile
 * script; `chats` collects the chat ids and tokens the server handed the
 * guest's boxes (read off the WebSocket, which the page cannot see).
 */
async function guestContext(b) {
  const guests = await newContext(b);
  await guests.addInitScript((origin) => {
    if (location.origin !== origin || window.top !== window) return;
    window.__overheard = [];
    addEventListener('message', (e) => {
      let text;
      try {
        text = JSON.stringify(e.data);
      } catch {
        text = String(e.data);
      }
      window.__overheard.push(`${e.origin} ${text}`);
    });
  }, siteUrl);
  const chats = [];
  guests.on('page', (page) => page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    const msg = JSON.parse(String(payload));
    if (typeof msg.token === 'string') chats.push({ chat: msg.chat, token: msg.token });
  })));
  return { guests, chats };
}

/** Everything a script on `page` (the library's page) can read. */
function whatThePageSees(page) {
  return page.evaluate(() => {
    const seen = [location.href, document.referrer, document.cookie, window.name, document.documentElement.outerHTML];
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) seen.push(s.key(i), s.getItem(s.key(i)));
    }
    for (const f of document.querySelectorAll('iframe')) {
      seen.push(f.name, f.src);
      for (const peek of [() => f.contentWindow.name, () => f.contentWindow.localStorage.getItem('refdesk.chat.ask'),
        () => f.contentDocument.body.innerText, () => f.contentWindow.location.href]) {
        try {
          seen.push(String(peek()));
        } catch {
          // cross-origin: refused, as it should be
        }
      }
    }
    for (const e of performance.getEntries()) seen.push(e.name);
    return { text: seen.join('\n'), overheard: [...window.__overheard] };
  });
}

/** Fail if the page can see any of `secrets`; returns what it overheard. */
async function assertPageBlind(page, secrets) {
  const { text, overheard } = await whatThePageSees(page);
  const all = `${text}\n${overheard.join('\n')}`;
  for (const s of secrets) assert.ok(!all.includes(s), `the library's page can read ${JSON.stringify(s)}:\n${all.slice(0, 4000)}`);
  return overheard;
}

test('a script on the library site cannot read the chat, and the chat still follows the guest', async () => {
  const uma = srv.addOperator({ username: 'uma', name: 'Uma Reyes' });
  const { staff, op } = await staffOnline(browser, srv.url, uma);
  const { guests, chats } = await guestContext(browser);
  const page = await guests.newPage();

  await page.goto(`${siteUrl}/`);
  const embedded = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  await expect.visible(embedded.getByRole('button', { name: 'Start chat' }));
  await expect.hidden(embedded.locator('#no-storage'));
  await startChat(embedded, 'Quinn');
  await say(embedded, 'My library card is 2948-7731');
  await offerCard(op, 'Quinn').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Thanks, I see your loans.');
  await expect.text(transcript(embedded), 'Thanks, I see your loans.');

  // The record lives in the box's own storage (partitioned under this site).
  const record = await page.frame({ name: 'refdesk-embedded-ask' }).evaluate(() => JSON.parse(localStorage.getItem('refdesk.chat.ask')));
  assert.match(record.chat, /\S{8,}/);
  assert.deepEqual(chats, [{ chat: record.chat, token: record.token }], 'the stored chat is the one the server gave');
  const secrets = [record.chat, record.token, '2948-7731', 'I see your loans'];

  const overheard = await assertPageBlind(page, secrets);
  // What the page does keep: whether a chat is going, for the next page's box.
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('refdesk.ask'))), { live: true });
  // The spy works: the box does talk to the page (open/closed and unread state).
  assert.ok(overheard.some((m) => m.includes('refdesk:state')), overheard.join('\n'));

  // A reload resumes the chat from the box's own storage.
  await page.reload();
  await expect.text(transcript(embedded), 'Thanks, I see your loans.');
  await expect.text(embedded.locator('#box-status'), 'Chatting with Uma Reyes');
  await expect.count(transcript(embedded).getByText('My library card is 2948-7731'), 1);
  await assertPageBlind(page, secrets);

  // Another page of the site: the follow-me box has the same chat.
  await page.getByRole('link', { name: 'Research help' }).first().click();
  await page.waitForURL(/research\.html$/);
  await page.getByRole('button', { name: /Chat with us/ }).click();
  const box = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await expect.text(transcript(box), 'Thanks, I see your loans.');
  await say(box, 'Found the shelf, thank you');
  await expect.text(transcript(op), 'Found the shelf, thank you');
  await assertPageBlind(page, [...secrets, 'Found the shelf']);

  // The pop-up from the site: a window of refdesk's own, just as blind.
  await page.goto(`${siteUrl}/`);
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Open chat window' }).click()]);
  await expect.visible(popup.getByRole('button', { name: 'Start chat' }));
  await assertPageBlind(page, secrets);
  await popup.close();

  // Back on the first page the embedded box still has the chat; ending it
  // tells the page only that there is no chat any more.
  await expect.text(transcript(embedded), 'Found the shelf, thank you');
  await embedded.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(op), 'The guest ended the chat');
  await expect.text(embedded.locator('#ended'), 'This chat has ended');
  await assertPageBlind(page, secrets);
  for (let i = 0; i < 50 && (await page.evaluate(() => JSON.parse(localStorage.getItem('refdesk.ask')).live)); i++)
    await page.waitForTimeout(100);
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('refdesk.ask'))), { live: false, open: false });

  expectClean(staff);
  expectClean(guests);
  await Promise.all([staff.close(), guests.close()]);
});

test('where the browser refuses the box storage, the token stays out of the page and the chat ends with it', async () => {
  const refusing = await launchBrowser({ thirdPartyStorage: false });
  try {
    const vic = srv.addOperator({ username: 'vic', name: 'Vic Lund' });
    const { staff, op } = await staffOnline(browser, srv.url, vic);
    const { guests, chats } = await guestContext(refusing);
    const page = await guests.newPage();

    await page.goto(`${siteUrl}/`);
    const embedded = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
    // The guest is told before starting.
    await expect.text(embedded.locator('#view-start'), 'This browser does not let the chat box remember your chat');
    await embedded.locator('#no-storage').scrollIntoViewIfNeeded();
    await screenshot(page, 'box-storage-refused');
    await startChat(embedded, 'Rae');
    await say(embedded, 'Is the archive open?');
    await offerCard(op, 'Rae').getByRole('button', { name: 'Accept' }).click();
    await say(op, 'Until five, Rae.');
    await expect.text(transcript(embedded), 'Until five, Rae.');
    // This browser does refuse the box its storage.
    const refused = await page.frame({ name: 'refdesk-embedded-ask' }).evaluate(() => {
      try {
        return String(localStorage.length) && 'allowed';
      } catch {
        return 'refused';
      }
    });
    assert.equal(refused, 'refused');
    assert.equal(chats.length, 1, 'the box got one chat');
    const secrets = [chats[0].chat, chats[0].token, 'Is the archive open', 'Until five'];
    await assertPageBlind(page, secrets);

    // Nothing kept it: after a reload the box offers a new chat.
    await page.reload();
    await expect.visible(embedded.getByRole('button', { name: 'Start chat' }));
    await expect.count(transcript(embedded).getByText('Until five, Rae.'), 0);
    await assertPageBlind(page, secrets);

    expectClean(staff);
    expectClean(guests);
    await staff.close();
  } finally {
    await refusing.close();
  }
});

test('the library page cannot hand the box a chat of its own choosing', async () => {
  // A page that could pass the box a chat record could have the patron
  // type into a chat whose token the page holds, and read along.
  const wes = srv.addOperator({ username: 'wes', name: 'Wes Moor' });
  const { staff, op } = await staffOnline(browser, srv.url, wes);
  const planted = await newContext(browser);
  const mole = await planted.newPage();
  await mole.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(mole, 'Planted');
  const record = await mole.evaluate(() => JSON.parse(localStorage.getItem('refdesk.chat.ask')));
  assert.equal(typeof record.token, 'string');

  const { guests } = await guestContext(browser);
  const page = await guests.newPage();
  await page.goto(`${siteUrl}/`);
  const embedded = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  await expect.visible(embedded.getByRole('button', { name: 'Start chat' }));
  // The page speaks as the loader would, with the planted chat.
  await page.evaluate(({ to, keep }) => {
    document.querySelector('iframe[name="refdesk-embedded-ask"]').contentWindow
      .postMessage({ type: 'refdesk:open', open: true, keep }, to);
  }, { to: srv.url, keep: record });
  await page.waitForTimeout(1000);
  await expect.visible(embedded.getByRole('button', { name: 'Start chat' }));
  assert.equal(await page.frame({ name: 'refdesk-embedded-ask' }).evaluate(() => localStorage.getItem('refdesk.chat.ask')), null);
  await expect.count(op.locator('article.offer', { has: op.getByText('Planted', { exact: true }) }), 1);

  expectClean(staff);
  expectClean(guests);
  expectClean(planted);
  await Promise.all([staff.close(), guests.close(), planted.close()]);
});

test('the chat record an older loader left in the site\'s storage is deleted', async () => {
  const { guests } = await guestContext(browser);
  const page = await guests.newPage();
  await page.goto(`${siteUrl}/demo/hours.html`);
  await expect.visible(page.getByRole('button', { name: 'Chat with us' }));
  await page.evaluate(() => localStorage.setItem('refdesk.ask',
    JSON.stringify({ open: false, keep: { chat: 'c_left_behind', token: 'token-left-behind', lastSeq: 3 } })));
  await page.reload();
  await expect.visible(page.getByRole('button', { name: 'Chat with us' }));
  for (let i = 0; i < 50 && (await page.evaluate(() => localStorage.getItem('refdesk.ask').includes('left_behind'))); i++)
    await page.waitForTimeout(100);
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('refdesk.ask'))), { open: false });
  expectClean(guests);
  await guests.close();
});
