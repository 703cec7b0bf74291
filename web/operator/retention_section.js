// retention_section.js: the admin page's "Retention" section — one form per queue with the
// days its transcript text and its images and files are kept and whether guest names are kept,
// saved with **Save retention** (POST /api/admin/queues/{queue}/retention). The server purges
// what has expired; docs/OPERATIONS.md ("Retention") says how.

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { describeRule, ruleBody, ruleOrigin } from './retention_model.js';
import { t } from '../shared/i18n.js';

export class RetentionSection {
  /** `root` receives the forms, `status` the outcome of each save; `saved` runs after one. */
  constructor(root, status, { saved = () => {} } = {}) {
    this.root = root;
    this.status = status;
    this.saved = saved;
    this.max = 3650;
  }

  say(text, ok = false) {
    this.status.textContent = text;
    this.status.classList.toggle('rd-alert--ok', ok);
  }

  async load() {
    const r = await apiRequest('/api/admin/retention');
    if (!r.ok) return this.say(r.error?.message || t('staff.retention.not_loaded'));
    this.max = r.data.max_days;
    this.draw(r.data.queues);
    return null;
  }

  draw(queues) {
    const forms = queues.map((q) => this.form(q));
    if (forms.length === 0) forms.push(h('p', { class: 'rd-hint', text: t('staff.admin.no_queues') }));
    replaceChildren(this.root, forms);
  }

  field(id, label, value, hintId) {
    return h('div', { class: 'rd-field' },
      h('label', { for: id, text: label }),
      h('input', { class: 'rd-input', id, type: 'number', min: 0, max: this.max, step: 1, inputMode: 'numeric',
        value: String(value), required: true, 'aria-describedby': hintId }));
  }

  form(q) {
    const base = `ret-${q.queue}`;
    const hintId = `${base}-hint`;
    const form = h('form', { class: 'retention-form', noValidate: true, 'aria-labelledby': `${base}-title`,
      on: { submit: (e) => this.save(e, q) } },
      h('h3', { id: `${base}-title`, text: q.title }),
      h('div', { class: 'form-row' },
        this.field(`${base}-text`, t('staff.retention.text_field'), q.text_days, hintId),
        this.field(`${base}-files`, t('staff.retention.files_field'), q.files_days, hintId),
        h('label', { class: 'rd-switch' },
          h('input', { type: 'checkbox', id: `${base}-names`, checked: q.keep_names }), ' ', t('staff.retention.keep_names')),
        h('button', { type: 'submit', class: 'rd-button', text: t('staff.retention.save'),
          'aria-label': t('staff.retention.save_label', { name: q.title }) })),
      h('p', { class: 'rd-hint', id: hintId, text: `${describeRule(q)} ${ruleOrigin(q)}` }));
    return form;
  }

  async save(e, q) {
    e.preventDefault();
    const base = `ret-${q.queue}`;
    const form = e.currentTarget;
    const values = {
      text_days: form.querySelector(`#${base}-text`).value,
      files_days: form.querySelector(`#${base}-files`).value,
      keep_names: form.querySelector(`#${base}-names`).checked,
    };
    const parsed = ruleBody(values, this.max);
    if (parsed.error) return this.say(parsed.error);
    const r = await apiRequest(`/api/admin/queues/${q.queue}/retention`, { method: 'POST', body: parsed.body });
    if (!r.ok) return this.say(r.error?.message || t('staff.retention.not_saved'));
    this.say(t('staff.retention.saved', { name: q.title, what: describeRule(r.data) }), true);
    await this.load();
    await this.saved();
    return null;
  }
}
