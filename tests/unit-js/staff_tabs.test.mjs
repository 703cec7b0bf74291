// Tests for web/shared/staff_tabs.js: which tab each staff page opens in,
// and when an open tab is only brought forward.
import test from 'node:test';
import assert from 'node:assert/strict';
import { showsAlready, staffTabName } from '../../web/shared/staff_tabs.js';

test('every staff page has its tab; one per chat for its pages', () => {
  assert.equal(staffTabName('/staff'), 'refdesk-webclient');
  assert.equal(staffTabName('/staff/history'), 'refdesk-history');
  assert.equal(staffTabName('/staff/admin'), 'refdesk-admin');
  assert.equal(staffTabName('/staff/reports'), 'refdesk-reports');
  assert.equal(staffTabName('/staff/board'), 'refdesk-board');
  assert.equal(staffTabName('/staff/chat/c_Ab-9/tok_en'), 'refdesk-chat-c_Ab-9');
  assert.equal(staffTabName('/staff/share/c_Ab-9'), 'refdesk-share-c_Ab-9');
});

test('paths that are no staff page, or malformed ones, get no tab', () => {
  for (const p of ['/staff/signin', '/staff/chat/c_x', '/staff/share/c_x/more', '/staff/chat/c x/t',
    '/staff/share/', '/box/ask', '/', '/staffing', '/staff/history/extra'])
    assert.equal(staffTabName(p), null, p);
});

test('a tab already on the page is left alone unless the link asks for another query', () => {
  const u = (s) => new URL(s, 'http://lib.test');
  assert.ok(showsAlready(u('/staff/history?chat=c_1'), u('/staff/history')), 'the header link only focuses');
  assert.ok(showsAlready(u('/staff/history?chat=c_1'), u('/staff/history?chat=c_1')));
  assert.ok(!showsAlready(u('/staff/history?chat=c_1'), u('/staff/history?chat=c_2')), 'another chat: go there');
  assert.ok(!showsAlready(u('/staff/signin?next=%2Fstaff'), u('/staff')), 'a tab that went elsewhere');
  assert.ok(!showsAlready(new URL('http://other.test/staff'), u('/staff')));
});
