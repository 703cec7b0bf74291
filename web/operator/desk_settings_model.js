// desk_settings_model.js: the admin page's "Desk" settings, checked and put into words. Pure.

import { t } from '../shared/i18n.js';

/** A whole number from 0 to `max` typed in a field: { value } or { error } naming `label`. */
export function parseWhole(text, max, label) {
  const s = String(text ?? '').trim();
  if (!/^\d+$/.test(s) || Number(s) > max) return { error: t('staff.desk.whole_number', { label, max }) };
  return { value: Number(s) };
}

/** The account's two settings in a sentence. */
export function describeDesk(d) {
  const away = d.away_idle_mins ? t('staff.desk.away_after', { count: d.away_idle_mins }) : t('staff.desk.away_never');
  const limit = d.max_chats ? t('staff.desk.limit', { count: d.max_chats }) : t('staff.desk.no_limit');
  return `${away}, ${limit}`;
}

/** A queue's quiet-chat setting in a sentence. */
export function describeQuiet(mins) {
  return mins ? t('staff.desk.quiet_after', { count: mins }) : t('staff.desk.quiet_never');
}
