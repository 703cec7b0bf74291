// The staff pages in French: every view shows only the French catalogues'
// words (and people's own: names, queue titles, what was typed), never
// English left behind — the webclient with a chat open, its staff notes,
// staff room, saved replies, Block guest, Transfer and a colleague's
// transfer to Accept or Decline, follow-ups, the sharing tool with its
// canned snapshots; sign-in, Board, Chat History and the chat page, Admin
// (survey questions, retention, desk settings, blocks, audit log) and
// Reports. Axe-clean, at a phone's size and a desk's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, newContext, screenshot, ROOT } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { staffOnline, startChat, offerCard, say, transcript } from './lib/flows.mjs';
import { shownStrings, wordChecker } from './lib/words.mjs';

const DIR = path.join(ROOT, 'web/shared/i18n');
const FR = { ...JSON.parse(fs.readFileSync(path.join(DIR, 'fr.json'), 'utf8')),
  ...JSON.parse(fs.readFileSync(path.join(DIR, 'staff/fr.json'), 'utf8')) };
const SMALL = { width: 360, height: 740 };
const LARGE = { width: 1280, height: 900 };
const unexplained = wordChecker('fr');

let srv;
let browser;
let lena; // an English-speaking colleague
let marie; // the French-speaking librarian, an account admin
let english;
let french;
// People's own words on the pages: names, the queue's title, what the test types.
const OWN = ['Lena', 'Marie Curie', 'Ask a librarian', 'Ask a Librarian', 'Demo Librarian', 'Pat Patron', 'Sam Second', 'Demo Library', 'Bonjour Pat',
  'Où sont les atlas ?', 'Salle 2, au fond.', 'Appel au 3e étage', 'Je reviens dans 5 minutes.', /^https?:\/\//, /^\/box\//,
  'marie', 'lena', 'boss', /^Guest \d+$/, /^Invité \d+$/, /^snapshot-[\d-]+\.png$/];

before(async () => {
  srv = await startDemoServer({ args: ['--smtp-url', 'smtp://127.0.0.1:9', '--smtp-from', 'Library <ask@library.example>'] });
  browser = await launchBrowser();
  lena = srv.addOperator({ username: 'lena', name: 'Lena' });
  marie = srv.addOperator({ username: 'marie', name: 'Marie Curie', isAdmin: true });
  english = await staffOnline(browser, srv.url, lena);
});
after(async () => {
  await french?.context.close();
  await english?.staff.close();
  await browser?.close();
  await srv?.close();
});

/** Fail on any string of `page` no French catalogue explains; then axe. */
async function allFrench(page, what, allow = []) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr', `${what}: <html lang>`);
  assert.deepEqual(unexplained(await shownStrings(page), [...OWN, ...allow]), [], `English (or words from nowhere) on ${what}`);
  await checkAxe(page, `${what} in French`);
}

/** Marie signs in on the French sign-in page. */
async function signInFrench(page) {
  await page.goto(`${srv.url}/staff/signin`);
  await expect.visible(page.getByRole('heading', { name: FR['staff.signin.sign_in_to_staff'] }));
  await allFrench(page, 'the sign-in page');
  await page.getByRole('button', { name: FR['staff.signin.sign_in'] }).click();
  await expect.text(page.getByRole('alert'), FR['staff.signin.missing']);
  await allFrench(page, 'the sign-in page with its error');
  await page.getByRole('textbox', { name: FR['staff.admin.username'] }).fill(marie.username);
  await page.getByLabel(FR['staff.admin.password']).fill(marie.password);
  await page.getByRole('button', { name: FR['staff.signin.sign_in'] }).click();
  await page.waitForURL(`${srv.url}/staff`);
  await expect.text(page.locator('#conn'), FR['staff.conn.open']);
}

test('the webclient in French: a chat, notes, staff room, saved replies, Block guest, transfers, follow-ups', async () => {
  const context = await newContext(browser, { locale: 'fr-FR', viewport: LARGE });
  french = { context };
  const page = await context.newPage();
  await signInFrench(page);
  const available = page.getByRole('checkbox', { name: `${FR['staff.queue.available_on'].replace('{queue}', 'Ask a librarian')}` });
  await available.check();
  await expect.text(page.locator('#no-chat-title'), FR['staff.empty.ready.title']);
  await allFrench(page, 'the desk, waiting');

  // A patron asks; Marie takes the chat.
  const guests = await newContext(browser);
  const box = await guests.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(box, 'Pat Patron');
  await expect.visible(offerCard(page, 'Pat Patron'));
  await allFrench(page, 'the desk with a chat ringing');
  await offerCard(page, 'Pat Patron').getByRole('button', { name: FR['staff.accept'] }).click();
  await say(box, 'Où sont les atlas ?');
  await expect.text(transcript(page), 'Où sont les atlas ?');
  await page.getByRole('textbox', { name: FR['box.message'], exact: true }).fill('Bonjour Pat');
  await page.keyboard.press('Enter');
  await expect.text(transcript(box), 'Bonjour Pat');

  // Staff notes under the chat.
  const note = page.getByRole('textbox', { name: FR['staff.notes.label'] });
  await page.getByRole('button', { name: FR['staff.notes.add'] }).click();
  await expect.text(page.locator('.staff-notes__error'), FR['staff.text.empty']);
  await note.fill('Salle 2, au fond.');
  await page.getByRole('button', { name: FR['staff.notes.add'] }).click();
  await expect.text(page.locator('.staff-notes__log'), 'Salle 2, au fond.');
  // The staff room, open.
  await page.getByRole('button', { name: new RegExp(FR['staff.room.title']) }).click();
  await page.getByRole('textbox', { name: FR['staff.desk.write_to_the_staff'] }).fill('Je reviens dans 5 minutes.');
  await page.getByRole('button', { name: FR['staff.desk.post'] }).click();
  await expect.text(page.locator('#staff-room-log'), 'Je reviens dans 5 minutes.');
  await allFrench(page, 'the desk with a chat, its notes and the staff room');
  await screenshot(page, 'staff-fr-desk-1280');

  // The saved replies picker (type / in a reply) and the dialog to manage them.
  await page.getByRole('textbox', { name: FR['box.message'], exact: true }).fill('/');
  await expect.visible(page.getByRole('listbox', { name: FR['staff.canned.answers'] }).or(page.getByText(FR['staff.canned.none'])));
  await allFrench(page, 'the saved replies picker');
  await page.keyboard.press('Escape');
  await page.getByRole('textbox', { name: FR['box.message'], exact: true }).fill('');
  await page.getByRole('button', { name: FR['staff.canned.manage'] }).click();
  const canned = page.getByRole('dialog', { name: FR['staff.canned.dialog'] });
  await canned.getByRole('button', { name: FR['staff.canned.add'] }).click();
  await expect.text(canned.getByRole('status'), FR['staff.canned.name_missing']);
  await allFrench(page, 'the saved replies dialog');
  await canned.getByRole('button', { name: FR['staff.close'] }).click();

  // Block guest: the dialog, its checks, then Cancel.
  await page.getByRole('button', { name: FR['staff.block_guest'] }).click();
  const block = page.getByRole('dialog', { name: FR['staff.block.title'] });
  await block.getByRole('button', { name: FR['staff.block_guest'] }).click();
  await expect.text(block.getByRole('alert'), FR['staff.block.reason_missing']);
  await allFrench(page, 'the Block guest dialog');
  await block.getByRole('button', { name: FR['staff.cancel'] }).click();

  // Transfer: the dialog lists Lena and the queue.
  await page.getByRole('button', { name: FR['staff.transfer'], exact: true }).click();
  const transfer = page.getByRole('dialog', { name: FR['staff.transfer.title'] });
  await expect.visible(transfer.getByRole('radio', { name: 'Lena' }));
  await allFrench(page, 'the Transfer dialog');
  await transfer.getByRole('button', { name: FR['staff.cancel'] }).click();

  // Lena hands Marie a chat of her own: Accept or Decline, in French.
  const others = await newContext(browser);
  const second = await others.newPage();
  await second.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(second, 'Sam Second');
  await offerCard(english.op, 'Sam Second').getByRole('button', { name: 'Accept' }).click();
  await english.op.getByRole('button', { name: 'Transfer', exact: true }).click();
  const theirs = english.op.getByRole('dialog', { name: 'Transfer this chat' });
  await theirs.getByRole('radio', { name: 'Marie Curie' }).check();
  await theirs.getByRole('textbox', { name: 'Note for your colleague (optional)' }).fill('Appel au 3e étage');
  await theirs.getByRole('button', { name: 'Transfer', exact: true }).click();
  const card = page.locator('article.offer--transfer');
  await expect.visible(card.getByRole('button', { name: FR['staff.transfer.decline'] }));
  await expect.visible(card.getByRole('button', { name: FR['staff.accept'] }));
  await expect.text(card, FR['staff.transfer.from'].replace('{name}', 'Lena'));
  await allFrench(page, 'a colleague\'s transfer, ringing');
  await card.getByRole('button', { name: FR['staff.transfer.decline'] }).click();
  await expect.text(english.op.locator('#transfer-status-text'), 'Marie Curie declined the transfer');

  // Follow-ups (the server can mail): the panel and its dialog.
  await page.getByRole('button', { name: FR['staff.followups.show'] }).click();
  const followups = page.getByRole('dialog', { name: FR['staff.followups.title'] });
  await expect.text(followups, FR['staff.followup.none']);
  await allFrench(page, 'the follow-ups dialog');
  await followups.getByRole('button', { name: FR['staff.close'] }).click();

  // Away: the radios and the sentence under them.
  await page.getByRole('radio', { name: FR['staff.status.away'] }).check();
  await expect.checked(page.getByRole('radio', { name: FR['staff.status.away'] }));
  await allFrench(page, 'the desk, Away');
  await page.setViewportSize(SMALL);
  await screenshot(page, 'staff-fr-desk-360');
  await page.setViewportSize(LARGE);
  await page.getByRole('radio', { name: FR['staff.status.available'] }).check();

  // The sharing tool for the chat, with its canned snapshots panel.
  const [tool] = await Promise.all([context.waitForEvent('page'),
    page.getByRole('button', { name: FR['staff.desk.sharing_tool'], exact: true }).click()]);
  await tool.waitForLoadState();
  await expect.text(tool.locator('#conn'), FR['staff.conn.open']);
  await allFrench(tool, 'the sharing tool');
  await tool.getByRole('button', { name: FR['staff.share.canned_snapshots'] }).click();
  await expect.visible(tool.getByText(FR['staff.share.none_yet_annotate_an']));
  await tool.getByRole('button', { name: FR['staff.share.invite_to_share_screen'] }).click();
  await allFrench(tool, 'the sharing tool with its canned snapshots and invitation');
  await screenshot(tool, 'staff-fr-share-1280');
  await tool.setViewportSize(SMALL);
  await screenshot(tool, 'staff-fr-share-360');
  await tool.close();
  await guests.close();
  await others.close();
});

test('sign-in, Board, Chat History, the chat page, Admin and Reports in French', async () => {
  const page = await french.context.newPage();
  for (const [url, what, ready] of [
    ['/staff/board', 'the board', '#summary'],
    ['/staff/history', 'Chat History', '#results-status'],
    ['/staff/admin', 'the admin page', '#audit tr'],
    ['/staff/reports', 'the reports', '#report-status'],
  ]) {
    for (const viewport of [LARGE, SMALL]) {
      await page.setViewportSize(viewport);
      await page.goto(`${srv.url}${url}`);
      await expect.visible(page.locator(ready).first());
      await page.waitForLoadState('networkidle');
      await allFrench(page, `${what} at ${viewport.width}`);
      await screenshot(page, `staff-fr-${url.split('/').pop()}-${viewport.width}`);
    }
  }
  // A chat in Chat History, and its chat page.
  await page.setViewportSize(LARGE);
  await page.goto(`${srv.url}/staff/history`);
  await page.locator('.history-item').first().click();
  await expect.visible(page.locator('#chat-title'));
  await allFrench(page, 'a chat in Chat History');
  await page.goto(new URL(await page.locator('#manage-link').getAttribute('href'), srv.url).href);
  await expect.text(page.locator('#conn'), FR['staff.conn.open']);
  await expect.visible(page.getByRole('heading', { name: new RegExp(`^${FR['staff.manage.title'].replace('{name}', '')}`) }));
  await allFrench(page, 'the chat page');
  // Admin: the survey's questions, a check that fails in words.
  await page.goto(`${srv.url}/staff/admin`);
  const survey = page.getByRole('form', { name: FR['staff.survey.for'].replace('{name}', 'Ask a librarian') });
  await survey.getByRole('button', { name: FR['staff.survey.add_label'].replace('{name}', 'Ask a librarian') }).click();
  await survey.getByRole('button', { name: FR['staff.survey.save_label'].replace('{name}', 'Ask a librarian') }).click();
  await expect.text(page.locator('#survey-status'), FR['staff.survey.no_text'].replace('{n}', '1'));
  await allFrench(page, 'the admin page with a survey question');
  await page.close();
});

test('the check itself: English words, and French ones from no catalogue, are caught', () => {
  assert.deepEqual(unexplained(['Staff note', 'Note du personnel — Marie Curie', 'Add note', '3 sur 5', '4 déc. 2026 à 10:24',
    '(2) Poste de travail — refdesk', 'Rectangle (R)', 'Remove question 1', 'Une phrase inventée'], OWN),
  ['Staff note', 'Add note', 'Remove question 1', 'Une phrase inventée']);
});
