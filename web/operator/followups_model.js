// followups_model.js: what staff pages say about follow-ups (questions left
// in a chat box while nobody was online; PROTOCOL.md section 2.10). Pure:
// no DOM, tested with node --test.

const STATUS_TEXT = {
  open: 'Waiting for an answer',
  sending: 'Answer being sent…',
  answered: 'Answered by email',
  not_delivered: 'Not delivered',
  expired: 'Address erased — cannot be answered',
};

/** The words for a follow-up's status (`error` added for one not delivered). */
export function statusText(f) {
  const text = STATUS_TEXT[f.status] ?? f.status;
  return f.status === 'not_delivered' && f.error ? `${text}: ${f.error}` : text;
}

/** Whether staff may press Answer on it: open, or not delivered, with its address kept. */
export function canAnswer(f) {
  return (f.status === 'open' || f.status === 'not_delivered') && f.has_address;
}

/** The panel's summary line for `waiting` unanswered follow-ups. */
export function waitingText(waiting) {
  if (!waiting) return 'No question is waiting for an answer.';
  return waiting === 1 ? '1 question is waiting for an answer.' : `${waiting} questions are waiting for an answer.`;
}

/** Who asked: the name they gave, else "A patron". */
export function askerName(f) {
  return f.name || 'A patron';
}

/** The same checks the server makes on an answer, so the page can say so first. */
export function answerProblem(text) {
  const t = text.trim();
  if (!t) return 'Write an answer first.';
  if ([...text].length > 4000) return 'An answer is at most 4,000 characters.';
  return null;
}

/** Whether the list should be fetched again soon (a mail is on its way). */
export function needsRefresh(list) {
  return list.some((f) => f.status === 'sending');
}
