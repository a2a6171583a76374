// Joining with a code from a worker: 1. the code, 2. choose a PIN.

import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { screen, actionsArea, button, busy, field, message, showMessage, errorText, fieldText } from './ui.js';
import { normalizeCode, formatCode, validCode, normalizePin, validPin, deviceName, CODE_LENGTH } from './format.js';
import * as api from './api.js';
import { afterSignIn } from './session.js';

export function joinScreen(params) {
  const state = { code: '', step: 1, codeError: null, note: null };
  if (params.code) {
    state.code = formatCode(params.code);
    // Keep the code out of the address bar and history once it is read.
    history.replaceState(history.state, '', '#/join');
    if (validCode(state.code)) {
      state.step = 2;
      state.note = 'join.code.from_link';
    }
  }
  const body = h('div', { class: 'steps' });
  const node = screen({ title: t('join.title'), name: 'join', back: '/' }, body);

  function show(step) {
    state.step = step;
    clear(body);
    body.append(step === 1 ? codeStep() : pinStep());
    const heading = body.querySelector('h1');
    if (heading && node.isConnected) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }

  function codeStep() {
    const f = field({
      id: 'join-code',
      label: t('join.code.label'),
      help: t('join.code.help'),
      type: 'text',
      class: 'code-input',
      inputmode: 'text',
      autocomplete: 'off',
      autocapitalize: 'characters',
      autocorrect: 'off',
      spellcheck: 'false',
      enterkeyhint: 'next',
      maxlength: String(CODE_LENGTH + 6),
      dir: 'ltr',
      value: state.code,
    });
    f.input.addEventListener('input', () => {
      const el = f.input;
      const atEnd = el.selectionStart === el.value.length;
      const before = normalizeCode(el.value.slice(0, el.selectionStart || 0)).length;
      const next = formatCode(el.value);
      if (next !== el.value) {
        el.value = next;
        // Put the caret back after the same number of letters and digits.
        let pos = next.length;
        if (!atEnd) {
          let seen = 0;
          pos = 0;
          while (pos < next.length && seen < before) {
            if (next[pos] !== '-') seen += 1;
            pos += 1;
          }
        }
        el.setSelectionRange(pos, pos);
      }
      f.setError(null);
    });
    if (state.codeError) f.setError(state.codeError);
    const nextBtn = button(t('join.code.next'), { id: 'join-code-next', type: 'submit' });
    const form = h('form', { class: 'form', novalidate: true, autocomplete: 'off' },
      h('h1', { text: t('join.code.title') }),
      f.wrap,
      actionsArea(nextBtn));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const code = formatCode(f.input.value);
      if (!validCode(code)) {
        f.setError(normalizeCode(code).length === 0 ? t('field.required') : t('field.code_format'));
        f.input.focus();
        return;
      }
      state.code = code;
      state.codeError = null;
      state.note = null;
      show(2);
    });
    return form;
  }

  function pinStep() {
    const pin1 = field({
      id: 'pin-new',
      label: t('join.pin.new_label'),
      type: 'password',
      class: 'pin-input',
      inputmode: 'numeric',
      pattern: '[0-9]*',
      autocomplete: 'off',
      enterkeyhint: 'next',
      maxlength: '6',
      dir: 'ltr',
    });
    const pin2 = field({
      id: 'pin-confirm',
      label: t('join.pin.confirm_label'),
      type: 'password',
      class: 'pin-input',
      inputmode: 'numeric',
      pattern: '[0-9]*',
      autocomplete: 'off',
      enterkeyhint: 'done',
      maxlength: '6',
      dir: 'ltr',
    });
    for (const f of [pin1, pin2]) {
      f.input.addEventListener('input', () => {
        const v = normalizePin(f.input.value);
        if (v !== f.input.value) f.input.value = v;
        f.setError(null);
      });
    }
    const showPin = h('input', { type: 'checkbox', id: 'pin-show' });
    showPin.addEventListener('change', () => {
      const type = showPin.checked ? 'text' : 'password';
      pin1.input.type = type;
      pin2.input.type = type;
    });
    const note = message('info', state.note ? t(state.note) : '');
    const err = message('error');
    const submit = button(t('join.pin.submit'), { id: 'pin-submit', type: 'submit' });
    const form = h('form', { class: 'form', novalidate: true },
      h('h1', { text: t('join.pin.title') }),
      h('p', { class: 'code-chip' },
        h('span', { text: t('join.pin.code_is') }), ' ',
        h('span', { class: 'mono', dir: 'ltr', text: state.code }), ' ',
        h('button', { type: 'button', class: 'link-btn', id: 'join-change-code', text: t('join.pin.change_code'), on: { click: () => show(1) } })),
      note,
      h('p', { class: 'lead', text: t('join.pin.help') }),
      pin1.wrap,
      pin2.wrap,
      h('div', { class: 'toggle toggle-small' }, showPin, h('label', { for: 'pin-show', text: t('join.pin.show') })),
      err,
      actionsArea(submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showMessage(err, 'error', '');
      const p1 = normalizePin(pin1.input.value);
      const p2 = normalizePin(pin2.input.value);
      if (!validPin(p1)) {
        pin1.setError(p1 ? t('field.pin_format') : t('field.required'));
        pin1.input.focus();
        return;
      }
      if (p1 !== p2) {
        pin2.setError(t('join.pin.mismatch'));
        pin2.input.value = '';
        pin2.input.focus();
        return;
      }
      const done = busy(submit, t('join.working'));
      try {
        const resp = await api.join(state.code, p1, deviceName());
        import('./offline.js').then((m) => m.rememberPin({ deviceId: resp.deviceId }, p1, resp.user.id)).catch(() => {});
        await afterSignIn(resp, 'join');
      } catch (ex) {
        done();
        if (ex.code === 'join_code_invalid') {
          state.codeError = t('join.code.invalid');
          show(1);
          return;
        }
        if (ex.code === 'validation_failed' && ex.fields) {
          if (ex.fields.code) {
            state.codeError = fieldText(ex.fields.code);
            show(1);
            return;
          }
          if (ex.fields.pin) {
            pin1.setError(fieldText(ex.fields.pin));
            pin1.input.focus();
            return;
          }
        }
        showMessage(err, 'error', errorText(ex));
      }
    });
    return form;
  }

  show(state.step);
  return node;
}
