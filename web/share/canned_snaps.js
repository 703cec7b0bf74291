// canned_snaps.js: the sharing tool's canned snapshots (PROTOCOL.md §2.8) —
// the Canned snapshots list (thumbnails, Send to guest, Rename, Delete) and
// the Save as canned snapshot form under the editor's bar. Saving itself
// (flattening the editor and uploading) is main.js's: this module asks for
// a name and calls onSave(name). The list is the account's, so it is loaded
// again each time it opens and after every change.

import { apiRequest } from '../shared/api.js';
import { h, clear } from '../shared/dom.js';
import { newId } from '../shared/text.js';
import { byName, cannedFailure, nameProblem } from './canned_snaps_model.js';

export class CannedSnaps {
  /**
   * els: { toggle, panel, close, list, empty, status, saveButton, form, name, cancel, error }.
   * chat: the chat's id; isEnded() whether the chat can no longer be written to;
   * onSave(name) resolves to { ok, text } after saving the editor's image.
   */
  constructor(els, { chat, isEnded, onSave }) {
    this.els = els;
    this.chat = chat;
    this.isEnded = isEnded;
    this.onSave = onSave;
    this.entries = [];
    this.saving = false;
    els.toggle.addEventListener('click', () => (els.panel.hidden ? this.open() : this.close()));
    els.close.addEventListener('click', () => this.close({ focus: true }));
    els.saveButton.addEventListener('click', () => this.askName());
    els.cancel.addEventListener('click', () => this.closeForm({ focus: true }));
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    els.form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.closeForm({ focus: true });
    });
    els.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.target.closest('input')) this.close({ focus: true });
    });
  }

  /* ---------- saving ---------- */

  askName() {
    this.els.form.hidden = false;
    this.els.error.hidden = true;
    this.els.name.focus();
    this.els.name.select();
  }

  closeForm({ focus = false } = {}) {
    this.els.form.hidden = true;
    if (focus) this.els.saveButton.focus();
  }

  async save() {
    if (this.saving) return;
    const name = this.els.name.value;
    const problem = nameProblem(name);
    if (problem) {
      this.showError(problem);
      return;
    }
    this.saving = true;
    this.els.form.setAttribute('aria-busy', 'true');
    try {
      const r = await this.onSave(name);
      if (!r.ok) {
        this.showError(r.text);
        return;
      }
      this.els.name.value = '';
      this.closeForm({ focus: true });
      this.say(`Saved as canned snapshot “${name}”.`);
      if (!this.els.panel.hidden) await this.load();
    } finally {
      this.saving = false;
      this.els.form.removeAttribute('aria-busy');
    }
  }

  showError(text) {
    this.els.error.hidden = false;
    this.els.error.textContent = text;
    this.els.name.focus();
  }

  /* ---------- the list ---------- */

  async open() {
    this.els.panel.hidden = false;
    this.els.toggle.setAttribute('aria-expanded', 'true');
    await this.load();
    (this.els.list.querySelector('button') || this.els.close).focus();
  }

  close({ focus = false } = {}) {
    this.els.panel.hidden = true;
    this.els.toggle.setAttribute('aria-expanded', 'false');
    if (focus) this.els.toggle.focus();
  }

  async load() {
    const r = await apiRequest('/api/canned-snapshots');
    if (!r.ok) {
      this.say(`The canned snapshots could not be loaded: ${cannedFailure(r.status, r.error?.code)}`);
      return;
    }
    this.entries = byName(r.data.canned_snapshots);
    this.render();
  }

  say(text) {
    this.els.status.textContent = text;
  }

  render() {
    clear(this.els.list);
    this.els.empty.hidden = this.entries.length > 0;
    for (const entry of this.entries) this.els.list.append(this.item(entry));
  }

  item(entry) {
    const ended = this.isEnded();
    const li = h('li', { class: 'canned-snap', dataset: { id: String(entry.id) } });
    const thumb = h('img', { class: 'canned-snap__thumb', src: `/api/canned-snapshots/${entry.id}/thumb`,
      alt: entry.alt, width: entry.thumb_width, height: entry.thumb_height, loading: 'lazy' });
    const name = h('span', { class: 'canned-snap__name', text: entry.name });
    const actions = h('div', { class: 'canned-snap__actions' },
      h('button', { type: 'button', class: 'rd-button rd-button--small', text: 'Send',
        'aria-label': `Send ${entry.name} to the guest`, disabled: ended, on: { click: () => this.send(entry) } }),
      entry.may_change && h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: 'Rename',
        'aria-label': `Rename ${entry.name}`, on: { click: () => this.askRename(li, entry) } }),
      entry.may_change && h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: 'Delete',
        'aria-label': `Delete ${entry.name}`, on: { click: () => this.askDelete(li, entry) } }));
    li.append(thumb, h('div', { class: 'canned-snap__body' }, name, actions));
    return li;
  }

  async send(entry) {
    this.say(`Sending ${entry.name}…`);
    const r = await apiRequest(`/api/canned-snapshots/${entry.id}/send`,
      { method: 'POST', body: { chat: this.chat, cid: newId() } });
    this.say(r.ok ? `Sent ${entry.name} to the guest.` : `${entry.name} was not sent: ${cannedFailure(r.status, r.error?.code)}`);
    if (!r.ok && r.error?.code === 'not_found') await this.load();
  }

  /** Rename in place: the entry's text and buttons give way to a small form. */
  askRename(li, entry) {
    const input = h('input', { class: 'rd-input canned-snap__input', value: entry.name, maxlength: 40,
      autocomplete: 'off', 'aria-label': `New name for ${entry.name}` });
    const error = h('p', { class: 'rd-alert canned-snap__error', role: 'alert', hidden: true });
    const form = h('form', { class: 'canned-snap__body', noValidate: true },
      input,
      h('div', { class: 'canned-snap__actions' },
        h('button', { type: 'submit', class: 'rd-button rd-button--small', text: 'Save name' }),
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: 'Cancel',
          on: { click: () => this.renderAndFocus(entry.id, 'Rename') } })),
      error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problem = nameProblem(input.value);
      const r = problem ? null : await apiRequest(`/api/canned-snapshots/${entry.id}`, { method: 'POST', body: { name: input.value } });
      if (problem || !r.ok) {
        error.hidden = false;
        error.textContent = problem || `Not renamed: ${cannedFailure(r.status, r.error?.code)}`;
        input.focus();
        return;
      }
      this.say(`Renamed to ${input.value}.`);
      await this.load();
      this.focusIn(entry.id, 'Rename');
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.renderAndFocus(entry.id, 'Rename');
      }
    });
    li.querySelector('.canned-snap__body').replaceWith(form);
    input.focus();
    input.select();
  }

  /** Delete asks once more, in place: Delete NAME? with Delete and Keep. */
  askDelete(li, entry) {
    const body = h('div', { class: 'canned-snap__body' },
      h('span', { class: 'canned-snap__name', text: `Delete ${entry.name}? Every librarian of your library loses it.` }),
      h('div', { class: 'canned-snap__actions' },
        h('button', { type: 'button', class: 'rd-button rd-button--danger rd-button--small', text: 'Delete',
          'aria-label': `Yes, delete ${entry.name}`, on: { click: () => this.remove(entry) } }),
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: 'Keep',
          on: { click: () => this.renderAndFocus(entry.id, 'Delete') } })));
    li.querySelector('.canned-snap__body').replaceWith(body);
    body.querySelector('button').focus();
  }

  async remove(entry) {
    const r = await apiRequest(`/api/canned-snapshots/${entry.id}/delete`, { method: 'POST', body: {} });
    this.say(r.ok ? `Deleted ${entry.name}.` : `Not deleted: ${cannedFailure(r.status, r.error?.code)}`);
    await this.load();
    (this.els.list.querySelector('button') || this.els.close).focus();
  }

  renderAndFocus(id, label) {
    this.render();
    this.focusIn(id, label);
  }

  focusIn(id, label) {
    const li = this.els.list.querySelector(`[data-id="${id}"]`);
    const button = [...(li?.querySelectorAll('button') || [])].find((b) => b.textContent === label);
    (button || this.els.close).focus();
  }
}
