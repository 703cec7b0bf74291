// admin_snippets.js: what the admin page offers to copy, and origin checks.
// Pure (no DOM), unit-tested.

import { t } from '../shared/i18n.js';

/**
 * The ready-to-paste snippets for a queue's three kinds of chat box and its
 * direct link. `origin` is refdesk's own origin (where embed.js is served).
 */
export function snippetsFor(origin, queue) {
  const loader = (mode, extra = '') =>
    `<script src="${origin}/embed.js" data-queue="${queue}" data-mode="${mode}"${extra} async></script>`;
  return [
    { kind: 'embedded', label: t('staff.snippet.embedded'),
      help: t('staff.snippet.embedded_help'),
      code: `<div data-refdesk-box></div>\n${loader('embedded')}` },
    { kind: 'follow-me', label: t('staff.snippet.follow_me'),
      help: t('staff.snippet.follow_me_help'),
      code: loader('follow-me') },
    { kind: 'popup', label: t('staff.snippet.popup'),
      help: t('staff.snippet.popup_help'),
      code: loader('popup') },
    { kind: 'link', label: t('staff.snippet.link'),
      help: t('staff.snippet.link_help'),
      code: `${origin}/box/${queue}?mode=popup` },
  ];
}

/**
 * An embedding origin as the server stores it (`scheme://host[:port]`),
 * or null when `text` is not one: only http and https, no path, query or
 * credentials. "https://library.example.org/" becomes
 * "https://library.example.org".
 */
export function normalizeOrigin(text) {
  const s = String(text).trim();
  if (!/^https?:\/\//i.test(s)) return null;
  let u;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  if (u.username || u.password || u.search || u.hash) return null;
  if (u.pathname !== '/' && u.pathname !== '') return null;
  if (!u.hostname) return null;
  return u.origin;
}

/** Queue names: [a-z0-9-]{1,32} (PROTOCOL.md 2.5). */
export function isQueueName(name) {
  return /^[a-z0-9-]{1,32}$/.test(name);
}

/** Usernames: [A-Za-z0-9._-]{1,64}. */
export function isUsername(name) {
  return /^[A-Za-z0-9._-]{1,64}$/.test(name);
}

/** Passwords: 8 to 256 characters. */
export function isPassword(p) {
  const n = [...String(p)].length;
  return n >= 8 && n <= 256;
}
