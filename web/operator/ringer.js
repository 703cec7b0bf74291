// ringer.js: how the webclient gets an operator's attention for a new chat.
//
// A soft two-note chime synthesised with WebAudio (no audio files), repeated
// while a chat is ringing, and desktop notifications. Both are off until the
// operator switches them on; the choice is remembered in localStorage.

import { t } from '../shared/i18n.js';

const PREFS_KEY = 'refdesk.alerts';
const REPEAT_MS = 4000;

export class Ringer {
  constructor() {
    this.prefs = loadPrefs();
    this.ctx = null;
    this.timer = null;
  }

  get sound() {
    return this.prefs.sound;
  }

  get desktop() {
    return this.prefs.desktop && 'Notification' in window && Notification.permission === 'granted';
  }

  /** Switch the chime on or off (call from a user gesture: audio needs one). */
  setSound(on) {
    this.prefs.sound = on;
    savePrefs(this.prefs);
    if (on) {
      this.ensureContext();
      this.chime();
    } else {
      this.stop();
    }
  }

  /** Switch notifications on (asks the browser's permission) or off. Resolves to a note for the operator, or ''. */
  async setDesktop(on) {
    this.prefs.desktop = on;
    savePrefs(this.prefs);
    if (!on) return '';
    if (!('Notification' in window)) return t('staff.alerts.unsupported');
    let permission = Notification.permission;
    if (permission === 'default') permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      this.prefs.desktop = false;
      savePrefs(this.prefs);
      return t('staff.alerts.blocked');
    }
    return '';
  }

  ensureContext() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!this.ctx) this.ctx = new Ctx();
    if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  /** Ring while `ringing` is true: a chime now and every few seconds. */
  update(ringing) {
    if (!ringing || !this.prefs.sound) return this.stop();
    if (this.timer) return undefined;
    this.chime();
    this.timer = setInterval(() => this.chime(), REPEAT_MS);
    return undefined;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  chime() {
    const ctx = this.ensureContext();
    if (!ctx || ctx.state !== 'running') return;
    const t = ctx.currentTime;
    note(ctx, 880, t, 0.35);
    note(ctx, 1318.5, t + 0.18, 0.5);
  }

  /** A desktop notification for a new chat, when switched on and the page is not in view. */
  notify(title, body, onClick) {
    if (!this.desktop || !document.hidden) return;
    const n = new Notification(title, { body, tag: 'refdesk-offer' });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  }
}

function note(ctx, freq, start, length) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.05);
}

function loadPrefs() {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY)) || {};
    return { sound: p.sound === true, desktop: p.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

function savePrefs(prefs) {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // Not remembered; still works for this page.
  }
}
