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
import { t } from '../shared/i18n.js';

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
      this.say(t('staff.snaps.saved', { name }));
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
      this.say(t('staff.snaps.not_loaded', { reason: cannedFailure(r.status, r.error?.code) }));
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
      h('button', { type: 'button', class: 'rd-button rd-button--small', text: t('staff.snaps.send'),
        'aria-label': t('staff.snaps.send_label', { name: entry.name }), disabled: ended, on: { click: () => this.send(entry) } }),
      entry.may_change && h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.admin.rename'),
        'aria-label': t('staff.admin.rename_label', { name: entry.name }), on: { click: () => this.askRename(li, entry) } }),
      entry.may_change && h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.history.delete'),
        'aria-label': t('staff.canned.delete_label', { name: entry.name }), on: { click: () => this.askDelete(li, entry) } }));
    li.append(thumb, h('div', { class: 'canned-snap__body' }, name, actions));
    return li;
  }

  async send(entry) {
    this.say(t('staff.snaps.sending', { name: entry.name }));
    const r = await apiRequest(`/api/canned-snapshots/${entry.id}/send`,
      { method: 'POST', body: { chat: this.chat, cid: newId() } });
    this.say(r.ok ? t('staff.snaps.sent', { name: entry.name }) : t('staff.snaps.not_sent', { name: entry.name, reason: cannedFailure(r.status, r.error?.code) }));
    if (!r.ok && r.error?.code === 'not_found') await this.load();
  }

  /** Rename in place: the entry's text and buttons give way to a small form. */
  askRename(li, entry) {
    const input = h('input', { class: 'rd-input canned-snap__input', value: entry.name, maxlength: 40,
      autocomplete: 'off', 'aria-label': t('staff.snaps.new_name', { name: entry.name }) });
    const error = h('p', { class: 'rd-alert canned-snap__error', role: 'alert', hidden: true });
    const form = h('form', { class: 'canned-snap__body', noValidate: true },
      input,
      h('div', { class: 'canned-snap__actions' },
        h('button', { type: 'submit', class: 'rd-button rd-button--small', text: t('staff.admin.save_name') }),
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.cancel'),
          on: { click: () => this.renderAndFocus(entry.id, t('staff.admin.rename')) } })),
      error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problem = nameProblem(input.value);
      const r = problem ? null : await apiRequest(`/api/canned-snapshots/${entry.id}`, { method: 'POST', body: { name: input.value } });
      if (problem || !r.ok) {
        error.hidden = false;
        error.textContent = problem || t('staff.snaps.not_renamed', { reason: cannedFailure(r.status, r.error?.code) });
        input.focus();
        return;
      }
      this.say(t('staff.snaps.renamed', { name: input.value }));
      await this.load();
      this.focusIn(entry.id, t('staff.admin.rename'));
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.renderAndFocus(entry.id, t('staff.admin.rename'));
      }
    });
    li.querySelector('.canned-snap__body').replaceWith(form);
    input.focus();
    input.select();
  }

  /** Delete asks once more, in place: Delete NAME? with Delete and Keep. */
  askDelete(li, entry) {
    const body = h('div', { class: 'canned-snap__body' },
      h('span', { class: 'canned-snap__name', text: t('staff.snaps.delete_ask', { name: entry.name }) }),
      h('div', { class: 'canned-snap__actions' },
        h('button', { type: 'button', class: 'rd-button rd-button--danger rd-button--small', text: t('staff.history.delete'),
          'aria-label': t('staff.snaps.yes_delete', { name: entry.name }), on: { click: () => this.remove(entry) } }),
        h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.snaps.keep'),
          on: { click: () => this.renderAndFocus(entry.id, t('staff.history.delete')) } })));
    li.querySelector('.canned-snap__body').replaceWith(body);
    body.querySelector('button').focus();
  }

  async remove(entry) {
    const r = await apiRequest(`/api/canned-snapshots/${entry.id}/delete`, { method: 'POST', body: {} });
    this.say(r.ok ? t('staff.snaps.deleted', { name: entry.name }) : t('staff.snaps.not_deleted', { reason: cannedFailure(r.status, r.error?.code) }));
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
