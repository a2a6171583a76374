// Managing one staff account: changing its role, team, placement and working
// hours, and resetting its password with a one-time code the administrator
// passes on. A new role or a reset ends the person's other sessions (the
// server does that); the words here say so before it happens.

import { h, announce } from './dom.js';
import { t, formatDateTime, locale } from './i18n.js';
import { button, busy, message, showMessage, errorText, label, ypName } from './ui.js';
import { api } from './api.js';
import { selectField, showFormError, clearFormErrors, clearOnEdit, STAFF_ROLES, keyWorkerAction } from './adminforms.js';

export { keyWorkerAction };

/** Minutes after midnight as an <input type=time> value, and back. */
const toTime = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
function fromTime(v) {
  const m = /^(\d{2}):(\d{2})$/.exec(v || '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

/** Monday first, as a working week is read in the UK; weekday 0 is Sunday. */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

function weekdayName(d) {
  // 2 November 2026 was a Monday.
  return new Intl.DateTimeFormat(locale(), { weekday: 'long' }).format(new Date(2026, 10, 1 + (d === 0 ? 7 : d)));
}

/** One row a day: works that day, from, to. Returns {wrap, value(), problem()}. */
function hoursEditor(id, hours) {
  const byDay = new Map();
  const extra = []; // a second block on a day is kept as it is
  for (const b of hours || []) {
    if (byDay.has(b.weekday)) extra.push(b);
    else byDay.set(b.weekday, b);
  }
  const rows = WEEK.map((d) => {
    const b = byDay.get(d);
    const name = weekdayName(d);
    const on = h('input', { type: 'checkbox', id: `${id}-${d}-on`, checked: Boolean(b) });
    const from = h('input', { type: 'time', id: `${id}-${d}-from`, value: toTime(b ? b.start : 540), 'aria-label': t('admin.staff.edit.from_day', { day: name }) });
    const to = h('input', { type: 'time', id: `${id}-${d}-to`, value: toTime(b ? b.end : 1020), 'aria-label': t('admin.staff.edit.to_day', { day: name }) });
    const sync = () => { from.disabled = !on.checked; to.disabled = !on.checked; };
    on.addEventListener('change', sync);
    sync();
    const row = h('div', { class: 'hours-day', data: { weekday: d } },
      h('div', { class: 'toggle toggle-small' }, on, h('label', { for: on.id, text: name })),
      h('div', { class: 'hours-times' }, from, h('span', { 'aria-hidden': 'true', text: '–' }), to));
    return { d, on, from, to, row };
  });
  const err = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const wrap = h('fieldset', { class: 'field hours', id },
    h('legend', { text: t('admin.staff.edit.hours') }),
    h('p', { class: 'field-help', text: t('admin.staff.edit.hours_help') }),
    ...rows.map((r) => r.row), err);
  return {
    wrap,
    input: rows[0].on,
    value() {
      const out = [];
      for (const r of rows) {
        if (r.on.checked) out.push({ weekday: r.d, start: fromTime(r.from.value), end: fromTime(r.to.value) });
      }
      return out.concat(extra);
    },
    setError(text) {
      err.textContent = text || '';
      err.hidden = !text;
    },
  };
}

/**
 * "Change" for one account: role, team, placement and working hours. Changing
 * someone's own role is not offered (the server refuses it too).
 */
export function staffEditor(s, me, reload) {
  const own = me && me.id === s.id;
  const id = `staff-edit-${s.id}`;
  const name = s.name || s.email || '';
  const role = selectField({ id: `${id}-role`, label: t('admin.staff.add.role'), value: s.role,
    help: t('admin.staff.edit.role_help'),
    options: STAFF_ROLES.map((r) => ({ value: r, text: label('role', r) })) });
  role.input.disabled = own;
  const team = selectField({ id: `${id}-team`, label: t('admin.staff.add.team'), value: s.teamId || '',
    options: [{ value: '', text: t('admin.staff.add.no_team') }] });
  const placement = selectField({ id: `${id}-placement`, label: t('admin.staff.add.placement'), value: s.placementId || '',
    options: [{ value: '', text: t('admin.staff.add.choose_placement') }] });
  const hours = hoursEditor(`${id}-hours`, s.hours);
  const note = message('info');
  const save = button(t('admin.staff.edit.save'), { type: 'submit', class: 'staff-edit-save' }, 'primary');
  const byName = { role, teamId: team, placementId: placement, hours };
  clearOnEdit({ role, teamId: team, placementId: placement });
  const showPlacement = () => { placement.wrap.hidden = role.input.value !== 'placement_staff'; };
  role.input.addEventListener('change', showPlacement);
  showPlacement();

  let filled = null;
  function fill() {
    filled = filled || Promise.all([api('GET', '/api/admin/teams'), api('GET', '/api/admin/placements')]).then(([teams, places]) => {
      for (const tm of (teams && teams.items) || []) {
        team.input.append(h('option', { value: tm.id, selected: tm.id === s.teamId, text: t('admin.teams.option', { name: tm.name, service: label('service', tm.service) }) }));
      }
      for (const p of (places && places.items) || []) placement.input.append(h('option', { value: p.id, selected: p.id === s.placementId, text: p.name }));
    }).catch((err) => showMessage(note, 'error', errorText(err)));
  }

  const form = h('form', { class: 'add-form staff-edit-form', id: `${id}-form`, novalidate: true, hidden: true, 'aria-label': t('admin.staff.edit.title', { name }) },
    role.wrap, team.wrap, placement.wrap, hours.wrap, note, save);
  const open = button(t('admin.staff.edit.open'), { class: 'staff-edit', 'aria-expanded': 'false', 'aria-controls': form.id,
    'aria-label': t('admin.staff.edit.open_name', { name }), data: { id: s.id } }, 'secondary');
  open.addEventListener('click', () => {
    form.hidden = !form.hidden;
    open.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) {
      fill();
      (own ? team.input : role.input).focus();
    }
  });
  const words = { 'hours:hours_range': t('admin.staff.edit.hours_range'), 'role:own_role': t('admin.staff.edit.own_role') };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const body = { teamId: team.input.value, hours: hours.value() };
    if (!own) body.role = role.input.value;
    body.placementId = role.input.value === 'placement_staff' ? placement.input.value : '';
    const missing = {};
    if (body.hours.some((b) => !(b.start < b.end))) missing.hours = 'hours_range';
    if (role.input.value === 'placement_staff' && !body.placementId) missing.placementId = 'required';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, byName, words);
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      const changed = await api('PATCH', `/api/admin/staff/${encodeURIComponent(s.id)}`, body);
      const text = t(changed.role !== s.role ? 'admin.staff.edit.done_role' : 'admin.staff.edit.done', { name });
      announce(text);
      reload(text);
    } catch (err) {
      done();
      showFormError(err, note, byName, words);
    }
  });
  return h('div', { class: 'staff-edit-area' }, open, form);
}

/**
 * "Reset password" for another account: after a step to confirm, the code to
 * pass on is shown once, with a link that fills it in and when it stops working.
 */
export function passwordReset(s, me) {
  if (me && s.id === me.id) return null; // their own password is changed in Settings
  const name = s.name || s.email || '';
  const msg = message('error');
  const start = button(t('admin.staff.reset.open'), { class: 'staff-reset', data: { id: s.id }, 'aria-label': t('admin.staff.reset.open_name', { name }) }, 'quiet');
  const yes = button(t('admin.staff.reset.yes'), { class: 'staff-reset-confirm', data: { id: s.id } }, 'danger');
  const no = button(t('app.cancel'), { class: 'staff-reset-cancel' }, 'quiet');
  const box = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('admin.staff.reset.confirm', { name }) }), yes, no);
  const shown = h('div', { class: 'reset-code', hidden: true, role: 'status' });
  start.addEventListener('click', () => { start.hidden = true; box.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { box.hidden = true; start.hidden = false; start.focus(); });
  yes.addEventListener('click', async () => {
    const done = busy(yes);
    try {
      const r = await api('POST', `/api/admin/staff/${encodeURIComponent(s.id)}/password-reset`);
      box.hidden = true;
      const link = `${location.origin}/#/reset/${encodeURIComponent(r.code)}`;
      const copy = button(t('admin.staff.reset.copy'), { class: 'staff-reset-copy' }, 'secondary');
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(link);
          announce(t('admin.staff.reset.copied'));
          copy.textContent = t('admin.staff.reset.copied');
        } catch {
          copy.hidden = true;
        }
      });
      shown.replaceChildren(
        h('p', { text: t('admin.staff.reset.done', { name }) }),
        h('p', { class: 'code', dir: 'ltr', lang: 'en', text: r.code }),
        h('p', { class: 'meta', text: t('admin.staff.reset.until', { when: formatDateTime(r.expiresAt) }) }),
        h('p', { class: 'meta' }, h('span', { text: t('admin.staff.reset.link') }), ' ', h('a', { href: link, dir: 'ltr', class: 'reset-link', text: link })),
        copy);
      shown.hidden = false;
      shown.focus && shown.setAttribute('tabindex', '-1');
      shown.focus();
    } catch (err) {
      done();
      showMessage(msg, 'error', errorText(err));
    }
  });
  return h('div', { class: 'row-actions' }, start, box, shown, msg);
}

/**
 * "Has left Heard" on a young person's row (administrators): after a step to
 * confirm, their phones are signed out and their records are kept only for
 * the area's period. A young person who has left says so instead.
 */
export function leftAction(yp, user, reload) {
  if (!user || user.role !== 'administrator') return null;
  const name = ypName(yp);
  if (yp.leftAt) return h('p', { class: 'meta yp-left', text: t('admin.left.since', { name, when: formatDateTime(yp.leftAt, { dateStyle: 'long' }) }) });
  const msg = message('error');
  const start = button(t('admin.left.open'), { class: 'yp-left-open', data: { id: yp.id }, 'aria-label': t('admin.left.open_name', { name }) }, 'quiet');
  const yes = button(t('admin.left.yes'), { class: 'yp-left-confirm', data: { id: yp.id } }, 'danger');
  const no = button(t('app.cancel'), { class: 'yp-left-cancel' }, 'quiet');
  const box = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('admin.left.confirm', { name }) }), yes, no);
  start.addEventListener('click', () => { start.hidden = true; box.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { box.hidden = true; start.hidden = false; start.focus(); });
  yes.addEventListener('click', async () => {
    const done = busy(yes);
    try {
      await api('POST', `/api/young-people/${encodeURIComponent(yp.id)}/left`);
      announce(t('admin.left.done', { name }));
      if (reload) reload(t('admin.left.done', { name }));
    } catch (err) {
      done();
      showMessage(msg, 'error', errorText(err));
    }
  });
  return h('div', { class: 'row-actions' }, start, box, msg);
}
