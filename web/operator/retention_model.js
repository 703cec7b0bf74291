// retention_model.js: the admin page's retention rules as plain data (no DOM).
//
// The server's word is final (POST /api/admin/queues/{queue}/retention answers 400 for any bad
// value); this only catches what a person typed before sending it, with a sentence that says
// what to fix, and words the hint under each queue's form.

import { t } from '../shared/i18n.js';

/** Parse one days field: a whole number 0..max, or {error}. */
export function parseDays(text, max, what) {
  const s = String(text ?? '').trim();
  if (!/^\d+$/.test(s)) return { error: t('staff.retention.whole', { what, max: String(max) }) };
  const n = Number(s);
  if (n > max) return { error: t('staff.retention.at_most', { what, max: String(max) }) };
  return { value: n };
}

/**
 * The body to send for a form's values, or {error}. `values` is
 * {text_days, files_days} as typed and keep_names as a boolean.
 */
export function ruleBody(values, max) {
  const text = parseDays(values.text_days, max, t('staff.retention.text'));
  if (text.error) return text;
  const files = parseDays(values.files_days, max, t('staff.retention.files'));
  if (files.error) return files;
  return { body: { text_days: text.value, files_days: files.value, keep_names: Boolean(values.keep_names) } };
}

function days(n) {
  if (n === 0) return t('staff.retention.while_running');
  return t('staff.retention.days', { count: n });
}

/** What a rule does, in one sentence for the hint under its form. */
export function describeRule(rule) {
  const files = Math.min(rule.files_days, rule.text_days);
  const names = rule.keep_names ? t('staff.retention.names_kept') : t('staff.retention.names_not_kept');
  let s = t('staff.retention.rule', { text: days(rule.text_days), files: days(files), names });
  if (rule.files_days > rule.text_days) s += ` ${t('staff.retention.files_never_outlive')}`;
  return s;
}

/** "(the defaults)" or "saved DATE" for a queue's rule. */
export function ruleOrigin(rule) {
  return rule.updated_at ? t('staff.retention.saved_on', { date: new Date(rule.updated_at).toLocaleDateString(globalThis.document?.documentElement.lang) })
    : t('staff.retention.defaults');
}
