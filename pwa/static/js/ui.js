// Shared pieces of every screen: the top bar, buttons, form fields, messages
// and the kind words shown for errors.

import { h, icon, nextId } from './dom.js';
import { t, has, formatDuration, current as currentLang } from './i18n.js';
import { KEYS, getFlag } from './prefs.js';
import * as speech from './speech.js';
import { getUser } from './api.js';

let actions = { lock: () => {}, signOut: () => {} };

/** app.js gives the top bar its lock and sign-out actions. */
export function setBarActions(a) {
  actions = { ...actions, ...a };
}

function readAloudButton() {
  const label = () => (speech.speaking() ? t('nav.stop_reading') : t('nav.read_aloud'));
  const btn = h('button', { type: 'button', class: 'icon-btn', id: 'read-aloud', 'aria-label': t('nav.read_aloud'), title: t('nav.read_aloud') }, icon('speaker'));
  const done = () => {
    btn.setAttribute('aria-pressed', 'false');
    btn.setAttribute('aria-label', t('nav.read_aloud'));
  };
  btn.addEventListener('click', () => {
    if (speech.speaking()) {
      speech.stop();
      done();
      return;
    }
    const main = document.getElementById('main');
    const ok = main && speech.read(main, currentLang(), done);
    btn.setAttribute('aria-pressed', ok ? 'true' : 'false');
    btn.setAttribute('aria-label', label());
  });
  btn.setAttribute('aria-pressed', 'false');
  return btn;
}

/**
 * A whole screen: the top bar and <main>. opts: title (for <title>), back (a
 * path for the back link), brand (show the name in the bar, default true),
 * settings (show the settings link, default true).
 */
export function screen(opts, ...content) {
  const user = getUser();
  const bar = h('header', { class: ['topbar', opts.back && 'has-back'] });
  if (opts.back) {
    bar.append(h('a', { class: 'icon-btn', href: `#${opts.back}`, id: 'back', 'aria-label': t('app.back'), title: t('app.back') }, icon('back')));
  }
  bar.append(
    // Named by what it shows ("Heard") and where it goes, so the name holds
    // the visible word in every language (WCAG 2.5.3).
    h('a', { class: 'brand', href: user ? '#/home' : '#/' },
      h('img', { src: '/icons/icon.svg', alt: '', width: 32, height: 32 }),
      h('span', { class: 'brand-name', text: t('app.name') }),
      h('span', { class: 'sr-only', text: ` ${t('nav.home')}` })),
  );
  bar.append(h('span', { class: 'spacer' }));
  if (getFlag(KEYS.readAloud) && speech.supported()) bar.append(readAloudButton());
  if (opts.settings !== false) {
    bar.append(h('a', { class: 'icon-btn', href: '#/settings', id: 'open-settings', 'aria-label': t('nav.settings'), title: t('nav.settings') }, icon('settings')));
  }
  if (user && user.role === 'young_person') {
    bar.append(h('button', { type: 'button', class: 'bar-btn', id: 'lock', on: { click: () => actions.lock() } }, icon('lock'), h('span', { text: t('nav.lock') })));
  } else if (user) {
    bar.append(h('button', { type: 'button', class: 'bar-btn', id: 'signout', on: { click: () => actions.signOut() } }, icon('signout'), h('span', { text: t('nav.sign_out') })));
  }
  const main = h('main', { id: 'main', tabindex: '-1', class: opts.mainClass || '' }, ...content);
  return h('div', { class: ['screen', opts.className], data: { title: opts.title || '', screen: opts.name || '' } }, bar, main);
}

/** The bottom area that keeps primary actions in reach of a thumb. */
export function actionsArea(...children) {
  return h('div', { class: 'actions' }, ...children);
}

export function button(text, attrs = {}, kind = 'primary') {
  const { class: extra, ...rest } = attrs;
  return h('button', { type: 'button', ...rest, class: ['btn', `btn-${kind}`, extra] }, text);
}

/** Show that a button is working; returns a function that puts it back. */
export function busy(btn, text) {
  const old = btn.textContent;
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  if (text) btn.textContent = text;
  return () => {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    btn.textContent = old;
  };
}

/**
 * A labelled input with room for help and an error.
 * Returns {wrap, input, setError(text|null)}.
 */
export function field({ id, label, help, ...inputAttrs }) {
  const inputId = id || nextId('f');
  return labelled(h('input', { id: inputId, name: inputId, ...inputAttrs }), { id: inputId, label, help });
}

/**
 * Wraps a control (input, select, textarea) with its label, help and error
 * line, tied together for screen readers. Returns {wrap, input, setError}.
 */
export function labelled(input, { id, label, help }) {
  const helpId = help ? `${id}-help` : null;
  const errId = `${id}-error`;
  if (helpId) input.setAttribute('aria-describedby', helpId);
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    help ? h('p', { class: 'field-help', id: helpId, text: help }) : null,
    input,
    err);
  function setError(text) {
    err.textContent = text || '';
    err.hidden = !text;
    if (text) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', [helpId, errId].filter(Boolean).join(' '));
    } else {
      input.removeAttribute('aria-invalid');
      if (helpId) input.setAttribute('aria-describedby', helpId);
      else input.removeAttribute('aria-describedby');
    }
  }
  return { wrap, input, setError };
}

/** A checkbox with its label, for settings. */
export function toggle({ id, label, help, checked, onChange }) {
  const helpId = help ? `${id}-help` : null;
  const input = h('input', { type: 'checkbox', id, checked: Boolean(checked), 'aria-describedby': helpId, on: { change: (e) => onChange(e.target.checked) } });
  return h('div', { class: 'toggle' },
    input,
    h('div', {},
      h('label', { for: id, text: label }),
      help ? h('p', { class: 'field-help', id: helpId, text: help }) : null));
}

/**
 * A message box. kind: 'info' | 'error' | 'success'. Errors are read out at
 * once (role=alert), others politely.
 */
export function message(kind = 'info', text = '') {
  const el = h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status', hidden: !text });
  if (text) el.textContent = text;
  return el;
}

export function showMessage(el, kind, text) {
  el.className = `msg msg-${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.textContent = text || '';
  el.hidden = !text;
}

/** Kind words for an API error: error.<code> if there is one, else a general one. */
export function errorText(err) {
  if (!err) return t('error.generic');
  const code = err.code || 'generic';
  if (code === 'too_many_attempts' && err.retryAfter) {
    return t('error.too_many_attempts_wait', { time: formatDuration(err.retryAfter) });
  }
  if (has(`error.${code}`)) return t(`error.${code}`);
  if (err.status >= 500) return t('error.internal');
  return t('error.generic');
}

/** Words for a field error code such as "pin_format". */
export function fieldText(code) {
  return has(`field.${code}`) ? t(`field.${code}`) : t('field.invalid');
}

/** A small block saying data could not be loaded, with a way to try again. */
export function loadFailed(err, retry) {
  if (err && err.code === 'session_expired') return h('div');
  return h('div', { class: 'load-failed' },
    message('error', errorText(err)),
    retry ? button(t('app.retry'), { on: { click: retry } }, 'secondary') : null);
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('app.loading'));
}

/** The user's display name for a young person record. */
export function ypName(yp) {
  return (yp && (yp.preferredName || yp.firstName)) || '';
}

/** The services a young person can be with, in the order shown (heard.Services). */
export const SERVICES = Object.freeze(['camhs', 'social_care', 'placement', 'other']);

/** A translated label for a code with a key prefix, or the code itself. */
export function label(prefix, code) {
  return has(`${prefix}.${code}`) ? t(`${prefix}.${code}`) : String(code || '');
}
