// Tests for the pure parts of screensharing: web/widget/share_guest.js,
// web/share/screen_view.js and the consent record's wording.
import test from 'node:test';
import assert from 'node:assert/strict';
import { shareSupport, canCaptureHere } from '../../web/widget/share_guest.js';
import { videoPoint, arrowTo } from '../../web/share/screen_view.js';
import { Transcript, invitationText, shareText } from '../../web/shared/transcript_model.js';
import en from '../../web/shared/i18n/en.json' with { type: 'json' };
import staffEn from '../../web/shared/i18n/staff/en.json' with { type: 'json' };

const desktop = (over = {}) => ({
  isSecureContext: true,
  navigator: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156', userAgentData: { mobile: false },
    mediaDevices: { getDisplayMedia() {} } },
  ...over,
});

test('who can share: desktop yes; insecure page, no API, phone no', () => {
  assert.equal(shareSupport(desktop()), null);
  assert.equal(shareSupport(desktop({ isSecureContext: false })), 'insecure');
  assert.equal(shareSupport(desktop({ navigator: { userAgent: 'Firefox', mediaDevices: {} } })), 'no_api');
  assert.equal(shareSupport(desktop({ navigator: { userAgent: 'Firefox' } })), 'no_api');
  assert.equal(shareSupport(desktop({ navigator: { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148',
    mediaDevices: {} } })), 'mobile');
  assert.equal(shareSupport(desktop({ navigator: { userAgent: 'x', userAgentData: { mobile: true },
    mediaDevices: { getDisplayMedia() {} } } })), 'mobile');
});

test('a frame captures only when its page allowed it; a window always', () => {
  const top = { document: {} };
  top.top = top;
  assert.equal(canCaptureHere(top), true);
  const frame = (policy) => ({ top: {}, document: policy === undefined ? {} : { featurePolicy: { allowsFeature: () => policy } } });
  assert.equal(canCaptureHere(frame(true)), true);
  assert.equal(canCaptureHere(frame(false)), false);
  assert.equal(canCaptureHere(frame(undefined)), false, 'unknown: ask in a pop-up');
  assert.equal(canCaptureHere(frame(undefined), true), true, 'unless the loader vouches for it');
});

test('a click on the fitted video maps to video pixels; the letterbox is outside', () => {
  const rect = { left: 100, top: 50, width: 800, height: 600 };
  // 1600x900 fits as 800x450, centred: 75 px bars above and below.
  assert.deepEqual(videoPoint(rect, 1600, 900, 100, 125), { x: 0, y: 0 });
  assert.deepEqual(videoPoint(rect, 1600, 900, 500, 350), { x: 800, y: 450 });
  assert.equal(videoPoint(rect, 1600, 900, 500, 100), null);
  assert.equal(videoPoint(rect, 0, 0, 500, 350), null);
});

test('the click arrow ends at the point and stays inside the picture', () => {
  for (const p of [{ x: 5, y: 5 }, { x: 1275, y: 5 }, { x: 640, y: 360 }, { x: 1275, y: 715 }]) {
    const a = arrowTo(p, 1280, 720);
    assert.deepEqual([a.x2, a.y2], [p.x, p.y]);
    assert.ok(a.x1 >= 0 && a.x1 <= 1280 && a.y1 >= 0 && a.y1 <= 720, JSON.stringify(a));
    assert.ok(Math.hypot(a.x1 - a.x2, a.y1 - a.y2) >= 40);
  }
});

test('the consent record reads right from both sides', () => {
  const t = new Transcript();
  const steps = [
    { step: 'invited', text: 'May I?', from: 'operator' }, { step: 'accepted', from: 'guest' },
    { step: 'started', from: 'guest' }, { step: 'snapshot', from: 'operator' },
    { step: 'stopped', by: 'guest', from: 'guest' },
  ];
  steps.forEach((s, i) => t.addEvent({ chat: 'c', seq: i + 1, at: i, kind: 'share', share: 1, ...s }));
  assert.deepEqual(t.items.map((i) => [i.kind, i.notice, i.step]), steps.map((s) => ['notice', 'share', s.step]));
  assert.equal(shareText(t.items[0], 'guest'), 'The librarian asked to see your screen: “May I?”');
  assert.equal(shareText(t.items[0], 'operator'), 'Invitation to share the screen sent: “May I?”');
  // The built-in wording sent unchanged: the guest reads the catalogue's, the staff what was sent.
  t.addEvent({ chat: 'c', seq: 9, at: 9, kind: 'share', share: 2, step: 'invited', from: 'operator', stock: true,
    text: 'Darf ich?' });
  const stock = t.items.at(-1);
  assert.equal(invitationText(stock), en['share.invite.stock']);
  assert.equal(shareText(stock, 'guest'), `The librarian asked to see your screen: “${en['share.invite.stock']}”`);
  assert.equal(shareText(stock, 'operator'),
    `Invitation to share the screen sent: “${staffEn['staff.share.default_invitation']}”`);
  assert.equal(invitationText({ text: 'Mine', stock: 'true' }), 'Mine', 'only a real true marks it');
  assert.equal(shareText(t.items[4], 'operator'), 'The guest stopped sharing their screen');
  assert.equal(shareText(t.items[4], 'guest'), 'You stopped sharing your screen');
  assert.equal(shareText({ step: 'unsupported', reason: 'insecure' }, 'operator'),
    'The guest cannot share their screen: the chat box is not on a secure (https) page');
  assert.equal(shareText({ step: 'blocked' }, 'operator'), 'The guest’s pop-up blocker stopped the invitation');
  assert.equal(shareText({ step: 'stopped', by: 'system' }, 'guest'), 'Screen sharing stopped: nothing was chosen in time');
  assert.equal(shareText({ step: 'martian' }, 'guest'), 'Screen sharing update');
  // A share that never reached the librarian says so, and never "started".
  assert.equal(shareText({ step: 'failed', by: 'operator', reason: 'relay_refused' }, 'operator'),
    'Connection failed: the guest’s screen was never shown (the relay server refused the credentials)');
  assert.equal(shareText({ step: 'failed', by: 'system', reason: 'no_frame' }, 'operator'),
    'Connection failed: the guest’s screen was never shown (no picture arrived in time)');
  assert.equal(shareText({ step: 'failed', by: 'operator', reason: 'ice_failed' }, 'guest'),
    'Connection failed: your screen could not be shown to the librarian');
});
