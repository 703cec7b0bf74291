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

import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, launchBrowser } from './chromium.mjs';

export { ROOT, launchBrowser };
export const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
/** Where the layout tests keep the screenshots a person must look at. */
export const SCREENS = path.join(ROOT, 'build', 'screens');

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
