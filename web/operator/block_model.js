// block_model.js: Block guest's form rules on the page (PROTOCOL.md §2.14),
// as plain functions: what the operator typed, checked and turned into the
// request body, and the words for the server's refusals. The server checks
// the same rules again.

import { t } from '../shared/i18n.js';

export const REASON_MAX = 200;
export const HOURS_MAX = 24;
export const HOURS_DEFAULT = 1;

/** The warning the operator reads before blocking. */
export const SHARED_ADDRESS_WARNING = t('staff.block.warning');

/**
 * Check the form's `reason` and `hours` (text as typed): { body } to send,
 * or { problem } — a sentence saying what to change.
 */
export function checkBlock(reason, hours) {
  const r = String(reason ?? '').replace(/\s+/g, ' ').trim();
  if (!r) return { problem: t('staff.block.reason_missing') };
  if ([...r].length > REASON_MAX) return { problem: t('staff.block.reason_long', { max: REASON_MAX }) };
  const text = String(hours ?? '').trim();
  const n = text === '' ? HOURS_DEFAULT : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > HOURS_MAX) return { problem: t('staff.block.hours_bad', { max: HOURS_MAX }) };
  return { body: { reason: r, hours: n } };
}

/** Why the server refused a block, as the end of a sentence. */
export function blockRefusal(status, code) {
  const known = ['not_holder', 'not_offered', 'chat_ended', 'no_address', 'not_found', 'bad_request', 'csrf'];
  if (status === 0) return t('staff.refusal.unreachable');
  return known.includes(code) ? t(`staff.refusal.${code}`) : t('staff.refusal.other');
}

/** A block's line in the admin's list: who, when, until when, why. */
export function blockLine(b, formatTime) {
  return t('staff.block.line', { name: b.operator.name, chat: b.chat, at: formatTime(b.created_at),
    hours: t('staff.block.hours_count', { count: b.hours }), until: formatTime(b.until), reason: b.reason });
}
