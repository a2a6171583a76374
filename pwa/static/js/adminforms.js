// Setting Heard up from the app: the form pieces shared by the "add" forms,
// and the administrator's forms for staff accounts, teams and key workers.

import { h, nextId, announce } from './dom.js';
import { t } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, fieldText, loading, label, ypName } from './ui.js';
import { api } from './api.js';
import { loadItems } from './lists.js';

/** Roles an administrator can give a staff account, in the order shown. */
export const STAFF_ROLES = ['key_worker', 'duty_worker', 'team_manager', 'placement_staff', 'commissioner', 'administrator'];
/** Services a team can provide. */
export const SERVICES = ['camhs', 'social_care', 'placement', 'other'];

/**
 * A labelled <select>, like field(): options are [{value, text}].
 * Returns {wrap, input, setError(text|null)}.
 */
export function selectField({ id, label: text, help, options, value }) {
  const selectId = id || nextId('s');
  const helpId = help ? `${selectId}-help` : null;
  const errId = `${selectId}-error`;
  const input = h('select', { id: selectId, name: selectId, 'aria-describedby': helpId });
  for (const o of options) input.append(h('option', { value: o.value, lang: o.lang, selected: o.value === value, text: o.text }));
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const wrap = h('div', { class: 'field' },
    h('label', { for: selectId, text }),
    help ? h('p', { class: 'field-help', id: helpId, text: help }) : null,
    input,
    err);
  function setError(msg) {
    err.textContent = msg || '';
    err.hidden = !msg;
    if (msg) {
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

/**
 * Show an API error on a form: each field the API names gets its words
 * (`fieldText`, or a form's own words for a code through `words`), and the
 * note says what went wrong. The first field with a problem gets the focus.
 */
export function showFormError(err, note, byName, words = {}) {
  const problems = (err && err.fields) || {};
  let first = null;
  for (const [name, f] of Object.entries(byName)) {
    const code = problems[name];
    f.setError(code ? (words[`${name}:${code}`] || fieldText(code)) : null);
    if (code && !first) first = f.input;
  }
  showMessage(note, 'error', errorText(err));
  if (first) first.focus();
}

/** A field's error goes as soon as it is changed. */
export function clearOnEdit(byName) {
  for (const f of Object.values(byName)) {
    const clearIt = () => { if (f.input.getAttribute('aria-invalid')) f.setError(null); };
    f.input.addEventListener('input', clearIt);
    f.input.addEventListener('change', clearIt);
  }
}

export function clearFormErrors(note, byName) {
  for (const f of Object.values(byName)) f.setError(null);
  showMessage(note, 'info', '');
}

/**
 * A button that opens a form below it (and closes it again), so a list stays
 * short until someone wants to add to it. Returns {wrap, open, close}.
 */
export function disclosure(text, id, content) {
  const panelId = `${id}-panel`;
  const toggle = button(text, { id, 'aria-expanded': 'false', 'aria-controls': panelId, class: 'disclose' }, 'secondary');
  const panel = h('div', { id: panelId, class: 'add-panel', hidden: true }, content);
  function open() {
    panel.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    const first = panel.querySelector('input, select');
    if (first) first.focus();
  }
  function close() {
    panel.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
  }
  toggle.addEventListener('click', () => (panel.hidden ? open() : close()));
  return { wrap: h('div', { class: 'add-area' }, toggle, panel), open, close, toggle };
}

// ---------------------------------------------------------------- staff

/** The "Add a staff member" form (labelled by the button that opens it,
 * #staff-add); onAdded(staff, text) runs after it is saved. */
export function addStaffForm(onAdded) {
  const name = field({ id: 'staff-name', label: t('admin.staff.add.name'), autocomplete: 'off', maxlength: '80', required: true });
  const email = field({ id: 'staff-email', label: t('admin.staff.add.email'), type: 'email', autocomplete: 'off', inputmode: 'email', dir: 'ltr', maxlength: '254', required: true });
  const role = selectField({ id: 'staff-role', label: t('admin.staff.add.role'), value: 'key_worker',
    options: STAFF_ROLES.map((r) => ({ value: r, text: label('role', r) })) });
  const team = selectField({ id: 'staff-team', label: t('admin.staff.add.team'), help: t('admin.staff.add.team_help'),
    options: [{ value: '', text: t('admin.staff.add.no_team') }] });
  const placement = selectField({ id: 'staff-placement', label: t('admin.staff.add.placement'), help: t('admin.staff.add.placement_help'),
    options: [{ value: '', text: t('admin.staff.add.choose_placement') }] });
  const password = field({ id: 'staff-password', label: t('admin.staff.add.password'), help: t('admin.staff.add.password_help'),
    type: 'password', autocomplete: 'new-password', minlength: '10', maxlength: '256', required: true });
  const note = message('info');
  note.id = 'staff-add-message';
  const submit = button(t('admin.staff.add.save'), { id: 'staff-add-save', type: 'submit' }, 'primary');
  const byName = { name, email, role, teamId: team, placementId: placement, password };
  clearOnEdit(byName);

  // Placement staff need a placement; nobody else uses one.
  const showPlacement = () => { placement.wrap.hidden = role.input.value !== 'placement_staff'; };
  role.input.addEventListener('change', showPlacement);
  showPlacement();

  // The choices of team and placement come from the area.
  Promise.all([api('GET', '/api/admin/teams'), api('GET', '/api/admin/placements')]).then(([teams, places]) => {
    for (const tm of (teams && teams.items) || []) {
      team.input.append(h('option', { value: tm.id, text: t('admin.teams.option', { name: tm.name, service: label('service', tm.service) }) }));
    }
    for (const p of (places && places.items) || []) placement.input.append(h('option', { value: p.id, text: p.name }));
  }).catch((err) => showMessage(note, 'error', errorText(err)));

  const form = h('form', { class: 'add-form', id: 'staff-add-form', novalidate: true, 'aria-labelledby': 'staff-add' },
    name.wrap, email.wrap, role.wrap, team.wrap, placement.wrap, password.wrap, note, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const body = {
      name: name.input.value.trim(),
      email: email.input.value.trim(),
      role: role.input.value,
      teamId: team.input.value,
      placementId: role.input.value === 'placement_staff' ? placement.input.value : '',
      password: password.input.value,
    };
    // Say what is missing before asking the server.
    const missing = {};
    if (!body.name) missing.name = 'required';
    if (!body.email) missing.email = 'required';
    if (body.role === 'placement_staff' && !body.placementId) missing.placementId = 'required';
    if (body.password.length < 10) missing.password = 'password_length';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, byName);
      return;
    }
    const done = busy(submit, t('admin.saving'));
    try {
      const st = await api('POST', '/api/admin/staff', body);
      done();
      form.reset();
      showPlacement();
      const text = t('admin.staff.add.done', { name: st.name });
      announce(text);
      onAdded(st, text);
    } catch (err) {
      done();
      if (err.code === 'email_taken') err.fields = { email: 'email_taken' };
      showFormError(err, note, byName);
    }
  });
  return form;
}

/** "Turn off" / "Turn on" for one account, with a step to confirm. */
export function staffSwitch(s, me, reload) {
  if (me && s.id === me.id) return null; // Nobody turns their own account off.
  const off = !s.disabled;
  const name = s.name || s.email || '';
  const msg = message('error');
  const start = button(t(off ? 'admin.staff.turn_off' : 'admin.staff.turn_on'),
    { class: 'staff-switch', data: { id: s.id }, 'aria-label': t(off ? 'admin.staff.turn_off_name' : 'admin.staff.turn_on_name', { name }) }, off ? 'quiet' : 'secondary');
  const yes = button(t(off ? 'admin.staff.turn_off_yes' : 'admin.staff.turn_on_yes'), { class: 'staff-switch-confirm', data: { id: s.id } }, off ? 'danger' : 'primary');
  const no = button(t('app.cancel'), { class: 'staff-switch-cancel' }, 'quiet');
  const box = h('div', { class: ['confirm', !off && 'confirm-calm'], hidden: true },
    h('p', { text: t(off ? 'admin.staff.turn_off_confirm' : 'admin.staff.turn_on_confirm', { name }) }), yes, no);
  start.addEventListener('click', () => { start.hidden = true; box.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { box.hidden = true; start.hidden = false; start.focus(); });
  yes.addEventListener('click', async () => {
    const done = busy(yes);
    try {
      await api('PATCH', `/api/admin/staff/${encodeURIComponent(s.id)}`, { disabled: off });
      announce(t(off ? 'admin.staff.turned_off' : 'admin.staff.turned_on', { name }));
      reload(t(off ? 'admin.staff.turned_off' : 'admin.staff.turned_on', { name }));
    } catch (err) {
      done();
      showMessage(msg, 'error', errorText(err));
    }
  });
  return h('div', { class: 'row-actions' }, start, box, msg);
}

// ---------------------------------------------------------------- teams

/** #/admin/teams: the area's teams, and a form to add one. */
export function teamsScreen() {
  const body = h('div', {}, loading());
  const status = message('success');
  status.id = 'teams-status';
  const name = field({ id: 'team-name', label: t('admin.teams.add.name'), autocomplete: 'off', maxlength: '80', required: true });
  const service = selectField({ id: 'team-service', label: t('admin.teams.add.service'), value: 'social_care',
    options: SERVICES.map((s) => ({ value: s, text: label('service', s) })) });
  const note = message('info');
  note.id = 'team-add-message';
  const submit = button(t('admin.teams.add.save'), { id: 'team-add-save', type: 'submit' }, 'primary');
  const byName = { name, service };
  clearOnEdit(byName);
  const form = h('form', { class: 'add-form', id: 'team-add-form', novalidate: true, 'aria-labelledby': 'team-add' },
    name.wrap, service.wrap, note, submit);
  const add = disclosure(t('admin.teams.add.title'), 'team-add', form);

  const node = screen({ title: t('admin.teams.title'), name: 'teams', back: '/home' },
    h('h1', { text: t('admin.teams.title') }),
    h('p', { class: 'lead', text: t('admin.teams.help') }),
    status,
    add.wrap,
    body);

  const load = loadItems(body, '/api/admin/teams', (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('admin.teams.empty') }));
      return;
    }
    const list = h('ul', { class: 'rows', id: 'team-list' });
    items.slice().sort((a, b) => a.name.localeCompare(b.name)).forEach((tm) => list.append(
      h('li', { class: 'row team-item', data: { id: tm.id } },
        h('p', { class: 'row-title', text: tm.name }),
        h('p', { class: 'meta', text: label('service', tm.service) }))));
    body.append(list);
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const teamName = name.input.value.trim();
    if (!teamName) {
      showFormError({ code: 'validation_failed', fields: { name: 'required' } }, note, byName);
      return;
    }
    const done = busy(submit, t('admin.saving'));
    try {
      const tm = await api('POST', '/api/admin/teams', { name: teamName, service: service.input.value });
      done();
      form.reset();
      add.close();
      const text = t('admin.teams.add.done', { name: tm.name });
      showMessage(status, 'success', text);
      announce(text);
      await load();
      add.toggle.focus();
    } catch (err) {
      done();
      showFormError(err, note, byName);
    }
  });
  return node;
}

// ---------------------------------------------------------------- key workers

let keyWorkers = null; // the area's key workers, loaded once per list

async function loadKeyWorkers() {
  const data = await api('GET', '/api/admin/staff');
  return ((data && data.items) || []).filter((s) => s.role === 'key_worker' && !s.disabled)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * On an administrator's young-people list: "Change key worker" opens a choice
 * of the area's key workers. reload() shows the list again when it is done.
 */
export function keyWorkerAction(yp, user, reload) {
  if (!user || user.role !== 'administrator') return null;
  const name = ypName(yp);
  const current = yp.keyWorker && yp.keyWorker.id;
  const start = button(t('admin.kw.change'), { class: 'kw-change', data: { id: yp.id }, 'aria-label': t('admin.kw.change_name', { name }) }, 'secondary');
  const box = h('form', { class: 'kw-form', hidden: true, novalidate: true });
  const note = message('info');
  let pick = null;
  let save = null;
  let others = [];
  const cancel = () => button(t('app.cancel'), { class: 'kw-cancel', on: { click: () => { box.hidden = true; start.hidden = false; start.focus(); } } }, 'quiet');

  start.addEventListener('click', async () => {
    start.hidden = true;
    box.hidden = false;
    box.replaceChildren(loading());
    pick = null;
    try {
      if (!keyWorkers) keyWorkers = loadKeyWorkers();
      others = (await keyWorkers).filter((s) => s.id !== current);
    } catch (err) {
      keyWorkers = null;
      box.replaceChildren(message('error', errorText(err)), cancel());
      return;
    }
    if (!others.length) {
      box.replaceChildren(h('p', { text: t('admin.kw.none') }), cancel());
      return;
    }
    pick = selectField({ id: `kw-select-${yp.id}`, label: t('admin.kw.label', { name }),
      options: [{ value: '', text: t('admin.kw.choose') }, ...others.map((s) => ({ value: s.id, text: s.name }))] });
    save = button(t('admin.kw.save'), { type: 'submit', class: 'kw-save' }, 'primary');
    showMessage(note, 'info', '');
    clearOnEdit({ staffId: pick });
    box.replaceChildren(pick.wrap, note, save, cancel());
    pick.input.focus();
  });

  box.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!pick) return;
    clearFormErrors(note, { staffId: pick });
    if (!pick.input.value) {
      showFormError({ code: 'validation_failed', fields: { staffId: 'choose_key_worker' } }, note, { staffId: pick });
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      await api('POST', '/api/admin/assignments', { youngPersonId: yp.id, staffId: pick.input.value });
      const chosen = others.find((s) => s.id === pick.input.value);
      const text = t('admin.kw.done', { name, worker: chosen ? chosen.name : '' });
      announce(text);
      reload(text);
    } catch (err) {
      done();
      // Someone may have turned the account off meanwhile: ask again next time.
      if (err.fields && err.fields.staffId) keyWorkers = null;
      showFormError(err, note, { staffId: pick });
    }
  });
  return h('div', { class: 'kw-action' }, start, box);
}

/** A fresh list of key workers next time a young-people list is shown. */
export function forgetKeyWorkers() {
  keyWorkers = null;
}
