// staff_model.js: what staff pages keep of staff notes and the staff room
// (PROTOCOL §3.10), as plain data with no DOM, so it is tested with node --test.
//
// Notes arrive as a `notes` list when a socket starts following a chat and
// then one `note` at a time; a note committed while the socket joined may
// come both ways, so notes are kept once per number (`seq`), in order. The
// staff room keeps its messages once per id, and counts the unread: messages
// from colleagues that arrived while the operator was not looking at it.

import { t } from './i18n.js';

export const STAFF_TEXT_MAX = 4000; // characters in a note or a room message (server: staff_text_chars)

/** One chat's staff notes. */
export class NotesList {
  constructor() {
    this.bySeq = new Map();
    this.version = 0;
  }

  /** Add notes (a `notes` list or one `note`); returns whether anything was new. */
  add(...notes) {
    let changed = false;
    for (const n of notes.flat()) {
      if (!n || !Number.isInteger(n.seq) || this.bySeq.has(n.seq)) continue;
      this.bySeq.set(n.seq, n);
      changed = true;
    }
    if (changed) this.version++;
    return changed;
  }

  /** The notes, oldest first. */
  all() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  get size() {
    return this.bySeq.size;
  }
}

/** Notes of every chat a page shows, by chat id. */
export class NotesBook {
  constructor() {
    this.chats = new Map();
  }

  of(chat) {
    let list = this.chats.get(chat);
    if (!list) {
      list = new NotesList();
      this.chats.set(chat, list);
    }
    return list;
  }

  /** Take a server frame; returns the chat it changed, or null. */
  frame(msg) {
    if (msg?.type === 'notes' && Array.isArray(msg.notes)) return this.of(msg.chat).add(msg.notes) ? msg.chat : null;
    if (msg?.type === 'note' && msg.note) return this.of(msg.chat).add(msg.note) ? msg.chat : null;
    return null;
  }
}

/** The heading of a note as staff read it. */
export function noteLabel(note) {
  return t('staff.note.label', { name: note.name || t('staff.note.a_colleague') });
}

/** Check a note or room message before sending: null when fine, else what is wrong. */
export function staffTextProblem(text) {
  const s = String(text ?? '').trim();
  if (!s) return t('staff.text.empty');
  if ([...s].length > STAFF_TEXT_MAX) return t('staff.text.too_long', { max: STAFF_TEXT_MAX });
  return null;
}

/** The staff room: its messages, once each, and how many the operator has not seen. */
export class RoomModel {
  constructor() {
    this.byId = new Map();
    this.unread = 0;
    this.looking = false; // the room is open and the window has focus
    this.meId = null;
    this.keepSecs = 7 * 86400;
  }

  /** `room.history`: the messages kept, all seen already (they are old news). */
  history(msg) {
    for (const m of msg.messages || []) this.byId.set(m.id, m);
    if (Number.isInteger(msg.keep_secs)) this.keepSecs = msg.keep_secs;
  }

  /** A new message (a `room.message`, or our own from its `ok`); returns whether it was new. */
  add(m) {
    if (!m || this.byId.has(m.id)) return false;
    this.byId.set(m.id, m);
    if (!this.looking && m.operator_id !== this.meId) this.unread++;
    return true;
  }

  /** The operator looks at the room (open and focused) or stops: looking clears the count. */
  setLooking(looking) {
    this.looking = looking;
    if (looking) this.unread = 0;
  }

  /** Messages oldest first. */
  all() {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** How long messages are kept, in words. */
  keepText() {
    const days = Math.round(this.keepSecs / 86400);
    return days >= 1 ? t('staff.room.days', { count: days }) : t('staff.room.minutes', { count: Math.max(1, Math.round(this.keepSecs / 60)) });
  }
}
