// transcript_model.js: one chat's transcript as plain data. Pure (no DOM).
//
// Items come from two places: events from the server (each with a seq) and
// messages this page is sending (known by their client id, `cid`, until the
// server acknowledges them with a seq). An item keeps one key for its whole
// life, so a view can update the same element as a message goes from
// pending to sent. Items are ordered by seq; unacknowledged ones follow, in
// the order they were written. Every change bumps `version`.

export class Transcript {
  constructor() {
    this.items = [];
    this.bySeq = new Map();
    this.byCid = new Map();
    this.version = 0;
  }

  /**
   * Add a server event (kind 'message' or 'notice'). A message whose cid is
   * one of ours becomes that item (now sent). Returns false when the event
   * was already known.
   */
  addEvent(ev) {
    if (typeof ev.seq !== 'number' || this.bySeq.has(ev.seq)) return false;
    const mine = ev.kind === 'message' && ev.cid ? this.byCid.get(ev.cid) : undefined;
    if (mine) {
      Object.assign(mine, { seq: ev.seq, at: ev.at, name: ev.name ?? mine.name, state: 'sent',
        error: null });
      this.bySeq.set(ev.seq, mine);
    } else {
      const item = eventItem(ev);
      this.items.push(item);
      this.bySeq.set(ev.seq, item);
      if (item.cid) this.byCid.set(item.cid, item);
    }
    this.sort();
    return true;
  }

  /** Add a message this page is about to send; state 'pending'. */
  addPending({ cid, text, from, name = null, at = Date.now() }) {
    if (this.byCid.has(cid)) return this.byCid.get(cid);
    const item = { key: `c:${cid}`, kind: 'message', seq: null, cid, from, name, text, at,
      state: 'pending', error: null, order: this.items.length };
    this.items.push(item);
    this.byCid.set(cid, item);
    this.version++;
    return item;
  }

  /** The server committed our message `cid` as event `seq`. */
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
    item.seq = seq;
    item.state = 'sent';
    item.error = null;
    this.bySeq.set(seq, item);
    this.sort();
    return true;
  }

  /** Our message `cid` was refused; `error` is a sentence for people. */
  fail(cid, error) {
    const item = this.byCid.get(cid);
    if (!item || item.state === 'sent') return false;
    item.state = 'failed';
    item.error = error;
    this.version++;
    return true;
  }

  /** Mark a failed message pending again (it is being retried). */
  retry(cid) {
    const item = this.byCid.get(cid);
    if (!item || item.state !== 'failed') return false;
    item.state = 'pending';
    item.error = null;
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
    this.items.sort((a, b) => {
      if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
      if (a.seq !== null) return -1;
      if (b.seq !== null) return 1;
      return a.order - b.order;
    });
    this.version++;
  }
}

function eventItem(ev) {
  const base = { seq: ev.seq, at: ev.at, kind: ev.kind, state: 'sent', error: null, order: 0 };
  if (ev.kind === 'message') {
    return { ...base, key: ev.cid ? `c:${ev.cid}` : `s:${ev.seq}`, cid: ev.cid || null,
      from: ev.from, name: ev.name ?? null, text: ev.text };
  }
  return { ...base, key: `s:${ev.seq}`, cid: null, notice: ev.notice, name: ev.name ?? null,
    by: ev.by ?? null };
}

/**
 * The sentence for a notice item, as the given side reads it
 * (`perspective` is 'guest' or 'operator').
 */
export function noticeText(item, perspective) {
  switch (item.notice) {
    case 'started':
      if (perspective === 'guest') return 'You started the chat. A librarian will be with you soon.';
      return item.name ? `${item.name} started the chat` : 'A guest started the chat';
    case 'joined':
      return `${item.name || 'A librarian'} joined the chat`;
    case 'ended':
      if (item.by === 'guest') return perspective === 'guest' ? 'You ended the chat' : 'The guest ended the chat';
      if (item.by === 'operator') return perspective === 'guest' ? 'The librarian ended the chat' : 'The chat was ended by the librarian';
      return 'The chat was closed';
    default:
      return 'Chat update';
  }
}

/** Who wrote a message, as the given side reads it. */
export function senderLabel(item, perspective) {
  if (item.from === perspective) return 'You';
  if (item.from === 'operator') return item.name || 'Librarian';
  return item.name || 'Guest';
}

/** The words for a message's delivery state. */
export function stateText(item) {
  if (item.state === 'pending') return 'Sending…';
  if (item.state === 'failed') return item.error ? `Not sent: ${item.error}` : 'Not sent';
  return 'Sent';
}

/**
 * Whether `item` starts a new group (shows sender and time): true unless it
 * follows a message from the same side, by the same name, within two minutes.
 */
export function startsGroup(item, prev) {
  if (!prev || item.kind !== 'message' || prev.kind !== 'message') return true;
  if (prev.from !== item.from || prev.name !== item.name) return true;
  return Math.abs((item.at || 0) - (prev.at || 0)) > 120000;
}
