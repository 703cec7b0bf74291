// audit_model.js: what the admin page's "Audit log" section shows for an entry of
// GET /api/admin/audit (PROTOCOL.md §2.5, AUDIT_ENTRY). Pure: no DOM, tested with node --test.
//
// An action the page does not know yet (a newer server) is shown by its name rather than
// hidden, so the log never looks shorter than it is.

const ACTIONS = {
  'account.add': 'Account created',
  'account.change': 'Account changed',
  'operator.add': 'Operator added',
  'operator.change': 'Operator changed',
  'operator.password': 'Password reset',
  'queue.add': 'Queue added',
  'queue.change': 'Queue changed',
  'member.add': 'Member added',
  'member.remove': 'Member removed',
  'transcript.delete': 'Transcript deleted',
  'guest.block': 'Guest blocked',
  'guest.unblock': 'Guest block lifted',
};

/** The words for an entry's action. */
export function actionLabel(action) {
  return ACTIONS[action] ?? String(action ?? '');
}

/** Who acted: an operator's username, or "Command line" for `refdesk admin`. */
export function actorLabel(actor) {
  if (!actor) return '';
  return actor.id === null ? 'Command line' : String(actor.username ?? '');
}

/** A page of the log: its rows, and the `before` for the next, older page (null when none). */
export function auditPage(json) {
  const entries = Array.isArray(json?.entries) ? json.entries : [];
  const rows = entries.map((e) => ({
    id: e.id,
    at: e.at,
    who: actorLabel(e.actor),
    action: actionLabel(e.action),
    target: String(e.target ?? ''),
    detail: String(e.detail ?? ''),
  }));
  const older = json?.more && rows.length ? rows[rows.length - 1].id : null;
  return { rows, older };
}
