// Transfer between two operators with the guest watching: Ann hands her chat
// to Ben through the Transfer dialog; Ben is rung with her note and the
// conversation so far. First he declines (the chat stays Ann's, and she is
// told), then he accepts: the guest reads "You are now chatting with Ben",
// Ben writes, Ann's copy turns read-only. axe checks the dialog, the ringing
// card and the box; screenshots at 1280x800 and 390x844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard } from './lib/flows.mjs';

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

/** Open the Transfer dialog, pick `to`, write `note` and send it. */
async function transferTo(page, to, note, { shot } = {}) {
  await page.locator('#chat-pane').getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer this chat' });
  await expect.visible(dialog);
  const choice = dialog.getByRole('radio', { name: to });
  await expect.visible(choice);
  await choice.check();
  await dialog.getByRole('textbox', { name: /Note for your colleague/ }).fill(note);
  if (shot) {
    await checkAxe(page, 'the Transfer dialog');
    await screenshot(page, shot);
  }
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await expect.hidden(dialog);
}

test('a chat goes from Ann to Ben, declined once, then accepted, while the guest watches', async () => {
  const ann = srv.addOperator({ username: 'tann', name: 'Ann Lee' });
  const ben = srv.addOperator({ username: 'tben', name: 'Ben Okafor' });
  const annCtx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  const benCtx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
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
  await say(guest, 'Where are the old county maps kept?');
  await expect.text(transcript(annPage), 'Where are the old county maps kept?');

  // Ben is not available yet: the dialog says nobody is, and the queue cannot be picked.
  await annPage.locator('#chat-pane').getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = annPage.getByRole('dialog', { name: 'Transfer this chat' });
  await expect.text(dialog, 'No colleague is available right now.');
  const queue = dialog.getByRole('radio', { name: 'Ask a librarian' });
  await expect.visible(queue);
  assert.ok(await queue.isDisabled(), 'a queue with nobody else available can be picked');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect.hidden(dialog);

  await goAvailable(benPage);
  await transferTo(annPage, 'Ben Okafor', 'Knows the map room.', { shot: 'transfer-dialog-1280' });
  await expect.text(annPage.locator('#transfer-status'), 'Waiting for Ben Okafor to accept…');

  const card = offerCard(benPage, 'Chris');
  await expect.text(card, 'Transfer from Ann Lee');
  await expect.text(card, 'Knows the map room.');
  await card.getByText(/Conversation so far/).click();
  await expect.text(card, 'Where are the old county maps kept?');
  await expect.text(benPage.locator('#offers-count'), '1');
  await checkAxe(benPage, 'a ringing transfer');
  await screenshot(benPage, 'transfer-ringing-1280');
  // The guest hears nothing of it while it waits.
  await expect.noText(transcript(guest), 'Ben');

  await card.getByRole('button', { name: 'Decline' }).click();
  await expect.count(benPage.locator('article.offer'), 0);
  await expect.text(annPage.locator('#transfer-status'), 'Ben Okafor declined the transfer. The chat is still yours.');
  await say(annPage, 'Still here, one moment.');
  await expect.text(transcript(guest), 'Still here, one moment.');

  // Again, on a phone's screen, and this time Ben accepts.
  await annPage.setViewportSize({ width: 390, height: 844 });
  await benPage.setViewportSize({ width: 390, height: 844 });
  await transferTo(annPage, 'Ben Okafor', 'He asked about 1890s maps.', { shot: 'transfer-dialog-390' });
  await expect.text(annPage.locator('#transfer-status'), 'Waiting for Ben Okafor to accept…');
  await screenshot(annPage, 'transfer-waiting-390');
  const card2 = offerCard(benPage, 'Chris');
  await expect.text(card2, 'He asked about 1890s maps.');
  await card2.scrollIntoViewIfNeeded();
  await screenshot(benPage, 'transfer-ringing-390');
  await card2.getByRole('button', { name: 'Accept' }).click();

  await expect.text(transcript(guest), 'You are now chatting with Ben Okafor');
  await expect.text(guest.locator('#box-status-text'), 'Chatting with Ben Okafor');
  await expect.text(transcript(benPage), 'Where are the old county maps kept?');
  await expect.text(transcript(benPage), 'Ann Lee transferred the chat to Ben Okafor');
  // Ann's messages are hers in Ben's copy, not "You".
  const annsLine = transcript(benPage).locator('.rd-msg', { hasText: 'Still here, one moment.' });
  await expect.text(annsLine, 'Ann Lee');
  await expect.noText(annsLine, 'You');
  await say(benPage, 'Hello Chris, Ben here. They are in room 3.');
  await expect.text(transcript(guest), 'Hello Chris, Ben here. They are in room 3.');
  await checkAxe(guest, 'the box after a transfer');

  await expect.text(annPage.locator('#transfer-status'), 'Ben Okafor took over this chat.');
  await expect.text(annPage.locator('#chat-meta'), 'transferred');
  await expect.hidden(annPage.getByRole('textbox', { name: 'Message' }));
  assert.equal(await annPage.locator('#chat-pane').getByRole('button', { name: 'Transfer', exact: true }).count(), 0);

  expectClean(annCtx);
  expectClean(benCtx);
  expectClean(guestCtx);
});

test('a waiting transfer survives the sender reloading the page: its line, its time left, Withdraw', async () => {
  const ann = srv.addOperator({ username: 'rann', name: 'Ann Reload' });
  const ben = srv.addOperator({ username: 'rben', name: 'Ben Reload' });
  const annCtx = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const benCtx = await newContext(browser, { viewport: { width: 360, height: 740 } });
  const guestCtx = await newContext(browser);
  const annPage = await annCtx.newPage();
  const benPage = await benCtx.newPage();
  const guest = await guestCtx.newPage();
  await signIn(annPage, srv.url, ann);
  await signIn(benPage, srv.url, ben);
  await goAvailable(annPage);
  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Gwen');
  await offerCard(annPage, 'Gwen').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Ann Reload joined the chat');
  await goAvailable(benPage);
  await transferTo(annPage, 'Ben Reload', 'Back in a minute.');
  await expect.text(annPage.locator('#transfer-status'), 'Waiting for Ben Reload to accept…');

  // Both sides count down quietly: outside every live region.
  const left = annPage.locator('#transfer-status-left');
  await expect.text(left, /^\d+ s left$/);
  const card = offerCard(benPage, 'Gwen');
  const cardLeft = card.locator('.offer__left');
  await expect.text(cardLeft, /^\d+ s left$/);
  const first = Number((await cardLeft.textContent()).split(' ')[0]);
  assert.ok(first > 40 && first <= 60, `the card starts near 60 s: ${first}`);
  await expect.text(cardLeft, `${first - 2} s left`);
  assert.equal(await left.evaluate((el) => Boolean(el.closest('[role=status],[role=alert],[aria-live]'))), false,
    'the countdown is inside a live region');
  assert.equal(await cardLeft.evaluate((el) => Boolean(el.closest('[role=status],[role=alert],[aria-live]'))), false,
    'the card\'s countdown is inside a live region');
  await checkAxe(benPage, 'a ringing transfer with its time left');
  await screenshot(benPage, 'transfer-left-360');

  await annPage.reload();
  await expect.text(annPage.locator('#transfer-status'), 'Waiting for Ben Reload to accept…');
  await expect.text(left, /^\d+ s left$/);
  const after = Number((await left.textContent()).split(' ')[0]);
  assert.ok(after < first, `the time left went on across the reload: ${after} after ${first}`);
  assert.ok(await annPage.locator('#chat-pane').getByRole('button', { name: 'Transfer', exact: true }).isDisabled(),
    'Transfer is pressable while one waits');
  await checkAxe(annPage, 'the waiting line after a reload');
  await screenshot(annPage, 'transfer-waiting-reloaded-1280');

  await annPage.getByRole('button', { name: 'Withdraw' }).click();
  await expect.text(annPage.locator('#transfer-status'), 'You withdrew the transfer. The chat is still yours.');
  await expect.hidden(left);
  await expect.text(card, 'Ann Reload withdrew the transfer.');
  await expect.count(card.getByRole('button', { name: 'Accept' }), 0);
  await say(annPage, 'Still with you.');
  await expect.text(transcript(guest), 'Still with you.');

  expectClean(annCtx);
  expectClean(benCtx);
  expectClean(guestCtx);
});

test('the sharing tool and the chat management page transfer too, to a queue', async () => {
  const ann = srv.addOperator({ username: 'sann', name: 'Ann Share' });
  const ben = srv.addOperator({ username: 'sben', name: 'Ben Share' });
  const annCtx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  const benCtx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  const guestCtx = await newContext(browser);
  const annPage = await annCtx.newPage();
  const benPage = await benCtx.newPage();
  const guest = await guestCtx.newPage();
  await signIn(annPage, srv.url, ann);
  await signIn(benPage, srv.url, ben);
  await goAvailable(annPage);
  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Dana');
  await offerCard(annPage, 'Dana').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Ann Share joined the chat');
  await goAvailable(benPage);

  // The management page (the link desktop chat clients get) offers Transfer to the holder.
  await expect.visible(annPage.locator('#manage-link'));
  const manageHref = await annPage.locator('#manage-link').getAttribute('href');
  const chat = manageHref.split('/')[3];
  const manage = await annCtx.newPage();
  await manage.goto(`${srv.url}${manageHref}`);
  await manage.getByRole('button', { name: 'Transfer', exact: true }).click();
  const manageDialog = manage.getByRole('dialog', { name: 'Transfer this chat' });
  await expect.visible(manageDialog.getByRole('radio', { name: 'Ben Share' }));
  await checkAxe(manage, 'the chat management page with the Transfer dialog');
  await manageDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect.hidden(manageDialog);

  // The sharing tool sends it to the queue.
  const tool = await annCtx.newPage();
  await tool.goto(`${srv.url}/staff/share/${chat}`);
  await tool.getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = tool.getByRole('dialog', { name: 'Transfer this chat' });
  await dialog.getByRole('radio', { name: /Ask a librarian/i }).check();
  await dialog.getByRole('textbox', { name: /Note for your colleague/ }).fill('From the sharing tool.');
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await expect.text(tool.locator('#transfer-status'), 'Waiting for someone on Ask a Librarian to accept…');
  // The time left, quietly: beside the line, not inside its live region.
  await expect.text(tool.locator('#transfer-left'), /^\d+ s left$/);
  assert.equal(await tool.locator('#transfer-left').evaluate((el) => Boolean(el.closest('[role=status],[aria-live]'))), false);

  const card = offerCard(benPage, 'Dana');
  await expect.text(card, 'To Ask a Librarian');
  await expect.text(card, 'From the sharing tool.');
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'You are now chatting with Ask a Librarian');
  await expect.text(tool.locator('#transfer-status'), 'Ben Share took over this chat.');
  await expect.hidden(tool.locator('#transfer-left'));
  assert.ok(await tool.getByRole('textbox', { name: 'Message' }).isDisabled(), 'the old holder can still write in the sharing tool');
  await expect.text(manage.locator('#holder'), 'Ben Share');
  await expect.hidden(manage.getByRole('button', { name: 'Transfer', exact: true }));
  await say(benPage, 'Ben here.');
  await expect.text(transcript(guest), 'Ben here.');
  await checkAxe(tool, 'the sharing tool after a transfer');
  await screenshot(tool, 'transfer-sharing-tool-1280');

  expectClean(annCtx);
  expectClean(benCtx);
  expectClean(guestCtx);
});

test('an admin sees Transfer on the management page only once the holder is gone, and takes the chat', async () => {
  const ann = srv.addOperator({ username: 'gann', name: 'Ann Gone' });
  const ada = srv.addOperator({ username: 'gada', name: 'Ada Admin', isAdmin: true });
  const annCtx = await newContext(browser, { viewport: { width: 1280, height: 900 } });
  const adaCtx = await newContext(browser, { viewport: { width: 360, height: 740 } });
  const guestCtx = await newContext(browser);
  const annPage = await annCtx.newPage();
  const adaPage = await adaCtx.newPage();
  const guest = await guestCtx.newPage();
  await signIn(annPage, srv.url, ann);
  await signIn(adaPage, srv.url, ada);
  await goAvailable(annPage);
  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Hal');
  await offerCard(annPage, 'Hal').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(guest), 'Ann Gone joined the chat');
  await expect.visible(annPage.locator('#manage-link'));
  const manageHref = await annPage.locator('#manage-link').getAttribute('href');

  // Ann is at her desk: the admin sees the chat but may not move it.
  await adaPage.goto(`${srv.url}${manageHref}`);
  await expect.text(adaPage.locator('#holder'), 'Ann Gone');
  await expect.visible(adaPage.getByRole('link', { name: 'Board' }));
  await adaPage.waitForTimeout(1500);
  await expect.hidden(adaPage.getByRole('button', { name: 'Transfer', exact: true }));

  // Ann's page closes: within a few seconds the admin may move it, or take it.
  await annCtx.close();
  await expect.visible(adaPage.getByRole('button', { name: 'Transfer', exact: true }), 15000);
  await adaPage.getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = adaPage.getByRole('dialog', { name: 'Transfer this chat' });
  const mine = dialog.getByRole('radio', { name: 'Take this chat myself' });
  await expect.visible(mine);
  assert.ok(await mine.isChecked(), 'taking it is not the first choice');
  await checkAxe(adaPage, 'the Transfer dialog offering the chat to the admin');
  await screenshot(adaPage, 'transfer-take-myself-360');
  await adaPage.setViewportSize({ width: 1280, height: 900 });
  await screenshot(adaPage, 'transfer-take-myself-1280');
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await expect.hidden(dialog);
  await expect.text(adaPage.locator('#note'), 'The chat is yours now.');
  await expect.text(adaPage.locator('#holder'), 'Ada Admin');
  await expect.text(transcript(guest), 'Ada Admin');
  await checkAxe(adaPage, 'the management page after taking the chat');

  expectClean(adaCtx);
  expectClean(guestCtx);
});

test('Away by the radio: the box reads away, nothing rings; Available brings it back', async () => {
  const eve = srv.addOperator({ username: 'teve', name: 'Eve Away' });
  const ctx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  const op = await ctx.newPage();
  await signIn(op, srv.url, eve);
  // Alone on the queue: earlier tests' operators have closed their pages.
  for (const p of browser.contexts().flatMap((c) => c.pages())) if (p !== op) await p.close();
  await goAvailable(op);
  const guestCtx = await newContext(browser);
  const guest = await guestCtx.newPage();
  await guest.goto(`${srv.url}/box/ask`);
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));

  const away = op.getByRole('radio', { name: 'Away', exact: true });
  await away.check();
  await expect.checked(away);
  await expect.text(op.locator('#no-chat'), 'You are Away');
  await expect.visible(guest.getByRole('heading', { name: "We're away right now" }));
  await checkAxe(op, 'the webclient while Away');

  await op.getByRole('radio', { name: 'Available', exact: true }).check();
  await expect.visible(guest.getByRole('button', { name: 'Start chat' }));
  await startChat(guest, 'Fay');
  await expect.visible(offerCard(op, 'Fay').getByRole('button', { name: 'Accept' }));

  expectClean(ctx);
  expectClean(guestCtx);
});
