// transfer_model.js: handing a chat to a colleague or a queue, as plain data. Pure.
//
// The words and choices of a transfer (PROTOCOL.md §3.9) for every staff page
// that offers one — the webclient, the sharing tool, the chat management page
// — and for the colleague being rung: what the dialog lists, the message it
// sends, and the sentences for each way a transfer can end.

import { t } from './i18n.js';

export const NOTE_MAX = 500; // characters in a note (the server's transfer_note_chars)

/**
 * The dialog's choices from a `transfer.targets` answer: colleagues first,
 * then queues. A queue where nobody else is available stays listed but
 * cannot be picked, so the operator sees why it is not an option.
 */
export function transferChoices(targets) {
  // An admin may take a chat whose holder is gone themself (`self`): first, and said so.
  const all = targets?.operators || [];
  const operators = [...all.filter((o) => o.self), ...all.filter((o) => !o.self)].map((o) => (o.self
    ? { value: `operator:${o.id}`, label: t('staff.transfer.take_myself'), hint: t('staff.transfer.take_myself_hint'),
      disabled: false, self: true }
    : { value: `operator:${o.id}`, label: o.name, hint: t('staff.transfer.available'), disabled: false }));
  const queues = (targets?.queues || []).map((q) => ({
    value: `queue:${q.name}`, label: q.title || q.name,
    hint: q.available ? t('staff.transfer.colleagues_available', { count: q.available }) : t('staff.transfer.nobody_available'),
    disabled: !q.available,
  }));
  return { operators, queues };
}

/** The `chat.transfer` message for a choice's value ("operator:ID" or "queue:NAME"). */
export function transferMessage(chat, value, note = '') {
  const msg = { type: 'chat.transfer', chat };
  const sep = String(value || '').indexOf(':');
  const kind = value.slice(0, sep);
  const what = value.slice(sep + 1);
  if (kind === 'operator') msg.operator = Number(what);
  else if (kind === 'queue') msg.queue = what;
  else throw new Error(`not a transfer target: ${value}`);
  const text = note.trim();
  if (text) msg.note = text;
  return msg;
}

/**
 * What a page says once `chat.transfer` was accepted: who is being rung, or,
 * when an admin took the chat themself (an answer without `to`), that it is theirs.
 */
export function startedText(reply) {
  return reply?.to ? waitingText(reply.to) : t('staff.transfer.yours_now');
}

/** When a transfer that waits `expiresIn` ms more stops waiting (ms since the epoch), or null. */
export function expiryOf(expiresIn, now = Date.now()) {
  return Number.isFinite(expiresIn) && expiresIn >= 0 ? now + expiresIn : null;
}

/**
 * Whole seconds a transfer still waits, rounded up and never below 0 (null
 * without a deadline): what the quiet countdown shows.
 */
export function secondsLeft(expiresAt, now = Date.now()) {
  if (!Number.isFinite(expiresAt)) return null;
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

/** Whom a transfer goes to, in words, from its `to` field. */
export function targetName(to) {
  if (to?.operator) return to.operator.name || t('staff.note.a_colleague');
  if (to?.queue) return to.queue.title || to.queue.name || t('staff.transfer.a_queue');
  return t('staff.note.a_colleague');
}

/** The sender's line while a transfer waits. */
export function waitingText(to) {
  return t(to?.queue ? 'staff.transfer.waiting_queue' : 'staff.transfer.waiting', { name: targetName(to) });
}

/** The sender's line when a transfer came back (`transfer.returned`). */
export function returnedText(frame) {
  if (frame.requeued) return t('staff.transfer.requeued');
  if (frame.reason === 'declined') return t('staff.transfer.declined_by', { name: frame.by || t('staff.transfer.your_colleague') });
  if (frame.reason === 'expired') return t('staff.transfer.expired_sender');
  return t('staff.transfer.offline');
}

/** The sender's line once the colleague took it (`transfer.done`). */
export function doneText(frame) {
  return t('staff.transfer.done', { name: frame.to?.name || t('staff.transfer.your_colleague') });
}

/** The rung colleague's line when a transfer stops ringing (`transfer.gone`). */
export function goneText(frame) {
  switch (frame.reason) {
    case 'taken': return t('staff.transfer.taken', { name: frame.by?.name || t('staff.transfer.a_colleague') });
    case 'declined': return t('staff.transfer.you_declined');
    case 'expired': return t('staff.transfer.expired');
    case 'withdrawn': return t('staff.transfer.withdrawn', { name: frame.by || t('staff.transfer.your_colleague') });
    case 'ended': return t('staff.transfer.chat_ended');
    default: return t('staff.transfer.over');
  }
}

/** What a rung colleague should know besides the note: who is still there. */
export function offerWarnings(offer) {
  const out = [];
  if (offer.senderGone) out.push(t('staff.transfer.sender_gone', { name: offer.from?.name || t('staff.transfer.the_sender') }));
  if (offer.guestGone) out.push(t('staff.transfer.guest_gone'));
  return out;
}

/** A refused transfer request, in words. */
export function refusalText(err) {
  switch (err?.code) {
    case 'unavailable': return err.message || t('staff.transfer.unavailable');
    case 'not_holder': return t('staff.transfer.not_holder');
    case 'busy': return t('staff.transfer.busy');
    case 'chat_ended': return t('staff.transfer.has_ended');
    case 'not_found': return t('staff.transfer.not_found');
    case 'too_long': return t('staff.notes.too_long', { max: NOTE_MAX });
    default: return err?.message || t('staff.transfer.not_sent');
  }
}
