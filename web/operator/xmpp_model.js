// xmpp_model.js: what the webclient says about the operator's XMPP address
// (PROTOCOL.md 2.12), as plain data: which step of linking they are at, the
// sentence that says so, and which controls make sense now. No DOM here.

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
    case 'none': return 'Take chats in an XMPP client (Pidgin, Gajim, Dino…): link your address.';
    case 'code': return `A code was sent to ${s.jid} from ${s.domain}. Type it here to confirm the address.`;
    case 'unsent': return `${s.jid} is set for you but not confirmed yet: send it a code.`;
    case 'approve': return `${s.jid} is confirmed. Approve ${s.domain}'s request to see your status in your XMPP client.`;
    case 'online': return `Available via XMPP as ${s.jid}.`;
    default: return `${s.jid} is linked; your XMPP client is away or offline, so no chats ring there.`;
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
  const t = text.trim();
  if (!t) return 'Type your XMPP address, such as name@example.org.';
  if (t.includes('/')) return 'Leave out the part after "/" (the resource).';
  if (!/^[^@\s"&'/:<>]+@[A-Za-z0-9.-]+$/.test(t)) return 'That does not look like an XMPP address (name@example.org).';
  return null;
}

/** A code as typed, cleaned: 8 letters and digits, case does not matter. */
export function cleanCode(text) {
  return text.replace(/[\s-]/g, '').toLowerCase();
}
