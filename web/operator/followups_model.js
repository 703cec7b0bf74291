// followups_model.js: what staff pages say about follow-ups (questions left
// in a chat box while nobody was online; PROTOCOL.md section 2.10). Pure:
// no DOM, tested with node --test.

import { t } from '../shared/i18n.js';

const STATUS_KEYS = ['open', 'sending', 'answered', 'not_delivered', 'expired'];

/** The words for a follow-up's status (`error` added for one not delivered). */
export function statusText(f) {
  const text = STATUS_KEYS.includes(f.status) ? t(`staff.followup.status.${f.status}`) : f.status;
  return f.status === 'not_delivered' && f.error ? t('staff.followup.status_error', { status: text, error: f.error }) : text;
}

/** Whether staff may press Answer on it: open, or not delivered, with its address kept. */
export function canAnswer(f) {
  return (f.status === 'open' || f.status === 'not_delivered') && f.has_address;
}

/** The panel's summary line for `waiting` unanswered follow-ups. */
export function waitingText(waiting) {
  if (!waiting) return t('staff.followup.none_waiting');
  return t('staff.followup.waiting', { count: waiting });
}

/** Who asked: the name they gave, else "A patron". */
export function askerName(f) {
  return f.name || t('staff.followup.a_patron');
}

/** The same checks the server makes on an answer, so the page can say so first. */
export function answerProblem(text) {
  if (!text.trim()) return t('staff.followup.answer_empty');
  if ([...text].length > 4000) return t('staff.followup.answer_long', { max: 4000 });
  return null;
}

/** Whether the list should be fetched again soon (a mail is on its way). */
export function needsRefresh(list) {
  return list.some((f) => f.status === 'sending');
}
