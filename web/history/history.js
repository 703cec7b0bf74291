// history.js: the Chat History page (/staff/history). Start here.
//
// On load it checks the session (401 goes to sign-in and back), fills the
// queue and operator filters (GET /api/history/options) and lists the
// account's chats, newest first (GET /api/history). The list is a page at
// a time, walked with the server's cursor (history_model.js). Choosing a
// chat loads its events (GET /api/history/CHAT) into the same transcript
// model and view as the webclient's, so it reads exactly the same:
// snapshots hidden behind Show, files as links. A search's matches come
// back as text parts flagged `hit`, drawn as <mark> elements with
// textContent: nothing from a transcript is ever parsed as HTML.

import '../shared/early_session.js'; // first: see there
import { h, replaceChildren } from '../shared/dom.js';
import { notesList } from '../shared/staff_notes.js';
import { apiRequest, signinUrl, signOut, sessionOrSignIn } from '../shared/api.js';
import { Transcript } from '../shared/transcript_model.js';
import { TranscriptView } from '../shared/transcript_view.js';
import { cookieMedia } from '../shared/media.js';
import { openSharingTool } from '../share/open_share.js';
import { guestName } from '../operator/desk_model.js';
import { FollowupsView } from '../operator/followups.js';
import { nameThisTab, staffTabName, wireStaffLinks } from '../shared/staff_tabs.js';
import { canDelete, countsText, firstPage, formatDuration, historyQuery, liveDuration, newerPage, olderPage,
  statusLabel } from './history_model.js';
import { drawSurvey } from './survey_view.js';
import { t } from '../shared/i18n.js';

const $ = (id) => document.getElementById(id);
let me = null;
let pages = firstPage();
let filters = {};
let shown = null; // the chat record on the right
let shownAt = 0; // when it was loaded
// Durations of chats that still run tick: each element shown is kept with
// its record and the time the record was loaded.
const durations = new Map(); // element -> { chat, loadedAt }
const view = new TranscriptView($('log'), { perspective: 'operator', archive: true,
  media: cookieMedia(() => shown?.chat) });

/* ---------- the list ---------- */

function readFilters() {
  return { q: $('q').value, queue: $('f-queue').value, operator: $('f-operator').value,
    status: $('f-status').value, from: $('f-from').value, to: $('f-to').value };
}

async function loadList() {
  const status = $('results-status');
  status.textContent = t('staff.history.loading');
  const r = await apiRequest(`/api/history${historyQuery(filters, pages.cursors[pages.index])}`);
  if (!r.ok) {
    if (r.status === 401) return location.replace(signinUrl());
    status.textContent = r.error.message;
    return;
  }
  pages = { ...pages, next: r.data.next };
  drawList(r.data.chats, Date.now());
  const n = r.data.chats.length;
  const q = filters.q?.trim();
  status.textContent = n ? t(q ? 'staff.history.found_matching' : 'staff.history.found', { count: n, q })
    : t(q ? 'staff.history.none_matching' : 'staff.history.none', { q });
  $('newer').disabled = pages.index === 0;
  $('older').disabled = !pages.next;
  $('page-no').textContent = pages.index || pages.next ? t('staff.history.page', { n: pages.index + 1 }) : '';
}

/** A duration element for `chat`, kept up to date while the chat runs. */
function durationElement(chat, loadedAt) {
  const el = h('span', { class: 'history-duration', text: formatDuration(liveDuration(chat, loadedAt, Date.now())) });
  if (chat.status !== 'ended' && !chat.deleted_at) durations.set(el, { chat, loadedAt });
  return el;
}

function tickDurations() {
  const now = Date.now();
  for (const [el, { chat, loadedAt }] of durations) {
    if (!el.isConnected) durations.delete(el);
    else el.textContent = formatDuration(liveDuration(chat, loadedAt, now));
  }
}

function drawList(chats, loadedAt) {
  replaceChildren($('results'), chats.map((c) => {
    const selected = shown?.chat === c.chat;
    const started = new Date(c.started_at);
    return h('li', {},
      h('button', { type: 'button', class: `history-item${selected ? ' is-selected' : ''}`, 'data-chat': c.chat,
        'aria-current': selected ? 'true' : null, on: { click: () => openChat(c.chat) } },
        h('span', { class: 'history-item__top' },
          h('span', { class: 'history-item__name', text: guestName(c.name, c.label) }),
          h('span', { class: `history-status history-status--${c.deleted_at ? 'deleted' : c.status}`, text: statusLabel(c) })),
        h('span', { class: 'history-item__meta' },
          `${c.queue_title || c.queue} · ${c.operator ? c.operator.name : t('staff.history.nobody')} · `,
          h('time', { datetime: started.toISOString(), text: started.toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' }) }),
          ' · ', durationElement(c, loadedAt)),
        h('span', { class: 'history-item__counts', text: countsText(c) }),
        c.snippet ? snippetElement(c.snippet) : null));
  }));
}

/** The matched words of a search, marked; every part is plain text. */
function snippetElement(parts) {
  return h('span', { class: 'history-item__snippet' },
    parts.map((p) => (p.hit ? h('mark', { text: p.text }) : p.text)));
}

/* ---------- one chat ---------- */

async function openChat(chat) {
  const r = await apiRequest(`/api/history/${encodeURIComponent(chat)}`);
  if (!r.ok) {
    if (r.status === 401) return location.replace(signinUrl());
    $('results-status').textContent = r.error.message;
    return;
  }
  shown = r.data.chat;
  shownAt = Date.now();
  const transcript = new Transcript();
  transcript.setGuestLabel(shown.label);
  transcript.addEvents(r.data.events);
  drawChat(transcript);
  drawSurvey($('chat-survey'), r.data.survey);
  // Staff notes (PROTOCOL §3.10): for staff only, apart from the transcript.
  const notes = r.data.notes || [];
  $('history-notes').hidden = notes.length === 0;
  replaceChildren($('history-notes-list'), notesList(notes));
  for (const b of $('results').querySelectorAll('.history-item')) {
    const on = b.dataset.chat === chat;
    b.classList.toggle('is-selected', on);
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  const url = new URL(location.href);
  url.searchParams.set('chat', chat);
  history.replaceState(null, '', url);
}

function drawChat(transcript) {
  const c = shown;
  $('no-chat').hidden = true;
  $('chat-pane').hidden = false;
  const who = guestName(c.name, c.label);
  $('chat-title').textContent = who;
  const started = new Date(c.started_at).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' });
  replaceChildren($('chat-meta'), [c.queue_title || c.queue,
    c.operator ? t('staff.history.with', { name: c.operator.name }) : t('staff.history.not_accepted'),
    t('staff.chat.started', { time: started })].join(' · '), ' · ', durationElement(c, shownAt), ' · ', [statusLabel(c), countsText(c)].join(' · '));
  $('log').setAttribute('aria-label', t('staff.history.transcript_of', { name: who }));
  $('open-share').hidden = c.status !== 'active';
  $('delete').hidden = !canDelete(c, me?.admin);
  $('manage-link').href = c.manage_url;
  $('manage-link').target = staffTabName(c.manage_url) || '';
  $('manage-link').hidden = c.status === 'ended';
  const note = $('chat-note');
  note.hidden = !c.deleted_at;
  note.textContent = c.deleted_at
    ? t('staff.history.deleted_on', { date: new Date(c.deleted_at).toLocaleString(document.documentElement.lang) }) : '';
  // A whole transcript at once: drawn while out of the document, so the
  // page lays it out (and assistive technology reads it) once, not per message.
  const log = $('log');
  const place = log.nextSibling;
  log.remove();
  view.render(transcript);
  $('chat-pane').insertBefore(log, place);
  // A past conversation is read from its beginning.
  log.scrollTop = 0;
  view.stuck = false;
}

function download(kind) {
  if (!shown) return;
  const a = h('a', { href: `/api/history/${encodeURIComponent(shown.chat)}/transcript.${kind}` });
  a.download = `transcript-${shown.chat}.${kind}`;
  document.body.append(a);
  a.click();
  a.remove();
}

async function deleteTranscript() {
  const dialog = $('confirm-delete');
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'delete' || !shown) {
    $('delete').focus();
    return;
  }
  const chat = shown.chat;
  const r = await apiRequest(`/api/history/${encodeURIComponent(chat)}/delete`, { method: 'POST', body: {} });
  if (!r.ok) {
    $('chat-note').hidden = false;
    $('chat-note').textContent = t('staff.history.not_deleted', { reason: r.error.message });
    return;
  }
  await openChat(chat);
  await loadList();
  $('chat-title').focus?.();
}

/* ---------- start ---------- */

async function fillFilters() {
  const r = await apiRequest('/api/history/options');
  if (!r.ok) return;
  $('f-queue').append(...r.data.queues.map((q) => h('option', { value: q.name, text: q.title })));
  $('f-operator').append(...r.data.operators.map((o) => h('option', { value: String(o.id), text: o.name })));
}

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  me = session?.operator || null;
  $('who').textContent = me?.name || '';
  $('admin-link').hidden = !me?.admin;
  $('reports-link').hidden = !me?.admin;
  nameThisTab();
  wireStaffLinks();
  $('history').hidden = false;
  $('sign-out').addEventListener('click', () => signOut());

  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    filters = readFilters();
    pages = firstPage();
    loadList();
  });
  for (const id of ['f-queue', 'f-operator', 'f-status', 'f-from', 'f-to'])
    $(id).addEventListener('change', () => $('filters').requestSubmit());
  $('filters').addEventListener('reset', () => setTimeout(() => $('filters').requestSubmit()));
  $('older').addEventListener('click', () => { pages = olderPage(pages); loadList(); });
  $('newer').addEventListener('click', () => { pages = newerPage(pages); loadList(); });
  $('open-share').addEventListener('click', () => shown && openSharingTool(shown.chat));
  $('download').addEventListener('click', () => download('html'));
  $('download-text').addEventListener('click', () => download('txt'));
  $('delete').addEventListener('click', deleteTranscript);
  // Questions left out of hours, with the count waiting (followups.js, as in the webclient).
  new FollowupsView({
    panel: $('followups-panel'), count: $('followups-count'), summary: $('followups-summary'), open: $('followups-open'),
    dialog: $('followups-dialog'), list: $('followups-list'), close: $('followups-close'), note: $('followups-note'),
  }).load();

  setInterval(tickDurations, 1000);
  await fillFilters();
  filters = readFilters();
  await loadList();
  const wanted = new URLSearchParams(location.search).get('chat');
  if (wanted) await openChat(wanted);
}

main();
