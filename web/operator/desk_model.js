// desk_model.js: what the operator's webclient knows, as plain data. Pure.
//
// The desk holds the signed-in operator, their queues (with availability),
// the chats they hold (each with its Transcript and unread count) and the
// offers ringing for them — new chats, and chats a colleague transfers to
// them (an offer with a `transfer` part: who sends it, the note, the
// conversation so far). A held chat the operator is transferring has a
// `transfer` line ({state: 'waiting'|'returned'|'done', text, expiresAt}); a
// waiting one survives a reload through `hello` (its chat's `transfer`). Server frames are applied through the methods
// below; the view reads the fields and `version` (bumped on every change).

import { Transcript } from '../shared/transcript_model.js';
import { doneText, expiryOf, goneText, returnedText, waitingText } from '../shared/transfer_model.js';
import { t } from '../shared/i18n.js';

export { expiryOf, secondsLeft } from '../shared/transfer_model.js';

export class Desk {
  constructor() {
    this.me = null;
    this.status = 'available'; // or 'away': signed in, nothing rings
    this.queues = new Map(); // name -> { name, title, available, busy }
    this.chats = new Map(); // chat id -> chat record (see holdChat)
    this.offers = new Map(); // chat id -> { summary, state, takenBy, message, transfer }
    this.selected = null;
    this.focused = true;
    this.version = 0;
  }

  changed() {
    this.version++;
  }

  /**
   * Apply `hello` (first frame of every connection). Offers still ringing
   * are replaced by the hello's waiting chats: one accepted elsewhere while
   * we were offline must stop ringing. Returns the held chats to follow.
   */
  applyHello(hello) {
    this.me = hello.operator;
    this.status = hello.status === 'away' ? 'away' : 'available';
    this.queues = new Map(hello.queues.map((q) => [q.name, { ...q, busy: false }]));
    for (const [id, offer] of this.offers) if (offer.state === 'ringing') this.offers.delete(id);
    const held = [];
    for (const summary of hello.chats) {
      if (this.isMine(summary) && summary.status !== 'waiting') {
        const rec = this.holdChat(summary);
        // A transfer we sent before a reload still waits: show it again, with its Withdraw.
        if (summary.transfer) rec.transfer = waitingLine(summary.transfer.to, summary.transfer.expires_in);
        else if (rec.transfer?.state === 'waiting') rec.transfer = null;
        held.push(summary.chat);
      } else if (summary.status === 'waiting' && !this.chats.has(summary.chat)) {
        this.addOffer(summary);
      }
    }
    this.changed();
    return held;
  }

  isMine(summary) {
    return Boolean(this.me && summary.operator && summary.operator.id === this.me.id);
  }

  queueTitle(name) {
    return this.queues.get(name)?.title || name;
  }

  setAvailability(queue, available) {
    const q = this.queues.get(queue);
    if (!q) return;
    q.available = available;
    q.busy = false;
    this.changed();
  }

  /** Available or Away (status.set answered, or a `status` frame from another tab). */
  setStatus(status) {
    this.status = status === 'away' ? 'away' : 'available';
    this.changed();
  }

  setQueueBusy(queue, busy) {
    const q = this.queues.get(queue);
    if (q) q.busy = busy;
    this.changed();
  }

  /** A chat is waiting for someone (chat.offer). */
  addOffer(summary) {
    if (this.chats.has(summary.chat)) return;
    this.offers.set(summary.chat, { summary, state: 'ringing', takenBy: null, message: null, transfer: null });
    this.changed();
  }

  /** transfer.offer: a colleague hands us a chat. Its transcript so far comes along. */
  addTransferOffer(frame) {
    const held = this.chats.get(frame.chat);
    if (held && held.status !== 'ended' && held.status !== 'transferred') return;
    const transcript = new Transcript();
    transcript.setGuestLabel(frame.label ?? null);
    for (const ev of frame.transcript || []) transcript.addEvent(ev);
    this.offers.set(frame.chat, { summary: frame, state: 'ringing', takenBy: null, message: null,
      transfer: { from: frame.from, note: frame.note || '', to: frame.to, transcript, expiresAt: expiryOf(frame.expires_in),
        senderGone: Boolean(frame.sender_gone), guestGone: Boolean(frame.guest_gone) } });
    this.changed();
  }

  /** transfer.update: the sender or the guest came or went. */
  transferUpdate(frame) {
    const offer = this.offers.get(frame.chat);
    if (!offer?.transfer) return;
    offer.transfer.senderGone = Boolean(frame.sender_gone);
    offer.transfer.guestGone = Boolean(frame.guest_gone);
    this.changed();
  }

  /** transfer.gone: it stopped ringing here (taken, declined, expired, withdrawn, ended). */
  transferGone(frame) {
    const offer = this.offers.get(frame.chat);
    if (!offer?.transfer) return;
    if (frame.reason === 'taken' && this.me && frame.by?.id === this.me.id) {
      // Taken from another tab of ours: that tab holds it now.
      this.offers.delete(frame.chat);
    } else if (frame.reason === 'declined' && offer.state !== 'accepting') {
      this.offers.delete(frame.chat);
    } else {
      offer.state = frame.reason === 'taken' ? 'taken' : 'gone';
      offer.message = goneText(frame);
    }
    this.changed();
  }

  /** Our chat.transfer was accepted by the server: it now waits for an answer for `expiresIn` ms. */
  transferStarted(chat, to, expiresIn) {
    const rec = this.chats.get(chat);
    if (!rec) return;
    rec.transfer = waitingLine(to, expiresIn);
    this.changed();
  }

  /** transfer.returned: nobody took it; it is ours again (or back on its queue). */
  transferReturned(frame) {
    const rec = this.chats.get(frame.chat);
    if (!rec) return;
    rec.transfer = { state: 'returned', text: returnedText(frame) };
    if (frame.requeued) rec.status = 'transferred';
    this.changed();
  }

  /** transfer.done: the colleague took it; we may read it but no longer write. */
  transferDone(frame) {
    const rec = this.chats.get(frame.chat);
    if (!rec) return;
    rec.transfer = { state: 'done', text: doneText(frame) };
    rec.status = 'transferred';
    rec.guestTyping = false;
    this.changed();
  }

  /** We withdrew a waiting transfer (transfer.cancel). */
  transferWithdrawn(chat) {
    const rec = this.chats.get(chat);
    if (!rec) return;
    rec.transfer = { state: 'returned', text: t('staff.transfer.you_withdrew') };
    this.changed();
  }

  /** Forget the sender's transfer line (dismissed). */
  clearTransfer(chat) {
    const rec = this.chats.get(chat);
    if (!rec) return;
    rec.transfer = null;
    this.changed();
  }

  /** chat.taken: someone else took it (our own accept is handled by accepted()). */
  taken(chat, by) {
    const offer = this.offers.get(chat);
    if (!offer) return;
    if (this.me && by && by.id === this.me.id) {
      if (offer.state !== 'accepting') this.offers.delete(chat);
    } else {
      offer.state = 'taken';
      offer.takenBy = by?.name || t('staff.desk.another_librarian');
    }
    this.changed();
  }

  /**
   * chat.gone: the guest left before anyone accepted, or (`reason` "limit")
   * the offer was withdrawn from this operator, who holds their limit of chats.
   */
  gone(chat, reason) {
    const offer = this.offers.get(chat);
    if (!offer) return;
    offer.state = reason === 'limit' ? 'limit' : 'gone';
    this.changed();
  }

  accepting(chat) {
    const offer = this.offers.get(chat);
    if (offer) offer.state = 'accepting';
    this.changed();
  }

  /** Our chat.accept failed; `code` is the server's error code. */
  acceptFailed(chat, code, message) {
    const offer = this.offers.get(chat);
    if (!offer) return;
    if (code === 'taken') {
      offer.state = 'taken';
      offer.message = message || null;
    } else if (code === 'chat_ended' || code === 'not_found') {
      offer.state = 'gone';
    } else {
      offer.state = 'ringing';
      offer.message = message || t('staff.desk.not_accepted');
    }
    this.changed();
  }

  /** Our chat.accept succeeded: the offer becomes a held chat. */
  accepted(chat) {
    const offer = this.offers.get(chat);
    this.offers.delete(chat);
    const summary = offer ? offer.summary : { chat, queue: '', name: null, started_at: Date.now() };
    // A chat we handed on and now take back starts afresh: the server replays it.
    if (this.chats.get(chat)?.status === 'transferred') this.chats.delete(chat);
    const rec = this.holdChat({ ...summary, status: 'active', operator: this.me });
    this.selected = chat;
    this.changed();
    return rec;
  }

  dismissOffer(chat) {
    this.offers.delete(chat);
    this.changed();
  }

  holdChat(summary) {
    let rec = this.chats.get(summary.chat);
    if (!rec) {
      rec = { chat: summary.chat, queue: summary.queue, name: summary.name ?? null, label: summary.label ?? null,
        status: summary.status, operator: summary.operator ?? null, startedAt: summary.started_at,
        transcript: new Transcript(), unread: 0, guestTyping: false, draft: '', transfer: null };
      rec.transcript.setGuestLabel(rec.label);
      this.chats.set(summary.chat, rec);
      if (!this.selected) this.selected = summary.chat;
    } else {
      rec.status = summary.status;
    }
    this.changed();
    return rec;
  }

  /** The join answer for a held chat. */
  joined(reply) {
    const rec = this.chats.get(reply.chat);
    if (!rec) return;
    // A chat we handed on stays read-only here, whatever a re-join says.
    if (rec.status !== 'transferred' || reply.status === 'ended') rec.status = reply.status;
    if (reply.queue) rec.queue = reply.queue;
    if (reply.operator) rec.operator = reply.operator;
    if (reply.label) {
      rec.label = reply.label;
      rec.transcript.setGuestLabel(reply.label);
    }
    this.changed();
  }

  /** An `event` frame. Returns the chat record it landed in (or null). */
  event(ev) {
    const rec = this.chats.get(ev.chat);
    if (!rec) return null;
    const before = rec.transcript.version;
    if (!rec.transcript.addEvent(ev)) {
      // Known already, but it may have filled in our upload (acked first).
      if (rec.transcript.version !== before) this.changed();
      return rec;
    }
    if (ev.kind !== 'notice' && ev.from === 'guest') {
      rec.guestTyping = false;
      if (this.selected !== ev.chat || !this.focused) rec.unread += 1;
    }
    if (ev.kind === 'notice' && ev.notice === 'started' && ev.name && !rec.name) rec.name = ev.name;
    if (ev.kind === 'notice' && ev.notice === 'ended') {
      rec.status = 'ended';
      rec.guestTyping = false;
      if (rec.transfer?.state === 'waiting') rec.transfer = null;
    }
    this.changed();
    return rec;
  }

  typing(msg) {
    const rec = this.chats.get(msg.chat);
    if (!rec || msg.from !== 'guest') return;
    rec.guestTyping = Boolean(msg.active);
    this.changed();
  }

  select(chat) {
    const rec = this.chats.get(chat);
    if (!rec) return;
    this.selected = chat;
    rec.unread = 0;
    this.changed();
  }

  /** Whether the page has focus (unread counts only grow when it matters). */
  setFocused(focused) {
    this.focused = focused;
    if (focused && this.selected && this.chats.get(this.selected)) this.chats.get(this.selected).unread = 0;
    this.changed();
  }

  /** Remove an ended chat from the list. */
  closeChat(chat) {
    this.chats.delete(chat);
    if (this.selected === chat) this.selected = this.chats.keys().next().value ?? null;
    this.changed();
  }

  ringingCount() {
    let n = 0;
    for (const o of this.offers.values()) if (o.state === 'ringing') n++;
    return n;
  }

  /**
   * Whether leaving the page now would cost something: a chat still open,
   * or availability that new chats would ring against.
   */
  hasWorkOpen() {
    for (const c of this.chats.values()) if (c.status !== 'ended' && c.status !== 'transferred') return true;
    for (const q of this.queues.values()) if (q.available) return true;
    return false;
  }

  unreadCount() {
    let n = 0;
    for (const c of this.chats.values()) n += c.unread;
    return n;
  }
}

function waitingLine(to, expiresIn) {
  return { state: 'waiting', text: waitingText(to), expiresAt: expiryOf(expiresIn) };
}

/**
 * A guest's display name for lists, cards and titles: the name they gave,
 * else the chat's label from the server ("Guest 7F3K", PROTOCOL.md §1.4),
 * which tells unnamed guests apart.
 */
export function guestName(name, label) {
  if (name && name.trim()) return name;
  return label || 'Guest';
}
