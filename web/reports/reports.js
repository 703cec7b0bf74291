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

import { apiRequest, signOut, sessionOrSignIn } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { nameThisTab, wireStaffLinks } from '../shared/staff_tabs.js';
import { csvName, defaultRange, followupNote, followupRows, outcomeRows, percent, rangeProblem, reportQuery,
  sharingRows, timeRows } from './reports_model.js';
import { barChart, dataTable, figureCards, heatMap, heatTable, show } from './reports_view.js';

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
    { label: 'Chats', value: r.chats },
    { label: 'Answered', value: r.answered, note: percent(r.answered, r.chats) },
    { label: 'Missed', value: r.missed, note: percent(r.missed, r.chats) },
    { label: 'Abandoned', value: r.abandoned, note: percent(r.abandoned, r.chats) },
  ]));
  show($('outcomes-chart'), barChart(outcomes));
  show($('outcomes-table'), dataTable('Chats by outcome', ['Outcome', 'Chats', 'Share'],
    outcomes.map((o) => [o.label, o.value, o.share])));

  const times = timeRows(r);
  show($('times-chart'), barChart(times.flatMap((t) => [
    { key: `${t.key}-p50`, short: `${t.key === 'wait' ? 'Wait' : 'Length'}, median`, value: t.p50, text: t.p50Text },
    { key: `${t.key}-p90`, short: `${t.key === 'wait' ? 'Wait' : 'Length'}, 90 %`, value: t.p90, text: t.p90Text },
  ])));
  show($('times-table'), dataTable('Waiting and chat length (seconds are whole)',
    ['Time', 'Chats', 'Median', '9 in 10 within'], times.map((t) => [t.label, t.count, t.p50Text, t.p90Text])));

  $('zone-note').textContent = `Chats by the hour they began, in the server's time zone (${r.time_zone}).`;
  show($('heat-chart'), heatMap(r.by_hour));
  show($('heat-table'), heatTable(r.by_hour));

  const sharing = sharingRows(r);
  show($('sharing-chart'), barChart(sharing));
  show($('sharing-table'), dataTable('Sharing tool use', ['What', 'Count'], sharing.map((s) => [s.label, s.value])));

  const followups = followupRows(r);
  $('followups-note').textContent = followupNote(r);
  show($('followup-figures'), ...figureCards([
    { label: r.operator ? 'Follow-ups answered' : 'Follow-ups left', value: r.followups },
    { label: 'Delivered', value: r.followups_answered, note: percent(r.followups_answered, r.followups) },
    { label: 'Not delivered', value: r.followups_not_delivered, note: percent(r.followups_not_delivered, r.followups) },
  ]));
  show($('followups-chart'), barChart(followups));
  show($('followups-table'), dataTable('Follow-ups', ['What', 'Follow-ups'], followups.map((f) => [f.label, f.value])));
  drawSurveyFigures(r);
  $('report').hidden = false;
}

// The survey's figures (PROTOCOL.md section 2.11): per kind of question, how many answers.
function drawSurveyFigures(r) {
  const average = r.survey_rating_average === null ? '—' : r.survey_rating_average.toFixed(2);
  show($('survey-figures'), ...figureCards([
    { label: 'Surveys answered', value: r.surveys, note: percent(r.surveys, r.answered) },
    { label: 'Average rating', value: average, note: `of ${r.survey_ratings} rating${r.survey_ratings === 1 ? '' : 's'}` },
    { label: 'Yes', value: r.survey_yes, note: percent(r.survey_yes, r.survey_yes + r.survey_no) },
    { label: 'Comments', value: r.survey_comments },
  ]));
  show($('survey-table'), dataTable('Survey answers by kind of question', ['Kind of question', 'Answers', 'Figure'], [
    ['Rating 1–5', r.survey_ratings, `average ${average}`],
    ['Yes or no', r.survey_yes + r.survey_no, `${r.survey_yes} yes, ${r.survey_no} no`],
    ['Comment', r.survey_comments, 'read them in Chat History'],
  ]));
}

async function load() {
  const f = readForm();
  const bad = rangeProblem(f.from, f.to);
  problem(bad || '');
  if (bad) return;
  $('report-status').textContent = 'Loading the report…';
  const r = await apiRequest('/api/reports' + reportQuery(f));
  if (!r.ok) {
    $('report-status').textContent = '';
    problem(r.error.message);
    return;
  }
  draw(r.data);
  $('report-status').textContent = `Report for ${r.data.from} to ${r.data.to}: ${r.data.chats} chats.`;
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
