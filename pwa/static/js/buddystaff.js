// A buddy for the first week, as staff see it: the proposed buddy for a move
// (with its reasons in plain words, the others who fit, confirm or choose),
// the placement's roster of volunteers (add, change, time away, consent,
// photo, withdraw) and its buddy weeks (check-ins, flags a tired worker
// understands at a glance, requests to handle, contacts logged).

import { h, icon, announce } from './dom.js';
import { t, formatDateTime, locale } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, loadFailed, label } from './ui.js';
import { api, oneCreate } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import { loadItems } from './lists.js';
import { disclosure, selectField, showFormError, clearFormErrors, clearOnEdit } from './adminforms.js';
import { face, reasonLines, weekLength, buddyPhoto } from './buddies.js';
import { INTERESTS, languageName, interestWord, hardDayWord } from './aboutme.js';

const AGE_BANDS = ['under-13', '13-15', '16-17', '18+'];
const dayWords = (iso) => formatDateTime(iso, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const isoDay = (d) => new Date(d).toISOString().slice(0, 10);
const todayIn = (w) => isoDay(Date.parse(`${isoDay(w.from)}T00:00:00Z`) + Math.max(0, w.dayNumber - 1) * 86400000);
/** The flags that still need someone: yesterday's and today's, of a week going on. */
const needing = (w) => (w.status === 'active' ? (w.flags || []).filter((f) => isoDay(f.day) >= isoDay(Date.parse(`${todayIn(w)}T00:00:00Z`) - 86400000)) : []);
const staffScreen = (opts, ...content) => screen({ back: '/home', className: 'screen-staff', ...opts }, ...content);

/** Who a buddy is, in a line: "Resident, 13–15". */
const buddyLine = (b) => new Intl.ListFormat(locale(), { style: 'narrow', type: 'unit' }).format([label('buddystaff.kind', b.kind), label('buddystaff.age', b.ageBand)].filter(Boolean));

/* ------------------------------------------------------ the match ---- */

/** What the young person lets the placement see of "about me". */
function aboutMePanel(name, me) {
  if (!me) return h('p', { class: 'meta', id: 'bm-about-none', text: t('buddystaff.match.about_none', { name }) });
  const rows = [];
  if ((me.languages || []).length) rows.push(['languages', me.languages.map((c) => `\u2068${languageName(c)}\u2069`).join(', ')]);
  if ((me.interests || []).length) rows.push(['interests', me.interests.map(interestWord).join(', ')]);
  if ((me.hardDay || []).length) rows.push(['hardDay', me.hardDay.map(hardDayWord).join(', ')]);
  if (me.note) rows.push(['note', me.note]);
  const wishes = [];
  if (me.similarAge) wishes.push(t('buddystaff.match.wish_age'));
  if (me.sameGender) wishes.push(t('buddystaff.match.wish_gender'));
  if (me.ratherNotKind) wishes.push(t(`buddystaff.match.rather_${me.ratherNotKind}`));
  if (wishes.length) rows.push(['wishes', wishes.join(' · ')]);
  return h('section', { class: 'panel', id: 'bm-about', 'aria-labelledby': 'bm-about-title' },
    h('h2', { id: 'bm-about-title', text: t('buddystaff.match.about', { name }) }),
    rows.length ? h('dl', { class: 'bs-dl' }, ...rows.flatMap(([k, v]) => [h('dt', { text: t(`buddystaff.match.about_${k}`) }), h('dd', { dir: 'auto', text: v })]))
      : h('p', { class: 'meta', text: t('buddystaff.match.about_hidden', { name }) }));
}

function buddyBlock(b, reasons, action) {
  const lines = reasonLines(reasons || b.inCommon, true);
  return h('div', { class: 'bs-buddy', data: { id: b.id } },
    h('div', { class: 'bd-card-head' },
      buddyPhoto(b, 56) || h('span', { class: 'bd-initial bd-initial-small', 'aria-hidden': 'true', text: (b.firstName || '?').slice(0, 1) }),
      h('div', {}, h('p', { class: 'row-title' }, h('bdi', { text: b.firstName })), h('p', { class: 'meta', text: buddyLine(b) }))),
    lines.length ? h('ul', { class: 'bs-reasons' }, ...lines.map((x) => h('li', { text: x }))) : null,
    action);
}

/** #/moves/:id/buddy: the key worker's or placement's view of the match. */
async function matchScreen({ id }) {
  const title = t('buddystaff.match.title');
  let m;
  try {
    m = await api('GET', `/api/moves/${encodeURIComponent(id)}/buddy`);
  } catch (err) {
    return staffScreen({ title, name: 'buddy-match' }, h('h1', { text: title }), loadFailed(err));
  }
  const name = m.youngPersonFirstName;
  const status = message('info');
  status.id = 'bm-message';
  async function choose(buddy, btn) {
    const done = busy(btn, t('admin.saving'));
    try {
      await api('PUT', `/api/moves/${encodeURIComponent(id)}/buddy`, { buddyId: buddy.id });
      const said = t('buddystaff.match.chosen', { buddy: buddy.firstName, name });
      announce(said);
      sessionStorage.setItem('heard.buddy.said', said);
      navigate(`/moves/${id}/buddy`, { replace: true });
    } catch (err) {
      done();
      showMessage(status, 'error', err.code === 'buddy_unfit' ? t('buddystaff.match.no_longer_fits', { buddy: buddy.firstName }) : errorText(err));
    }
  }
  const said = sessionStorage.getItem('heard.buddy.said');
  if (said) {
    sessionStorage.removeItem('heard.buddy.said');
    showMessage(status, 'success', said);
  }
  const week = m.week;
  const current = week && week.buddy ? week.buddy.id : null;
  const parts = [];
  if (week) {
    parts.push(h('section', { class: 'panel bs-current', id: 'bm-current' },
      h('h2', { text: t('buddystaff.match.current', { name }) }),
      buddyBlock(week.buddy, week.buddy.inCommon),
      h('p', { class: 'meta', text: t(`buddystaff.status.${week.status}`) })));
  }
  // A week over cannot change buddy: only what it was is shown.
  const over = week && (week.status === 'ended' || week.status === 'rated');
  const proposal = !over && m.proposal && m.proposal.buddy.id !== current ? m.proposal : null;
  if (proposal) {
    const confirm = button(week ? t('buddystaff.match.change_to', { buddy: proposal.buddy.firstName }) : t('buddystaff.match.confirm', { buddy: proposal.buddy.firstName }), { id: 'bm-confirm' }, 'primary');
    confirm.addEventListener('click', () => choose(proposal.buddy, confirm));
    parts.push(h('section', { class: 'panel bs-proposal', id: 'bm-proposal' },
      h('h2', { text: t('buddystaff.match.proposed', { name }) }),
      buddyBlock(proposal.buddy, proposal.reasons, confirm)));
  } else if (!m.proposal && !week) {
    parts.push(h('p', { class: 'msg msg-info', id: 'bm-nobody', text: t('buddystaff.match.nobody', { name }) }));
  }
  const others = over ? [] : (m.others || []).filter((b) => b.id !== current);
  if (others.length) {
    parts.push(h('section', { class: 'panel', id: 'bm-others' },
      h('h2', { text: t('buddystaff.match.others') }),
      h('ul', { class: 'rows' }, ...others.map((b) => {
        const pick = button(t('buddystaff.match.choose', { buddy: b.firstName }), { class: 'bm-choose' }, 'secondary');
        pick.addEventListener('click', () => choose(b, pick));
        return h('li', { class: 'row' }, buddyBlock(b, b.inCommon, pick));
      }))));
  }
  return staffScreen({ title, name: 'buddy-match' },
    h('h1', { text: t('buddystaff.match.heading', { name }) }),
    h('p', { class: 'lead', text: t('buddystaff.match.help', { name, date: dayWords(m.day) }) }),
    status, ...parts, aboutMePanel(name, m.aboutMe));
}

/* ------------------------------------------------------ the roster ---- */

function interestBoxes(idBase, chosen) {
  const set = new Set(chosen || []);
  const boxes = INTERESTS.map((c) => {
    const id = `${idBase}-i-${c}`;
    return { c, input: h('input', { type: 'checkbox', id, checked: set.has(c) }), id };
  });
  return {
    el: h('fieldset', { class: 'bs-checks' }, h('legend', { text: t('buddystaff.roster.interests') }),
      ...boxes.map((b) => h('div', { class: 'bs-check' }, b.input, h('label', { for: b.id, text: interestWord(b.c) })))),
    value: () => boxes.filter((b) => b.input.checked).map((b) => b.c),
  };
}

/** The fields of a buddy, for adding or changing one. */
function buddyFields(idBase, b = {}, adding = false) {
  const f = {
    firstName: field({ id: `${idBase}-name`, label: t('buddystaff.roster.first_name'), maxlength: '40', autocomplete: 'off', value: b.firstName || '' }),
    ageBand: selectField({ id: `${idBase}-age`, label: t('buddystaff.roster.age'), value: b.ageBand || '',
      options: [{ value: '', text: t('buddystaff.roster.choose') }, ...AGE_BANDS.map((a) => ({ value: a, text: label('buddystaff.age', a) }))] }),
    gender: field({ id: `${idBase}-gender`, label: t('buddystaff.roster.gender'), help: t('buddystaff.roster.gender_help'), maxlength: '40', autocomplete: 'off', value: b.gender || '' }),
    languages: field({ id: `${idBase}-langs`, label: t('buddystaff.roster.languages'), help: t('buddystaff.roster.languages_help'), autocomplete: 'off', value: (b.languages || []).join(', ') }),
    capacity: selectField({ id: `${idBase}-cap`, label: t('buddystaff.roster.capacity'), value: String(b.capacity || 1),
      options: [1, 2, 3].map((n) => ({ value: String(n), text: t('buddystaff.roster.capacity_n', { count: n }) })) }),
  };
  if (adding) {
    f.kind = selectField({ id: `${idBase}-kind`, label: t('buddystaff.roster.kind'), value: 'resident',
      options: ['resident', 'staff'].map((k) => ({ value: k, text: label('buddystaff.kind', k) })) });
    f.consentGivenBy = field({ id: `${idBase}-consent`, label: t('buddystaff.roster.consent'), help: t('buddystaff.roster.consent_help'), maxlength: '120', autocomplete: 'off' });
  }
  const interests = interestBoxes(idBase, b.interests);
  const photoAgreed = h('input', { type: 'checkbox', id: `${idBase}-photo-ok`, checked: Boolean(b.photoAgreed) });
  const read = () => {
    const body = {
      firstName: f.firstName.input.value.trim(),
      ageBand: f.ageBand.input.value,
      gender: f.gender.input.value.trim(),
      languages: f.languages.input.value.split(/[,\s]+/).map((x) => x.trim().toLowerCase()).filter(Boolean),
      interests: interests.value(),
      capacity: Number(f.capacity.input.value),
      photoAgreed: photoAgreed.checked,
    };
    if (adding) {
      body.kind = f.kind.input.value;
      body.consentGivenBy = f.consentGivenBy.input.value.trim();
    }
    return body;
  };
  const nodes = [adding ? f.kind.wrap : null, f.firstName.wrap, f.ageBand.wrap, f.gender.wrap, f.languages.wrap, interests.el, f.capacity.wrap,
    adding ? f.consentGivenBy.wrap : null,
    h('div', { class: 'toggle' }, photoAgreed, h('label', { for: `${idBase}-photo-ok`, text: t('buddystaff.roster.photo_agreed') }))];
  return { f, read, nodes };
}

function missingFields(body, adding) {
  const missing = {};
  if (!body.firstName) missing.firstName = 'required';
  if (!body.ageBand) missing.ageBand = 'required';
  if (adding && !body.consentGivenBy) missing.consentGivenBy = 'required';
  return missing;
}

/** #/placement/buddies */
function rosterScreen() {
  const title = t('buddystaff.roster.title');
  const status = message('success');
  status.id = 'roster-message';
  const list = h('div', {});
  const said = (text) => { showMessage(status, 'success', text); announce(text); load(); };

  const add = buddyFields('rb-new', {}, true);
  const note = message('info');
  const save = button(t('buddystaff.roster.add_save'), { type: 'submit', id: 'rb-add-save' }, 'primary');
  const form = h('form', { class: 'add-form', id: 'rb-add-form', novalidate: true }, ...add.nodes, note, save);
  const open = disclosure(t('buddystaff.roster.add'), 'rb-add', form);
  clearOnEdit(add.f);
  const create = oneCreate(); // one key per buddy added: a retry never adds them twice
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, add.f);
    const body = add.read();
    const missing = missingFields(body, true);
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, add.f);
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      await create('POST', '/api/placement/buddies', body);
      done();
      form.reset();
      open.close();
      said(t('buddystaff.roster.added', { name: body.firstName }));
    } catch (err) {
      done();
      showFormError(err, note, add.f);
    }
  });

  const load = loadItems(list, '/api/placement/buddies', (items) => {
    if (!items.length) {
      list.append(h('p', { class: 'empty', text: t('buddystaff.roster.none') }));
      return;
    }
    const active = items.filter((b) => b.active !== false);
    const gone = items.filter((b) => b.active === false);
    list.append(h('ul', { class: 'rows', id: 'roster-list' }, ...active.map((b) => rosterRow(b, said))));
    if (gone.length) {
      list.append(h('h2', { text: t('buddystaff.roster.withdrawn_title') }),
        h('ul', { class: 'rows', id: 'roster-withdrawn' }, ...gone.map((b) => h('li', { class: 'row bs-withdrawn' },
          h('p', { class: 'row-title' }, h('bdi', { text: b.firstName })),
          h('p', { class: 'meta', text: t('buddystaff.roster.withdrawn_on', { date: dayWords(b.consent.withdrawnAt) }) })))));
    }
  });

  return staffScreen({ title, name: 'buddy-roster' },
    h('h1', { text: title }),
    h('p', { class: 'lead', text: t('buddystaff.roster.help') }),
    status, open.wrap, list);
}

function rosterRow(b, said) {
  const idBase = `rb-${b.id.slice(0, 8)}`;
  // Changing the buddy.
  const edit = buddyFields(idBase, b);
  const note = message('info');
  const save = button(t('buddystaff.roster.change_save'), { type: 'submit' }, 'primary');
  const form = h('form', { class: 'add-form', novalidate: true }, ...edit.nodes, note, save);
  const change = disclosure(t('buddystaff.roster.change', { name: b.firstName }), `${idBase}-change`, form);
  clearOnEdit(edit.f);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, edit.f);
    const body = edit.read();
    const missing = missingFields(body, false);
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, edit.f);
      return;
    }
    const done = busy(save, t('admin.saving'));
    try {
      await api('PATCH', `/api/placement/buddies/${b.id}`, body);
      done();
      said(t('buddystaff.roster.changed', { name: body.firstName }));
    } catch (err) {
      done();
      showFormError(err, note, edit.f);
    }
  });
  // Time away.
  const from = field({ id: `${idBase}-away-from`, label: t('buddystaff.roster.away_from'), type: 'date' });
  const to = field({ id: `${idBase}-away-to`, label: t('buddystaff.roster.away_to'), type: 'date' });
  const awayNote = message('info');
  const awaySave = button(t('buddystaff.roster.away_save'), { type: 'submit' }, 'secondary');
  const awayForm = h('form', { class: 'add-form', novalidate: true }, from.wrap, to.wrap, awayNote, awaySave);
  const away = disclosure(t('buddystaff.roster.away', { name: b.firstName }), `${idBase}-away`, awayForm);
  const absences = (b.absences || []).map((a) => ({ from: isoDay(a.from), to: isoDay(a.to) }));
  awayForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(awayNote, { from, to });
    if (!from.input.value || !to.input.value || to.input.value < from.input.value) {
      showFormError({ code: 'validation_failed', fields: { from: from.input.value ? undefined : 'required', to: 'date_order' } }, awayNote, { from, to });
      return;
    }
    const done = busy(awaySave, t('admin.saving'));
    try {
      await api('PATCH', `/api/placement/buddies/${b.id}`, { absences: [...absences, { from: from.input.value, to: to.input.value }] });
      done();
      said(t('buddystaff.roster.away_saved', { name: b.firstName }));
    } catch (err) {
      done();
      showFormError(err, awayNote, { from, to });
    }
  });
  // A photo, only when the buddy agreed.
  let photo = null;
  if (b.photoAgreed) {
    const file = h('input', { type: 'file', id: `${idBase}-photo`, accept: 'image/jpeg,image/png,image/webp' });
    const photoNote = message('info');
    const send = button(t('buddystaff.roster.photo_send'), { type: 'submit' }, 'secondary');
    const photoForm = h('form', { class: 'add-form', novalidate: true }, h('label', { for: `${idBase}-photo`, text: t('buddystaff.roster.photo') }), file, photoNote, send);
    photoForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = file.files && file.files[0];
      if (!f) { file.focus(); return; }
      const done = busy(send, t('admin.saving'));
      try {
        await api('PUT', `/api/placement/buddies/${b.id}/photo`, f);
        done();
        said(t('buddystaff.roster.photo_saved', { name: b.firstName }));
      } catch (err) {
        done();
        showMessage(photoNote, 'error', errorText(err));
      }
    });
    photo = disclosure(b.hasPhoto ? t('buddystaff.roster.photo_change', { name: b.firstName }) : t('buddystaff.roster.photo_add', { name: b.firstName }), `${idBase}-photo-open`, photoForm).wrap;
  }
  // Withdrawing consent.
  const withdraw = button(t('buddystaff.roster.withdraw', { name: b.firstName }), { class: 'rb-withdraw' }, 'quiet');
  const yes = button(t('buddystaff.roster.withdraw_yes'), { class: 'rb-withdraw-yes' }, 'danger');
  const no = button(t('buddystaff.roster.withdraw_no'), {}, 'quiet');
  const box = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('buddystaff.roster.withdraw_confirm', { name: b.firstName }) }), yes, no);
  withdraw.addEventListener('click', () => { box.hidden = false; yes.focus(); });
  no.addEventListener('click', () => { box.hidden = true; withdraw.focus(); });
  yes.addEventListener('click', async () => {
    const done = busy(yes, t('admin.saving'));
    try {
      await api('POST', `/api/placement/buddies/${b.id}/withdraw`);
      said(t('buddystaff.roster.withdrawn', { name: b.firstName }));
    } catch (err) {
      done();
      showMessage(box.querySelector('p'), 'error', errorText(err));
    }
  });
  const facts = [
    buddyLine(b),
    t('buddystaff.roster.capacity_n', { count: b.capacity }),
  ].filter(Boolean).join(' · ');
  // Languages by their own names (as the language list shows them).
  const langs = (b.languages || []).map((c) => h('bdi', { lang: c, text: languageName(c) }));
  return h('li', { class: 'row rb-item', data: { id: b.id } },
    h('p', { class: 'row-title' }, h('bdi', { text: b.firstName })),
    h('p', { class: 'meta', text: facts }),
    langs.length ? h('p', { class: 'meta', dir: 'auto' }, ...langs.flatMap((x, i) => (i ? [', ', x] : [x]))) : null,
    (b.interests || []).length ? h('p', { class: 'meta', text: b.interests.map(interestWord).join(', ') }) : null,
    h('p', { class: 'meta', text: t('buddystaff.roster.consent_by', { who: b.consent.givenBy, date: dayWords(b.consent.givenAt) }) }),
    ...(b.absences || []).map((a) => h('p', { class: 'meta bs-away', text: t('buddystaff.roster.away_on', { from: dayWords(a.from), to: dayWords(a.to) }) })),
    change.wrap, away.wrap, photo, withdraw, box);
}

/* ------------------------------------------------- the buddy weeks ---- */

/** A flag in words a tired worker reads at a glance. */
function flagLine(w, f) {
  return h('li', { class: `bs-flag bs-flag-${f.reason}` },
    h('strong', { text: t(`buddystaff.flag.${f.reason}`) }),
    ' ',
    h('span', { text: t(`buddystaff.flag.${f.reason}_why`, { name: w.youngPersonFirstName, buddy: w.buddy.firstName, day: dayWords(f.day) }) }));
}

function weekRow(w, said) {
  const total = weekLength(w);
  const name = w.youngPersonFirstName;
  const flags = needing(w);
  const earlier = (w.flags || []).length - flags.length;
  const open = (w.requests || []).filter((r) => !r.handled);
  const status = message('info');
  const acts = [];
  for (const r of open) {
    if (r.kind === 'different') {
      acts.push(h('div', { class: 'bs-request', data: { kind: r.kind } },
        h('p', { class: 'bs-request-text', text: t('buddystaff.request.different', { name, buddy: w.buddy.firstName }) }),
        h('p', { class: 'meta', text: t('buddystaff.request.different_how', { buddy: w.buddy.firstName }) }),
        h('a', { class: 'btn btn-primary bs-rematch', href: `#/moves/${encodeURIComponent(w.moveId)}/buddy`, text: t('buddystaff.request.rematch', { name }) }),
        handled(w, 'different', t('buddystaff.request.done_different'))));
    } else {
      acts.push(h('div', { class: 'bs-request', data: { kind: r.kind } },
        h('p', { class: 'bs-request-text', text: t('buddystaff.request.longer', { name, buddy: w.buddy.firstName }) }),
        handled(w, 'longer', t('buddystaff.request.done_longer'))));
    }
  }
  function handled(week, kind, text) {
    const b = button(text, { class: `bs-handled bs-handled-${kind}` }, kind === 'longer' ? 'primary' : 'secondary');
    b.addEventListener('click', async () => {
      const done = busy(b, t('admin.saving'));
      try {
        await api('POST', `/api/buddy-weeks/${encodeURIComponent(week.id)}/requests/${kind}/handled`);
        said(t(`buddystaff.request.handled_${kind}`, { name }));
      } catch (err) {
        done();
        showMessage(status, 'error', errorText(err));
      }
    });
    return b;
  }
  // Logging a contact with the buddy.
  let contact = null;
  if (w.status === 'active') {
    const today = todayIn(w);
    const logged = (w.contacts || []).map(isoDay).includes(today);
    const log = button(logged ? t('buddystaff.contact.logged') : t('buddystaff.contact.log', { buddy: w.buddy.firstName, name }), { class: 'bs-contact' }, 'secondary');
    log.disabled = logged;
    log.addEventListener('click', async () => {
      const done = busy(log, t('admin.saving'));
      try {
        await api('POST', `/api/buddy-weeks/${encodeURIComponent(w.id)}/contacts`, { day: today });
        said(t('buddystaff.contact.saved', { name }));
      } catch (err) {
        done();
        showMessage(status, 'error', errorText(err));
      }
    });
    contact = log;
  }
  const checkins = (w.checkins || []).slice().sort((a, b) => String(a.day).localeCompare(String(b.day)));
  const when = w.dayNumber > 0 && w.dayNumber <= total ? t('buddystaff.day_of', { n: w.dayNumber, count: total }) : t(`buddystaff.status.${w.status}`);
  return h('li', { class: ['row', 'bs-week', flags.length && 'bs-week-flagged'], data: { id: w.id, status: w.status } },
    h('p', { class: 'row-title' },
      h('bdi', { text: t('buddystaff.week.who', { name, buddy: w.buddy.firstName }) }),
      h('span', { class: 'badge', text: when })),
    flags.length ? h('ul', { class: 'bs-flags', 'aria-label': t('buddystaff.flag.title') }, ...flags.map((f) => flagLine(w, f))) : null,
    earlier > 0 ? h('p', { class: 'meta bs-earlier', text: t('buddystaff.flag.earlier', { count: earlier }) }) : null,
    ...acts,
    checkins.length ? h('ul', { class: 'bs-checkins', 'aria-label': t('buddystaff.week.checkins') }, ...checkins.map((c) => h('li', { class: 'bs-checkin' },
      face(c.rating, 28),
      h('span', { text: t('buddystaff.week.checkin', { day: dayWords(c.day), rating: c.rating }) }),
      c.words ? h('q', { dir: 'auto', text: c.words }) : null))) : h('p', { class: 'meta', text: t('buddystaff.week.no_checkins') }),
    h('p', { class: 'meta', text: (w.contacts || []).length ? t('buddystaff.week.contacts', { count: w.contacts.length }) : t('buddystaff.week.contacts_none') }),
    (w.pastBuddies || []).length ? h('p', { class: 'meta', text: t('buddystaff.week.past', { names: w.pastBuddies.join(', ') }) }) : null,
    w.rating ? h('p', { class: 'meta bs-rating' }, face(w.rating.rating, 24), h('span', { text: t('buddystaff.week.rated', { rating: w.rating.rating }) }), w.rating.words ? h('q', { dir: 'auto', text: w.rating.words }) : null) : null,
    contact,
    h('a', { class: 'link-row bs-match-link', href: `#/moves/${encodeURIComponent(w.moveId)}/buddy` }, icon('people'), h('span', { text: t('buddystaff.week.match', { name }) })),
    status);
}

/** #/buddy-weeks: flagged weeks first, then open requests, then the rest. */
function weeksScreen() {
  const title = t('buddystaff.weeks.title');
  const status = message('success');
  status.id = 'weeks-message';
  const list = h('div', {});
  const said = (text) => { showMessage(status, 'success', text); announce(text); load(); };
  const urgency = (w) => (needing(w).length ? 0 : (w.requests || []).some((r) => !r.handled) ? 1 : w.status === 'active' ? 2 : 3);
  const load = loadItems(list, '/api/placement/buddy-weeks', (items) => {
    if (!items.length) {
      list.append(h('p', { class: 'empty', text: t('buddystaff.weeks.none') }));
      return;
    }
    items.sort((a, b) => urgency(a) - urgency(b) || String(a.from).localeCompare(String(b.from)));
    list.append(h('ul', { class: 'rows', id: 'weeks-list' }, ...items.map((w) => weekRow(w, said))));
  });
  return staffScreen({ title, name: 'buddy-weeks' },
    h('h1', { text: title }),
    h('p', { class: 'lead', text: t('buddystaff.weeks.help') }),
    status, list);
}

/* ------------------------------------------------------------ home ---- */

function placementPanel(user) {
  if (!user.placementId) return null;
  const alert = h('p', { class: 'bs-home-alert', id: 'bs-home-alert', hidden: true });
  api('GET', '/api/placement/buddy-weeks').then((d) => {
    const items = (d && d.items) || [];
    const flagged = items.filter((w) => needing(w).length).length;
    const asks = items.filter((w) => (w.requests || []).some((r) => !r.handled)).length;
    if (flagged || asks) {
      alert.textContent = [flagged ? t('buddystaff.home.flagged', { count: flagged }) : '', asks ? t('buddystaff.home.requests', { count: asks }) : ''].filter(Boolean).join(' ');
      alert.hidden = false;
    }
  }).catch(() => {});
  return h('section', { class: 'panel bs-panel', 'aria-labelledby': 'bs-panel-title' },
    h('h2', { id: 'bs-panel-title', text: t('buddystaff.home.title') }),
    alert,
    h('nav', { class: 'link-list', 'aria-label': t('buddystaff.home.title') },
      h('a', { class: 'link-row', href: '#/buddy-weeks', id: 'buddy-weeks-link' }, icon('list'), h('span', { text: t('buddystaff.weeks.title') })),
      h('a', { class: 'link-row', href: '#/placement/buddies', id: 'buddy-roster-link' }, icon('people'), h('span', { text: t('buddystaff.roster.title') }))));
}

let mounted = false;

export function mountBuddyStaff() {
  if (mounted) return;
  mounted = true;
  route('/moves/:id/buddy', matchScreen, 'staff');
  route('/placement/buddies', rosterScreen, 'staff');
  route('/buddy-weeks', weeksScreen, 'staff');
  addHomeSection('placement_staff', placementPanel);
}
