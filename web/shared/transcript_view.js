// transcript_view.js: draws a Transcript (transcript_model.js) into a
// role="log" element and keeps it in step with as few DOM changes as
// possible: each item keeps its element, updated in place when its state
// changes, so screen readers announce each new message once.
//
// Snapshots show as thumbnails sized from the event (no jump when they
// load) and open the full image in a new tab; in the operator's view a
// guest's snapshot stays hidden behind a Show button until asked for.
// Files show as download links with their name, type and size. How blobs
// are reached (cookie or bearer token) is the `media` option (media.js).

import { h, timeElement } from './dom.js';
import { isOwnItem, noticeText, senderLabel, stateText, startsGroup } from './transcript_model.js';
import { fileDetails, renderKind, thumbBox } from './attachments.js';
import { t } from './i18n.js';

let uid = 0;

export class TranscriptView {
  /**
   * `log` is the role="log" element; `perspective` is 'guest' or 'operator'.
   * `media` reaches the chat's blobs (media.js); `actions` has retry(item)
   * and discard(item) for our failed uploads. `archive` draws a past
   * transcript for someone who may not have written it (Chat History):
   * senders by name, never "You", and no delivery state. `selfId()`, on
   * operators' pages, is the reader's operator id: a colleague's messages
   * (the holder before a transfer) are theirs, not "You".
   */
  constructor(log, { perspective, media = null, actions = {}, archive = false, selfId = () => null }) {
    this.log = log;
    this.perspective = perspective;
    this.selfId = selfId;
    this.archive = archive;
    this.media = media;
    this.actions = actions;
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
    const mine = transcript.items.filter((i) => i.kind !== 'notice' && this.isMine(i) && i.state === 'sent');
    const lastSentKey = mine.length ? mine[mine.length - 1].key : null;
    for (const item of transcript.items) {
      const grouped = !startsGroup(item, prevItem);
      const el = this.nodeFor(item, grouped, !this.archive && (item.state !== 'sent' || item.key === lastSentKey));
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
    const sig = [item.kind, item.text, item.name, this.transcript.guestLabel, item.notice, grouped, renderKind(item, this.perspective),
      item.blob, item.thumb, item.preview, item.alt, item.file_name, item.retryable && item.state === 'failed']
      .join('\u0000');
    const node = this.nodes.get(item.key);
    if (node && node.sig === sig) {
      if (item.kind !== 'notice') this.updateState(node.el, item, showState);
      return node.el;
    }
    const el = item.kind === 'notice' ? this.noticeElement(item) : this.messageElement(item, grouped, showState);
    if (node) node.el.replaceWith(el);
    this.nodes.set(item.key, { el, sig });
    return el;
  }

  /** Did the reader write `item`? Their side, and on staff pages their own operator id. */
  isMine(item) {
    return isOwnItem(item, this.perspective, this.selfId());
  }

  updateState(el, item, showState) {
    const mine = this.isMine(item);
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
    const bar = el.querySelector('progress');
    if (bar && item.state === 'pending') bar.value = item.progress || 0;
    else bar?.remove();
  }

  messageElement(item, grouped, showState) {
    const mine = this.isMine(item);
    const who = senderLabel(item, this.archive ? null : this.perspective, this.transcript.guestLabel, this.selfId());
    return h('div', { class: messageClasses(item, mine), 'data-state': item.state, 'data-from': item.from,
      'data-seq': item.seq ?? '', 'data-kind': item.kind },
      grouped
        ? h('span', { class: 'rd-visually-hidden', text: `${who}: ` })
        : h('div', { class: 'rd-msg__meta' },
          h('span', { class: 'rd-msg__who', text: who }),
          h('span', { class: 'rd-visually-hidden', text: ', ' }),
          timeElement(item.at || Date.now()),
          h('span', { class: 'rd-visually-hidden', text: ': ' })),
      item.kind === 'message' ? h('div', { class: 'rd-msg__bubble', text: item.text }) : this.mediaElement(item),
      mine && item.state === 'pending' && item.kind !== 'message'
        ? h('progress', { class: 'rd-media__progress', max: 1, value: item.progress || 0, 'aria-label': t('transcript.upload_progress') })
        : null,
      mine && showState ? h('div', { class: 'rd-msg__state', text: stateText(item) }) : null,
      mine && item.state === 'failed' && item.kind !== 'message' ? this.failedActions(item) : null);
  }

  /** A snapshot's thumbnail (or its hidden stand-in), or a file's link. */
  mediaElement(item) {
    const how = renderKind(item, this.perspective);
    if (how === 'file') return this.fileElement(item);
    if (how === 'image-hidden') return this.hiddenImageElement(item);
    return this.imageElement(item);
  }

  imageElement(item) {
    const alt = item.alt || (this.isMine(item) ? t('transcript.your_image') : t('transcript.an_image'));
    const local = !item.blob;
    const box = local ? null : thumbBox(item);
    const img = h('img', { class: 'rd-media__img', alt, decoding: 'async' });
    if (box) {
      img.width = box.width;
      img.height = box.height;
    }
    if (local) {
      if (item.preview) img.src = item.preview;
      return h('div', { class: 'rd-media rd-media--image' }, img);
    }
    this.setSource(img, item.thumb || item.blob);
    const hint = h('span', { class: 'rd-visually-hidden', text: ` ${t('transcript.opens_image')}` });
    return h('div', { class: 'rd-media rd-media--image' }, this.openControl(item, 'rd-media__thumb', img, hint));
  }

  /** The operator's view of a guest's snapshot before Show: its name and details. */
  hiddenImageElement(item) {
    const nameId = `rd-media-${++uid}`;
    const size = item.width && item.height ? `${item.width}×${item.height}` : null;
    const details = [item.mime, size, fileDetails({ size: item.size })].filter(Boolean).join(' · ');
    return h('div', { class: 'rd-media rd-media--hidden' },
      h('span', { class: 'rd-media__icon', 'aria-hidden': 'true' }),
      h('span', { class: 'rd-media__label' },
        this.openControl(item, 'rd-media__name', h('span', { id: nameId, text: item.file_name || t('transcript.image') }),
          h('span', { class: 'rd-visually-hidden', text: ` ${t('staff.transcript.opens_tab')}` })),
        h('span', { class: 'rd-media__details', text: `${t('staff.transcript.image_hidden')} · ${details}` })),
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small rd-media__show',
        text: t('staff.transcript.show'), 'aria-describedby': nameId,
        on: { click: () => this.reveal(item) } }));
  }

  fileElement(item) {
    if (!item.blob) {
      return h('div', { class: 'rd-media rd-file' },
        h('span', { class: 'rd-file__icon', 'aria-hidden': 'true' }),
        h('span', { class: 'rd-file__text' },
          h('span', { class: 'rd-file__name', text: item.file_name || 'file' }),
          h('span', { class: 'rd-file__details', text: fileDetails(item) })));
    }
    const link = h('a', { class: 'rd-media rd-file rd-file--link', href: this.media.href(item.blob),
      download: item.file_name || 'file' },
      h('span', { class: 'rd-file__icon', 'aria-hidden': 'true' }),
      h('span', { class: 'rd-file__text' },
        h('span', { class: 'rd-file__name', text: item.file_name || 'file' }),
        h('span', { class: 'rd-file__details' },
          h('span', { class: 'rd-visually-hidden', text: `${t('transcript.download')}, ` }), fileDetails(item))));
    if (this.media.intercept) {
      link.addEventListener('click', (e) => {
        e.preventDefault();
        this.media.download(item.blob, item.file_name).catch(() => failNote(link));
      });
    }
    return link;
  }

  /** Show a hidden snapshot and move focus to it (the Show button is gone). */
  reveal(item) {
    if (!this.transcript?.reveal(item.key)) return;
    this.render(this.transcript);
    this.nodes.get(item.key)?.el.querySelector('.rd-media__thumb')?.focus();
  }

  /** A link (cookie) or button (bearer) that opens the full image in a new tab. */
  openControl(item, cls, ...children) {
    if (!this.media.intercept) {
      return h('a', { class: cls, href: this.media.href(item.blob), target: '_blank', rel: 'noopener' }, children);
    }
    const button = h('button', { type: 'button', class: cls }, children);
    button.addEventListener('click', () => this.media.open(item.blob, item.alt || item.file_name || t('transcript.image'))
      .catch(() => failNote(button)));
    return button;
  }

  /** Point `img` at a blob, now (cookie) or once fetched (bearer). */
  setSource(img, hash) {
    const src = this.media.src(hash);
    if (typeof src === 'string') {
      img.src = src;
      return;
    }
    img.classList.add('is-loading');
    src.then((url) => {
      img.src = url;
      img.classList.remove('is-loading');
    }, () => {
      img.classList.remove('is-loading');
      img.classList.add('is-broken');
    });
  }

  failedActions(item) {
    return h('div', { class: 'rd-msg__actions' },
      item.retryable ? h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small',
        text: t('transcript.try_again'), on: { click: () => this.actions.retry?.(item) } }) : null,
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small',
        text: t('transcript.remove'), on: { click: () => this.actions.discard?.(item) } }));
  }

  noticeElement(item) {
    return h('div', { class: `rd-notice rd-notice--${item.notice}`, 'data-notice': item.notice,
      'data-step': item.step },
      noticeText(item, this.perspective, this.transcript.guestLabel), ' ', timeElement(item.at || Date.now()));
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
  const media = item.kind === 'message' ? '' : ` rd-msg--media rd-msg--${item.kind}`;
  return `rd-msg ${mine ? 'rd-msg--mine' : 'rd-msg--theirs'} rd-msg--${item.state}${media}`;
}

/** Say so next to a blob that could not be fetched. */
function failNote(el) {
  if (el.nextElementSibling?.classList.contains('rd-media__error')) return;
  el.after(h('span', { class: 'rd-media__error', role: 'status', text: t('transcript.load_failed') }));
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
        h('span'), h('span'), h('span')), t('transcript.typing', { name: who }));
    }
    if (active) this.timer = setTimeout(() => this.set(false), this.timeoutMs);
  }
}
