// "Was I listened to?", for staff.
//
// Key workers: "Log a contact" on their young people list
// (#/young-people/:id/contact) and the answers a young person chose to share
// with them (#/young-people/:id/feedback).
//
// Team managers and administrators: follow-ups asked for (#/follow-ups,
// #/follow-ups/:id), never about their own work.
//
// The young person's side is feedback.js.

import { h, clear, announce } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, fieldText, loadFailed, loading, actionsArea, label, ypName, SERVICES } from './ui.js';
import { api } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection, addItemAction } from './home.js';
import { newId } from './outbox.js';
import { dateOnly, face } from './feedback.js';

const KINDS = ['meeting', 'review', 'visit', 'appointment'];

/* -------------------------------------------------------- key workers -- */

function logContactAction(yp, user) {
  if (!user || user.role !== 'key_worker') return null;
  return h('a', { class: 'btn btn-secondary fb-log', href: `#/young-people/${encodeURIComponent(yp.id)}/contact`, data: { id: yp.id }, text: t('feedback.log.button') });
}

async function youngPerson(id) {
  return api('GET', `/api/young-people/${encodeURIComponent(id)}`);
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function daysAgo(n) {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** #/young-people/:id/contact */
async function contactScreen({ id }) {
  let yp;
  try {
    yp = await youngPerson(id);
  } catch (err) {
    return screen({ title: t('feedback.log.button'), name: 'contact', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.log.button') }), loadFailed(err, () => navigate(`/young-people/${encodeURIComponent(id)}/contact`, { replace: true })));
  }
  const name = ypName(yp);
  const msg = message('error');
  const done = message('success');
  done.id = 'fb-log-done';
  let kind = 'meeting';
  const kinds = h('div', { class: 'fb-kinds', role: 'radiogroup', 'aria-labelledby': 'fb-kind-label' });
  for (const k of KINDS) {
    const b = h('button', { type: 'button', role: 'radio', class: ['fb-kind', k === kind && 'chosen'], 'aria-checked': k === kind ? 'true' : 'false', data: { kind: k }, id: `fb-kind-${k}` },
      t(`feedback.log.kind.${k}`));
    b.addEventListener('click', () => {
      kind = k;
      for (const el of kinds.children) {
        const on = el === b;
        el.classList.toggle('chosen', on);
        el.setAttribute('aria-checked', on ? 'true' : 'false');
      }
    });
    kinds.append(b);
  }
  const service = h('select', { id: 'fb-service' }, ...SERVICES.map((s) => h('option', { value: s, text: label('service', s), selected: s === yp.service })));
  const date = h('input', { type: 'date', id: 'fb-date', value: today(), min: daysAgo(30), max: today(), 'aria-describedby': 'fb-date-help' });
  const dateError = h('p', { class: 'field-error', id: 'fb-date-error', hidden: true });
  const submit = button(t('feedback.log.submit'), { id: 'fb-log-submit' }, 'primary');
  // The contact keeps its id until Heard has it, so tapping again after a
  // timeout logs it once.
  let contactId = newId();
  submit.addEventListener('click', async () => {
    showMessage(msg, 'error', '');
    showMessage(done, 'success', '');
    dateError.hidden = true;
    const restore = busy(submit);
    try {
      const r = await api('POST', `/api/young-people/${encodeURIComponent(id)}/contacts`,
        { id: contactId, kind, service: service.value, date: date.value || undefined }, { key: contactId });
      contactId = newId();
      restore();
      showMessage(done, 'success', t('feedback.log.done', { name, date: dateOnly(r.request.expiresAt) }));
      announce(done.textContent);
    } catch (err) {
      restore();
      // Logged once already, before the form was changed: the next is a new contact.
      if (err.code === 'idempotency_key_reused') contactId = newId();
      if (err.fields && err.fields.date) {
        dateError.textContent = fieldText(err.fields.date);
        dateError.hidden = false;
      }
      showMessage(msg, 'error', errorText(err));
    }
  });
  return screen({ title: t('feedback.log.title', { name }), name: 'contact', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('feedback.log.title', { name }) }),
    h('p', { class: 'lead', text: t('feedback.log.intro', { name }) }),
    h('div', { class: 'form fb-log-form' },
      h('p', { class: 'fb-label', id: 'fb-kind-label', text: t('feedback.log.kind') }),
      kinds,
      h('div', { class: 'field' }, h('label', { for: 'fb-service', text: t('feedback.log.service') }), service),
      h('div', { class: 'field' },
        h('label', { for: 'fb-date', text: t('feedback.log.date') }),
        h('p', { class: 'field-help', id: 'fb-date-help', text: t('feedback.log.date_help') }),
        date, dateError),
      msg, done,
      actionsArea(submit,
        h('a', { class: 'btn btn-quiet', href: `#/young-people/${encodeURIComponent(id)}/feedback`, id: 'fb-shared-link', text: t('feedback.log.shared_link', { name }) }))));
}

function answerSummary(a) {
  const rows = [
    ['feedback.short.listened', a.listened, 'feedback.esq'],
    ['feedback.short.serious', a.serious, 'feedback.esq'],
    ['feedback.short.had_say', a.hadSay, 'feedback.esq'],
    ['feedback.short.experience', a.experience, 'feedback.fft'],
  ];
  const dl = h('dl', { class: 'fb-answers' });
  for (const [key, value, prefix] of rows) {
    dl.append(h('dt', { text: t(key) }), h('dd', {}, face(value, 24), h('span', { text: t(`${prefix}.${value}`) })));
  }
  if (a.words) dl.append(h('dt', { text: t('feedback.short.words') }), h('dd', { class: 'fb-words-shown their-words', dir: 'auto', text: a.words }));
  return dl;
}

/** #/young-people/:id/feedback: answers shared with this key worker. */
async function sharedScreen({ id }) {
  let yp;
  let items;
  try {
    yp = await youngPerson(id);
    const data = await api('GET', `/api/young-people/${encodeURIComponent(id)}/feedback`);
    items = (data && data.items) || [];
  } catch (err) {
    return screen({ title: t('feedback.list.title'), name: 'shared-feedback', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.list.title') }), loadFailed(err, () => navigate(`/young-people/${encodeURIComponent(id)}/feedback`, { replace: true })));
  }
  const name = ypName(yp);
  const list = h('ul', { class: 'cards', id: 'fb-shared' });
  for (const a of items) {
    list.append(h('li', { class: 'card', data: { id: a.id } },
      h('p', { class: 'card-title', text: t(`feedback.log.kind.${a.kind}`) }),
      h('p', { class: 'meta', text: formatDateTime(a.createdAt) }),
      answerSummary(a)));
  }
  return screen({ title: t('feedback.shared.title', { name }), name: 'shared-feedback', back: `/young-people/${encodeURIComponent(id)}/contact`, className: 'screen-staff' },
    h('h1', { text: t('feedback.shared.title', { name }) }),
    h('p', { class: 'lead', text: t('feedback.shared.intro', { name }) }),
    items.length ? list : h('p', { class: 'empty', text: t('feedback.shared.none', { name }) }));
}

/* ----------------------------------------- managers and administrators -- */

async function followUps() {
  const data = await api('GET', '/api/feedback/follow-ups');
  return (data && data.items) || [];
}

function followUpItem(f) {
  return h('li', { class: ['card', 'fb-followup', f.doneAt && 'done'], data: { id: f.id } },
    h('a', { class: 'fb-followup-link', href: `#/follow-ups/${encodeURIComponent(f.id)}` },
      h('span', { class: 'card-title', text: f.youngPerson.name }),
      h('span', { class: 'meta', text: t('feedback.followups.given', { date: dateOnly(f.createdAt) }) }),
      h('span', { class: 'meta', text: f.doneAt ? t('feedback.followups.done', { name: f.doneByName || '', date: dateOnly(f.doneAt) }) : t('feedback.followups.waiting') })));
}

function followUpPanel() {
  const body = h('div', {}, loading());
  const section = h('section', { class: 'panel fb-followups-panel', 'aria-labelledby': 'fb-followups-title' },
    h('h2', { id: 'fb-followups-title', text: t('feedback.followups.title') }), body);
  followUps().then((items) => {
    const open = items.filter((f) => !f.doneAt);
    clear(body);
    if (!open.length) {
      body.append(h('p', { class: 'empty', text: t('feedback.followups.none') }));
      return;
    }
    body.append(h('ul', { class: 'cards' }, ...open.map(followUpItem)));
  }).catch((err) => clear(body).append(loadFailed(err)));
  return section;
}

/** #/follow-ups/:id */
async function followUpScreen({ id }) {
  let f;
  try {
    f = (await followUps()).find((x) => x.id === id);
  } catch (err) {
    return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.followups.title') }), loadFailed(err));
  }
  if (!f) {
    return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('error.not_found') }));
  }
  const msg = message('error');
  const status = h('p', { class: 'meta', id: 'fb-followup-status', text: f.doneAt ? t('feedback.followups.done', { name: f.doneByName || '', date: dateOnly(f.doneAt) }) : t('feedback.followups.waiting') });
  const mark = f.doneAt ? null : button(t('feedback.followups.mark_done'), { id: 'fb-followup-done' }, 'primary');
  if (mark) {
    mark.addEventListener('click', async () => {
      const restore = busy(mark);
      try {
        const v = await api('POST', `/api/feedback/follow-ups/${encodeURIComponent(id)}/done`);
        status.textContent = t('feedback.followups.done', { name: v.doneByName || '', date: dateOnly(v.doneAt) });
        mark.remove();
        announce(status.textContent);
      } catch (err) {
        restore();
        showMessage(msg, 'error', errorText(err));
      }
    });
  }
  return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
    h('h1', { text: f.youngPerson.name }),
    h('p', { class: 'lead', text: t('feedback.followups.detail_intro', { name: f.youngPerson.name }) }),
    f.aboutWorker ? h('p', { class: 'meta', text: t('feedback.followups.about', { name: f.aboutWorker.name }) }) : null,
    h('p', { class: 'meta', text: t('feedback.followups.given', { date: formatDateTime(f.createdAt) }) }),
    status,
    f.answer ? answerSummary(f.answer) : null,
    msg,
    actionsArea(mark));
}

/** #/follow-ups */
async function followUpsScreen() {
  return screen({ title: t('feedback.followups.title'), name: 'follow-ups', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('feedback.followups.title') }),
    followUpPanel());
}

/* -------------------------------------------------------------- mount -- */

let mounted = false;

export function mountFeedbackStaff() {
  if (mounted) return;
  mounted = true;
  route('/young-people/:id/contact', contactScreen, 'staff');
  route('/young-people/:id/feedback', sharedScreen, 'staff');
  route('/follow-ups', followUpsScreen, 'staff');
  route('/follow-ups/:id', followUpScreen, 'staff');
  addHomeSection('team_manager', followUpPanel);
  addHomeSection('administrator', followUpPanel);
  addItemAction(logContactAction);
}
