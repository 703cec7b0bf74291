// board.js: the board (/staff/board), for every operator of the account. Start here.
//
// It asks GET /api/board every two seconds (and at once when the tab comes
// back into view) and redraws the two tables from board_model.js. Asking
// keeps the page live without an operator socket, which would count its
// reader as signed in to the desk and ring them. The status line is only
// rewritten when its sentence changes, so a screen reader hears changes,
// not every refresh.

import '../shared/early_session.js'; // first: see there
import { apiRequest, signOut, sessionOrSignIn, signinUrl } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { operatorRows, queueRows, summary } from './board_model.js';
import { t } from '../shared/i18n.js';

const EVERY_MS = 2000;
const $ = (id) => document.getElementById(id);
let timer = null;

function drawQueues(board) {
  const rows = queueRows(board);
  $('queues-empty').hidden = rows.length > 0;
  $('queues-table').hidden = rows.length === 0;
  replaceChildren($('queues'), ...rows.map((q) => h('tr', { 'data-queue': q.key, class: q.waiting ? 'board-row--waiting' : '' },
    h('th', { scope: 'row', text: q.title }),
    h('td', { class: 'board-table__num', text: String(q.waiting) }),
    h('td', { class: 'board-table__num', text: q.wait }))));
}

function drawOperators(board) {
  replaceChildren($('operators'), ...operatorRows(board).map((o) => h('tr', { 'data-operator': o.key },
    h('th', { scope: 'row', text: o.name }),
    h('td', {}, h('span', { class: `board-status board-status--${o.status}`, text: o.statusText }),
      o.queuesText ? h('span', { class: 'board-queues', text: o.queuesText }) : null),
    h('td', { class: `board-table__num${o.full ? ' board-table__full' : ''}`, text: o.chats }))));
}

function draw(board) {
  drawQueues(board);
  drawOperators(board);
  const line = summary(board);
  if ($('summary').textContent !== line) $('summary').textContent = line;
  $('updated').textContent = t('staff.board.updated', { time: new Date(board.at).toLocaleTimeString(document.documentElement.lang) });
}

async function refresh() {
  clearTimeout(timer);
  const r = await apiRequest('/api/board');
  if (r.status === 401) {
    location.assign(signinUrl());
    return;
  }
  if (r.ok) {
    $('board-error').textContent = '';
    draw(r.data);
  } else if ($('board-error').textContent !== r.error.message) {
    $('board-error').textContent = r.error.message;
  }
  if (!document.hidden) timer = setTimeout(refresh, EVERY_MS);
}

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  $('who').textContent = session?.operator?.name || '';
  $('admin-link').hidden = !session?.operator?.admin;
  $('reports-link').hidden = !session?.operator?.admin;
  nameThisTab();
  wireStaffLinks();
  $('sign-out').addEventListener('click', () => signOut());
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
  await refresh();
}

main();
