// transcript_model.js: one chat's transcript as plain data. Pure (no DOM).
//
// Items come from two places: events from the server (each with a seq) and
// messages this page is sending (known by their client id, `cid`, until the
// server acknowledges them with a seq). An item keeps one key for its whole
// life, so a view can update the same element as a message goes from
// pending to sent. Items are ordered by seq; unacknowledged ones follow, in
// the order they were written. Every change bumps `version`.
//
// Snapshots and files we upload are pending items too (kind 'snapshot' or
// 'file', with a `progress`); the HTTP answer acks them like a message's
// ack, and their event (same cid) fills in what only the server knows
// (thumbnail, sizes, alt text) — also when it arrives after the ack.
//
// A client id is unique per author, not per chat (PROTOCOL §3.2): anyone
// in the chat sees our cids in our events and may send their own with the
// same one. So an event is the echo of one of our items only if it has the
// item's cid *and* its author — `from`, and for operators `operator_id` —
// and `byCid` holds only the items this page wrote. Every other event is
// an item of its own, keyed by its seq: it never changes ours, and ours
// never change it.

import { progressText } from './attachments.js';
import { t } from './i18n.js';

export class Transcript {
  constructor() {
    /** How an unnamed guest is called ("Guest 7F3K"); the page sets it from the chat. */
    this.guestLabel = null;
    this.items = [];
    this.bySeq = new Map();
    this.byCid = new Map();
    this.version = 0;
  }

  /** Call an unnamed guest `label` (the chat's "label", PROTOCOL.md §1.4). */
  setGuestLabel(label) {
    if ((label || null) === this.guestLabel) return;
    this.guestLabel = label || null;
    this.version++;
  }

  /**
   * Add a server event (kind 'message', 'snapshot', 'file', 'notice' or 'share'). A
   * message or upload with the cid and the author of one of ours becomes
   * that item (now sent); anything else is a new item.
   * Returns false when the event was already known.
   */
  addEvent(ev) {
    if (typeof ev.seq !== 'number') return false;
    const known = this.bySeq.get(ev.seq);
    if (known) {
      // Our upload, acked before its event came: take the server's fields. (The ack
      // gave it this seq, so this event is its own; the cid is checked all the same.)
      if (known.awaitingEvent && known.kind === ev.kind && known.cid === ev.cid) {
        Object.assign(known, eventFields(ev), { awaitingEvent: false });
        this.version++;
      }
      return false;
    }
    const mine = CID_KINDS.has(ev.kind) && ev.cid ? this.byCid.get(ev.cid) : undefined;
    if (mine && mine.seq === null && isEcho(ev, mine)) {
      Object.assign(mine, eventFields(ev), { seq: ev.seq, at: ev.at, name: ev.name ?? mine.name,
        state: 'sent', error: null, awaitingEvent: false, progress: null });
      this.bySeq.set(ev.seq, mine);
    } else {
      const item = eventItem(ev);
      this.items.push(item);
      this.bySeq.set(ev.seq, item);
    }
    this.sort();
    return true;
  }

  /**
   * Add many server events at once (a whole transcript, read from Chat
   * History): sorted once at the end instead of after each. Returns how
   * many were new.
   */
  addEvents(events) {
    let added = 0;
    this.batching = true;
    try {
      for (const ev of events) added += this.addEvent(ev) ? 1 : 0;
    } finally {
      this.batching = false;
    }
    this.sort();
    return added;
  }

  /**
   * Add a message this page is about to send; state 'pending'. `from` is
   * 'guest' or 'operator'; an operator's page gives its `operatorId`, so
   * that only its own events, not a colleague's, are taken for its echo.
   */
  addPending({ cid, text, from, operatorId = null, name = null, at = Date.now() }) {
    if (this.byCid.has(cid)) return this.byCid.get(cid);
    const item = { key: `c:${cid}`, kind: 'message', seq: null, cid, from, operatorId, name, text, at,
      state: 'pending', error: null, order: this.items.length };
    this.items.push(item);
    this.byCid.set(cid, item);
    this.version++;
    return item;
  }

  /**
   * Add a snapshot or file this page is uploading; state 'pending'.
   * `kind` is 'snapshot' or 'file'; `from` and `operatorId` as for
   * addPending(); `preview` is a URL of the local copy to show until the
   * server's thumbnail is known (or null).
   */
  addPendingUpload({ cid, kind, from, operatorId = null, name = null, fileName, mime, size, preview = null,
    alt = '', at = Date.now() }) {
    if (this.byCid.has(cid)) return this.byCid.get(cid);
    const item = { key: `c:${cid}`, kind, seq: null, cid, from, operatorId, name, at, state: 'pending', error: null,
      order: this.items.length, file_name: fileName, mime, size, preview, alt, progress: 0,
      retryable: false, awaitingEvent: false, revealed: false };
    this.items.push(item);
    this.byCid.set(cid, item);
    this.version++;
    return item;
  }

  /** How far an upload has got: `progress` from 0 to 1. */
  setProgress(cid, progress) {
    const item = this.byCid.get(cid);
    if (!item || item.state !== 'pending' || item.progress === progress) return false;
    item.progress = progress;
    this.version++;
    return true;
  }

  /**
   * The server committed our message or upload `cid` as event `seq`. An
   * upload whose event has not come yet waits for it (awaitingEvent).
   */
  ack(cid, seq) {
    const item = this.byCid.get(cid);
    if (!item) return false;
    const other = this.bySeq.get(seq);
    if (other && other !== item) {
      // The event reached us before its ack: keep one item.
      this.items = this.items.filter((i) => i !== item);
      this.byCid.set(cid, other);
      this.version++;
      return true;
    }
    if (item.seq === seq && item.state === 'sent') return true;
    item.seq = seq;
    item.state = 'sent';
    item.error = null;
    item.progress = null;
    if (item.kind !== 'message' && !item.blob) item.awaitingEvent = true;
    this.bySeq.set(seq, item);
    this.sort();
    return true;
  }

  /**
   * Our message or upload `cid` was refused; `error` is a sentence for
   * people; `retryable` says whether sending it again may work.
   */
  fail(cid, error, { retryable = false } = {}) {
    const item = this.byCid.get(cid);
    if (!item || item.state === 'sent') return false;
    item.state = 'failed';
    item.error = error;
    item.retryable = retryable;
    this.version++;
    return true;
  }

  /** Drop one of our items that was never stored (a failed upload given up). */
  remove(cid) {
    const item = this.byCid.get(cid);
    if (!item || item.seq !== null) return false;
    this.items = this.items.filter((i) => i !== item);
    this.byCid.delete(cid);
    this.version++;
    return true;
  }

  /** Show a snapshot that is hidden until asked for (the operator's Show). */
  reveal(key) {
    const item = this.items.find((i) => i.key === key);
    if (!item || item.revealed) return false;
    item.revealed = true;
    this.version++;
    return true;
  }

  /** Mark a failed message pending again (it is being retried). */
  retry(cid) {
    const item = this.byCid.get(cid);
    if (!item || item.state !== 'failed') return false;
    item.state = 'pending';
    item.error = null;
    if (item.kind !== 'message') item.progress = 0;
    this.version++;
    return true;
  }

  /** Messages written here and not yet acknowledged, oldest first. */
  pending() {
    return this.items.filter((i) => i.state === 'pending');
  }

  /** The highest seq in the transcript (0 if none). */
  lastSeq() {
    let max = 0;
    for (const seq of this.bySeq.keys()) max = Math.max(max, seq);
    return max;
  }

  sort() {
    if (this.batching) {
      this.version++;
      return;
    }
    this.items.sort((a, b) => {
      if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
      if (a.seq !== null) return -1;
      if (b.seq !== null) return 1;
      return a.order - b.order;
    });
    this.version++;
  }
}

/** Event kinds that carry the sender's client id (`cid`). */
const CID_KINDS = new Set(['message', 'snapshot', 'file']);

/**
 * Is `ev` the server's copy of `item`, which this page sent? The same kind
 * and cid from the same author: the guest, or the same operator (an
 * operator's event names its operator; guests are not told, and need not
 * be: their own events are the guest's).
 */
function isEcho(ev, item) {
  if (ev.kind !== item.kind || ev.cid !== item.cid || ev.from !== item.from) return false;
  return ev.from !== 'operator' || (ev.operator_id ?? null) === (item.operatorId ?? null);
}

/** The fields of a snapshot or file event an item keeps. */
const UPLOAD_FIELDS = ['blob', 'thumb', 'mime', 'width', 'height', 'thumb_width', 'thumb_height', 'size',
  'file_name', 'alt'];

function eventFields(ev) {
  const out = {};
  if (ev.kind === 'snapshot' || ev.kind === 'file')
    for (const f of UPLOAD_FIELDS) if (ev[f] !== undefined) out[f] = ev[f];
  return out;
}

function eventItem(ev) {
  const base = { seq: ev.seq, at: ev.at, kind: ev.kind, state: 'sent', error: null, order: 0 };
  // Keyed by seq, never by cid: another author's cid may equal one of ours.
  if (ev.kind === 'message') {
    return { ...base, key: `s:${ev.seq}`, cid: ev.cid || null, from: ev.from,
      operatorId: ev.operator_id ?? null, name: ev.name ?? null, text: ev.text };
  }
  if (ev.kind === 'snapshot' || ev.kind === 'file') {
    return { ...base, key: `s:${ev.seq}`, cid: ev.cid || null, from: ev.from,
      operatorId: ev.operator_id ?? null, name: ev.name ?? null, ...eventFields(ev), preview: null, progress: null,
      retryable: false, awaitingEvent: false, revealed: false };
  }
  if (ev.kind === 'share') {
    // A step of screensharing: shown as a notice, and kept as the consent record.
    return { ...base, kind: 'notice', key: `s:${ev.seq}`, cid: null, notice: 'share', step: ev.step,
      from: ev.from, text: ev.text ?? null, stock: ev.stock === true, by: ev.by ?? null, reason: ev.reason ?? null, name: null };
  }
  return { ...base, key: `s:${ev.seq}`, cid: null, notice: ev.notice, name: ev.name ?? null, what: ev.what ?? null,
    by: ev.by ?? null, from: ev.from ?? null, title: ev.title ?? null, reason: ev.reason ?? null };
}

// The reasons with words of their own; staff read staff.notice.cannot.* and staff.notice.failed.*.
const CANNOT_SHARE = { no_api: true, insecure: true, mobile: true };
const FAILED_WHY = { relay_refused: true, ice_failed: true, no_frame: true };

/**
 * An invitation's words as the guest reads them: the built-in wording,
 * sent unchanged (`stock`), in the guest's own language; else as written.
 */
export function invitationText(ev) {
  const stock = ev.stock === true ? t('share.invite.stock') : null;
  // A library's own catalogue may lack the key: then the words as sent.
  return stock && stock !== 'share.invite.stock' ? stock : ev.text || '';
}

/** The sentence for a screensharing step, as the given side reads it. */
export function shareText(item, perspective) {
  const guest = perspective === 'guest';
  switch (item.step) {
    case 'invited':
      return guest ? t('share.step.invited', { text: invitationText(item) })
        : t('staff.notice.invited', { text: item.stock ? t('staff.share.default_invitation') : item.text });
    case 'accepted':
      return guest ? t('share.step.accepted') : t('staff.notice.accepted');
    case 'declined':
      return guest ? t('share.step.declined') : t('staff.notice.declined');
    case 'blocked':
      return guest ? t('share.step.blocked')
        : t('staff.notice.blocked');
    case 'unsupported': {
      if (guest) return t(`share.step.unsupported.${CANNOT_SHARE[item.reason] ? item.reason : 'other'}`);
      const why = t(`staff.notice.cannot.${CANNOT_SHARE[item.reason] ? item.reason : 'other'}`);
      return t('staff.notice.cannot', { why });
    }
    case 'started':
      return guest ? t('share.step.started') : t('staff.notice.started_share');
    case 'snapshot':
      return guest ? t('share.step.snapshot') : t('staff.notice.snapshot');
    case 'expired':
      return guest ? t('share.step.expired') : t('staff.notice.expired');
    case 'withdrawn':
      return guest ? t('share.step.withdrawn') : t('staff.notice.withdrawn');
    case 'stopped':
      return stoppedText(item, guest);
    case 'failed':
      // Never "started": the consent record says nothing was seen.
      return guest ? t('share.step.failed')
        : t('staff.notice.failed', { why: t(`staff.notice.failed.${FAILED_WHY[item.reason] ? item.reason : 'ice_failed'}`) });
    default:
      return guest ? t('share.step.other') : t('staff.notice.share_other');
  }
}

function stoppedText(item, guest) {
  if (guest) return t(`share.stopped.${stoppedReason(item)}`);
  // Staff read why it stopped (the guest agreed to show their screen to one librarian, not to the next).
  return t(`staff.notice.stopped.${stoppedReason(item)}`);
}

/** Which of the guest's "stopped" sentences fits `item` (the same order as stoppedText). */
function stoppedReason(item) {
  if (['chat_ended', 'transferred', 'connection_failed', 'cancelled'].includes(item.reason)) return item.reason;
  if (item.by === 'system') return 'timeout';
  if (item.by === 'guest') return item.reason === 'left' ? 'guest_left' : 'guest';
  return item.reason === 'left' ? 'viewer_closed' : 'operator';
}

/**
 * The sentence for a notice item, as the given side reads it
 * (`perspective` is 'guest' or 'operator').
 */
export function noticeText(item, perspective, guestLabel = null) {
  switch (item.notice) {
    case 'share':
      return shareText(item, perspective);
    case 'started':
      if (perspective === 'guest') return t('notice.started');
      if (item.name || guestLabel) return t('staff.notice.chat_started', { name: item.name || guestLabel });
      return t('staff.notice.chat_started_unnamed');
    case 'joined':
      if (perspective === 'guest') return item.name ? t('notice.joined', { name: item.name }) : t('notice.joined_unnamed');
      return t('staff.notice.joined', { name: item.name || t('staff.notice.a_librarian') });
    case 'transferred':
      return transferredText(item, perspective);
    case 'requeued':
      return perspective === 'guest' ? t('notice.requeued')
        : t('staff.notice.requeued');
    case 'ended':
      if (perspective === 'guest') {
        if (item.by === 'guest' || item.by === 'operator') return t(`notice.ended.${item.by}`);
        return t(item.reason === 'idle' ? 'notice.ended.idle' : 'notice.ended.closed');
      }
      if (item.by === 'guest' || item.by === 'operator') return t(`staff.notice.ended.${item.by}`);
      return t(item.reason === 'idle' ? 'staff.notice.ended.idle' : 'staff.notice.ended.closed');
    case 'removed':
      // The queue's retention rule deleted a snapshot or file here (PROTOCOL §3.5).
      if (perspective === 'guest') return t(item.what === 'file' ? 'notice.removed.file' : 'notice.removed.image');
      return t(item.what === 'file' ? 'staff.notice.removed.file' : 'staff.notice.removed.image');
    default:
      return perspective === 'guest' ? t('notice.other') : t('staff.notice.other');
  }
}

/**
 * A hand-over to a colleague: the guest reads whom they now talk to (a
 * queue's title when it went to a queue), staff read who passed it to whom.
 */
function transferredText(item, perspective) {
  const to = item.name || t('staff.desk.another_librarian');
  if (perspective === 'guest') return item.title || item.name ? t('notice.transferred', { name: item.title || item.name })
    : t('notice.transferred_unnamed');
  const from = item.from || t('staff.notice.a_librarian');
  return item.title ? t('staff.notice.transferred_queue', { from, queue: item.title, to })
    : t('staff.notice.transferred', { from, to });
}

/**
 * Did the reader write `item`? Their side — and, for an operator whose id
 * is `selfId`, their own id: after a transfer the same chat holds the
 * messages of the librarian before, who is not "you".
 */
export function isOwnItem(item, perspective, selfId = null) {
  if (item.from !== perspective) return false;
  return perspective !== 'operator' || selfId == null || item.operatorId == null || item.operatorId === selfId;
}

/**
 * Who wrote a message, as the given side reads it (`guestLabel` names an
 * unnamed guest; `selfId` is an operator reader's own id).
 */
export function senderLabel(item, perspective, guestLabel = null, selfId = null) {
  if (isOwnItem(item, perspective, selfId)) return t('transcript.you');
  if (item.from === 'operator') return item.name || t('transcript.librarian');
  return item.name || guestLabel || t('staff.history.guest');
}

/** The words for a message's delivery state. */
export function stateText(item) {
  if (item.state === 'pending' && (item.kind === 'snapshot' || item.kind === 'file')) return progressText(item.progress);
  if (item.state === 'pending') return t('transcript.sending');
  if (item.state === 'failed') return item.error ? t('transcript.not_sent_because', { error: item.error }) : t('transcript.not_sent');
  return t('transcript.sent');
}

/**
 * Whether `item` starts a new group (shows sender and time): true unless it
 * follows a message from the same side, by the same name, within two minutes.
 */
export function startsGroup(item, prev) {
  if (!prev || !CID_KINDS.has(item.kind) || !CID_KINDS.has(prev.kind)) return true;
  if (prev.from !== item.from || prev.name !== item.name) return true;
  return Math.abs((item.at || 0) - (prev.at || 0)) > 120000;
}
