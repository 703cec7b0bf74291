// conversation.js: the chat beside the editor — the same transcript the
// webclient shows (its own socket follows the same chat, so both windows
// get every event), the typing line, the message box and Send file.
//
// Snapshots in the transcript get an Edit button that opens them in the
// editor. The transcript model keeps only the fields it draws, so the raw
// snapshot events (with `parent` and `annotation`, which the editor needs
// to open an edited image again) are kept here by seq.

import { h } from '../shared/dom.js';
import { Transcript } from '../shared/transcript_model.js';
import { TranscriptView, TypingLine } from '../shared/transcript_view.js';
import { Composer } from '../shared/composer.js';
import { cookieMedia } from '../shared/media.js';
import { newId } from '../shared/text.js';
import { postUpload, uploadFailure } from './share_upload.js';
import { t } from '../shared/i18n.js';

export class Conversation {
  /**
   * els: { log, typing, form, textarea, counter, error, fileButton, fileInput }.
   * socket is the page's RdSocket; me() the signed-in operator;
   * onEdit(event) opens a snapshot event in the editor.
   */
  constructor(els, { chat, socket, me, onEdit }) {
    this.els = els;
    this.chat = chat;
    this.socket = socket;
    this.me = me;
    this.onEdit = onEdit;
    this.transcript = new Transcript();
    this.snapshots = new Map(); // seq -> snapshot event
    this.ended = false;
    this.guestName = null;
    this.view = new TranscriptView(els.log, { perspective: 'operator', media: cookieMedia(() => chat),
      selfId: () => this.me()?.id ?? null,
      actions: { retry: () => {}, discard: (item) => { this.transcript.remove(item.cid); this.render(); } } });
    this.typingLine = new TypingLine(els.typing, 60000);
    this.composer = new Composer(
      { form: els.form, textarea: els.textarea, counter: els.counter, error: els.error },
      { onSend: (text) => this.sendMessage(text),
        onTyping: (active) => socket.post({ type: 'typing', chat, active }) });
    els.fileButton.addEventListener('click', () => els.fileInput.click());
    els.fileInput.addEventListener('change', () => {
      const file = els.fileInput.files?.[0];
      els.fileInput.value = '';
      if (file) this.sendFile(file);
    });
  }

  /** A server event of this chat. */
  addEvent(ev) {
    if (ev.kind === 'snapshot') this.snapshots.set(ev.seq, ev);
    if (ev.kind === 'notice' && ev.notice === 'ended') this.setEnded(true);
    if (ev.kind === 'message' && ev.from === 'guest') this.typingLine.set(false);
    this.transcript.addEvent(ev);
    this.render();
  }

  /** A `typing` frame from the guest. */
  setTyping(active) {
    this.typingLine.set(active, this.guestName || t('staff.share.the_guest'));
  }

  setEnded(ended) {
    this.ended = ended;
    this.composer.setEnabled(!ended);
    this.els.fileButton.disabled = ended;
  }

  render() {
    this.view.render(this.transcript);
    this.addEditButtons();
  }

  /** An Edit button on every stored snapshot that has none yet. */
  addEditButtons() {
    for (const el of this.els.log.querySelectorAll('[data-kind="snapshot"][data-seq]')) {
      const ev = this.snapshots.get(Number(el.dataset.seq));
      if (!ev || el.querySelector('.share-edit')) continue;
      const what = ev.file_name || t('staff.share.image');
      el.append(h('div', { class: 'share-edit-row' },
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small share-edit',
          text: t('staff.share.edit'), title: t('staff.share.open_in_editor', { what }),
          on: { click: () => this.onEdit(ev) } },
        h('span', { class: 'rd-visually-hidden', text: ` ${t('staff.share.in_editor', { what })}` }))));
    }
  }

  sendMessage(text) {
    if (this.ended) return false;
    const cid = newId('o');
    this.transcript.addPending({ cid, text, from: 'operator', operatorId: this.me()?.id ?? null,
      name: this.me()?.name || null });
    this.render();
    this.socket.request({ type: 'msg.send', id: cid, chat: this.chat, text }, { retry: true })
      .then((ack) => this.transcript.ack(cid, ack.seq),
        (err) => this.transcript.fail(cid, uploadFailure(err.code === 'offline' ? 0 : 400, err.code).text))
      .finally(() => this.render());
    return true;
  }

  /**
   * Upload `body` (a Blob) as an image or file with `headers` and show it as
   * ours until the server's event takes its place. Resolves to the answer.
   */
  async sendBlob(kind, body, { fileName, headers = {}, alt = '' }) {
    const cid = newId('ou');
    const preview = kind === 'image' ? URL.createObjectURL(body) : null;
    this.transcript.addPendingUpload({ cid, kind: kind === 'image' ? 'snapshot' : 'file', from: 'operator',
      operatorId: this.me()?.id ?? null, name: this.me()?.name || null, fileName, mime: body.type || 'application/octet-stream', size: body.size,
      preview, alt });
    this.render();
    const r = await postUpload(this.chat, body, { 'X-Upload-Kind': kind, 'X-Client-Id': cid,
      'X-File-Name': encodeURIComponent(fileName), ...headers });
    if (r.ok) this.transcript.ack(cid, r.data.seq);
    else this.transcript.fail(cid, uploadFailure(r.status, r.error?.code).text, { retryable: false });
    this.render();
    if (preview && r.ok) setTimeout(() => URL.revokeObjectURL(preview), 60000);
    return r;
  }

  /** Send any file (Send file). */
  async sendFile(file) {
    this.composer.showError('');
    if (!file.size) {
      this.composer.showError(t('staff.share.file_empty'));
      return;
    }
    const r = await this.sendBlob('file', file, { fileName: file.name || 'file',
      headers: { 'Content-Type': file.type || 'application/octet-stream' } });
    if (!r.ok) this.composer.showError(t('staff.share.file_not_sent', { reason: uploadFailure(r.status, r.error?.code).text }));
  }
}
