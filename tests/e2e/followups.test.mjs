// Questions out of hours: with nobody online, the box's away view offers Leave a question; the
// patron writes a question, an address and a name, is told how the address is used, and sends
// it (a typo in the address is explained first). A librarian sees the count in the webclient,
// opens Follow-ups (in Chat History too), answers, and the answer reaches a real SMTP server (STARTTLS and AUTH, as in
// 31-followups) with the list saying "Answered by email". In a chat, Email transcript sends the
// chat once. Without mail on the server the away view offers nothing new. axe is clean on the
// form, the sent view and the staff dialog; screenshots at 1280×800 and 390×844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { freePort, makeCertificate, startDemoServer } from '../lib/server.mjs';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from '../lib/smtp.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let tmp;
let smtp;
let srv;
let browser;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'refdesk-e2e-smtp-'));
  const tls = makeCertificate(tmp);
  const pw = path.join(tmp, 'pw');
  await fs.writeFile(pw, `${SMTP_PASSWORD}\n`);
  smtp = await startSmtp({ port: await freePort(), ...tls });
  srv = await startDemoServer({ args: ['--smtp-url', `smtp://127.0.0.1:${smtp.port}`, '--smtp-user', SMTP_USER,
    '--smtp-password-file', pw, '--smtp-from', 'Ask a Librarian <ask@library.example>', '--smtp-ca-file', tls.cert] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  await smtp?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

// Injecting axe is an inline script, which the pages' CSP rightly refuses: these contexts
// bypass CSP for the scan only.
const axeContext = (options = {}) => newContext(browser, { bypassCSP: true, ...options });

async function waitFor(cond, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function leaveQuestion(box, { question, email, name }) {
  await expect.text(box.locator('#view-offline'), "We're away right now");
  await box.getByRole('button', { name: 'Leave a question' }).click();
  await expect.visible(box.getByRole('heading', { name: 'Leave a question' }));
  await box.getByRole('textbox', { name: 'Your question' }).fill(question);
  await box.getByRole('textbox', { name: 'Your email address' }).fill(email);
  if (name) await box.getByRole('textbox', { name: /Your name/ }).fill(name);
}

test('a question left in the away box is answered by a librarian, by email', async () => {
  const mary = srv.addOperator({ username: 'mary', name: 'Mary Reyes' });
  const guests = await axeContext();
  const box = await guests.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await leaveQuestion(box, { question: 'Do you keep old city maps?\nThe 1920s ones.', email: 'pat@example', name: 'Pat' });
  await expect.text(box.locator('#question-privacy'), 'erase it once the answer is sent, or after 30 days');
  await checkAxe(box, 'the Leave a question form');
  await screenshot(box, 'followup-form-1280');

  // A typo in the address is explained, and nothing is sent.
  await box.getByRole('button', { name: 'Send question' }).click();
  await expect.text(box.getByRole('alert'), 'does not look like an email address');
  await box.getByRole('textbox', { name: 'Your email address' }).fill('pat@example.org');
  const [sent] = await Promise.all([box.waitForRequest((r) => r.method() === 'POST' && /\/followups$/.test(r.url())),
    box.getByRole('button', { name: 'Send question' }).click()]);
  // The box's language goes with it, for the answer's mail.
  assert.equal(sent.postDataJSON().lang, 'en');
  await expect.visible(box.getByRole('heading', { name: 'Thank you — your question is with us' }));
  await checkAxe(box, 'the question sent');
  await screenshot(box, 'followup-sent-1280');

  // The phone's form, laid out at 390×844.
  const phones = await axeContext(PHONE);
  const phone = await phones.newPage();
  await phone.goto(`${srv.url}/box/ask`);
  await leaveQuestion(phone, { question: 'Can I renew a loan by phone?', email: 'renew@example.org' });
  await checkAxe(phone, 'the form on a phone');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the form scrolls sideways on a phone (${width}px)`);
  await screenshot(phone, 'followup-form-390');
  await phone.getByRole('button', { name: 'Send question' }).click();
  await expect.visible(phone.getByRole('heading', { name: 'Thank you — your question is with us' }));

  // The librarian sees the count, opens the list and answers the first one.
  const staff = await axeContext();
  const op = await staff.newPage();
  await signIn(op, srv.url, mary);
  await expect.text(op.locator('#followups-count'), '2');
  await op.getByRole('button', { name: 'Show follow-ups' }).click();
  const dialog = op.getByRole('dialog', { name: 'Follow-ups' });
  const item = dialog.getByRole('article', { name: /^Pat · / });
  await expect.text(item, 'Do you keep old city maps?');
  await expect.text(item, 'Waiting for an answer');
  assert.equal(await dialog.getByText('pat@example.org').count(), 0, 'the address is not shown to staff');
  await checkAxe(op, 'the follow-ups dialog');
  await screenshot(op, 'followups-staff-1280');
  await item.getByRole('button', { name: 'Answer' }).click();
  await expect.text(item.getByRole('alert'), 'Write an answer first');
  await item.getByRole('textbox', { name: /Your answer to Pat/ }).fill('Yes — the map room has them, 2nd floor.');
  // Every field is marked: one re-built by the polling while the answer is sent loses the mark.
  await dialog.locator('textarea').evaluateAll((els) => els.forEach((el) => { el.rdKept = true; }));
  await item.getByRole('button', { name: 'Answer' }).click();
  await expect.text(dialog.getByRole('article', { name: /^Pat · / }), 'Answered by email', 20000);
  assert.equal(await op.evaluate(() => document.activeElement?.classList.contains('followup__status')
    && document.activeElement.closest('article')?.textContent.includes('old city maps')), true,
  'after Answer, focus is on the item\'s status line');
  assert.deepEqual(await dialog.locator('textarea').evaluateAll((els) => els.map((el) => el.rdKept === true)), [true],
    'the other question\'s field was updated in place, not rebuilt');
  await expect.text(dialog.getByRole('article', { name: /^Pat · / }), 'Answer by Mary Reyes');
  await expect.text(op.locator('#followups-count'), '1');
  await waitFor(() => smtp.mails.length === 1, 'the mail');
  assert.deepEqual(smtp.mails[0].to, ['pat@example.org']);
  assert.match(smtp.mails[0].body, /map room has them/);
  assert.match(smtp.mails[0].body, /> Do you keep old city maps\?/);

  // Chat History shows them too, with the same count.
  await op.goto(`${srv.url}/staff/history`);
  await expect.text(op.locator('#followups-count'), '1');
  await op.getByRole('button', { name: 'Show follow-ups' }).click();
  await expect.text(op.getByRole('dialog', { name: 'Follow-ups' }).getByRole('article', { name: /^Pat · / }), 'Answered by email');
  await checkAxe(op, 'the follow-ups in Chat History');

  const phoneStaff = await axeContext(PHONE);
  const op2 = await phoneStaff.newPage();
  await signIn(op2, srv.url, mary);
  await op2.getByRole('button', { name: 'Show follow-ups' }).click();
  await expect.visible(op2.getByRole('dialog', { name: 'Follow-ups' }));
  await checkAxe(op2, 'the follow-ups dialog on a phone');
  await screenshot(op2, 'followups-staff-390');
  for (const c of [guests, phones, staff, phoneStaff]) expectClean(c);
});

test('Email transcript: once an answered chat has ended, the box sends it once', async () => {
  const ned = srv.addOperator({ username: 'ned', name: 'Ned Park' });
  const staff = await newContext(browser);
  const op = await staff.newPage();
  await signIn(op, srv.url, ned);
  await goAvailable(op);
  const guests = await axeContext();
  const box = await guests.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(box, 'Quinn');
  await say(box, 'Where are the atlases?');
  await expect.text(transcript(box), 'Where are the atlases?');
  // Not offered while the chat waits or goes on: its text is not final yet.
  await expect.hidden(box.getByRole('button', { name: 'Email transcript' }));
  await offerCard(op, 'Quinn').getByRole('button', { name: 'Accept' }).click();
  await say(op, 'Second floor, the map room.');
  await expect.text(transcript(box), 'Second floor, the map room.');
  await expect.hidden(box.getByRole('button', { name: 'Email transcript' }));
  await box.getByRole('button', { name: 'End chat' }).click();
  const before = smtp.mails.length;
  await box.getByRole('button', { name: 'Email transcript' }).click();
  await box.getByRole('textbox', { name: "Email this chat's transcript to" }).fill('quinn@example.org');
  await checkAxe(box, 'the Email transcript form');
  await box.getByRole('button', { name: 'Send transcript' }).click();
  await expect.text(box.getByRole('status').filter({ hasText: 'on its way' }), 'The transcript is on its way');
  await expect.hidden(box.getByRole('button', { name: 'Email transcript' }));
  await waitFor(() => smtp.mails.length === before + 1, 'the transcript mail');
  const m = smtp.mails.at(-1);
  assert.deepEqual(m.to, ['quinn@example.org']);
  assert.match(m.body, /Quinn \(guest\): Where are the atlases\?/);
  expectClean(guests);
  expectClean(staff);
});

test('without a mail server the away box offers no question form, and a chat no Email transcript', async () => {
  const plain = await startDemoServer();
  let guests;
  let staff;
  try {
    guests = await newContext(browser);
    const box = await guests.newPage();
    const queueInfo = box.waitForResponse((r) => r.url().endsWith('/api/queues/ask'));
    await box.goto(`${plain.url}/box/ask?mode=popup`);
    assert.equal((await (await queueInfo).json()).mail, false);
    await expect.text(box.locator('#view-offline'), 'Please try again during our opening hours.');
    await box.waitForTimeout(500); // the box has read the queue's answer by now
    assert.equal(await box.getByRole('button', { name: 'Leave a question' }).isVisible(), false);
    const una = plain.addOperator({ username: 'una', name: 'Una Vale' });
    staff = await newContext(browser);
    const op = await staff.newPage();
    await signIn(op, plain.url, una);
    await goAvailable(op);
    await startChat(box, 'Rae');
    await expect.visible(box.getByRole('button', { name: 'Save transcript' }));
    await expect.hidden(box.getByRole('button', { name: 'Email transcript' }));
    await expect.hidden(op.locator('#followups-panel'));
    expectClean(guests);
    expectClean(staff);
  } finally {
    // The pages go first: a socket left open would log the server's exit as an error.
    await guests?.close();
    await staff?.close();
    await plain.close();
  }
});

/** Run SQL on the running server's database (as `refdesk admin` would), for what no route makes quickly. */
function sql(statements) {
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(srv.dataDir, 'refdesk.db')], { input: statements, encoding: 'utf8' });
}

test('the list shows the newest 100, Show older the rest; a draft answer survives a redraw; Answer names its question', async () => {
  // 105 more questions than the routes' flood limits let a test leave quickly: written straight into the store.
  const now = Date.now();
  sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 105)
    INSERT INTO followups(account_id, queue_id, guest_name, question, email, status, created_at)
    SELECT q.account_id, q.id, 'Seed ' || i, 'Seeded question ' || i, 'seed' || i || '@example.org', 0, ${now} - (200 - i) * 60000
    FROM n, queues q WHERE q.name = 'ask';`);
  const vic = srv.addOperator({ username: 'vic', name: 'Vic Older' });
  const staff = await axeContext({ viewport: { width: 1280, height: 900 } });
  const op = await staff.newPage();
  await signIn(op, srv.url, vic);
  await op.getByRole('button', { name: 'Show follow-ups' }).click();
  const dialog = op.getByRole('dialog', { name: 'Follow-ups' });
  const seeded = (i) => dialog.getByRole('article', { name: new RegExp(`^Seed ${i} · `) });
  await expect.visible(seeded(105));
  await expect.count(dialog.getByRole('article'), 100);
  assert.equal(await seeded(5).count(), 0, 'an older question shows before Show older');

  // Each Answer is named "Answer" and described by its own question.
  const answer = seeded(105).getByRole('button', { name: 'Answer', exact: true });
  const described = await answer.getAttribute('aria-describedby');
  assert.equal(await op.locator(`[id="${described}"]`).textContent(), 'Seeded question 105');

  // A draft, then the item changes under it (a colleague's answer fails): the list is redrawn.
  const field = seeded(105).getByRole('textbox', { name: /Your answer to Seed 105/ });
  await field.fill('Half-written answer about maps');
  sql(`UPDATE followups SET status = 3, answer = 'A colleague tried', attempts = 5, last_error = 'mailbox full'
    WHERE question = 'Seeded question 105';`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await op.getByRole('button', { name: 'Show follow-ups' }).click();
  await expect.text(seeded(105), 'mailbox full');
  await expect.text(seeded(105), 'A colleague tried');
  assert.equal(await seeded(105).getByRole('textbox', { name: /Your answer to Seed 105/ }).inputValue(),
    'Half-written answer about maps', 'the draft answer was lost in the redraw');

  const more = dialog.getByRole('button', { name: 'Show older' });
  await more.scrollIntoViewIfNeeded();
  await checkAxe(op, 'the follow-ups dialog with Show older');
  await screenshot(op, 'followups-older-1280');
  await more.click();
  await expect.visible(seeded(5));
  await expect.visible(seeded(1));
  assert.equal(await op.evaluate(() => document.activeElement?.textContent), 'Seed 5 · Ask a Librarian',
    'focus goes to the first of the older ones');
  assert.ok(await dialog.getByRole('article').count() >= 105, 'every follow-up is listed after Show older');
  await expect.hidden(more);
  await op.setViewportSize({ width: 360, height: 740 });
  await seeded(5).scrollIntoViewIfNeeded();
  await checkAxe(op, 'the follow-ups dialog after Show older on a small window');
  await screenshot(op, 'followups-older-360');
  expectClean(staff);
});
