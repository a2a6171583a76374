// Staff sign-in: work email and password.

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
    h('p', { class: 'field-help', text: t('signin.help') }));

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
