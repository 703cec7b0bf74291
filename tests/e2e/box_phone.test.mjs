// The patron's box on a phone: on the demo site at 280, 320 and 375 px the
// embedded box's message field takes most of the box's width (at least
// 60 %), its placeholder fits on one line, the image button and Send stay
// in the box with their names; the floating "Chat with us" launcher covers
// none of the page's headings or links, also after scrolling, and can be
// made smaller. Screenshots go to build/screens/; axe checks the box page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, ROOT } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat } from './lib/flows.mjs';

const SCREENS = path.join(ROOT, 'build', 'screens');
const WIDTHS = [280, 320, 375];

let srv;
let browser;

before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  const staff = await newContext(browser);
  const op = await staff.newPage();
  await signIn(op, srv.url, srv.addOperator({ username: 'pia', name: 'Pia Page' }));
  await goAvailable(op); // the box offers to start a chat only while someone is available
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function shot(page, name) {
  fs.mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
}

const overlap = (a, b) => Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/** The page's headings and links on screen that the launcher's dock covers, by their text. */
async function coveredByLauncher(page) {
  return page.evaluate(() => {
    const launcher = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'Chat with us');
    const dock = launcher.parentElement;
    const ours = [...dock.children].map((el) => el.getBoundingClientRect());
    const hits = [];
    const range = document.createRange();
    for (const el of document.querySelectorAll('h1,h2,h3,a[href],button,input,textarea,select,iframe')) {
      if (dock.contains(el)) continue;
      // The words of a heading or link (its box may span the column), a control's whole box.
      range.selectNodeContents(el);
      const rects = /^(H\d|A)$/.test(el.tagName) ? [...range.getClientRects()] : [el.getBoundingClientRect()];
      for (const r of rects) {
        for (const d of ours) {
          const w = Math.min(r.right, d.right) - Math.max(r.left, d.left);
          const h = Math.min(r.bottom, d.bottom) - Math.max(r.top, d.top);
          if (w > 0 && h > 0) hits.push(el.textContent.trim().slice(0, 40) || el.tagName);
        }
      }
    }
    return hits;
  });
}

for (const width of WIDTHS) {
  test(`at ${width} px the message field has most of the embedded box, and the launcher covers nothing`, async () => {
    const ctx = await newContext(browser, { viewport: { width, height: 640 }, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    await page.goto(`${srv.url}/`);
    const launcher = page.getByRole('button', { name: 'Chat with us', exact: true });
    await expect.visible(launcher);
    await page.waitForTimeout(600);
    await shot(page, `box-phone-${width}-page`);
    assert.deepEqual(await coveredByLauncher(page), [], 'nothing covered at the top of the page');
    const h1 = await page.getByRole('heading', { level: 1 }).boundingBox();
    assert.equal(overlap(h1, await launcher.boundingBox()), 0, 'the heading stays readable');

    // The embedded box: start a chat and measure its composer.
    const frameEl = page.locator('#ask-box iframe');
    await frameEl.scrollIntoViewIfNeeded();
    const box = page.frameLocator('#ask-box iframe');
    await startChat(box);
    const field = box.getByRole('textbox', { name: 'Message' });
    await field.scrollIntoViewIfNeeded();
    const frameBox = await frameEl.boundingBox();
    const fieldBox = await field.boundingBox();
    const share = fieldBox.width / frameBox.width;
    assert.ok(share >= 0.6, `the message field is ${Math.round(share * 100)} % of the box (${fieldBox.width} of ${frameBox.width} px)`);
    for (const name of ['Attach image', 'Send']) {
      const b = await box.getByRole('button', { name, exact: true }).boundingBox();
      assert.ok(b && b.x >= frameBox.x && b.x + b.width <= frameBox.x + frameBox.width + 0.5, `${name} is inside the box`);
    }
    // The placeholder fits the field's line: it cannot break inside a word.
    const fit = await field.evaluate((el) => {
      const s = getComputedStyle(el);
      const g = document.createElement('canvas').getContext('2d');
      g.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return { text: g.measureText(el.placeholder).width, room };
    });
    assert.ok(fit.text <= fit.room, `placeholder ${Math.ceil(fit.text)} px in ${fit.room} px`);
    // With the box in view, the launcher moves off it (the box is a frame of controls).
    await page.waitForTimeout(600);
    assert.deepEqual(await coveredByLauncher(page), [], 'the launcher keeps off the box');
    await shot(page, `box-phone-${width}-composer`);

    // Scrolled to where the page's links sit lower down, the launcher still covers none of them.
    await page.getByRole('heading', { name: 'Open today' }).scrollIntoViewIfNeeded();
    await page.waitForTimeout(600);
    assert.deepEqual(await coveredByLauncher(page), [], 'nothing covered after scrolling');
    await shot(page, `box-phone-${width}-scrolled`);

    await ctx.close();
  });
}

test('the chat box page at 280 px: composer laid out for a phone, axe clean', async () => {
  const ctx = await newContext(browser, { viewport: { width: 280, height: 560 }, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(page);
  const field = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
  assert.ok(field.width / 280 >= 0.6, `${field.width} px of 280`);
  await checkAxe(page, 'the chat box at 280 px');
  await shot(page, 'box-phone-280-popup');
  await ctx.close();
});

test('on a wide page the launcher keeps its words', async () => {
  const ctx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/`);
  const launcher = page.getByRole('button', { name: 'Chat with us', exact: true });
  await expect.text(launcher, 'Chat with us');
  assert.deepEqual(await coveredByLauncher(page), []);
  await checkAxe(page, 'the demo page with its launcher');
  await shot(page, 'box-wide-page');
  // It can be tucked aside against the edge by hand, and back; it stays a named button.
  const before = await launcher.boundingBox();
  await page.getByRole('button', { name: 'Move the chat button aside' }).click();
  const tucked = await launcher.boundingBox();
  assert.ok(tucked.width < before.width / 2, `aside: ${tucked.width} < ${before.width}`);
  assert.ok(Math.abs(tucked.x + tucked.width - 1280) < 1, 'against the right edge');
  assert.deepEqual(await coveredByLauncher(page), []);
  await shot(page, 'box-wide-tucked');
  await page.getByRole('button', { name: 'Bring the chat button back' }).click();
  await expect.text(launcher, 'Chat with us');
  assert.equal((await launcher.boundingBox()).width, before.width);
  await ctx.close();
});
