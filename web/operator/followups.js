// followups.js: the staff side of questions left while nobody was online
// (PROTOCOL.md section 2.10): a panel with the count of questions waiting,
// and a dialog listing the account's follow-ups, each open one with its
// question, a field for the answer and an Answer button. refdesk mails the
// answer; the list then shows it as sending, answered or not delivered
// (with the reason), polling while a mail is on its way.
//
// The server gives the newest 100; Show older fetches the next 100 before the
// oldest shown (`?before=ID`), and later polls keep them. An answer being
// written is kept per follow-up, so it survives the list being redrawn (a
// colleague's answer failing, the dialog closed and opened again).
//
// The patron's address is never shown here (the server does not send it).
// Everything a patron or a colleague wrote is set with textContent (h()).

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren, formatTime } from '../shared/dom.js';
import { answerProblem, askerName, canAnswer, needsRefresh, statusText, waitingText } from './followups_model.js';
import { t } from '../shared/i18n.js';

const POLL_MS = 60000;
const SENDING_POLL_MS = 2000;
const PAGE = 100; // follow-ups per answer of GET /api/followups (the server's page)

export class FollowupsView {
  /**
   * `ui`: { panel, count, summary, open, dialog, list, close, note }. The
   * panel stays hidden while the server has no mail set up and nothing to show.
   */
  constructor(ui) {
    this.ui = ui;
    this.items = [];
    this.newest = []; // the last poll's page
    this.older = []; // pages fetched with Show older
    this.hasOlder = false;
    this.drafts = new Map(); // follow-up id -> answer being written
    this.timer = null;
    this.moreButton = h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small followups__more',
      hidden: true, text: t('staff.followup.show_older'), on: { click: () => this.loadOlder() } });
    ui.list.after(this.moreButton);
    ui.open.addEventListener('click', () => {
      ui.dialog.showModal();
      this.load();
    });
    ui.close.addEventListener('click', () => ui.dialog.close());
    ui.dialog.addEventListener('close', () => ui.open.focus());
  }

  /** Fetch the list and count; schedules the next look. */
  async load() {
    clearTimeout(this.timer);
    const r = await apiRequest('/api/followups');
    if (r.ok) {
      this.newest = r.data.followups;
      if (!this.older.length) this.hasOlder = this.newest.length >= PAGE;
      this.merge();
      this.mail = r.data.mail;
      this.renderPanel(r.data.waiting);
      if (this.ui.dialog.open) this.renderList();
    }
    this.timer = setTimeout(() => this.load(), needsRefresh(this.items) ? SENDING_POLL_MS : POLL_MS);
  }

  /** The list shown: the newest page, then the older pages, newest first, each follow-up once. */
  merge() {
    const seen = new Set(this.newest.map((f) => f.id));
    this.items = [...this.newest, ...this.older.filter((f) => !seen.has(f.id))].sort((a, b) => b.id - a.id);
  }

  /** Show older: the page before the oldest shown; focus goes to the first of them. */
  async loadOlder() {
    const oldest = this.items[this.items.length - 1];
    if (!oldest) return;
    this.moreButton.disabled = true;
    const r = await apiRequest(`/api/followups?before=${encodeURIComponent(oldest.id)}`);
    this.moreButton.disabled = false;
    if (!r.ok) {
      this.ui.note.textContent = r.error.message;
      return;
    }
    const page = r.data.followups;
    this.older = [...this.older, ...page];
    this.hasOlder = page.length >= PAGE;
    this.merge();
    this.renderList();
    if (page.length) this.ui.list.querySelector(`#followup-${page[0].id}-title`)?.focus();
    else this.ui.note.textContent = t('staff.followup.no_older');
  }

  renderPanel(waiting) {
    const { panel, count, summary } = this.ui;
    panel.hidden = !this.mail && this.items.length === 0;
    count.hidden = !waiting;
    count.textContent = String(waiting);
    count.setAttribute('aria-label', waitingText(waiting));
    summary.textContent = waitingText(waiting);
  }

  renderList() {
    const { list, note } = this.ui;
    note.textContent = this.mail ? '' : t('staff.followup.no_mail');
    this.moreButton.hidden = !this.hasOlder || !this.items.length;
    if (!this.items.length) {
      replaceChildren(list, h('p', { class: 'panel__empty', text: t('staff.followup.none') }));
      return;
    }
    // An item whose parts are unchanged (the poll while an answer is sent) is kept and only its
    // status text updated, so the caret in a field and a screen reader's position stay put; an
    // item that gained or lost its answer or form is rebuilt where it stands.
    let ul = list.querySelector('.followup-list');
    if (!ul) {
      ul = h('ul', { class: 'followup-list' });
      replaceChildren(list, ul);
    }
    const byKey = new Map([...ul.children].map((li) => [li.dataset.key, li]));
    const lis = this.items.map((f) => {
      const key = `${f.id}:${Boolean(f.answer)}:${canAnswer(f) && this.mail}`;
      const li = byKey.get(key) ?? this.item(f, this.drafts);
      li.dataset.key = key;
      li.dataset.id = String(f.id);
      const status = li.querySelector('.followup__status');
      if (status.textContent !== statusText(f)) status.textContent = statusText(f);
      status.dataset.status = f.status;
      return li;
    });
    const kept = new Set(lis);
    lis.forEach((li, i) => {
      if (ul.children[i] === li) return;
      const old = [...ul.children].find((o) => o.dataset.id === li.dataset.id && !kept.has(o));
      if (old) old.replaceWith(li);
      else ul.insertBefore(li, ul.children[i] ?? null);
    });
    for (const li of [...ul.children]) if (!kept.has(li)) li.remove();
  }

  item(f, drafts) {
    const titleId = `followup-${f.id}-title`;
    const parts = [
      h('h3', { class: 'followup__title', id: titleId, tabindex: -1, text: `${askerName(f)} · ${f.queue_title || f.queue}` }),
      h('p', { class: 'followup__meta' }, h('time', { datetime: new Date(f.created_at).toISOString(), text: formatTime(f.created_at) }),
        ' · ', h('span', { class: 'followup__status', tabindex: -1, dataset: { status: f.status, for: String(f.id) },
          text: statusText(f) })),
      h('p', { class: 'followup__question', id: `followup-${f.id}-question`, text: f.question }),
    ];
    if (f.answer) {
      parts.push(h('p', { class: 'followup__answer-by', text: t('staff.followup.answer_by', { name: f.answered_by?.name ?? t('staff.followup.a_librarian') }) }),
        h('p', { class: 'followup__answer', text: f.answer }));
    }
    if (canAnswer(f) && this.mail) parts.push(this.answerForm(f, drafts.get(String(f.id)) ?? ''));
    return h('li', { class: 'followup' }, h('article', { 'aria-labelledby': titleId }, ...parts));
  }

  answerForm(f, draft) {
    const fieldId = `followup-${f.id}-answer`;
    const error = h('p', { class: 'rd-alert', role: 'alert' });
    const text = h('textarea', { class: 'rd-textarea', id: fieldId, rows: 3, value: draft, dataset: { id: String(f.id) },
      on: { input: () => this.drafts.set(String(f.id), text.value) } });
    // Named "Answer" like every other; its description says which question it answers.
    const button = h('button', { type: 'submit', class: 'rd-button rd-button--small', text: t('staff.followup.answer'),
      'aria-describedby': `followup-${f.id}-question` });
    const form = h('form', { class: 'followup__form', novalidate: true },
      h('label', { for: fieldId, text: t('staff.followup.your_answer', { name: askerName(f) }) }), text, error, button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problem = answerProblem(text.value);
      error.textContent = problem ?? '';
      if (problem) return text.focus();
      button.disabled = true;
      const r = await apiRequest(`/api/followups/${f.id}/answer`, { method: 'POST', body: { text: text.value.replace(/\r/g, '') } });
      button.disabled = false;
      if (!r.ok) {
        error.textContent = r.error.message;
        return;
      }
      text.value = '';
      this.drafts.delete(String(f.id));
      this.ui.note.textContent = t('staff.followup.on_its_way', { name: askerName(f) });
      await this.load();
      // The form is gone with the answer: focus goes to the item's status line, not the page.
      this.ui.list.querySelector(`.followup__status[data-for="${f.id}"]`)?.focus();
    });
    return form;
  }
}
