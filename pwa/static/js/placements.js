// Placements: the page a placement's staff keep about it (who lives and works
// there, a day, food, rules, what is near, a welcome), their home panel, and
// the administrator's list of placements (name, type, who works there).
// Photos are in photos.js.

import { h, icon, nextId, announce } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, button, busy, field, message, showMessage, loading, loadFailed, label, labelled } from './ui.js';
import { api } from './api.js';
import { route } from './router.js';
import { addHomeSection } from './home.js';
import { loadItems } from './lists.js';
import { disclosure, selectField, showFormError, clearFormErrors, clearOnEdit } from './adminforms.js';
import { photosScreen } from './photos.js';

export const PLACEMENT_TYPES = ['childrens_home', 'foster', 'supported_lodgings', 'inpatient'];
const TEXTS = ['welcome', 'day', 'food', 'rules', 'pets', 'nearby'];
const TEXT_MAX = 1000;

/** A move's day (kept as midnight UTC of the date), as words. */
export const moveDay = (iso) => formatDateTime(iso, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** A labelled textarea, like field(). */
export function textArea({ id, label: text, help, value = '', maxlength = TEXT_MAX, rows = 4 }) {
  const input = h('textarea', { id, name: id, dir: 'auto', rows, maxlength });
  input.value = value || '';
  return labelled(input, { id, label: text, help });
}

/* ------------------------------------------------- the placement's page -- */

/** One person on the page: first name, a line about them, and optionally
 * one of the placement's photos. */
function personRow(p, photos, onRemove) {
  const idBase = nextId('person');
  const name = field({ id: `${idBase}-name`, label: t('placements.profile.person_name'), value: p.name || '', maxlength: '40', autocomplete: 'off' });
  const about = field({ id: `${idBase}-about`, label: t('placements.profile.person_about'), value: p.about || '', maxlength: '200', autocomplete: 'off' });
  name.input.value = p.name || '';
  about.input.value = p.about || '';
  const photo = photos.length ? selectField({ id: `${idBase}-photo`, label: t('placements.profile.person_photo'), value: p.photoId || '',
    options: [{ value: '', text: t('placements.profile.person_no_photo') },
      ...photos.map((ph, i) => ({ value: ph.id, text: ph.caption || t('placements.profile.photo_n', { n: i + 1 }), dir: ph.caption ? 'auto' : undefined }))] }) : null;
  const row = h('li', { class: 'person-row' },
    name.wrap, about.wrap, photo ? photo.wrap : null,
    button(t('placements.profile.person_remove'), { class: 'person-remove', on: { click: () => onRemove(row) } }, 'quiet'));
  row.read = () => ({ name: name.input.value.trim(), about: about.input.value.trim(), photoId: (photo && photo.input.value) || undefined });
  row.nameField = name;
  return row;
}

/** #/placements/:id/profile: the placement's own staff write its page. */
async function profileScreen({ id }) {
  const title = t('placements.profile.title');
  let prof;
  try {
    prof = await api('GET', `/api/placements/${id}`);
  } catch (err) {
    return screen({ title, name: 'placement-profile', back: '/home', className: 'screen-staff' }, h('h1', { text: title }), loadFailed(err));
  }
  const byName = {};
  for (const k of TEXTS) {
    byName[k] = textArea({ id: `profile-${k}`, label: t(`placements.profile.${k}`), help: t(`placements.profile.${k}_help`), value: prof[k] });
  }
  clearOnEdit(byName);
  const people = h('ul', { class: 'people-list', id: 'profile-people' });
  const removePerson = (row) => { row.remove(); announce(t('placements.profile.person_removed')); };
  const photos = prof.photos || [];
  for (const p of prof.people || []) people.append(personRow(p, photos, removePerson));
  const addPerson = button(t('placements.profile.person_add'), { id: 'profile-person-add', on: { click: () => {
    const row = personRow({}, photos, removePerson);
    people.append(row);
    row.nameField.input.focus();
  } } }, 'secondary');
  const peopleError = h('p', { class: 'field-error', id: 'profile-people-error', hidden: true });
  const note = message('info');
  note.id = 'profile-message';
  const save = button(t('placements.profile.save'), { id: 'profile-save', type: 'submit' }, 'primary');
  const form = h('form', { class: 'form profile-form', id: 'profile-form', novalidate: true },
    byName.welcome.wrap,
    h('fieldset', { class: 'people-fieldset' },
      h('legend', { text: t('placements.profile.people') }),
      h('p', { class: 'field-help', text: t('placements.profile.people_help') }),
      people, peopleError, addPerson),
    ...TEXTS.filter((k) => k !== 'welcome').map((k) => byName[k].wrap),
    note, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    peopleError.hidden = true;
    const body = { people: [...people.children].map((r) => r.read()).filter((p) => p.name || p.about) };
    for (const k of TEXTS) body[k] = byName[k].input.value.trim();
    if (!body.welcome) {
      showFormError({ code: 'validation_failed', fields: { welcome: 'required' } }, note, byName);
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      await api('PUT', `/api/placements/${id}/profile`, body);
      done();
      showMessage(note, 'success', t('placements.profile.saved'));
      announce(t('placements.profile.saved'));
    } catch (err) {
      done();
      const f = err.fields || {};
      if (Object.keys(f).some((k) => k.startsWith('people.'))) {
        peopleError.textContent = t('placements.profile.people_error');
        peopleError.hidden = false;
      }
      showFormError(err, note, byName);
    }
  });
  return screen({ title, name: 'placement-profile', back: '/home', className: 'screen-staff' },
    h('h1', { text: title }),
    h('p', { class: 'lead', text: t('placements.profile.lead', { name: prof.name }) }),
    form);
}

/* ------------------------------------------------ placement staff's home -- */

function placementPanel(user) {
  if (!user.placementId) return null;
  const id = user.placementId;
  const incoming = h('div', {}, loading());
  loadItems(incoming, '/api/placement/moves', (items) => {
    if (!items.length) {
      incoming.append(h('p', { class: 'empty', text: t('placements.incoming.none') }));
      return;
    }
    incoming.append(h('ul', { class: 'rows', id: 'incoming-list' }, ...items.map((m) => h('li', { class: 'row incoming-item' },
      h('p', { class: 'row-title', text: m.firstName }),
      h('p', { class: 'meta', text: t('placements.incoming.on', { date: moveDay(m.date) }) }),
      h('a', { class: 'link-row incoming-buddy', href: `#/moves/${encodeURIComponent(m.id)}/buddy` }, icon('people'), h('span', { text: t('buddystaff.open', { name: m.firstName }) }))))));
  });
  return h('section', { class: 'panel placement-panel', 'aria-labelledby': 'placement-panel-title' },
    h('h2', { id: 'placement-panel-title', text: t('placements.home.title') }),
    h('p', { class: 'meta', text: t('placements.home.help') }),
    h('nav', { class: 'link-list', 'aria-label': t('placements.home.title') },
      h('a', { class: 'link-row', href: `#/placements/${id}/profile`, id: 'placement-profile-link' }, icon('people'), h('span', { text: t('placements.profile.title') })),
      h('a', { class: 'link-row', href: `#/placements/${id}/photos`, id: 'placement-photos-link' }, icon('list'), h('span', { text: t('photos.title') })),
      h('a', { class: 'link-row', href: `#/placements/${id}/booklet`, id: 'placement-booklet-link' }, icon('list'), h('span', { text: t('booklets.title') })),
      h('a', { class: 'link-row', href: '#/placement-questions', id: 'placement-questions-link' }, icon('people'), h('span', { text: t('questions.title') }))),
    h('h3', { text: t('placements.incoming.title') }),
    incoming);
}

/* ------------------------------------- questions from young people moving -- */

/** #/placement-questions: questions from young people moving here, answered here. */
function questionsScreen() {
  const status = message('success');
  status.id = 'questions-status';
  const body = h('div', {}, loading());
  const load = loadItems(body, '/api/placement/questions', (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('questions.none') }));
      return;
    }
    body.append(h('ul', { class: 'rows', id: 'question-list' }, ...items.map((q) => questionRow(q))));
  });
  function questionRow(q) {
    const idBase = `q-${q.id.slice(0, 8)}`;
    const answer = textArea({ id: `${idBase}-answer`, label: t('questions.answer_label', { name: q.firstName }), value: q.answer || '', rows: 3 });
    const note = message('info');
    const save = button(t(q.answer ? 'questions.answer_change' : 'questions.answer_save'), { type: 'submit', class: 'question-answer-save' }, 'primary');
    const form = h('form', { class: 'question-answer-form', novalidate: true }, answer.wrap, note, save);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = answer.input.value.trim();
      if (!text) {
        answer.setError(t('field.required'));
        answer.input.focus();
        return;
      }
      const done = busy(save, t('admin.saving'));
      try {
        await api('PUT', `/api/placement/moves/${q.moveId}/questions/${q.id}/answer`, { text });
        done();
        showMessage(status, 'success', t('questions.answered', { name: q.firstName }));
        announce(t('questions.answered', { name: q.firstName }));
        load();
      } catch (err) {
        done();
        showFormError(err, note, { text: answer });
      }
    });
    return h('li', { class: ['row', 'question-item', !q.answeredAt && 'question-open'], data: { id: q.id } },
      h('p', { class: 'row-title' }, h('span', { text: t('questions.from', { name: q.firstName }) }),
        q.answeredAt ? null : h('span', { class: 'badge', text: t('questions.new') })),
      h('p', { class: 'question-text', dir: 'auto', text: q.text }),
      form);
  }
  return screen({ title: t('questions.title'), name: 'placement-questions', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('questions.title') }),
    h('p', { class: 'lead', text: t('questions.help') }),
    status, body);
}

/* -------------------------------------------- the administrator's screen -- */

/** #/admin/placements: every placement, its staff, changing it, adding one. */
function adminPlacementsScreen() {
  const status = message('success');
  status.id = 'placements-status';
  const body = h('div', {}, loading());
  const name = field({ id: 'placement-name', label: t('placements.admin.name'), autocomplete: 'off', maxlength: '80', required: true });
  const type = selectField({ id: 'placement-type', label: t('placements.admin.type'), value: 'childrens_home',
    options: PLACEMENT_TYPES.map((p) => ({ value: p, text: label('placements.type', p) })) });
  const note = message('info');
  note.id = 'placement-add-message';
  const submit = button(t('placements.admin.add_save'), { id: 'placement-add-save', type: 'submit' }, 'primary');
  const byName = { name, type };
  clearOnEdit(byName);
  const form = h('form', { class: 'add-form', id: 'placement-add-form', novalidate: true, 'aria-labelledby': 'placement-add' },
    name.wrap, type.wrap, note, submit);
  const add = disclosure(t('placements.admin.add'), 'placement-add', form);
  const done = (text) => {
    showMessage(status, 'success', text);
    announce(text);
    load();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    if (!name.input.value.trim()) {
      showFormError({ code: 'validation_failed', fields: { name: 'required' } }, note, byName);
      return;
    }
    const stop = busy(submit, t('admin.saving'));
    try {
      const pl = await api('POST', '/api/admin/placements', { name: name.input.value.trim(), type: type.input.value });
      stop();
      form.reset();
      add.close();
      done(t('placements.admin.added', { name: pl.name }));
      add.toggle.focus();
    } catch (err) {
      stop();
      showFormError(err, note, byName);
    }
  });
  const load = loadItems(body, async () => {
    const [places, staff] = await Promise.all([api('GET', '/api/admin/placements'), api('GET', '/api/admin/staff')]);
    return (places.items || []).map((p) => ({ ...p, allStaff: (staff.items || []).filter((s) => s.role === 'placement_staff' && !s.disabled) }));
  }, (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('placements.admin.empty') }));
      return;
    }
    body.append(h('ul', { class: 'rows', id: 'placement-list' }, ...items.map((p) => placementRow(p, done))));
  });
  return screen({ title: t('placements.admin.title'), name: 'admin-placements', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('placements.admin.title') }),
    h('p', { class: 'lead', text: t('placements.admin.help') }),
    status, add.wrap, body);
}

function placementRow(p, done) {
  const mine = p.allStaff.filter((s) => s.placementId === p.id);
  const others = p.allStaff.filter((s) => s.placementId !== p.id);
  const idBase = `pl-${p.id.slice(0, 8)}`;
  // Changing the name or type.
  const name = field({ id: `${idBase}-name`, label: t('placements.admin.name'), autocomplete: 'off', maxlength: '80' });
  name.input.value = p.name;
  const type = selectField({ id: `${idBase}-type`, label: t('placements.admin.type'), value: p.type,
    options: PLACEMENT_TYPES.map((x) => ({ value: x, text: label('placements.type', x) })) });
  const note = message('info');
  const save = button(t('placements.admin.change_save'), { type: 'submit', class: 'placement-change-save' }, 'primary');
  const byName = { name, type };
  const form = h('form', { class: 'add-form placement-change-form', novalidate: true }, name.wrap, type.wrap, note, save);
  const change = disclosure(t('placements.admin.change'), `${idBase}-change`, form);
  change.toggle.setAttribute('aria-label', t('placements.admin.change_name', { name: p.name }));
  change.toggle.textContent = t('placements.admin.change_name', { name: p.name });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const stop = busy(save, t('admin.saving'));
    try {
      const pl = await api('PATCH', `/api/admin/placements/${p.id}`, { name: name.input.value.trim(), type: type.input.value });
      stop();
      done(t('placements.admin.changed', { name: pl.name }));
    } catch (err) {
      stop();
      showFormError(err, note, byName);
    }
  });
  // Who works there: an account of placement staff moves here.
  let staffAdd = null;
  if (others.length) {
    const who = selectField({ id: `${idBase}-staff`, label: t('placements.admin.staff_add', { name: p.name }),
      options: [{ value: '', text: t('placements.admin.staff_choose') }, ...others.map((s) => ({ value: s.id, text: s.name }))] });
    const staffNote = message('info');
    const move = button(t('placements.admin.staff_save'), { type: 'submit', class: 'placement-staff-save' }, 'secondary');
    staffAdd = h('form', { class: 'add-form placement-staff-form', novalidate: true }, who.wrap, staffNote, move);
    staffAdd.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!who.input.value) {
        who.setError(t('field.required'));
        return;
      }
      const stop = busy(move, t('admin.saving'));
      try {
        const s = await api('PATCH', `/api/admin/staff/${who.input.value}`, { placementId: p.id });
        stop();
        done(t('placements.admin.staff_moved', { name: s.name, placement: p.name }));
      } catch (err) {
        stop();
        showFormError(err, staffNote, { placementId: who });
      }
    });
  }
  return h('li', { class: 'row placement-item', data: { id: p.id } },
    h('p', { class: 'row-title', text: p.name }),
    h('p', { class: 'meta', text: label('placements.type', p.type) }),
    h('p', { class: 'meta placement-staff', text: mine.length
      ? t('placements.admin.staff', { names: mine.map((s) => s.name).join(', ') })
      : t('placements.admin.no_staff') }),
    change.wrap,
    staffAdd);
}

/* ------------------------------------------------------------- mount -- */

let mounted = false;

export function mountPlacements() {
  if (mounted) return;
  mounted = true;
  route('/placements/:id/profile', profileScreen, 'staff');
  route('/placements/:id/photos', photosScreen, 'staff');
  route('/admin/placements', adminPlacementsScreen, 'admin');
  route('/placement-questions', questionsScreen, 'staff');
  addHomeSection('placement_staff', placementPanel);
}
