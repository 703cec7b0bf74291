// admin.js: the account admin's page (/staff/admin).
//
// Loads the account, its operators and its queues from /api/admin/* (and
// the shared saved replies from /api/canned, canned_editor.js) and
// draws them; every form posts to the matching route (with the CSRF header,
// see api.js) and redraws from the server's answer, so the page always shows
// what the server holds. Operators without the admin flag get a short
// explanation instead.

import '../shared/early_session.js'; // first: see there
import { apiRequest, loadSession, signinUrl, signOut } from '../shared/api.js';
import { h, replaceChildren, timeElement } from '../shared/dom.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { CannedEditor } from './canned_editor.js';
import { auditPage } from './audit_model.js';
import { RetentionSection } from './retention_section.js';
import { SurveySection } from './survey_section.js';
import { BlocksSection } from './blocks_section.js';
import { DeskSection } from './desk_section.js';
import { MAX_INVITATION } from '../shared/text.js';
import { snippetsFor, normalizeOrigin, isQueueName, isUsername, isPassword } from './admin_snippets.js';
import { t } from '../shared/i18n.js';

const $ = (id) => document.getElementById(id);
const data = { account: null, operators: [], queues: [] };
let resetFor = null; // the operator whose password is being reset
let auditBefore = null; // the page of the audit log shown: null for the newest
let retention = null; // the Retention section (retention_section.js)
let survey = null; // the Survey section (survey_section.js)
let deskSection = null; // the Desk section (desk_section.js)

function say(el, text, ok = false) {
  el.textContent = text;
  el.classList.toggle('rd-alert--ok', ok);
}

function failure(r) {
  return r.error?.message || t('staff.admin.failed');
}

/* ---------- loading ---------- */

async function reload(...what) {
  const routes = { account: '/api/admin/account', operators: '/api/admin/operators', queues: '/api/admin/queues' };
  const results = await Promise.all(what.map((k) => apiRequest(routes[k])));
  results.forEach((r, i) => {
    const k = what[i];
    if (!r.ok) return say($('page-error'), failure(r));
    data[k] = k === 'account' ? r.data : r.data[k];
  });
  drawAll();
  await refreshAudit();
}

function drawAll() {
  drawAccount();
  drawOperators();
  drawQueues();
}

/* ---------- account ---------- */

function drawAccount() {
  const a = data.account;
  if (!a) return;
  $('account-heading').textContent = a.name;
  if (document.activeElement !== $('account-name')) $('account-name').value = a.name;
  const items = (a.origins || []).map((o) => h('li', {},
    h('span', { text: o }),
    h('button', { type: 'button', class: 'rd-button rd-button--danger rd-button--small', text: t('staff.admin.remove'),
      'aria-label': t('staff.admin.remove_label', { name: o }), on: { click: () => saveOrigins(a.origins.filter((x) => x !== o), t('staff.admin.origin_removed', { origin: o })) } })));
  if (items.length === 0) items.push(h('li', { class: 'rd-hint', text: t('staff.admin.no_origins') }));
  replaceChildren($('origins'), items);
}

async function saveAccountName(e) {
  e.preventDefault();
  const name = $('account-name').value.trim();
  if (!name) return say($('account-status'), t('staff.admin.name_missing'));
  const r = await apiRequest('/api/admin/account', { method: 'POST', body: { name } });
  if (!r.ok) return say($('account-status'), failure(r));
  data.account = r.data;
  drawAccount();
  say($('account-status'), t('staff.admin.name_saved'), true);
  await refreshAudit();
}

async function addOrigin(e) {
  e.preventDefault();
  const origin = normalizeOrigin($('origin-input').value);
  if (!origin) {
    say($('account-status'), t('staff.admin.origin_bad'));
    $('origin-input').focus();
    return;
  }
  const current = data.account.origins || [];
  if (current.includes(origin)) return say($('account-status'), t('staff.admin.origin_known', { origin }), true);
  if (await saveOrigins([...current, origin], t('staff.admin.origin_added', { origin }))) $('origin-input').value = '';
}

async function saveOrigins(origins, done) {
  const r = await apiRequest('/api/admin/account', { method: 'POST', body: { origins } });
  if (!r.ok) {
    say($('account-status'), failure(r));
    return false;
  }
  data.account = r.data;
  drawAccount();
  say($('account-status'), done, true);
  await refreshAudit();
  return true;
}

/* ---------- operators ---------- */

function drawOperators() {
  const rows = data.operators.map((op) => h('tr', {},
    h('td', { text: op.name }),
    h('td', {}, h('code', { text: op.username })),
    h('td', {}, op.admin ? h('span', { class: 'tag', text: t('staff.nav.admin') }) : t('staff.board.operator')),
    h('td', {}, h('span', { class: op.disabled ? 'tag tag--off' : 'tag tag--ok', text: op.disabled ? t('staff.admin.disabled') : t('staff.admin.active') })),
    h('td', { text: (op.queues || []).map(queueTitle).join(', ') || '—' }),
    h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small',
        text: t('staff.admin.reset_password'), 'aria-label': t('staff.admin.reset_for', { name: op.name }),
        on: { click: () => startReset(op) } }),
      h('button', { type: 'button', class: `rd-button rd-button--small ${op.disabled ? 'rd-button--quiet' : 'rd-button--danger'}`,
        text: op.disabled ? t('staff.admin.enable') : t('staff.admin.disable'), 'aria-label': t(op.disabled ? 'staff.admin.enable_label' : 'staff.admin.disable_label', { name: op.name }),
        on: { click: () => setDisabled(op, !op.disabled) } }))));
  replaceChildren($('operators'), rows);
}

function queueTitle(name) {
  return data.queues.find((q) => q.name === name)?.title || name;
}

async function setDisabled(op, disabled) {
  const r = await apiRequest(`/api/admin/operators/${op.id}`, { method: 'POST', body: { disabled } });
  if (!r.ok) return say($('operators-status'), failure(r));
  say($('operators-status'), t(disabled ? 'staff.admin.now_disabled' : 'staff.admin.now_enabled', { name: op.name }), true);
  await reload('operators');
}

function startReset(op) {
  resetFor = op;
  $('password-title').textContent = t('staff.admin.reset_for', { name: op.name });
  $('password-form').hidden = false;
  $('new-password').value = '';
  $('new-password').focus();
}

function endReset() {
  const op = resetFor;
  resetFor = null;
  $('password-form').hidden = true;
  // Back to the button that opened the form.
  if (op) document.querySelector(`button[aria-label="${CSS.escape(t('staff.admin.reset_for', { name: op.name }))}"]`)?.focus();
}

async function submitReset(e) {
  e.preventDefault();
  const password = $('new-password').value;
  if (!isPassword(password)) return say($('operators-status'), t('staff.admin.password_bad'));
  const op = resetFor;
  const r = await apiRequest(`/api/admin/operators/${op.id}/password`, { method: 'POST', body: { password } });
  if (!r.ok) return say($('operators-status'), failure(r));
  endReset();
  say($('operators-status'), t('staff.admin.password_set', { name: op.name }), true);
  await refreshAudit();
}

async function addOperator(e) {
  e.preventDefault();
  const username = $('op-username').value.trim();
  const name = $('op-name').value.trim();
  const password = $('op-password').value;
  if (!isUsername(username)) return say($('operators-status'), t('staff.admin.username_bad'));
  if (!name) return say($('operators-status'), t('staff.admin.full_name_missing'));
  if (!isPassword(password)) return say($('operators-status'), t('staff.admin.password_bad'));
  const body = { username, name, password, admin: $('op-admin').checked };
  const r = await apiRequest('/api/admin/operators', { method: 'POST', body });
  if (!r.ok) {
    return say($('operators-status'), r.error?.code === 'exists' ? t('staff.admin.username_taken', { username }) : failure(r));
  }
  for (const id of ['op-username', 'op-name', 'op-password']) $(id).value = '';
  $('op-admin').checked = false;
  say($('operators-status'), t('staff.admin.operator_added', { name, username }), true);
  await reload('operators', 'queues');
}

/* ---------- queues ---------- */

function drawQueues() {
  const origin = location.origin;
  const cards = data.queues.map((q) => {
    const titleId = `q-${q.name}-title`;
    const members = h('fieldset', { class: 'members' },
      h('legend', { text: t('staff.admin.members') }),
      data.operators.map((op) => h('label', {},
        h('input', { type: 'checkbox', checked: (q.members || []).includes(op.id),
          on: { change: (e) => setMember(q, op, e.target.checked) } }),
        op.name, op.disabled ? h('span', { class: 'tag tag--off', text: t('staff.admin.disabled_tag') }) : null)));
    return h('article', { class: 'queue-card', 'aria-labelledby': titleId },
      h('div', { class: 'queue-card__head' },
        h('h3', { class: 'queue-card__name', id: titleId, text: q.title }),
        h('span', { class: 'queue-card__id', text: `/box/${q.name}` })),
      h('div', { class: 'queue-card__grid' },
        h('div', {},
          h('form', { class: 'form-row', noValidate: true, on: { submit: (e) => renameQueue(e, q) } },
            h('div', { class: 'rd-field' },
              h('label', { for: `q-${q.name}-input`, text: t('staff.admin.title') }),
              h('input', { class: 'rd-input', id: `q-${q.name}-input`, value: q.title, maxLength: 80 })),
            h('button', { type: 'submit', class: 'rd-button rd-button--quiet', text: t('staff.admin.rename'),
              'aria-label': t('staff.admin.rename_label', { name: q.title }) })),
          h('form', { class: 'admin-form invite-form', noValidate: true, on: { submit: (e) => saveInvite(e, q) } },
            h('div', { class: 'rd-field' },
              h('label', { for: `q-${q.name}-invite`, text: t('staff.admin.invitation') }),
              h('textarea', { class: 'rd-textarea', id: `q-${q.name}-invite`, rows: 3, maxLength: MAX_INVITATION,
                placeholder: t('staff.share.default_invitation'), 'aria-describedby': `q-${q.name}-invite-hint` }, q.share_invite || ''),
              h('p', { class: 'rd-hint', id: `q-${q.name}-invite-hint`,
                text: t('staff.admin.invitation_hint') })),
            h('button', { type: 'submit', class: 'rd-button rd-button--quiet', text: t('staff.admin.save_invitation'),
              'aria-label': t('staff.admin.save_invitation_label', { name: q.title }) })),
          h('div', { class: 'admin-form' }, members)),
        h('div', {}, snippetsFor(origin, q.name).map((s) => snippetBlock(q, s)))));
  });
  if (cards.length === 0) cards.push(h('p', { class: 'rd-hint', text: t('staff.admin.no_queues') }));
  replaceChildren($('queues'), cards);
}

function snippetBlock(q, s) {
  const id = `snippet-${q.name}-${s.kind}`;
  const copy = h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.admin.copy'),
    'aria-label': t('staff.admin.copy_label', { what: s.label.toLowerCase(), name: q.title }),
    on: { click: async (e) => {
      try {
        await navigator.clipboard.writeText(s.code);
        e.target.textContent = t('staff.admin.copied');
      } catch {
        e.target.textContent = t('staff.admin.select_copy');
        getSelection().selectAllChildren($(id));
      }
      setTimeout(() => { e.target.textContent = t('staff.admin.copy'); }, 2000);
    } } });
  return h('div', { class: 'snippet' },
    h('div', { class: 'snippet__head' }, h('span', { class: 'snippet__label', text: s.label }), copy),
    h('pre', { id, tabindex: '0', 'aria-label': t('staff.admin.code_label', { what: s.label, name: q.title }) }, h('code', { text: s.code })),
    h('p', { class: 'rd-hint', text: s.help }));
}

async function saveInvite(e, q) {
  e.preventDefault();
  const text = e.target.querySelector('textarea').value.trim();
  const r = await apiRequest(`/api/admin/queues/${q.name}`, { method: 'POST', body: { share_invite: text } });
  if (!r.ok) return say($('queues-status'), failure(r));
  say($('queues-status'), text ? t('staff.admin.invitation_saved', { name: q.title }) : t('staff.admin.invitation_default', { name: q.title }), true);
  await reload('queues');
}

async function renameQueue(e, q) {
  e.preventDefault();
  const title = e.target.querySelector('input').value.trim();
  if (!title) return say($('queues-status'), t('staff.admin.queue_title_missing'));
  const r = await apiRequest(`/api/admin/queues/${q.name}`, { method: 'POST', body: { title } });
  if (!r.ok) return say($('queues-status'), failure(r));
  say($('queues-status'), t('staff.admin.renamed', { name: q.name, title }), true);
  await reload('queues');
}

async function setMember(q, op, member) {
  const r = await apiRequest(`/api/admin/queues/${q.name}/members`, { method: 'POST', body: { operator: op.id, member } });
  if (!r.ok) {
    say($('queues-status'), failure(r));
    return reload('queues');
  }
  say($('queues-status'), t(member ? 'staff.admin.member_added' : 'staff.admin.member_removed', { name: op.name, queue: q.title }), true);
  return reload('queues', 'operators');
}

async function addQueue(e) {
  e.preventDefault();
  const name = $('queue-name').value.trim();
  const title = $('queue-title').value.trim();
  if (!isQueueName(name)) return say($('queues-status'), t('staff.admin.queue_name_bad'));
  if (!title) return say($('queues-status'), t('staff.admin.queue_title_give'));
  const r = await apiRequest('/api/admin/queues', { method: 'POST', body: { name, title } });
  if (!r.ok) return say($('queues-status'), r.error?.code === 'exists' ? t('staff.admin.queue_name_taken', { name }) : failure(r));
  $('queue-name').value = '';
  $('queue-title').value = '';
  say($('queues-status'), t('staff.admin.queue_added', { title }), true);
  await reload('queues');
  await retention?.load();
  await survey?.load();
  await deskSection?.load();
}

/* ---------- audit log ---------- */

// Every change on this page is recorded by the server; after each one the newest page is
// fetched again (unless an older page is being read), so the admin sees their own entry.
async function loadAudit(before) {
  const r = await apiRequest(`/api/admin/audit${before ? `?before=${before}` : ''}`);
  if (!r.ok) return say($('audit-status'), failure(r));
  auditBefore = before;
  drawAudit(auditPage(r.data));
}

function refreshAudit() {
  return auditBefore ? null : loadAudit(null);
}

function drawAudit(page) {
  const rows = page.rows.map((e) => h('tr', {},
    h('td', {}, timeElement(e.at), h('span', { class: 'rd-hint audit-date', text: new Date(e.at).toLocaleDateString(document.documentElement.lang) })),
    h('td', { text: e.who }),
    h('td', { text: e.action }),
    h('td', {}, h('code', { text: e.target })),
    h('td', { text: e.detail, lang: 'en' }))); // the server writes the details, in English
  if (rows.length === 0) rows.push(h('tr', {}, h('td', { colSpan: 5, class: 'rd-hint', text: t('staff.admin.nothing_recorded') })));
  replaceChildren($('audit'), rows);
  $('audit-older').hidden = page.older === null;
  $('audit-older').onclick = () => loadAudit(page.older);
  $('audit-newest').hidden = auditBefore === null;
}

/* ---------- start ---------- */

async function main() {
  let session;
  try {
    session = await loadSession();
  } catch (err) {
    return say($('page-error'), err?.message || t('staff.admin.no_session'));
  }
  if (!session) return location.replace(signinUrl());
  $('who').textContent = session.operator.name;
  $('sign-out').addEventListener('click', signOut);
  nameThisTab();
  wireStaffLinks();
  if (!session.operator.admin) {
    return say($('page-error'), t('staff.admin.admins_only'));
  }
  $('account-form').addEventListener('submit', saveAccountName);
  $('origin-form').addEventListener('submit', addOrigin);
  $('operator-form').addEventListener('submit', addOperator);
  $('password-form').addEventListener('submit', submitReset);
  $('password-cancel').addEventListener('click', endReset);
  $('password-form').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') endReset();
  });
  $('queue-form').addEventListener('submit', addQueue);
  $('audit-newest').addEventListener('click', () => loadAudit(null));
  await reload('account', 'operators', 'queues');
  await new CannedEditor($('canned-shared'), { shared: true }).load();
  retention = new RetentionSection($('retention'), $('retention-status'), { saved: refreshAudit });
  await retention.load();
  survey = new SurveySection($('survey'), $('survey-status'), { saved: refreshAudit });
  await survey.load();
  await new BlocksSection($('blocks'), $('blocks-status'), { changed: refreshAudit }).load();
  deskSection = new DeskSection($('desk'), $('desk-status'), { saved: refreshAudit });
  await deskSection.load();
  $('admin-content').hidden = false;
}

main();
