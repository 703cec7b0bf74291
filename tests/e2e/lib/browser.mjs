// browser.mjs: the one place the browser tests launch Chromium.
//
// Headless Debian Chromium through playwright-core, with the flags that keep
// every launch off the network (see TECH-NOTES.md). newContext() records
// console errors, page errors and CSP violations (the
// `securitypolicyviolation` event, from every page and frame) of the context.
// A test may check them itself with expectClean(context, allow); whether or
// not it does, every context still open is checked after each test, and a
// problem that no allow pattern covers fails that test. Pages carry a strict
// CSP with no inline script, so an injected script shows up here even when
// the CSP stops it.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
/** Where the layout tests keep the screenshots a person must look at. */
export const SCREENS = path.join(ROOT, 'build', 'screens');

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

// playwright-core switches storage partitioning off in the browsers it
// launches (in its one --disable-features list), though Chromium has it on
// for everyone since version 115; a cross-site frame (a chat box on a
// library's site) then gets no storage at all. We launch with that list
// minus ThirdPartyStoragePartitioning so the tests see what a patron's
// browser does, unless a test asks for the refusing browser
// (thirdPartyStorage: false). Chromium honours only one --disable-features,
// so one a test passes in `args` is merged into it.
const require = createRequire(import.meta.url);
const PLAYWRIGHT_FEATURES = require(path.join(path.dirname(require.resolve('playwright-core/package.json')),
  'lib/server/chromium/chromiumSwitches.js')).chromiumSwitches.find((s) => s.startsWith('--disable-features='));

function featureArgs(args, thirdPartyStorage) {
  const own = args.filter((a) => a.startsWith('--disable-features=')).map((a) => a.split('=')[1]);
  const rest = args.filter((a) => !a.startsWith('--disable-features='));
  let list = PLAYWRIGHT_FEATURES.split('=')[1].split(',');
  if (thirdPartyStorage) list = list.filter((f) => f !== 'ThirdPartyStoragePartitioning');
  return [...rest, `--disable-features=${[...list, ...own].join(',')}`];
}

/**
 * Launch headless Chromium; `args` are more switches (such as the fake
 * screen for screensharing, SCREEN_CAPTURE_ARGS). With `thirdPartyStorage`
 * false, a cross-site frame's localStorage and sessionStorage throw.
 */
export function launchBrowser({ args = [], thirdPartyStorage = true } = {}) {
  const all = [...ARGS, ...featureArgs(args, thirdPartyStorage)];
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // (playwright drops an ignored switch from our args too: when the list is
    // unchanged, it stays where it was.)
    ignoreDefaultArgs: all.includes(PLAYWRIGHT_FEATURES) ? undefined : [PLAYWRIGHT_FEATURES],
    args: all.filter((a) => a !== PLAYWRIGHT_FEATURES),
  });
}

/** Contexts watched: checked after every test. */
const live = new Set();
/** Contexts made during the running test, retired when it ends. */
let ownedByTest = null;

/**
 * A synthetic screen for getDisplayMedia without a person at the picker
 * (it must still be called from a real click).
 */
export const SCREEN_CAPTURE_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/**
 * A new browser context (its own cookies and storage: one person) whose
 * pages' console errors, uncaught exceptions and CSP violations are
 * collected in `context.problems`. Options are passed to
 * browser.newContext().
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(10000);
  context.problems = [];
  context.allowed = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error' && live.has(context)) context.problems.push(`console: ${msg.text()}`);
  });
  context.on('weberror', (err) => {
    if (live.has(context)) context.problems.push(`pageerror: ${err.error().message}`);
  });
  await context.exposeBinding('__refdeskCspViolation', ({ frame }, v) => {
    if (live.has(context)) context.problems.push(`csp: ${v.directive} refused ${v.blocked || 'inline'} in ${frame.url()}` +
      (v.sample ? ` (${v.sample})` : ''));
  });
  await context.addInitScript(() => {
    window.addEventListener('securitypolicyviolation', (e) => {
      const report = window.__refdeskCspViolation;
      if (typeof report === 'function')
        report({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    }, true);
  });
  live.add(context);
  ownedByTest?.add(context);
  context.on('close', () => live.delete(context));
  return context;
}

/** The problems of `context` that no allowed pattern covers; forgets all of them. */
function takeProblems(context) {
  const left = context.problems.filter((p) => !context.allowed.some((re) => re.test(p)));
  context.problems = [];
  return left;
}

/**
 * Fail unless the context saw no console error, page error or CSP
 * violation. `allow` lists regular expressions for errors a test expects
 * (e.g. the 401 a wrong password earns); they stay allowed for the
 * automatic check after the test.
 */
export function expectClean(context, allow = []) {
  context.allowed.push(...allow);
  const left = takeProblems(context);
  assert.deepEqual(left, [], `browser reported problems:\n${left.join('\n')}`);
}

beforeEach(() => {
  ownedByTest = new Set();
});

afterEach(() => {
  const left = [];
  for (const context of live) left.push(...takeProblems(context));
  for (const context of ownedByTest ?? []) live.delete(context);
  ownedByTest = null;
  assert.deepEqual(left, [], `browser reported problems during the test:\n${left.join('\n')}`);
});

/** Save a screenshot under test-results/screenshots/NAME.png (or `dir`/NAME.png). */
export async function screenshot(page, name, { dir = SHOTS } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
