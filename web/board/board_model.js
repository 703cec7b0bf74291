// board_model.js: what the board (/staff/board) shows, from GET /api/board. Pure.

import { t } from '../shared/i18n.js';

const STATUS = { available: 'staff.status.available', away: 'staff.status.away', offline: 'staff.board.offline' };
const ORDER = { available: 0, away: 1, offline: 2 };

/** "—" for no wait, else seconds, minutes, or hours and minutes. */
export function waitText(secs) {
  if (secs === null || secs === undefined || !Number.isFinite(secs) || secs < 0) return '—';
  if (secs < 60) return `${Math.floor(secs)} s`;
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min`;
  return `${Math.floor(mins / 60)} h ${String(mins % 60).padStart(2, '0')} min`;
}

/** The word for an operator's status, as the webclient's radios name it. */
export function statusLabel(status) {
  return t(STATUS[status] || STATUS.offline);
}

/** Rows for the queues table: [title, waiting, longest wait], busiest first then by title. */
export function queueRows(board) {
  return [...(board?.queues || [])]
    .sort((a, b) => b.waiting - a.waiting || a.title.localeCompare(b.title))
    .map((q) => ({ key: q.queue, title: q.title, waiting: q.waiting, wait: waitText(q.longest_wait_secs) }));
}

/**
 * Rows for the operators table: available first, then Away, then offline; by
 * name within. `queues` are the titles of the queues the operator is rung on
 * now (the queue's name when the board does not list it); an operator who is
 * Available on no queue is only signed in, and reads so.
 */
export function operatorRows(board) {
  const limit = board?.max_chats || 0;
  const titles = new Map((board?.queues || []).map((q) => [q.queue, q.title || q.queue]));
  return [...(board?.operators || [])]
    .sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) || a.name.localeCompare(b.name))
    .map((o) => {
      const queues = (Array.isArray(o.queues) ? o.queues : []).map((q) => titles.get(q) || String(q));
      const idle = o.status === 'available' && queues.length === 0;
      return { key: String(o.id), name: o.name, status: idle ? 'idle' : o.status,
        statusText: idle ? t('staff.board.on_no_queue') : statusLabel(o.status),
        queues, queuesText: queues.length ? t('staff.board.on_queues', { queues: queues.join(', ') }) : '',
        chats: limit ? t('staff.board.chats_of', { chats: o.chats, limit }) : String(o.chats), full: limit > 0 && o.chats >= limit };
    });
}

/** One sentence for the page's status line: who waits and who is there. */
export function summary(board) {
  const waiting = (board?.queues || []).reduce((n, q) => n + q.waiting, 0);
  const ops = board?.operators || [];
  // Available on no queue is only signed in: nothing rings them, so they do not count.
  const available = ops.filter((o) => o.status === 'available' && !(Array.isArray(o.queues) && o.queues.length === 0)).length;
  const guests = waiting === 0 ? t('staff.board.nobody_waiting') : t('staff.board.guests_waiting', { count: waiting });
  return t('staff.board.summary', { guests, available, operators: t('staff.board.operators_available', { count: ops.length }) });
}
