// block_model.js: Block guest's form rules on the page (PROTOCOL.md §2.14),
// as plain functions: what the operator typed, checked and turned into the
// request body, and the words for the server's refusals. The server checks
// the same rules again.

export const REASON_MAX = 200;
export const HOURS_MAX = 24;
export const HOURS_DEFAULT = 1;

/** The warning the operator reads before blocking. */
export const SHARED_ADDRESS_WARNING = 'A library’s public computers and Wi-Fi usually share one internet address. '
  + 'Blocking refuses new chats from that whole address, so it may also stop other patrons there.';

/**
 * Check the form's `reason` and `hours` (text as typed): { body } to send,
 * or { problem } — a sentence saying what to change.
 */
export function checkBlock(reason, hours) {
  const r = String(reason ?? '').replace(/\s+/g, ' ').trim();
  if (!r) return { problem: 'Write a short reason; it goes in the log.' };
  if ([...r].length > REASON_MAX) return { problem: `The reason is over ${REASON_MAX} characters.` };
  const text = String(hours ?? '').trim();
  const n = text === '' ? HOURS_DEFAULT : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > HOURS_MAX) return { problem: `Choose 1 to ${HOURS_MAX} hours.` };
  return { body: { reason: r, hours: n } };
}

/** Why the server refused a block, as the end of a sentence. */
export function blockRefusal(status, code) {
  const words = {
    not_holder: 'another librarian holds this chat.',
    chat_ended: 'the chat has already ended.',
    no_address: 'this guest’s connection is not known (the chat began before the server restarted).',
    not_found: 'this chat was not found.',
    bad_request: 'the reason or the hours were not accepted.',
    csrf: 'your session changed; please reload the page.',
  };
  if (status === 0) return 'the server could not be reached; please try again.';
  return words[code] || 'something went wrong; please try again.';
}

/** A block's line in the admin's list: who, when, until when, why. */
export function blockLine(b, formatTime) {
  return `${b.operator.name} blocked the guest of chat ${b.chat} at ${formatTime(b.created_at)}, `
    + `for ${b.hours} hour${b.hours === 1 ? '' : 's'} (until ${formatTime(b.until)}): ${b.reason}`;
}
