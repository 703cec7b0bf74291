// reports.js: the Reports page (/staff/reports), for account admins. Start here.
//
// On load it checks the session (401 goes to sign-in and back), fills the
// queue and operator choices (GET /api/history/options), and shows the
// last 30 days (GET /api/reports). Choosing a queue clears the operator
// and the other way round: a report is for one of them or neither. The
// range is checked here with the server's own rules before asking, and
// the server's sentence is shown if it refuses anyway. Download CSV asks
// the server for the same figures as a file (GET /api/reports.csv), so the
// file and the page never disagree.

import '../shared/early_session.js'; // first: see there
import { apiRequest, signOut, sessionOrSignIn } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { csvName, defaultRange, followupNote, followupRows, outcomeRows, percent, rangeProblem, reportQuery,
  sharingRows, timeRows } from './reports_model.js';
import { barChart, dataTable, figureCards, heatMap, heatTable, show } from './reports_view.js';
import { t } from '../shared/i18n.js';

const $ = (id) => document.getElementById(id);

function readForm() {
  return { from: $('f-from').value, to: $('f-to').value, queue: $('f-queue').value, operator: $('f-operator').value };
}

function problem(text) {
  $('report-error').textContent = text;
}

function draw(r) {
  const outcomes = outcomeRows(r);
  show($('figures'), ...figureCards([
    { label: t('staff.board.chats'), value: r.chats },
    { label: t('staff.reports.outcome.answered_short'), value: r.answered, note: percent(r.answered, r.chats) },
    { label: t('staff.reports.outcome.missed_short'), value: r.missed, note: percent(r.missed, r.chats) },
    { label: t('staff.reports.outcome.abandoned_short'), value: r.abandoned, note: percent(r.abandoned, r.chats) },
  ]));
  show($('outcomes-chart'), barChart(outcomes));
  show($('outcomes-table'), dataTable(t('staff.reports.by_outcome'), [t('staff.reports.outcome'), t('staff.board.chats'), t('staff.reports.share')],
    outcomes.map((o) => [o.label, o.value, o.share])));

  const times = timeRows(r);
  show($('times-chart'), barChart(times.flatMap((row) => [
    { key: `${row.key}-p50`, short: t(`staff.reports.${row.key}_median`), value: row.p50, text: row.p50Text },
    { key: `${row.key}-p90`, short: t(`staff.reports.${row.key}_p90`), value: row.p90, text: row.p90Text },
  ])));
  show($('times-table'), dataTable(t('staff.reports.times_caption'),
    [t('staff.reports.time'), t('staff.board.chats'), t('staff.reports.median'), t('staff.reports.nine_in_ten')],
    times.map((row) => [row.label, row.count, row.p50Text, row.p90Text])));

  $('zone-note').textContent = t('staff.reports.zone', { zone: r.time_zone });
  show($('heat-chart'), heatMap(r.by_hour));
  show($('heat-table'), heatTable(r.by_hour));

  const sharing = sharingRows(r);
  show($('sharing-chart'), barChart(sharing));
  show($('sharing-table'), dataTable(t('staff.reports.sharing_use'), [t('staff.reports.what'), t('staff.reports.count')], sharing.map((s) => [s.label, s.value])));

  const followups = followupRows(r);
  $('followups-note').textContent = followupNote(r);
  show($('followup-figures'), ...figureCards([
    { label: r.operator ? t('staff.reports.followups.answered_fig') : t('staff.reports.followups.left'), value: r.followups },
    { label: t('staff.reports.delivered'), value: r.followups_answered, note: percent(r.followups_answered, r.followups) },
    { label: t('staff.followup.status.not_delivered'), value: r.followups_not_delivered, note: percent(r.followups_not_delivered, r.followups) },
  ]));
  show($('followups-chart'), barChart(followups));
  show($('followups-table'), dataTable(t('staff.followups.title'), [t('staff.reports.what'), t('staff.followups.title')], followups.map((f) => [f.label, f.value])));
  drawSurveyFigures(r);
  $('report').hidden = false;
}

// The survey's figures (PROTOCOL.md section 2.11): per kind of question, how many answers.
function drawSurveyFigures(r) {
  const average = r.survey_rating_average === null ? '—' : r.survey_rating_average.toFixed(2);
  show($('survey-figures'), ...figureCards([
    { label: t('staff.reports.surveys'), value: r.surveys, note: percent(r.surveys, r.answered) },
    { label: t('staff.reports.average'), value: average, note: t('staff.reports.of_ratings', { count: r.survey_ratings }) },
    { label: t('staff.survey.yes'), value: r.survey_yes, note: percent(r.survey_yes, r.survey_yes + r.survey_no) },
    { label: t('staff.reports.comments'), value: r.survey_comments },
  ]));
  show($('survey-table'), dataTable(t('staff.reports.survey_caption'), [t('staff.reports.kind'), t('staff.reports.answers'), t('staff.reports.figure')], [
    [t('staff.survey.rating'), r.survey_ratings, t('staff.reports.average_of', { n: average })],
    [t('staff.survey.yes_no'), r.survey_yes + r.survey_no, t('staff.reports.yes_no', { yes: r.survey_yes, no: r.survey_no })],
    [t('staff.reports.comment'), r.survey_comments, t('staff.reports.read_in_history')],
  ]));
}

async function load() {
  const f = readForm();
  const bad = rangeProblem(f.from, f.to);
  problem(bad || '');
  if (bad) return;
  $('report-status').textContent = t('staff.reports.loading');
  const r = await apiRequest('/api/reports' + reportQuery(f));
  if (!r.ok) {
    $('report-status').textContent = '';
    problem(r.error.message);
    return;
  }
  draw(r.data);
  $('report-status').textContent = t('staff.reports.done', { from: r.data.from, to: r.data.to, chats: t('staff.reports.chats_count', { count: r.data.chats }) });
}

function downloadCsv() {
  const f = readForm();
  const bad = rangeProblem(f.from, f.to);
  problem(bad || '');
  if (bad) return;
  const a = h('a', { href: '/api/reports.csv' + reportQuery(f) });
  a.download = csvName(f);
  document.body.append(a);
  a.click();
  a.remove();
}

async function fillChoices() {
  const r = await apiRequest('/api/history/options');
  if (!r.ok) return;
  $('f-queue').append(...r.data.queues.map((q) => h('option', { value: q.name, text: q.title })));
  $('f-operator').append(...r.data.operators.map((o) => h('option', { value: String(o.id), text: o.name })));
}

async function main() {
  const session = await sessionOrSignIn();
  if (session === null) return;
  $('who').textContent = session?.operator?.name || '';
  nameThisTab();
  wireStaffLinks();
  $('sign-out').addEventListener('click', () => signOut());
  const range = defaultRange(new Date());
  $('f-from').value = range.from;
  $('f-to').value = range.to;
  $('f-queue').addEventListener('change', () => { if ($('f-queue').value) $('f-operator').value = ''; });
  $('f-operator').addEventListener('change', () => { if ($('f-operator').value) $('f-queue').value = ''; });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  $('download-csv').addEventListener('click', downloadCsv);
  await fillChoices();
  await load();
}

main();
