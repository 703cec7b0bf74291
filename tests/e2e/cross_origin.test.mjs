// The real embedding case: a library's own site, on another origin, with a
// strict Content-Security-Policy of its own, includes embed.js from refdesk.
// The box may be framed only once the account allows that origin; then the
// embedded and follow-me boxes chat, and follow-me keeps the chat across
// the library's pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { startChat, say, transcript, offerCard, staffOnline } from './lib/flows.mjs';

let srv;
let browser;
let site;
let siteUrl;

function libraryPage(title, mode, host) {
  const box = mode === 'embedded' ? '<div id="chat" data-refdesk-box></div>' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script src="${host}/embed.js" data-queue="ask" data-mode="${mode}" async></script></head>
<body><main><h1>${title}</h1><p><a href="/one">Page one</a> <a href="/two">Page two</a></p>${box}</main></body></html>`;
}

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  // The library's site: "localhost" is another origin than refdesk's 127.0.0.1.
  site = http.createServer((req, res) => {
    const mode = req.url === '/embedded' ? 'embedded' : 'follow-me';
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'self'; script-src 'self' ${srv.url}; frame-src ${srv.url}; style-src 'self'`,
    });
    res.end(libraryPage(`Library ${req.url}`, mode, srv.url));
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://localhost:${site.address().port}`;
});
after(async () => {
  await browser?.close();
  site?.close();
  await srv?.close();
});

async function allowOrigin(admin, origin) {
  const signin = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: admin.username, password: admin.password }) });
  const cookie = signin.headers.get('set-cookie').split(';')[0];
  const { csrf } = await signin.json();
  const r = await fetch(`${srv.url}/api/admin/account`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', cookie, 'X-CSRF-Token': csrf }, body: JSON.stringify({ origins: [origin] }) });
  assert.equal(r.status, 200);
}

test('a library site on another origin embeds the box once its origin is allowed', async () => {
  const admin = srv.addOperator({ username: 'xadmin', name: 'Xena Hall', isAdmin: true });

  // Not allowed yet: the browser refuses to frame the box.
  const early = await newContext(browser);
  const blocked = await early.newPage();
  await blocked.goto(`${siteUrl}/embedded`);
  await expect.visible(blocked.locator('iframe[name="refdesk-embedded-ask"]'));
  await blocked.waitForTimeout(800);
  for (const f of blocked.frames()) {
    if (f === blocked.mainFrame()) continue;
    const rendered = await f.evaluate(() => Boolean(document.getElementById('box'))).catch(() => false);
    assert.equal(rendered, false, 'the box must not render in a foreign frame');
  }
  assert.ok(early.problems.some((p) => /frame-ancestors|Refused to (frame|display)/i.test(p)), early.problems.join('\n'));
  expectClean(early, [/frame-ancestors|Refused to (frame|display)/i]); // the refusal this step expects

  await allowOrigin(admin, siteUrl);

  const { staff, op } = await staffOnline(browser, srv.url, admin);

  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${siteUrl}/embedded`);
  const embedded = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  await startChat(embedded, 'Yara');
  await say(embedded, 'Hello from the library site');
  await offerCard(op, 'Yara').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Hello Yara!');
  await expect.text(transcript(embedded), 'Hello Yara!');
  // A reload keeps the chat: the box holds it in its own storage, which the
  // browser partitions under the library's site (box_storage.test.mjs shows
  // the page itself cannot read it).
  await page.reload();
  await expect.text(transcript(embedded), 'Hello Yara!');
  await expect.count(transcript(embedded).getByText('Hello from the library site'), 1);
  await embedded.getByRole('button', { name: 'End chat' }).click();
  await expect.text(transcript(op), 'The guest ended the chat');
  // The box tells the library page by postMessage that the chat is over; a person cannot
  // navigate before that lands, and the next page would otherwise make the box for nothing.
  // (Polled from here: waitForFunction would evaluate a string, which the page's CSP forbids.)
  for (let i = 0; i < 50 && !(await page.evaluate(() => !JSON.parse(localStorage['refdesk.ask'] || '{}').live)); i++)
    await page.waitForTimeout(100);
  assert.ok(await page.evaluate(() => !JSON.parse(localStorage['refdesk.ask'] || '{}').live), 'the page never heard that the chat ended');

  // Follow-me across two pages of the library's site.
  await page.goto(`${siteUrl}/one`);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const box = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await startChat(box, 'Yara again');
  await say(box, 'One more question');
  await offerCard(op, 'Yara again').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Go ahead.');
  await expect.text(transcript(box), 'Go ahead.');
  await screenshot(page, 'cross-origin-follow-me');
  await page.getByRole('link', { name: 'Page two' }).click();
  await page.waitForURL(`${siteUrl}/two`);
  const box2 = page.frameLocator('iframe[name="refdesk-follow-ask"]');
  await expect.text(transcript(box2), 'Go ahead.');
  await say(box2, 'Still here on page two');
  await expect.text(transcript(op), 'Still here on page two');

  // The minimise control still reaches the loader across origins.
  await box2.getByRole('button', { name: 'Minimise chat' }).click();
  await expect.hidden(page.locator('iframe[name="refdesk-follow-ask"]'));

  expectClean(staff);
  expectClean(guests);
});
