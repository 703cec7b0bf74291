// A librarian on XMPP, with the browsers real: the operator links their XMPP address on the
// webclient (the code arrives in their XMPP client and is typed back), approves the
// subscription and shows "via XMPP"; a guest chats in Chromium and the librarian answers from
// the XMPP client; the chat management link from the ring, opened signed out, leads through
// sign-in to the chat's page, held by the librarian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, startChat, say, transcript } from './lib/flows.mjs';
import { startProsody, xml, xmppClient } from '../integration/lib/prosody.mjs';
import { makeCheckerPng } from './lib/share.mjs';
import { fitTransform, imageToView } from '../../web/share/editor_model.js';

const DOMAIN = 'chat.example.test';
const SECRET = 'component-secret-e2e';

/** Drag on the sharing tool's canvas from image point `from` to `to` (the image fitted, uncropped). */
async function drag(page, image, from, to) {
  const box = await page.locator('#canvas').boundingBox();
  const t = fitTransform({ image, crop: null }, box.width, box.height);
  const a = imageToView(t, from);
  const b = imageToView(t, to);
  await page.mouse.move(box.x + a.x, box.y + a.y);
  await page.mouse.down();
  await page.mouse.move(box.x + (a.x + b.x) / 2, box.y + (a.y + b.y) / 2, { steps: 3 });
  await page.mouse.move(box.x + b.x, box.y + b.y, { steps: 3 });
  await page.mouse.up();
}

let srv;
let browser;
let prosody;
let tmp;
before(async () => {
  prosody = await startProsody({ domain: DOMAIN, secret: SECRET, users: { mary: 'mary-xmpp-password' } });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-xmpp-e2e-'));
  await fs.writeFile(path.join(tmp, 'secret'), SECRET);
  srv = await startDemoServer({ args: ['--xmpp-domain', DOMAIN, '--xmpp-server', prosody.componentAddress, '--xmpp-secret-file', path.join(tmp, 'secret')] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  await prosody?.cleanup();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

test('link an address on the webclient, chat with a guest from the XMPP client, open the management link', async () => {
  const mary = srv.addOperator({ username: 'mary', name: 'Mary Reyes' });
  const lib = await xmppClient(prosody, 'mary');
  lib.client.on('stanza', (st) => {
    if (st.is('presence') && st.attrs.type === 'subscribe')
      lib.client.send(xml('presence', { to: st.attrs.from, type: 'subscribed' }));
  });

  const staff = await newContext(browser);
  const op = await staff.newPage();
  await signIn(op, srv.url, mary);
  const panel = op.locator('#xmpp-panel');
  await expect.visible(panel);
  await expect.text(panel, 'link your address');
  await op.getByRole('textbox', { name: 'Your XMPP address' }).fill('Mary@LocalHost');
  await op.getByRole('button', { name: 'Send code' }).click();
  await expect.text(op.locator('#xmpp-status'), `A code was sent to mary@localhost from ${DOMAIN}`);
  const codeMsg = await lib.next((st) => st.is('message') && st.attrs.from === DOMAIN, 10000, 'the code');
  const code = /code is ([a-z0-9]{8})/.exec(codeMsg.getChildText('body'))[1];
  // A wrong code is refused with a sentence; the right one, typed in capitals, confirms.
  await op.getByRole('textbox', { name: 'The code sent to your address' }).fill('zzzzzzzz');
  await op.getByRole('button', { name: 'Confirm' }).click();
  await expect.text(panel, 'That is not the code that was sent.');
  await op.getByRole('textbox', { name: 'The code sent to your address' }).fill(code.toUpperCase());
  await op.getByRole('button', { name: 'Confirm' }).click();
  // The XMPP client approves the subscription; the next refresh shows availability.
  await new Promise((r) => setTimeout(r, 500));
  await op.reload();
  await expect.text(op.locator('#xmpp-status'), 'Available via XMPP as mary@localhost');
  await expect.visible(op.locator('#via-xmpp'));
  await screenshot(op, 'xmpp-linked');

  // A guest chats in the demo site's box: the box is on because Mary is available via XMPP.
  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  await startChat(box, 'Alex Patron');
  await say(box, 'Do you have books about owls?');

  const ring = await lib.next((st) => st.is('message') && st.attrs.from?.endsWith(`@${DOMAIN}`) && /staff\/chat/.test(st.getChildText('body') ?? ''), 10000, 'the ring');
  const chatJid = ring.attrs.from;
  const manage = ring.getChildText('body').split('\n')[0];
  assert.match(manage, new RegExp(`^${srv.url}/staff/chat/c_[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$`));
  await lib.next((st) => st.is('message') && st.attrs.from === chatJid && st.getChildText('body') === 'Do you have books about owls?', 10000, "the guest's question");
  await lib.client.send(xml('message', { to: chatJid, type: 'chat' }, xml('body', {}, 'Yes, try shelf 598.9 on the second floor.')));
  await expect.text(transcript(box), 'Mary Reyes joined the chat');
  await expect.text(transcript(box), 'Yes, try shelf 598.9 on the second floor.');
  await say(box, 'Thanks!');
  await lib.next((st) => st.is('message') && st.attrs.from === chatJid && st.getChildText('body') === 'Thanks!', 10000, 'the thanks');

  // From the XMPP client the librarian opens the management link in a browser, signed out.
  const desk = await newContext(browser);
  const mpage = await desk.newPage();
  await mpage.goto(manage);
  await mpage.waitForURL(/\/staff\/signin\?next=/);
  await mpage.getByRole('textbox', { name: 'Username' }).fill(mary.username);
  await mpage.getByLabel('Password').fill(mary.password);
  await mpage.getByRole('button', { name: 'Sign in' }).click();
  await mpage.waitForURL(manage);
  await expect.text(mpage.locator('#status'), 'Active');
  await expect.text(mpage.locator('#holder'), 'Mary Reyes (you)');
  await expect.visible(mpage.getByRole('button', { name: 'Sharing tool' }));
  await screenshot(mpage, 'xmpp-manage-page');

  // From the chat's page, the sharing tool: an annotated snapshot to the guest. The XMPP
  // client is told with a line that points at the chat's page, never at the image itself.
  const [share] = await Promise.all([desk.waitForEvent('page'),
    mpage.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  await share.waitForLoadState();
  await expect.text(transcript(share), 'Do you have books about owls?');
  const [chooser] = await Promise.all([share.waitForEvent('filechooser'),
    share.getByRole('button', { name: 'Upload image', exact: true }).click()]);
  await chooser.setFiles({ name: 'floor-plan.png', mimeType: 'image/png', buffer: makeCheckerPng(400, 300) });
  await expect.visible(share.locator('#canvas'));
  await share.getByRole('toolbar').getByRole('button', { name: 'Rectangle', exact: true }).click();
  await drag(share, { width: 400, height: 300 }, { x: 40, y: 40 }, { x: 200, y: 160 });
  await expect.text(share.locator('#stage-summary'), '1 mark');
  await share.getByRole('button', { name: 'Send to guest', exact: true }).click();
  await expect.text(share.locator('#send-note'), 'Sent to the guest.');
  await expect.visible(transcript(box).locator('[data-kind="snapshot"] img'));
  const line = await lib.next((st) => st.is('message') && st.attrs.from === chatJid && /sent a snapshot/.test(st.getChildText('body') ?? ''), 10000, 'the snapshot line');
  assert.equal(line.getChildText('body'), `Mary Reyes sent a snapshot; see it on the chat's page: ${manage}`);
  assert.doesNotMatch(line.getChildText('body'), /\/blobs\//);
  await share.close();

  // /end from the XMPP client ends it for the guest.
  await lib.client.send(xml('message', { to: chatJid, type: 'chat' }, xml('body', {}, '/end')));
  await expect.text(transcript(box), /ended/i);

  await lib.stop();
  expectClean(staff, [/status of 400/]); // the wrong code, on purpose
  expectClean(guests);
  expectClean(desk, [/status of 401/]);
});
