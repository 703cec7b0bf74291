// transfer_dialog.js: the Transfer dialog every staff page opens for a chat it holds.
//
// A modal <dialog> built here (so each page only adds a button): it asks the
// server whom the chat could go to (`transfer.targets`), lists available
// colleagues and the account's queues as radio buttons, takes an optional note
// for the colleague, and sends `chat.transfer`. An admin asking about a chat
// whose holder is gone is offered it themself ("Take this chat myself"), which
// hands it over at once. The page hears onStarted(ok) and shows the waiting
// line (or, after a take, that the chat is theirs) itself; refusals are said inside the dialog. The
// words come from transfer_model.js.

import { h, replaceChildren } from './dom.js';
import { NOTE_MAX, refusalText, transferChoices, transferMessage } from './transfer_model.js';
import { t } from './i18n.js';

let dialogs = 0;

export class TransferDialog {
  /**
   * `request(msg)` sends a message and resolves with the reply (rejects with
   * {code, message}); `onStarted(reply)` hears an accepted `chat.transfer`.
   */
  constructor({ request, onStarted }) {
    this.request = request;
    this.onStarted = onStarted;
    this.chat = null;
    this.returnFocus = null;
    const n = ++dialogs;
    this.ids = { title: `transfer-title-${n}`, note: `transfer-note-${n}`, hint: `transfer-hint-${n}` };
    this.build();
  }

  build() {
    this.list = h('div', { class: 'transfer-dialog__choices' });
    this.error = h('p', { class: 'rd-alert transfer-dialog__error', role: 'alert' });
    this.note = h('textarea', { class: 'rd-textarea', id: this.ids.note, rows: 3, maxlength: NOTE_MAX,
      'aria-describedby': this.ids.hint });
    this.send = h('button', { type: 'submit', class: 'rd-button', text: t('staff.transfer') });
    this.form = h('form', { class: 'transfer-dialog__form', method: 'dialog', on: { submit: (e) => this.submit(e) } },
      this.list,
      h('div', { class: 'rd-field transfer-dialog__note' },
        h('label', { for: this.ids.note, text: t('staff.transfer.note') }),
        this.note,
        h('p', { class: 'rd-hint', id: this.ids.hint, text: t('staff.transfer.note_hint') })),
      this.error,
      h('div', { class: 'transfer-dialog__actions' },
        h('button', { type: 'button', class: 'rd-button rd-button--quiet', text: t('staff.cancel'),
          on: { click: () => this.dialog.close() } }),
        this.send));
    this.dialog = h('dialog', { class: 'transfer-dialog', 'aria-labelledby': this.ids.title },
      h('h2', { class: 'transfer-dialog__title', id: this.ids.title, text: t('staff.transfer.title') }),
      h('p', { class: 'rd-hint', text: t('staff.transfer.explain') }),
      this.form);
    this.dialog.addEventListener('close', () => this.returnFocus?.focus?.());
    document.body.append(this.dialog);
  }

  /** Open for `chat`; focus goes back to `returnFocus` when it closes. */
  async open(chat, returnFocus = document.activeElement) {
    this.chat = chat;
    this.returnFocus = returnFocus;
    this.note.value = '';
    this.error.textContent = '';
    this.send.disabled = true;
    replaceChildren(this.list, h('p', { class: 'rd-hint', role: 'status', text: t('staff.transfer.finding') }));
    if (!this.dialog.open) this.dialog.showModal();
    try {
      const targets = await this.request({ type: 'transfer.targets', chat });
      if (this.chat === chat) this.drawChoices(transferChoices(targets));
    } catch (err) {
      replaceChildren(this.list);
      this.error.textContent = refusalText(err);
    }
  }

  drawChoices({ operators, queues }) {
    const group = (legend, choices, empty) => h('fieldset', { class: 'transfer-dialog__group' },
      h('legend', { text: legend }),
      choices.length ? choices.map((c) => this.radio(c)) : h('p', { class: 'rd-hint', text: empty }));
    replaceChildren(this.list,
      group(t('staff.transfer.to_colleague'), operators, t('staff.transfer.no_colleague')),
      group(t('staff.transfer.to_queue'), queues, t('staff.transfer.no_queue')));
    const first = this.list.querySelector('input:not(:disabled)');
    this.send.disabled = !first;
    (first || this.note).focus();
    if (first) first.checked = true;
  }

  radio(choice) {
    const id = `${this.ids.title}-${choice.value.replace(/[^a-z0-9]/gi, '-')}`;
    return h('div', { class: `transfer-dialog__choice${choice.disabled ? ' is-disabled' : ''}` },
      h('input', { type: 'radio', name: 'transfer-to', id, value: choice.value, disabled: choice.disabled,
        'aria-describedby': `${id}-hint` }),
      h('label', { for: id, text: choice.label }),
      h('span', { class: 'transfer-dialog__hint', id: `${id}-hint`, text: choice.hint }));
  }

  async submit(e) {
    e.preventDefault();
    const picked = this.list.querySelector('input[name="transfer-to"]:checked');
    if (!picked) {
      this.error.textContent = t('staff.transfer.choose');
      return;
    }
    this.error.textContent = '';
    this.send.disabled = true;
    try {
      const reply = await this.request(transferMessage(this.chat, picked.value, this.note.value));
      this.dialog.close();
      this.onStarted?.(reply);
    } catch (err) {
      this.error.textContent = refusalText(err);
    } finally {
      this.send.disabled = false;
    }
  }
}
