// The conversation after a card (heard.CardMessage): what the adult said when
// they acknowledged it (a quick reply and their own words, both kept), then
// messages either way. Adults write again after acknowledging; the young
// person answers back in a few words. A message keeps the id it was given
// until Heard has it, so sending again after a timeout adds it once. The
// young person's home shows what is new until they have looked.

import { h, clear } from './dom.js';
import { t, has, formatWhen } from './i18n.js';
import { button, busy, message, showMessage, errorText, fieldText } from './ui.js';
import { api } from './api.js';
import { newId } from './outbox.js';

const ANSWER_MAX = 280;

/** A quick reply and own words, as lines (either may be missing). */
export function replyParts(r) {
  if (!r) return [];
  const parts = [];
  const time = r.clock || (r.fromRole ? '' : r.at) || ''; // a message's at is when it was sent
  const quick = r.quickReplyId && has(`cards.quick.${r.quickReplyId}`) ? t(`cards.quick.${r.quickReplyId}`, { time }) : '';
  if (quick) parts.push(quick);
  if (r.text) parts.push(r.text);
  return parts;
}

/** Reply parts on one line, each in its own direction: English words read
 * right in an Arabic app, and an Arabic quick reply in an English one. */
export function replyLine(parts) {
  return parts.map((p, i) => [i ? ' — ' : null, h('bdi', { text: p })]);
}

/** Whether a young person has something new on a card (as heard.CardNews). */
export function hasNews(card) {
  let last = card.ackAt ? Date.parse(card.ackAt) : null;
  for (const m of card.messages || []) {
    if (m.fromRole !== 'young_person' && (last === null || Date.parse(m.at) >= last)) last = Date.parse(m.at);
  }
  return last !== null && (!card.lookedAt || last >= Date.parse(card.lookedAt));
}

/** The young person has looked at what is new: home stops showing it. */
export function markLooked(card) {
  if (!hasNews(card)) return Promise.resolve();
  return api('POST', `/api/cards/${encodeURIComponent(card.id)}/looked`).catch(() => {});
}

function bubble({ mine, from, at, lines, cls }) {
  return h('li', { class: ['fc-msg', mine ? 'fc-msg-mine' : 'fc-msg-theirs', cls] },
    h('p', { class: 'fc-msg-from', text: at ? t('cards.thread.from_at', { name: from, time: formatWhen(at) }) : from }),
    // Each line takes its own direction: English words read right in an Arabic app.
    lines.map((l) => h('p', { class: 'fc-msg-text', dir: 'auto', text: l })));
}

/**
 * The conversation, oldest first. young: read by the young person (their own
 * words are "You"); otherwise by an adult, who sees the young person's name.
 */
export function thread(card, { young, name }) {
  const items = [];
  if (card.ackAt) {
    const lines = replyParts(card.reply);
    items.push(bubble({ mine: !young, from: card.ackByName || t('cards.alert.someone'), at: card.ackAt,
      lines: lines.length ? lines : [t('cards.thread.seen_only')], cls: 'fc-msg-ack' }));
  }
  for (const m of card.messages || []) {
    const fromYoung = m.fromRole === 'young_person';
    const from = fromYoung ? (young ? t('cards.thread.you') : name || '') : (m.byName || t('cards.alert.someone'));
    items.push(bubble({ mine: young === fromYoung, from, at: m.at, lines: replyParts(m) }));
  }
  if (!items.length) return null;
  return h('ol', { class: 'fc-thread', id: 'fc-thread', 'aria-label': t('cards.thread.heading') }, items);
}

/** Send a message, with one id however many times it is tried. */
function sender(card) {
  let id = newId();
  return async (body) => {
    const v = await api('POST', `/api/cards/${encodeURIComponent(card.id)}/messages`, { id, ...body }, { key: id });
    id = newId();
    return v;
  };
}

function failed(msg, err) {
  const first = Object.values((err && err.fields) || {})[0];
  showMessage(msg, 'error', err && err.code === 'offline' ? t('cards.thread.offline') : first ? fieldText(first) : errorText(err));
}

/** The young person's answer box: a few words of their own. */
export function answerForm(card, onSent) {
  const send = sender(card);
  const msg = message('error');
  const input = h('textarea', { id: 'fc-answer', rows: '2', maxlength: String(ANSWER_MAX), class: 'fc-note', 'aria-describedby': 'fc-answer-help' });
  const submit = button(t('cards.thread.send'), { id: 'fc-answer-send' });
  submit.addEventListener('click', async () => {
    const text = input.value.trim();
    if (!text) {
      showMessage(msg, 'error', fieldText('required'));
      input.focus();
      return;
    }
    const done = busy(submit, t('cards.thread.sending'));
    showMessage(msg, 'error', '');
    try {
      const v = await send({ text });
      input.value = '';
      done();
      onSent(v);
    } catch (err) {
      done();
      failed(msg, err);
    }
  });
  return h('section', { class: 'fc-answer-box', 'aria-labelledby': 'fc-answer-label' },
    h('label', { for: 'fc-answer', id: 'fc-answer-label', class: 'fc-answer-label', text: t('cards.thread.answer') }),
    h('p', { class: 'field-help', id: 'fc-answer-help', text: t('cards.thread.answer_help') }),
    input, msg, h('div', { class: 'fc-send-bar' }, submit));
}

/**
 * An adult's reply after acknowledging: a quick reply, own words, or both.
 * quickChoices(name) builds the quick-reply radios (from cardkinds.js).
 */
export function writeAgainForm(card, quickChoices, onSent) {
  const send = sender(card);
  const msg = message('error');
  const quick = quickChoices('fc-again-quick');
  const words = h('textarea', { id: 'fc-again-words', rows: '3', maxlength: '500', class: 'fc-note' });
  const submit = button(t('cards.thread.send'), { id: 'fc-again-send' });
  submit.addEventListener('click', async () => {
    const body = {};
    if (quick.value()) body.quickReply = quick.value();
    if (quick.value() === 'talk_at') body.at = quick.time();
    if (words.value.trim()) body.text = words.value.trim();
    if (!body.quickReply && !body.text) {
      showMessage(msg, 'error', fieldText('required'));
      words.focus();
      return;
    }
    const done = busy(submit, t('cards.thread.sending'));
    showMessage(msg, 'error', '');
    try {
      const v = await send(body);
      done();
      onSent(v);
    } catch (err) {
      done();
      failed(msg, err);
    }
  });
  return h('section', { class: 'panel fc-again', 'aria-labelledby': 'fc-again-title' },
    h('h2', { id: 'fc-again-title', text: t('cards.thread.write_again') }),
    quick.el,
    h('div', { class: 'field' }, h('label', { for: 'fc-again-words', text: t('cards.ack.own_words') }), words),
    msg,
    h('div', { class: 'fc-send-bar' }, submit));
}

/** Replace a node's content with the conversation and its form, as the card now is. */
export function conversation(box, card, opts) {
  const render = (c) => {
    clear(box).append(
      thread(c, opts) || h('p', { class: 'meta', id: 'fc-thread-empty', text: t(opts.young ? 'cards.thread.waiting' : 'cards.thread.none') }),
      opts.young ? (c.ackAt ? answerForm(c, render) : null) : (c.ackAt ? writeAgainForm(c, opts.quickChoices, render) : null));
  };
  render(card);
  return box;
}
