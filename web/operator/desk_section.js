// desk_section.js: the admin page's "Desk" section: when operators go Away by themselves and
// how many chats each may hold (POST /api/admin/desk), and, per queue, after how many quiet
// minutes a chat is closed (POST /api/admin/queues/{queue}/desk). 0 is "never" / "no limit".

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { describeDesk, describeQuiet, parseWhole } from './desk_settings_model.js';
import { t } from '../shared/i18n.js';

export class DeskSection {
  /** `root` receives the forms, `status` the outcome of each save; `saved` runs after one. */
  constructor(root, status, { saved = () => {} } = {}) {
    this.root = root;
    this.status = status;
    this.saved = saved;
    this.minsMax = 1440;
    this.chatsMax = 50;
  }

  say(text, ok = false) {
    this.status.textContent = text;
    this.status.classList.toggle('rd-alert--ok', ok);
  }

  async load() {
    const r = await apiRequest('/api/admin/desk');
    if (!r.ok) return this.say(r.error?.message || t('staff.desk.not_loaded'));
    this.minsMax = r.data.mins_max;
    this.chatsMax = r.data.chats_max;
    const queues = r.data.queues.map((q) => this.queueForm(q));
    replaceChildren(this.root, this.accountForm(r.data), ...queues);
    return null;
  }

  field(id, label, value, max, hintId) {
    return h('div', { class: 'rd-field' },
      h('label', { for: id, text: label }),
      h('input', { class: 'rd-input', id, type: 'number', min: 0, max, step: 1, inputMode: 'numeric',
        value: String(value), required: true, 'aria-describedby': hintId }));
  }

  accountForm(d) {
    // Named apart from the Operators section and the Retention forms: landmarks need unique names.
    return h('form', { class: 'desk-form', noValidate: true, 'aria-label': t('staff.desk.form_label'),
      on: { submit: (e) => this.saveAccount(e) } },
    h('h3', { text: t('staff.board.operators') }),
    h('div', { class: 'form-row' },
      this.field('desk-away', t('staff.desk.away_field'), d.away_idle_mins, this.minsMax, 'desk-account-hint'),
      this.field('desk-chats', t('staff.desk.chats_field'), d.max_chats, this.chatsMax, 'desk-account-hint'),
      h('button', { type: 'submit', class: 'rd-button', text: t('staff.desk.save') })),
    h('p', { class: 'rd-hint', id: 'desk-account-hint', text: describeDesk(d) }));
  }

  queueForm(q) {
    const base = `desk-q-${q.queue}`;
    return h('form', { class: 'desk-form', noValidate: true, 'aria-label': t('staff.desk.quiet_on', { queue: q.title }),
      on: { submit: (e) => this.saveQueue(e, q) } },
    h('h3', { text: q.title }),
    h('div', { class: 'form-row' },
      this.field(`${base}-mins`, t('staff.desk.quiet_field'), q.idle_end_mins, this.minsMax, `${base}-hint`),
      h('button', { type: 'submit', class: 'rd-button', text: t('staff.share.save'), 'aria-label': t('staff.desk.save_quiet', { queue: q.title }) })),
    h('p', { class: 'rd-hint', id: `${base}-hint`, text: describeQuiet(q.idle_end_mins) }));
  }

  async saveAccount(e) {
    e.preventDefault();
    const away = parseWhole(this.root.querySelector('#desk-away').value, this.minsMax, t('staff.desk.away_label'));
    const chats = parseWhole(this.root.querySelector('#desk-chats').value, this.chatsMax, t('staff.desk.chats_label'));
    if (away.error || chats.error) return this.say(away.error || chats.error);
    const r = await apiRequest('/api/admin/desk', { method: 'POST', body: { away_idle_mins: away.value, max_chats: chats.value } });
    if (!r.ok) return this.say(r.error?.message || t('staff.desk.not_saved'));
    this.say(t('staff.desk.saved', { what: describeDesk(r.data) }), true);
    await this.load();
    await this.saved();
    return null;
  }

  async saveQueue(e, q) {
    e.preventDefault();
    const mins = parseWhole(this.root.querySelector(`#desk-q-${q.queue}-mins`).value, this.minsMax, t('staff.desk.minutes'));
    if (mins.error) return this.say(mins.error);
    const r = await apiRequest(`/api/admin/queues/${q.queue}/desk`, { method: 'POST', body: { idle_end_mins: mins.value } });
    if (!r.ok) return this.say(r.error?.message || t('staff.desk.setting_not_saved'));
    this.say(t('staff.desk.queue_saved', { queue: q.title, what: describeQuiet(r.data.idle_end_mins) }), true);
    await this.load();
    await this.saved();
    return null;
  }
}
