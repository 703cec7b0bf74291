// survey_section.js: the admin page's "Survey" section — one form per queue with the questions
// its chat box asks when a chat ends (at most three: a rating, yes/no, a short comment). Each can
// be edited, moved up or down and removed; Add question adds one; Save survey sends the whole
// list (POST /api/admin/queues/{queue}/survey), and saving none turns the survey off. The list
// lives in survey_model.js; this module draws it and reads the fields back before each edit.

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { KINDS, QUESTION_MAX, SURVEY_MAX, addQuestion, describeSurvey, moveQuestion, removeQuestion, surveyBody } from './survey_model.js';
import { t } from '../shared/i18n.js';

export class SurveySection {
  /** `root` receives the forms, `status` the outcome of each save; `saved` runs after one. */
  constructor(root, status, { saved = () => {} } = {}) {
    this.root = root;
    this.status = status;
    this.saved = saved;
    this.lists = new Map(); // queue name -> [{kind, text}] being edited
  }

  say(text, ok = false) {
    this.status.textContent = text;
    this.status.classList.toggle('rd-alert--ok', ok);
  }

  async load() {
    const r = await apiRequest('/api/admin/queues');
    if (!r.ok) return this.say(r.error?.message || t('staff.survey.queues_not_loaded'));
    const forms = [];
    for (const q of r.data.queues) {
      const s = await apiRequest(`/api/admin/queues/${q.name}/survey`);
      if (!s.ok) return this.say(s.error?.message || t('staff.survey.not_loaded'));
      this.lists.set(q.name, s.data.questions.map((x) => ({ ...x })));
      // Named apart from the Retention section's form of the same queue: landmarks differ by name.
      forms.push(h('form', { class: 'survey-form', noValidate: true, 'aria-label': t('staff.survey.for', { name: q.title }),
        dataset: { queue: q.name, title: q.title }, on: { submit: (e) => this.save(e, q) } }));
    }
    if (forms.length === 0) forms.push(h('p', { class: 'rd-hint', text: t('staff.admin.no_queues') }));
    replaceChildren(this.root, forms);
    for (const form of forms) if (form.dataset.queue) this.draw(form);
    return null;
  }

  /** Copy what the fields of `form` say into its list (before an edit redraws them). */
  read(form) {
    const list = this.lists.get(form.dataset.queue);
    list.forEach((q, i) => {
      q.kind = form.querySelector(`[name="kind-${i}"]`)?.value ?? q.kind;
      q.text = form.querySelector(`[name="text-${i}"]`)?.value ?? q.text;
    });
    return list;
  }

  edit(form, change, focus) {
    this.lists.set(form.dataset.queue, change(this.read(form)));
    this.draw(form);
    form.querySelector(focus)?.focus();
  }

  row(form, q, i, n) {
    const base = `survey-${form.dataset.queue}-${i}`;
    const n1 = i + 1;
    const button = (text, aria, onClick, disabled) => h('button', { type: 'button',
      class: 'rd-button rd-button--quiet rd-button--small', text, 'aria-label': aria, disabled,
      on: { click: onClick } });
    return h('li', { class: 'survey-question' },
      h('div', { class: 'rd-field survey-question__kind' },
        h('label', { for: `${base}-kind`, text: t('staff.survey.kind_label', { n: n1 }) }),
        h('select', { class: 'rd-select', id: `${base}-kind`, name: `kind-${i}` },
          KINDS.map((k) => h('option', { value: k.kind, text: k.label, selected: k.kind === q.kind })))),
      h('div', { class: 'rd-field survey-question__text' },
        h('label', { for: `${base}-text`, text: t('staff.survey.words_label', { n: n1 }) }),
        h('input', { class: 'rd-input', id: `${base}-text`, name: `text-${i}`, value: q.text,
          maxlength: QUESTION_MAX, autocomplete: 'off' })),
      h('div', { class: 'survey-question__actions' },
        button(t('staff.survey.up'), t('staff.survey.up_label', { n: n1 }), () => this.edit(form, (l) => moveQuestion(l, i, -1), `#survey-${form.dataset.queue}-${i - 1}-text`), i === 0),
        button(t('staff.survey.down'), t('staff.survey.down_label', { n: n1 }), () => this.edit(form, (l) => moveQuestion(l, i, 1), `#survey-${form.dataset.queue}-${i + 1}-text`), i === n - 1),
        button(t('staff.admin.remove'), t('staff.survey.remove_label', { n: n1 }), () => this.edit(form, (l) => removeQuestion(l, i), `#survey-${form.dataset.queue}-add`), false)));
  }

  draw(form) {
    const list = this.lists.get(form.dataset.queue);
    const name = form.dataset.queue;
    const title = form.dataset.title;
    replaceChildren(form, [
      h('h3', { id: `survey-${name}-title`, text: title }),
      list.length ? h('ol', { class: 'survey-questions' }, list.map((q, i) => this.row(form, q, i, list.length)))
        : h('p', { class: 'rd-hint', text: t('staff.survey.no_questions') }),
      h('div', { class: 'form-row' },
        h('button', { type: 'button', class: 'rd-button rd-button--quiet', id: `survey-${name}-add`, text: t('staff.survey.add'),
          'aria-label': t('staff.survey.add_label', { name: title }), disabled: list.length >= SURVEY_MAX,
          on: { click: () => this.edit(form, (l) => addQuestion(l), `#survey-${name}-${list.length}-text`) } }),
        h('button', { type: 'submit', class: 'rd-button', text: t('staff.survey.save'), 'aria-label': t('staff.survey.save_label', { name: title }) })),
    ]);
  }

  async save(e, q) {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = surveyBody(this.read(form));
    if (parsed.error) return this.say(t('staff.desk.queue_saved', { queue: q.title, what: parsed.error }));
    const r = await apiRequest(`/api/admin/queues/${q.name}/survey`, { method: 'POST', body: parsed.body });
    if (!r.ok) return this.say(r.error?.message || t('staff.survey.not_saved'));
    this.lists.set(q.name, r.data.questions.map((x) => ({ ...x })));
    this.draw(form);
    this.say(t('staff.survey.saved', { name: q.title, what: describeSurvey(r.data.questions) }), true);
    await this.saved();
    return null;
  }
}
