// webclient.js: the operator's webclient (/staff). Start here for staff.
//
// On load it checks the session (GET /api/session; 401 goes to sign-in),
// then opens the WebSocket. The server's `hello` lists the operator's
// queues and chats; desk_model.js keeps that state and this file draws it:
// availability switches, ringing offers with Accept, the list of held chats
// with unread counts, and the selected chat's transcript and composer.
// Every change to the desk redraws the side panels (they are small); the
// transcript is updated incrementally by TranscriptView.
//
// Operators send pictures (pasted, dropped or Attach image, previewed
// first) and any file (Send file) over HTTP with the session cookie and the
// CSRF token (uploads.js); blobs are plain same-origin URLs for them
// (media.js). A guest's pictures stay hidden until the operator presses Show.
//
// Transfer: the chat's Transfer button opens the shared dialog
// (transfer_dialog.js); while the colleague is rung a line under the header
// says so, with Withdraw. A colleague's transfer to us rings among the
// offers with its note and the conversation so far, and Accept or Decline.
//
// Saved replies: "/" at the start of the message field opens the type-ahead
// (canned_picker.js) over the account's shared replies and the operator's
// own, which the "Saved replies" dialog manages (canned_editor.js).
//
// Staff notes (staff_notes.js) sit under the composer: words about the chat
// for colleagues, which the guest never receives. The staff room
// (staff_room.js) is a panel of the side column for the account's librarians.

import '../shared/early_session.js'; // first: see there
import { t, tNodes } from '../shared/i18n.js';
import { setUpLanguageSetting } from './language_setting.js';
import { RdSocket } from '../shared/rd_socket.js';
import { TranscriptView, TypingLine } from '../shared/transcript_view.js';
import { Composer } from '../shared/composer.js';
import { h, replaceChildren, formatTime } from '../shared/dom.js';
import { loadSession, signinUrl, signOut, csrf, sessionOrSignIn } from '../shared/api.js';
import { AttachUi } from '../shared/attach_ui.js';
import { Uploads } from '../shared/uploads.js';
import { cookieMedia } from '../shared/media.js';
import { itemSummary } from '../shared/attachments.js';
import { newId } from '../shared/text.js';
import { Desk, guestName, secondsLeft } from './desk_model.js';
import { Ringer } from './ringer.js';
import { openSharingTool } from '../share/open_share.js';
import { showManageLink } from '../history/manage_link.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { CannedPicker } from './canned_picker.js';
import { CannedEditor } from './canned_editor.js';
import { TransferDialog } from '../shared/transfer_dialog.js';
import { BlockDialog } from './block_dialog.js';
import { offerWarnings, refusalText, targetName } from '../shared/transfer_model.js';
import { noticeText, senderLabel } from '../shared/transcript_model.js';
import { FollowupsView } from './followups.js';
import { XmppPanel } from './xmpp_panel.js';
import { NotesBook } from '../shared/staff_model.js';
import { StaffNotesPanel } from '../shared/staff_notes.js';
import { StaffRoom } from './staff_room.js';

const $ = (id) => document.getElementById(id);
const desk = new Desk();
const ringer = new Ringer();
const socket = new RdSocket({ early: true });
const uploads = new Uploads({
  from: 'operator',
  credentials: () => ({ 'X-CSRF-Token': csrf() || '' }),
  onChange: () => {
    desk.changed();
    draw();
  },
});
const selectedTranscript = () => desk.chats.get(desk.selected)?.transcript;
const view = new TranscriptView($('log'), { perspective: 'operator', media: cookieMedia(() => shownChat),
  selfId: () => desk.me?.id ?? null,
  actions: { retry: (item) => uploads.retry(selectedTranscript(), item),
    discard: (item) => uploads.discard(selectedTranscript(), item) } });
const typingLine = new TypingLine($('typing'), 60000);
const takenTimers = new Map();
let leaving = false; // the page is being left on purpose (signed out): no warning
const composer = new Composer(
  { form: $('composer'), textarea: $('message'), counter: $('counter'), error: $('composer-error') },
  { onSend: sendMessage, onTyping: (active) => desk.selected && socket.post({ type: 'typing', chat: desk.selected, active }) },
);
let cannedList = [];
const cannedEditor = new CannedEditor($('canned-own'), { shared: false, onChange: (all) => { cannedList = all; } });
const picker = new CannedPicker($('message'), $('composer'), {
  replies: () => cannedList,
  context: () => {
    const rec = desk.chats.get(desk.selected);
    // Only a name the guest gave: their label ("Guest 7KQ2") is for staff, not for the patron to read.
    return { guest: rec?.name?.trim() ? rec.name : '', me: desk.me?.name || '',
      queue: rec ? desk.queueTitle(rec.queue) : '' };
  },
  // Shared replies an admin changed since the page loaded arrive on the next open.
  onOpen: () => cannedEditor.load().then(() => picker.update()),
});
const transferDialog = new TransferDialog({
  request: (msg) => socket.request(msg),
  onStarted: (reply) => {
    desk.transferStarted(reply.chat, reply.to, reply.expires_in);
    draw();
  },
});
const attach = new AttachUi(
  { textarea: $('message'), dropZone: $('chat-pane'), preview: $('attach-preview'), attachButton: $('attach'),
    attachInput: $('attach-input'), fileButton: $('send-file'), fileInput: $('file-input') },
  { onSendImage: (file, alt) => sendUpload('image', file, alt), onSendFile: (file) => sendUpload('file', file),
    showError: (text) => composer.showError(text) },
);

const notesBook = new NotesBook();
const notesPanel = new StaffNotesPanel($('staff-notes'), {
  send: (chat, text, id) => socket.request({ type: 'note.send', id, chat, text }, { retry: true }),
});
const staffRoom = new StaffRoom({
  toggle: $('staff-room-toggle'), count: $('staff-room-count'), body: $('staff-room-body'), log: $('staff-room-log'),
  empty: $('staff-room-empty'), form: $('staff-room-form'), input: $('staff-room-input'), error: $('staff-room-error'),
  keep: $('staff-room-keep'),
}, { send: (text, id) => socket.request({ type: 'room.send', id, text }, { retry: true }), onChange: () => drawTitle() });

/* ---------- drawing ---------- */

let drawn = -1;
function draw() {
  if (drawn === desk.version) return;
  drawn = desk.version;
  drawStatus();
  drawQueues();
  drawOffers();
  drawChatList();
  drawChat();
  drawTitle();
  ringer.update(desk.ringingCount() > 0);
}

function drawTitle() {
  const badge = desk.ringingCount() + desk.unreadCount() + staffRoom.unread;
  document.title = `${badge ? `(${badge}) ` : ''}${t('staff.document_title')}`;
}

function drawStatus() {
  const away = desk.status === 'away';
  $('status-available').checked = !away;
  $('status-away').checked = away;
}

/* Away by idle (PROTOCOL §3.5 status, reason idle): said where the radios are, and announced. */
function idleNotice(on) {
  $('status-idle').hidden = !on;
  $('status-idle').textContent = on
    ? t('staff.status.idle') : '';
}

/* Keys, clicks and focus here tell the server the operator is at the desk
 * (the `activity` message), at most twice a minute: the idle minutes count
 * from the last one. */
const ACTIVITY_EVERY_MS = 30000;
let activitySent = 0;
function reportActivity() {
  const now = Date.now();
  if (now - activitySent < ACTIVITY_EVERY_MS) return;
  activitySent = now;
  socket.post({ type: 'activity' });
}

async function setStatus(status) {
  try {
    const ok = await socket.request({ type: 'status.set', status });
    desk.setStatus(ok.status);
    idleNotice(false);
  } catch (err) {
    note(t('staff.status.not_changed', { reason: err.message || err.code }));
  }
  draw();
}

function drawQueues() {
  const items = [...desk.queues.values()].map((q) => {
    const input = h('input', { type: 'checkbox', checked: q.available, disabled: q.busy,
      on: { change: (e) => setAvailability(q.name, e.target.checked) } });
    return h('li', { class: 'queue-list__item' },
      h('label', { class: 'rd-switch queue-switch' }, input,
        h('span', {}, ...tNodes('staff.queue.available_on', { queue: h('strong', { text: q.title }) }))),
      h('span', { class: `queue-list__state${q.available ? ' is-on' : ''}`, 'aria-hidden': 'true',
        text: q.available ? t('staff.queue.on') : t('staff.queue.off') }));
  });
  replaceChildren($('queues'), items);
  $('queues-empty').hidden = desk.queues.size > 0;
}

function drawOffers() {
  const cards = [...desk.offers.values()].map(offerCard);
  // Keep focus on an Accept button that survives the redraw.
  const focusedChat = document.activeElement?.closest?.('[data-offer]')?.dataset.offer;
  const onBlock = document.activeElement?.classList?.contains('offer__block');
  replaceChildren($('offers'), cards);
  if (focusedChat) {
    const card = $('offers').querySelector(`[data-offer="${CSS.escape(focusedChat)}"]`);
    ((onBlock && card?.querySelector('.offer__block')) || card?.querySelector('.offer__accept') || card?.querySelector('button'))?.focus();
  }
  $('offers-empty').hidden = desk.offers.size > 0;
  const n = desk.ringingCount();
  $('offers-count').hidden = n === 0;
  $('offers-count').textContent = n ? String(n) : '';
}

function offerCard(offer) {
  if (offer.transfer) return transferCard(offer);
  const s = offer.summary;
  const who = guestName(s.name, s.label);
  const whoId = `offer-${s.chat}-who`;
  const lines = [
    h('p', { class: 'offer__who', id: whoId, text: who }),
    h('p', { class: 'offer__meta' }, desk.queueTitle(s.queue), ' · ',
      t('staff.offer.waiting_since', { time: s.started_at ? formatTime(s.started_at) : t('staff.offer.now') })),
  ];
  let action = null;
  if (offer.state === 'ringing' || offer.state === 'accepting') {
    // Nobody has to take an abusive chat to block it (PROTOCOL.md §2.14): same dialog, same warning.
    action = h('div', { class: 'offer__actions' },
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small offer__block', text: t('staff.block_guest'),
        disabled: offer.state === 'accepting', 'aria-describedby': whoId,
        on: { click: (e) => blockDialog.open(s.chat, e.currentTarget) } }),
      h('button', { type: 'button', class: 'rd-button offer__accept', text: t('staff.accept'),
        disabled: offer.state === 'accepting', 'aria-describedby': whoId,
        on: { click: () => accept(s.chat) } }));
    if (offer.message) lines.push(h('p', { class: 'offer__note', text: offer.message }));
  } else {
    const text = offer.state === 'gone' ? t('staff.offer.gone')
      : offer.state === 'limit' ? t('staff.offer.limit')
        : offer.message || t('staff.offer.taken_by', { name: offer.takenBy });
    lines.push(h('p', { class: 'offer__note', text }));
    action = h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small',
      text: t('staff.dismiss'), 'aria-describedby': whoId,
      on: { click: () => dismiss(s.chat) } });
  }
  return h('article', { class: `offer offer--${offer.state}${action?.classList.contains('offer__actions') ? ' offer--actions' : ''}`, 'data-offer': s.chat,
    'aria-label': t('staff.offer.label', { name: who }) },
    h('div', { class: 'offer__body' }, lines), action);
}

/** A colleague hands us a chat: who, why (the note), and what was said so far. */
function transferCard(offer) {
  const s = offer.summary;
  const tr = offer.transfer;
  const who = guestName(s.name, s.label);
  const whoId = `offer-${s.chat}-who`;
  const ringing = offer.state === 'ringing' || offer.state === 'accepting';
  const lines = [
    h('p', { class: 'offer__from', text: t('staff.transfer.from', { name: tr.from?.name || t('staff.note.a_colleague') }) }),
    h('p', { class: 'offer__who', id: whoId, text: who }),
    h('p', { class: 'offer__meta' }, tr.to?.queue ? t('staff.transfer.to', { name: targetName(tr.to) }) : t('staff.transfer.to_you'),
      ' · ', desk.queueTitle(s.queue), ' · ', t('staff.chat.started', { time: s.started_at ? formatTime(s.started_at) : t('staff.offer.now') })),
  ];
  if (ringing && tr.expiresAt) lines.push(countdown(tr.expiresAt, 'offer__left'));
  if (tr.note) lines.push(h('blockquote', { class: 'offer__quote', 'aria-label': t('staff.transfer.note_label') }, tr.note));
  if (ringing) for (const w of offerWarnings(tr)) lines.push(h('p', { class: 'offer__note', text: w }));
  if (offer.message) lines.push(h('p', { class: 'offer__note', text: offer.message }));
  const items = tr.transcript.items.slice(-20).map((item) => h('li', {},
    item.kind === 'notice' ? noticeText(item, 'operator', tr.transcript.guestLabel)
      : `${senderLabel(item, 'none', tr.transcript.guestLabel)}: ${item.kind === 'message' ? item.text : itemSummary(item)}`));
  lines.push(h('details', { class: 'offer__transcript' },
    h('summary', { text: t('staff.transfer.so_far', { count: tr.transcript.items.length }) }),
    h('ol', { 'aria-label': t('staff.chat.conversation_with', { name: who }) }, items)));
  const actions = ringing ? [
    h('button', { type: 'button', class: 'rd-button rd-button--quiet', text: t('staff.transfer.decline'), 'aria-describedby': whoId,
      disabled: offer.state === 'accepting', on: { click: () => declineTransfer(s.chat) } }),
    h('button', { type: 'button', class: 'rd-button offer__accept', text: t('staff.accept'), 'aria-describedby': whoId,
      disabled: offer.state === 'accepting', on: { click: () => acceptTransfer(s.chat) } }),
  ] : [h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.dismiss'),
    'aria-describedby': whoId, on: { click: () => dismiss(s.chat) } })];
  return h('article', { class: `offer offer--transfer offer--${offer.state}`, 'data-offer': s.chat,
    'aria-label': t('staff.transfer.card', { from: tr.from?.name || t('staff.note.a_colleague'), name: who }) },
    h('div', { class: 'offer__body' }, lines), h('div', { class: 'offer__actions' }, actions));
}

function drawChatList() {
  const items = [...desk.chats.values()].map((c) => {
    const selected = c.chat === desk.selected;
    const last = [...c.transcript.items].reverse().find((i) => i.kind !== 'notice');
    const who = guestName(c.name, c.label);
    const preview = c.guestTyping ? t('staff.chat.typing') : last ? itemSummary(last) : t('staff.chat.no_messages');
    return h('li', {},
      h('button', { type: 'button', class: `chat-tab${selected ? ' is-selected' : ''}${c.status === 'ended' ? ' is-ended' : ''}`,
        'aria-current': selected ? 'true' : null, 'data-chat': c.chat,
        on: { click: () => selectChat(c.chat) } },
        h('span', { class: 'chat-tab__top' },
          h('span', { class: 'chat-tab__name', text: who }),
          c.unread ? h('span', { class: 'count', text: String(c.unread),
            'aria-label': t('staff.room.unread', { count: c.unread }) }) : null,
          c.status === 'ended' ? h('span', { class: 'chat-tab__ended', text: t('staff.chat.ended') }) : null,
          c.status === 'transferred' ? h('span', { class: 'chat-tab__ended', text: t('staff.chat.transferred') }) : null),
        h('span', { class: 'chat-tab__preview', text: preview.slice(0, 80) })));
  });
  replaceChildren($('chat-list'), items);
  $('chats-empty').hidden = desk.chats.size > 0;
}

let shownChat = null;
function drawChat() {
  const rec = desk.selected ? desk.chats.get(desk.selected) : null;
  $('no-chat').hidden = Boolean(rec);
  $('chat-pane').hidden = !rec;
  if (!rec) {
    shownChat = null;
    drawEmptyPane();
    return;
  }
  if (shownChat !== rec.chat) {
    const previous = shownChat && desk.chats.get(shownChat);
    if (previous) previous.draft = $('message').value;
    attach.close();
    $('message').value = rec.draft || '';
    picker.close(); // its rows were for the other chat's field
    composer.updateCounter();
    shownChat = rec.chat;
    showManageLink($('manage-link'), rec.chat);
  }
  const who = guestName(rec.name, rec.label);
  $('chat-title').textContent = who;
  $('log').setAttribute('aria-label', t('staff.chat.conversation_with', { name: who }));
  const started = rec.startedAt ? ` · ${t('staff.chat.started', { time: formatTime(rec.startedAt) })}` : '';
  const after = rec.status === 'ended' ? ` · ${t('staff.chat.ended')}` : rec.status === 'transferred' ? ` · ${t('staff.chat.transferred')}` : '';
  $('chat-meta').textContent = `${desk.queueTitle(rec.queue)}${started}${after}`;
  // A chat handed to a colleague reads like an ended one here: no more writing.
  const ended = rec.status === 'ended' || rec.status === 'transferred';
  $('end-chat').hidden = ended;
  $('block-guest').hidden = ended;
  $('open-share').hidden = ended;
  $('transfer').hidden = ended;
  $('transfer').disabled = rec.transfer?.state === 'waiting';
  drawTransferLine(rec);
  $('close-chat').hidden = !ended;
  composer.setEnabled(!ended);
  attach.setEnabled(!ended);
  $('composer').hidden = ended;
  view.render(rec.transcript);
  typingLine.set(rec.guestTyping, who);
  notesPanel.setEnabled(!ended);
  notesPanel.show(rec.chat, notesBook.of(rec.chat));
}

/** The sender's line: waiting for the colleague (with Withdraw), or how it ended. */
function drawTransferLine(rec) {
  const line = $('transfer-status');
  const tr = rec.transfer;
  line.hidden = !tr;
  if (!tr) return;
  $('transfer-status-text').textContent = tr.text;
  const left = $('transfer-status-left');
  const ticking = tr.state === 'waiting' && Number.isFinite(tr.expiresAt);
  left.hidden = !ticking;
  if (ticking) left.dataset.expiresAt = String(tr.expiresAt);
  else delete left.dataset.expiresAt;
  tickCountdowns();
  $('transfer-withdraw').hidden = tr.state !== 'waiting';
  $('transfer-dismiss').hidden = tr.state === 'waiting' || rec.status === 'transferred';
}

/*
 * How long a transfer still waits ("48 s left"), on the sender's line and
 * the rung colleague's card. Quiet on purpose: it sits outside every live
 * region, so a screen reader reads it when asked, not every second.
 */
function countdown(expiresAt, cls) {
  const el = h('span', { class: `transfer-left ${cls}`, 'data-expires-at': String(expiresAt) });
  el.textContent = leftText(expiresAt);
  return el;
}

function leftText(expiresAt) {
  return t('staff.transfer.seconds_left', { count: secondsLeft(expiresAt) });
}

function tickCountdowns() {
  for (const el of document.querySelectorAll('[data-expires-at]')) {
    const text = leftText(Number(el.dataset.expiresAt));
    if (el.textContent !== text) el.textContent = text;
  }
}
setInterval(tickCountdowns, 1000);

function drawEmptyPane() {
  const on = [...desk.queues.values()].filter((q) => q.available).map((q) => q.title);
  const text = $('no-chat-text');
  if (desk.status === 'away') {
    $('no-chat-title').textContent = t('staff.empty.away.title');
    replaceChildren(text, ...tNodes('staff.empty.away.text', { available: h('strong', { text: t('staff.status.available') }) }));
  } else if (on.length) {
    $('no-chat-title').textContent = t('staff.empty.ready.title');
    replaceChildren(text, t('staff.empty.ready.text', { queues: on.join(', ') }));
  } else {
    $('no-chat-title').textContent = t('staff.empty.title');
    replaceChildren(text, ...tNodes('staff.empty.text', { available: h('strong', { text: t('staff.status.available') }) }));
  }
}

/* ---------- actions ---------- */

async function setAvailability(queue, available) {
  desk.setQueueBusy(queue, true);
  draw();
  try {
    const ok = await socket.request({ type: 'availability.set', queue, available });
    desk.setAvailability(ok.queue || queue, ok.available ?? available);
  } catch (err) {
    desk.setQueueBusy(queue, false);
    note(t('staff.queue.not_changed', { reason: err.message || err.code }));
  }
  draw();
}

async function accept(chat) {
  desk.accepting(chat);
  draw();
  try {
    await socket.request({ type: 'chat.accept', chat });
    desk.accepted(chat);
    draw();
    socket.follow(chat, { after: 0 }).catch(() => {});
    composer.focus();
  } catch (err) {
    desk.acceptFailed(chat, err.code, err.message);
    scheduleDismiss(chat);
  }
  draw();
}

async function acceptTransfer(chat) {
  desk.accepting(chat);
  draw();
  try {
    await socket.request({ type: 'transfer.accept', chat });
    desk.accepted(chat);
    draw();
    // The server sends the whole conversation; following makes a reconnect resume it.
    socket.follow(chat, { after: 0 }).catch(() => {});
    composer.focus();
  } catch (err) {
    desk.acceptFailed(chat, err.code === 'no_transfer' ? 'not_found' : err.code, err.message);
    scheduleDismiss(chat);
  }
  draw();
}

async function declineTransfer(chat) {
  try {
    await socket.request({ type: 'transfer.decline', chat });
    desk.dismissOffer(chat);
  } catch (err) {
    desk.acceptFailed(chat, err.code === 'no_transfer' ? 'not_found' : err.code, err.message);
    scheduleDismiss(chat);
  }
  draw();
  focusFirstOffer();
}

async function withdrawTransfer() {
  const chat = desk.selected;
  if (!chat) return;
  try {
    await socket.request({ type: 'transfer.cancel', chat });
    desk.transferWithdrawn(chat);
  } catch (err) {
    note(refusalText(err));
  }
  draw();
  $('transfer').focus();
}

function selectChat(chat) {
  desk.select(chat);
  draw();
  composer.focus();
}

function sendMessage(text) {
  const rec = desk.chats.get(desk.selected);
  if (!rec || rec.status === 'ended') return false;
  const cid = newId('o');
  rec.transcript.addPending({ cid, text, from: 'operator', operatorId: desk.me?.id ?? null, name: desk.me?.name || null });
  desk.changed();
  draw();
  socket.request({ type: 'msg.send', id: cid, chat: rec.chat, text }, { retry: true })
    .then((ack) => rec.transcript.ack(cid, ack.seq), (err) => rec.transcript.fail(cid, sendError(err)))
    .finally(() => {
      desk.changed();
      draw();
    });
  return true;
}

/** Send a picture ('image') or any file ('file') into the selected chat. */
function sendUpload(kind, file, alt = '') {
  const rec = desk.chats.get(desk.selected);
  if (!rec || rec.status === 'ended') return { ok: false, message: t('staff.transfer.has_ended') };
  const r = uploads.send(rec.transcript, rec.chat, { kind, file, alt, name: desk.me?.name || null,
    operatorId: desk.me?.id ?? null });
  desk.changed();
  draw();
  return r;
}

function sendError(err) {
  switch (err.code) {
    case 'not_holder': return t('staff.refusal.not_holder');
    case 'chat_ended': return t('staff.send.chat_ended');
    case 'chat_waiting': return t('staff.send.chat_waiting');
    case 'rate_limited': return t('staff.send.rate_limited');
    case 'too_long': return t('staff.send.too_long', { max: 4000 });
    default: return err.message || t('staff.try_again');
  }
}

// Block guest: the dialog warns, asks why and for how long; the server ends the chat.
const blockDialog = new BlockDialog({
  onBlocked: (b) => {
    if (desk.offers.has(b.chat) && !desk.chats.has(b.chat)) {
      // Blocked while it rang: the chat ended, so its card goes.
      desk.dismissOffer(b.chat);
      draw();
      note(t('staff.block.done', { hours: t('staff.block.hours_count', { count: b.hours }) }));
      focusFirstOffer();
      return;
    }
    const rec = desk.chats.get(b.chat);
    if (rec) rec.status = 'ended';
    desk.changed();
    draw();
    note(t('staff.block.done', { hours: t('staff.block.hours_count', { count: b.hours }) }));
    $('close-chat').focus();
  },
});

async function endChat() {
  const chat = desk.selected;
  if (!chat) return;
  $('end-chat').disabled = true;
  try {
    const ack = await socket.request({ type: 'chat.end', chat }, { retry: true });
    // The ack stands for our own `ended` notice; show it as the event would.
    desk.event(endedNotice(chat, ack.seq, 'operator'));
  } catch (err) {
    if (err.code !== 'chat_ended') note(t('staff.chat.not_ended', { reason: err.message || err.code }));
  }
  $('end-chat').disabled = false;
  const rec = desk.chats.get(chat);
  if (rec) rec.status = 'ended';
  desk.changed();
  draw();
  $('close-chat').focus();
}

function endedNotice(chat, seq, by) {
  return { type: 'event', chat, seq, kind: 'notice', notice: 'ended', by, at: Date.now() };
}

function closeChat() {
  const chat = desk.selected;
  if (!chat) return;
  socket.unfollow(chat);
  desk.closeChat(chat);
  draw();
  (document.querySelector('.chat-tab') || $('message')).focus();
}

/** Taken and gone cards stay a while so the operator can read them, then go. */
function scheduleDismiss(chat) {
  clearTimeout(takenTimers.get(chat));
  takenTimers.set(chat, setTimeout(() => {
    takenTimers.delete(chat);
    const offer = desk.offers.get(chat);
    if (offer && offer.state !== 'ringing' && offer.state !== 'accepting') {
      desk.dismissOffer(chat);
      draw();
    }
  }, 20000));
}

function dismiss(chat) {
  desk.dismissOffer(chat);
  draw();
  focusFirstOffer();
}

/** After a card goes: the next card's Accept (else its first button), else the panel's title. */
function focusFirstOffer() {
  (document.querySelector('.offer .offer__accept') || document.querySelector('.offer button') || $('offers-title')).focus?.();
}

function note(text) {
  $('alert-note').textContent = text;
}

/* ---------- server frames ---------- */

function onFrame(msg) {
  if (staffRoom.frame(msg)) {
    drawTitle();
    return;
  }
  const noted = notesBook.frame(msg);
  if (noted && noted === desk.selected) notesPanel.show(noted, notesBook.of(noted));
  switch (msg.type) {
    case 'hello':
      onHello(msg);
      break;
    case 'chat.offer':
      desk.addOffer(msg);
      ringer.notify(t('staff.notify.new_chat'), t('staff.notify.on_queue', { name: guestName(msg.name, msg.label), queue: desk.queueTitle(msg.queue) }));
      break;
    case 'chat.taken':
      desk.taken(msg.chat, msg.by);
      scheduleDismiss(msg.chat);
      break;
    case 'chat.gone':
      desk.gone(msg.chat, msg.reason);
      scheduleDismiss(msg.chat);
      break;
    case 'typing':
      desk.typing(msg);
      break;
    case 'status':
      desk.setStatus(msg.status);
      idleNotice(msg.status === 'away' && msg.reason === 'idle');
      break;
    case 'transfer.offer':
      desk.addTransferOffer(msg);
      ringer.notify(t('staff.transfer'), t('staff.notify.transfer', { name: msg.from?.name || t('staff.transfer.a_colleague') }));
      break;
    case 'transfer.update':
      desk.transferUpdate(msg);
      break;
    case 'transfer.gone':
      desk.transferGone(msg);
      scheduleDismiss(msg.chat);
      break;
    case 'transfer.returned':
      desk.transferReturned(msg);
      break;
    case 'transfer.done':
      desk.transferDone(msg);
      break;
    default:
      return;
  }
  draw();
}

function onHello(hello) {
  const held = desk.applyHello(hello);
  $('who').textContent = hello.operator.name;
  staffRoom.setMe(hello.operator.id);
  $('admin-link').hidden = !hello.operator.admin;
  $('reports-link').hidden = !hello.operator.admin;
  $('desk').hidden = false;
  for (const chat of held) socket.follow(chat, { after: 0 }).catch(() => {});
}

function onStatus(status) {
  const conn = $('conn');
  conn.dataset.state = status;
  conn.textContent = status === 'open' ? t('staff.conn.open')
    : status === 'stopped' ? t('staff.conn.stopped') : t('staff.conn.reconnecting');
}

/* ---------- start ---------- */

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  if (session) {
    $('who').textContent = session.operator.name;
    $('admin-link').hidden = !session.operator.admin;
    $('reports-link').hidden = !session.operator.admin;
  }

  // Chat History, the admin page and chat pages open in tabs of their own,
  // so looking something up never takes the operator off the desk.
  nameThisTab();
  wireStaffLinks();
  window.addEventListener('beforeunload', (e) => {
    if (leaving || !desk.hasWorkOpen()) return;
    e.preventDefault();
    e.returnValue = ''; // older browsers ask only when this is set
  });

  $('sign-out').addEventListener('click', () => {
    leaving = true;
    socket.stop();
    signOut();
  });
  $('end-chat').addEventListener('click', endChat);
  $('block-guest').addEventListener('click', () => desk.selected && blockDialog.open(desk.selected, $('block-guest')));
  // Pressing it again focuses the same window (it is named after the chat).
  $('open-share').addEventListener('click', () => desk.selected && openSharingTool(desk.selected));
  $('close-chat').addEventListener('click', closeChat);
  for (const radio of [$('status-available'), $('status-away')])
    radio.addEventListener('change', () => radio.checked && setStatus(radio.value));
  $('transfer').addEventListener('click', () => desk.selected && transferDialog.open(desk.selected, $('transfer')));
  $('transfer-withdraw').addEventListener('click', withdrawTransfer);
  $('transfer-dismiss').addEventListener('click', () => {
    desk.clearTransfer(desk.selected);
    draw();
    $('message').focus();
  });
  $('canned-manage').addEventListener('click', () => {
    $('canned-dialog').showModal();
    cannedEditor.load();
  });
  $('canned-close').addEventListener('click', () => $('canned-dialog').close());
  $('canned-dialog').addEventListener('close', () => $('canned-manage').focus());
  cannedEditor.load();
  new FollowupsView({
    panel: $('followups-panel'), count: $('followups-count'), summary: $('followups-summary'), open: $('followups-open'),
    dialog: $('followups-dialog'), list: $('followups-list'), close: $('followups-close'), note: $('followups-note'),
  }).load();
  // Beside the name: this operator takes chats in an XMPP client right now.
  new XmppPanel($('xmpp-panel'), (s) => { $('via-xmpp').hidden = !(s?.enabled && s.online); }).load();

  const sound = $('alert-sound');
  const desktop = $('alert-desktop');
  sound.checked = ringer.sound;
  desktop.checked = ringer.desktop;
  sound.addEventListener('change', () => {
    ringer.setSound(sound.checked);
    draw();
  });
  desktop.addEventListener('change', async () => {
    note(await ringer.setDesktop(desktop.checked));
    desktop.checked = ringer.desktop;
  });

  window.addEventListener('focus', () => { desk.setFocused(true); draw(); });
  for (const type of ['keydown', 'pointerdown', 'focus'])
    window.addEventListener(type, reportActivity, { capture: true, passive: true });
  window.addEventListener('blur', () => desk.setFocused(false));
  window.addEventListener('online', () => socket.retryNow());
  desk.setFocused(document.hasFocus());

  socket.on('status', onStatus);
  socket.on('frame', onFrame);
  socket.on('joined', (reply) => { desk.joined(reply); draw(); });
  socket.on('event', (ev) => {
    const rec = desk.event(ev);
    if (rec) uploads.sweep(rec.transcript);
    draw();
  });
  socket.on('close', (code) => {
    if (code !== 4001) return;
    leaving = true; // signed out elsewhere: nothing here is the operator's any more
    location.replace(signinUrl());
  });
  // After a reconnect, make sure the session survived (a restarted server
  // may have forgotten it); without one the socket would be a guest's.
  let connectedOnce = false;
  socket.on('open', async () => {
    if (connectedOnce && (await loadSession().catch(() => undefined)) === null) {
      leaving = true;
      location.replace(signinUrl());
    }
    connectedOnce = true;
  });
  socket.start();
  setUpLanguageSetting($('staff-language'));
}

main();
