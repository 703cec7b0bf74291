// canned_model.js: when "/" opens the type-ahead, which replies it lists and in what order,
// how placeholders are filled, the highlight's wrap-around, and the checks before saving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCanned, Choice, fillPlaceholders, filterCanned, LIST_MAX, slashQuery } from '../../web/operator/canned_model.js';

test('slashQuery: only a "/" at the very start, on the first line, opens the list', () => {
  assert.equal(slashQuery('/'), '');
  assert.equal(slashQuery('/ho'), 'ho');
  assert.equal(slashQuery('/opening hours'), 'opening hours');
  assert.equal(slashQuery('/ ho'), 'ho');
  assert.equal(slashQuery('/hours', 3), 'ho', 'what is before the caret filters');
  assert.equal(slashQuery('hello /ho'), null);
  assert.equal(slashQuery(' /ho'), null);
  assert.equal(slashQuery(''), null);
  assert.equal(slashQuery('/ho\nmore'), null, 'a second line is a message, not a search');
  assert.equal(slashQuery('/ho\nmore', 3), 'ho');
  assert.equal(slashQuery('/ho', 0), null, 'the caret before the slash');
});

const LIST = [
  { id: 1, name: 'holds', text: 'Holds wait 7 days at {queue}.', shared: true },
  { id: 2, name: 'Welcome', text: 'Hello {guest}, how can I help?', shared: true },
  { id: 3, name: 'hours', text: 'We open at 9.', shared: false },
  { id: 4, name: 'photo', text: 'Photocopies cost 10 cents.', shared: false },
  { id: 5, name: 'Café', text: 'The café closes at 4.', shared: false },
];
const ids = (l) => l.map((c) => c.id);

test('filterCanned: names that start with the query first, then names holding it, then texts', () => {
  assert.deepEqual(ids(filterCanned(LIST, '')), [1, 2, 3, 4, 5], 'nothing typed: all, in the list order');
  assert.deepEqual(ids(filterCanned(LIST, 'ho')), [1, 3, 4, 2], 'holds, hours; then photo (name); then Welcome (text "how")');
  assert.deepEqual(ids(filterCanned(LIST, 'HOU')), [3], 'case aside');
  assert.deepEqual(ids(filterCanned(LIST, 'cafe')), [5], 'accents aside');
  assert.deepEqual(ids(filterCanned(LIST, 'open 9')), [3], 'every word, in the name or the text');
  assert.deepEqual(ids(filterCanned(LIST, 'open 10')), []);
  assert.deepEqual(ids(filterCanned(LIST, 'zzz')), []);
  const many = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `r${i}`, text: 't', shared: false }));
  assert.equal(filterCanned(many, '').length, LIST_MAX);
});

test('fillPlaceholders: {guest}, {me}, {queue} filled; anything else left to see', () => {
  const ctx = { guest: 'Alex Patron', me: 'Mary Reyes', queue: 'Ask a Librarian' };
  assert.equal(fillPlaceholders('Hi {guest}, this is {me} at {queue}. {guest}?', ctx),
    'Hi Alex Patron, this is Mary Reyes at Ask a Librarian. Alex Patron?');
  assert.equal(fillPlaceholders('{Guest} {name} {{me}} {me', ctx), '{Guest} {name} {Mary Reyes} {me');
  assert.equal(fillPlaceholders('Hi {guest} from {queue}', { guest: 'Alex' }), 'Hi Alex from {queue}',
    'an unknown queue or name of ours stays a placeholder rather than vanish');
  // A name that looks like a placeholder or markup is inserted as text, once.
  assert.equal(fillPlaceholders('{guest} / {me}', { guest: '{me}', me: '<b>x</b>' }), '{me} / <b>x</b>');
});

test('fillPlaceholders: a guest with no name is not named, and the words around {guest} are tidied', () => {
  const ctx = { guest: '', me: 'Mary', queue: 'Maps' };
  const cases = [
    ['Hello {guest}, how can I help?', 'Hello, how can I help?'],
    ['Thank you for asking, {guest}!', 'Thank you for asking!'],
    ['Hi {guest}!', 'Hi!'],
    ['Hello {guest}.', 'Hello.'],
    ['Hello, {guest}, welcome to {queue}.', 'Hello, welcome to Maps.'],
    ['{guest}, welcome to {queue}.', 'Welcome to Maps.'],
    ['{guest} welcome', 'Welcome'],
    ['A map for {guest} today', 'A map for today'],
    ['Hi {guest}\n{guest}, see below.\nBye {guest}!', 'Hi\nSee below.\nBye!'],
    ['No placeholder here.', 'No placeholder here.'],
    ['{guest}', ''],
  ];
  for (const [text, want] of cases) assert.equal(fillPlaceholders(text, ctx), want, text);
  // Nothing about the guest in the context at all: the same, never a label or "Guest".
  assert.equal(fillPlaceholders('Hello {guest}, I am {me}.', { me: 'Mary' }), 'Hello, I am Mary.');
  // {me} filled with something that looks like {guest} is text, not a placeholder.
  assert.equal(fillPlaceholders('{me} here', { me: '{guest}' }), '{guest} here');
});

test('Choice wraps around both ways and does nothing when empty', () => {
  const c = new Choice();
  c.move(1);
  assert.equal(c.index, 0);
  c.reset(3);
  c.move(1);
  c.move(1);
  assert.equal(c.index, 2);
  c.move(1);
  assert.equal(c.index, 0);
  c.move(-1);
  assert.equal(c.index, 2);
});

test('checkCanned: the same limits as the server, each with a sentence', () => {
  assert.equal(checkCanned({ name: 'hours', text: 'We open at 9.\n\tSee you!' }), null);
  assert.equal(checkCanned({ name: 'é'.repeat(40), text: 'ü'.repeat(4000) }), null, 'counted in characters');
  for (const [what, reply] of [
    ['no name', { name: '', text: 't' }],
    ['a name of spaces', { name: '  ', text: 't' }],
    ['41 characters', { name: 'x'.repeat(41), text: 't' }],
    ['a space at the end', { name: 'hours ', text: 't' }],
    ['a tab', { name: 'ho\turs', text: 't' }],
    ['a line break', { name: 'ho\nurs', text: 't' }],
    ['a direction override', { name: 'ho\u202eurs', text: 't' }],
    ['a line separator', { name: 'ho\u2028urs', text: 't' }],
    ['no text', { name: 'n', text: '' }],
    ['spaces only', { name: 'n', text: ' \n ' }],
    ['4,001 characters', { name: 'n', text: 'x'.repeat(4001) }],
    ['a bell', { name: 'n', text: 'ding\u0007' }],
  ])
    assert.match(checkCanned(reply) ?? '', /\w/, `${what} passed`);
});
