// share_guest.js: the guest's side of screensharing, loaded by the chat box
// only when an invitation arrives (and by the consent pop-up, consent.js).
//
// The librarian's invitation is a `share` event in the chat. The guest sees
// its text, what will happen, and two buttons. Share my screen calls the
// browser's own capture dialog inside that click (browsers allow it only
// from a click) and, at the same time, tells the server yes; the server
// answers with the ICE servers to use. The guest's browser then offers its
// screen (send-only video) to the librarian's viewer through the server,
// which passes the answer and the candidates back. Nothing is ever received
// from the librarian but that answer: the guest can never see their screen.
//
// A box inside a page whose frame may not capture (no
// allow="display-capture") opens a small window that asks again and
// captures from there; if a pop-up blocker stops that window, the server is
// told "blocked" and the guest is shown how to allow pop-ups. A browser that
// cannot share (no getDisplayMedia, an insecure page, a phone) answers
// "unsupported" at once, and the guest is offered to send a screenshot.
//
// While sharing, the box always shows "You are sharing your screen" and Stop
// sharing. Stopping from either side, the browser's own stop button, or the
// chat ending ends it for both; the server records every step.
//
// Whether the librarian sees the screen only the librarian's page knows: it
// reports the first frame ("started") or that none can come ("failed"). On
// "failed" the guest is told their screen did not reach the librarian and is
// offered to send a screenshot. A connection that fails here first waits
// GRACE_MS for the librarian's word before stopping on its own.

import { h, replaceChildren } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { invitationText } from '../shared/transcript_model.js';

/** Why this browser cannot share its screen ('insecure', 'no_api', 'mobile'), or null. */
export function shareSupport(win) {
  const nav = win.navigator;
  const mobile = nav.userAgentData?.mobile ?? /Android|iPhone|iPad|iPod|Mobile/i.test(nav.userAgent || '');
  if (mobile) return 'mobile';
  if (!win.isSecureContext) return 'insecure';
  if (typeof nav.mediaDevices?.getDisplayMedia !== 'function') return 'no_api';
  return null;
}

/**
 * May this document capture the screen itself? A top-level window may; a
 * frame only when its page allowed it (allow="display-capture"), which
 * Chromium tells through document.featurePolicy; other browsers do not say,
 * and then we trust the loader (embed.js sets the attribute) or ask in a
 * pop-up.
 */
export function canCaptureHere(win, loaderAllows = false) {
  if (win.top === win) return true;
  const policy = win.document.permissionsPolicy || win.document.featurePolicy;
  if (policy?.allowsFeature) return policy.allowsFeature('display-capture');
  return Boolean(loaderAllows);
}

/** The options for getDisplayMedia: prefer this tab, still allow a window or the screen. */
export const CAPTURE_OPTIONS = {
  video: { displaySurface: 'browser', frameRate: { ideal: 15, max: 30 } },
  audio: false,
  preferCurrentTab: true,
  selfBrowserSurface: 'include',
  surfaceSwitching: 'include',
  monitorTypeSurfaces: 'include',
};

/** How long a connection that failed on this side waits for the librarian's page to say so. */
export const GRACE_MS = 20000;


/**
 * One chat's screensharing on the guest's side.
 *   panel        the element the invitation and the sharing bar live in
 *   socket       the page's RdSocket
 *   chat()       { chat, token } of the chat
 *   popupUrl(n)  the consent pop-up's address for share n, or null when this
 *                page is the pop-up
 *   loaderAllows the loader said its frame may capture
 *   onAttach()   offer the guest to send a screenshot instead
 *   onDone()     (pop-up) the share is over or declined: close the window
 */
export class GuestShare {
  constructor({ panel, socket, chat, popupUrl = () => null, loaderAllows = false, onAttach = null,
    onDone = null, win = window }) {
    Object.assign(this, { panel, socket, chat, popupUrl, loaderAllows, onAttach, onDone, win });
    this.invite = null; // { share, text, expiresAt }
    this.share = 0; // the newest share number seen
    this.phase = 'idle'; // idle | invited | asking | popup | sharing | note
    this.pc = null;
    this.stream = null;
    this.pending = []; // candidates that came before the answer
    this.popup = null;
    this.note = null; // { kind, text }
    this.answered = new Set();
    this.expiryTimer = null;
    this.graceTimer = null;
    this.started = false; // the librarian's page showed a frame of this share
  }

  /** A `share` event of this chat (live or replayed), in order. */
  onEvent(ev) {
    if (typeof ev.share !== 'number' || ev.share < this.share) return;
    this.share = ev.share;
    switch (ev.step) {
      case 'invited':
        this.invite = { share: ev.share, text: invitationText(ev), expiresAt: ev.expires_at || 0 };
        this.note = null;
        if (this.invite.expiresAt && this.invite.expiresAt <= Date.now()) {
          this.invite = null;
          break;
        }
        this.phase = 'invited';
        this.armExpiry();
        this.checkSupport();
        break;
      case 'accepted':
        if (this.phase === 'invited') this.phase = 'popup'; // accepted in the pop-up window
        break;
      case 'started':
        this.invite = null;
        this.phase = 'sharing';
        this.started = true;
        break;
      case 'failed':
        this.finish({ kind: 'unseen' });
        break;
      case 'blocked':
        this.finish({ kind: 'blocked' });
        break;
      case 'unsupported':
        this.finish({ kind: 'unsupported', reason: ev.reason });
        break;
      case 'declined': case 'expired': case 'withdrawn': case 'stopped':
        this.finish(ev.step === 'stopped' && this.phase === 'sharing' ? { kind: 'stopped' } : null);
        break;
      default:
        break;
    }
    this.render();
  }

  /** A signaling frame from the server (share.answer, share.ice). */
  onFrame(msg) {
    if (msg.share !== this.share || !this.pc) return;
    if (msg.type === 'share.answer') {
      this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).then(() => {
        for (const c of this.pending.splice(0)) this.addCandidate(c);
      }).catch(() => this.stop('connection_failed'));
    } else if (msg.type === 'share.ice') {
      if (this.pc.remoteDescription) this.addCandidate(msg);
      else this.pending.push(msg);
    }
  }

  addCandidate(msg) {
    const init = msg.candidate ? { candidate: msg.candidate, sdpMid: msg.mid ?? null,
      sdpMLineIndex: msg.mline ?? null } : null;
    this.pc.addIceCandidate(init || undefined).catch(() => {});
  }

  /** The chat ended or the page goes: let go of everything. */
  end() {
    this.finish(null);
    this.render();
  }

  /** Another chat begins in this box: its shares count from 1 again. */
  reset() {
    this.end();
    this.share = 0;
    this.answered.clear();
  }

  /* ---------- answering ---------- */

  checkSupport() {
    const why = shareSupport(this.win);
    if (!why) return;
    this.reply('unsupported', why);
    this.finish({ kind: 'unsupported', reason: why });
  }

  reply(answer, reason) {
    const key = `${this.invite?.share}:${answer}`;
    if (!this.invite || this.answered.has(key)) return Promise.resolve(null);
    this.answered.add(key);
    const msg = { type: 'share.reply', chat: this.chat().chat, share: this.invite.share, answer };
    if (reason) msg.reason = reason;
    return this.socket.request(msg);
  }

  decline() {
    this.reply('decline').catch(() => {});
    this.finish(null);
    this.render();
    this.onDone?.();
  }

  /** Share my screen: runs inside the click. */
  accept() {
    if (!this.invite) return;
    const url = this.popupUrl(this.invite.share);
    if (url && !canCaptureHere(this.win, this.loaderAllows)) {
      this.openPopup(url);
      return;
    }
    const invite = this.invite;
    let capture;
    try {
      capture = this.win.navigator.mediaDevices.getDisplayMedia(CAPTURE_OPTIONS);
    } catch (err) {
      capture = Promise.reject(err);
    }
    this.phase = 'asking';
    this.render();
    // While the guest chooses in the browser's dialog, the connection to the
    // relay is prepared, so the screen shows as soon as they have chosen.
    const yes = this.reply('accept').then((r) => {
      if (r && this.share === invite.share && this.phase === 'asking') this.prepare(r.ice);
      return r;
    });
    Promise.allSettled([capture, yes]).then(([c, y]) => {
      if (c.status === 'fulfilled' && y.status === 'fulfilled' && y.value && this.share === invite.share) {
        this.connect(c.value);
        return;
      }
      if (c.status === 'fulfilled') for (const t of c.value.getTracks()) t.stop();
      if (y.status === 'fulfilled' && y.value) {
        // Said yes, then closed the browser's dialog.
        this.socket.request({ type: 'share.stop', chat: this.chat().chat, share: invite.share, reason: 'cancelled' })
          .catch(() => {});
      }
      const expired = y.status === 'rejected' && ['invitation_expired', 'no_invitation'].includes(y.reason?.code);
      this.finish(expired ? { kind: 'expired' } : c.status === 'rejected' ? { kind: 'cancelled' } : { kind: 'failed' });
      this.render();
      if (c.status === 'rejected') this.onDone?.();
    });
  }

  openPopup(url) {
    const name = `refdesk-share-${this.chat().chat}`;
    let win = null;
    try {
      win = this.win.open(url, name, 'popup,width=480,height=560');
    } catch {
      win = null;
    }
    if (!win) {
      this.reply('blocked', 'popup').catch(() => {});
      this.finish({ kind: 'blocked' });
      this.render();
      return;
    }
    this.popup = win;
    this.phase = 'popup';
    this.render();
    win.focus?.();
  }

  /** The pop-up asks (postMessage) for the chat it should share into. */
  answerPopup(e) {
    if (!this.popup || e.source !== this.popup || e.origin !== this.win.location.origin) return;
    if (e.data?.type !== 'refdesk:consent-hello' || !this.invite) return;
    const { chat, token } = this.chat();
    this.popup.postMessage({ type: 'refdesk:consent', chat, token, share: this.invite.share,
      text: this.invite.text, expiresAt: this.invite.expiresAt }, this.win.location.origin);
  }

  /* ---------- the connection ---------- */

  /** A peer connection with a send-only video slot, gathering relay candidates already. */
  prepare(ice) {
    const share = this.share;
    const pc = new RTCPeerConnection({ iceServers: ice?.servers || [],
      iceTransportPolicy: ice?.policy === 'relay' ? 'relay' : 'all', iceCandidatePoolSize: 1 });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'sendonly' });
    pc.addEventListener('icecandidate', (e) => {
      const c = e.candidate;
      this.socket.post({ type: 'share.ice', chat: this.chat().chat, share,
        candidate: c ? c.candidate : '', ...(c?.sdpMid != null ? { mid: c.sdpMid } : {}),
        ...(c?.sdpMLineIndex != null ? { mline: c.sdpMLineIndex } : {}) });
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState !== 'failed' || this.pc !== pc) return;
      // Seen, then broken: stop. Never seen: the librarian's page reports
      // that (and the record says so); stop only if it stays silent.
      if (this.started) this.stop('connection_failed');
      else if (!this.graceTimer) {
        this.graceTimer = setTimeout(() => {
          if (this.pc === pc) this.stop('connection_failed', { kind: 'unseen' });
        }, GRACE_MS);
      }
    });
  }

  /** The guest chose what to share: offer it. */
  async connect(stream) {
    this.stream = stream;
    this.phase = 'sharing';
    this.render();
    const share = this.share;
    const [track] = stream.getVideoTracks();
    track.addEventListener('ended', () => this.stop('browser'));
    // Text and slides stay sharp: resolution over smoothness.
    if ('contentHint' in track) track.contentHint = 'detail';
    const pc = this.pc;
    try {
      await pc.getTransceivers()[0].sender.replaceTrack(track);
      await pc.setLocalDescription(await pc.createOffer());
      await this.socket.request({ type: 'share.offer', chat: this.chat().chat, share, sdp: pc.localDescription.sdp });
    } catch {
      this.stop('connection_failed');
    }
  }

  /** Stop sharing (the button, the browser's own stop, a failure); `note` what the guest reads then. */
  stop(reason, note = { kind: 'stopped' }) {
    const share = this.share;
    this.finish(note);
    this.render();
    const msg = { type: 'share.stop', chat: this.chat().chat, share };
    if (reason) msg.reason = reason;
    this.socket.request(msg).catch(() => {});
  }

  /** Back to idle, releasing the screen; `note` says what the guest should read. */
  finish(note) {
    clearTimeout(this.expiryTimer);
    clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.started = false;
    this.invite = null;
    this.phase = note ? 'note' : 'idle';
    this.note = note;
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.stream = null;
    this.pc?.close();
    this.pc = null;
    this.pending = [];
    if (this.popup && !this.popup.closed) this.popup.close();
    this.popup = null;
  }

  armExpiry() {
    clearTimeout(this.expiryTimer);
    const left = this.invite.expiresAt - Date.now();
    if (left > 0 && left < 864e5) {
      this.expiryTimer = setTimeout(() => {
        if (this.phase !== 'invited') return;
        this.finish({ kind: 'expired' });
        this.render();
      }, left);
    }
  }

  /* ---------- what the guest sees ---------- */

  render() {
    const p = this.panel;
    p.hidden = this.phase === 'idle';
    p.dataset.phase = this.phase;
    if (this.phase === 'idle') return replaceChildren(p);
    if (this.phase === 'invited' || this.phase === 'asking') return this.renderInvitation();
    if (this.phase === 'popup') {
      return replaceChildren(p, h('p', { class: 'rd-share__title' }, t('share.popup.title')),
        h('p', { class: 'rd-share__text' }, t('share.popup.text')));
    }
    if (this.phase === 'sharing') {
      const stop = h('button', { type: 'button', class: 'rd-button rd-button--danger rd-share__stop' }, t('share.stop'));
      stop.addEventListener('click', () => this.stop());
      return replaceChildren(p, h('p', { class: 'rd-share__live', role: 'status' },
        h('span', { class: 'rd-share__dot', 'aria-hidden': 'true' }), t('share.sharing')), stop);
    }
    return this.renderNote();
  }

  renderInvitation() {
    const p = this.panel;
    const asking = this.phase === 'asking';
    const yes = h('button', { type: 'button', class: 'rd-button rd-share__yes' }, t('share.yes'));
    const no = h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-share__no' }, t('share.no'));
    yes.disabled = asking;
    no.disabled = asking;
    yes.addEventListener('click', () => this.accept());
    no.addEventListener('click', () => this.decline());
    replaceChildren(p,
      h('p', { class: 'rd-share__title', id: 'share-title' }, t('share.invite.title')),
      h('blockquote', { class: 'rd-share__quote' }, this.invite?.text || ''),
      h('p', { class: 'rd-share__text' }, asking ? t('share.invite.asking') : t('share.invite.explain')),
      h('div', { class: 'rd-share__buttons' }, yes, no));
    p.setAttribute('aria-labelledby', 'share-title');
    if (!asking && !p.contains(document.activeElement)) yes.focus({ preventScroll: true });
  }

  renderNote() {
    const p = this.panel;
    const n = this.note || {};
    const close = h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small' }, t('share.ok'));
    close.addEventListener('click', () => {
      this.phase = 'idle';
      this.note = null;
      this.render();
    });
    const parts = [];
    if (n.kind === 'blocked') {
      parts.push(h('p', { class: 'rd-share__title' }, t('share.blocked.title')),
        h('p', { class: 'rd-share__text' }, t('share.blocked.text')));
    } else if (n.kind === 'unseen') {
      const attach = h('button', { type: 'button', class: 'rd-button rd-button--small' }, t('share.screenshot'));
      attach.addEventListener('click', () => this.onAttach?.());
      parts.push(h('p', { class: 'rd-share__title', role: 'alert' }, t('share.failed.title')),
        h('p', { class: 'rd-share__text' }, t('share.failed.text')));
      if (this.onAttach) parts.push(h('div', { class: 'rd-share__buttons' }, attach, close));
      else parts.push(h('div', { class: 'rd-share__buttons' }, close));
      return replaceChildren(p, ...parts);
    } else if (n.kind === 'unsupported') {
      const attach = h('button', { type: 'button', class: 'rd-button rd-button--small' }, t('share.screenshot'));
      attach.addEventListener('click', () => this.onAttach?.());
      parts.push(h('p', { class: 'rd-share__title' }, t('share.unsupported.title')),
        h('p', { class: 'rd-share__text' }, unsupportedText(n.reason)));
      if (this.onAttach) parts.push(h('div', { class: 'rd-share__buttons' }, attach, close));
      return replaceChildren(p, ...parts);
    } else if (n.kind === 'expired') {
      parts.push(h('p', { class: 'rd-share__text' }, t('share.expired')));
    } else if (n.kind === 'cancelled') {
      parts.push(h('p', { class: 'rd-share__text' }, t('share.nothing')));
    } else if (n.kind === 'failed') {
      parts.push(h('p', { class: 'rd-share__text' }, t('share.not_started')));
    } else {
      parts.push(h('p', { class: 'rd-share__text' }, t('share.stopped')));
    }
    replaceChildren(p, ...parts, h('div', { class: 'rd-share__buttons' }, close));
  }
}

function unsupportedText(reason) {
  const why = reason === 'insecure' || reason === 'mobile' ? reason : 'other';
  return `${t(`share.unsupported.${why}`)} ${t('share.unsupported.how')}`;
}
