// text.js: the message limits of PROTOCOL.md, the built-in screensharing
// invitation, and client message ids. Pure.

/** Longest message text, in characters after trimming (PROTOCOL.md 3.3). */
export const MAX_TEXT = 4000;
/** Longest guest or operator display name. */
export const MAX_NAME = 80;
/** Longest screensharing invitation, in characters after trimming (PROTOCOL.md 3.8). */
export const MAX_INVITATION = 500;
/**
 * The invitation's words where the queue has none of its own: the server's
 * (SHARE_DEFAULT_INVITE, sent in chat.join's share_invite), shown before that
 * answer arrives and as the admin page's placeholder.
 */
export const DEFAULT_INVITATION = 'May I see your screen? I will only be able to look, not click or type, '
  + 'and you can stop sharing at any time.';
/** From this length on, the composer shows a live counter. */
export const COUNTER_FROM = 3500;

/** Length in characters (Unicode code points) of `s` after trimming. */
export function textLength(s) {
  let n = 0;
  // Iterating a string walks code points, so an emoji counts once.
  for (const _ of String(s).trim()) n++;
  return n;
}

/**
 * Check a message before sending. Returns { ok, length, reason } where
 * reason is 'empty' or 'too_long' when ok is false.
 */
export function checkMessage(s, max = MAX_TEXT) {
  const length = textLength(s);
  if (length === 0) return { ok: false, length, reason: 'empty' };
  if (length > max) return { ok: false, length, reason: 'too_long' };
  return { ok: true, length, reason: null };
}

/** "3,999 / 4,000" for the counter and its screen-reader text. */
export function counterText(length, max = MAX_TEXT) {
  return `${length.toLocaleString('en-US')} / ${max.toLocaleString('en-US')}`;
}

/**
 * A new client message id: time + `prefix` + randomness, within the
 * [A-Za-z0-9_.:-]{1,64} alphabet. Unique enough that a retry after a reload
 * is the only way two sends share an id. The time comes first so that ids
 * sort in the order they were made, whoever made them: the server's index
 * of a chat's ids then grows at its end only.
 */
export function newId(prefix = 'm') {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  let rnd = '';
  for (const b of bytes) rnd += b.toString(36).padStart(2, '0');
  return `${Date.now().toString(36)}-${prefix}-${rnd}`;
}
