// screen_view.js: screensharing in the sharing tool — the operator's side.
//
// Invite to share screen opens a short form with the invitation text (the
// queue's wording, editable) and sends `share.invite`. What the guest does
// comes back as `share` events in the chat, and this view says it in the
// status line: waiting, declined, a pop-up blocker, cannot share, started,
// stopped. When the guest's browser offers its screen (`share.offer`, with
// the ICE servers to use), this page answers receive-only, and the screen
// plays in the pane, fitted, with its resolution and frame rate.
//
// Take snapshot puts the current frame in the editor; a click on the live
// screen does the same with an arrow already pointing at the spot clicked.
// Stop screensharing, the guest's Stop, the chat ending or this window
// closing ends it for both.

import { h } from '../shared/dom.js';

export const DEFAULT_INVITATION = 'May I see your screen? I will only be able to look, not click or type, '
  + 'and you can stop sharing at any time.';

const STATUS = {
  invited: 'Invitation sent. Waiting for the guest to answer…',
  accepted: 'The guest agreed and is choosing what to share…',
  started: 'Connecting to the guest’s screen…',
  declined: 'The guest declined to share their screen. You can still exchange snapshots.',
  blocked: 'The guest’s pop-up blocker stopped the invitation. They have been shown how to allow pop-ups; '
    + 'press Invite to share screen again once they have.',
  expired: 'The invitation expired without an answer. You can invite again.',
  withdrawn: 'Invitation withdrawn.',
  snapshot: null,
};

const CANNOT = {
  no_api: 'their browser has no screen sharing',
  insecure: 'the chat box is not on a secure (https) page',
  mobile: 'they are on a phone or tablet',
};

/**
 * Where, in video pixels, a click at (clientX, clientY) falls on a video
 * shown with object-fit: contain in `rect`; null outside the picture.
 */
export function videoPoint(rect, videoWidth, videoHeight, clientX, clientY) {
  if (!videoWidth || !videoHeight || !rect.width || !rect.height) return null;
  const scale = Math.min(rect.width / videoWidth, rect.height / videoHeight);
  const left = rect.left + (rect.width - videoWidth * scale) / 2;
  const top = rect.top + (rect.height - videoHeight * scale) / 2;
  const x = (clientX - left) / scale;
  const y = (clientY - top) / scale;
  if (x < 0 || y < 0 || x > videoWidth || y > videoHeight) return null;
  return { x: Math.round(x), y: Math.round(y) };
}

/** An arrow that ends at `p`, coming from up and to the right, kept inside the picture. */
export function arrowTo(p, width, height) {
  const len = Math.max(40, Math.round(Math.min(width, height) * 0.12));
  let dx = len;
  let dy = -len;
  if (p.x + dx > width) dx = -len;
  if (p.y + dy < 0) dy = len;
  return { x1: p.x + dx, y1: p.y + dy, x2: p.x, y2: p.y };
}

export class ScreenView {
  /**
   * els: inviteButton, form, text, cancel, status, panel, video, stats, snapshot, stop
   * opts: socket, chat (id), inviteText() (the queue's wording),
   *       onSnapshot(blob, point|null) (the frame, and where the operator clicked)
   */
  constructor(els, { socket, chat, inviteText = () => DEFAULT_INVITATION, onSnapshot }) {
    Object.assign(this, { els, socket, chat, inviteText, onSnapshot });
    this.share = 0;
    this.step = null;
    this.pc = null;
    this.pending = [];
    this.statsTimer = null;
    this.ended = false;
    this.relayRefused = false;
    this.bind();
    this.render();
  }

  bind() {
    const e = this.els;
    e.inviteButton.addEventListener('click', () => this.openForm());
    e.cancel.addEventListener('click', () => this.closeForm(true));
    e.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.invite();
    });
    e.form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.closeForm(true);
    });
    e.snapshot.addEventListener('click', () => this.takeSnapshot(null));
    e.stop.addEventListener('click', () => this.stop());
    e.video.addEventListener('click', (ev) => {
      const p = videoPoint(e.video.getBoundingClientRect(), e.video.videoWidth, e.video.videoHeight, ev.clientX, ev.clientY);
      this.takeSnapshot(p);
    });
    e.video.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        this.takeSnapshot(null);
      }
    });
    window.addEventListener('pagehide', () => this.closePeer());
  }

  /* ---------- inviting ---------- */

  openForm() {
    const e = this.els;
    if (!e.text.value.trim()) e.text.value = this.inviteText() || DEFAULT_INVITATION;
    e.form.hidden = false;
    e.text.focus();
    e.text.select();
  }

  closeForm(refocus) {
    this.els.form.hidden = true;
    if (refocus) this.els.inviteButton.focus();
  }

  async invite() {
    const e = this.els;
    const text = e.text.value.trim();
    if (!text) {
      this.say('Write a few words for the guest first.');
      e.text.focus();
      return;
    }
    e.form.querySelector('[type="submit"]').disabled = true;
    try {
      const ok = await this.socket.request({ type: 'share.invite', chat: this.chat, text });
      this.ice = ok.ice || null;
      this.closeForm(false);
      this.relayRefused = false;
      this.say(STATUS.invited);
    } catch (err) {
      this.say(err.code === 'share_busy' ? 'The guest is already sharing.'
        : `The invitation was not sent: ${err.message || 'please try again.'}`);
    } finally {
      e.form.querySelector('[type="submit"]').disabled = false;
    }
  }

  /* ---------- the consent record ---------- */

  onEvent(ev) {
    if (ev.kind !== 'share' || typeof ev.share !== 'number' || ev.share < this.share) return;
    this.share = ev.share;
    this.step = ev.step;
    // The guest said yes: gather relay candidates while they choose what to share.
    if (ev.step === 'accepted' && !this.pc && this.ice) this.openPeer(this.ice);
    if (ev.step === 'unsupported') {
      this.say(`The guest cannot share their screen: ${CANNOT[ev.reason] || 'their browser cannot'}. `
        + 'They have been offered to paste or upload a screenshot instead.');
    } else if (ev.step === 'stopped') {
      this.closePeer();
      if (!this.relayRefused) this.say(stoppedStatus(ev));
    } else if (STATUS[ev.step]) {
      this.say(STATUS[ev.step]);
    }
    this.render();
  }

  /** The chat ended: nothing more to share. */
  setEnded(ended) {
    this.ended = ended;
    if (ended) {
      this.closePeer();
      this.closeForm(false);
    }
    this.render();
  }

  /* ---------- the connection ---------- */

  onFrame(msg) {
    if (msg.chat !== this.chat) return;
    if (msg.type === 'share.offer') this.answer(msg);
    else if (msg.type === 'share.ice' && msg.share === this.share && this.pc) {
      if (this.pc.remoteDescription) this.addCandidate(msg);
      else this.pending.push(msg);
    }
  }

  async answer(msg) {
    if (msg.share !== this.share && msg.share < this.share) return;
    this.share = msg.share;
    if (!this.pc) this.openPeer(msg.ice);
    const pc = this.pc;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      for (const c of this.pending.splice(0)) this.addCandidate(c);
      await pc.setLocalDescription(await pc.createAnswer());
      await this.socket.request({ type: 'share.answer', chat: this.chat, share: msg.share, sdp: pc.localDescription.sdp });
    } catch (err) {
      this.say(`The guest’s screen could not be connected: ${err.message || 'unknown error'}.`);
      this.stop('connection_failed');
    }
  }

  openPeer(ice) {
    const pc = new RTCPeerConnection({ iceServers: ice?.servers || [],
      iceTransportPolicy: ice?.policy === 'relay' ? 'relay' : 'all', iceCandidatePoolSize: 1 });
    this.pc = pc;
    pc.addEventListener('track', (e) => {
      // Show each frame as soon as it is decoded: this is a view, not a call.
      if ('jitterBufferTarget' in e.receiver) e.receiver.jitterBufferTarget = 0;
      else if ('playoutDelayHint' in e.receiver) e.receiver.playoutDelayHint = 0;
      this.els.video.srcObject = e.streams[0] || new MediaStream([e.track]);
      this.els.video.play?.().catch(() => {});
      this.render();
    });
    pc.addEventListener('icecandidate', (e) => {
      const c = e.candidate;
      this.socket.post({ type: 'share.ice', chat: this.chat, share: this.share, candidate: c ? c.candidate : '',
        ...(c?.sdpMid != null ? { mid: c.sdpMid } : {}), ...(c?.sdpMLineIndex != null ? { mline: c.sdpMLineIndex } : {}) });
    });
    pc.addEventListener('icecandidateerror', (e) => {
      // 401: the relay refused our credentials (a wrong secret, or they expired).
      if (e.errorCode === 401 || e.errorCode === 431) {
        this.relayRefused = true;
        this.say('The relay (TURN) server refused the credentials, so the guest’s screen cannot be shown. '
          + 'The server’s --turn-secret must match the relay’s shared secret, and its clock must be right.');
      }
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === 'connected') {
        this.say('You are viewing the guest’s screen. Click on it to point at something in a snapshot.');
        this.startStats();
      }
      if (pc.connectionState === 'failed') {
        if (!this.relayRefused) {
          this.say('The connection to the guest’s screen failed: the relay server could not be reached. '
            + 'Check the TURN settings, then invite again.');
        }
        this.stop('connection_failed');
      }
    });
  }

  addCandidate(msg) {
    const init = msg.candidate ? { candidate: msg.candidate, sdpMid: msg.mid ?? null, sdpMLineIndex: msg.mline ?? null } : null;
    this.pc.addIceCandidate(init || undefined).catch(() => {});
  }

  closePeer() {
    clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.pc?.close();
    this.pc = null;
    this.pending = [];
    this.els.video.srcObject = null;
    this.els.stats.textContent = '';
    this.render();
  }

  startStats() {
    clearInterval(this.statsTimer);
    const tick = async () => {
      const v = this.els.video;
      let fps = null;
      try {
        const report = await this.pc?.getStats();
        report?.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesPerSecond != null) fps = s.framesPerSecond;
        });
      } catch { /* closed meanwhile */ }
      if (!v.videoWidth) return;
      this.els.stats.textContent = `${v.videoWidth} × ${v.videoHeight}${fps != null ? ` · ${Math.round(fps)} fps` : ''}`;
    };
    tick();
    this.statsTimer = setInterval(tick, 1000);
  }

  async stop(reason) {
    const share = this.share;
    this.closePeer();
    this.render();
    const msg = { type: 'share.stop', chat: this.chat, share };
    if (reason) msg.reason = reason;
    try {
      await this.socket.request(msg);
    } catch { /* already over */ }
  }

  /* ---------- snapshots ---------- */

  /** Grab the current frame (and where the operator pointed) into the editor. */
  async takeSnapshot(point) {
    const v = this.els.video;
    if (!v.videoWidth || !this.pc) return;
    const canvas = h('canvas', { width: v.videoWidth, height: v.videoHeight });
    canvas.getContext('2d').drawImage(v, 0, 0, v.videoWidth, v.videoHeight);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) return;
    this.socket.request({ type: 'share.snapshot', chat: this.chat, share: this.share }).catch(() => {});
    this.onSnapshot(blob, point);
  }

  /* ---------- drawing ---------- */

  render() {
    const e = this.els;
    // An unanswered invitation may be sent again (it replaces the first); not while sharing.
    const busy = ['accepted', 'started', 'snapshot'].includes(this.step) || Boolean(this.pc);
    e.inviteButton.disabled = this.ended || busy;
    e.inviteButton.hidden = this.ended;
    e.panel.hidden = !this.els.video.srcObject;
    e.snapshot.disabled = !this.els.video.srcObject;
    if (this.ended) e.panel.hidden = true;
  }

  say(text) {
    this.els.status.textContent = text || '';
    this.els.status.hidden = !text;
  }
}

function stoppedStatus(ev) {
  if (ev.reason === 'chat_ended') return 'Screen sharing ended with the chat.';
  if (ev.reason === 'cancelled') return 'The guest did not choose anything to share. You can invite again.';
  if (ev.reason === 'connection_failed') return 'Screen sharing stopped: the connection could not be made.';
  if (ev.by === 'system') return 'Screen sharing stopped: the guest did not choose anything in time.';
  if (ev.by === 'guest') return ev.reason === 'left' ? 'Screen sharing stopped: the guest left or closed the sharing window.'
    : 'The guest stopped sharing their screen.';
  return 'Screensharing stopped.';
}
