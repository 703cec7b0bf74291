// Saved replies ("canned answers"): an admin adds a shared one on the admin page, an operator
// adds one of her own in the webclient's Saved replies dialog; in a chat she types "/ho", picks
// with the keyboard only (ArrowDown, Enter), sees {guest}, {me} and {queue} filled in, edits the
// text and sends it, and the guest receives it. Escape closes the list and keeps the text; a
// click picks too. The list sits above the message field at 1280×800 and 390×844 and covers none
// of it; axe is clean on the admin section, the dialog and the open list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, expectClean, screenshot } from './lib/browser.mjs';
import { startDemoServer } from '../lib/server.mjs';
import { expect } from './lib/expect.mjs';
import { checkAxe } from './lib/axe.mjs';
import { signIn, goAvailable, startChat, say, transcript, offerCard, poll } from './lib/flows.mjs';

const focusedId = (page, id) => poll(page, `document.activeElement?.id === ${JSON.stringify(id)}`, `#${id} focused`);

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

/** Save a reply in a CannedEditor (admin section or dialog) and wait for it in the list. */
async function addReply(where, name, text) {
  await where.getByRole('textbox', { name: 'Reply name' }).fill(name);
  await where.getByRole('textbox', { name: 'Reply text' }).fill(text);
  await where.getByRole('button', { name: 'Add reply' }).click();
  await expect.visible(where.getByRole('button', { name: `Edit ${name}` }));
}

/** The type-ahead's box must sit above the message field, not over it. */
async function assertAboveField(page, what) {
  const list = await page.getByRole('listbox', { name: 'Canned answers' }).boundingBox();
  const field = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
  const vp = page.viewportSize();
  assert.ok(list && field, `${what}: list or field not laid out`);
  assert.ok(list.y + list.height <= field.y + 1, `${what}: the list (${JSON.stringify(list)}) covers the field (${JSON.stringify(field)})`);
  assert.ok(list.y >= 0 && list.x >= 0 && list.x + list.width <= vp.width + 1, `${what}: the list leaves the screen: ${JSON.stringify(list)}`);
  assert.ok(list.height >= 40, `${what}: the list is too small to read: ${JSON.stringify(list)}`);
}

test('saved replies: shared from the admin page, own from the webclient, inserted with "/" by keyboard', async () => {
  const rita = srv.addOperator({ username: 'rita', name: 'Rita Admin', isAdmin: true, queues: [] });
  const mary = srv.addOperator({ username: 'mary', name: 'Mary Reyes' });

  // The admin adds a shared reply.
  const adminCtx = await newContext(browser);
  const admin = await adminCtx.newPage();
  await signIn(admin, srv.url, rita);
  await admin.goto(`${srv.url}/staff/admin`);
  const section = admin.locator('section', { has: admin.getByRole('heading', { name: 'Shared saved replies' }) });
  await expect.visible(section);
  await expect.text(section, 'No shared replies yet');
  await addReply(section, 'holds', 'Holds wait for you for 7 days at {queue}.');
  await expect.text(section.locator('[role="status"]'), 'Added “holds”');
  // A text over a message's limit is explained, and nothing is added.
  await section.getByRole('textbox', { name: 'Reply name' }).fill('long');
  await section.getByRole('textbox', { name: 'Reply text' }).fill('x'.repeat(4001));
  await section.getByRole('button', { name: 'Add reply' }).click();
  await expect.text(section.locator('[role="status"]'), 'at most 4,000 characters');
  await expect.count(section.getByRole('button', { name: /^Edit / }), 1);
  await section.getByRole('textbox', { name: 'Reply name' }).fill('');
  await section.getByRole('textbox', { name: 'Reply text' }).fill('');
  await checkAxe(admin, 'the admin page with shared replies');
  await section.scrollIntoViewIfNeeded();
  await screenshot(admin, 'canned-admin');
  expectClean(adminCtx);

  // The operator adds one of her own in the dialog.
  const staff = await newContext(browser);
  const op = await staff.newPage();
  await signIn(op, srv.url, mary);
  await goAvailable(op);
  await op.getByRole('button', { name: 'Manage saved replies' }).click();
  const dialog = op.getByRole('dialog', { name: 'Your saved replies' });
  await expect.visible(dialog);
  await addReply(dialog, 'hours', 'Hi {guest}, this is {me} at {queue}. We open at 9 today.');
  await addReply(dialog, 'thanks', 'Thank you for asking, {guest}!');
  // Markup in a name or text is shown and inserted as text, never parsed.
  const markupName = '<img src=x onerror=alert(1)>';
  await addReply(dialog, markupName, '<b>bold</b> for {guest}');
  await expect.count(dialog.getByRole('button', { name: 'Edit holds' }), 0); // shared ones are the admin's
  await checkAxe(op, 'the Saved replies dialog');
  await screenshot(op, 'canned-dialog');
  await op.keyboard.press('Escape');
  await expect.hidden(dialog);
  await focusedId(op, 'canned-manage');

  // A guest starts a chat; Mary takes it.
  const guests = await newContext(browser);
  const page = await guests.newPage();
  await page.goto(`${srv.url}/`);
  const box = page.frameLocator('iframe[name="refdesk-embedded-ask"]');
  await startChat(box, 'Alex Patron');
  await say(box, 'When do you open?');
  await offerCard(op, 'Alex Patron').getByRole('button', { name: 'Accept' }).click();
  await expect.text(transcript(op), 'When do you open?');

  // "/ho" lists both replies whose name starts so; ArrowDown and Enter pick Mary's "hours".
  const field = op.getByRole('textbox', { name: 'Message' });
  const list = op.getByRole('listbox', { name: 'Canned answers' });
  await field.focus();
  await op.keyboard.type('/ho');
  await expect.visible(list);
  await expect.count(list.getByRole('option'), 2);
  await expect.text(list.getByRole('option').nth(0), 'holds');
  await expect.text(list.getByRole('option', { selected: true }), 'holds');
  await expect.attribute(field, 'aria-activedescendant', await list.getByRole('option').nth(0).getAttribute('id'));
  await checkAxe(op, 'the webclient with the Canned answers list open');
  await assertAboveField(op, '1280×800');
  await screenshot(op, 'canned-list-1280x800');
  await op.keyboard.press('ArrowDown');
  await expect.text(list.getByRole('option', { selected: true }), 'hours');
  await op.keyboard.press('Enter');
  await expect.hidden(list);
  const filled = 'Hi Alex Patron, this is Mary Reyes at Ask a Librarian. We open at 9 today.';
  assert.equal(await field.inputValue(), filled, 'the placeholders are filled and nothing was sent');
  await focusedId(op, 'message');
  await expect.count(transcript(op).getByText(filled), 0);

  // Still editable before sending.
  await op.keyboard.press('End');
  await op.keyboard.type(' See you soon!');
  await op.keyboard.press('Enter');
  const sent = `${filled} See you soon!`;
  await expect.text(transcript(box), sent);
  await expect.text(transcript(op).locator('[data-from="operator"][data-state="sent"]'), sent);
  assert.equal(await field.inputValue(), '');

  // Send while the list is open picks the highlighted reply, as Enter does: "/ho" is never sent.
  await op.keyboard.type('/ho');
  await expect.visible(list);
  await op.getByRole('button', { name: 'Send', exact: true }).click();
  await expect.hidden(list);
  assert.equal(await field.inputValue(), 'Holds wait for you for 7 days at Ask a Librarian.', 'Send inserted the highlighted reply');
  await expect.count(transcript(box).getByText('/ho', { exact: true }), 0);
  await field.fill('');

  // Escape closes the list and keeps what was typed; Enter then sends nothing odd: the list is shut.
  await op.keyboard.type('/');
  await expect.visible(list);
  await expect.count(list.getByRole('option'), 4);
  await expect.text(list.getByRole('option').nth(1), markupName); // after the shared one, by name
  await expect.count(op.locator('.canned-pop img, .canned-pop b, #canned-dialog img, #canned-dialog b'), 0);
  await op.keyboard.press('Escape');
  await expect.hidden(list);
  assert.equal(await field.inputValue(), '/');
  // Typing on reopens it, filtered by name and text.
  await op.keyboard.type('asking');
  await expect.visible(list);
  await expect.count(list.getByRole('option'), 1);
  // A click picks too.
  await list.getByRole('option', { name: /thanks/ }).click();
  assert.equal(await field.inputValue(), 'Thank you for asking, Alex Patron!');
  await focusedId(op, 'message');
  await field.fill('/<img');
  await expect.count(list.getByRole('option'), 1);
  await op.keyboard.press('Enter');
  assert.equal(await field.inputValue(), '<b>bold</b> for Alex Patron');
  await field.fill('/nothing-like-this');
  await expect.text(op.locator('.canned-note'), 'No saved reply matches');
  await expect.count(list.getByRole('option'), 0);
  await field.fill('');
  await expect.hidden(list);

  // On a phone the list still opens above the field, readable and on screen.
  await op.setViewportSize({ width: 390, height: 844 });
  await field.scrollIntoViewIfNeeded();
  await field.focus();
  await op.keyboard.type('/h');
  await expect.visible(list);
  await assertAboveField(op, '390×844');
  await screenshot(op, 'canned-list-390x844');
  await op.keyboard.press('Escape');
  expectClean(staff);
  expectClean(guests);
});
