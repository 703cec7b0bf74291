// expect.mjs: small waiting assertions over playwright-core locators (the
// test runner is node:test, so @playwright/test's expect is not available).

import assert from 'node:assert/strict';

const TIMEOUT = 10000;

async function until(what, check, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true) return;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const expect = {
  /** The locator is (or becomes) visible. */
  visible: (loc, timeout) => loc.first().waitFor({ state: 'visible', timeout: timeout ?? TIMEOUT }),
  /** The locator is (or becomes) hidden or absent. */
  hidden: (loc, timeout) => loc.first().waitFor({ state: 'hidden', timeout: timeout ?? TIMEOUT }),
  /** The element's text contains `text` (string or RegExp). */
  text: (loc, text, timeout) => until(`text ${text}`, async () => {
    const t = await loc.innerText({ timeout: 1000 });
    return (text instanceof RegExp ? text.test(t) : t.includes(text)) || t;
  }, timeout),
  /** The element's text does not contain `text`. */
  noText: async (loc, text) => {
    const t = await loc.innerText();
    assert.ok(!t.includes(text), `unexpected "${text}" in:\n${t}`);
  },
  count: (loc, n, timeout) => until(`count ${n}`, async () => (await loc.count()) === n || (await loc.count()), timeout),
  checked: (loc) => until('checked', async () => loc.isChecked()),
  enabled: (loc) => until('enabled', async () => loc.isEnabled()),
  attribute: (loc, name, value) => until(`${name}=${value}`, async () => (await loc.getAttribute(name)) === value || (await loc.getAttribute(name))),
};
