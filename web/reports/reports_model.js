// reports_model.js: what the Reports page shows, from the server's REPORT
// (PROTOCOL.md §2.11), as plain data for the view. Pure.

import { language, t } from '../shared/i18n.js';

export const DAYS_MAX = 731; // the server's limit: two years, a leap day included
// The weekdays, Monday first, in the page's language (1 January 2024 was a Monday).
const DAY_NAME = new Intl.DateTimeFormat(language().lang, { weekday: 'long', timeZone: 'UTC' });
export const WEEKDAYS = Array.from({ length: 7 }, (_, i) => DAY_NAME.format(Date.UTC(2024, 0, 1 + i)));
export const HEAT_LEVELS = 5; // 0 (none) to 4 (the busiest hour)

const DAY_MS = 86400000;

/** A Date's local calendar date as YYYY-MM-DD. */
export function isoDate(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The last 30 days up to `today` (a Date), the page's first range. */
export function defaultRange(today) {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  return { from: isoDate(from), to: isoDate(today) };
}

/** Days since 1970-01-01 of a YYYY-MM-DD that is a real date, else null. */
export function dayNumber(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.round(t / DAY_MS);
}

/**
 * The sentence that says what is wrong with a range, or null when the
 * server would take it (the same rules as its 400s, said before asking).
 */
export function rangeProblem(from, to) {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === null || b === null) return t('staff.reports.both_dates');
  if (a < 0) return t('staff.reports.from_1970');
  if (b < a) return t('staff.reports.backwards');
  if (b - a + 1 > DAYS_MAX) return t('staff.reports.too_long', { max: String(DAYS_MAX) });
  return null;
}

/** The query string of a report: the range, and a queue or an operator (the queue wins). */
export function reportQuery({ from, to, queue = '', operator = '' }) {
  const q = new URLSearchParams({ from, to });
  if (queue) q.set('queue', queue);
  else if (operator) q.set('operator', operator);
  return `?${q}`;
}

/** A time in seconds as people say it: "45 s", "2 min 5 s", "1 h 20 min". */
export function formatSeconds(s) {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  const hr = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${hr} h ${m} min` : `${hr} h`;
}

/** The share of `part` in `whole` as a whole percent ("—" for nothing). */
export function percent(part, whole) {
  return whole > 0 ? `${Math.round((100 * part) / whole)} %` : '—';
}

/** The outcome rows: label, count and share of all chats. */
export function outcomeRows(r) {
  const waiting = Math.max(0, r.chats - r.answered - r.missed - r.abandoned);
  return [
    { key: 'answered', label: t('staff.reports.outcome.answered'), short: t('staff.reports.outcome.answered_short'), value: r.answered },
    { key: 'missed', label: t('staff.reports.outcome.missed'), short: t('staff.reports.outcome.missed_short'), value: r.missed },
    { key: 'abandoned', label: t('staff.reports.outcome.abandoned'), short: t('staff.reports.outcome.abandoned_short'), value: r.abandoned },
    { key: 'waiting', label: t('staff.reports.outcome.waiting'), short: t('staff.reports.outcome.waiting_short'), value: waiting },
  ].map((row) => ({ ...row, share: percent(row.value, r.chats) }));
}

/** The sharing tool's rows. */
export function sharingRows(r) {
  return [
    { key: 'from', label: t('staff.reports.sharing.from'), short: t('staff.reports.sharing.from_short'), value: r.snapshots_from_guests },
    { key: 'to', label: t('staff.reports.sharing.to'), short: t('staff.reports.sharing.to_short'), value: r.snapshots_to_guests },
    { key: 'invited', label: t('staff.reports.sharing.invited'), short: t('staff.reports.sharing.invited_short'), value: r.share_invited },
    { key: 'accepted', label: t('staff.reports.sharing.accepted'), short: t('staff.reports.sharing.accepted_short'), value: r.share_accepted },
    { key: 'declined', label: t('staff.reports.sharing.declined'), short: t('staff.reports.sharing.declined_short'), value: r.share_declined },
    { key: 'blocked', label: t('staff.reports.sharing.blocked'), short: t('staff.reports.sharing.blocked_short'), value: r.share_blocked },
  ];
}

/**
 * The follow-ups' rows (questions left by email while nobody was online):
 * left, answered (the answer's mail was delivered), not delivered (every
 * try failed), and for an account or a queue the rest, still open or on
 * their way. An operator's report counts only what that operator answered.
 */
export function followupRows(r) {
  const rows = [
    { key: 'left', label: r.operator ? t('staff.reports.followups.by_operator') : t('staff.reports.followups.left'),
      short: t('staff.reports.followups.left_short'), value: r.followups },
    { key: 'answered', label: t('staff.reports.followups.answered'), short: t('staff.reports.followups.answered_short'), value: r.followups_answered },
    { key: 'failed', label: t('staff.reports.followups.failed'), short: t('staff.reports.followups.failed_short'), value: r.followups_not_delivered },
  ];
  if (!r.operator) {
    const open = Math.max(0, r.followups - r.followups_answered - r.followups_not_delivered);
    rows.push({ key: 'open', label: t('staff.reports.followups.open'), short: t('staff.reports.followups.open_short'), value: open });
  }
  return rows;
}

/** What the follow-ups section counts, for its lead paragraph. */
export function followupNote(r) {
  const when = t('staff.reports.followups.when');
  return r.operator
    ? t('staff.reports.followups.note_operator', { name: r.operator.name, when })
    : t('staff.reports.followups.note', { when });
}

/** The times' rows: what, how many, median and 90th percentile as words and seconds. */
export function timeRows(r) {
  return [
    { key: 'wait', label: t('staff.reports.wait'), ...r.wait },
    { key: 'length', label: t('staff.reports.length'), ...r.length },
  ].map((row) => ({ ...row, p50Text: row.count ? formatSeconds(row.p50) : '—', p90Text: row.count ? formatSeconds(row.p90) : '—' }));
}

/**
 * Horizontal bars for `rows` ({short or label, value}) in a chart `width` wide: each
 * bar's length in proportion to the largest value (at least 1 px when not 0).
 */
export function bars(rows, width) {
  const max = Math.max(0, ...rows.map((r) => r.value));
  return rows.map((r) => ({ ...r, length: max ? Math.max(r.value ? 1 : 0, Math.round((r.value / max) * width)) : 0 }));
}

/**
 * The heat map's cells: for each weekday (Monday first) and hour, the count
 * and a level 0..HEAT_LEVELS-1: 0 for none, else in proportion to the
 * busiest hour (which is the top level).
 */
export function heatCells(byHour) {
  const max = Math.max(0, ...byHour.flat());
  return byHour.map((row, day) => row.map((n, hour) => ({
    day, hour, n,
    level: n === 0 || max === 0 ? 0 : Math.max(1, Math.ceil((n / max) * (HEAT_LEVELS - 1))),
  })));
}

/** "09" for hour 9: the heat map's column heads. */
export function hourLabel(h) {
  return String(h).padStart(2, '0');
}

/** The file name the CSV is saved under. */
export function csvName({ from, to }) {
  return `refdesk-report-${from}-${to}.csv`;
}
