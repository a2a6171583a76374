// Staff sign-in: work email and password; and choosing a new password with
// the one-time code an administrator gave after resetting it.

import { h } from './dom.js';
import { t, formatDuration } from './i18n.js';
import { screen, actionsArea, button, busy, field, message, showMessage, errorText, fieldText } from './ui.js';
import * as api from './api.js';
import { afterSignIn } from './session.js';

let note = null;

/** A message (by key) to show on the next sign-in screen. */
export function setSignInNote(kind, key) {
  note = { kind, key };
}

export function signInScreen() {
  const first = note;
  note = null;
  const email = field({
    id: 'signin-email',
    label: t('signin.email'),
    type: 'email',
    autocomplete: 'username',
    inputmode: 'email',
    autocapitalize: 'none',
    spellcheck: 'false',
    enterkeyhint: 'next',
    dir: 'ltr',
    maxlength: '254',
  });
  const password = field({
    id: 'signin-password',
    label: t('signin.password'),
    type: 'password',
    autocomplete: 'current-password',
    enterkeyhint: 'go',
    maxlength: '1024',
  });
  const show = h('input', { type: 'checkbox', id: 'signin-show' });
  show.addEventListener('change', () => { password.input.type = show.checked ? 'text' : 'password'; });
  const msg = message(first ? first.kind : 'error', first ? t(first.key) : '');
  msg.id = 'signin-message';
  const submit = button(t('signin.submit'), { id: 'signin-submit', type: 'submit' });

  const form = h('form', { class: 'form', novalidate: true },
    h('h1', { text: t('signin.title') }),
    msg,
    email.wrap,
    password.wrap,
    h('div', { class: 'toggle toggle-small' }, show, h('label', { for: 'signin-show', text: t('signin.show_password') })),
    actionsArea(submit),
    h('p', { class: 'field-help', text: t('signin.help') }),
    h('p', {}, h('a', { href: '#/reset', id: 'signin-reset-link', text: t('signin.have_reset') })));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showMessage(msg, 'error', '');
    email.setError(null);
    password.setError(null);
    const em = email.input.value.trim();
    const pw = password.input.value;
    let bad = false;
    if (!em) { email.setError(t('field.required')); bad = true; } else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(em)) { email.setError(t('field.email_format')); bad = true; }
    if (!pw) { password.setError(t('field.required')); bad = true; }
    if (bad) {
      (email.input.getAttribute('aria-invalid') ? email.input : password.input).focus();
      return;
    }
    const done = busy(submit, t('signin.working'));
    try {
      const resp = await api.login(em, pw);
      await afterSignIn(resp, 'login');
    } catch (ex) {
      done();
      password.input.value = '';
      if (ex.code === 'too_many_attempts' && ex.retryAfter) {
        showMessage(msg, 'error', t('error.too_many_attempts_wait', { time: formatDuration(ex.retryAfter) }));
      } else {
        if (ex.code === 'validation_failed') {
          if (ex.fields.email) email.setError(fieldText(ex.fields.email));
          if (ex.fields.password) password.setError(fieldText(ex.fields.password));
        }
        showMessage(msg, 'error', errorText(ex));
      }
      password.input.focus();
    }
  });

  return screen({ title: t('signin.title'), name: 'signin', back: '/' }, form);
}

/** #/reset (and #/reset/CODE from the administrator's link): the code and a
 * new password; saving signs the staff member in. */
export function resetScreen(params = {}) {
  const code = field({
    id: 'reset-code',
    label: t('reset.code'),
    help: t('reset.code_help'),
    autocomplete: 'one-time-code',
    autocapitalize: 'characters',
    spellcheck: 'false',
    dir: 'ltr',
    maxlength: '40',
    value: params.code || '',
  });
  const password = field({
    id: 'reset-password',
    label: t('reset.password'),
    help: t('reset.password_help'),
    type: 'password',
    autocomplete: 'new-password',
    minlength: '10',
    maxlength: '256',
  });
  for (const f of [code, password]) f.input.addEventListener('input', () => { if (f.input.getAttribute('aria-invalid')) f.setError(null); });
  const show = h('input', { type: 'checkbox', id: 'reset-show' });
  show.addEventListener('change', () => { password.input.type = show.checked ? 'text' : 'password'; });
  const msg = message('error');
  msg.id = 'reset-message';
  const submit = button(t('reset.submit'), { id: 'reset-submit', type: 'submit' });
  const form = h('form', { class: 'form', novalidate: true },
    h('h1', { text: t('reset.title') }),
    msg,
    code.wrap,
    password.wrap,
    h('div', { class: 'toggle toggle-small' }, show, h('label', { for: 'reset-show', text: t('signin.show_password') })),
    actionsArea(submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showMessage(msg, 'error', '');
    code.setError(null);
    password.setError(null);
    const c = code.input.value.trim();
    const pw = password.input.value;
    if (!c) code.setError(t('field.required'));
    if (pw.length < 10) password.setError(t('field.password_length'));
    if (!c || pw.length < 10) {
      (code.input.getAttribute('aria-invalid') ? code.input : password.input).focus();
      return;
    }
    const done = busy(submit, t('reset.working'));
    try {
      const resp = await api.api('POST', '/api/auth/password', { code: c, newPassword: pw }, { auth: false });
      await afterSignIn(resp, 'login');
    } catch (ex) {
      done();
      if (ex.code === 'validation_failed') {
        if (ex.fields.code) code.setError(fieldText(ex.fields.code === 'code_format' ? 'reset_code_format' : ex.fields.code));
        if (ex.fields.newPassword) password.setError(fieldText(ex.fields.newPassword));
      }
      showMessage(msg, 'error', errorText(ex));
      (ex.code === 'reset_code_invalid' || (ex.fields && ex.fields.code) ? code.input : password.input).focus();
    }
  });
  return screen({ title: t('reset.title'), name: 'reset', back: '/signin' }, form);
}
