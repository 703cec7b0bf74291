// chromium.mjs: how the browser tests and the benchmarks launch Chromium.
//
// Headless Debian Chromium through playwright-core, with the flags that keep
// every launch off the network (see TECH-NOTES.md). Kept apart from
// browser.mjs, whose per-test checks need node:test, so that a benchmark
// script run with plain `node` launches the very same browser.

import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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
