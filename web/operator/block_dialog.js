// block_dialog.js: the webclient's Block guest dialog (PROTOCOL.md §2.14).
//
// A modal <dialog> built here: it says first that a library's public
// computers and Wi-Fi share one address (so a block may stop other
// patrons), then asks for a reason and the hours (1 by default, at most 24),
// and posts the block. The page hears onBlocked(block) after the server
// ended the chat; refusals are said inside the dialog. The rules and words
// are block_model.js's.

import { apiRequest } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { HOURS_DEFAULT, HOURS_MAX, REASON_MAX, SHARED_ADDRESS_WARNING, blockRefusal, checkBlock } from './block_model.js';
import { t } from '../shared/i18n.js';

export class BlockDialog {
  /** onBlocked(block) hears a block the server made. */
  constructor({ onBlocked }) {
    this.onBlocked = onBlocked;
    this.chat = null;
    this.returnFocus = null;
    this.build();
  }

  build() {
    this.reason = h('input', { class: 'rd-input', id: 'block-reason', maxlength: REASON_MAX, autocomplete: 'off',
      'aria-describedby': 'block-reason-hint' });
    this.hours = h('input', { class: 'rd-input block-dialog__hours', id: 'block-hours', type: 'number', min: 1,
      max: HOURS_MAX, step: 1, inputmode: 'numeric', value: String(HOURS_DEFAULT), 'aria-describedby': 'block-hours-hint' });
    this.error = h('p', { class: 'rd-alert transfer-dialog__error', role: 'alert' });
    this.send = h('button', { type: 'submit', class: 'rd-button rd-button--danger', text: t('staff.block_guest') });
    this.form = h('form', { class: 'transfer-dialog__form', method: 'dialog', noValidate: true,
      on: { submit: (e) => this.submit(e) } },
    h('div', { class: 'rd-field' },
      h('label', { for: 'block-reason', text: t('staff.block.reason') }),
      this.reason,
      h('p', { class: 'rd-hint', id: 'block-reason-hint', text: t('staff.block.reason_hint') })),
    h('div', { class: 'rd-field' },
      h('label', { for: 'block-hours', text: t('staff.block.hours') }),
      this.hours,
      h('p', { class: 'rd-hint', id: 'block-hours-hint', text: t('staff.block.hours_hint', { max: HOURS_MAX }) })),
    this.error,
    h('div', { class: 'transfer-dialog__actions' },
      h('button', { type: 'button', class: 'rd-button rd-button--quiet', text: t('staff.cancel'), on: { click: () => this.dialog.close() } }),
      this.send));
    this.dialog = h('dialog', { class: 'transfer-dialog block-dialog', 'aria-labelledby': 'block-title',
      'aria-describedby': 'block-warning' },
    h('h2', { class: 'transfer-dialog__title', id: 'block-title', text: t('staff.block.title') }),
    h('p', { class: 'block-dialog__warning', id: 'block-warning', text: SHARED_ADDRESS_WARNING }),
    h('p', { class: 'rd-hint', text: t('staff.block.explain') }),
    this.form);
    this.dialog.addEventListener('close', () => this.returnFocus?.focus?.());
    document.body.append(this.dialog);
  }

  /** Open for `chat`; focus goes back to `returnFocus` when it closes. */
  open(chat, returnFocus = document.activeElement) {
    this.chat = chat;
    this.returnFocus = returnFocus;
    this.reason.value = '';
    this.hours.value = String(HOURS_DEFAULT);
    this.error.textContent = '';
    this.send.disabled = false;
    if (!this.dialog.open) this.dialog.showModal();
    this.reason.focus();
  }

  async submit(e) {
    e.preventDefault();
    const { body, problem } = checkBlock(this.reason.value, this.hours.value);
    if (problem) {
      this.error.textContent = problem;
      return;
    }
    this.error.textContent = '';
    this.send.disabled = true;
    const r = await apiRequest(`/api/chats/${encodeURIComponent(this.chat)}/block`, { method: 'POST', body });
    this.send.disabled = false;
    if (!r.ok) {
      this.error.textContent = t('staff.block.not_blocked', { reason: blockRefusal(r.status, r.error?.code) });
      return;
    }
    this.dialog.close();
    this.onBlocked?.(r.data.block);
  }
}
