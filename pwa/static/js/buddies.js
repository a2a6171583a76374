// A buddy for the first week, as the young person sees it ("about me" is in
// aboutme.js): "my buddy" (first name, photo if agreed, what they have in common,
// day N of 7), the evening check-in, asking for a different buddy or to keep
// them longer, and the end-of-week rating. A resident who is a buddy sees
// "You're a buddy" and can stop. Pictures and words are the app's; the
// backend checks the picture codes against the same lists.

import { h, clear, announce } from './dom.js';
import { t, has, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, loading, loadFailed } from './ui.js';
import { api, download, isYoungPerson } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import { addPreviewSection } from './previews.js';
import { NOTE_MAX, checkbox, languageName, interestWord, aboutMeScreen } from './aboutme.js';

// The faces of the 1..5 scale: the feeling-card pictures, as in the questionnaire.
const FACES = { 1: 'sad', 2: 'worried', 3: 'okay', 4: 'calm', 5: 'happy' };
const PICTURES = /* assets: cards/*.svg */ {};

export function face(rating, size = 48) {
  const name = FACES[rating] || 'okay';
  return h('img', { class: 'bd-face', src: PICTURES[name] || `/cards/${name}.svg`, alt: '', width: size, height: size, draggable: 'false' });
}

const dayWords = (iso) => formatDateTime(iso, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
const isoDay = (d) => new Date(d).toISOString().slice(0, 10);
const addDays = (iso, n) => isoDay(Date.parse(`${isoDay(iso)}T00:00:00Z`) + n * 86400000);
/** How many days a week has, from its first to its last day. */
export const weekLength = (w) => Math.round((Date.parse(`${isoDay(w.last)}T00:00:00Z`) - Date.parse(`${isoDay(w.from)}T00:00:00Z`)) / 86400000) + 1;

// A name inside a list in a sentence keeps its own direction (an Arabic
// language name in an English sentence, or the other way round).
const isolate = (s) => `\u2068${s}\u2069`;

/** What a buddy and the young person have in common, one plain sentence per
 * reason: to the young person ("You both like football"), or to staff
 * (forStaff: "Both like football", and the fairness reason). */
export function reasonLines(reasons, forStaff = false) {
  const prefix = forStaff ? 'buddystaff.reason' : 'buddies.reason';
  const out = [];
  for (const r of reasons || []) {
    const v = r.values || [];
    switch (r.code) {
      case 'shares_language': out.push(t(`${prefix}.shares_language`, { languages: v.map((c) => isolate(languageName(c))).join(', ') })); break;
      case 'interests_in_common': out.push(t(`${prefix}.interests_in_common`, { interests: v.map(interestWord).join(', ') })); break;
      case 'recent_buddy_weeks':
        if (forStaff) out.push(Number(v[0] || 0) ? t('buddystaff.reason.recent_buddy_weeks', { count: Number(v[0]) }) : t('buddystaff.reason.recent_none'));
        break;
      default: if (has(`${prefix}.${r.code}`)) out.push(t(`${prefix}.${r.code}`));
    }
  }
  return out;
}

/** A buddy's photo (an API address fetched with the session), or nothing. */
export function buddyPhoto(b, size = 96) {
  if (!b || !b.photoUrl) return null;
  const img = h('img', { class: 'bd-photo', alt: t('buddies.photo_of', { name: b.firstName }), width: size, height: size, decoding: 'async' });
  download(b.photoUrl).then((blob) => { img.src = URL.createObjectURL(blob); }).catch(() => img.remove());
  return img;
}

/* ----------------------------------------------------------- my buddy -- */

/** A 1..5 picture scale as radio buttons; returns {el, value()}. */
function faceScale(id, legend) {
  const set = h('fieldset', { class: 'bd-scale', id },
    h('legend', { class: 'bd-scale-q', text: legend }),
    h('div', { class: 'bd-scale-row' }, ...[1, 2, 3, 4, 5].map((n) => {
      const input = h('input', { type: 'radio', name: id, id: `${id}-${n}`, value: String(n), class: 'bd-scale-input' });
      return h('label', { class: 'bd-scale-opt', for: `${id}-${n}` }, input, face(n, 48), h('span', { text: t(`buddies.scale.${n}`) }));
    })));
  return { el: set, value: () => { const c = set.querySelector('input:checked'); return c ? Number(c.value) : 0; } };
}

function checkinDay(w) {
  return w.checkinDay || addDays(w.from, Math.max(0, w.dayNumber - 1));
}

function checkinPanel(w, redraw) {
  const scale = faceScale('ci-scale', t('buddies.checkin.question', { name: w.buddy.firstName }));
  const words = h('textarea', { id: 'ci-words', dir: 'auto', rows: 2, maxlength: String(NOTE_MAX) });
  const share = checkbox('ci-share', t('buddies.checkin.share'), false, t('buddies.checkin.share_help'));
  const note = message('info');
  note.id = 'ci-message';
  const send = button(t('buddies.send'), { type: 'submit', id: 'ci-send' }, 'primary');
  const form = h('form', { class: 'panel bd-checkin', id: 'ci-form', novalidate: true },
    h('h2', { text: t('buddies.checkin.title') }),
    scale.el,
    h('label', { for: 'ci-words', class: 'bd-sub', text: t('buddies.checkin.words') }), words,
    share.el, note, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const rating = scale.value();
    if (!rating) {
      showMessage(note, 'error', t('buddies.pick_a_face'));
      form.querySelector('.bd-scale-input').focus();
      return;
    }
    const done = busy(send, t('buddies.sending'));
    try {
      const body = { rating, shareWords: share.input.checked };
      if (words.value.trim()) body.words = words.value.trim();
      const got = await api('PUT', `/api/me/buddy-week/checkins/${checkinDay(w)}`, body);
      announce(t('buddies.checkin.thanks'));
      redraw(got, t('buddies.checkin.thanks'));
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return form;
}

function ratePanel(w, redraw) {
  const scale = faceScale('rate-scale', t('buddies.rate.question', { name: w.buddy.firstName }));
  const why = h('textarea', { id: 'rate-words', dir: 'auto', rows: 2, maxlength: String(NOTE_MAX) });
  const note = message('info');
  note.id = 'rate-message';
  const send = button(t('buddies.send'), { type: 'submit', id: 'rate-send' }, 'primary');
  const form = h('form', { class: 'panel bd-checkin bd-rate', id: 'rate-form', novalidate: true },
    h('h2', { text: t('buddies.rate.title') }),
    scale.el,
    h('label', { for: 'rate-words', class: 'bd-sub', text: t('buddies.rate.why') }), why,
    note, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const rating = scale.value();
    if (!rating) {
      showMessage(note, 'error', t('buddies.pick_a_face'));
      form.querySelector('.bd-scale-input').focus();
      return;
    }
    const done = busy(send, t('buddies.sending'));
    try {
      const body = { rating };
      if (why.value.trim()) body.words = why.value.trim();
      const got = await api('PUT', '/api/me/buddy-week/rating', body);
      announce(t('buddies.rate.thanks'));
      redraw(got, t('buddies.rate.thanks'));
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return form;
}

/** Asking for a different buddy (no blame) or to keep this one longer. */
function requestsPanel(w, redraw) {
  const name = w.buddy.firstName;
  const note = message('info');
  note.id = 'rq-message';
  const parts = [];
  async function ask(kind, btn, words) {
    const done = busy(btn, t('buddies.sending'));
    try {
      const body = { kind };
      if (words) body.words = words;
      const got = await api('POST', '/api/me/buddy-week/requests', body);
      const said = t(`buddies.request.${kind}_sent`, { name });
      announce(said);
      redraw(got, said);
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  }
  if (w.askedDifferent) {
    parts.push(h('p', { class: 'msg msg-info', id: 'rq-different-asked', text: t('buddies.request.different_waiting') }));
  } else {
    const open = button(t('buddies.request.different'), { id: 'rq-different' }, 'secondary');
    const words = h('textarea', { id: 'rq-words', dir: 'auto', rows: 2, maxlength: String(NOTE_MAX) });
    const yes = button(t('buddies.request.different_yes'), { id: 'rq-different-yes' }, 'primary');
    const no = button(t('buddies.request.not_now'), { id: 'rq-different-no' }, 'quiet');
    const box = h('div', { class: 'bd-confirm', id: 'rq-different-box', hidden: true },
      h('p', { text: t('buddies.request.different_kind', { name }) }),
      h('label', { for: 'rq-words', class: 'bd-sub', text: t('buddies.request.words') }), words, yes, no);
    open.addEventListener('click', () => { box.hidden = false; open.hidden = true; yes.focus(); });
    no.addEventListener('click', () => { box.hidden = true; open.hidden = false; open.focus(); });
    yes.addEventListener('click', () => ask('different', yes, words.value.trim()));
    parts.push(open, box);
  }
  if (w.askedLonger) parts.push(h('p', { class: 'msg msg-info', id: 'rq-longer-asked', text: t('buddies.request.longer_waiting', { name }) }));
  else if (w.canAskLonger) {
    const longer = button(t('buddies.request.longer', { name }), { id: 'rq-longer' }, 'secondary');
    longer.addEventListener('click', () => ask('longer', longer));
    parts.push(longer);
  }
  return h('section', { class: 'panel bd-requests', 'aria-labelledby': 'rq-title' },
    h('h2', { id: 'rq-title', text: t('buddies.request.title') }), ...parts, note);
}

/** The buddy's card: photo, first name, what they have in common, the day. */
function buddyCard(w) {
  const b = w.buddy;
  const total = weekLength(w);
  let when;
  if (w.dayNumber > 0 && w.dayNumber <= total) when = t('buddies.day_of', { n: w.dayNumber, count: total });
  else if (w.dayNumber <= 0) when = t('buddies.meet_on', { name: b.firstName, date: dayWords(w.from) });
  else when = t('buddies.week_over');
  const lines = reasonLines(b.inCommon);
  return h('section', { class: 'panel bd-card', id: 'bd-card', 'aria-labelledby': 'bd-name' },
    h('div', { class: 'bd-card-head' },
      buddyPhoto(b) || h('span', { class: 'bd-initial', 'aria-hidden': 'true', text: (b.firstName || '?').slice(0, 1) }),
      h('div', {},
        h('p', { class: 'bd-kicker', text: t('buddies.your_buddy') }),
        h('h2', { class: 'bd-name', id: 'bd-name' }, h('bdi', { text: b.firstName })),
        h('p', { class: 'bd-day', id: 'bd-day', text: when }))),
    lines.length ? h('div', { class: 'bd-common' },
      h('p', { class: 'bd-sub', text: t('buddies.in_common') }),
      h('ul', { id: 'bd-common' }, ...lines.map((x) => h('li', { text: x })))) : null);
}

function pastCheckins(w) {
  const list = (w.checkins || []).slice().sort((a, b) => String(a.day).localeCompare(String(b.day)));
  if (!list.length) return null;
  return h('section', { class: 'panel bd-past' },
    h('h2', { text: t('buddies.checkin.past') }),
    h('ul', { class: 'bd-past-list', id: 'bd-past' }, ...list.map((c) => h('li', {},
      face(c.rating, 32), h('span', { text: t('buddies.checkin.past_day', { day: dayWords(c.day), answer: t(`buddies.scale.${c.rating}`) }) })))));
}

/** "You're a buddy": what a resident buddy who joined Heard sees. */
function buddyingPanel(items, redraw) {
  if (!items || !items.length) return null;
  const note = message('info');
  note.id = 'bb-message';
  const stop = button(t('buddies.buddying.stop'), { id: 'bb-stop' }, 'quiet');
  const yes = button(t('buddies.buddying.stop_yes'), { id: 'bb-stop-yes' }, 'danger');
  const no = button(t('buddies.request.not_now'), {}, 'quiet');
  const box = h('div', { class: 'bd-confirm', hidden: true }, h('p', { text: t('buddies.buddying.stop_kind') }), yes, no);
  stop.addEventListener('click', () => { box.hidden = false; stop.hidden = true; yes.focus(); });
  no.addEventListener('click', () => { box.hidden = true; stop.hidden = false; stop.focus(); });
  yes.addEventListener('click', async () => {
    const done = busy(yes, t('buddies.sending'));
    try {
      await api('POST', '/api/me/buddy-consent/withdraw');
      announce(t('buddies.buddying.stopped'));
      redraw(null, t('buddies.buddying.stopped'));
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return h('section', { class: 'panel bd-buddying', id: 'bd-buddying', 'aria-labelledby': 'bb-title' },
    h('h2', { id: 'bb-title', text: t('buddies.buddying.title') }),
    h('ul', { class: 'bd-buddying-list' }, ...items.map((b) => {
      const total = weekLength(b);
      const met = button(t('buddies.buddying.met', { name: b.newcomerFirstName }), { class: 'bb-met' }, 'secondary');
      met.addEventListener('click', async () => {
        const done = busy(met, t('buddies.sending'));
        try {
          await api('POST', `/api/buddy-weeks/${encodeURIComponent(b.weekId)}/contacts`, { day: addDays(b.from, Math.max(0, b.dayNumber - 1)) });
          done();
          met.disabled = true;
          showMessage(note, 'success', t('buddies.buddying.met_thanks'));
        } catch (err) {
          done();
          showMessage(note, 'error', errorText(err));
        }
      });
      return h('li', { class: 'bd-buddying-item', data: { week: b.weekId } },
        h('p', { class: 'bd-name-small', text: t('buddies.buddying.for', { name: b.newcomerFirstName }) }),
        h('p', { class: 'meta', text: b.dayNumber > 0 ? t('buddies.day_of', { n: b.dayNumber, count: total }) : t('buddies.buddying.from', { date: dayWords(b.from) }) }),
        b.dayNumber > 0 ? met : null);
    })),
    h('p', { class: 'meta', text: t('buddies.buddying.help') }),
    stop, box, note);
}

/** #/buddy */
async function myBuddyScreen() {
  if (!isYoungPerson()) {
    navigate('/home', { replace: true });
    return h('div');
  }
  const title = t('buddies.title');
  const body = h('div', { class: 'bd', id: 'my-buddy' }, loading());
  const status = message('success');
  status.id = 'bd-status';
  function draw(data, said) {
    clear(body);
    const w = data && data.week;
    body.append(h('h1', { text: w ? t('buddies.title') : (data && data.buddying && data.buddying.length ? t('buddies.buddying.title') : t('buddies.title')) }));
    if (said) showMessage(status, 'success', said);
    body.append(status);
    if (w) {
      if (w.rateDue) body.append(ratePanel(w, draw));
      else if (w.checkinDue) body.append(checkinPanel(w, draw));
      body.append(buddyCard(w));
      if (w.rating) body.append(h('section', { class: 'panel bd-rated', id: 'bd-rated' }, face(w.rating, 40), h('p', { text: t('buddies.rate.you_said', { answer: t(`buddies.scale.${w.rating}`) }) })));
      if (!w.rateDue && !w.rating && w.status !== 'ended') body.append(requestsPanel(w, draw));
      body.append(pastCheckins(w));
    }
    const panel = buddyingPanel(data && data.buddying, draw);
    if (panel) body.append(panel);
    if (!w && !panel) {
      body.append(h('p', { class: 'lead', id: 'bd-none', text: t('buddies.none') }),
        h('a', { class: 'btn btn-primary', href: '#/about-me', id: 'bd-about-link', text: t('buddies.about.open') }));
    } else if (w && w.dayNumber <= 0) {
      body.append(h('a', { class: 'btn btn-secondary', href: '#/about-me', id: 'bd-about-link', text: t('buddies.about.open') }));
    }
  }
  try {
    draw(await api('GET', '/api/me/buddy-week'));
  } catch (err) {
    clear(body).append(h('h1', { text: title }), loadFailed(err, () => navigate('/buddy', { replace: true })));
  }
  return screen({ title, name: 'my-buddy', back: '/home', className: 'screen-yp' }, body);
}

/* ----------------------------------------------- home and the preview -- */

/** The home tile: the check-in first when it is open, else the buddy and the day. */
function homeTile() {
  const tile = h('a', { class: 'home-tile bd-tile', href: '#/buddy', id: 'bd-tile', hidden: true },
    h('span', { class: 'home-tile-title', id: 'bd-tile-title', text: t('buddies.title') }),
    h('span', { class: 'home-tile-sub', id: 'bd-tile-sub' }));
  api('GET', '/api/me/buddy-week').then((d) => {
    const w = d && d.week;
    const sub = tile.querySelector('#bd-tile-sub');
    if (w) {
      tile.hidden = false;
      tile.classList.toggle('bd-tile-due', Boolean(w.checkinDue || w.rateDue));
      if (w.rateDue) sub.textContent = t('buddies.tile.rate', { name: w.buddy.firstName });
      else if (w.checkinDue) sub.textContent = t('buddies.tile.checkin');
      else if (w.dayNumber > 0 && w.dayNumber <= weekLength(w)) sub.textContent = t('buddies.tile.day', { name: w.buddy.firstName, n: w.dayNumber, count: weekLength(w) });
      else sub.textContent = t('buddies.tile.sub', { name: w.buddy.firstName });
    } else if (d && d.buddying && d.buddying.length) {
      tile.hidden = false;
      tile.querySelector('#bd-tile-title').textContent = t('buddies.buddying.title');
      sub.textContent = t('buddies.buddying.for', { name: d.buddying[0].newcomerFirstName });
    }
  }).catch(() => {});
  return tile;
}

/** "About me" on home: one tap away whenever the young person wants to change it. */
function aboutTile() {
  return h('a', { class: 'home-tile bd-about-tile', href: '#/about-me', id: 'am-tile' },
    h('span', { class: 'home-tile-title', text: t('buddies.about.title') }),
    h('span', { class: 'home-tile-sub', text: t('buddies.about.tile') }));
}

/** The preview's panel: the buddy when one is chosen, else "about me". */
function previewPanel(p, offline) {
  const body = h('div', {});
  const aboutLink = h('a', { class: 'btn btn-secondary', href: '#/about-me', id: 'pv-about-me', text: t('buddies.about.open') });
  const section = h('section', { class: 'panel bd-preview', id: 'pv-buddy', 'aria-labelledby': 'pv-buddy-title' },
    h('h2', { id: 'pv-buddy-title', text: t('buddies.preview.title') }), body);
  if (offline) {
    body.append(h('p', { class: 'meta', text: t('buddies.preview.offline') }));
    return section;
  }
  body.append(loading());
  api('GET', '/api/me/buddy-week').then((d) => {
    clear(body);
    const w = d && d.week;
    if (w && w.buddy) {
      const lines = reasonLines(w.buddy.inCommon);
      body.append(
        h('div', { class: 'bd-card-head' },
          buddyPhoto(w.buddy, 72) || h('span', { class: 'bd-initial', 'aria-hidden': 'true', text: (w.buddy.firstName || '?').slice(0, 1) }),
          h('div', {},
            h('p', { class: 'bd-name', id: 'pv-buddy-name' }, h('bdi', { text: w.buddy.firstName })),
            h('p', { class: 'meta', text: w.dayNumber > 0 ? t('buddies.day_of', { n: w.dayNumber, count: weekLength(w) }) : t('buddies.preview.will_meet', { place: p.placement.name }) }))),
        lines.length ? h('ul', { class: 'bd-common-list' }, ...lines.map((x) => h('li', { text: x }))) : null,
        h('a', { class: 'btn btn-primary', href: '#/buddy', id: 'pv-buddy-open', text: t('buddies.preview.open') }));
    } else {
      body.append(h('p', { text: t('buddies.preview.about', { place: p.placement.name }) }), aboutLink);
    }
  }).catch(() => clear(body).append(h('p', { text: t('buddies.preview.about', { place: p.placement.name }) }), aboutLink));
  return section;
}

let mounted = false;

export function mountBuddies() {
  if (mounted) return;
  mounted = true;
  route('/about-me', aboutMeScreen, 'auth');
  route('/buddy', myBuddyScreen, 'auth');
  addHomeSection('young_person', homeTile);
  addHomeSection('young_person', aboutTile);
  addPreviewSection(previewPanel);
}
