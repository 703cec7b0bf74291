// canned_picker.js: the type-ahead of saved replies in the webclient's
// message field (the listbox "Canned answers").
//
// Typing "/" at the start of the field opens the list above the field,
// filtered by what follows the slash (canned_model.js). The field keeps the
// focus throughout and points at the highlighted row with
// aria-activedescendant: ArrowUp/ArrowDown move, Enter or Tab inserts,
// Escape closes (until the text changes again). A click on a row inserts
// it too. Inserting replaces the field's text with the reply, placeholders
// filled in, for the operator to edit before sending. Its key handler runs
// in the capture phase, so while the list is open Enter picks a reply
// rather than sending "/ho"; the Send button does the same (its form's
// submit is caught first), so "/ho" never reaches the patron by a click.

import { h, replaceChildren } from '../shared/dom.js';
import { Choice, fillPlaceholders, filterCanned, slashQuery } from './canned_model.js';
import { t } from '../shared/i18n.js';

let nextId = 0;

export class CannedPicker {
  /**
   * textarea: the message field; anchor: the element the list is placed in
   * (positioned above the field by CSS). replies() gives the current list;
   * context() gives { guest, me, queue } for the placeholders; onOpen() is
   * called each time the list opens (to refresh it, then call update()).
   */
  constructor(textarea, anchor, { replies, context, onOpen = () => {} }) {
    this.textarea = textarea;
    this.replies = replies;
    this.context = context;
    this.onOpen = onOpen;
    this.choice = new Choice();
    this.shown = [];
    this.dismissed = null; // the text Escape closed the list on
    this.id = `canned-list-${++nextId}`;
    this.list = h('ul', { class: 'canned-list', id: this.id, role: 'listbox', 'aria-label': t('staff.canned.answers') });
    this.note = h('p', { class: 'canned-note', role: 'status' });
    this.box = h('div', { class: 'canned-pop', hidden: true }, this.list, this.note);
    anchor.append(this.box);
    textarea.setAttribute('aria-autocomplete', 'list');
    textarea.setAttribute('aria-controls', this.id);
    textarea.addEventListener('input', () => this.update());
    textarea.addEventListener('click', () => this.update());
    textarea.addEventListener('keydown', (e) => this.onKey(e), true);
    const form = textarea.form;
    if (form) {
      form.addEventListener('submit', (e) => {
        if (!this.isOpen || !this.shown.length) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        this.insert(this.choice.index);
      }, true);
    }
    textarea.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== textarea) this.close();
    }, 150));
  }

  get isOpen() {
    return !this.box.hidden;
  }

  /** Open, filter or close the list after the field changed. */
  update() {
    const value = this.textarea.value;
    const query = slashQuery(value, this.textarea.selectionStart ?? value.length);
    if (query === null || value === this.dismissed) {
      if (query === null) this.dismissed = null;
      this.close();
      return;
    }
    this.dismissed = null;
    const all = this.replies();
    const before = this.shown.map((c) => c.id).join();
    this.shown = filterCanned(all, query);
    // The same rows again (a refresh, a click in the field) keep the highlight.
    if (!this.isOpen || this.shown.map((c) => c.id).join() !== before) this.choice.reset(this.shown.length);
    this.draw(query, all.length);
    if (this.isOpen) return;
    this.box.hidden = false;
    this.onOpen();
  }

  draw(query, total) {
    const rows = this.shown.map((c, i) => h('li', {
      class: 'canned-option', id: `${this.id}-${i}`, role: 'option', 'aria-selected': 'false',
      on: { mousedown: (e) => e.preventDefault(), click: () => this.insert(i) },
    },
    h('span', { class: 'canned-option__name', text: c.name }),
    c.shared ? h('span', { class: 'canned-option__tag', text: t('staff.canned.shared') }) : null,
    h('span', { class: 'canned-option__text', text: c.text.replace(/\s+/g, ' ').slice(0, 140) })));
    replaceChildren(this.list, rows);
    this.list.hidden = rows.length === 0;
    this.note.textContent = rows.length ? t('staff.canned.keys')
      : total ? t('staff.canned.no_match', { query })
        : t('staff.canned.none');
    this.highlight();
  }

  highlight() {
    const rows = this.list.children;
    for (let i = 0; i < rows.length; i++) rows[i].setAttribute('aria-selected', String(i === this.choice.index));
    const row = rows[this.choice.index];
    if (row) {
      this.textarea.setAttribute('aria-activedescendant', row.id);
      row.scrollIntoView({ block: 'nearest' });
    } else {
      this.textarea.removeAttribute('aria-activedescendant');
    }
  }

  onKey(e) {
    if (!this.isOpen || e.isComposing) return;
    const has = this.shown.length > 0;
    let handled = true;
    if (e.key === 'ArrowDown' && has) this.choice.move(1);
    else if (e.key === 'ArrowUp' && has) this.choice.move(-1);
    else if ((e.key === 'Enter' || e.key === 'Tab') && has && !e.shiftKey) this.insert(this.choice.index);
    else if (e.key === 'Escape') {
      this.dismissed = this.textarea.value;
      this.close();
    } else handled = false;
    if (!handled) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (this.isOpen) this.highlight();
  }

  insert(i) {
    const c = this.shown[i];
    if (!c) return;
    const text = fillPlaceholders(c.text, this.context());
    this.close();
    this.textarea.value = text;
    this.textarea.focus();
    this.textarea.setSelectionRange(text.length, text.length);
    // The composer counts, grows and reports typing on input.
    this.textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  close() {
    this.box.hidden = true;
    this.shown = [];
    this.textarea.removeAttribute('aria-activedescendant');
  }
}
