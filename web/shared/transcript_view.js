// transcript_view.js: draws a Transcript (transcript_model.js) into a
// role="log" element and keeps it in step with as few DOM changes as
// possible: each item keeps its element, updated in place when its state
// changes, so screen readers announce each new message once.

import { h, timeElement } from './dom.js';
import { noticeText, senderLabel, stateText, startsGroup } from './transcript_model.js';

export class TranscriptView {
  /** `log` is the role="log" element; `perspective` is 'guest' or 'operator'. */
  constructor(log, { perspective }) {
    this.log = log;
    this.perspective = perspective;
    this.nodes = new Map(); // key -> { el, sig }
    this.renderedVersion = -1;
    this.transcript = null;
    // Follow the end of the conversation unless the reader scrolled up, also
    // when the log itself changes size (composer grows, ended panel shows).
    this.stuck = true;
    log.addEventListener('scroll', () => { this.stuck = this.isNearBottom(); }, { passive: true });
    if (globalThis.ResizeObserver) new ResizeObserver(() => this.stuck && this.scrollToEnd()).observe(log);
  }

  /** Bring the log up to date with `transcript`. */
  render(transcript) {
    if (transcript === this.transcript && transcript.version === this.renderedVersion) return;
    if (transcript !== this.transcript) this.reset();
    this.transcript = transcript;
    this.renderedVersion = transcript.version;

    const stick = this.stuck || this.isNearBottom();
    const seen = new Set();
    let prevEl = null;
    let prevItem = null;
    // "Sent" shows under our latest sent message only; "Sending…" and
    // "Not sent" show wherever they apply.
    const mine = transcript.items.filter((i) => i.kind === 'message' && i.from === this.perspective && i.state === 'sent');
    const lastSentKey = mine.length ? mine[mine.length - 1].key : null;
    for (const item of transcript.items) {
      const grouped = !startsGroup(item, prevItem);
      const el = this.nodeFor(item, grouped, item.state !== 'sent' || item.key === lastSentKey);
      seen.add(item.key);
      const want = prevEl ? prevEl.nextSibling : this.log.firstChild;
      if (want !== el) this.log.insertBefore(el, want);
      prevEl = el;
      prevItem = item;
    }
    for (const [key, node] of this.nodes) {
      if (!seen.has(key)) {
        node.el.remove();
        this.nodes.delete(key);
      }
    }
    if (stick) this.scrollToEnd();
  }

  reset() {
    for (const node of this.nodes.values()) node.el.remove();
    this.nodes.clear();
  }

  nodeFor(item, grouped, showState) {
    // What a reader hears: text, sender and grouping. A change there means a
    // new element; a change of delivery state only is made in place, so the
    // live region does not announce the message again.
    const sig = [item.kind, item.text, item.name, item.notice, grouped].join('\u0000');
    const node = this.nodes.get(item.key);
    if (node && node.sig === sig) {
      if (item.kind === 'message') this.updateState(node.el, item, showState);
      return node.el;
    }
    const el = item.kind === 'message' ? this.messageElement(item, grouped, showState) : this.noticeElement(item);
    if (node) node.el.replaceWith(el);
    this.nodes.set(item.key, { el, sig });
    return el;
  }

  updateState(el, item, showState) {
    const mine = item.from === this.perspective;
    el.className = messageClasses(item, mine);
    el.dataset.state = item.state;
    el.dataset.seq = item.seq ?? '';
    let stateEl = el.querySelector('.rd-msg__state');
    if (!mine || !showState) {
      stateEl?.remove();
      return;
    }
    if (!stateEl) el.append(stateEl = h('div', { class: 'rd-msg__state' }));
    stateEl.textContent = stateText(item);
  }

  messageElement(item, grouped, showState) {
    const mine = item.from === this.perspective;
    const who = senderLabel(item, this.perspective);
    return h('div', { class: messageClasses(item, mine), 'data-state': item.state, 'data-from': item.from,
      'data-seq': item.seq ?? '' },
      grouped
        ? h('span', { class: 'rd-visually-hidden', text: `${who}: ` })
        : h('div', { class: 'rd-msg__meta' },
          h('span', { class: 'rd-msg__who', text: who }),
          h('span', { class: 'rd-visually-hidden', text: ', ' }),
          timeElement(item.at || Date.now()),
          h('span', { class: 'rd-visually-hidden', text: ': ' })),
      h('div', { class: 'rd-msg__bubble', text: item.text }),
      mine && showState ? h('div', { class: 'rd-msg__state', text: stateText(item) }) : null);
  }

  noticeElement(item) {
    return h('div', { class: `rd-notice rd-notice--${item.notice}`, 'data-notice': item.notice },
      noticeText(item, this.perspective), ' ', timeElement(item.at || Date.now()));
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.log;
    return scrollHeight - scrollTop - clientHeight < 80;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

function messageClasses(item, mine) {
  return `rd-msg ${mine ? 'rd-msg--mine' : 'rd-msg--theirs'} rd-msg--${item.state}`;
}

/**
 * The "… is typing" line under a transcript: shows `who is typing…` while
 * active and clears itself if no update arrives for `timeoutMs`.
 */
export class TypingLine {
  constructor(el, timeoutMs = 8000) {
    this.el = el;
    this.timeoutMs = timeoutMs;
    this.timer = null;
    this.shown = null;
  }

  set(active, who) {
    const shown = active ? who : null;
    if (shown === this.shown && !active) return;
    clearTimeout(this.timer);
    if (shown !== this.shown) {
      this.shown = shown;
      this.el.textContent = '';
      if (active) this.el.append(h('span', { class: 'rd-typing__dots', 'aria-hidden': 'true' },
        h('span'), h('span'), h('span')), `${who} is typing…`);
    }
    if (active) this.timer = setTimeout(() => this.set(false), this.timeoutMs);
  }
}
