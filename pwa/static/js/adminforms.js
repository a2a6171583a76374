// Setting Heard up from the app: the form pieces shared by the "add" forms,
// and the administrator's forms for staff accounts, teams, key workers and the
// duty rota (the area's own settings are in areas.js).

import { h, nextId, announce } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, fieldText, loading, label, ypName, toggle, labelled, SERVICES } from './ui.js';
import { api, oneCreate } from './api.js';
import { loadItems } from './lists.js';

/** Roles an administrator can give a staff account, in the order shown. */
export const STAFF_ROLES = ['key_worker', 'duty_worker', 'team_manager', 'placement_staff', 'commissioner', 'administrator'];
/** Services a team can provide. */

/**
 * A labelled <select>, like field(): options are [{value, text}].
 * Returns {wrap, input, setError(text|null)}.
 */
export function selectField({ id, label: text, help, options, value }) {
  const selectId = id || nextId('s');
  const input = h('select', { id: selectId, name: selectId });
  for (const o of options) input.append(h('option', { value: o.value, lang: o.lang, dir: o.dir, selected: o.value === value, text: o.text }));
  return labelled(input, { id: selectId, label: text, help });
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
  const createStaff = oneCreate(); // one key per thing made: a retry never makes it twice
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
      const st = await createStaff('POST', '/api/admin/staff', body);
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

  const createTeam = oneCreate(); // one key per thing made: a retry never makes it twice
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
      const tm = await createTeam('POST', '/api/admin/teams', { name: teamName, service: service.input.value });
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

// ---------------------------------------------------------------- duty rota

/** Roles that can be put on duty (as the API allows). */
const DUTY_ROLES = ['duty_worker', 'key_worker', 'team_manager'];

/** A datetime-local value ("2026-11-23T09:00") as RFC 3339 with this browser's offset. */
export function localToRFC3339(value) {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00`
    + `${off < 0 ? '-' : '+'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/** A Date as a datetime-local value in this browser's time. */
function toLocalInput(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** #/admin/duty: who is on duty in the next 7 days, adding and removing shifts. */
export function dutyScreen() {
  const body = h('div', {}, loading());
  const status = message('success');
  status.id = 'duty-status';
  let staff = new Map(); // id → staff account, for names

  const who = selectField({ id: 'duty-staff', label: t('admin.duty.add.who'), help: t('admin.duty.add.who_help'),
    options: [{ value: '', text: t('admin.duty.add.choose') }] });
  const start = field({ id: 'duty-start', label: t('admin.duty.add.start'), type: 'datetime-local', required: true });
  const end = field({ id: 'duty-end', label: t('admin.duty.add.end'), help: t('admin.duty.add.end_help'), type: 'datetime-local', required: true });
  const note = message('info');
  note.id = 'duty-add-message';
  const submit = button(t('admin.duty.add.save'), { id: 'duty-add-save', type: 'submit' }, 'primary');
  const byName = { staffId: who, start, end };
  clearOnEdit(byName);
  const form = h('form', { class: 'add-form', id: 'duty-add-form', novalidate: true, 'aria-labelledby': 'duty-add' },
    who.wrap, start.wrap, end.wrap, note, submit);
  const add = disclosure(t('admin.duty.add.title'), 'duty-add', form);

  // A first suggestion: tomorrow, 9 to 5.
  function suggest() {
    const d = new Date();
    d.setDate(d.getDate() + 1);
    d.setHours(9, 0, 0, 0);
    start.input.value = toLocalInput(d);
    d.setHours(17);
    end.input.value = toLocalInput(d);
  }
  suggest();

  const node = screen({ title: t('admin.duty.title'), name: 'duty', back: '/home' },
    h('h1', { text: t('admin.duty.title') }),
    h('p', { class: 'lead', text: t('admin.duty.help') }),
    status,
    add.wrap,
    body);

  const load = loadItems(body, async () => {
    const [people, rota] = await Promise.all([api('GET', '/api/admin/staff'), api('GET', '/api/admin/duty-rota')]);
    staff = new Map(((people && people.items) || []).map((s) => [s.id, s]));
    return (rota && rota.items) || [];
  }, (items) => {
    fillWho();
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('admin.duty.empty') }));
      return;
    }
    const list = h('ul', { class: 'rows', id: 'duty-list' });
    items.slice().sort((a, b) => String(a.start).localeCompare(String(b.start))).forEach((d) => list.append(shiftRow(d)));
    body.append(list);
  });

  function fillWho() {
    const chosen = who.input.value;
    who.input.replaceChildren(h('option', { value: '', text: t('admin.duty.add.choose') }));
    [...staff.values()].filter((s) => DUTY_ROLES.includes(s.role) && !s.disabled)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)))
      .forEach((s) => who.input.append(h('option', { value: s.id, text: t('admin.duty.option', { name: s.name, role: label('role', s.role) }) })));
    who.input.value = chosen;
  }

  function personName(id) {
    const s = staff.get(id);
    return s ? s.name : t('admin.duty.unknown');
  }

  function shiftRow(d) {
    const name = personName(d.staffId);
    const when = t('admin.duty.when', { start: formatDateTime(d.start), end: formatDateTime(d.end) });
    const msg = message('error');
    const remove = button(t('admin.duty.remove'), { class: 'duty-remove', data: { id: d.id }, 'aria-label': t('admin.duty.remove_name', { name, when }) }, 'quiet');
    const yes = button(t('admin.duty.remove_yes'), { class: 'duty-remove-confirm', data: { id: d.id } }, 'danger');
    const no = button(t('app.cancel'), { class: 'duty-remove-cancel' }, 'quiet');
    const box = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('admin.duty.remove_confirm', { name, when }) }), yes, no);
    remove.addEventListener('click', () => { remove.hidden = true; box.hidden = false; yes.focus(); });
    no.addEventListener('click', () => { box.hidden = true; remove.hidden = false; remove.focus(); });
    yes.addEventListener('click', async () => {
      const done = busy(yes);
      try {
        await api('DELETE', `/api/admin/duty-rota/${encodeURIComponent(d.id)}`);
        const text = t('admin.duty.removed', { name });
        showMessage(status, 'success', text);
        announce(text);
        await load();
        add.toggle.focus();
      } catch (err) {
        done();
        showMessage(msg, 'error', errorText(err));
      }
    });
    return h('li', { class: 'row duty-item', data: { id: d.id, staff: d.staffId } },
      h('p', { class: 'row-title', text: name }),
      h('p', { class: 'meta' },
        h('time', { datetime: d.start, text: formatDateTime(d.start) }),
        h('span', { text: ` ${t('admin.duty.until')} ` }),
        h('time', { datetime: d.end, text: formatDateTime(d.end) })),
      h('div', { class: 'row-actions' }, remove, box, msg));
  }

  const words = {
    'end:range': t('admin.duty.end_range'),
    'staffId:cannot_be_on_duty': t('admin.duty.cannot'),
  };
  const createShift = oneCreate(); // one key per thing made: a retry never makes it twice
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    showMessage(status, 'success', '');
    const req = { staffId: who.input.value, start: localToRFC3339(start.input.value), end: localToRFC3339(end.input.value) };
    const missing = {};
    if (!req.staffId) missing.staffId = 'choose_duty';
    if (!req.start) missing.start = 'required';
    if (!req.end) missing.end = 'required';
    else if (req.start && new Date(req.end) <= new Date(req.start)) missing.end = 'range';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, byName, words);
      return;
    }
    const done = busy(submit, t('admin.saving'));
    try {
      const shift = await createShift('POST', '/api/admin/duty-rota', req);
      done();
      const text = t('admin.duty.added', { name: personName(shift.staffId), start: formatDateTime(shift.start) });
      who.input.value = '';
      suggest();
      add.close();
      showMessage(status, 'success', text);
      announce(text);
      await load();
      add.toggle.focus();
    } catch (err) {
      done();
      showFormError(err, note, byName, words);
    }
  });
  return node;
}
