// Setting Heard up from the app: the form pieces shared by the "add" forms,
// and the administrator's forms for staff accounts, teams and key workers.

import { h, nextId, announce } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, fieldText, loading, label, ypName, toggle, labelled } from './ui.js';
import { api, oneCreate } from './api.js';
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

// ---------------------------------------------------------------- area settings

/** A crisis line's number: digits and spaces, perhaps a + first (as the API checks). */
const PHONE = /^[0-9+][0-9 ]{1,19}$/;

/** How a crisis line is used, in words: "Call 999" or "Text SHOUT to 85258". */
function contactHow(cc) {
  // Numbers read left to right inside Arabic words too (an isolate keeps
  // "0800 1111" from turning into "1111 0800").
  const ltr = (s) => `\u2066${s}\u2069`;
  return cc.kind === 'text'
    ? t('admin.area.cc.how_text', { text: ltr(cc.text || ''), number: ltr(cc.number) })
    : t('admin.area.cc.how_call', { number: ltr(cc.number) });
}

/** A number field for minutes, with plain help. */
function minutesField(id, key, min, max) {
  return field({ id, label: t(`admin.area.${key}`), help: t(`admin.area.${key}_help`), type: 'number',
    inputmode: 'numeric', min: String(min), max: String(max), step: '1', required: true });
}

/**
 * #/admin/area: the area's name, how long an alert may wait before it goes
 * further, and the crisis lines young people see when they are not safe.
 * Everything is sent together with "Save settings".
 */
export function areaScreen() {
  const body = h('div', {}, loading());
  const node = screen({ title: t('admin.area.title'), name: 'area', back: '/home' },
    h('h1', { text: t('admin.area.title') }),
    h('p', { class: 'lead', text: t('admin.area.help') }),
    body);
  loadItems(body, async () => Promise.all([api('GET', '/api/admin/area'), api('GET', '/api/i18n')]),
    ([area, i18n]) => body.append(areaForm(area, (i18n && i18n.languages) || [])));
  return node;
}

/** How far a language's words are checked, in words for the administrator. */
export function languageStatus(l) {
  const day = (d) => (d ? formatDateTime(new Date(`${d}T12:00:00Z`), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }) : '');
  if (l.status === 'source') return t('admin.area.lang.source');
  if (l.status === 'reviewed') return t('admin.area.lang.reviewed', { name: l.reviewedBy || '', date: day(l.reviewedOn) });
  return t('admin.area.lang.drafted', { date: day(l.draftedOn) });
}

/** The area's languages: one box per language Heard speaks, with its status. */
function languagesSection(chosen) {
  const picked = new Set(chosen);
  const fieldset = h('fieldset', { class: 'area-languages', id: 'area-languages', 'aria-describedby': 'area-languages-help' },
    h('legend', { text: t('admin.area.languages') }),
    h('p', { class: 'field-help', id: 'area-languages-help', text: t('admin.area.languages_help') }));
  return {
    fieldset,
    fill(langs) {
      for (const l of langs) {
        const box = toggle({ id: `area-lang-${l.code}`, label: '',
          help: languageStatus(l), checked: picked.has(l.code),
          onChange: (on) => (on ? picked.add(l.code) : picked.delete(l.code)) });
        box.classList.add('toggle-small');
        // The language's own name, marked as that language, then its English name.
        box.querySelector('label').append(h('span', { lang: l.code, dir: 'auto', text: l.name }),
          l.english && l.english !== l.name ? ` · ${l.english}` : '');
        box.dataset.status = l.status || '';
        fieldset.append(box);
      }
    },
    codes: () => [...picked],
  };
}

function areaForm(area, langs) {
  let contacts = (area.crisisContacts || []).map((cc) => ({ ...cc }));
  const name = field({ id: 'area-name', label: t('admin.area.name'), autocomplete: 'off', maxlength: '80', value: area.name || '' });
  const urgent = minutesField('area-urgent', 'urgent', 1, 120);
  const manager = minutesField('area-manager', 'manager', 1, 120);
  const concerning = minutesField('area-concerning', 'concerning', 5, 1440);
  urgent.input.value = String(area.urgentToDutyMinutes || '');
  manager.input.value = String(area.dutyToManagerMinutes || '');
  concerning.input.value = String(area.concerningAfterMinutes || '');
  const keep = field({ id: 'area-retention', label: t('admin.area.retention'), help: t('admin.area.retention_help'), type: 'number',
    inputmode: 'numeric', min: '30', max: '3650', step: '1', required: true, value: String(area.retentionDays || '') });

  // The crisis lines: a list, and one small form to add or change a line.
  const list = h('ul', { class: 'rows', id: 'crisis-list' });
  const listNote = message('info');
  listNote.id = 'crisis-message';
  const ccLabel = field({ id: 'crisis-label', label: t('admin.area.cc.label'), help: t('admin.area.cc.label_help'), autocomplete: 'off', maxlength: '80' });
  const ccNumber = field({ id: 'crisis-number', label: t('admin.area.cc.number'), type: 'tel', inputmode: 'tel', dir: 'ltr', autocomplete: 'off', maxlength: '20' });
  const ccKind = selectField({ id: 'crisis-kind', label: t('admin.area.cc.kind'), value: 'call',
    options: [{ value: 'call', text: t('admin.area.cc.kind_call') }, { value: 'text', text: t('admin.area.cc.kind_text') }] });
  const ccText = field({ id: 'crisis-text', label: t('admin.area.cc.text'), help: t('admin.area.cc.text_help'), autocomplete: 'off', dir: 'ltr', maxlength: '40' });
  const ccNote = field({ id: 'crisis-note', label: t('admin.area.cc.note'), help: t('admin.area.cc.note_help'), autocomplete: 'off', maxlength: '80' });
  const ccFields = { label: ccLabel, number: ccNumber, kind: ccKind, text: ccText, note: ccNote };
  clearOnEdit(ccFields);
  const showText = () => { ccText.wrap.hidden = ccKind.input.value !== 'text'; };
  ccKind.input.addEventListener('change', showText);
  const ccSave = button(t('admin.area.cc.add_save'), { id: 'crisis-save', type: 'submit' }, 'primary');
  const ccCancel = button(t('app.cancel'), { id: 'crisis-cancel', type: 'button' }, 'quiet');
  const ccEditNote = message('info');
  const ccForm = h('form', { class: 'add-form', id: 'crisis-form', novalidate: true, 'aria-labelledby': 'crisis-add' },
    ccLabel.wrap, ccNumber.wrap, ccKind.wrap, ccText.wrap, ccNote.wrap, ccEditNote, ccSave, ccCancel);
  const ccAdd = disclosure(t('admin.area.cc.add'), 'crisis-add', ccForm);
  let editing = -1; // which line the form changes; -1 adds a new one

  function fillEditor(cc) {
    ccLabel.input.value = cc ? cc.label : '';
    ccNumber.input.value = cc ? cc.number : '';
    ccKind.input.value = cc ? cc.kind : 'call';
    ccText.input.value = cc ? cc.text || '' : '';
    ccNote.input.value = cc ? cc.note || '' : '';
    clearFormErrors(ccEditNote, ccFields);
    showText();
    ccSave.textContent = t(cc ? 'admin.area.cc.change_save' : 'admin.area.cc.add_save');
  }
  // The button by the list always adds a new line.
  ccAdd.toggle.addEventListener('click', () => { if (editing !== -1) { editing = -1; fillEditor(null); } });
  ccCancel.addEventListener('click', () => { ccAdd.close(); editing = -1; fillEditor(null); ccAdd.toggle.focus(); });
  fillEditor(null);

  function unsaved(text) {
    showMessage(listNote, 'info', text);
    announce(text);
  }

  function showList() {
    list.replaceChildren();
    contacts.forEach((cc, i) => {
      const change = button(t('admin.area.cc.change'), { class: 'crisis-change', type: 'button', 'aria-label': t('admin.area.cc.change_name', { label: cc.label }) }, 'secondary');
      const remove = button(t('admin.area.cc.remove'), { class: 'crisis-remove', type: 'button', 'aria-label': t('admin.area.cc.remove_name', { label: cc.label }) }, 'quiet');
      change.addEventListener('click', () => {
        editing = i;
        fillEditor(cc);
        ccAdd.open();
      });
      remove.addEventListener('click', () => {
        contacts.splice(i, 1);
        showList();
        unsaved(t('admin.area.cc.removed', { label: cc.label }));
        ccAdd.toggle.focus();
      });
      list.append(h('li', { class: 'row crisis-item', data: { number: cc.number } },
        h('p', { class: 'row-title', text: cc.label }),
        h('p', { class: 'meta' }, h('bdi', { text: contactHow(cc) })),
        cc.note ? h('p', { class: 'meta', text: cc.note }) : null,
        h('div', { class: 'row-actions row-actions-pair' }, change, remove)));
    });
    if (!contacts.length) list.append(h('li', { class: 'empty', text: t('admin.area.cc.empty') }));
  }
  showList();

  ccForm.addEventListener('submit', (e) => {
    e.preventDefault();
    clearFormErrors(ccEditNote, ccFields);
    const cc = { label: ccLabel.input.value.trim(), number: ccNumber.input.value.trim(), kind: ccKind.input.value };
    if (cc.kind === 'text') cc.text = ccText.input.value.trim();
    const noteText = ccNote.input.value.trim();
    if (noteText) cc.note = noteText;
    // The same checks as the API, so the mistake is marked on its field.
    const problems = {};
    if (!cc.label) problems.label = 'required';
    if (!cc.number) problems.number = 'required';
    else if (!PHONE.test(cc.number)) problems.number = 'phone_format';
    if (cc.kind === 'text' && !cc.text) problems.text = 'required';
    if (Object.keys(problems).length) {
      showFormError({ code: 'validation_failed', fields: problems }, ccEditNote, ccFields);
      return;
    }
    if (editing >= 0) contacts[editing] = cc;
    else contacts.push(cc);
    const text = t(editing >= 0 ? 'admin.area.cc.changed' : 'admin.area.cc.added', { label: cc.label });
    editing = -1;
    fillEditor(null);
    ccAdd.close();
    showList();
    unsaved(text);
    ccAdd.toggle.focus();
  });

  // The whole form.
  const note = message('info');
  note.id = 'area-message';
  // The save button sits after the crisis lines (forms cannot nest), so one
  // press saves everything.
  const submit = button(t('admin.area.save'), { id: 'area-save', type: 'submit', form: 'area-form' }, 'primary');
  const contactsError = { input: ccAdd.toggle, setError: (text) => { if (text) showMessage(listNote, 'error', text); } };
  const byName = { name, urgentToDutyMinutes: urgent, dutyToManagerMinutes: manager, concerningAfterMinutes: concerning, retentionDays: keep };
  clearOnEdit(byName);
  const words = {
    'urgentToDutyMinutes:range': t('admin.area.minutes_range', { min: 1, max: 120 }),
    'dutyToManagerMinutes:range': t('admin.area.minutes_range', { min: 1, max: 120 }),
    'concerningAfterMinutes:range': t('admin.area.minutes_range', { min: 5, max: 1440 }),
    'crisisContacts:count': t('admin.area.cc.count'),
    'retentionDays:range': t('admin.area.retention_range'),
  };
  const languages = languagesSection(area.languages || []);
  languages.fill(langs);
  const languagesError = { input: languages.fieldset, setError: (text) => { if (text) showMessage(note, 'error', text); } };
  words['languages:required'] = t('admin.area.languages_required');
  const form = h('form', { class: 'area-form', id: 'area-form', novalidate: true },
    name.wrap,
    h('h2', { text: t('admin.area.limits') }),
    h('p', { class: 'field-help', text: t('admin.area.limits_help') }),
    urgent.wrap, manager.wrap, concerning.wrap,
    languages.fieldset,
    h('h2', { text: t('admin.area.records') }),
    keep.wrap);
  const contactsSection = h('section', { class: 'area-contacts', 'aria-labelledby': 'crisis-title' },
    h('h2', { id: 'crisis-title', text: t('admin.area.cc.title') }),
    h('p', { class: 'field-help', text: t('admin.area.cc.help') }),
    list, listNote, ccAdd.wrap);

  const minutes = (f) => (f.input.value.trim() === '' ? NaN : Number(f.input.value));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const req = {
      name: name.input.value.trim(),
      urgentToDutyMinutes: minutes(urgent),
      dutyToManagerMinutes: minutes(manager),
      concerningAfterMinutes: minutes(concerning),
      crisisContacts: contacts,
      languages: languages.codes(),
      retentionDays: minutes(keep),
    };
    const missing = {};
    for (const k of ['urgentToDutyMinutes', 'dutyToManagerMinutes', 'concerningAfterMinutes']) {
      if (!Number.isInteger(req[k])) missing[k] = 'whole_minutes';
    }
    if (!Number.isInteger(req.retentionDays) || req.retentionDays < 30 || req.retentionDays > 3650) missing.retentionDays = 'range';
    if (!contacts.length) missing.crisisContacts = 'count';
    if (!req.languages.length) missing.languages = 'required';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, { ...byName, crisisContacts: contactsError, languages: languagesError }, words);
      return;
    }
    const done = busy(submit, t('admin.saving'));
    try {
      const saved = await api('PUT', '/api/admin/area', req);
      done();
      area = saved;
      contacts = (saved.crisisContacts || []).map((cc) => ({ ...cc }));
      showList();
      showMessage(listNote, 'info', '');
      showMessage(note, 'success', t('admin.area.saved'));
      announce(t('admin.area.saved'));
    } catch (err) {
      done();
      // A crisis line the API turned down: say which part, by the list.
      const lines = Object.entries((err && err.fields) || {}).filter(([k]) => k.startsWith('crisisContacts'));
      const fieldsForForm = { ...byName, crisisContacts: contactsError, languages: languagesError };
      if (lines.length) {
        const [k, code] = lines[0];
        const part = k.split('.')[1];
        words[`crisisContacts:${code}`] = part ? t('admin.area.cc.problem', { part: t(`admin.area.cc.${part}`), problem: fieldText(code) }) : fieldText(code);
        err.fields = { ...err.fields, crisisContacts: code };
      }
      showFormError(err, note, fieldsForForm, words);
    }
  });
  return h('div', { class: 'area-settings' }, form, contactsSection, h('div', { class: 'area-save' }, note, submit));
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
