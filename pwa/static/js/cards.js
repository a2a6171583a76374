// Feeling cards.
//
// Young people: a grid of cards (#/cards), a sheet to add how much, what would
// help and a note (#/cards/send/:card), then "sent" (#/cards/sent/:id) or, for
// an urgent card, the help numbers (#/cards/help/:id). Their own cards and one
// card's conversation are in mycards.js; the catalogue and pictures in
// cardkinds.js.
//
// A card is written to this phone's IndexedDB before it is sent, with an id
// made here, and removed only once Heard has answered; sending the same id
// again is harmless (the server keeps the first), so a card goes out exactly
// once however often the connection drops (cardoutbox.js). The queue is sent on
// start, when the phone comes back online, and every little while while cards
// wait; when Heard is busy (503) or asks the phone to slow down (429), cards
// keep waiting and go again when its Retry-After says (see outbox.js).
//
// Staff see cards in their inbox (inbox.js).

import { h, clear, icon, afterPaint } from './dom.js';
import { t, current as currentLang, formatWhen } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, actionsArea } from './ui.js';
import { api, getUser } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import * as speech from './speech.js';
import { cachedContacts, refreshContacts, contactList, liveContacts } from './help.js';
import { replyParts, replyLine, hasNews } from './cardmessages.js';
import { keepCards, keptCards } from './offline.js';
import { CATALOGUE, AMOUNTS, HELPS, kindOf, cardLabel, picture, ypOnly } from './cardkinds.js';
import { queueDelete, queueGet, results, flushQueue, sendCard } from './cardoutbox.js';
import { autoReplyBox, mineScreen, cardScreen } from './mycards.js';

const NOTE_MAX = 280;

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
              lines.length ? h('span', { class: 'fc-news-words', dir: 'auto' }, replyLine(lines)) : null,
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
