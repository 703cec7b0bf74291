// canned_model.js: saved replies ("canned answers", PROTOCOL.md 2.8) without the DOM.
//
// The webclient's message field opens a type-ahead list when its text starts
// with "/": slashQuery() says what to filter by, filterCanned() picks and
// orders the replies, Choice keeps which one is highlighted, and
// fillPlaceholders() turns the chosen text into the reply to edit and send.
// The admin page and the webclient's "Saved replies" dialog share the
// limits and checks (checkCanned()) with the server's.

import { t } from '../shared/i18n.js';

export const NAME_MAX = 40;
export const TEXT_MAX = 4000;
export const LIST_MAX = 8; // rows the type-ahead shows at once

const chars = (s) => [...s].length;

/**
 * The filter of the type-ahead, or null when it should be closed: the field
 * starts with "/" and the caret is on its first line. "/ho" gives "ho", "/"
 * gives "" (every reply).
 */
export function slashQuery(value, caret = value.length) {
  if (!value.startsWith('/')) return null;
  const typed = value.slice(1, Math.max(1, caret));
  if (/[\r\n]/.test(typed) || caret < 1) return null;
  return typed.trimStart();
}

const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/**
 * The replies that match `query`, best first: every word of the query must
 * be in the name or the text (case and accents aside). Names that start
 * with the query come first, then names holding it, then the rest; within
 * each, the list's own order (shared, then personal, by name).
 */
export function filterCanned(list, query, max = LIST_MAX) {
  const q = fold(query.trim());
  const words = q.split(/\s+/).filter(Boolean);
  const ranked = [];
  list.forEach((c, i) => {
    const name = fold(c.name);
    const hay = `${name}\n${fold(c.text)}`;
    if (!words.every((w) => hay.includes(w))) return;
    const rank = !q ? 0 : name.startsWith(q) ? 0 : name.includes(q) ? 1 : 2;
    ranked.push({ c, rank, i });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
  return ranked.slice(0, max).map((r) => r.c);
}

/**
 * Fill the placeholders: {guest} (the name the guest gave), {me} (the
 * operator's name), {queue} (the queue's title). A guest who gave no name
 * is not called by the label staff pages use for them ("Guest 7KQ2"): the
 * patron would read it. {guest} is then left out and the words around it
 * tidied ("Hello {guest}, how…" → "Hello, how…"). An unknown {me} or
 * {queue}, and any other braces, stay as they are, so the operator sees
 * and fixes them.
 */
export function fillPlaceholders(text, { guest = '', me = '', queue = '' } = {}) {
  const values = { guest, me, queue };
  const template = guest ? text : withoutGuest(text);
  return template.replace(/\{(guest|me|queue)\}/g, (m, key) => values[key] || m);
}

/** `text` with every {guest} left out, line by line, and its spacing and punctuation tidied. */
function withoutGuest(text) {
  return text.split('\n').map((line) => {
    let s = line;
    // At the start of a line, with what set it off: "{guest}, welcome…" → "Welcome…".
    const start = /^([ \t]*)\{guest\}[ \t]*[,:;!]?[ \t]*/;
    if (start.test(s)) {
      s = s.replace(start, (m, indent) => indent);
      const at = s.length - s.trimStart().length;
      s = s.slice(0, at) + s.charAt(at).toLocaleUpperCase() + s.slice(at + 1);
    }
    // Before punctuation, with the comma or space before it: "Hello {guest}, how" → "Hello, how";
    // "Thanks, {guest}!" → "Thanks!".
    s = s.replace(/[ \t]*,?[ \t]*\{guest\}(?=[ \t]*[,.!?;:…)])/g, '');
    // Anywhere else, with one space beside it: "for {guest} today" → "for today".
    s = s.replace(/[ \t]?\{guest\}/g, '');
    return s;
  }).join('\n');
}

/** Which of `n` rows is highlighted; moves wrap around. */
export class Choice {
  constructor() {
    this.index = 0;
    this.n = 0;
  }

  reset(n) {
    this.n = n;
    this.index = 0;
  }

  move(delta) {
    if (!this.n) return;
    this.index = (this.index + delta + this.n) % this.n;
  }
}

/**
 * Check a reply before it is sent (the server checks the same): null when
 * it is fine, else a sentence saying what to change.
 */
export function checkCanned({ name, text }) {
  const n = name ?? '';
  if (!n.trim()) return t('staff.canned.name_missing');
  if (chars(n) > NAME_MAX) return t('staff.canned.name_long', { max: NAME_MAX });
  if (n !== n.trim()) return t('staff.canned.name_space');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/.test(n))
    return t('staff.canned.name_chars');
  const body = text ?? '';
  if (!body.trim()) return t('staff.canned.text_missing');
  if (chars(body) > TEXT_MAX) return t('staff.canned.text_long', { max: TEXT_MAX });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(body)) return t('staff.canned.text_control');
  return null;
}
