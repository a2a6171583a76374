// The area's settings, for its administrator: its name, how long an alert may
// wait before it goes further, the crisis lines young people see, and the
// languages the area speaks.

import { h, announce } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, button, busy, field, message, showMessage, fieldText, loading, toggle } from './ui.js';
import { api } from './api.js';
import { loadItems } from './lists.js';
import { selectField, showFormError, clearOnEdit, clearFormErrors, disclosure } from './adminforms.js';

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
