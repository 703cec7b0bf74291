// history_model.js: Chat History's plain logic, without the DOM. Pure.
//
// The filters a person sets become the query of GET /api/history
// (PROTOCOL.md §2.7); dates from <input type="date"> become the local
// day's bounds in milliseconds; pages are walked with the server's keyset
// cursor (`next`), keeping the cursors of earlier pages for "Newer".

import { t } from '../shared/i18n.js';

/** Local midnight of a "YYYY-MM-DD" day, in ms; `plusDays` moves it. Null for "". */
export function dayStart(value, plusDays = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).getTime();
}

/**
 * The query string for `filters` ({ q, queue, operator, status, from, to })
 * and the page cursor `before` (or null). Empty filters are left out.
 */
export function historyQuery(filters, before = null, limit = 25) {
  const p = new URLSearchParams();
  const q = (filters.q || '').trim();
  if (q) p.set('q', q);
  if (filters.queue) p.set('queue', filters.queue);
  if (filters.operator) p.set('operator', String(filters.operator));
  if (filters.status) p.set('status', filters.status);
  const from = dayStart(filters.from);
  const to = dayStart(filters.to, 1); // the whole "to" day
  if (from !== null) p.set('from', String(from));
  if (to !== null) p.set('to', String(to));
  if (before) p.set('before', before);
  p.set('limit', String(limit));
  return `?${p}`;
}

/** "45 s", "12 min", "1 h 5 min". */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round((ms || 0) / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

/**
 * How long `chat` has lasted at `now` (ms): the server's `duration_ms`,
 * which it counted to the moment it answered (`loadedAt`, this page's
 * clock), plus the time since while the chat has not ended. Measuring from
 * the answer rather than from `started_at` keeps a wrong clock on this
 * computer out of the sum.
 */
export function liveDuration(chat, loadedAt, now) {
  const base = chat.duration_ms || 0;
  if (chat.status === 'ended' || chat.deleted_at || !loadedAt) return base;
  return base + Math.max(0, now - loadedAt);
}

/** "Waiting", "Active", "Ended" (and "Deleted" once its transcript is gone). */
export function statusLabel(chat) {
  if (chat.deleted_at) return t('staff.history.status.deleted');
  return ['waiting', 'active', 'ended'].includes(chat.status) ? t(`staff.history.status.${chat.status}`) : chat.status;
}

/** "3 messages · 1 snapshot" */
export function countsText(chat) {
  return `${t('staff.history.messages', { count: chat.messages || 0 })} · ${t('staff.history.snapshots', { count: chat.snapshots || 0 })}`;
}

/**
 * Keyset paging: `cursors[i]` is the `before` that loads page i (null for
 * the first). Pure helpers over { cursors, index, next }.
 */
export function firstPage() {
  return { cursors: [null], index: 0, next: null };
}

export function olderPage(pages) {
  if (!pages.next) return pages;
  const cursors = pages.cursors.slice(0, pages.index + 1).concat(pages.next);
  return { cursors, index: pages.index + 1, next: null };
}

export function newerPage(pages) {
  if (pages.index === 0) return pages;
  return { cursors: pages.cursors, index: pages.index - 1, next: null };
}

/** Whether the transcript of `chat` may be deleted by an admin now. */
export function canDelete(chat, isAdmin) {
  return Boolean(isAdmin && chat.status === 'ended' && !chat.deleted_at);
}
