// signin.js: the operator sign-in page (/staff/signin).
//
// Posts the username and password to POST /api/session and, on success,
// goes to ?next= when that is a path on this site, else to /staff. Errors
// are shown in the alert region, in words a person can act on.
//
// The page arrives with Sign in disabled, so that Enter pressed before this
// script runs cannot send the form the browser's way (the password in a
// URL); the field the browser focused keeps its focus and what was typed.
// Should this script never arrive, signin_wait.js (inline in the page) says
// so after a while; running, it takes that notice away.

import { apiRequest } from '../shared/api.js';
import { safeNext } from './nav.js';
import { t } from '../shared/i18n.js';

const form = document.getElementById('signin-form');
const errorBox = document.getElementById('signin-error');
const submit = document.getElementById('signin-submit');
const username = document.getElementById('username');
const password = document.getElementById('password');
const next = safeNext(new URLSearchParams(location.search).get('next'));

function showError(text) {
  errorBox.textContent = text;
}

function errorText(r) {
  switch (r.error.code) {
    case 'bad_credentials': return t('staff.signin.bad_credentials');
    case 'rate_limited': {
      const wait = Number(r.headers?.get('Retry-After'));
      const minutes = Number.isFinite(wait) && wait > 0 ? Math.ceil(wait / 60) : null;
      return minutes
        ? t('staff.signin.rate_limited', { count: minutes })
        : t('staff.signin.rate_limited_few');
    }
    case 'busy': return t('staff.signin.busy');
    default: return r.error.message || t('staff.signin.failed');
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!username.value.trim() || !password.value) {
    showError(t('staff.signin.missing'));
    (username.value.trim() ? password : username).focus();
    return;
  }
  showError('');
  submit.disabled = true;
  const r = await apiRequest('/api/session', { method: 'POST',
    body: { username: username.value.trim(), password: password.value } });
  submit.disabled = false;
  if (r.ok) {
    location.assign(next);
    return;
  }
  showError(errorText(r));
  password.value = '';
  password.focus();
});

document.getElementById('signin-late')?.remove();
submit.disabled = false;
if (document.activeElement === document.body || !document.activeElement)
  username.focus();
