// xmpp_model.js: what the webclient says about the operator's XMPP address
// (PROTOCOL.md 2.12), as plain data: which step of linking they are at, the
// sentence that says so, and which controls make sense now. No DOM here.

import { t } from '../shared/i18n.js';

/**
 * The linking step for GET /api/xmpp's answer `s`:
 *   'off'        the server has no XMPP
 *   'none'       no address linked
 *   'code'       an address waits for its code
 *   'unsent'     an address set by an admin: ask for a code
 *   'approve'    confirmed; the subscription is not approved yet
 *   'online'     confirmed, and a client of theirs is available ("via XMPP")
 *   'offline'    confirmed, no client available
 */
export function xmppStep(s) {
  if (!s || !s.enabled) return 'off';
  if (!s.jid) return 'none';
  if (!s.confirmed) return s.code_sent ? 'code' : 'unsent';
  if (!s.subscribed) return 'approve';
  return s.online ? 'online' : 'offline';
}

/** The sentence for the step, naming the address and the component. */
export function xmppStatusText(s) {
  const step = xmppStep(s);
  switch (step) {
    case 'off': return '';
    case 'none': return t('staff.xmpp.none');
    case 'code': return t('staff.xmpp.code', { jid: s.jid, domain: s.domain });
    case 'unsent': return t('staff.xmpp.unsent', { jid: s.jid });
    case 'approve': return t('staff.xmpp.approve', { jid: s.jid, domain: s.domain });
    case 'online': return t('staff.xmpp.online', { jid: s.jid });
    default: return t('staff.xmpp.offline', { jid: s.jid });
  }
}

/** Which controls to show: the address form, the code form, unlinking. */
export function xmppControls(s) {
  const step = xmppStep(s);
  return {
    address: step === 'none' || step === 'unsent' || step === 'code',
    code: step === 'code',
    unlink: step !== 'off' && step !== 'none',
    disconnected: step !== 'off' && !s.connected,
  };
}

/** Check an address before sending it: null when it looks right, else a sentence. */
export function jidProblem(text) {
  const jid = text.trim();
  if (!jid) return t('staff.xmpp.jid_missing');
  if (jid.includes('/')) return t('staff.xmpp.jid_resource');
  if (!/^[^@\s"&'/:<>]+@[A-Za-z0-9.-]+$/.test(jid)) return t('staff.xmpp.jid_bad');
  return null;
}

/** A code as typed, cleaned: 8 letters and digits, case does not matter. */
export function cleanCode(text) {
  return text.replace(/[\s-]/g, '').toLowerCase();
}
