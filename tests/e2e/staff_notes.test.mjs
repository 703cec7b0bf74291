// Staff notes and the staff room, two librarians and a guest in real browsers.
// Ann holds a chat with Chris and writes a staff note; Ben, following the chat
// from Chat History's management page, sees it as "Staff note — Ann Lee", and
// the guest's box never shows it (nor its download). Then the staff room: Ben
// writes, Ann's badge counts it, she opens the room by keyboard and answers;
// Ben reads her answer live. axe on the notes and the room; screenshots at
// 1280x900 and 360x740.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

const NOTE = 'Asked about her late father; be gentle. Microfilm reader 2 is free.';

let srv;
let browser;
before(async () => {
  srv = await startDemoServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('a staff note reaches colleagues, never the guest; the staff room between two librarians', async () => {
  const ann = srv.addOperator({ username: 'nann', name: 'Ann Lee' });
  const ben = srv.addOperator({ username: 'nben', name: 'Ben Okafor' });
  const annCtx = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const benCtx = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const guestCtx = await newContext(browser);
  const annPage = await annCtx.newPage();
  const benPage = await benCtx.newPage();
  const guest = await guestCtx.newPage();
  await signIn(annPage, srv.url, ann);
  await signIn(benPage, srv.url, ben);
  await goAvailable(annPage);

  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Chris');
  await offerCard(annPage, 'Chris').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Ann Lee joined the chat');
  await say(guest, 'I am looking for my father\'s army records.');
  await expect.text(transcript(annPage), 'army records');

  // Ann writes a note with the keyboard: Enter adds it.
  const field = annPage.getByRole('textbox', { name: 'Staff note', exact: true });
  await field.fill(NOTE);
  await field.press('Enter');
  const annNotes = annPage.locator('#staff-notes');
  await expect.text(annNotes, `Staff note — Ann Lee`);
  await expect.text(annNotes, NOTE);
  assert.equal(await field.inputValue(), '', 'the field empties once the note is saved');
  // An empty note is refused on the page, with a message.
  await field.press('Enter');
  await expect.text(annNotes.getByRole('alert'), 'Write something first.');
  await say(annPage, 'Let me look that up for you.');
  await expect.text(transcript(guest), 'Let me look that up for you.');

  // Ben follows the chat on its management page and sees the note, distinctly.
  await expect.visible(annPage.locator('#manage-link'));
  const manageHref = await annPage.locator('#manage-link').getAttribute('href');
  const benManage = await benCtx.newPage();
  await benManage.goto(`${srv.url}${manageHref}`);
  const benNotes = benManage.locator('.staff-notes');
  await expect.text(benNotes, `Staff note — Ann Lee`);
  await expect.text(benNotes, NOTE);
  // Ben adds one there; Ann sees it live.
  await benManage.getByRole('textbox', { name: 'Staff note', exact: true }).fill('Army records 1939–45 are in the annex.');
  await benManage.getByRole('button', { name: 'Add note' }).click();
  await expect.text(annNotes, 'Staff note — Ben Okafor');
  await expect.text(annNotes, 'Army records 1939–45 are in the annex.');
  await checkAxe(benManage, 'the management page with staff notes');
  await checkAxe(annPage, 'the webclient with staff notes');
  await screenshot(annPage, 'staff-notes-1280');
  await screenshot(benManage, 'staff-notes-manage-1280');
  const chat = manageHref.split('/')[3];

  // The sharing tool shows them too, and writes one that reaches Ben's page live.
  const tool = await annCtx.newPage();
  await tool.goto(`${srv.url}/staff/share/${chat}`);
  const toolNotes = tool.locator('.staff-notes');
  await expect.text(toolNotes, 'Army records 1939–45 are in the annex.');
  await tool.getByRole('textbox', { name: 'Staff note', exact: true }).fill('Sent her the annex floor plan.');
  await tool.getByRole('button', { name: 'Add note' }).click();
  await expect.text(benNotes, 'Sent her the annex floor plan.');
  await checkAxe(tool, 'the sharing tool with staff notes');
  await screenshot(tool, 'staff-notes-sharing-tool-1280');
  await tool.close();

  // Chat History lists them under the transcript, read-only.
  const hist = await benCtx.newPage();
  await hist.goto(`${srv.url}/staff/history?chat=${chat}`);
  const histNotes = hist.locator('#history-notes');
  await expect.text(histNotes, 'Staff note — Ann Lee');
  await expect.text(histNotes, NOTE);
  await expect.text(histNotes, 'Sent her the annex floor plan.');
  await checkAxe(hist, 'Chat History with staff notes');
  await screenshot(hist, 'staff-notes-history-1280');
  await hist.setViewportSize({ width: 360, height: 740 });
  await histNotes.scrollIntoViewIfNeeded();
  await screenshot(hist, 'staff-notes-history-360');
  await hist.close();

  // The guest: the conversation arrived, no note did — not on the page, not in its download.
  await expect.text(transcript(guest), 'Let me look that up for you.');
  await expect.noText(guest.locator('body'), 'Microfilm');
  await expect.noText(guest.locator('body'), 'annex');
  await expect.noText(guest.locator('body'), 'Staff note');

  // Staff room: Ben writes, Ann's badge counts it while her room is closed.
  await benPage.getByRole('button', { name: /^Staff room/ }).click();
  const benRoom = benPage.getByRole('textbox', { name: 'Write to the staff room' });
  await benRoom.fill('Can someone cover the desk at 3?');
  await benRoom.press('Enter');
  await expect.text(benPage.locator('#staff-room-log'), 'Can someone cover the desk at 3?');
  await expect.text(annPage.locator('#staff-room-count'), '1');
  await checkAxe(benPage, 'the webclient with the staff room open');
  // Ann opens it with the keyboard alone: focus the heading button, Enter.
  await annPage.getByRole('button', { name: /^Staff room/ }).focus();
  await annPage.keyboard.press('Enter');
  await expect.text(annPage.locator('#staff-room-log'), 'Ben Okafor');
  await expect.text(annPage.locator('#staff-room-log'), 'Can someone cover the desk at 3?');
  await expect.hidden(annPage.locator('#staff-room-count'));
  await annPage.keyboard.type('I can, after this chat.');
  await annPage.keyboard.press('Enter');
  await expect.text(benPage.locator('#staff-room-log'), 'I can, after this chat.');
  await expect.text(annPage.locator('#staff-room-log'), 'Ann Lee (you)');
  await screenshot(annPage, 'staff-room-1280');
  await annPage.setViewportSize({ width: 360, height: 740 });
  await annPage.locator('#staff-room-log').scrollIntoViewIfNeeded();
  await screenshot(annPage, 'staff-room-360');
  await annPage.locator('#staff-notes').scrollIntoViewIfNeeded();
  await screenshot(annPage, 'staff-notes-360');

  // A new page of Ann's gets the room's recent history.
  const annAgain = await annCtx.newPage();
  await annAgain.goto(`${srv.url}/staff`);
  await annAgain.getByRole('button', { name: /^Staff room/ }).click();
  await expect.text(annAgain.locator('#staff-room-log'), 'Can someone cover the desk at 3?');
  await annAgain.close();

  // The guest leaves; nothing of the staff's words reached them.
  await expect.noText(guest.locator('body'), 'cover the desk');
  await checkAxe(guest, 'the box');

  expectClean(annCtx);
  expectClean(benCtx);
  expectClean(guestCtx);
});
