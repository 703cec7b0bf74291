// browser.mjs: the one place the browser tests launch Chromium.
//
// Headless Debian Chromium through playwright-core, with the flags that keep
// every launch off the network (see TECH-NOTES.md). newContext() records
// console errors, page errors and CSP violations of every page and frame in
// the context, so each test can finish with expectClean().

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];

/**
 * Launch headless Chromium; `args` are more switches (such as the fake
 * screen for screensharing, SCREEN_CAPTURE_ARGS).
 */
export function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...ARGS, ...args],
  });
}

/**
 * A synthetic screen for getDisplayMedia without a person at the picker
 * (it must still be called from a real click).
 */
export const SCREEN_CAPTURE_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/**
 * A new browser context (its own cookies and storage: one person) whose
 * pages' console errors and uncaught exceptions are collected in
 * `context.problems`. Options are passed to browser.newContext().
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(10000);
  context.problems = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error') context.problems.push(`console: ${msg.text()}`);
  });
  context.on('weberror', (err) => context.problems.push(`pageerror: ${err.error().message}`));
  return context;
}

/**
 * Fail unless the context saw no console error, page error or CSP
 * violation. `allow` lists regular expressions for errors a test expects
 * (e.g. the 401 a wrong password earns).
 */
export function expectClean(context, allow = []) {
  const left = context.problems.filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], `browser reported problems:\n${left.join('\n')}`);
}

/** Save a screenshot under test-results/screenshots/NAME.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}
