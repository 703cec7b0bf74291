// composer.js: the message box under a transcript (guest box and webclient).
//
// Enter sends, Shift+Enter starts a new line (and an IME composition is
// never cut short). The text is checked against PROTOCOL.md's limit before
// anything is sent: an over-long message is refused here with the limit
// shown, and a live counter appears as the text nears the limit. Typing
// state goes out as `typing` on/off, throttled, through onTyping.

import { checkMessage, counterText, COUNTER_FROM, MAX_TEXT } from './text.js';
import { t } from './i18n.js';

const TYPING_IDLE_MS = 4000;

export class Composer {
  /**
   * els: { form, textarea, counter, error } (existing elements).
   * onSend(text) is called with the text to send; return false to keep it.
   * onTyping(active) is called when the typing state changes.
   */
  constructor(els, { onSend, onTyping = () => {} }) {
    Object.assign(this, els);
    this.onSend = onSend;
    this.onTyping = onTyping;
    this.typing = false;
    this.idleTimer = null;

    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.submit();
      }
    });
    this.textarea.addEventListener('input', () => this.handleInput());
  }

  handleInput() {
    this.updateCounter();
    if (this.error.textContent && checkMessage(this.textarea.value).reason !== 'too_long') this.showError('');
    this.autosize();
    const hasText = this.textarea.value.trim() !== '';
    this.setTyping(hasText);
    clearTimeout(this.idleTimer);
    if (hasText) this.idleTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE_MS);
  }

  setTyping(active) {
    if (active === this.typing) return;
    this.typing = active;
    this.onTyping(active);
  }

  submit() {
    const text = this.textarea.value;
    const check = checkMessage(text);
    if (check.reason === 'empty') return;
    if (check.reason === 'too_long') {
      this.showError(t('composer.too_long', { length: check.length, max: MAX_TEXT }));
      this.textarea.focus();
      return;
    }
    if (this.onSend(text.trim()) === false) return;
    this.textarea.value = '';
    clearTimeout(this.idleTimer);
    this.setTyping(false);
    this.updateCounter();
    this.autosize();
    this.showError('');
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  updateCounter() {
    const { length } = checkMessage(this.textarea.value);
    const near = length >= COUNTER_FROM;
    this.counter.hidden = !near;
    this.counter.textContent = near ? counterText(length) : '';
    this.counter.classList.toggle('is-over', length > MAX_TEXT);
  }

  /** Grow the textarea with its content up to a few lines. */
  autosize() {
    const ta = this.textarea;
    ta.style.height = 'auto';
    ta.style.height = `${Math.min(ta.scrollHeight + 2, 160)}px`;
  }

  setEnabled(enabled) {
    this.textarea.disabled = !enabled;
    for (const b of this.form.querySelectorAll('button[type="submit"]')) b.disabled = !enabled;
  }

  focus() {
    this.textarea.focus();
  }
}
