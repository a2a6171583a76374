// Feeling cards.
//
// Young people: a grid of cards (#/cards), a sheet to add how much, what would
// help and a note (#/cards/send/:card), then "sent" (#/cards/sent/:id) or, for
// an urgent card, the help numbers (#/cards/help/:id); their cards with their
// states and a picture of the last four weeks (#/cards/mine).
//
// A card is written to this phone's IndexedDB before it is sent, with an id
// made here, and removed only once Heard has answered; sending the same id
// again is harmless (the server keeps the first), so a card goes out exactly
// once however often the connection drops. The queue is sent on start, when the
// phone comes back online, and every little while while cards wait; when Heard
// is busy (503) or asks the phone to slow down (429), cards keep waiting and go
// again when its Retry-After says (see outbox.js).
//
// Staff see cards in their inbox (inbox.js).

import { h, clear, icon, afterPaint } from './dom.js';
import { t, has, current as currentLang, direction, formatWhen, formatDateTime, locale, dateFormat } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, loadFailed, loading, actionsArea } from './ui.js';
import { api, getUser, isYoungPerson } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import * as speech from './speech.js';
import { outbox, request, newId, permanent, notNow, retryDelay, retrier } from './outbox.js';
import { cachedContacts, refreshContacts, contactList, liveContacts } from './help.js';
import { replyParts, hasNews, markLooked, conversation } from './cardmessages.js';
import { keepCards, keptCards } from './offline.js';

const NOTE_MAX = 280;
const REFRESH_MS = 15000;

// The catalogue ships with the app, so the grid works offline. It matches
// heard.CardCatalogue (a test compares them).
export const CATALOGUE = Object.freeze([
  { id: 'happy', urgency: 'ordinary', group: 'good' },
  { id: 'calm', urgency: 'ordinary', group: 'good' },
  { id: 'proud', urgency: 'ordinary', group: 'good' },
  { id: 'okay', urgency: 'ordinary', group: 'okay' },
  { id: 'tired', urgency: 'ordinary', group: 'okay' },
  { id: 'sad', urgency: 'ordinary', group: 'hard' },
  { id: 'lonely', urgency: 'concerning', group: 'hard' },
  { id: 'worried', urgency: 'ordinary', group: 'hard' },
  { id: 'scared', urgency: 'concerning', group: 'hard' },
  { id: 'angry', urgency: 'ordinary', group: 'hard' },
  { id: 'confused', urgency: 'ordinary', group: 'hard' },
  { id: 'want_to_talk', urgency: 'concerning', group: 'ask' },
  { id: 'sit_with_me', urgency: 'concerning', group: 'ask' },
  { id: 'not_safe', urgency: 'urgent', group: 'urgent' },
  { id: 'unhappy_where_i_live', urgency: 'urgent', group: 'urgent' },
  { id: 'might_hurt_myself', urgency: 'urgent', group: 'urgent' },
]);
export const AMOUNTS = Object.freeze(['a_little', 'quite', 'a_lot']);
export const HELPS = Object.freeze(['talk_now', 'talk_later', 'sit_with_me', 'leave_me_be', 'just_letting_you_know']);
export const QUICK_REPLIES = Object.freeze([
  { id: 'coming_to_sit' }, { id: 'talk_at', needsTime: true }, { id: 'thank_you' },
  { id: 'glad_you_told_me' }, { id: 'here_for_you' }, { id: 'call_you_soon' },
]);
const GROUPS = ['good', 'okay', 'hard', 'ask', 'urgent'];

export const kindOf = (id) => CATALOGUE.find((k) => k.id === id) || null;
export const cardLabel = (id) => (has(`cards.card.${id}`) ? t(`cards.card.${id}`) : id);
const isUrgent = (id) => (kindOf(id) || {}).urgency === 'urgent';

// Each card's picture by id, at its content-hashed address (filled in by the
// server, pwa/build.go).
const PICTURES = /* assets: cards/*.svg */ {};

export function picture(id, size) {
  const src = PICTURES[id] || `/cards/${encodeURIComponent(id)}.svg`;
  return h('img', { class: 'fc-pic', src, alt: '', width: size, height: size, draggable: 'false' });
}

/* ---------------------------------------------------------------- queue -- */

const withStore = outbox('heard-cards');

const queuePut = (entry) => withStore('readwrite', (s) => request(s.put(entry)));
const queueDelete = (id) => withStore('readwrite', (s) => request(s.delete(id)));
const queueGet = (id) => withStore('readonly', (s) => request(s.get(id)));

/** The signed-in young person's queued cards, oldest first. */
async function queued() {
  const user = getUser();
  if (!user || user.role !== 'young_person') return [];
  const all = await withStore('readonly', (s) => request(s.index('user').getAll(user.id)));
  return all.sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt)));
}

// The answers to cards sent from this page, by id: what the sent screen shows.
const results = new Map();
const listeners = new Set();
function changed() {
  for (const fn of listeners) fn();
}

function body(entry) {
  const b = { id: entry.id, card: entry.card, sentAt: entry.sentAt };
  if (entry.amount) b.amount = entry.amount;
  if (entry.help) b.help = entry.help;
  if (entry.note) b.note = entry.note;
  return b;
}

/**
 * Send one queued card. Its outcome is 'sent', 'offline', 'busy' (Heard said
 * "not now"), 'later' (another passing fault) or 'failed' (kept, marked);
 * retryMs is when to try again, for a card still waiting.
 */
async function sendOne(entry) {
  try {
    const card = await api('POST', '/api/cards', body(entry));
    await queueDelete(entry.id);
    results.set(entry.id, { card, queued: false });
    return { outcome: 'sent' };
  } catch (err) {
    if (err.code === 'offline') return { outcome: 'offline', retryMs: retryDelay(null) };
    if (permanent(err)) {
      await queuePut({ ...entry, status: 'failed', error: err.code || 'generic' });
      return { outcome: 'failed' };
    }
    return { outcome: notNow(err) ? 'busy' : 'later', retryMs: retryDelay(err) };
  }
}

let flushing = null;
const retryIn = retrier(() => flushQueue());

/** Send every waiting card of the signed-in young person, one at a time. */
export function flushQueue() {
  if (!isYoungPerson()) return Promise.resolve();
  if (!flushing) {
    flushing = (async () => {
      let retryMs = 0;
      try {
        for (const entry of await queued()) {
          if (entry.status === 'failed') continue;
          const r = await sendOne(entry);
          if (r.retryMs) {
            retryMs = r.retryMs;
            break;
          }
        }
      } catch (err) {
        console.warn('cards: queue', err);
      } finally {
        flushing = null;
      }
      retryIn(retryMs);
      changed();
    })();
  }
  return flushing;
}

/** Keep a new card on the phone, then try to send it at once. */
async function sendCard(draft) {
  const user = getUser();
  const entry = { ...draft, id: newId(), userId: user.id, sentAt: new Date().toISOString(), status: 'waiting' };
  await queuePut(entry);
  if (flushing) await flushing.catch(() => {});
  const r = await sendOne(entry);
  if (r.outcome !== 'sent') {
    results.set(entry.id, { card: null, queued: true, busy: r.outcome === 'busy', entry });
    retryIn(r.retryMs || retryDelay(null));
  }
  changed();
  return { id: entry.id, outcome: r.outcome };
}

/* ------------------------------------------------------------- read aloud -- */

function readAloud(target, labelKey) {
  if (!speech.supported()) return null;
  const btn = h('button', { type: 'button', class: 'pill-btn fc-read', 'aria-pressed': 'false' }, icon('speaker'), h('span', { text: t(labelKey) }));
  btn.addEventListener('click', () => {
    if (speech.speaking()) {
      speech.stop();
      btn.setAttribute('aria-pressed', 'false');
      return;
    }
    const root = typeof target === 'function' ? target() : target;
    const ok = speech.read(root, currentLang(), () => btn.setAttribute('aria-pressed', 'false'));
    btn.setAttribute('aria-pressed', ok ? 'true' : 'false');
  });
  return btn;
}

/* ----------------------------------------------------- young person: grid -- */

function ypOnly() {
  if (isYoungPerson()) return null;
  navigate('/home', { replace: true });
  return h('div');
}

function cardButton(kind) {
  return h('a', { class: ['fc-card', `fc-g-${kind.group}`], href: `#/cards/send/${kind.id}`, data: { card: kind.id } },
    picture(kind.id, 64),
    h('span', { class: 'fc-card-label', text: cardLabel(kind.id) }));
}

function gridScreen() {
  const stop = ypOnly();
  if (stop) return stop;
  flushQueue();
  refreshContacts();
  const everyday = CATALOGUE.filter((k) => k.urgency !== 'urgent');
  const urgent = CATALOGUE.filter((k) => k.urgency === 'urgent');
  const grid = h('div', { class: 'fc-grid-wrap' },
    h('h1', { text: t('cards.title') }),
    h('p', { class: 'lead', text: t('cards.intro') }),
    h('div', { id: 'fc-grid', class: 'fc-grid' }, everyday.map(cardButton)),
    h('section', { class: 'fc-urgent', 'aria-labelledby': 'fc-urgent-title' },
      h('h2', { id: 'fc-urgent-title', text: t('cards.urgent_heading') }),
      h('p', { class: 'meta', text: t('cards.urgent_help') }),
      h('div', { class: 'fc-grid fc-grid-urgent' }, urgent.map(cardButton))));
  const toolbar = h('div', { class: 'fc-toolbar' },
    readAloud(grid, 'cards.read_aloud'),
    h('a', { class: 'pill-btn fc-mine-link', href: '#/cards/mine', id: 'fc-mine' }, icon('list'), h('span', { text: t('cards.my_cards') })));
  // The tools sit under the question, before the cards.
  grid.insertBefore(toolbar, grid.querySelector('#fc-grid'));
  return screen({ title: t('cards.title'), name: 'cards', back: '/home', className: 'screen-yp' }, grid);
}

/* ---------------------------------------------------- young person: sheet -- */

/** A group of choices that can also be cleared by tapping the chosen one again. */
function choices(name, legend, options, labelPrefix) {
  const set = h('fieldset', { class: ['fc-choices', `fc-choices-${name}`] },
    h('legend', { text: legend }));
  const row = h('div', { class: 'fc-options' });
  let last = null;
  for (const value of options) {
    const id = `fc-${name}-${value}`;
    const input = h('input', { type: 'radio', name, id, value, class: 'fc-radio' });
    input.addEventListener('click', () => {
      if (last === value) {
        input.checked = false;
        last = null;
      } else {
        last = value;
      }
    });
    row.append(h('div', { class: 'fc-option' }, input, h('label', { for: id, text: t(`${labelPrefix}.${value}`) })));
  }
  set.append(row);
  return { el: set, value: () => { const c = set.querySelector('input:checked'); return c ? c.value : ''; } };
}

function sheetScreen({ card }) {
  const stop = ypOnly();
  if (stop) return stop;
  const kind = kindOf(card);
  if (!kind) {
    navigate('/cards', { replace: true });
    return h('div');
  }
  const urgent = kind.urgency === 'urgent';
  const amount = choices('amount', t('cards.amount.question'), AMOUNTS, 'cards.amount');
  const help = choices('help', t('cards.help.question'), HELPS, 'cards.help');
  const noteId = 'fc-note';
  const note = h('textarea', { id: noteId, name: 'note', dir: 'auto', rows: '3', maxlength: String(NOTE_MAX), 'aria-describedby': `${noteId}-help ${noteId}-left`, class: 'fc-note' });
  const left = h('p', { class: 'field-help fc-left', id: `${noteId}-left`, 'aria-live': 'polite', text: t('cards.note.left', { count: NOTE_MAX }) });
  note.addEventListener('input', () => {
    left.textContent = t('cards.note.left', { count: Math.max(0, NOTE_MAX - [...note.value].length) });
  });
  const msg = message('error');
  const send = button(t('cards.send'), { id: 'fc-send', class: 'btn-big' });
  const sheet = h('div', { class: 'fc-sheet' },
    h('div', { class: ['fc-chosen', `fc-g-${kind.group}`] },
      picture(kind.id, 96),
      h('h1', { id: 'fc-sheet-title', text: cardLabel(kind.id) })),
    urgent ? h('section', { class: 'fc-sheet-help', 'aria-labelledby': 'fc-sheet-help-title' },
      h('h2', { id: 'fc-sheet-help-title', text: t('cards.crisis.help_numbers') }),
      h('p', { class: 'fc-danger', text: t('cards.crisis.danger') }),
      contactList(cachedContacts())) : null,
    h('p', { class: 'meta', text: t('cards.sheet.optional') }),
    amount.el,
    help.el,
    h('div', { class: 'field' },
      h('label', { for: noteId, text: t('cards.note.label') }),
      h('p', { class: 'field-help', id: `${noteId}-help`, text: t('cards.note.help') }),
      note,
      left),
    msg);
  send.addEventListener('click', async () => {
    const done = busy(send, t('cards.sending'));
    showMessage(msg, 'info', '');
    try {
      const { id, outcome } = await sendCard({ card: kind.id, amount: amount.value(), help: help.value(), note: note.value.trim() });
      if (outcome === 'failed') {
        const entry = await queueGet(id);
        await queueDelete(id);
        done();
        showMessage(msg, 'error', errorText({ code: entry && entry.error }));
        return;
      }
      navigate(urgent ? `/cards/help/${id}` : `/cards/sent/${id}`);
    } catch (err) {
      done();
      showMessage(msg, 'error', errorText(err));
    }
  });
  return screen({ title: cardLabel(kind.id), name: 'card-sheet', back: '/cards', className: 'screen-yp' },
    h('div', { class: 'fc-toolbar' }, readAloud(sheet, 'cards.read_sheet')),
    sheet,
    // Send stays in reach of a thumb while the questions scroll past.
    h('div', { class: 'fc-send-bar' }, send),
    h('a', { class: 'btn btn-quiet fc-change', href: '#/cards', id: 'fc-change', text: t('cards.change_card') }));
}

/* ------------------------------------------- young person: after sending -- */

function zoneDay(date, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

function zoneTime(date, timeZone) {
  return dateFormat({ timeZone, hour: '2-digit', minute: '2-digit' }).format(date);
}

/** The automatic reply's facts in words: who will see the card, and when. */
export function autoReplyLines(auto) {
  if (!auto) return [];
  const tz = auto.timeZone || undefined;
  const lines = [];
  if (auto.noWorker) {
    lines.push(t('cards.auto.no_worker'));
    lines.push(auto.dutyToldNow ? t('cards.auto.duty_now') : t('cards.auto.no_worker_help'));
    return lines;
  }
  const name = auto.workerName || '';
  lines.push(t('cards.auto.not_working', { name }));
  if (auto.nextAt) {
    const next = new Date(auto.nextAt);
    const today = new Date();
    const tomorrow = new Date(today.getTime() + 24 * 3600 * 1000);
    const time = zoneTime(next, tz);
    if (zoneDay(next, tz) === zoneDay(today, tz)) lines.push(t('cards.auto.back_today', { name, time }));
    else if (zoneDay(next, tz) === zoneDay(tomorrow, tz)) lines.push(t('cards.auto.back_tomorrow', { name, time }));
    else {
      const day = dateFormat({ timeZone: tz, weekday: 'long' }).format(next);
      lines.push(t('cards.auto.back_on', { name, day, time }));
    }
  } else {
    lines.push(t('cards.auto.no_hours', { name }));
  }
  if (auto.dutyToldNow) lines.push(t('cards.auto.duty_now'));
  else if (auto.dutyAt) lines.push(t('cards.auto.duty_at', { time: zoneTime(new Date(auto.dutyAt), tz) }));
  else lines.push(t('cards.auto.duty_hint'));
  return lines;
}

function autoReplyBox(auto) {
  const lines = autoReplyLines(auto);
  if (!lines.length) return null;
  return h('div', { class: 'fc-auto', role: 'note' }, lines.map((l) => h('p', { text: l })));
}

async function resultFor(id) {
  if (results.has(id)) return results.get(id);
  const entry = await queueGet(id).catch(() => null);
  if (entry) return { card: null, queued: true, entry };
  try {
    const data = await api('GET', `/api/cards/${encodeURIComponent(id)}`);
    return { card: data, queued: false };
  } catch {
    return null;
  }
}

function workerName() {
  const user = getUser();
  return user && user.keyWorker && user.keyWorker.name ? user.keyWorker.name : '';
}

function sentText(r, name) {
  if (r.queued) return r.busy ? t('cards.queued.body_busy') : t('cards.queued.body');
  return name ? t('cards.sent.body', { name }) : t('cards.sent.body_no_name');
}

async function sentScreen({ id }) {
  const stop = ypOnly();
  if (stop) return stop;
  const r = await resultFor(id);
  if (!r) {
    navigate('/cards/mine', { replace: true });
    return h('div');
  }
  const cardId = r.card ? r.card.card : r.entry.card;
  const kind = kindOf(cardId) || { id: cardId, group: 'okay' };
  const name = workerName();
  const title = r.queued ? t('cards.queued.title') : t('cards.sent.title');
  return screen({ title, name: 'card-sent', back: '/cards', className: 'screen-yp' },
    h('div', { class: 'fc-sent', data: { state: r.queued ? 'waiting' : 'sent' } },
      h('div', { class: ['fc-chosen', 'fc-chosen-small', `fc-g-${kind.group}`] }, picture(kind.id, 72),
        h('p', { class: 'fc-chosen-label', text: cardLabel(kind.id) })),
      h('h1', { id: 'fc-sent-title', text: title }),
      h('p', { class: 'lead', text: sentText(r, name) }),
      r.card ? autoReplyBox(r.card.autoReply) : null),
    actionsArea(
      h('a', { class: 'btn btn-primary', href: '#/cards/mine', id: 'fc-see-mine', text: t('cards.see_my_cards') }),
      h('a', { class: 'btn btn-quiet', href: '#/cards', text: t('cards.send_another') })));
}

async function helpScreen({ id }) {
  const stop = ypOnly();
  if (stop) return stop;
  const r = id ? await resultFor(id) : null;
  const name = workerName();
  let told = null;
  if (r && r.queued) told = r.busy ? t('cards.crisis.queued_busy') : t('cards.crisis.queued');
  else if (r && r.card) told = name ? t('cards.crisis.told', { name }) : t('cards.crisis.told_duty');
  return screen({ title: t('cards.crisis.title'), name: 'card-help', back: '/cards', className: 'screen-yp' },
    h('div', { class: 'fc-help' },
      h('h1', { id: 'fc-help-title', text: t('cards.crisis.title') }),
      told ? h('p', { class: ['fc-told', r.queued ? 'fc-told-waiting' : 'fc-told-sent'], text: told }) : null,
      h('p', { class: 'fc-danger', text: t('cards.crisis.danger') }),
      h('p', { text: t('cards.crisis.intro') }),
      liveContacts()),
    actionsArea(h('a', { class: 'btn btn-quiet', href: '#/cards/mine', id: 'fc-help-back', text: t('cards.crisis.back') })));
}

/* ------------------------------------------- young person: their cards -- */

function stateLine(state, card) {
  if (state === 'waiting') return h('p', { class: 'fc-state fc-state-waiting', data: { state }, text: t('cards.state.waiting') });
  if (state === 'failed') return h('p', { class: 'fc-state fc-state-failed', data: { state }, text: t('cards.state.failed') });
  if (state === 'seen') {
    return h('p', { class: 'fc-state fc-state-seen', data: { state }, text: t('cards.state.seen', { name: card.ackByName || '', time: formatWhen(card.ackAt) }) });
  }
  return h('p', { class: 'fc-state fc-state-sent', data: { state }, text: t('cards.state.sent') });
}

export function replyText(reply) {
  return replyParts(reply).join(' — ');
}

function myCardItem(card, state, entry) {
  const id = card ? card.card : entry.card;
  const kind = kindOf(id) || { id, group: 'okay' };
  const when = card ? (card.sentAt || card.receivedAt) : entry.sentAt;
  const note = card ? card.note : entry.note;
  const li = h('li', { class: ['fc-item', `fc-item-${state}`], data: { id: card ? card.id : entry.id, state } },
    h('div', { class: ['fc-item-pic', `fc-g-${kind.group}`] }, picture(kind.id, 44)),
    h('div', { class: 'fc-item-main' },
      h('p', { class: 'fc-item-title', text: cardLabel(kind.id) }),
      h('p', { class: 'meta', text: formatWhen(when) }),
      stateLine(state, card),
      note ? h('p', { class: 'fc-item-note' }, h('span', { class: 'fc-item-note-label', text: t('cards.your_note') }), ' ', h('span', { class: 'their-words', dir: 'auto', text: note })) : null,
      card && card.reply ? h('div', { class: 'fc-reply' },
        h('p', { class: 'fc-reply-from', text: t('cards.reply_from', { name: card.ackByName || '' }) }),
        h('p', { class: 'fc-reply-text', dir: 'auto', text: replyText(card.reply) })) : null,
      card && state === 'sent' ? autoReplyBox(card.autoReply) : null,
      card ? h('a', { class: ['fc-item-open', hasNews(card) && 'fc-item-open-new'], href: `#/cards/card/${encodeURIComponent(card.id)}`,
        text: t(hasNews(card) ? 'cards.thread.open_new' : 'cards.thread.open', { count: (card.messages || []).length }) }) : null));
  if (state === 'failed') {
    li.querySelector('.fc-item-main').append(
      h('p', { class: 'meta', text: t('cards.failed_help') }),
      button(t('cards.remove'), { class: 'fc-remove', on: { click: async () => { await queueDelete(entry.id); changed(); } } }, 'quiet'));
  }
  return li;
}

/** The last four weeks as bars, one per week, coloured by kind of feeling. */
function historyPicture(history) {
  const days = (history && history.days) || [];
  const weeks = [];
  for (let i = 0; i < days.length; i += 7) {
    const week = { from: days[i].day, groups: Object.fromEntries(GROUPS.map((g) => [g, 0])), total: 0 };
    for (const d of days.slice(i, i + 7)) {
      for (const [cardId, n] of Object.entries(d.counts || {})) {
        const kind = kindOf(cardId);
        if (!kind) continue;
        week.groups[kind.group] += n;
        week.total += n;
      }
    }
    weeks.push(week);
  }
  const total = weeks.reduce((s, w) => s + w.total, 0);
  const dateLabel = (day) => formatDateTime(new Date(`${day}T12:00:00Z`), { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const SVGNS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const W = 280;
  const H = 150;
  const base = 120;
  const top = 26;
  const slot = W / Math.max(1, weeks.length);
  const barW = Math.min(44, slot * 0.6);
  // At least 5 high, so one card does not look like a lot.
  const max = Math.max(5, ...weeks.map((w) => w.total));
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'fc-chart', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(el('line', { x1: 0, x2: W, y1: base + 0.5, y2: base + 0.5, class: 'fc-axis' }));
  const rtl = direction() === 'rtl';
  weeks.forEach((w, i) => {
    const slotIndex = rtl ? weeks.length - 1 - i : i;
    const x = slotIndex * slot + (slot - barW) / 2;
    let y = base;
    for (const g of GROUPS) {
      const n = w.groups[g];
      if (!n) continue;
      const hgt = ((base - top) * n) / max;
      y -= hgt;
      svg.append(el('rect', { x, y, width: barW, height: Math.max(2, hgt - 1), rx: 4, class: `fc-bar fc-bar-${g}` }));
    }
    const label = el('text', { x: slotIndex * slot + slot / 2, y: H - 10, 'text-anchor': 'middle', class: 'fc-chart-label' });
    label.textContent = dateLabel(w.from);
    svg.append(label);
    if (w.total) {
      const count = el('text', { x: slotIndex * slot + slot / 2, y: y - 4, 'text-anchor': 'middle', class: 'fc-chart-count' });
      count.textContent = new Intl.NumberFormat(locale()).format(w.total);
      svg.append(count);
    }
  });
  const weekText = weeks.map((w) => {
    const parts = GROUPS.filter((g) => w.groups[g]).map((g) => t('cards.history.group_count', { count: w.groups[g], group: t(`cards.group.${g}`) }));
    const sep = currentLang() === 'ar' ? '، ' : ', ';
    return parts.length ? t('cards.history.week_text', { date: dateLabel(w.from), list: parts.join(sep) })
      : t('cards.history.week_none', { date: dateLabel(w.from) });
  });
  const summaryId = 'fc-history-summary';
  return h('figure', { class: 'fc-history', 'aria-labelledby': 'fc-history-title' },
    h('h2', { id: 'fc-history-title', text: t('cards.history.title') }),
    svg,
    h('ul', { class: 'fc-legend', 'aria-hidden': 'true' }, GROUPS.map((g) => h('li', {}, h('span', { class: `fc-swatch fc-bar-${g}` }), t(`cards.legend.${g}`)))),
    h('figcaption', { id: summaryId },
      h('p', { class: 'meta', text: t('cards.history.summary', { count: total }) }),
      h('ul', { class: 'sr-only' }, weekText.map((s) => h('li', { text: s })))));
}

function mineScreen() {
  const stop = ypOnly();
  if (stop) return stop;
  const listBox = h('div', { class: 'fc-mine-list' }, loading());
  const historyBox = h('div', { class: 'fc-history-box' });
  const note = message('info');
  let timer = null;

  async function load() {
    const waiting = await queued().catch(() => []);
    let cards = null;
    let history = null;
    const user = getUser();
    try {
      [cards, history] = await Promise.all([api('GET', '/api/me/cards'), api('GET', '/api/cards/history?days=28')]);
      showMessage(note, 'info', '');
      keepCards(user.id, cards.items || []);
    } catch (err) {
      // Offline or busy, the cards waiting on the phone still show, and those
      // Heard last gave, with their replies.
      if (err.code !== 'offline' && !notNow(err)) {
        clear(listBox).append(loadFailed(err, load));
        return;
      }
      cards = await keptCards(user.id);
      showMessage(note, 'info', notNow(err) ? t('cards.mine.busy') : t('cards.mine.offline'));
    }
    const items = [];
    for (const e of waiting.slice().reverse()) items.push(myCardItem(null, e.status === 'failed' ? 'failed' : 'waiting', e));
    const waitingIds = new Set(waiting.map((e) => e.id));
    for (const c of (cards && cards.items) || []) {
      if (!waitingIds.has(c.id)) items.push(myCardItem(c, c.state === 'seen' ? 'seen' : 'sent', null));
    }
    clear(listBox).append(items.length ? h('ul', { id: 'fc-mine-items', class: 'fc-items' }, items) : h('p', { class: 'empty', text: t('cards.mine.empty') }));
    if (history) clear(historyBox).append(historyPicture(history));
  }

  const root = screen({ title: t('cards.mine.title'), name: 'my-cards', back: '/cards', className: 'screen-yp' },
    h('h1', { text: t('cards.mine.title') }),
    note,
    listBox,
    historyBox,
    actionsArea(h('a', { class: 'btn btn-primary', href: '#/cards', text: t('cards.send_another') })));

  const refresh = () => {
    if (!document.body.contains(root)) {
      listeners.delete(refresh);
      clearInterval(timer);
      return;
    }
    load();
  };
  listeners.add(refresh);
  timer = setInterval(refresh, REFRESH_MS);
  flushQueue().then(load);
  return root;
}

/** The young person's home tile. */
function homeTile() {
  afterPaint(() => {
    flushQueue();
    refreshContacts();
  });
  return h('a', { class: 'home-tile fc-tile', href: '#/cards', id: 'fc-tile' },
    h('span', { class: 'home-tile-pics', 'aria-hidden': 'true' }, picture('happy', 40), picture('worried', 40), picture('want_to_talk', 40)),
    h('span', { class: 'home-tile-title', text: t('cards.tile') }),
    h('span', { class: 'home-tile-sub', text: t('cards.tile_help') }));
}

/* -------------------------------------- young person: one card, talking -- */

/** #/cards/card/:id: a card, who saw it, the conversation and an answer box. */
async function cardScreen({ id }) {
  const stop = ypOnly();
  if (stop) return stop;
  let card;
  let failure = null;
  try {
    card = await api('GET', `/api/cards/${encodeURIComponent(id)}`);
  } catch (err) {
    // Offline: the card as Heard last gave it, if the phone kept it.
    const kept = err.code === 'offline' ? await keptCards(getUser().id) : null;
    card = kept && kept.items.find((c) => c.id === id);
    failure = err;
  }
  if (!card) {
    const err = failure;
    return screen({ title: t('app.problem'), name: 'card-thread', back: '/cards/mine', className: 'screen-yp' },
      h('h1', { text: t('app.problem') }),
      err.status === 403 || err.status === 404 || err.status === 400 ? h('p', { text: t('cards.detail.not_found') }) : loadFailed(err, () => navigate(`/cards/card/${encodeURIComponent(id)}`, { replace: true })));
  }
  const kind = kindOf(card.card) || { id: card.card, group: 'okay' };
  markLooked(card);
  return screen({ title: cardLabel(kind.id), name: 'card-thread', back: '/cards/mine', className: 'screen-yp' },
    h('div', { class: ['fc-chosen', 'fc-chosen-small', `fc-g-${kind.group}`] }, picture(kind.id, 56),
      h('div', {},
        h('h1', { class: 'fc-chosen-label', id: 'fc-thread-title', text: cardLabel(kind.id) }),
        h('p', { class: 'meta', text: t('cards.thread.sent', { time: formatWhen(card.sentAt || card.receivedAt) }) }))),
    stateLine(card.state === 'seen' ? 'seen' : 'sent', card),
    card.note ? h('p', { class: 'fc-item-note' }, h('span', { class: 'fc-item-note-label', text: t('cards.your_note') }), ' ', h('span', { class: 'their-words', dir: 'auto', text: card.note })) : null,
    conversation(h('div', { class: 'fc-conversation' }), card, { young: true }));
}

/** On the young person's home: what is new on their cards, until they have looked. */
// News as the phone last kept it, at once; then as Heard has it now.
async function homeNews() {
  const box = h('section', { class: 'fc-news', id: 'fc-news', 'aria-labelledby': 'fc-news-title', hidden: true });
  const user = getUser();
  const show = (items) => {
    const news = items.filter(hasNews).slice(0, 3);
    box.hidden = !news.length;
    if (!news.length) {
      clear(box);
      return;
    }
    clear(box).append(
      h('h2', { id: 'fc-news-title', text: t('cards.news.title') }),
      h('ul', { class: 'fc-news-list' }, news.map((c) => {
        const kind = kindOf(c.card) || { id: c.card, group: 'okay' };
        const staff = (c.messages || []).filter((m) => m.fromRole !== 'young_person');
        const last = staff[staff.length - 1];
        const name = last ? last.byName : c.ackByName;
        const lines = last ? replyParts(last) : replyParts(c.reply);
        const at = last ? last.at : c.ackAt;
        return h('li', {},
          h('a', { class: 'fc-news-item', href: `#/cards/card/${encodeURIComponent(c.id)}`, data: { id: c.id } },
            h('span', { class: ['fc-item-pic', `fc-g-${kind.group}`] }, picture(kind.id, 40)),
            h('span', { class: 'fc-news-main' },
              h('span', { class: 'fc-news-what', text: t(lines.length ? 'cards.news.replied' : 'cards.news.seen', { name: name || '', card: cardLabel(kind.id) }) }),
              lines.length ? h('span', { class: 'fc-news-words', dir: 'auto', text: lines.join(' — ') }) : null,
              h('span', { class: 'meta', text: formatWhen(at) }))));
      })));
  };
  const kept = await keptCards(user.id);
  if (kept) show(kept.items);
  afterPaint(() => api('GET', '/api/me/cards').then((data) => {
    const items = (data && data.items) || [];
    keepCards(user.id, items);
    if (getUser() && getUser().id === user.id) show(items);
  }).catch(() => {}));
  return box;
}

/* ------------------------------------------------------------------ mount -- */

let mounted = false;

/** Register the cards routes and home sections; call once from the app shell. */
export function mountCards() {
  if (mounted) return;
  mounted = true;
  route('/cards', gridScreen, 'auth');
  route('/cards/send/:card', sheetScreen, 'auth');
  route('/cards/sent/:id', sentScreen, 'auth');
  route('/cards/help', helpScreen, 'auth');
  route('/cards/help/:id', helpScreen, 'auth');
  route('/cards/mine', mineScreen, 'auth');
  route('/cards/card/:id', cardScreen, 'auth');
  addHomeSection('young_person', homeNews);
  addHomeSection('young_person', homeTile);
  window.addEventListener('online', () => flushQueue());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') flushQueue();
  });
}
