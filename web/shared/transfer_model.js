// transfer_model.js: handing a chat to a colleague or a queue, as plain data. Pure.
//
// The words and choices of a transfer (PROTOCOL.md §3.9) for every staff page
// that offers one — the webclient, the sharing tool, the chat management page
// — and for the colleague being rung: what the dialog lists, the message it
// sends, and the sentences for each way a transfer can end.

export const NOTE_MAX = 500; // characters in a note (the server's transfer_note_chars)

/**
 * The dialog's choices from a `transfer.targets` answer: colleagues first,
 * then queues. A queue where nobody else is available stays listed but
 * cannot be picked, so the operator sees why it is not an option.
 */
export function transferChoices(targets) {
  const operators = (targets?.operators || []).map((o) => ({
    value: `operator:${o.id}`, label: o.name, hint: 'available', disabled: false,
  }));
  const queues = (targets?.queues || []).map((q) => ({
    value: `queue:${q.name}`, label: q.title || q.name,
    hint: q.available === 1 ? '1 colleague available' : q.available ? `${q.available} colleagues available` : 'nobody available',
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

/** Whom a transfer goes to, in words, from its `to` field. */
export function targetName(to) {
  if (to?.operator) return to.operator.name || 'a colleague';
  if (to?.queue) return to.queue.title || to.queue.name || 'a queue';
  return 'a colleague';
}

/** The sender's line while a transfer waits. */
export function waitingText(to) {
  return to?.queue ? `Waiting for someone on ${targetName(to)} to accept…`
    : `Waiting for ${targetName(to)} to accept…`;
}

/** The sender's line when a transfer came back (`transfer.returned`). */
export function returnedText(frame) {
  if (frame.requeued) return 'Nobody took the transfer; the chat went back to its queue.';
  if (frame.reason === 'declined') return `${frame.by || 'Your colleague'} declined the transfer. The chat is still yours.`;
  if (frame.reason === 'expired') return 'Nobody accepted the transfer in time. The chat is still yours.';
  return 'Your colleague went offline. The chat is still yours.';
}

/** The sender's line once the colleague took it (`transfer.done`). */
export function doneText(frame) {
  return `${frame.to?.name || 'Your colleague'} took over this chat.`;
}

/** The rung colleague's line when a transfer stops ringing (`transfer.gone`). */
export function goneText(frame) {
  switch (frame.reason) {
    case 'taken': return `${frame.by?.name || 'A colleague'} took this chat.`;
    case 'declined': return 'You declined this transfer.';
    case 'expired': return 'The transfer ran out of time.';
    case 'withdrawn': return `${frame.by || 'Your colleague'} withdrew the transfer.`;
    case 'ended': return 'The chat ended.';
    default: return 'The transfer is over.';
  }
}

/** What a rung colleague should know besides the note: who is still there. */
export function offerWarnings(offer) {
  const out = [];
  if (offer.senderGone) out.push(`${offer.from?.name || 'The sender'} has gone offline; if you decline, the chat goes back to its queue.`);
  if (offer.guestGone) out.push('The guest’s chat box is closed for now.');
  return out;
}

/** A refused transfer request, in words. */
export function refusalText(err) {
  switch (err?.code) {
    case 'unavailable': return err.message || 'Nobody is available there right now.';
    case 'not_holder': return 'Only the librarian who holds this chat may transfer it.';
    case 'busy': return 'A transfer of this chat is already waiting for an answer.';
    case 'chat_ended': return 'The chat has ended.';
    case 'not_found': return 'That colleague or queue is not there any more.';
    case 'too_long': return `A note has at most ${NOTE_MAX} characters.`;
    default: return err?.message || 'The transfer could not be sent. Try again.';
  }
}
