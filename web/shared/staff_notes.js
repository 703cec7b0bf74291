// staff_notes.js: the staff notes of one chat, drawn for staff pages (the
// webclient, the sharing tool, the chat management page and Chat History).
//
// A note is words for colleagues about the chat ("she may need the
// microfilm reader"); the server keeps notes apart from the conversation and
// never sends them to the guest (PROTOCOL §3.10). Each reads "Staff note —
// NAME" on a tinted card, so nobody takes one for something the guest saw.
// StaffNotesPanel adds the field (textbox "Staff note", Enter adds, Shift+
// Enter starts a new line); notesList() draws a read-only list.

import { h, replaceChildren, timeElement } from './dom.js';
import { noteLabel, staffTextProblem, STAFF_TEXT_MAX } from './staff_model.js';
import { newId } from './text.js';
import { t } from './i18n.js';

let panels = 0;

/** A read-only list of notes (an <ol>), oldest first. */
export function notesList(notes, { label = t('staff.notes.title') } = {}) {
  return h('ol', { class: 'staff-notes__list', 'aria-label': label },
    notes.map((n) => h('li', { class: 'staff-note' },
      h('p', { class: 'staff-note__head' }, h('span', { text: noteLabel(n) }), ' · ', timeElement(n.at)),
      h('p', { class: 'staff-note__text', text: n.text }))));
}

export class StaffNotesPanel {
  /**
   * `root`: an element to fill. `send(chat, text, id)`: sends `note.send`
   * and resolves with the reply (rejects with {code, message}).
   */
  constructor(root, { send }) {
    const n = ++panels;
    this.send = send;
    this.chat = null;
    this.list = null;
    this.drawnVersion = -1;
    this.log = h('div', { class: 'staff-notes__log', role: 'log', 'aria-live': 'polite',
      'aria-label': t('staff.notes.title'), tabindex: '0' });
    this.empty = h('p', { class: 'staff-notes__empty', text: t('staff.notes.empty') });
    this.input = h('textarea', { class: 'rd-textarea staff-notes__input', id: `staff-note-${n}`, rows: 1,
      maxlength: STAFF_TEXT_MAX * 2, placeholder: t('staff.notes.placeholder'),
      'aria-describedby': `staff-note-${n}-error` });
    this.button = h('button', { type: 'submit', class: 'rd-button rd-button--small staff-notes__add', text: t('staff.notes.add') });
    this.error = h('p', { class: 'rd-alert staff-notes__error', id: `staff-note-${n}-error`, role: 'alert', hidden: true });
    this.form = h('form', { class: 'staff-notes__form', novalidate: true },
      h('label', { class: 'rd-visually-hidden', for: `staff-note-${n}`, text: t('staff.notes.label') }),
      this.input, this.button, this.error);
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('input', () => this.setError(''));
    this.input.addEventListener('blur', () => this.setError(''));
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    replaceChildren(root, h('section', { class: 'staff-notes', 'aria-labelledby': `staff-notes-${n}-title` },
      h('h2', { class: 'staff-notes__title', id: `staff-notes-${n}-title` }, t('staff.notes.title'), ' ',
        h('span', { class: 'staff-notes__hint', text: t('staff.notes.hint') })),
      this.log, this.empty, this.form));
  }

  /** Show chat `chat`'s notes (a NotesList); call again whenever it changed. */
  show(chat, list) {
    if (chat !== this.chat) {
      this.chat = chat;
      this.drawnVersion = -1;
      this.input.value = '';
      this.setError('');
    }
    this.list = list;
    if (this.drawnVersion === list.version) return;
    this.drawnVersion = list.version;
    const notes = list.all();
    replaceChildren(this.log, notesList(notes));
    this.log.hidden = notes.length === 0;
    this.empty.hidden = notes.length > 0;
    this.log.scrollTop = this.log.scrollHeight;
  }

  setEnabled(on) {
    this.input.disabled = !on;
    this.button.disabled = !on;
    this.form.hidden = !on;
  }

  setError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  async submit() {
    const problem = staffTextProblem(this.input.value);
    if (problem) {
      this.setError(problem);
      return;
    }
    const text = this.input.value;
    const chat = this.chat;
    this.setError('');
    this.button.disabled = true;
    try {
      await this.send(chat, text, newId('n'));
      if (chat === this.chat) this.input.value = '';
    } catch (err) {
      this.setError(err.code === 'chat_ended' ? t('staff.notes.closed')
        : err.code === 'too_long' ? t('staff.notes.too_long', { max: STAFF_TEXT_MAX })
          : t('staff.notes.not_saved', { reason: err.message || t('staff.try_again') }));
    } finally {
      this.button.disabled = this.input.disabled;
    }
  }

  focus() {
    this.input.focus();
  }
}
