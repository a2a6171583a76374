// Settings: language, larger text, read aloud; for young people also lock now
// and sign out of this phone. One tap away from every screen (#/settings).

import { h } from './dom.js';
import { t } from './i18n.js';
import { KEYS, getFlag, setFlag, applyLargeText } from './prefs.js';
import { screen, toggle, button, message, showMessage, errorText, field, fieldText, busy } from './ui.js';
import { getUser, api } from './api.js';
import { render } from './router.js';
import * as speech from './speech.js';
import { notificationSettings, notifiedRole } from './push.js';
import { languagePicker } from './language.js';
import { lockApp, signOutApp } from './session.js';

/** The settings controls; heading: true adds its own h2 (on the home screen). */
export function settingsPanel({ heading = true } = {}) {
  const user = getUser();
  const young = user && user.role === 'young_person';
  const sub = heading ? 'h3' : 'h2'; // the level below the panel's title
  const panel = h('section', { class: 'panel settings', id: 'settings', 'aria-labelledby': 'settings-title' },
    heading ? h('h2', { id: 'settings-title', text: t('settings.title') }) : null,
    languagePicker(),
    toggle({
      id: 'large-text',
      label: t('settings.large_text'),
      help: t('settings.large_text_help'),
      checked: getFlag(KEYS.largeText),
      onChange: (on) => { setFlag(KEYS.largeText, on); applyLargeText(on); },
    }),
    speech.supported()
      ? toggle({
        id: 'read-aloud-toggle',
        label: t('settings.read_aloud'),
        help: t('settings.read_aloud_help'),
        checked: getFlag(KEYS.readAloud),
        onChange: (on) => {
          setFlag(KEYS.readAloud, on);
          if (!on) speech.stop();
          render();
        },
      })
      : h('p', { class: 'field-help', text: t('settings.read_aloud_unsupported') }),
  );
  // Notifications can be turned off (and on again) for this device here.
  if (user && notifiedRole(user.role)) {
    panel.append(h(sub, { text: t('push.settings.title') }), notificationSettings());
  }
  if (young) panel.append(youngPersonAccount());
  else if (user) panel.append(passwordChange(sub));
  return panel;
}

/** A staff member changes their own password. */
function passwordChange(sub) {
  const current = field({ id: 'password-current', label: t('settings.password.current'), type: 'password', autocomplete: 'current-password', maxlength: '256' });
  const next = field({ id: 'password-new', label: t('settings.password.new'), help: t('settings.password.new_help'), type: 'password', autocomplete: 'new-password', maxlength: '256' });
  const note = message('info');
  note.id = 'password-message';
  const submit = button(t('settings.password.save'), { id: 'password-save', type: 'submit' }, 'secondary');
  const form = h('form', { class: 'password-change', novalidate: true },
    h(sub, { text: t('settings.password.title') }), current.wrap, next.wrap, submit, note);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    current.setError('');
    next.setError('');
    const done = busy(submit);
    try {
      await api('PUT', '/api/me/password', { currentPassword: current.input.value, newPassword: next.input.value });
      current.input.value = '';
      next.input.value = '';
      showMessage(note, 'success', t('settings.password.done'));
    } catch (err) {
      const fields = err.fields || {};
      if (fields.currentPassword) current.setError(fieldText(fields.currentPassword === 'wrong' ? 'password_wrong' : fields.currentPassword));
      if (fields.newPassword) next.setError(fieldText(fields.newPassword));
      showMessage(note, 'error', errorText(err));
    } finally {
      done();
    }
  });
  return form;
}

function youngPersonAccount() {
  const box = h('div', { class: 'account' });
  const note = message('info');
  const lockBtn = button(t('settings.lock_now'), { class: 'lock-now', on: { click: () => lockApp() } }, 'secondary');
  const confirmArea = h('div', { class: 'confirm', hidden: true },
    h('p', { text: t('settings.sign_out_confirm') }),
    button(t('settings.sign_out_yes'), { id: 'signout-confirm', on: { click: async (e) => {
      e.currentTarget.disabled = true;
      try {
        await signOutApp();
      } catch (err) {
        showMessage(note, 'error', errorText(err));
      }
    } } }, 'danger'),
    button(t('app.cancel'), { on: { click: () => { confirmArea.hidden = true; signOutBtn.hidden = false; signOutBtn.focus(); } } }, 'quiet'));
  const signOutBtn = button(t('settings.sign_out_phone'), {
    id: 'signout',
    'aria-describedby': 'signout-help',
    on: { click: () => { confirmArea.hidden = false; signOutBtn.hidden = true; confirmArea.querySelector('button').focus(); } },
  }, 'quiet');
  box.append(
    h('a', { class: 'link-row', href: '#/my-data', id: 'my-data-link' }, h('span', { text: t('settings.my_data') })),
    h('p', { class: 'field-help', text: t('settings.my_data_help') }),
    lockBtn,
    signOutBtn,
    h('p', { class: 'field-help', id: 'signout-help', text: t('settings.sign_out_phone_help') }),
    confirmArea,
    note);
  return box;
}

export function settingsScreen() {
  const user = getUser();
  return screen({ title: t('settings.title'), name: 'settings', back: user ? '/home' : '/', settings: false },
    h('h1', { id: 'settings-title', text: t('settings.title') }),
    settingsPanel({ heading: false }));
}
