// screen_view.js: screensharing in the sharing tool — the operator's side.
//
// Invite to share screen opens a short form with the invitation text (the
// queue's wording, editable) and sends `share.invite`. What the guest does
// comes back as `share` events in the chat, and this view says it in the
// status line: waiting, declined, a pop-up blocker, cannot share, started,
// stopped. When the guest's browser offers its screen (`share.offer`, with
// the ICE servers to use), this page answers receive-only, and the screen
// plays in the pane with its resolution and frame rate: fitted (Fit, as
// large as the pane allows, aspect kept), at Actual size (one video pixel
// to one screen pixel; drag, scroll or arrow keys move around), or full
// screen. While it plays, the page gives it the whole work area (onLive).
//
// Only this page knows whether the librarian sees anything, so it tells the
// server: `share.shown` at the first decoded frame (which records
// "started"), or `share.failed` when no frame can come — the relay refused
// the credentials, no candidate could be gathered, ICE failed, or nothing
// arrived within FRAME_WAIT_MS — and the guest is told.
//
// Take snapshot puts the current frame in the editor; a click on the live
// screen does the same with an arrow already pointing at the spot clicked.
// Stop screensharing, the guest's Stop, the chat ending or this window
// closing ends it for both.

import { h } from '../shared/dom.js';
import { DEFAULT_INVITATION } from '../shared/text.js';
import { t } from '../shared/i18n.js';

/** How long after answering the viewer waits for a first frame before it calls the share failed. */
export const FRAME_WAIT_MS = 15000;

// The steps, failures and reasons with words: staff.screen.{step,failed,cannot}.KEY in the catalogue.
const STATUS = ['invited', 'accepted', 'declined', 'blocked', 'expired', 'withdrawn'];
const FAILED = ['relay_refused', 'ice_failed', 'no_frame'];
const CANNOT = ['no_api', 'insecure', 'mobile'];
const failedText = (reason) => t(`staff.screen.failed.${FAILED.includes(reason) ? reason : 'ice_failed'}`);

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

/** How far a press may move and still be a click (a snapshot), not a drag (a pan). */
const DRAG_SLACK = 4;
const KEY_PAN = 48;

/**
 * The CSS size that shows a `videoWidth` x `videoHeight` frame one video
 * pixel to one device pixel.
 */
export function actualSize(videoWidth, videoHeight, devicePixelRatio = 1) {
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  return { width: videoWidth / dpr, height: videoHeight / dpr };
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
   * els: inviteButton, form, text, cancel, status, panel, frame, video, stats, snapshot, stop,
   *      fit, actual, full
   * opts: socket, chat (id), inviteText() (the queue's wording),
   *       onSnapshot(blob, point|null) (the frame, and where the operator clicked),
   *       onLive(live) (the screen started or stopped playing here)
   */
  constructor(els, { socket, chat, inviteText = () => DEFAULT_INVITATION, onSnapshot, onLive = () => {} }) {
    Object.assign(this, { els, socket, chat, inviteText, onSnapshot, onLive });
    this.scale = 'fit';
    this.pan = null; // a press on the actual-size screen: { x, y, left, top, moved }
    this.live = false;
    this.share = 0;
    this.step = null;
    this.pc = null;
    this.pending = [];
    this.statsTimer = null;
    this.ended = false;
    this.relayRefused = false;
    this.shown = false; // the first frame of this share arrived (and the server was told)
    this.frameTimer = null;
    this.gathered = 0; // local candidates of this peer connection
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
    // The first decoded frame: what only this page can tell the server.
    e.video.addEventListener('loadeddata', () => this.frameShown());
    e.stop.addEventListener('click', () => this.stop());
    e.video.addEventListener('click', (ev) => {
      const dragged = this.pan?.moved;
      this.pan = null;
      if (dragged) return;
      const p = videoPoint(e.video.getBoundingClientRect(), e.video.videoWidth, e.video.videoHeight, ev.clientX, ev.clientY);
      this.takeSnapshot(p);
    });
    e.video.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        this.takeSnapshot(null);
      } else if (this.scale === 'actual' && this.keyPan(ev.key)) {
        ev.preventDefault();
      }
    });
    e.video.addEventListener('resize', () => this.applyScale());
    e.fit.addEventListener('click', () => this.setScale('fit'));
    e.actual.addEventListener('click', () => this.setScale('actual'));
    e.full.addEventListener('click', () => this.toggleFullScreen());
    e.full.hidden = !document.fullscreenEnabled;
    document.addEventListener('fullscreenchange', () => {
      e.full.setAttribute('aria-pressed', String(document.fullscreenElement === e.panel));
    });
    this.bindPan();
    window.addEventListener('pagehide', () => this.closePeer());
  }

  /* ---------- Fit, Actual size, full screen ---------- */

  /** 'fit': as large as the pane allows; 'actual': one video pixel to one screen pixel. */
  setScale(scale) {
    const e = this.els;
    const v = e.video;
    // Keep the middle of what is in view where it is.
    const cx = v.videoWidth ? (e.frame.scrollLeft + e.frame.clientWidth / 2) / Math.max(1, v.clientWidth) : 0.5;
    const cy = v.videoHeight ? (e.frame.scrollTop + e.frame.clientHeight / 2) / Math.max(1, v.clientHeight) : 0.5;
    this.scale = scale;
    e.fit.setAttribute('aria-pressed', String(scale === 'fit'));
    e.actual.setAttribute('aria-pressed', String(scale === 'actual'));
    this.applyScale();
    if (scale === 'actual') {
      e.frame.scrollLeft = cx * v.clientWidth - e.frame.clientWidth / 2;
      e.frame.scrollTop = cy * v.clientHeight - e.frame.clientHeight / 2;
    }
  }

  applyScale() {
    const e = this.els;
    e.panel.dataset.scale = this.scale;
    const v = e.video;
    if (this.scale === 'actual' && v.videoWidth) {
      const size = actualSize(v.videoWidth, v.videoHeight, window.devicePixelRatio);
      v.style.width = `${size.width}px`;
      v.style.height = `${size.height}px`;
    } else {
      v.style.width = '';
      v.style.height = '';
    }
  }

  toggleFullScreen() {
    const panel = this.els.panel;
    if (document.fullscreenElement === panel) document.exitFullscreen().catch(() => {});
    else panel.requestFullscreen?.().catch(() => this.say(t('staff.screen.no_fullscreen')));
  }

  /** At actual size, a drag moves the view around; a press that does not move is a click. */
  bindPan() {
    const f = this.els.frame;
    f.addEventListener('pointerdown', (ev) => {
      if (this.scale !== 'actual' || ev.button !== 0) return;
      this.pan = { x: ev.clientX, y: ev.clientY, left: f.scrollLeft, top: f.scrollTop, moved: false, id: ev.pointerId };
    });
    f.addEventListener('pointermove', (ev) => {
      const p = this.pan;
      if (!p || p.id !== ev.pointerId) return;
      const dx = ev.clientX - p.x;
      const dy = ev.clientY - p.y;
      if (!p.moved && Math.abs(dx) + Math.abs(dy) <= DRAG_SLACK) return;
      if (!p.moved) {
        p.moved = true;
        f.setPointerCapture?.(ev.pointerId);
        f.classList.add('is-panning');
      }
      f.scrollLeft = p.left - dx;
      f.scrollTop = p.top - dy;
    });
    const end = (ev) => {
      if (!this.pan || this.pan.id !== ev.pointerId) return;
      f.classList.remove('is-panning');
      // A drag ends here; the click that may follow is not a snapshot.
      if (!this.pan.moved) this.pan = null;
      else setTimeout(() => { this.pan = null; }, 0);
    };
    f.addEventListener('pointerup', end);
    f.addEventListener('pointercancel', end);
  }

  keyPan(key) {
    const f = this.els.frame;
    const d = { ArrowLeft: [-KEY_PAN, 0], ArrowRight: [KEY_PAN, 0], ArrowUp: [0, -KEY_PAN], ArrowDown: [0, KEY_PAN] }[key];
    if (!d) return false;
    f.scrollLeft += d[0];
    f.scrollTop += d[1];
    return true;
  }

  /* ---------- inviting ---------- */

  openForm() {
    const e = this.els;
    // The server's default wording (a queue without its own) is offered in the librarian's language.
    const own = this.inviteText();
    if (!e.text.value.trim()) e.text.value = own && own !== DEFAULT_INVITATION ? own : t('staff.share.default_invitation');
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
      this.say(t('staff.screen.words_first'));
      e.text.focus();
      return;
    }
    e.form.querySelector('[type="submit"]').disabled = true;
    try {
      // The built-in wording left as it is: the guest reads it in their own language.
      const stock = text === t('staff.share.default_invitation').trim();
      const ok = await this.socket.request({ type: 'share.invite', chat: this.chat, text, ...(stock && { stock }) });
      this.ice = ok.ice || null;
      this.closeForm(false);
      this.relayRefused = false;
      this.say(STATUS.invited);
    } catch (err) {
      this.say(err.code === 'share_busy' ? t('staff.screen.busy')
        : t('staff.screen.not_sent', { reason: err.message || t('staff.try_again') }));
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
      this.say(t('staff.screen.cannot', { reason: CANNOT.includes(ev.reason) ? t(`staff.screen.cannot.${ev.reason}`) : t('staff.screen.cannot.other') }));
    } else if (ev.step === 'stopped') {
      this.closePeer();
      if (!this.relayRefused) this.say(stoppedStatus(ev));
    } else if (ev.step === 'failed') {
      this.closePeer();
      this.say(failedText(ev.reason));
    } else if (STATUS.includes(ev.step)) {
      this.say(t(`staff.screen.step.${ev.step}`));
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
    if (!this.shown) this.say(t('staff.screen.connecting'));
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      for (const c of this.pending.splice(0)) this.addCandidate(c);
      await pc.setLocalDescription(await pc.createAnswer());
      await this.socket.request({ type: 'share.answer', chat: this.chat, share: msg.share, sdp: pc.localDescription.sdp });
    } catch (err) {
      this.say(t('staff.screen.not_connected', { reason: err.message || t('staff.screen.unknown') }));
      this.fail('ice_failed');
      return;
    }
    if (this.shown || this.pc !== pc) return;
    clearTimeout(this.frameTimer);
    this.frameTimer = setTimeout(() => {
      if (this.pc !== pc || this.shown) return;
      // Without a single candidate of our own, the relay was never reached
      // (the browser keeps retrying it, so gathering may never complete).
      if (this.gathered === 0) this.fail(this.relayRefused ? 'relay_refused' : 'ice_failed');
      else this.fail('no_frame');
    }, FRAME_WAIT_MS);
    this.checkGathered(pc);
  }

  /** The first frame is on screen: the share has really started. */
  frameShown() {
    if (this.shown || !this.pc) return;
    this.shown = true;
    clearTimeout(this.frameTimer);
    this.socket.request({ type: 'share.shown', chat: this.chat, share: this.share }).catch(() => {});
  }

  /**
   * Nothing can be shown: say why here, tell the server (which records
   * "failed" and tells the guest), let go of the connection.
   */
  fail(reason) {
    if (!this.pc) return;
    if (this.shown) {
      this.stop('connection_failed');
      return;
    }
    const share = this.share;
    this.say(failedText(reason));
    this.closePeer();
    this.socket.request({ type: 'share.failed', chat: this.chat, share, reason }).catch(() => {});
  }

  /**
   * Once answered and done gathering without a single candidate of our own
   * (the relay refused us, or could not be reached), no connection can
   * come: say so now rather than after FRAME_WAIT_MS.
   */
  checkGathered(pc) {
    if (this.pc !== pc || this.shown || !pc.localDescription || pc.iceGatheringState !== 'complete') return;
    if (this.gathered === 0) this.fail(this.relayRefused ? 'relay_refused' : 'ice_failed');
  }

  openPeer(ice) {
    const pc = new RTCPeerConnection({ iceServers: ice?.servers || [],
      iceTransportPolicy: ice?.policy === 'relay' ? 'relay' : 'all', iceCandidatePoolSize: 1 });
    this.pc = pc;
    this.shown = false;
    this.gathered = 0;
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
      if (c?.candidate) this.gathered += 1;
      this.socket.post({ type: 'share.ice', chat: this.chat, share: this.share, candidate: c ? c.candidate : '',
        ...(c?.sdpMid != null ? { mid: c.sdpMid } : {}), ...(c?.sdpMLineIndex != null ? { mline: c.sdpMLineIndex } : {}) });
    });
    pc.addEventListener('icecandidateerror', (e) => {
      // 401: the relay refused our credentials (a wrong secret, or they expired).
      if (e.errorCode === 401 || e.errorCode === 431) {
        this.relayRefused = true;
        this.say(FAILED.relay_refused);
      }
    });
    pc.addEventListener('icegatheringstatechange', () => this.checkGathered(pc));
    pc.addEventListener('connectionstatechange', () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === 'connected') {
        this.say(t('staff.screen.viewing'));
        this.startStats();
      }
      if (pc.connectionState === 'failed') this.fail(this.relayRefused ? 'relay_refused' : 'ice_failed');
    });
  }

  addCandidate(msg) {
    const init = msg.candidate ? { candidate: msg.candidate, sdpMid: msg.mid ?? null, sdpMLineIndex: msg.mline ?? null } : null;
    this.pc.addIceCandidate(init || undefined).catch(() => {});
  }

  closePeer() {
    clearInterval(this.statsTimer);
    clearTimeout(this.frameTimer);
    this.statsTimer = null;
    this.frameTimer = null;
    this.gathered = 0;
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
    const live = !e.panel.hidden;
    if (live !== this.live) {
      this.live = live;
      if (!live && document.fullscreenElement === e.panel) document.exitFullscreen().catch(() => {});
      this.applyScale();
      this.onLive(live);
    }
  }

  say(text) {
    this.els.status.textContent = text || '';
    this.els.status.hidden = !text;
  }
}

function stoppedStatus(ev) {
  if (ev.reason === 'chat_ended') return t('staff.screen.stopped.chat_ended');
  if (ev.reason === 'cancelled') return t('staff.screen.stopped.cancelled');
  if (ev.reason === 'connection_failed') return t('staff.screen.stopped.connection_failed');
  if (ev.by === 'system') return t('staff.screen.stopped.system');
  if (ev.by === 'guest') return ev.reason === 'left' ? t('staff.screen.stopped.left') : t('staff.screen.stopped.guest');
  return t('staff.screen.stopped.other');
}
