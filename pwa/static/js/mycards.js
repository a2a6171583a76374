// A young person's own cards: the list with each card's state and replies, a
// picture of the last four weeks (#/cards/mine), one card with its
// conversation (#/cards/card/:id), and the automatic reply's words when the
// key worker is not working.

import { h, clear } from './dom.js';
import { t, current as currentLang, direction, formatWhen, formatDateTime, locale, dateFormat } from './i18n.js';
import { screen, button, message, showMessage, loadFailed, loading, actionsArea } from './ui.js';
import { api, getUser } from './api.js';
import { navigate } from './router.js';
import { notNow } from './outbox.js';
import { replyParts, replyLine, hasNews, markLooked, conversation } from './cardmessages.js';
import { keepCards, keptCards } from './offline.js';
import { GROUPS, kindOf, cardLabel, picture, ypOnly } from './cardkinds.js';
import { queueDelete, queued, listeners, changed, flushQueue } from './cardoutbox.js';

const REFRESH_MS = 15000;

/* ------------------------------------------------- the automatic reply -- */

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

export function autoReplyBox(auto) {
  const lines = autoReplyLines(auto);
  if (!lines.length) return null;
  return h('div', { class: 'fc-auto', role: 'note' }, lines.map((l) => h('p', { text: l })));
}

/* ------------------------------------------- young person: their cards -- */

export function stateLine(state, card) {
  if (state === 'waiting') return h('p', { class: 'fc-state fc-state-waiting', data: { state }, text: t('cards.state.waiting') });
  if (state === 'failed') return h('p', { class: 'fc-state fc-state-failed', data: { state }, text: t('cards.state.failed') });
  if (state === 'seen') {
    return h('p', { class: 'fc-state fc-state-seen', data: { state }, text: t('cards.state.seen', { name: card.ackByName || '', time: formatWhen(card.ackAt) }) });
  }
  return h('p', { class: 'fc-state fc-state-sent', data: { state }, text: t('cards.state.sent') });
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
        h('p', { class: 'fc-reply-text', dir: 'auto' }, replyLine(replyParts(card.reply)))) : null,
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

export function mineScreen() {
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

/* -------------------------------------- young person: one card, talking -- */

/** #/cards/card/:id: a card, who saw it, the conversation and an answer box. */
export async function cardScreen({ id }) {
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
