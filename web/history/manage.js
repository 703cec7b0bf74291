// manage.js: the chat management page (/staff/chat/CHAT/TOKEN), the one
// link per chat that operators on desktop chat clients follow. Start here.
//
// The server has already checked the session, the account, the link's
// token and its grace period before sending this page. The page shows the
// chat (GET /api/history/CHAT) and its buttons; Accept and End chat are the
// webclient's own WebSocket operations (chat.accept, chat.end), so they
// follow the same rules (only operators available on the queue may accept;
// only the holder may end). The socket follows the chat, so a change made
// elsewhere (accepted by someone else, ended by the guest) shows here too.
// Transfer opens the staff pages' shared dialog. It is shown to the holder,
// and to an admin only while the holder is gone — which the server says by
// listing the admin (`self`) in `transfer.targets`, asked again every few
// seconds while that could change; the admin may then move the chat or take it.
// Staff notes (staff_notes.js): the chat's notes come with the follow, and
// any colleague may add one while the chat waits or runs.

import '../shared/early_session.js'; // first: see there
import { RdSocket } from '../shared/rd_socket.js';
import { reportActivityOver } from '../shared/activity.js';
import { apiRequest, signinUrl, sessionOrSignIn } from '../shared/api.js';
import { openSharingTool } from '../share/open_share.js';
import { guestName } from '../operator/desk_model.js';
import { statusLabel } from './history_model.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { TransferDialog } from '../shared/transfer_dialog.js';
import { doneText, returnedText, startedText } from '../shared/transfer_model.js';
import { NotesBook } from '../shared/staff_model.js';
import { StaffNotesPanel } from '../shared/staff_notes.js';
import { t } from '../shared/i18n.js';

const $ = (id) => document.getElementById(id);
const chat = decodeURIComponent(location.pathname.split('/')[3] || '');
const socket = new RdSocket();
let me = null;
let record = null;
let mayMove = false; // an admin, and the holder is gone: transfer.targets lists us as `self`
const transferDialog = new TransferDialog({ request: (msg) => socket.request(msg),
  onStarted: (reply) => {
    note(startedText(reply));
    if (!reply.to) load(); // taken at once: we hold it now
  } });
const notesBook = new NotesBook();
const notesPanel = new StaffNotesPanel($('staff-notes'), {
  send: (id, text, cid) => socket.request({ type: 'note.send', id: cid, chat: id, text }, { retry: true }),
});

async function load() {
  const r = await apiRequest(`/api/history/${encodeURIComponent(chat)}`);
  if (!r.ok) {
    if (r.status === 401) return location.replace(signinUrl());
    return note(r.error.message);
  }
  record = r.data.chat;
  notesBook.of(chat).add(r.data.notes || []);
  draw();
  checkMayMove();
}

function draw() {
  const c = record;
  const who = guestName(c.name, c.label);
  document.title = t('staff.manage.document_title', { name: who });
  $('title').textContent = t('staff.manage.title', { name: who });
  $('queue').textContent = c.queue_title || c.queue;
  $('guest').textContent = c.name || t('staff.manage.no_name', { label: c.label || t('staff.history.guest') });
  $('started').textContent = new Date(c.started_at).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' });
  $('status').textContent = statusLabel(c);
  $('holder').textContent = c.operator ? (c.operator.id === me?.id ? t('staff.room.you', { name: c.operator.name }) : c.operator.name) : t('staff.manage.nobody');
  $('accept').hidden = c.status !== 'waiting';
  $('open-share').hidden = c.status !== 'active';
  $('end-chat').hidden = c.status !== 'active'; // a waiting chat has nobody to end it yet
  $('transfer').hidden = !mayTransfer(c);
  $('history-link').href = `/staff/history?chat=${encodeURIComponent(c.chat)}`;
  notesPanel.setEnabled(c.status !== 'ended');
  notesPanel.show(chat, notesBook.of(chat));
}

function holds(c) {
  return Boolean(c?.operator && me && c.operator.id === me.id);
}

function mayTransfer(c) {
  return c?.status === 'active' && (holds(c) || mayMove);
}

/*
 * Whether this admin may move a chat they do not hold: only while its holder
 * is gone. The server alone knows who is connected, so ask it (quietly:
 * a refusal just means no).
 */
async function checkMayMove() {
  const c = record;
  let may = false;
  if (c?.status === 'active' && me?.admin && !holds(c)) {
    try {
      const targets = await socket.request({ type: 'transfer.targets', chat });
      may = (targets.operators || []).some((o) => o.self);
    } catch {
      may = false;
    }
  }
  if (may !== mayMove) {
    mayMove = may;
    if (record) draw();
  }
}

function note(text) {
  $('note').hidden = !text;
  $('note').textContent = text || '';
}

const REASONS = ['not_offered', 'not_holder', 'chat_ended', 'offline'];

async function run(button, msg, done) {
  button.disabled = true;
  note('');
  try {
    await socket.request(msg, { retry: msg.type === 'chat.end' });
    note(done);
  } catch (err) {
    note(REASONS.includes(err.code) ? t(`staff.manage.refusal.${err.code}`) : err.message || err.code);
  }
  button.disabled = false;
  await load();
}

function download() {
  const a = document.createElement('a');
  a.href = `/api/history/${encodeURIComponent(chat)}/transcript.html`;
  a.download = `transcript-${chat}.html`;
  document.body.append(a);
  a.click();
  a.remove();
}

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  me = session?.operator || null;
  $('who').textContent = me?.name || '';
  nameThisTab();
  wireStaffLinks();
  $('accept').addEventListener('click', () => run($('accept'), { type: 'chat.accept', chat }, t('staff.manage.accepted')));
  $('end-chat').addEventListener('click', () => run($('end-chat'), { type: 'chat.end', chat }, t('staff.transfer.has_ended')));
  $('open-share').addEventListener('click', () => openSharingTool(chat));
  $('transfer').addEventListener('click', () => transferDialog.open(chat, $('transfer')));
  $('download').addEventListener('click', download);

  socket.on('status', (status) => {
    $('conn').dataset.state = status;
    $('conn').textContent = status === 'open' ? t('staff.conn.open') : status === 'stopped' ? t('staff.conn.stopped') : t('staff.conn.reconnecting');
  });
  // Joins, ends and acceptances made elsewhere show here too.
  socket.on('event', (ev) => { if (ev.chat === chat && ev.kind === 'notice') load(); });
  socket.on('frame', (f) => {
    if (f.chat !== chat) return;
    if (notesBook.frame(f)) notesPanel.show(chat, notesBook.of(chat));
    if (f.type === 'transfer.returned') note(returnedText(f));
    if (f.type === 'transfer.done') note(doneText(f));
    if (['chat.taken', 'chat.gone', 'transfer.returned', 'transfer.done'].includes(f.type)) load();
  });
  socket.on('close', (code) => { if (code === 4001) location.replace(signinUrl()); });
  socket.on('status', (status) => { if (status === 'open') checkMayMove(); });
  // A holder's page closing sends this page nothing: look again now and then.
  if (me?.admin) setInterval(() => { if (record?.status === 'active' && !holds(record)) checkMayMove(); }, 5000);
  await load();
  reportActivityOver(socket);
  socket.start();
  socket.follow(chat).catch(() => {});
}

main();
