// canned_editor.js: list, add, edit and delete saved replies (PROTOCOL.md 2.8).
//
// One view for both kinds: the admin page shows the account's shared
// replies (shared: true), the webclient's "Saved replies" dialog the
// operator's own. It draws from GET /api/canned and redraws from each
// answer, so it always shows what the server holds; onChange(list) hands
// the whole list on (the webclient's type-ahead uses it).

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { checkCanned, NAME_MAX } from './canned_model.js';
import { t } from '../shared/i18n.js';

let nextId = 0;

export class CannedEditor {
  constructor(root, { shared, onChange = () => {} }) {
    this.shared = shared;
    this.onChange = onChange;
    this.all = [];
    this.max = 200;
    this.editing = null; // the reply being edited, or null when adding
    const id = `canned-${shared ? 'shared' : 'own'}-${++nextId}`;
    this.list = h('ul', { class: 'canned-manage__list', 'aria-label': shared ? t('staff.canned.shared_replies') : t('staff.canned.dialog') });
    this.empty = h('p', { class: 'rd-hint', text: shared
      ? t('staff.canned.no_shared') : t('staff.canned.no_own') });
    this.formTitle = h('h3', { class: 'canned-manage__form-title', id: `${id}-title`, text: t('staff.canned.add_title') });
    this.name = h('input', { class: 'rd-input', id: `${id}-name`, autocomplete: 'off', maxLength: NAME_MAX,
      spellcheck: 'false', 'aria-describedby': `${id}-name-hint` });
    this.text = h('textarea', { class: 'rd-textarea canned-manage__text', id: `${id}-text`, rows: 4,
      'aria-describedby': `${id}-text-hint` });
    this.save = h('button', { type: 'submit', class: 'rd-button', text: t('staff.canned.add') });
    this.cancel = h('button', { type: 'button', class: 'rd-button rd-button--quiet', text: t('staff.cancel'), hidden: true,
      on: { click: () => this.stopEditing() } });
    this.status = h('p', { class: 'rd-alert', role: 'status' });
    this.form = h('form', { class: 'canned-manage__form', noValidate: true, 'aria-labelledby': `${id}-title`,
      on: { submit: (e) => this.submit(e), keydown: (e) => e.key === 'Escape' && this.editing && this.stopEditing() } },
    this.formTitle,
    h('div', { class: 'rd-field' },
      h('label', { for: this.name.id, text: t('staff.canned.name') }), this.name,
      h('span', { class: 'rd-hint', id: `${id}-name-hint`, text: t('staff.canned.name_hint') })),
    h('div', { class: 'rd-field' },
      h('label', { for: this.text.id, text: t('staff.canned.text') }), this.text,
      h('span', { class: 'rd-hint', id: `${id}-text-hint`,
        text: t('staff.canned.text_hint') })),
    h('div', { class: 'canned-manage__buttons' }, this.save, this.cancel));
    replaceChildren(root, this.list, this.empty, this.form, this.status);
  }

  say(text, ok = false) {
    this.status.textContent = text;
    this.status.classList.toggle('rd-alert--ok', ok);
  }

  /** GET /api/canned and draw; resolves to the whole list. */
  async load() {
    const r = await apiRequest('/api/canned');
    if (!r.ok) {
      this.say(r.error.message);
      return this.all;
    }
    this.setAll(r.data.canned, r.data.max);
    return this.all;
  }

  setAll(all, max = this.max) {
    this.all = all;
    this.max = max;
    this.draw();
    this.onChange(all);
  }

  mine() {
    return this.all.filter((c) => c.shared === this.shared);
  }

  draw() {
    const items = this.mine().map((c) => h('li', { class: 'canned-manage__item' },
      h('div', { class: 'canned-manage__body' },
        h('p', { class: 'canned-manage__name', text: c.name }),
        h('p', { class: 'canned-manage__preview', text: c.text })),
      h('div', { class: 'canned-manage__actions' },
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.share.edit'),
          'aria-label': t('staff.canned.edit_label', { name: c.name }), 'data-canned': String(c.id), on: { click: () => this.startEditing(c) } }),
        h('button', { type: 'button', class: 'rd-button rd-button--danger rd-button--small', text: t('staff.history.delete'),
          'aria-label': t('staff.canned.delete_label', { name: c.name }), on: { click: () => this.remove(c) } }))));
    replaceChildren(this.list, items);
    this.list.hidden = items.length === 0;
    this.empty.hidden = items.length > 0;
  }

  startEditing(c) {
    this.editing = c;
    this.formTitle.textContent = t('staff.canned.edit_title', { name: c.name });
    this.name.value = c.name;
    this.text.value = c.text;
    this.save.textContent = t('staff.canned.save_changes');
    this.cancel.hidden = false;
    this.say('');
    this.name.focus();
  }

  stopEditing() {
    const was = this.editing;
    this.editing = null;
    this.formTitle.textContent = t('staff.canned.add_title');
    this.name.value = '';
    this.text.value = '';
    this.save.textContent = t('staff.canned.add');
    this.cancel.hidden = true;
    if (was) this.list.querySelector(`[data-canned="${was.id}"]`)?.focus();
  }

  async submit(e) {
    e.preventDefault();
    const body = { name: this.name.value.trim(), text: this.text.value };
    const problem = checkCanned(body);
    if (problem) {
      this.say(problem);
      (problem.includes('name') || problem.includes('Name') ? this.name : this.text).focus();
      return;
    }
    const editing = this.editing;
    const r = editing
      ? await apiRequest(`/api/canned/${editing.id}`, { method: 'POST', body })
      : await apiRequest('/api/canned', { method: 'POST', body: this.shared ? { ...body, shared: true } : body });
    if (!r.ok) {
      this.say(r.error.message);
      return;
    }
    await this.load();
    this.stopEditing();
    this.say(editing ? t('staff.canned.saved', { name: r.data.name }) : t('staff.canned.added', { name: r.data.name }), true);
    this.name.focus();
  }

  async remove(c) {
    const r = await apiRequest(`/api/canned/${c.id}/delete`, { method: 'POST', body: {} });
    if (!r.ok) {
      this.say(r.error.message);
      return;
    }
    if (this.editing?.id === c.id) this.stopEditing();
    await this.load();
    this.say(t('staff.canned.deleted', { name: c.name }), true);
    (this.list.querySelector('button') || this.name).focus();
  }
}
