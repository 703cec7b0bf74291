// The sharing tool (/staff/share/CHAT) for an active chat: an operator
// uploads a picture with a known checkerboard, draws a rectangle, an arrow,
// text, a highlight, a step marker and a redaction over it, crops it and
// sends it. The guest's copy is checked pixel by pixel (decoded here from
// the bytes the guest fetches with its token); undo and redo give back the
// very same document; Save to disk gives the very bytes that were sent;
// an edited snapshot opens again with its objects; the conversation in the
// tool, the webclient and the guest's box stay in step; axe finds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { uploadOk } from '../lib/upload.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, startChat, say, transcript, offerCard, staffOnline } from './lib/flows.mjs';
import { makeCheckerPng, decodePng, pixel, near, patternAt } from './lib/share.mjs';
import { fitTransform, imageToView } from '../../web/share/editor_model.js';

const W = 400;
const H = 300;
const CROP = { x: 10, y: 10, w: 380, h: 280 };

let srv;
let browser;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});


/** Screen point of image point `p`, with the view fitted to `doc` (image size and crop). */
async function at(page, doc, p) {
  const box = await page.locator('#canvas').boundingBox();
  const v = imageToView(fitTransform(doc, box.width, box.height), p);
  return { x: box.x + v.x, y: box.y + v.y };
}

async function drag(page, doc, from, to) {
  const a = await at(page, doc, from);
  const b = await at(page, doc, to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
  await page.mouse.move(b.x, b.y, { steps: 3 });
  await page.mouse.up();
}

async function click(page, doc, p) {
  const a = await at(page, doc, p);
  await page.mouse.click(a.x, a.y);
}

/** The bytes of the `i`-th upload the sharing tool sent. */
async function sentBody(page, i) {
  const b64 = await page.evaluate(async (n) => {
    const bytes = new Uint8Array(await window.sentBodies[n].arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }, i);
  return Buffer.from(b64, 'base64');
}

const tool = (page, name) => page.getByRole('toolbar').getByRole('button', { name, exact: true });

test('annotate, crop and send a snapshot; the guest gets exactly that', async () => {
  const t0 = Date.now();
  const ana = srv.addOperator({ username: 'ana', name: 'Ana Ortiz' });
  const { staff, op } = await staffOnline(browser, srv.url, ana, { acceptDownloads: true });

  const guests = await newContext(browser, { viewport: { width: 420, height: 720 } });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, 'Gil Guest');
  await offerCard(op, 'Gil Guest').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Ana Ortiz joined the chat');
  await say(guest, 'Where do I click to renew?');
  await expect.text(transcript(op), 'Where do I click to renew?');
  const { chat, token } = await guest.evaluate(() => JSON.parse(localStorage.getItem('refdesk.chat.ask')));

  // Keep a copy of every upload body the tool sends (the request events
  // do not carry Blob bodies): the bytes Save to disk must match.
  await staff.addInitScript(() => {
    const send = window.fetch;
    window.sentBodies = [];
    window.fetch = function (input, init) {
      if (init?.body instanceof Blob && String(input).endsWith('/uploads')) window.sentBodies.push(init.body);
      return send.apply(this, arguments);
    };
  });
  // The webclient's Sharing tool button opens the tool in a window of its own;
  // pressing it again brings that window back instead of opening another.
  const [share] = await Promise.all([staff.waitForEvent('page'),
    op.getByRole('button', { name: 'Sharing tool', exact: true }).click()]);
  const uploads = [];
  share.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith(`/api/chats/${chat}/uploads`)) uploads.push(req);
  });
  await share.waitForLoadState();
  assert.equal(new URL(share.url()).pathname, `/staff/share/${chat}`);
  const windows = staff.pages().length;
  await op.getByRole('button', { name: 'Sharing tool', exact: true }).click();
  await share.waitForTimeout(300);
  assert.equal(staff.pages().length, windows, 'a second press opened another window');
  await expect.text(transcript(share), 'Where do I click to renew?');
  await expect.text(share.locator('#conv-meta'), 'Gil Guest');
  await expect.visible(share.locator('#conn[data-state="open"]'));

  // Upload image: the known checkerboard.
  const [chooser] = await Promise.all([share.waitForEvent('filechooser'),
    share.getByRole('button', { name: 'Upload image', exact: true }).click()]);
  await chooser.setFiles({ name: 'catalogue.png', mimeType: 'image/png', buffer: makeCheckerPng(W, H) });
  await expect.visible(share.locator('#canvas'));
  await expect.text(share.locator('#stage-summary'), `Image ${W}×${H}, 0 marks`);
  const doc = { image: { width: W, height: H }, crop: null };

  await tool(share, 'Rectangle').click();
  await drag(share, doc, { x: 20, y: 20 }, { x: 120, y: 100 });
  await tool(share, 'Arrow').click();
  await drag(share, doc, { x: 160, y: 120 }, { x: 240, y: 60 });
  await tool(share, 'Text').click();
  await click(share, doc, { x: 30, y: 150 });
  const textBox = share.getByRole('textbox', { name: 'Text on the image' });
  await textBox.pressSequentially('Renew here');
  await textBox.press('Enter');
  await expect.hidden(textBox);
  // A drawing tool deselects, so the colour chosen next is for the next mark.
  await tool(share, 'Highlight').click();
  await share.getByRole('combobox', { name: 'Colour' }).selectOption({ label: 'Yellow' });
  await drag(share, doc, { x: 200, y: 150 }, { x: 300, y: 200 });
  await tool(share, 'Step marker').click();
  await share.getByRole('combobox', { name: 'Colour' }).selectOption({ label: 'Red' });
  await click(share, doc, { x: 330, y: 60 });
  await tool(share, 'Redact').click();
  await drag(share, doc, { x: 250, y: 220 }, { x: 350, y: 280 });
  await expect.text(share.locator('#stage-summary'), '6 marks');

  // The keyboard alone: a second step marker at the centre, nudged, then undone.
  await share.locator('#stage').focus();
  await share.keyboard.press('n');
  await expect.attribute(tool(share, 'Step marker'), 'aria-pressed', 'true');
  await share.keyboard.press('Enter');
  await expect.text(share.locator('#stage-summary'), '7 marks, step marker selected');
  await share.keyboard.press('ArrowRight');
  await share.keyboard.press('Shift+ArrowDown');
  await share.keyboard.press('Delete');
  await expect.text(share.locator('#stage-summary'), '6 marks');

  await tool(share, 'Crop').click();
  await drag(share, doc, { x: CROP.x, y: CROP.y }, { x: CROP.x + CROP.w, y: CROP.y + CROP.h });
  await expect.text(share.locator('#stage-summary'), `Image ${CROP.w}×${CROP.h}, 6 marks`);

  // The description starts with a useful default and a step legend to complete.
  const alt = share.getByRole('textbox', { name: 'Description', exact: true });
  const suggested = await alt.inputValue();
  assert.match(suggested, /380×280/);
  assert.match(suggested, /“Renew here”/);
  assert.match(suggested, /Steps: 1: …/);
  await alt.fill(suggested.replace('1: …', '1: the Renew button'));
  await screenshot(share, 'share-1280-editor');

  // Send to guest: the document first, then the flattened image.
  await share.getByRole('button', { name: 'Send to guest', exact: true }).click();
  await expect.text(share.locator('#send-note'), 'Sent to the guest.');
  assert.equal(uploads.length, 2);
  assert.equal(uploads[0].headers()['x-upload-kind'], 'annotation');
  assert.equal(uploads[1].headers()['x-upload-kind'], 'image');
  const firstDoc = JSON.parse((await sentBody(share, 0)).toString('utf8'));
  assert.equal(firstDoc.objects.length, 6);
  const sentPng = await sentBody(share, 1);
  const answer = await (await uploads[1].response()).json();
  assert.ok(answer.blob, 'the image upload is acknowledged with its blob');
  assert.equal(decodeURIComponent(uploads[1].headers()['x-alt']), suggested.replace('1: …', '1: the Renew button'));
  assert.ok(uploads[1].headers()['x-annotation']);
  assert.equal(uploads[1].headers()['x-parent'], undefined, 'a local image has no parent snapshot');

  // It shows in both transcripts and the guest's box.
  await expect.visible(transcript(guest).locator('[data-kind="snapshot"] img'));
  await expect.visible(transcript(op).locator('[data-kind="snapshot"]'));
  await expect.visible(transcript(share).locator('[data-kind="snapshot"][data-state="sent"]'));

  // The pixels the guest receives.
  const res = await fetch(`${srv.url}/api/chats/${chat}/blobs/${answer.blob}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const img = decodePng(Buffer.from(await res.arrayBuffer()));
  assert.deepEqual([img.width, img.height], [CROP.w, CROP.h], 'the image has the cropped size');
  const P = (x, y) => pixel(img, x - CROP.x, y - CROP.y); // image coordinates -> cropped
  assert.ok(near(P(20, 60), [224, 32, 27]), `rectangle stroke is red: ${P(20, 60)}`);
  assert.ok(near(P(70, 20), [224, 32, 27]), `rectangle stroke is red: ${P(70, 20)}`);
  assert.ok(near(P(70, 60), [...patternAt(70, 60), 255], 2), 'inside the rectangle the picture shows');
  let textPixels = 0;
  for (let y = 150; y < 170; y++) for (let x = 30; x < 120; x++) if (!near(P(x, y), patternAt(x, y), 40)) textPixels++;
  assert.ok(textPixels > 150, `the text region is not the background (${textPixels} pixels differ)`);
  assert.ok(!near(P(250, 175), patternAt(250, 175), 10), 'the highlight tints the picture');
  assert.ok(near(P(320, 64), [224, 32, 27], 30), `the step marker is there: ${P(320, 64)}`);
  assert.ok(near(P(330, 60), [255, 255, 255], 60) || near(P(331, 58), [255, 255, 255], 60), "its number is white");
  for (let y = 220; y < 280; y++) {
    for (let x = 250; x < 350; x++) {
      const c = P(x, y);
      assert.ok(c[0] === 0 && c[1] === 0 && c[2] === 0, `redacted pixel (${x}, ${y}) is ${c}, not black`);
    }
  }
  assert.ok(near(P(395 - 10, 15), patternAt(385, 15), 2), 'outside the marks the picture is untouched');

  // Save to disk: the same PNG, byte for byte.
  const [download] = await Promise.all([share.waitForEvent('download'),
    share.getByRole('button', { name: 'Save to disk', exact: true }).click()]);
  assert.match(download.suggestedFilename(), /^snapshot-\d{4}-\d{2}-\d{2}-\d{4}\.png$/);
  const saved = fs.readFileSync(await download.path());
  assert.ok(saved.equals(sentPng), 'Save to disk gives the bytes that were sent');

  // Undo everything, then redo everything: the very same document.
  const undo = tool(share, 'Undo');
  const redo = tool(share, 'Redo');
  for (let i = 0; i < 11; i++) await undo.click();
  await expect.attribute(undo, 'aria-disabled', 'true');
  await expect.text(share.locator('#stage-summary'), `Image ${W}×${H}, 0 marks`);
  for (let i = 0; i < 11; i++) await redo.click();
  await expect.attribute(redo, 'aria-disabled', 'true');
  await expect.text(share.locator('#stage-summary'), `Image ${CROP.w}×${CROP.h}, 6 marks`);
  await share.keyboard.press('Control+z');
  await expect.text(share.locator('#stage-summary'), `Image ${W}×${H}, 6 marks`);
  await share.keyboard.press('Control+Shift+Z');
  await share.getByRole('button', { name: 'Send to guest', exact: true }).click();
  await expect.count(transcript(share).locator('[data-kind="snapshot"][data-state="sent"]'), 2);
  assert.equal(uploads.length, 4);
  assert.deepEqual(JSON.parse((await sentBody(share, 2)).toString('utf8')), firstDoc, 'undo then redo restores the exact document');

  // An edited snapshot opens again with its objects, over its original.
  await transcript(share).locator('[data-kind="snapshot"]').first().getByRole('button', { name: /^Edit/ }).click();
  await expect.text(share.locator('#stage-summary'), `Image ${CROP.w}×${CROP.h}, 6 marks`);

  // A guest's screenshot, edited: the image names it as its parent, and
  // Edit on the result brings the mark back over that screenshot.
  const guestShot = await uploadOk(srv, { token }, chat, makeCheckerPng(200, 120), { headers: { 'content-type': 'image/png' } });
  const guestItem = transcript(share).locator(`[data-kind="snapshot"][data-from="guest"]`);
  await expect.visible(guestItem.getByRole('button', { name: 'Show' }));
  await guestItem.getByRole('button', { name: /^Edit/ }).click();
  await expect.text(share.locator('#stage-summary'), 'Image 200×120, 0 marks');
  await share.locator('#stage').focus();
  await share.keyboard.press('r');
  await share.keyboard.press('Enter');
  await expect.text(share.locator('#stage-summary'), '1 mark, rectangle selected');
  await share.getByRole('button', { name: 'Send to guest', exact: true }).click();
  await expect.count(transcript(share).locator('[data-kind="snapshot"][data-from="operator"][data-state="sent"]'), 3);
  assert.equal(uploads[5].headers()['x-parent'], guestShot.blob);
  await transcript(share).locator('[data-kind="snapshot"][data-from="operator"]').last().getByRole('button', { name: /^Edit/ }).click();
  await expect.text(share.locator('#stage-summary'), 'Image 200×120, 1 mark');

  // Messages from the tool reach the webclient and the guest, and back.
  await say(share, 'Click the red box, then step 1.');
  await expect.text(transcript(op), 'Click the red box, then step 1.');
  await expect.text(transcript(guest), 'Click the red box, then step 1.');
  await say(guest, 'Found it, thanks!');
  await expect.text(transcript(share), 'Found it, thanks!');
  await say(op, 'You are welcome.');
  await expect.text(transcript(share), 'You are welcome.');

  await checkAxe(share, 'the sharing tool');
  await screenshot(share, 'share-1280-sent');
  await share.setViewportSize({ width: 1920, height: 1080 });
  await share.waitForTimeout(150);
  await screenshot(share, 'share-1920');
  await screenshot(op, 'share-webclient');
  expectClean(staff);
  expectClean(guests);
  assert.ok(Date.now() - t0 < 60000, 'the test stays under a minute');
});

test('a chat of nobody here is the staff 404 page; signed out goes to sign-in', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/staff/share/c_nope`);
  await page.waitForURL(/\/staff\/signin\?next=%2Fstaff%2Fshare%2Fc_nope/);
  await signIn(page, srv.url, srv.addOperator({ username: 'bo', name: 'Bo Berg' }));
  const res = await page.goto(`${srv.url}/staff/share/c_nope`);
  assert.equal(res.status(), 404);
  await expect.text(page.getByRole('heading', { level: 1 }), 'This page or chat was not found');
  expectClean(ctx, [/status of 401/, /status of 404/]);
});
