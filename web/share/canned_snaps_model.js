// canned_snaps_model.js: the rules the sharing tool's canned snapshots
// follow on this side (PROTOCOL.md §2.8), as plain functions: is a name
// acceptable, and in what order the list reads. The server checks the same
// name rule again; this only lets the form say what is wrong before sending.

import { t } from '../shared/i18n.js';

export const NAME_MAX = 40;

// Line breaks, tabs, other control characters and the invisible or
// direction-changing characters the server's text_clean_line() drops.
const UNCLEAN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/u;

/** What is wrong with `name` as a canned snapshot's name, as a sentence, or null when nothing is. */
export function nameProblem(name) {
  if (!name) return t('staff.snaps.name_missing');
  if (name !== name.trim()) return t('staff.snaps.name_space');
  if ([...name].length > NAME_MAX) return t('staff.snaps.name_long', { max: NAME_MAX });
  if (UNCLEAN.test(name)) return t('staff.snaps.name_unclean');
  return null;
}

/** The entries by name (case aside), then by age, as the server lists them. */
export function byName(list) {
  return [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id);
}

/** The words for a refusal of a canned snapshot request, as the end of a sentence. */
export function cannedFailure(status, code) {
  // Refusals an upload shares are worded once, in staff.upload.*.
  const own = ['not_found', 'forbidden', 'too_many', 'bad_request'];
  const shared = ['not_holder', 'chat_ended', 'chat_waiting', 'csrf'];
  if (status === 0) return t('staff.upload.dropped');
  if (own.includes(code)) return t(`staff.snaps.refusal.${code}`);
  return shared.includes(code) ? t(`staff.upload.${code}`) : t('staff.refusal.other');
}
