// i18n.js: the pages' words in the reader's language.
//
// Each language is one catalogue file, web/shared/i18n/LANG.json: a flat
// object of message keys to text. A text may hold placeholders, {name},
// and a message that counts something holds one form per plural category
// ({ "one": "…", "other": "…" }; Arabic also has zero, two, few, many):
// Intl.PluralRules picks the category for the count, so no language's
// rules live in code. web/shared/i18n/index.json lists the languages on
// offer, with their names and writing direction; adding a language is
// adding its file and its line there (docs/OPERATIONS.md).
//
// A page opts in with `data-i18n-languages` on its <html>: "all" (the
// patron's pages: any language in the index) or a list ("en fr": the
// webclient, whose own words are in i18n/staff/LANG.json, named by
// `data-i18n-extra="staff"`, for English and French only). Pages without
// it stay English. The language is the first of: the page URL's
// ?lang= (the box gets the embed snippet's data-lang, else the library
// page's lang, from embed.js), on staff pages a choice saved under
// `refdesk.lang` (the webclient's setting, also in the refdesk_lang cookie
// for the server), the browser's languages; else English. "fr-CA"
// falls back to "fr" when only "fr" is offered.
//
// This module waits for its catalogue at load (top-level await), so every
// module that imports it can call t() at once (under node, for unit tests,
// it loads English); the catalogue (and a staff page's own) is fetched
// together with the index, in parallel, so a page pays one round trip
// (the box pays none: see below).
// Once loaded it sets <html lang dir> and fills the page's marked
// elements: data-i18n="key" replaces an element's text, and
// data-i18n-attr="aria-label:key title:key" sets attributes.
//
// The box's page, and each staff page, comes from the server already in its
// language, with that catalogue in a data block (<script
// type="application/json" id="rd-i18n">: { lang, dir, offered, messages },
// and extra: "staff" when a staff page's own words are in it too;
// src/ops/page_lang.c). When this module would pick the same language from
// the languages offered there, it takes the catalogue from the page and
// fetches nothing.

const BASE = '/shared/i18n';
const SAVED = 'refdesk.lang';
/** The catalogues that come with refdesk (index.json may list more). */
const SHIPPED = ['en', 'fr', 'es', 'de', 'ar'];

let current = { lang: 'en', dir: 'ltr', messages: {} };

/**
 * The candidate language tags in order of preference, each followed by its
 * base language ("fr-CA" → "fr-CA", "fr"), duplicates removed, "en" last.
 * Pure: `wanted` is a list of tags (nulls and junk skipped).
 */
export function languageCandidates(wanted) {
  const out = [];
  for (const raw of wanted) {
    if (typeof raw !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(raw)) continue;
    const parts = raw.split('-');
    const tag = [parts[0].toLowerCase(), ...parts.slice(1).map((p) => (p.length === 2 ? p.toUpperCase() : p))].join('-');
    for (const t of [tag, parts[0].toLowerCase()]) if (!out.includes(t)) out.push(t);
  }
  if (!out.includes('en')) out.push('en');
  return out;
}

/**
 * The language to use: the first candidate that is offered (a list of
 * codes). Pure; English when nothing matches.
 */
export function pickLanguage(wanted, offered) {
  return languageCandidates(wanted).find((c) => offered.includes(c)) || 'en';
}

/** Replace {name} placeholders with params' values (missing ones stay visible). */
function fill(text, params, lang) {
  return text.replace(/\{(\w+)\}/g, (all, name) => {
    if (!(name in params)) return all;
    const v = params[name];
    return typeof v === 'number' ? new Intl.NumberFormat(lang).format(v) : String(v);
  });
}

/**
 * Format message `key` of `catalogue` (a { lang, messages } object) with
 * `params`. A plural message picks its form with params.count. Pure, so
 * tests can check every catalogue; an unknown key returns the key itself,
 * which the completeness test makes impossible for shipped keys.
 */
export function formatMessage(catalogue, key, params = {}) {
  let entry = catalogue.messages[key];
  if (entry === undefined) return key;
  if (typeof entry === 'object') {
    const category = new Intl.PluralRules(catalogue.lang).select(Number(params.count) || 0);
    entry = entry[category] ?? entry.other;
  }
  return fill(String(entry), params, catalogue.lang);
}

/** The current language's text for `key` (see formatMessage). */
export function t(key, params) {
  return formatMessage(current, key, params);
}

/**
 * t() for a sentence with elements in it: `nodes` maps placeholders to DOM
 * nodes (e.g. a <strong>); returns the pieces, strings and those nodes, in
 * the language's order, to append.
 */
export function tNodes(key, nodes, params = {}) {
  const text = t(key, params);
  return text.split(/\{(\w+)\}/).map((piece, i) => (i % 2 ? nodes[piece] ?? `{${piece}}` : piece)).filter((p) => p !== '');
}

/** The current language: { lang, dir }. */
export function language() {
  return { lang: current.lang, dir: current.dir };
}

/** Make the loaded catalogue current (tests and pages that load their own). */
export function useCatalogue(lang, dir, messages) {
  current = { lang, dir: dir === 'rtl' ? 'rtl' : 'ltr', messages };
}

/** Fill the marked elements under `root` (see the file header). */
export function translateTree(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(/\s+/).filter(Boolean)) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}

async function fetchJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/**
 * Tell the server the saved choice, so that it sends staff pages in that
 * language from the first byte (src/ops/pages.c): the refdesk_lang cookie,
 * kept in step with the saved choice (a choice saved before the cookie
 * existed gets one on the next staff page). Only staff pages read it.
 */
function keepLanguageCookie(lang) {
  if (typeof document === 'undefined') return;
  const now = document.cookie.match(/(?:^|;\s*)refdesk_lang=([^;]*)/)?.[1] ?? null;
  if (now === (lang || null)) return;
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = lang ? `refdesk_lang=${encodeURIComponent(lang)}; Path=/staff; Max-Age=31536000; SameSite=Lax${secure}`
    : `refdesk_lang=; Path=/staff; Max-Age=0; SameSite=Lax${secure}`;
}

/** The wanted languages for this page, most preferred first. */
function wantedLanguages(staff) {
  let saved = null;
  // Only staff pages have the setting; a patron's box follows the library's page.
  try { saved = staff ? localStorage.getItem(SAVED) : null; } catch { /* storage refused: no saved choice */ }
  if (staff) keepLanguageCookie(saved);
  return [new URLSearchParams(location.search).get('lang'), saved, ...(navigator.languages || [navigator.language])];
}

/** The catalogue the server put in the page ({ lang, dir, offered, messages }), or null. */
function carriedCatalogue() {
  const block = document.getElementById('rd-i18n');
  if (!block || block.type !== 'application/json') return null;
  try {
    const c = JSON.parse(block.textContent);
    return typeof c.lang === 'string' && Array.isArray(c.offered) && c.messages && typeof c.messages === 'object' ? c : null;
  } catch { return null; }
}

/** Load this page's catalogue (see the file header); English on any failure. */
async function loadPageCatalogue() {
  const root = document.documentElement;
  const allowed = (root.dataset.i18nLanguages || 'en').split(/\s+/);
  const wanted = wantedLanguages(!allowed.includes('all'));
  // A staff page's carried catalogue holds its own words too ("extra"), or is not used.
  const carried = carriedCatalogue();
  const fits = carried && (carried.extra ?? null) === (root.dataset.i18nExtra ?? null);
  if (fits && pickLanguage(wanted, carried.offered.filter((c) => allowed.includes('all') || allowed.includes(c))) === carried.lang) {
    useCatalogue(carried.lang, carried.dir, carried.messages);
    root.lang = carried.lang;
    root.dir = current.dir;
    translateTree(document); // the server filled the plain texts; plural ones are left to here
    return;
  }
  // Fetched with the index when it is one refdesk ships (a library's own
  // language waits for the index: no request for a file that may not exist).
  const guess = pickLanguage(wanted, allowed.includes('all') ? SHIPPED : allowed.filter((c) => SHIPPED.includes(c)));
  // A staff page adds its own words (data-i18n-extra="staff": i18n/staff/LANG.json),
  // fetched for the guess at once too.
  const extraOf = (code) => fetchJson(`${BASE}/${root.dataset.i18nExtra}/${code}.json`).catch(() => null);
  const index = fetchJson(`${BASE}/index.json`);
  const first = fetchJson(`${BASE}/${guess}.json`).catch(() => null);
  const extraFirst = root.dataset.i18nExtra ? extraOf(guess) : null;
  let list = [];
  try { list = (await index).languages || []; } catch { /* no index: English only */ }
  const offered = list.map((l) => l.code).filter((c) => allowed.includes('all') || allowed.includes(c));
  const lang = pickLanguage(wanted, offered);
  const extra = !root.dataset.i18nExtra ? null : lang === guess ? extraFirst : extraOf(lang);
  let messages = lang === guess ? await first : null;
  if (!messages) messages = await fetchJson(`${BASE}/${lang}.json`).catch(() => null);
  if (!messages) return; // nothing reachable: the page keeps its English markup
  if (extra) messages = { ...messages, ...await extra };
  const entry = list.find((l) => l.code === lang);
  useCatalogue(lang, entry?.dir, messages);
  root.lang = lang;
  root.dir = current.dir;
  translateTree(document);
}

/** The languages on offer (index.json's list), for a language setting. */
export async function offeredLanguages() {
  try { return (await fetchJson(`${BASE}/index.json`)).languages || []; } catch { return []; }
}

/** Save the reader's choice (null forgets it); the page reloads to apply it. */
export function saveLanguage(lang) {
  try {
    if (lang) localStorage.setItem(SAVED, lang);
    else localStorage.removeItem(SAVED);
  } catch { /* storage refused: the choice lasts this page only */ }
  keepLanguageCookie(lang);
}

if (typeof document !== 'undefined') {
  await loadPageCatalogue();
} else {
  // Outside a page (the modules' unit tests under node): English, the staff pages' words included.
  useCatalogue('en', 'ltr', { ...(await import('./i18n/en.json', { with: { type: 'json' } })).default,
    ...(await import('./i18n/staff/en.json', { with: { type: 'json' } })).default });
}
