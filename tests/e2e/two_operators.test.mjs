// Two operators are rung for the same chat: the first to accept gets it,
// the other's card says who took it. Also: several chats at once, with
// unread counts, in one webclient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
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

test('one operator accepts, the other sees the chat taken', async () => {
  const ann = srv.addOperator({ username: 'ann', name: 'Ann Lee' });
  const ben = srv.addOperator({ username: 'ben', name: 'Ben Okafor' });
  const annCtx = await newContext(browser);
  const benCtx = await newContext(browser);
  const annPage = await annCtx.newPage();
  const benPage = await benCtx.newPage();
  await signIn(annPage, srv.url, ann);
  await signIn(benPage, srv.url, ben);
  await goAvailable(annPage);
  await goAvailable(benPage);

  const guestCtx = await newContext(browser);
  const guest = await guestCtx.newPage();
  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Chris');

  const annCard = offerCard(annPage, 'Chris');
  const benCard = offerCard(benPage, 'Chris');
  await expect.visible(annCard);
  await expect.visible(benCard);
  await expect.text(benPage.locator('#offers-count'), '1');
  await screenshot(benPage, 'two-operators-ringing');

  await annCard.getByRole('button', { name: 'Accept' }).click();
  await expect.text(benCard, 'Taken by Ann Lee');
  assert.equal(await benCard.getByRole('button', { name: 'Accept' }).count(), 0, 'no Accept on a taken chat');
  await screenshot(benPage, 'two-operators-taken');

  await expect.text(transcript(guest), 'Ann Lee joined the chat');
  await say(annPage, 'Hello Chris, Ann here.');
  await expect.text(transcript(guest), 'Hello Chris, Ann here.');
  // Ben holds nothing: no chat of his shows the conversation.
  await expect.count(benPage.locator('.chat-tab'), 0);

  await benCard.getByRole('button', { name: 'Dismiss' }).click();
  await expect.count(benPage.locator('article.offer'), 0);

  expectClean(annCtx);
  expectClean(benCtx);
  expectClean(guestCtx);
});

test('an operator holds several chats, with unread counts', async () => {
  const dora = srv.addOperator({ username: 'dora', name: 'Dora Quist' });
  const ctx = await newContext(browser);
  const op = await ctx.newPage();
  await signIn(op, srv.url, dora);
  await goAvailable(op);

  const guestsCtx1 = await newContext(browser);
  const guestsCtx2 = await newContext(browser);
  const g1 = await guestsCtx1.newPage();
  const g2 = await guestsCtx2.newPage();
  await g1.goto(`${srv.url}/box/ask`);
  await g2.goto(`${srv.url}/box/ask`);
  await startChat(g1, 'First Guest');
  await startChat(g2, 'Second Guest');

  await offerCard(op, 'First Guest').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(op), 'First Guest started the chat');
  await offerCard(op, 'Second Guest').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(op), 'Second Guest started the chat');

  await say(g1, 'Are you there?');
  const tab1 = op.locator('.chat-tab', { hasText: 'First Guest' });
  await expect.text(tab1, /1\s*Are you there\?|Are you there\?/);
  await expect.text(tab1.locator('.count'), '1');
  await screenshot(op, 'webclient-two-chats');

  await tab1.click();
  await expect.text(transcript(op), 'Are you there?');
  await expect.count(tab1.locator('.count'), 0);
  await say(op, 'Yes — one moment.');
  await expect.text(transcript(g1), 'Yes — one moment.');
  await expect.noText(transcript(g2), 'one moment');

  expectClean(ctx);
  expectClean(guestsCtx1);
  expectClean(guestsCtx2);
});

test('a guest who leaves before anyone answers stops the ringing', async () => {
  const fay = srv.addOperator({ username: 'fay', name: 'Fay Lund' });
  const ctx = await newContext(browser);
  const op = await ctx.newPage();
  await signIn(op, srv.url, fay);
  await goAvailable(op);

  const guestCtx = await newContext(browser);
  const guest = await guestCtx.newPage();
  await guest.goto(`${srv.url}/box/ask`);
  await startChat(guest, 'Gale');
  const card = offerCard(op, 'Gale');
  await expect.visible(card.getByRole('button', { name: 'Accept' }));
  await guest.getByRole('button', { name: 'End chat' }).click();
  await expect.text(card, 'The guest left before anyone answered.');
  await expect.count(card.getByRole('button', { name: 'Accept' }), 0);
  await expect.hidden(op.locator('#offers-count'));

  expectClean(ctx);
  expectClean(guestCtx);
});
