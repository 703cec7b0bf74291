// box.js: the guest's chat box (/box/{queue}?mode=embedded|popup|follow).
//
// Start here to read the guest side. The box shows one of a few views:
// loading, missing (no such queue), offline (nobody to answer: nothing to
// send into), start (name + Start chat) and chat (transcript + composer).
// The queue's online state comes with the page (the server renders the
// start or offline view into it), then live from presence.watch.
//
// A chat survives reloads and navigation: its id, token, last seq and
// unacknowledged messages live in this origin's own storage under the queue
// (box_session.js; in a library's page, the frame's storage partitioned
// under that site), and on load the box re-joins it. Network drops are
// handled by RdSocket (reconnect, re-join after the last seq, outbox).
// Where the browser refuses this frame storage, the chat lasts as long as
// the page: the record never goes to the library's page, whose scripts
// (analytics, tag managers, ads) could read the token there.
//
// When the box sits in a page through embed.js, the loader speaks first
// ({ type: 'refdesk:open' }); from then on the box reports to that parent's
// origin only ({ type: 'refdesk:state' }) what the loader shows and keeps:
// whether a chat is going and how many messages are unread. Nothing in
// these messages is secret.
//
// Screensharing (share_guest.js) loads only when the first invitation comes:
// `share` events go to it in order, with the signaling frames. In the
// consent pop-up it opens for an embedded box (?mode=consent), the page is
// consent.js instead.
//
// What only a chat needs (the transcript, the composer, pictures and their
// stylesheet, transcript.css) loads with the first chat (loadChatParts), as
// soon as the patron turns to the start form, or at once where the box was
// opened to chat (a pop-up, a follow-me box opened): the form and the away
// notice need only this module, the socket and base.css + box.css, so a
// page that embeds the box costs its visitors little until they ask.
//
// Save transcript (in the header once a chat exists, also after it ends)
// builds an HTML file of the chat in the browser and downloads it
// (box_transcript.js, loaded on the first click; transcript_file.js).
//
// With mail set up on the server (GET /api/queues says `mail`), the away
// view offers Leave a question (a form in its own view, "question") and the
// header Email transcript (a small form above the composer); box_mail.js
// checks and sends them. Without mail neither shows: nobody could answer.
//
// When a chat ends, box_survey.js (loaded then) shows the queue's survey, if
// it asks one, above the ended panel's buttons.
//
// Pictures (pasted, dropped or picked with Attach image) are previewed
// before they go, then uploaded over HTTP with the chat token as a Bearer
// credential (uploads.js); the transcript fetches snapshots and files with
// the same header and shows them through blob: URLs (media.js).

// First, so that it listens before i18n.js makes this module wait for the catalogue.
import { takeEarlyMessages } from './box_early.js';
import { t, language } from '../shared/i18n.js';
import { RdSocket } from '../shared/rd_socket.js';
import { newId, MAX_NAME } from '../shared/text.js';
import { loadChat, saveChat, clearChat, updateChat, pickStorage, queueFromPath, modeFromSearch } from './box_session.js';

const $ = (id) => document.getElementById(id);
const { storage, kind: storageKind } = pickStorage([['local', () => window.localStorage], ['session', () => window.sessionStorage]]);
const queue = queueFromPath(location.pathname);
const mode = modeFromSearch(location.search);

const ui = {
  box: $('box'),
  title: $('box-title'),
  statusText: $('box-status-text'),
  conn: $('conn'),
  endChat: $('end-chat'),
  save: $('save-transcript'),
  minimise: $('minimise'),
  startForm: $('start-form'),
  startButton: $('start-chat'),
  startError: $('start-error'),
  guestName: $('guest-name'),
  log: $('log'),
  typing: $('typing'),
  idle: $('idle-warning'),
  ended: $('ended'),
  endedText: $('ended-text'),
  restart: $('restart'),
  closeWindow: $('close-window'),
  composer: $('composer'),
  message: $('message'),
  leave: $('leave-question'),
  questionForm: $('question-form'),
  questionText: $('question-text'),
  questionEmail: $('question-email'),
  questionName: $('question-name'),
  questionError: $('question-error'),
  questionSent: $('question-sent'),
  sendQuestion: $('send-question'),
  emailButton: $('email-transcript'),
  emailForm: $('email-form'),
  emailAddress: $('email-address'),
  emailError: $('email-error'),
  emailDone: $('email-done'),
};

const state = {
  title: t('box.title'),
  // null until known; the server's page says it (data-view) for a first view
  // the patron sees before this script arrives.
  online: { start: true, offline: false }[$('box').dataset.view] ?? null,
  chat: null, // { chat, token, status, operator, name }
  transcript: null,
  everConnected: false,
  // Whether the guest can see the box: a follow-me box is hidden until the
  // loader says it is open. Operator messages that arrive unseen count as
  // unread (shown on the loader's button); readSeq persists what was seen.
  shown: mode !== 'follow',
  readSeq: 0,
  unread: 0,
  parentOrigin: null, // the embedding page's origin, once its loader has spoken
  limits: null, // the server's size limits for pictures, from GET /api/queues
  resuming: false, // a saved chat waits for the chat's parts (resumeChat)
  mail: false, // the server can mail: offer Leave a question and Email transcript
  asking: false, // the Leave a question view is open
};

const socket = new RdSocket();
// The chat's parts (see loadChatParts): null until the first chat needs them.
let parts = null;
let partsLoading = null;

/**
 * A stylesheet added to the page before box.css (whose rules must still win
 * over the shared ones, as when both were in the page); resolves once it
 * applies (or failed to load).
 */
function addStylesheet(href) {
  return new Promise((resolve) => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
    link.onload = link.onerror = () => resolve();
    // box.css may come inline in the page (the server's data-inline) or as a link.
    document.querySelector('[data-inline="/widget/box.css"], link[rel="stylesheet"][href="/widget/box.css"]').before(link);
  });
}

/** Load and build the chat's parts once; resolves to them. */
function loadChatParts() {
  partsLoading ??= Promise.all([
    import('../shared/transcript_model.js'), import('../shared/transcript_view.js'),
    import('../shared/composer.js'), import('../shared/attach_ui.js'), import('../shared/uploads.js'),
    import('../shared/media.js'), addStylesheet('/shared/transcript.css'),
  ]).then(([{ Transcript }, { TranscriptView, TypingLine }, { Composer }, { AttachUi }, { Uploads }, { bearerMedia }]) => {
    const media = bearerMedia(() => (state.chat ? { chat: state.chat.chat, token: state.chat.token } : null));
    const uploads = new Uploads({
      from: 'guest',
      credentials: () => ({ Authorization: `Bearer ${state.chat.token}` }),
      onChange: () => render(),
    });
    const view = new TranscriptView(ui.log, { perspective: 'guest', media,
      actions: { retry: (item) => uploads.retry(state.transcript, item),
        discard: (item) => uploads.discard(state.transcript, item) } });
    const composer = new Composer(
      { form: ui.composer, textarea: ui.message, counter: $('counter'), error: $('composer-error') },
      { onSend: sendMessage, onTyping: (active) => state.chat && socket.post({ type: 'typing', chat: state.chat.chat, active }) },
    );
    const attach = new AttachUi(
      { textarea: ui.message, dropZone: $('view-chat'), preview: $('attach-preview'), attachButton: $('attach'),
        attachInput: $('attach-input') },
      { onSendImage: sendImage, showError: (text) => composer.showError(text) },
    );
    if (state.limits) attach.limits = state.limits;
    parts = { Transcript, media, uploads, view, typingLine: new TypingLine(ui.typing), composer, attach };
    return parts;
  });
  partsLoading.catch(() => { partsLoading = null; }); // a later chat tries again
  return partsLoading;
}

/* ---------- views ---------- */

function showView(name) {
  ui.box.dataset.view = name;
  for (const v of ['loading', 'missing', 'offline', 'question', 'start', 'chat'])
    $(`view-${v}`).hidden = v !== name;
  ui.leave.hidden = !state.mail;
  // Only a chat that is over and that a librarian answered may be mailed (the server refuses others).
  ui.emailButton.hidden = !(name === 'chat' && state.chat && state.mail && !state.chat.mailed
    && state.chat.status === 'ended' && state.chat.answered);
  if (ui.emailButton.hidden) ui.emailForm.hidden = true;
  ui.endChat.hidden = !(name === 'chat' && state.chat && state.chat.status !== 'ended');
  // During the chat and after it ends, until the next one starts.
  ui.save.hidden = !(name === 'chat' && state.chat);
}

/** Pick the view from what we know: a chat wins; then presence. */
function refreshView() {
  if (state.chat) {
    showView('chat');
  } else if (state.online === null || state.resuming) {
    showView('loading');
  } else if (state.asking) {
    showView('question'); // kept while the patron writes, even if a librarian comes online
  } else {
    showView(state.online ? 'start' : 'offline');
  }
  refreshStatus();
}

function refreshStatus() {
  let text;
  const chat = state.chat;
  if (chat && chat.status === 'waiting') text = t('box.status.waiting');
  else if (chat && chat.status === 'active') text = chat.operator ? t('box.status.chatting_with', { name: chat.operator }) : t('box.status.chatting');
  else if (chat && chat.status === 'ended') text = t('box.status.ended');
  else if (state.online === null) text = t('box.status.connecting');
  else text = state.online ? t('box.status.online') : t('box.status.offline');
  ui.statusText.textContent = text;
  ui.box.dataset.presence = state.online ? 'online' : 'offline';
  ui.box.dataset.chat = chat ? chat.status : 'none';
}

function refreshConnection(status) {
  if (status === 'open') state.everConnected = true;
  const down = status === 'waiting' || (status === 'connecting' && state.everConnected);
  ui.conn.textContent = down
    ? (state.chat ? t('box.conn.lost_chat') : t('box.conn.lost'))
    : '';
}

/* ---------- talking to the loader (embed.js) ---------- */

function tellLoader(type, extra = {}) {
  // Only to the origin that spoke to us as our parent. Whatever goes here
  // the library's page, and every script on it, can read: never the chat's
  // id, token or text.
  if (!state.parentOrigin) return;
  window.parent.postMessage({ type: `refdesk:${type}`, queue, ...extra }, state.parentOrigin);
}

function reportChatState() {
  const status = state.chat ? state.chat.status : 'none';
  tellLoader('state', { chat: status, live: status === 'waiting' || status === 'active', unread: state.unread });
}

/**
 * Whether `e` comes from the page this frame sits in: its window, and its
 * origin (as the browser reports our ancestors, where it does; the first
 * loader to speak pins it otherwise).
 */
function isFromParent(e) {
  if (window.parent === window || e.source !== window.parent) return false;
  const ancestor = location.ancestorOrigins?.[0];
  if (ancestor && e.origin !== ancestor) return false;
  return !state.parentOrigin || e.origin === state.parentOrigin;
}

function onLoaderMessage(e) {
  if (!isFromParent(e) || !e.data || typeof e.data !== 'object' || e.data.type !== 'refdesk:open') return;
  state.parentOrigin = e.origin;
  state.shown = Boolean(e.data.open);
  // A follow-me box opened by the patron: they mean to chat.
  if (state.shown && mode === 'follow') loadChatParts().catch(() => {});
  if (state.shown) {
    markAllRead();
    focusFirst();
  }
  reportChatState();
}
window.addEventListener('message', onLoaderMessage);

function isSeen() {
  return state.shown && !document.hidden;
}

function markAllRead() {
  state.unread = 0;
  if (state.chat && state.transcript) {
    state.readSeq = Math.max(state.readSeq, state.transcript.lastSeq());
    updateChat(storage, queue, state.chat.chat, (s) => ({ readSeq: Math.max(s.readSeq || 0, state.readSeq) }));
  }
  reportChatState();
}

function focusFirst() {
  if (ui.box.dataset.view === 'chat' && !ui.message.disabled && !ui.composer.hidden) parts?.composer.focus();
  else if (ui.box.dataset.view === 'start') ui.guestName.focus();
}

/* ---------- chat lifecycle ---------- */

/** Show the chat `record` (the chat's parts are loaded: see loadChatParts). */
function enterChat(record, status = 'waiting') {
  leaveMedia();
  state.chat = { chat: record.chat, token: record.token, status, operator: null, name: record.name || '' };
  state.readSeq = record.readSeq || 0;
  state.unread = 0;
  state.transcript = new parts.Transcript();
  parts.view.render(state.transcript);
  ui.ended.hidden = true;
  ui.emailForm.hidden = true;
  ui.emailDone.textContent = '';
  ui.composer.hidden = false;
  parts.composer.setEnabled(true);
  parts.attach.setEnabled(true);
  refreshView();
  // Messages written before a reload and never acknowledged: send them again
  // with their own ids (the server keeps one copy).
  for (const m of record.outbox || []) {
    state.transcript.addPending({ cid: m.cid, text: m.text, from: 'guest', name: record.name || null, at: m.at });
    deliver(m.cid, m.text);
  }
  render();
  socket.follow(record.chat, { token: record.token, after: 0 }).catch(() => {});
  reportChatState();
}

/** Come back to the saved chat `record`: "Loading the chat…" until its parts are here. */
function resumeChat(record) {
  state.resuming = true;
  refreshView();
  loadChatParts().then(() => {
    state.resuming = false;
    if (!state.chat) enterChat(record);
  }, () => {
    // Offline, probably: the record stays saved for the next load.
    state.resuming = false;
    refreshView();
  });
}

function render() {
  if (!state.transcript) return;
  parts.uploads.sweep(state.transcript);
  parts.view.render(state.transcript);
}

/** The chat is left: its uploads and blob: URLs go. */
function leaveMedia() {
  guestShare?.reset();
  parts?.attach.close();
  parts?.uploads.reset();
  parts?.media.reset();
}

function onJoined(reply) {
  if (!state.chat || reply.chat !== state.chat.chat) return;
  state.chat.status = reply.status;
  state.chat.operator = reply.operator?.name || null;
  if (state.chat.operator || reply.status === 'active') state.chat.answered = true;
  if (reply.status === 'ended') chatEnded(null);
  refreshView();
  reportChatState();
}

function onJoinFailed({ chat }) {
  if (!state.chat || chat !== state.chat.chat) return;
  // The server no longer knows the saved chat (or the token is wrong).
  clearChat(storage, queue);
  leaveMedia();
  state.chat = null;
  state.transcript = null;
  parts?.view.reset();
  refreshView();
  reportChatState();
}

/* ---------- screensharing ---------- */

let guestShare = null;
let shareLoading = null;

/** Hand `fn` the chat's GuestShare, loading it the first time; calls run in order. */
function withShare(fn) {
  if (!shareLoading) {
    shareLoading = import('./share_guest.js').then(({ GuestShare }) => {
      guestShare = new GuestShare({
        panel: $('share-panel'),
        socket,
        chat: () => state.chat,
        popupUrl: (share) => `/box/${encodeURIComponent(queue)}?mode=consent&chat=${encodeURIComponent(state.chat.chat)}&share=${share}&lang=${language().lang}`,
        onAttach: () => $('attach').click(),
      });
      return guestShare;
    });
  }
  shareLoading = shareLoading.then((gs) => {
    fn(gs);
    return gs;
  });
}

function onEvent(ev) {
  if (!state.chat || ev.chat !== state.chat.chat) return;
  if (ev.kind === 'share') withShare((gs) => gs.onEvent(ev));
  state.transcript.addEvent(ev);
  updateChat(storage, queue, ev.chat, (s) => ({ lastSeq: Math.max(s.lastSeq, ev.seq) }));
  if (ev.kind === 'notice' && (ev.notice === 'joined' || ev.notice === 'transferred')) {
    state.chat.status = 'active';
    state.chat.operator = ev.name || null;
    state.chat.answered = true;
  }
  if (ev.kind === 'notice' && ev.notice === 'requeued') {
    state.chat.status = 'waiting';
    state.chat.operator = null;
  }
  if (ev.kind !== 'notice' && ev.from === 'operator') {
    parts.typingLine.set(false);
    if (ev.seq > state.readSeq && !isSeen()) state.unread += 1;
  }
  render();
  if (isSeen()) markAllRead();
  if (ev.kind !== 'notice') idleWarning(null);
  if (ev.kind === 'notice' && ev.notice === 'ended') chatEnded(ev.by, ev.reason);
  refreshStatus();
  reportChatState();
}

/* A quiet chat is about to be closed (PROTOCOL §3.5 chat.idle): a line under the
 * conversation says so until someone writes or it ends. */
function idleWarning(endsIn) {
  ui.idle.hidden = endsIn === null;
  ui.idle.textContent = endsIn === null ? ''
    : t('box.idle.warning', { count: Math.max(1, Math.round(endsIn / 60000)) });
}

function chatEnded(by, reason) {
  if (!state.chat) return;
  idleWarning(null);
  guestShare?.end();
  state.chat.status = 'ended';
  clearChat(storage, queue);
  socket.unfollow(state.chat.chat);
  parts.typingLine.set(false);
  parts.attach.setEnabled(false);
  ui.composer.hidden = true;
  ui.ended.hidden = false;
  ui.endedText.textContent = reason === 'idle'
    ? t('box.ended.idle')
    : by === 'guest' || by === null || by === 'system'
      ? t('box.ended.guest')
      : t('box.ended.operator');
  ui.closeWindow.hidden = mode !== 'popup';
  refreshView();
  reportChatState();
  offerSurvey(state.chat);
}

/**
 * Resolves when the socket first opens, or after `ms`. The form shows
 * before this script runs, so a patron can press Start chat while the first
 * connection is still on its way; that press waits for it rather than
 * failing (after a drop, the request answers for itself).
 */
function firstOpen(ms = 15000) {
  if (state.everConnected) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const off = socket.on('status', (s) => s === 'open' && done());
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

async function startChat() {
  const name = ui.guestName.value.trim();
  showStartError('');
  ui.startButton.disabled = true;
  try {
    // The chat's parts are here before the chat starts: its first events
    // follow the answer at once, and the socket hands each event over once.
    await Promise.all([firstOpen(), loadChatParts()]);
    const msg = { type: 'chat.start', queue };
    if (name) msg.name = name;
    const ok = await socket.request(msg);
    const record = { chat: ok.chat, token: ok.token, lastSeq: 0, name, outbox: [] };
    saveChat(storage, queue, record);
    enterChat(record, ok.status || 'waiting');
    parts.composer.focus();
  } catch (err) {
    if (err.code === 'offline' && socket.status === 'open') {
      state.online = false;
      refreshView();
    } else {
      showStartError(startErrorText(err));
    }
  } finally {
    ui.startButton.disabled = false;
  }
}

function startErrorText(err) {
  if (err.code === 'too_long') return t('box.error.name_too_long', { max: 80 });
  if (err.code === 'not_found') return t('box.error.gone');
  // (A TypeError: the chat's parts did not load.)
  if (err.code === 'offline' || err.code === 'disconnected' || err instanceof TypeError)
    return t('box.error.unreachable');
  if (err.code === 'rate_limited') return t('box.error.rate_limited');
  // Said the same way whoever asks: the library paused chats from this connection (Block guest).
  if (err.code === 'blocked') return t('box.error.blocked');
  return t('box.error.start');
}

function showStartError(text) {
  ui.startError.textContent = text;
}

function sendMessage(text) {
  if (!state.chat || state.chat.status === 'ended') return false;
  const cid = newId('g');
  const at = Date.now();
  state.transcript.addPending({ cid, text, from: 'guest', name: state.chat.name || null, at });
  updateChat(storage, queue, state.chat.chat, (s) => ({ outbox: [...s.outbox, { cid, text, at }] }));
  reportChatState();
  render();
  deliver(cid, text);
  return true;
}

/** Send a picture from the preview (AttachUi); returns { ok, message }. */
function sendImage(file, alt) {
  if (!state.chat || state.chat.status === 'ended') return { ok: false, message: t('box.error.chat_ended') };
  const r = parts.uploads.send(state.transcript, state.chat.chat, { kind: 'image', file, alt, name: state.chat.name || null });
  render();
  return r;
}

function deliver(cid, text) {
  const chat = state.chat.chat;
  socket.request({ type: 'msg.send', id: cid, chat, text }, { retry: true })
    .then((ack) => {
      if (state.transcript && state.chat?.chat === chat) state.transcript.ack(cid, ack.seq);
    }, (err) => {
      if (state.transcript && state.chat?.chat === chat) state.transcript.fail(cid, sendErrorText(err));
    })
    .finally(() => {
      updateChat(storage, queue, chat, (s) => ({ outbox: s.outbox.filter((m) => m.cid !== cid) }));
      reportChatState();
      render();
    });
}

function sendErrorText(err) {
  switch (err.code) {
    case 'too_long': return 'the message is over 4,000 characters.';
    case 'chat_ended': return 'the chat has ended.';
    case 'rate_limited': return 'too many messages at once; please wait a moment.';
    case 'storage': return 'the server could not save it; please send it again.';
    default: return 'please try again.';
  }
}

async function endChat() {
  if (!state.chat) return;
  ui.endChat.disabled = true;
  try {
    const ack = await socket.request({ type: 'chat.end', chat: state.chat.chat }, { retry: true });
    if (!state.transcript) return;
    // The ack stands for our own `ended` notice; show it as the event would.
    state.transcript.addEvent({ chat: ack.chat, seq: ack.seq, kind: 'notice', notice: 'ended', by: 'guest', at: Date.now() });
    render();
    chatEnded('guest');
  } catch (err) {
    if (err.code === 'chat_ended' || err.code === 'not_found') chatEnded(null);
  } finally {
    ui.endChat.disabled = false;
  }
}

/**
 * Save transcript: the file is built here from the transcript the box
 * holds (box_transcript.js, loaded on the first click); nothing new is
 * asked of the server but the snapshots' thumbnails.
 */
async function saveTranscript() {
  if (!state.chat || !state.transcript) return;
  const auth = { chat: state.chat.chat, token: state.chat.token };
  ui.save.disabled = true;
  try {
    const mod = await import('./box_transcript.js');
    await mod.saveTranscript({ transcript: state.transcript, auth, title: state.title });
  } catch {
    ui.conn.textContent = t('box.save.failed');
  } finally {
    ui.save.disabled = false;
  }
}

function restart() {
  survey?.remove();
  survey = surveyChat = null;
  leaveMedia();
  state.chat = null;
  state.transcript = null;
  parts?.view.reset();
  state.unread = 0;
  ui.ended.hidden = true;
  refreshView();
  reportChatState();
  // One click starts the next chat (with the name given before); when
  // nobody is online the offline view explains why it cannot.
  if (state.online) startChat();
}

/* ---------- the survey at the end (box_survey.js) ---------- */

let survey = null;
let surveyChat = null; // the chat whose survey is offered (an end is heard twice: ack and event)

// The queue's questions, if it asks any, above the ended panel's buttons;
// the module loads only when a chat ends.
async function offerSurvey(chat) {
  if (!chat?.token || surveyChat === chat) return;
  surveyChat = chat;
  const { showSurvey } = await import('./box_survey.js');
  if (state.chat !== chat) return;
  survey = await showSurvey(ui.ended, ui.ended.querySelector('.box__ended-actions'), chat,
    { onClose: () => ui.restart.focus({ preventScroll: true }) });
  if (state.chat !== chat) survey?.remove();
}

/* ---------- mail: Leave a question, Email transcript ---------- */

let mailModule = null;
const loadMail = () => (mailModule ??= import('./box_mail.js'));

function openQuestion() {
  state.asking = true;
  ui.questionForm.hidden = false;
  ui.questionSent.hidden = true;
  ui.questionError.textContent = '';
  refreshView();
  ui.questionText.focus();
  loadMail().catch(() => {});
}

function closeQuestion() {
  state.asking = false;
  refreshView();
  if (!ui.leave.hidden && ui.box.dataset.view === 'offline') ui.leave.focus();
}

async function submitQuestion() {
  ui.questionError.textContent = '';
  ui.sendQuestion.disabled = true;
  try {
    const mail = await loadMail();
    const fields = { question: ui.questionText.value, email: ui.questionEmail.value.trim(), name: ui.questionName.value };
    const problem = mail.questionProblem(fields.question) ?? mail.emailProblem(fields.email);
    if (problem) {
      ui.questionError.textContent = problem;
      (mail.questionProblem(fields.question) ? ui.questionText : ui.questionEmail).focus();
      return;
    }
    const r = await mail.sendQuestion(queue, { ...fields, lang: document.documentElement.lang });
    if (!r.ok) {
      ui.questionError.textContent = mail.mailErrorText(r.error);
      return;
    }
    ui.questionForm.reset();
    ui.questionForm.hidden = true;
    ui.questionSent.hidden = false;
    $('question-sent-title').focus();
  } catch {
    ui.questionError.textContent = t('box.error.network');
  } finally {
    ui.sendQuestion.disabled = false;
  }
}

function openEmailForm() {
  ui.emailForm.hidden = false;
  ui.emailError.textContent = '';
  ui.emailDone.textContent = '';
  ui.emailAddress.focus();
  loadMail().catch(() => {});
}

async function submitEmail() {
  if (!state.chat) return;
  const chat = state.chat;
  const send = $('email-send');
  ui.emailError.textContent = '';
  send.disabled = true;
  try {
    const mail = await loadMail();
    const email = ui.emailAddress.value.trim();
    const problem = mail.emailProblem(email);
    if (problem) {
      ui.emailError.textContent = problem;
      ui.emailAddress.focus();
      return;
    }
    const r = await mail.emailTranscript(chat, email);
    if (!r.ok && r.error?.code !== 'already_sent') {
      ui.emailError.textContent = mail.mailErrorText(r.error);
      return;
    }
    chat.mailed = true; // once per chat: the server would refuse a second
    ui.emailAddress.value = '';
    ui.emailForm.hidden = true;
    ui.emailDone.textContent = r.ok ? t('box.email.done') : mail.mailErrorText(r.error);
    refreshView();
  } catch {
    ui.emailError.textContent = t('box.error.network');
  } finally {
    send.disabled = false;
  }
}

/* ---------- presence ---------- */

async function loadQueue() {
  try {
    const res = await fetch(`/api/queues/${encodeURIComponent(queue)}`, { cache: 'no-store' });
    if (res.status === 404) return showMissing();
    if (!res.ok) return;
    const info = await res.json();
    state.title = info.title || state.title;
    ui.title.textContent = state.title;
    document.title = t('box.document_title', { title: state.title });
    if (state.online === null) state.online = Boolean(info.online);
    state.mail = Boolean(info.mail);
    if (info.mail_keep_days) {
      $('question-privacy').textContent = t('box.question.privacy_days', { count: info.mail_keep_days });
    }
    if (info.limits?.image_bytes) state.limits = { maxImage: info.limits.image_bytes };
    if (parts && state.limits) parts.attach.limits = state.limits;
    refreshView();
  } catch {
    // The socket's presence answer will fill this in.
  }
}

function showMissing() {
  state.online = false;
  showView('missing');
  ui.statusText.textContent = t('box.status.unavailable');
}

function onPresence(queues) {
  if (!(queue in queues)) return;
  state.online = Boolean(queues[queue]);
  // A question already sent: a librarian coming online brings the chat form back.
  if (state.online && state.asking && !ui.questionSent.hidden) state.asking = false;
  if (ui.box.dataset.view !== 'missing') refreshView();
}

/* ---------- wiring ---------- */

function fitToVisualViewport() {
  const vv = window.visualViewport;
  if (!vv) return;
  const fit = () => document.documentElement.style.setProperty('--rd-vh', `${Math.round(vv.height)}px`);
  vv.addEventListener('resize', fit);
  fit();
}

function init() {
  if (mode === 'consent') {
    addStylesheet('/shared/transcript.css').then(() => import('./consent.js'));
    return;
  }
  ui.box.dataset.mode = mode;
  ui.minimise.hidden = mode !== 'follow';
  ui.guestName.maxLength = MAX_NAME;
  // Said before the chat starts, so the guest can choose the pop-up or another browser.
  $('no-storage').hidden = storageKind !== 'memory';
  if (!queue) return showMissing();

  socket.on('status', refreshConnection);
  socket.on('joined', onJoined);
  socket.on('join-failed', onJoinFailed);
  socket.on('event', onEvent);
  socket.on('presence', onPresence);
  socket.on('frame', (msg) => {
    if ((msg.type === 'share.answer' || msg.type === 'share.ice') && state.chat && msg.chat === state.chat.chat)
      guestShare?.onFrame(msg);
    if (msg.type === 'chat.idle' && state.chat && msg.chat === state.chat.chat) idleWarning(msg.ends_in);
    if (msg.type === 'typing' && state.chat && msg.chat === state.chat.chat && msg.from === 'operator')
      parts?.typingLine.set(msg.active, state.chat.operator || t('box.the_librarian'));
  });
  window.addEventListener('online', () => socket.retryNow());
  // The consent pop-up asks which chat it shares into (share_guest.js checks the sender).
  window.addEventListener('message', (e) => guestShare?.answerPopup(e));
  document.addEventListener('visibilitychange', () => {
    if (isSeen()) markAllRead();
  });

  // A patron who types a name or reaches for Start chat will likely chat:
  // fetch the chat's parts now. (Not on focus: an opened box focuses the
  // form by itself.)
  for (const type of ['pointerdown', 'keydown'])
    ui.startForm.addEventListener(type, () => loadChatParts().catch(() => {}), { once: true });
  ui.startForm.addEventListener('submit', (e) => {
    e.preventDefault();
    startChat();
  });
  ui.endChat.addEventListener('click', endChat);
  ui.save.addEventListener('click', saveTranscript);
  ui.restart.addEventListener('click', restart);
  ui.leave.addEventListener('click', openQuestion);
  $('question-back').addEventListener('click', closeQuestion);
  ui.questionForm.addEventListener('submit', (e) => {
    e.preventDefault();
    submitQuestion();
  });
  ui.emailButton.addEventListener('click', openEmailForm);
  $('email-cancel').addEventListener('click', () => {
    ui.emailForm.hidden = true;
    ui.emailButton.focus();
  });
  ui.emailForm.addEventListener('submit', (e) => {
    e.preventDefault();
    submitEmail();
  });
  ui.closeWindow.addEventListener('click', () => window.close());
  ui.minimise.addEventListener('click', () => tellLoader('close'));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && mode === 'follow') tellLoader('close');
  });

  fitToVisualViewport();
  const saved = loadChat(storage, queue);
  if (saved) resumeChat(saved);
  else refreshView();
  socket.start();
  socket.watch([queue]);
  loadQueue();
  reportChatState();
  // A pop-up window is opened to chat: fetch the chat's parts now, after
  // what the form needs. (A box embedded in a page waits for the patron.)
  if (mode === 'popup') loadChatParts().catch(() => {});
}

init();

// What the loader said while this module waited for its words (box_early.js),
// once everything above is set up.
for (const e of takeEarlyMessages()) onLoaderMessage(e);
