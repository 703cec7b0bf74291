// main.js: the sharing tool window (/staff/share/CHAT). Start here.
//
// The window belongs to one chat. On load it checks the session (401 goes
// to sign-in), opens its own WebSocket and follows the chat with
// `chat.join` (history first, then live events), so the conversation on the
// right stays in step with the webclient's. The editor on the left
// (editor_view.js over the pure editor_model.js) takes an image from Upload
// image, a paste, a drop or a snapshot of the chat (Edit); an edited
// snapshot opens again with its objects, over the image it was made from.
//
// While the guest's screen plays, it takes the editor's place (the work area
// at its largest; the conversation stays beside it). Take snapshot brings
// the editor back with the frame in it; Back to live screen returns.
//
// Send to guest uploads the editor document (kind `annotation`), then the
// flattened PNG (kind `image`) naming its parent snapshot and the document,
// with the Description as alt text; Save to disk downloads the same PNG.
//
// Save as canned snapshot keeps the same PNG and document for the account
// (kind `canned`); Canned snapshots lists them to send one as it is
// (canned_snaps.js).
//
// Transfer (beside the conversation's title) opens the staff pages' shared
// dialog; how the transfer goes is said under the title. Once a colleague
// takes the chat, this window can read it but no longer write.
//
// Staff notes for colleagues sit under the composer (staff_notes.js); they
// come with the follow and live, and the guest never receives them.

import '../shared/early_session.js'; // first: see there
import { RdSocket } from '../shared/rd_socket.js';
import { reportActivityOver } from '../shared/activity.js';
import { signinUrl, sessionOrSignIn } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { COLORS, WIDTHS, defaultAlt, exportFileName, newDocument, parseDocument } from './editor_model.js';
import { EditorView } from './editor_view.js';
import { Conversation } from './conversation.js';
import { postUpload, uploadFailure } from './share_upload.js';
import { ScreenView, arrowTo } from './screen_view.js';
import { TransferDialog } from '../shared/transfer_dialog.js';
import { CannedSnaps } from './canned_snaps.js';
import { cannedFailure } from './canned_snaps_model.js';
import { doneText, expiryOf, returnedText, secondsLeft, startedText } from '../shared/transfer_model.js';
import { NotesBook } from '../shared/staff_model.js';
import { StaffNotesPanel } from '../shared/staff_notes.js';
import { t } from '../shared/i18n.js';

const $ = (id) => document.getElementById(id);
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const MAX_IMAGE_BYTES = 15 * 1024 * 1024;

const chat = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() || '');
const socket = new RdSocket({ early: true });
let me = null;
let altDirty = false;
let lastSelected = null;
let sending = false;
// The picture under the current document, and for documents sent from a
// local picture (no blob of the chat to name as parent) that picture by the
// document's blob, so Edit on what was sent can bring the objects back here.
let currentImage = null;
const localOriginals = new Map();

const view = new EditorView({ toolbar: $('toolbar'), stage: $('stage'), canvas: $('canvas'), empty: $('empty'),
  status: $('editor-status') }, { onChange: editorChanged });
const conversation = new Conversation({ log: $('log'), typing: $('typing'), form: $('composer'),
  textarea: $('message'), counter: $('counter'), error: $('composer-error'), fileButton: $('send-file'),
  fileInput: $('file-input') }, { chat, socket, me: () => me, onEdit: openSnapshot });

let inviteText = null; // the queue's invitation wording, from the join

const canned = new CannedSnaps({ toggle: $('canned-toggle'), panel: $('canned-panel'), close: $('canned-close'),
  list: $('canned-list'), empty: $('canned-empty'), status: $('canned-status'), saveButton: $('save-canned'),
  form: $('canned-save-form'), name: $('canned-name'), cancel: $('canned-save-cancel'), error: $('canned-save-error') },
{ chat, isEnded: () => conversation.ended, onSave: saveCanned });

const transferDialog = new TransferDialog({ request: (msg) => socket.request(msg),
  // Without `to`, an admin took the chat themself: nothing waits.
  onStarted: (reply) => showTransfer(startedText(reply), Boolean(reply.to), reply.expires_in) });

const notesBook = new NotesBook();
const notesPanel = new StaffNotesPanel($('staff-notes'), {
  send: (id, text, cid) => socket.request({ type: 'note.send', id: cid, chat: id, text }, { retry: true }),
});
function drawNotes() {
  notesPanel.setEnabled(!conversation.ended);
  notesPanel.show(chat, notesBook.of(chat));
}

/**
 * The line under the conversation's title about a transfer; `waiting`
 * disables Transfer, and shows the time left for `expiresIn` ms — quietly,
 * outside the line's live region, so it is not read out every second.
 */
let transferEnds = null;
function showTransfer(text, waiting = false, expiresIn = null) {
  $('transfer-status').hidden = !text;
  $('transfer-status-text').textContent = text || '';
  $('transfer').disabled = waiting;
  transferEnds = waiting ? expiryOf(expiresIn) : null;
  tickTransfer();
}

function tickTransfer() {
  const s = secondsLeft(transferEnds);
  $('transfer-left').hidden = s === null;
  const text = s === null ? '' : t('staff.transfer.seconds_left', { count: s });
  if ($('transfer-left').textContent !== text) $('transfer-left').textContent = text;
}
setInterval(tickTransfer, 1000);

/** A transfer frame about this chat, from the server (PROTOCOL.md §3.9). */
function onTransferFrame(msg) {
  if (msg.type === 'transfer.returned') {
    showTransfer(returnedText(msg));
    if (msg.requeued) handedOn();
  } else if (msg.type === 'transfer.done') {
    showTransfer(doneText(msg));
    handedOn();
  }
}

/** The chat is no longer this operator's: read only from now on. */
function handedOn() {
  conversation.setEnded(true);
  screen.setEnded(true);
  $('transfer').hidden = true;
  editorChanged();
}

const screen = new ScreenView({ inviteButton: $('invite-share'), form: $('invite-form'), text: $('invite-text'),
  cancel: $('invite-cancel'), status: $('share-status'), panel: $('screen'), frame: $('screen-frame'),
  video: $('screen-video'), stats: $('screen-stats'), snapshot: $('take-snapshot'), stop: $('stop-share'),
  fit: $('screen-fit'), actual: $('screen-actual'), full: $('screen-full') },
{ socket, chat, inviteText: () => inviteText, onSnapshot: openScreenFrame,
  onLive: (live) => setView(live ? 'screen' : 'editor') });

/**
 * 'screen': the live screen has the work area and the editor steps aside;
 * 'editor': the editor (with a Back to live screen button while one plays).
 */
function setView(view, { focus = false } = {}) {
  const v = screen.live ? view : 'editor';
  $('share').dataset.view = v;
  $('show-screen').hidden = !(screen.live && v === 'editor');
  $('stop-share-editor').hidden = $('show-screen').hidden;
  if (focus) (v === 'screen' ? $('screen-video') : $('stage')).focus();
}

/** A frame of the guest's screen: into the editor, with an arrow where the operator clicked. */
async function openScreenFrame(blob, point) {
  const bitmap = await createImageBitmap(blob);
  const doc = newDocument({ width: bitmap.width, height: bitmap.height, name: 'screen.png' });
  doc.image.source = t('staff.share.source_screen');
  bitmap.close();
  await openImage(blob, doc);
  if (point) {
    const a = arrowTo(point, doc.image.width, doc.image.height);
    view.change((m) => m.add({ type: 'arrow', ...a, color: view.style.color, width: Math.max(view.style.width, 6) }));
    view.say(t('staff.share.snap_taken'));
  } else {
    view.say(t('staff.share.snap_in_editor'));
  }
}

/* ---------- the editor's surroundings ---------- */

function editorChanged() {
  const m = view.model;
  $('stage-summary').textContent = view.summary();
  $('zoom-label').textContent = `${view.zoomPercent()}%`;
  $('remove-crop').hidden = !m?.doc.crop;
  $('save').disabled = !m;
  $('save-canned').disabled = !m || conversation.ended;
  $('send-image').disabled = !m || conversation.ended || sending;
  if (m && !altDirty) $('alt').value = defaultAlt(m.doc, { source: m.doc.image.source || 'Snapshot' });
  if (m && String(m.doc.stepStart) !== $('step-start').value && document.activeElement !== $('step-start'))
    $('step-start').value = String(m.doc.stepStart);
  // Show the selected object's colour and width in the choices.
  const sel = m?.selectedObject();
  if (sel && sel.id !== lastSelected) {
    if (sel.color && COLORS.some((c) => c.value === sel.color)) $('color').value = sel.color;
    if (sel.width && WIDTHS.some((w) => w.value === sel.width)) $('width').value = String(sel.width);
  }
  lastSelected = sel ? sel.id : null;
}

function buildChoices() {
  for (const c of COLORS) $('color').append(h('option', { value: c.value, text: c.name }));
  for (const w of WIDTHS) $('width').append(h('option', { value: String(w.value), text: w.name }));
  $('color').value = view.style.color;
  $('width').value = String(view.style.width);
  $('color').addEventListener('change', () => view.setStyle({ color: $('color').value }));
  $('width').addEventListener('change', () => view.setStyle({ width: Number($('width').value) }));
  $('redact-mode').addEventListener('change', () => {
    view.style.redactMode = $('redact-mode').value;
    const sel = view.model?.selectedObject();
    if (sel?.type === 'redact') view.change((m) => m.update(sel.id, { mode: $('redact-mode').value }, { label: t('staff.share.change_redaction') }));
  });
  $('step-start').addEventListener('change', () => {
    const n = Number($('step-start').value);
    if (Number.isFinite(n) && view.model) view.change((m) => m.setStepStart(n));
  });
  $('remove-crop').addEventListener('click', () => {
    view.setCrop(null);
    $('stage').focus();
  });
  $('alt').addEventListener('input', () => { altDirty = true; });
}

function note(text) {
  $('send-note').textContent = text;
}

/* ---------- getting an image in ---------- */

/** Edit `doc` over the image in `blob`. */
async function openImage(blob, doc) {
  const bitmap = await createImageBitmap(blob);
  if (!doc) doc = newDocument({ width: bitmap.width, height: bitmap.height });
  if (doc.image.width !== bitmap.width || doc.image.height !== bitmap.height) {
    doc.image.width = bitmap.width;
    doc.image.height = bitmap.height;
  }
  altDirty = false;
  lastSelected = null;
  currentImage = blob;
  // A picture to edit brings the editor forward, even over a live screen.
  setView('editor');
  view.load(doc, bitmap);
  $('step-start').value = String(doc.stepStart);
  note('');
  $('stage').focus();
}

/** A picked, pasted or dropped image file. */
async function openFile(file) {
  if (!IMAGE_TYPES.includes(file.type)) {
    note(t('staff.share.only_pictures'));
    return;
  }
  if (file.size > MAX_IMAGE_BYTES) {
    note(t('staff.share.too_big'));
    return;
  }
  try {
    const bitmap = await createImageBitmap(file);
    const doc = newDocument({ width: bitmap.width, height: bitmap.height, name: file.name || null });
    doc.image.source = 'Image';
    bitmap.close();
    await openImage(file, doc);
  } catch {
    note(t('staff.share.unreadable'));
  }
}

async function fetchBlob(hash) {
  const res = await fetch(`/api/chats/${encodeURIComponent(chat)}/blobs/${encodeURIComponent(hash)}`,
    { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`blob ${res.status}`);
  return res.blob();
}

/**
 * Open a snapshot event: an edited one (with `annotation` and `parent`)
 * comes back as its objects over the original; any other as a new
 * document over the snapshot itself.
 */
async function openSnapshot(ev) {
  note(t('staff.share.opening'));
  try {
    const original = ev.parent || localOriginals.get(ev.annotation);
    if (ev.annotation && original) {
      try {
        const doc = parseDocument(await (await fetchBlob(ev.annotation)).text());
        doc.image.blob = ev.parent || null;
        doc.image.source = ev.parent ? 'Snapshot' : 'Image';
        await openImage(ev.parent ? await fetchBlob(ev.parent) : original, doc);
        // The description written for it (its step legend) comes back too.
        if (ev.alt) {
          $('alt').value = ev.alt;
          altDirty = true;
        }
        view.say(t('staff.share.opened_marks', { name: ev.file_name || t('staff.share.the_snapshot'), count: doc.objects.length }));
        return;
      } catch {
        // The document is unreadable: fall back to the picture as sent.
      }
    }
    const doc = newDocument({ blob: ev.blob, width: ev.width, height: ev.height, name: ev.file_name || null });
    doc.image.source = ev.from === 'guest' ? t('staff.share.source_guest') : t('staff.share.snapshot');
    await openImage(await fetchBlob(ev.blob), doc);
    view.say(t('staff.share.opened', { name: ev.file_name || t('staff.share.the_snapshot') }));
  } catch {
    note(t('staff.share.not_opened'));
  }
}

function imageIn(transfer) {
  for (const f of transfer?.files || []) if (IMAGE_TYPES.includes(f.type)) return f;
  for (const item of transfer?.items || []) {
    if (item.kind === 'file' && IMAGE_TYPES.includes(item.type)) return item.getAsFile();
  }
  return null;
}

function bindIntake() {
  $('upload-image').addEventListener('click', () => $('image-input').click());
  $('image-input').addEventListener('change', () => {
    const file = $('image-input').files?.[0];
    $('image-input').value = '';
    if (file) openFile(file);
  });
  document.addEventListener('paste', (e) => {
    const file = imageIn(e.clipboardData);
    if (!file) return;
    e.preventDefault();
    openFile(file);
  });
  const zone = document.querySelector('.editor');
  zone.addEventListener('dragover', (e) => {
    if (![...(e.dataTransfer?.types || [])].includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('is-dropping');
  });
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(e.relatedTarget)) zone.classList.remove('is-dropping');
  });
  zone.addEventListener('drop', (e) => {
    zone.classList.remove('is-dropping');
    if (![...(e.dataTransfer?.types || [])].includes('Files')) return;
    e.preventDefault();
    const file = imageIn(e.dataTransfer) || e.dataTransfer.files[0];
    if (file) openFile(file);
  });
}

/* ---------- sending and saving ---------- */

async function sendToGuest() {
  if (!view.model || sending) return;
  const doc = view.model.doc;
  sending = true;
  editorChanged();
  note(t('staff.share.sending'));
  try {
    const png = await view.exportPng();
    const body = new Blob([view.model.serialize()], { type: 'application/json' });
    const a = await postUpload(chat, body, { 'X-Upload-Kind': 'annotation', 'Content-Type': 'application/json' });
    if (!a.ok) {
      note(t('staff.room.not_sent', { reason: uploadFailure(a.status, a.error?.code).text }));
      return;
    }
    if (!doc.image.blob && currentImage) localOriginals.set(a.data.blob, currentImage);
    const alt = $('alt').value.trim();
    const headers = { 'Content-Type': 'image/png', 'X-Annotation': a.data.blob };
    if (doc.image.blob) headers['X-Parent'] = doc.image.blob;
    if (alt) headers['X-Alt'] = encodeURIComponent(alt.slice(0, 1000));
    const r = await conversation.sendBlob('image', png, { fileName: exportFileName(), headers, alt });
    note(r.ok ? t('staff.share.sent') : t('staff.room.not_sent', { reason: uploadFailure(r.status, r.error?.code).text }));
  } finally {
    sending = false;
    editorChanged();
  }
}

/**
 * Keep the editor's image, its document and description as the account's
 * canned snapshot `name`: the document first (a blob of this chat), then
 * the flattened PNG naming it.  Resolves to { ok, text }.
 */
async function saveCanned(name) {
  if (!view.model) return { ok: false, text: t('staff.share.open_first') };
  const png = await view.exportPng();
  const body = new Blob([view.model.serialize()], { type: 'application/json' });
  const a = await postUpload(chat, body, { 'X-Upload-Kind': 'annotation', 'Content-Type': 'application/json' });
  if (!a.ok) return { ok: false, text: t('staff.share.not_saved', { reason: uploadFailure(a.status, a.error?.code).text }) };
  const headers = { 'X-Upload-Kind': 'canned', 'Content-Type': 'image/png', 'X-Annotation': a.data.blob,
    'X-Canned-Name': encodeURIComponent(name), 'X-File-Name': encodeURIComponent(exportFileName()) };
  const alt = $('alt').value.trim();
  if (alt) headers['X-Alt'] = encodeURIComponent(alt.slice(0, 1000));
  const r = await postUpload(chat, png, headers);
  if (r.ok) return { ok: true, text: '' };
  const code = r.error?.code;
  return { ok: false, text: t('staff.share.not_saved', { reason: ['too_many', 'bad_request'].includes(code) ? cannedFailure(r.status, code) : uploadFailure(r.status, code).text }) };
}

async function saveToDisk() {
  if (!view.model) return;
  const png = await view.exportPng();
  const url = URL.createObjectURL(png);
  const a = h('a', { href: url, download: exportFileName() });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  note(t('staff.share.saved_downloads'));
}

/* ---------- keyboard ---------- */

function isEditable(el) {
  return Boolean(el?.closest?.('input, textarea, select, [contenteditable="true"]'));
}

function onKey(e) {
  if (e.defaultPrevented || isEditable(e.target)) return;
  if (e.target.closest?.('.conv')) return;
  if (e.target.closest?.('button, a') && (e.key === 'Enter' || e.key === ' ')) return;
  if (view.handleKey(e)) e.preventDefault();
}

/* ---------- the socket ---------- */

function onStatus(status) {
  const conn = $('conn');
  conn.dataset.state = status;
  conn.textContent = status === 'open' ? t('staff.conn.open') : status === 'stopped' ? t('staff.conn.stopped') : t('staff.conn.reconnecting');
}

function showProblem(title, text) {
  $('share').hidden = true;
  $('problem').hidden = false;
  $('problem-title').textContent = title;
  $('problem-text').textContent = text;
}

function joined(ok) {
  conversation.guestName = ok.name || ok.label || null;
  conversation.transcript.setGuestLabel(ok.label);
  conversation.render();
  const who = ok.name || ok.label || t('staff.share.a_guest');
  $('chat-label').textContent = t('staff.manage.title', { name: who });
  document.title = t('staff.share.document_title', { name: who });
  $('log').setAttribute('aria-label', t('staff.chat.conversation_with', { name: who }));
  const status = ['waiting', 'active', 'ended'].includes(ok.status) ? t(`staff.share.status.${ok.status}`) : ok.status;
  $('conv-meta').textContent = `${who} · ${status}${ok.operator ? ` · ${t('staff.history.with', { name: ok.operator.name })}` : ''}`;
  if (ok.status === 'ended') conversation.setEnded(true);
  inviteText = ok.share_invite || null;
  screen.setEnded(ok.status !== 'active');
  $('transfer').hidden = ok.status !== 'active';
  $('share').hidden = false;
  editorChanged();
}

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  me = session?.operator || null;
  $('who').textContent = me?.name || '';
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(chat)) {
    showProblem(t('staff.share.this_chat_cannot_be'), t('staff.share.no_chat'));
    socket.takeEarly()?.ws.close(1000); // no desk here: the early socket goes
    return;
  }
  buildChoices();
  bindIntake();
  $('send-image').addEventListener('click', sendToGuest);
  $('show-screen').addEventListener('click', () => setView('screen', { focus: true }));
  $('show-editor').addEventListener('click', () => setView('editor', { focus: true }));
  $('stop-share-editor').addEventListener('click', () => {
    screen.stop();
    $('stage').focus();
  });
  $('save').addEventListener('click', saveToDisk);
  $('transfer').addEventListener('click', () => transferDialog.open(chat, $('transfer')));
  document.addEventListener('keydown', onKey);
  window.addEventListener('online', () => socket.retryNow());
  reportActivityOver(socket);

  socket.on('status', onStatus);
  socket.on('event', (ev) => {
    if (ev.chat !== chat) return;
    conversation.addEvent(ev);
    if (ev.kind === 'share') screen.onEvent(ev);
    if (ev.kind === 'notice' && ev.notice === 'joined') screen.setEnded(false);
    if (ev.kind === 'notice' && ev.notice === 'ended') {
      screen.setEnded(true);
      drawNotes();
      $('transfer').hidden = true;
      editorChanged();
    }
  });
  socket.on('frame', (msg) => {
    if (msg.type === 'share.offer' || msg.type === 'share.ice') screen.onFrame(msg);
    if (msg.type === 'hello') me = msg.operator;
    if (msg.type?.startsWith('transfer.') && msg.chat === chat) onTransferFrame(msg);
    if (msg.type === 'typing' && msg.chat === chat && msg.from === 'guest') conversation.setTyping(msg.active);
    if (msg.chat === chat && notesBook.frame(msg)) drawNotes();
  });
  socket.on('close', (code) => {
    if (code === 4001) location.replace(signinUrl());
  });
  drawNotes();
  socket.start();
  socket.follow(chat, { after: 0 }).then(joined, (err) => {
    if (err.code === 'not_found') {
      showProblem(t('staff.share.not_found'), t('staff.share.not_found_text'));
    } else {
      showProblem(t('staff.share.this_chat_cannot_be'), err.message || t('staff.share.reload'));
    }
  });
  editorChanged();
}

main();
