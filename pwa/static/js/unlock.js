// Opening the app on a phone that has joined: type the PIN.

import { h, icon } from './dom.js';
import { t, formatDuration } from './i18n.js';
import { screen, actionsArea, button, busy, message, showMessage, errorText } from './ui.js';
import { normalizePin, validPin } from './format.js';
import { device, forgetDevice } from './prefs.js';
import * as api from './api.js';
import { afterSignIn, openOffline } from './session.js';
import { navigate } from './router.js';
import { setWelcomeFlash } from './welcome.js';
import { preloadRole } from './features.js';

let note = null;
let lockedUntil = 0;

/** A new device starts with no wait. */
export function resetLockout() {
  lockedUntil = 0;
}

/** A message (by key) to show on the next unlock screen. */
export function setUnlockNote(kind, key) {
  note = { kind, key };
}

export function unlockScreen() {
  // Only a young person's phone asks for a PIN: their home's code and words
  // load while they type it.
  preloadRole('young_person');
  const saved = device();
  const first = note;
  note = null;
  const msg = message(first ? first.kind : 'info', first ? t(first.key) : '');
  msg.id = 'unlock-message';

  const input = h('input', {
    id: 'unlock-pin',
    name: 'pin',
    type: 'password',
    class: 'pin-input',
    inputmode: 'numeric',
    pattern: '[0-9]*',
    autocomplete: 'off',
    enterkeyhint: 'go',
    maxlength: '6',
    dir: 'ltr',
    'aria-describedby': 'unlock-help unlock-message',
  });
  input.addEventListener('input', () => {
    usedPad = false;
    const v = normalizePin(input.value);
    if (v !== input.value) input.value = v;
  });

  const submit = button(t('unlock.submit'), { id: 'unlock-submit', type: 'submit' });

  // Someone using the number pad keeps using it: the phone's keyboard is not
  // brought up over it after a wrong PIN.
  let usedPad = false;
  function press(digit) {
    usedPad = true;
    if (input.value.length < 6) input.value += digit;
  }
  function backspace() {
    usedPad = true;
    input.value = input.value.slice(0, -1);
  }
  const keys = [];
  const keypad = h('div', { class: 'keypad', role: 'group', 'aria-label': t('unlock.keypad'), dir: 'ltr' });
  for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) {
    const k = h('button', { type: 'button', class: 'key', text: d, data: { digit: d }, on: { click: () => press(d) } });
    keys.push(k);
    keypad.append(k);
  }
  const del = h('button', { type: 'button', class: 'key key-del', 'aria-label': t('unlock.delete'), title: t('unlock.delete'), on: { click: backspace } }, icon('backspace'));
  const zero = h('button', { type: 'button', class: 'key', text: '0', data: { digit: '0' }, on: { click: () => press('0') } });
  keys.push(del, zero);
  keypad.append(h('span', { class: 'key-gap', 'aria-hidden': 'true' }), zero, del);

  function setLocked(on) {
    input.disabled = on;
    submit.disabled = on;
    for (const k of keys) k.disabled = on;
  }

  let timer = null;
  function startLockout(seconds) {
    lockedUntil = Date.now() + seconds * 1000;
    tick();
  }
  function tick() {
    clearTimeout(timer);
    if (!form.isConnected) return; // the screen has gone; stop counting
    const left = Math.ceil((lockedUntil - Date.now()) / 1000);
    if (left <= 0) {
      setLocked(false);
      lockedUntil = 0;
      showMessage(msg, 'info', t('unlock.try_again_now'));
      return;
    }
    setLocked(true);
    showMessage(msg, 'error', t('unlock.locked', { time: formatDuration(left) }));
    timer = setTimeout(tick, left > 120 ? 15000 : 1000);
  }

  // Help is never behind the PIN: the area's numbers, offline too (help.js).
  const helpNow = h('a', { class: 'help-now', href: '#/help', id: 'unlock-help-now' }, icon('phone'), h('span', { text: t('unlock.help_now') }));
  const form = h('form', { class: 'form unlock-form', novalidate: true },
    helpNow,
    h('h1', { text: t('unlock.title') }),
    h('p', { class: 'lead', id: 'unlock-help', text: t('unlock.help') }),
    h('div', { class: 'field' },
      h('label', { for: 'unlock-pin', text: t('unlock.pin_label') }),
      input),
    msg,
    keypad,
    actionsArea(submit),
    h('details', { class: 'forgot' },
      h('summary', { text: t('unlock.forgot') }),
      h('p', { text: t('unlock.forgot_help') }),
      h('a', { class: 'btn btn-secondary', href: '#/join', id: 'unlock-new-code', text: t('unlock.new_code') })));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const pin = normalizePin(input.value);
    if (!validPin(pin)) {
      showMessage(msg, 'error', t('field.pin_format'));
      if (!usedPad) input.focus();
      return;
    }
    const done = busy(submit);
    try {
      const resp = await api.unlock(saved, pin);
      import('./offline.js').then((m) => m.rememberPin(saved, pin, resp.user.id)).catch(() => {});
      await afterSignIn(resp, 'unlock');
    } catch (ex) {
      done();
      input.value = '';
      switch (ex.code) {
        case 'pin_incorrect':
          showMessage(msg, 'error', ex.attemptsLeft !== null
            ? t('unlock.wrong', { count: ex.attemptsLeft })
            : t('error.pin_incorrect'));
          if (!usedPad) input.focus();
          break;
        case 'device_locked':
          startLockout(ex.retryAfter || 300);
          break;
        case 'device_revoked':
        case 'device_unknown':
          forgetDevice();
          import('./offline.js').then((m) => m.forgetPin()).catch(() => {});
          setWelcomeFlash('info', 'welcome.signed_out_by_worker');
          navigate('/', { replace: true });
          break;
        case 'too_many_attempts':
          if (ex.retryAfter) startLockout(ex.retryAfter);
          else showMessage(msg, 'error', errorText(ex));
          break;
        case 'offline': {
          // No signal: the PIN is checked on the phone, with its own limit (offline.js).
          const { checkPinOffline } = await import('./offline.js');
          const r = await checkPinOffline(saved, pin);
          if (r.result === 'ok') {
            await openOffline(r.userId, pin);
            return;
          }
          if (r.result === 'wrong') showMessage(msg, 'error', t('unlock.wrong', { count: r.left }));
          else showMessage(msg, 'error', t(r.result === 'locked' ? 'unlock.offline_locked' : 'unlock.offline'));
          if (!usedPad) input.focus();
          break;
        }
        default:
          showMessage(msg, 'error', errorText(ex));
      }
    }
  });

  if (lockedUntil > Date.now()) setTimeout(tick, 0);
  // The phone's copy of the help numbers is brought up to date whenever it is online.
  import('./help.js').then((m) => m.refreshContacts()).catch(() => {});
  return screen({ title: t('unlock.title'), name: 'unlock' }, form);
}
