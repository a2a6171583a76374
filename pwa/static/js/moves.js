// Moves, for the key worker: plan a move to a placement, share it with the
// young person when it is ready (they are told and can preview their new
// home), tell them about the day itself, confirm it (the placement then sees
// who is coming), mark arrival, or cancel (the preview is withdrawn at once).

import { h, announce } from './dom.js';
import { t } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, loading, loadFailed, label, ypName } from './ui.js';
import { api } from './api.js';
import { route } from './router.js';
import { addItemAction } from './home.js';
import { loadItems } from './lists.js';
import { disclosure, selectField, showFormError, clearFormErrors, clearOnEdit } from './adminforms.js';
import { moveDay } from './placements.js';

const NEXT = { planned: ['shared', 'cancelled'], shared: ['confirmed', 'cancelled'], confirmed: ['arrived', 'cancelled'], arrived: [], cancelled: [] };

function movesAction(yp, user) {
  if (!user || user.role !== 'key_worker') return null;
  return h('a', { class: 'btn btn-secondary mv-open', href: `#/young-people/${encodeURIComponent(yp.id)}/moves`, data: { id: yp.id }, text: t('moves.button') });
}

/** #/young-people/:id/moves */
async function movesScreen({ id }) {
  const title = t('moves.title');
  let yp;
  let places;
  try {
    [yp, places] = await Promise.all([api('GET', `/api/young-people/${encodeURIComponent(id)}`), api('GET', '/api/placements')]);
  } catch (err) {
    return screen({ title, name: 'moves', back: '/home', className: 'screen-staff' }, h('h1', { text: title }), loadFailed(err));
  }
  const name = ypName(yp);
  const placeName = new Map((places.items || []).map((p) => [p.id, p.name]));
  const status = message('success');
  status.id = 'moves-status';
  const list = h('div', {}, loading());

  // Planning a move.
  const where = selectField({ id: 'move-placement', label: t('moves.plan.placement'),
    options: [{ value: '', text: t('moves.plan.choose') }, ...(places.items || []).map((p) => ({ value: p.id, text: p.name }))] });
  const when = field({ id: 'move-date', label: t('moves.plan.date'), type: 'date', required: true });
  const note = message('info');
  const save = button(t('moves.plan.save'), { id: 'move-plan-save', type: 'submit' }, 'primary');
  const byName = { placementId: where, date: when };
  clearOnEdit(byName);
  const form = h('form', { class: 'add-form', id: 'move-plan-form', novalidate: true, 'aria-labelledby': 'move-plan' }, where.wrap, when.wrap, note, save);
  const plan = disclosure(t('moves.plan.title'), 'move-plan', form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const body = { placementId: where.input.value, date: when.input.value };
    const missing = {};
    if (!body.placementId) missing.placementId = 'required';
    if (!body.date) missing.date = 'required';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, byName);
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      await api('POST', `/api/young-people/${encodeURIComponent(id)}/moves`, body);
      done();
      form.reset();
      plan.close();
      said(t('moves.planned', { name }));
    } catch (err) {
      done();
      showFormError(err, note, byName);
    }
  });

  function said(text) {
    showMessage(status, 'success', text);
    announce(text);
    load();
  }

  const load = loadItems(list, async () => (await api('GET', `/api/young-people/${encodeURIComponent(id)}/moves`)).items || [], (items) => {
    const shown = items.filter((m) => m.status !== 'cancelled');
    if (!shown.length) {
      list.append(h('p', { class: 'empty', text: t('moves.none', { name }) }));
      return;
    }
    list.append(h('ul', { class: 'rows', id: 'move-list' }, ...shown.map((m) => moveRow(m))));
  });

  function moveRow(m) {
    const actions = h('div', { class: 'mv-actions' });
    for (const next of NEXT[m.status] || []) {
      if (next === 'cancelled') continue;
      const b = button(t(`moves.to.${next}`, { name }), { class: `mv-to-${next}` }, next === 'shared' ? 'primary' : 'secondary');
      b.addEventListener('click', () => change(m, next, b));
      actions.append(b);
    }
    let cancelBox = null;
    const cancelArea = h('div', { class: 'mv-cancel-area' });
    if ((NEXT[m.status] || []).includes('cancelled')) {
      const cancel = button(t('moves.cancel'), { class: 'mv-cancel' }, 'quiet');
      const yes = button(t('moves.cancel_yes'), { class: 'mv-cancel-confirm' }, 'danger');
      const no = button(t('moves.cancel_no'), {}, 'quiet');
      cancelBox = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('moves.cancel_confirm', { name }) }), yes, no);
      cancel.addEventListener('click', () => { cancelBox.hidden = false; yes.focus(); });
      no.addEventListener('click', () => { cancelBox.hidden = true; cancel.focus(); });
      yes.addEventListener('click', () => change(m, 'cancelled', yes));
      cancelArea.append(cancel, cancelBox);
    }
    return h('li', { class: 'row mv-item', data: { id: m.id, status: m.status } },
      h('p', { class: 'row-title' }, h('span', { text: placeName.get(m.placementId) || '' }), h('span', { class: 'badge', text: label('moves.status', m.status) })),
      h('p', { class: 'meta', text: moveDay(m.date) }),
      h('p', { class: 'meta', text: t(`moves.means.${m.status}`, { name }) }),
      m.visitAskedAt ? h('p', { class: 'mv-visit', text: t('moves.visit_asked', { name }) }) : null,
      m.bring && m.bring.length ? h('div', { class: 'mv-bring' }, h('p', { class: 'meta', text: t('moves.bring', { name }) }),
        h('ul', {}, ...m.bring.map((it) => h('li', { text: it })))) : null,
      actions,
      m.status !== 'planned' ? h('a', { class: 'btn btn-secondary mv-buddy', href: `#/moves/${encodeURIComponent(m.id)}/buddy`, text: t('buddystaff.open', { name }) }) : null,
      m.status !== 'arrived' ? dayForm(m) : null,
      cancelArea.childElementCount ? cancelArea : null);
  }

  async function change(m, next, btn) {
    const done = busy(btn, t('admin.saving'));
    try {
      await api('PUT', `/api/moves/${m.id}/status`, { status: next });
      said(t(`moves.done.${next}`, { name }));
    } catch (err) {
      done();
      showMessage(status, 'error', errorText(err));
    }
  }

  function dayForm(m) {
    const d = m.day || {};
    const base = `day-${m.id.slice(0, 8)}`;
    const f = {
      takenBy: field({ id: `${base}-taken`, label: t('moves.day.taken_by', { name }), maxlength: '200', autocomplete: 'off' }),
      leaveAt: field({ id: `${base}-leave`, label: t('moves.day.leave_at'), type: 'time' }),
      journey: field({ id: `${base}-journey`, label: t('moves.day.journey'), help: t('moves.day.journey_help'), maxlength: '200', autocomplete: 'off' }),
      metBy: field({ id: `${base}-met`, label: t('moves.day.met_by'), maxlength: '200', autocomplete: 'off' }),
    };
    for (const [k, v] of Object.entries(f)) v.input.value = d[k] || '';
    const dayNote = message('info');
    const daySave = button(t('moves.day.save'), { type: 'submit', class: 'mv-day-save' }, 'primary');
    const dayForm = h('form', { class: 'add-form mv-day-form', novalidate: true }, ...Object.values(f).map((x) => x.wrap), dayNote, daySave);
    const open = disclosure(t('moves.day.title'), `${base}-open`, dayForm);
    dayForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(dayNote, f);
      const body = {};
      for (const [k, v] of Object.entries(f)) body[k] = v.input.value.trim();
      const done = busy(daySave, t('admin.saving'));
      try {
        await api('PUT', `/api/moves/${m.id}/day`, body);
        done();
        said(t('moves.day.saved', { name }));
      } catch (err) {
        done();
        showFormError(err, dayNote, f);
      }
    });
    return open.wrap;
  }

  return screen({ title, name: 'moves', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('moves.title_name', { name }) }),
    h('p', { class: 'lead', text: t('moves.help') }),
    status, plan.wrap, list);
}

let mounted = false;

export function mountMoves() {
  if (mounted) return;
  mounted = true;
  route('/young-people/:id/moves', movesScreen, 'staff');
  addItemAction(movesAction);
}
