// attach_ui.js: getting an image (or, for staff, any file) into the
// composer — pasted into the message field, dropped on the conversation,
// or picked with a button — and the preview shown before it goes.
//
// An image is checked first (type and size, attachments.js): one that
// cannot be sent is refused here, with the limit shown, and nothing goes
// out. Otherwise the preview shows the picture, its name and size, an
// optional description (sent as the image's alt text) and Send image /
// Cancel. Nothing is sent until Send image. The preview's blob: URL is
// revoked when it closes.

import { h, replaceChildren } from './dom.js';
import { checkUpload, humanSize, imageFromTransfer, isImageType, MAX_ALT } from './attachments.js';
import { t } from './i18n.js';

export class AttachUi {
  /**
   * els: { textarea, dropZone, preview (an empty container), attachButton,
   * attachInput, fileButton?, fileInput? }.
   * onSendImage(file, alt) sends an image and returns { ok, message };
   * onSendFile(file) sends any file (staff only; omit for guests);
   * showError(text) shows (or, with '', clears) a sentence by the composer.
   */
  constructor(els, { onSendImage, onSendFile = null, showError }) {
    Object.assign(this, els);
    this.onSendImage = onSendImage;
    this.onSendFile = onSendFile;
    this.showError = showError;
    this.current = null; // { file, url }
    this.enabled = true;
    this.limits = {}; // { maxImage, maxFile } in bytes, once the server has said

    this.textarea.addEventListener('paste', (e) => this.handlePaste(e));
    this.attachButton.addEventListener('click', () => this.attachInput.click());
    this.attachInput.addEventListener('change', () => this.takePicked(this.attachInput, 'image'));
    if (this.fileButton && this.fileInput) {
      this.fileButton.addEventListener('click', () => this.fileInput.click());
      this.fileInput.addEventListener('change', () => this.takePicked(this.fileInput, 'file'));
    }
    this.dropZone.addEventListener('dragover', (e) => this.handleDragOver(e));
    this.dropZone.addEventListener('dragleave', (e) => {
      if (!this.dropZone.contains(e.relatedTarget)) this.dropZone.classList.remove('is-dropping');
    });
    this.dropZone.addEventListener('drop', (e) => this.handleDrop(e));
    this.preview.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.cancel();
      }
    });
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.attachButton.disabled = !enabled;
    if (this.fileButton) this.fileButton.disabled = !enabled;
    if (!enabled) this.close();
  }

  handlePaste(e) {
    if (!this.enabled) return;
    const file = imageFromTransfer(e.clipboardData);
    if (!file) return; // text: the textarea takes it as usual
    e.preventDefault();
    this.offerImage(file);
  }

  handleDragOver(e) {
    if (!this.enabled || !hasFiles(e.dataTransfer)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this.dropZone.classList.add('is-dropping');
  }

  handleDrop(e) {
    this.dropZone.classList.remove('is-dropping');
    if (!this.enabled || !hasFiles(e.dataTransfer)) return;
    e.preventDefault();
    const image = imageFromTransfer(e.dataTransfer);
    const any = e.dataTransfer.files[0];
    if (image) this.offerImage(image);
    else if (any && this.onSendFile) this.sendFile(any);
    else if (any) this.offerImage(any); // explains what can be sent
  }

  takePicked(input, kind) {
    const file = input.files && input.files[0];
    input.value = ''; // the same file may be picked again later
    if (!file) return;
    if (kind === 'image' || (!this.onSendFile && isImageType(file.type))) this.offerImage(file);
    else this.sendFile(file);
  }

  sendFile(file) {
    const r = this.onSendFile(file);
    this.showError(r && !r.ok ? r.message : '');
  }

  /** Check an image and show its preview, or say why it cannot be sent. */
  offerImage(file) {
    const check = checkUpload(file, 'image', this.limits);
    if (!check.ok) {
      this.close();
      this.showError(check.message);
      return;
    }
    this.showError('');
    this.close();
    const url = URL.createObjectURL(file);
    this.current = { file, url };
    const alt = h('input', { class: 'rd-input rd-preview__alt', id: 'rd-preview-alt', type: 'text',
      maxLength: MAX_ALT, autocomplete: 'off', placeholder: t('attach.alt.placeholder') });
    const send = h('button', { type: 'button', class: 'rd-button rd-button--small', text: t('attach.send'),
      on: { click: () => this.confirm(alt.value) } });
    alt.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.confirm(alt.value);
      }
    });
    replaceChildren(this.preview,
      h('img', { class: 'rd-preview__img', src: url, alt: t('attach.preview_alt') }),
      h('div', { class: 'rd-preview__body' },
        h('p', { class: 'rd-preview__name' },
          h('span', { class: 'rd-preview__file', text: file.name || t('attach.pasted') }),
          h('span', { class: 'rd-preview__size', text: humanSize(file.size) })),
        h('label', { class: 'rd-preview__label', for: 'rd-preview-alt' }, `${t('attach.alt')} `,
          h('span', { class: 'rd-preview__optional', text: t('box.optional') })),
        alt,
        h('div', { class: 'rd-preview__actions' }, send,
          h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('box.cancel'),
            on: { click: () => this.cancel() } }))));
    this.preview.hidden = false;
    send.focus();
  }

  confirm(alt) {
    if (!this.current) return;
    const { file } = this.current;
    const r = this.onSendImage(file, alt.trim());
    if (r && !r.ok) {
      this.showError(r.message);
      return;
    }
    this.close();
    this.textarea.focus();
  }

  cancel() {
    this.close();
    this.textarea.focus();
  }

  /** Hide the preview and revoke its URL. */
  close() {
    if (this.current) URL.revokeObjectURL(this.current.url);
    this.current = null;
    replaceChildren(this.preview);
    this.preview.hidden = true;
  }
}

function hasFiles(transfer) {
  return Boolean(transfer && [...(transfer.types || [])].includes('Files'));
}
