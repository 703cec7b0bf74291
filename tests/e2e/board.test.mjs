// The board (/staff/board): it follows the desk without a reload — a guest arriving shows as
// one waiting on the queue, an accept moves them to the operator's chats, Away shows as Away —
// and axe finds nothing wrong at 1280×900 and 360×740. The webclient links it as **Board**.
// The admin page's Desk section saves its settings, and an operator left idle is set Away and
// told so in the webclient; a quiet chat warns the patron in the box, then closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot } from './lib/browser.mjs';
import { checkAxe } from './lib/axe.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { signIn, goAvailable, startChat, transcript, offerCard } from './lib/flows.mjs';

let srv;
let browser;
let nora;
before(async () => {
  // A "minute" of the idle settings is one second here.
  srv = await startDemoServer({ args: ['--tidy-minute-secs', '1'] });
  browser = await launchBrowser();
  nora = srv.addOperator({ username: 'nora', name: 'Nora Lind', isAdmin: true });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

const queueRow = (page) => page.getByRole('table', { name: 'Guests waiting on each queue' }).locator('tbody tr').first();
const operatorRow = (page, name) => page.getByRole('table', { name: 'Each operator\'s status and chats' })
  .getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

test('the board updates live as a guest arrives and an operator accepts', async () => {
  const staff = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const op = await staff.newPage();
  await signIn(op, srv.url, nora);
  await goAvailable(op);

  const [board] = await Promise.all([staff.waitForEvent('page'), op.getByRole('link', { name: 'Board' }).click()]);
  await board.waitForURL(`${srv.url}/staff/board`);
  await expect.text(board.getByRole('status'), 'Nobody is waiting');
  await expect.text(operatorRow(board, 'Nora Lind'), 'Available');
  await expect.text(operatorRow(board, 'Nora Lind'), 'on Ask a Librarian');
  assert.deepEqual((await queueRow(board).innerText()).split('\t'), ['Ask a Librarian', '0', '—']);
  // An admin's board links Admin and Reports, as the webclient does.
  await expect.visible(board.getByRole('link', { name: 'Admin' }));
  await expect.visible(board.getByRole('link', { name: 'Reports' }));
  await checkAxe(board, 'the board');
  const reloads = [];
  board.on('framenavigated', (f) => { if (f === board.mainFrame()) reloads.push(f.url()); });

  const guests = await newContext(browser);
  const box = await guests.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(box, 'Ada');
  await expect.text(board.getByRole('status'), '1 guest is waiting');
  await expect.text(queueRow(board), /Ask a Librarian\s+1\s+\d+ s/);
  await screenshot(board, 'board-1280');

  await offerCard(op, 'Ada').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(box), 'Nora Lind joined the chat');
  await expect.text(board.getByRole('status'), 'Nobody is waiting');
  await expect.text(operatorRow(board, 'Nora Lind'), /Available\s+on Ask a Librarian\s+1/);

  await op.getByRole('radio', { name: 'Away' }).check();
  await expect.text(operatorRow(board, 'Nora Lind'), 'Away');
  await op.getByRole('radio', { name: 'Available' }).check();
  await expect.text(operatorRow(board, 'Nora Lind'), 'Available');
  // Every switch off: signed in, but nothing rings her.
  await op.getByRole('checkbox', { name: /Available on Ask a Librarian/ }).uncheck();
  await expect.text(operatorRow(board, 'Nora Lind'), 'Signed in, on no queue');
  await expect.noText(operatorRow(board, 'Nora Lind'), 'on Ask a Librarian');
  await checkAxe(board, 'the board with an operator on no queue');
  await screenshot(board, 'board-no-queue-1280');
  await op.getByRole('checkbox', { name: /Available on Ask a Librarian/ }).check();
  await expect.text(operatorRow(board, 'Nora Lind'), 'on Ask a Librarian');
  assert.deepEqual(reloads, [], 'the board never reloads');
  await checkAxe(board, 'the board with a chat');
  await guests.close();
  await staff.close();
});

test('on a small window the board reads top to bottom and stays accessible', async () => {
  const phone = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await signIn(page, srv.url, nora);
  await page.goto(`${srv.url}/staff/board`);
  await expect.text(page.getByRole('status'), 'available');
  // The webclient was left for the board: with no socket open, Nora reads offline.
  await expect.text(operatorRow(page, 'Nora Lind'), 'Offline');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page scrolls sideways (${width} px)`);
  await checkAxe(page, 'the board on a small window');
  await screenshot(page, 'board-360');
  await phone.close();
});

test('Desk settings on the admin page; idle Away told in the webclient; a quiet chat warns, then closes', async () => {
  const staff = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const admin = await staff.newPage();
  await signIn(admin, srv.url, nora);
  await admin.goto(`${srv.url}/staff/admin`);
  const desk = admin.getByRole('region', { name: 'Desk' });
  await desk.getByLabel('Close quiet chats after minutes (0: never)').fill('1');
  await desk.getByRole('button', { name: 'Save quiet chats for Ask a Librarian' }).click();
  await expect.text(desk.getByRole('status'), 'is warned, then closed');
  await checkAxe(admin, 'the admin page with the Desk section');
  await desk.scrollIntoViewIfNeeded();
  await screenshot(admin, 'admin-desk-1280');

  const op = await staff.newPage();
  await op.goto(`${srv.url}/staff`);
  await expect.visible(op.locator('#conn[data-state="open"]'));
  await goAvailable(op);
  const guests = await newContext(browser);
  const box = await guests.newPage();
  await box.goto(`${srv.url}/box/ask?mode=popup`);
  await startChat(box, 'Bea');
  await offerCard(op, 'Bea').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(box), 'Nora Lind joined the chat');
  await expect.text(box.locator('#idle-warning'), 'this chat will close in about 1 minute', 8000);
  await screenshot(box, 'box-idle-warning');
  await expect.text(box.locator('#ended-text'), 'closed because nobody wrote for a while', 8000);
  await expect.text(transcript(op), 'The chat was closed because nobody wrote for a while');

  await desk.getByLabel('Away after idle minutes (0: never)').fill('2');
  await desk.getByLabel('Chats at a time per operator (0: no limit)').fill('3');
  await desk.getByRole('button', { name: 'Save desk settings' }).click();
  await expect.text(desk.getByRole('status'), 'go Away after 2 idle minutes');
  // Nobody touches the webclient now: it is set Away and says so where the radios are.
  await expect.text(op.getByRole('alert').filter({ hasText: 'set to Away' }), 'no activity here for a while', 10000);
  await expect.checked(op.getByRole('radio', { name: 'Away' }));
  await checkAxe(op, 'the webclient after Away by idle');
  await screenshot(op, 'webclient-away-idle');
  await desk.getByLabel('Away after idle minutes (0: never)').fill('0');
  await desk.getByLabel('Close quiet chats after minutes (0: never)').fill('0');
  await desk.getByRole('button', { name: 'Save desk settings' }).click();
  await expect.text(desk.getByRole('status'), 'never go Away');
  await guests.close();
  await staff.close();
});
