// audit_model.js: what the admin page's "Audit log" section shows for an entry of
// GET /api/admin/audit (PROTOCOL.md §2.5, AUDIT_ENTRY). Pure: no DOM, tested with node --test.
//
// An action the page does not know yet (a newer server) is shown by its name rather than
// hidden, so the log never looks shorter than it is.

import { t } from '../shared/i18n.js';

// The actions this page has words for (staff.audit.ACTION in the catalogue).
const ACTIONS = ['account.add', 'account.change', 'operator.add', 'operator.change', 'operator.password', 'queue.add', 'queue.change', 'member.add', 'member.remove', 'transcript.delete', 'guest.block', 'guest.unblock'];

/** The words for an entry's action. */
export function actionLabel(action) {
  return ACTIONS.includes(action) ? t(`staff.audit.${action}`) : String(action ?? '');
}

/** Who acted: an operator's username, or "Command line" for `refdesk admin`. */
export function actorLabel(actor) {
  if (!actor) return '';
  return actor.id === null ? t('staff.audit.command_line') : String(actor.username ?? '');
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
