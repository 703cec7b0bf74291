// The survey at the end of a chat: an admin sets the queue's three questions on the admin page
// (adds them, moves one, saves); a patron chats, ends the chat, and the box shows the questions
// with their own words as labels (the rating a radio group 1-5 whose legend is the question);
// the patron answers and presses Send answers and reads the thank-you. Chat History shows the
// answers with the chat. Another patron skips: nothing is stored. A survey removed on the admin
// page is not offered. axe is clean on each new view; screenshots at 360x740 and 1280x900 go to
// test-results/screenshots/survey-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

const SMALL = { width: 360, height: 740 };
const LARGE = { width: 1280, height: 900 };
const RATING = 'How helpful was this chat?';
const FOUND = 'Did you find what you needed?';
const COMMENT = 'Anything else you would like to tell us?';

let srv;
let browser;
let staff;
let op;
let nora;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
  nora = srv.addOperator({ username: 'nora', name: 'Nora Lind', isAdmin: true });
  staff = await newContext(browser, { viewport: LARGE });
  op = await staff.newPage();
  await signIn(op, srv.url, nora);
  await goAvailable(op);
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** The Survey section of the admin page, with the form of the demo queue. */
async function surveyForm(admin) {
  const section = admin.getByRole('region', { name: 'Survey at the end of a chat' });
  await expect.visible(section);
  return section.getByRole('form', { name: 'Survey for Ask a Librarian' });
}

/** A patron chats with Nora in the pop-up box at `viewport` and ends the chat. */
async function chatAndEnd(name, viewport = SMALL) {
  const guests = await newContext(browser, { viewport });
  const guest = await guests.newPage();
  await guest.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(guest, name);
  await offerCard(op, name).getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Nora Lind joined the chat');
  await say(guest, `Hello from ${name}`);
  await expect.text(transcript(op), `Hello from ${name}`);
  await guest.getByRole('button', { name: 'End chat' }).click();
  await expect.visible(guest.getByText('This chat has ended.'));
  return { guests, guest };
}

test('an admin sets the questions on the admin page: add, reorder, save', async () => {
  const admin = await staff.newPage();
  await admin.goto(`${srv.url}/staff/admin`);
  const form = await surveyForm(admin);
  await expect.visible(form.getByText('No questions: this queue asks no survey.'));
  const add = form.getByRole('button', { name: 'Add question to Ask a Librarian' });
  for (let i = 0; i < 3; i++) await add.click();
  assert.equal(await add.isDisabled(), true, 'three questions at most');
  // Typed in another order, then the yes/no question moved up to second place.
  await form.getByLabel('Question 1: words').fill(RATING);
  await form.getByLabel('Question 2: kind').selectOption('comment');
  await form.getByLabel('Question 2: words').fill(COMMENT);
  await form.getByLabel('Question 3: kind').selectOption('yes_no');
  await form.getByLabel('Question 3: words').fill(FOUND);
  await form.getByRole('button', { name: 'Move up (question 3)' }).click();
  assert.equal(await form.getByLabel('Question 2: words').inputValue(), FOUND);
  assert.equal(await form.getByLabel('Question 3: words').inputValue(), COMMENT);
  await form.getByRole('button', { name: 'Save survey for Ask a Librarian' }).click();
  await expect.text(admin.locator('#survey-status'), 'Survey for Ask a Librarian saved: 3 questions.');

  const r = await admin.evaluate(async () => (await fetch('/api/admin/queues/ask/survey')).json());
  assert.deepEqual(r.questions, [
    { kind: 'rating', text: RATING }, { kind: 'yes_no', text: FOUND }, { kind: 'comment', text: COMMENT },
  ]);
  await checkAxe(admin, 'the admin page with the survey section');
  await admin.getByRole('heading', { name: 'Survey at the end of a chat' }).scrollIntoViewIfNeeded();
  await screenshot(admin, 'survey-admin-large');
  await admin.setViewportSize(SMALL);
  await (await surveyForm(admin)).scrollIntoViewIfNeeded();
  await screenshot(admin, 'survey-admin-small');
  await admin.close();
});

test('the patron answers in the box after the chat; Chat History shows the answers', async () => {
  const { guests, guest } = await chatAndEnd('Sam Survey');
  const survey = guest.getByRole('form', { name: 'Tell us how we did' });
  await expect.visible(survey);
  // The questions' own words are the labels; the rating is a group of five.
  const rating = survey.getByRole('group', { name: RATING });
  await expect.count(rating.getByRole('radio'), 5);
  await expect.visible(survey.getByRole('group', { name: FOUND }));
  await expect.visible(survey.getByRole('textbox', { name: COMMENT }));
  await checkAxe(guest, 'the box with the survey');
  await screenshot(guest, 'survey-box-small');

  // Nothing chosen: told so, nothing sent.
  await survey.getByRole('button', { name: 'Send answers' }).click();
  await expect.text(survey.getByRole('alert'), 'Please answer at least one question, or choose Skip.');

  await rating.getByRole('radio', { name: '4' }).check();
  await survey.getByRole('group', { name: FOUND }).getByRole('radio', { name: 'Yes' }).check();
  await survey.getByRole('textbox', { name: COMMENT }).fill('The map room tip was <b>great</b>.');
  await survey.getByRole('button', { name: 'Send answers' }).click();
  await expect.visible(guest.getByRole('status').filter({ hasText: 'Thank you for your answers!' }));
  await expect.hidden(survey);
  await checkAxe(guest, 'the box after the survey was sent');
  await screenshot(guest, 'survey-box-thanks-small');

  // Chat History: the chat shows its answers, the comment as text.
  const hist = await staff.newPage();
  await hist.goto(`${srv.url}/staff/history`);
  await hist.locator('.history-item', { hasText: 'Sam Survey' }).click();
  const answers = hist.getByRole('region', { name: 'Survey answers' });
  await expect.visible(answers);
  await expect.text(answers, RATING);
  await expect.text(answers, '4 out of 5');
  await expect.text(answers, 'Yes');
  await expect.text(answers, 'The map room tip was <b>great</b>.');
  assert.equal(await answers.locator('b').count(), 0, 'the comment is text, not markup');
  await checkAxe(hist, 'Chat History with survey answers');
  await screenshot(hist, 'survey-history-large');
  await hist.setViewportSize(SMALL);
  await answers.scrollIntoViewIfNeeded();
  await screenshot(hist, 'survey-history-small');
  await hist.close();
  await guests.close();
});

test('on a large window the survey looks the same; Skip stores nothing', async () => {
  const { guests, guest } = await chatAndEnd('Kim Skip', LARGE);
  const survey = guest.getByRole('form', { name: 'Tell us how we did' });
  await expect.visible(survey);
  await screenshot(guest, 'survey-box-large');
  await survey.getByRole('button', { name: 'Skip' }).click();
  await expect.hidden(survey);
  assert.equal(await guest.getByRole('button', { name: 'Start chat' }).evaluate((b) => b === document.activeElement), true,
    'the focus goes to Start chat');
  const hist = await staff.newPage();
  await hist.goto(`${srv.url}/staff/history`);
  await hist.locator('.history-item', { hasText: 'Kim Skip' }).click();
  await expect.text(hist.locator('#chat-title'), 'Kim Skip');
  assert.equal(await hist.getByRole('region', { name: 'Survey answers' }).count(), 0, 'no answers shown');
  await hist.close();
  await guests.close();
});

test('a queue without questions asks nothing', async () => {
  const admin = await staff.newPage();
  await admin.goto(`${srv.url}/staff/admin`);
  const form = await surveyForm(admin);
  for (let i = 3; i >= 1; i--) await form.getByRole('button', { name: `Remove question ${i}` }).click();
  await form.getByRole('button', { name: 'Save survey for Ask a Librarian' }).click();
  await expect.text(admin.locator('#survey-status'), 'Survey for Ask a Librarian saved: no survey.');
  await admin.close();
  const { guests, guest } = await chatAndEnd('Noa None');
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  await new Promise((r) => setTimeout(r, 500)); // the survey's request has had its answer
  assert.equal(await guest.getByRole('form', { name: 'Tell us how we did' }).count(), 0);
  await guests.close();
});
