// The staff side of feeling cards: the inbox (a home section and #/inbox) and
// a card (#/inbox/:id) with what an adult needs to act on it (cardalerts.js),
// one-tap acknowledgement with a quick reply, their own words or both, and
// the conversation after it (cardmessages.js). A young person's phone never
// loads this file.

import { h, clear } from './dom.js';
import { t, formatWhen, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, fieldText, loadFailed, loading } from './ui.js';
import { api, getUser } from './api.js';
import { route, navigate, currentPath } from './router.js';
import { addHomeSection } from './home.js';
import { kindOf, cardLabel, picture, QUICK_REPLIES } from './cardkinds.js';
import { conversation } from './cardmessages.js';
import { alertPanel, autoReplyNote } from './cardalerts.js';

const REFRESH_MS = 15000;

function urgencyBadge(urgency) {
  if (urgency !== 'urgent' && urgency !== 'concerning') return null;
  return h('span', { class: ['fc-badge', `fc-badge-${urgency}`], text: t(`cards.urgency.${urgency}`) });
}

/** The young person wrote last: an adult should look again. */
function answeredBack(card) {
  const m = card.messages || [];
  return m.length > 0 && m[m.length - 1].fromRole === 'young_person';
}

function inboxItem(card) {
  const kind = kindOf(card.card) || { id: card.card, group: 'okay' };
  const name = (card.youngPerson && card.youngPerson.name) || '';
  const seen = card.state === 'seen';
  const answer = answeredBack(card);
  return h('li', { class: ['fc-inbox-item', seen && !answer ? 'fc-seen' : 'fc-new', `fc-u-${card.urgency}`], data: answer ? { id: card.id, state: card.state, answered: 'yes' } : { id: card.id, state: card.state } },
    // Named by what it shows (name, card, time), so the name holds the visible words.
    h('a', { class: 'fc-inbox-link', href: `#/inbox/${encodeURIComponent(card.id)}` },
      h('span', { class: ['fc-item-pic', `fc-g-${kind.group}`] }, picture(kind.id, 40)),
      h('span', { class: 'fc-inbox-main' },
        h('span', { class: 'fc-inbox-title' }, h('span', { class: 'fc-inbox-name', text: name }), urgencyBadge(card.urgency),
          answer ? h('span', { class: 'fc-badge fc-badge-answer', text: t('cards.inbox.answered', { name }) }) : null),
        h('span', { class: 'fc-inbox-card', text: cardLabel(kind.id) }),
        h('span', { class: 'meta', text: seen ? t('cards.ack.done', { name: card.ackByName || '', time: formatWhen(card.ackAt) }) : formatWhen(card.receivedAt) }))));
}

function inboxBody(role) {
  const box = h('div', { class: 'fc-inbox-body' }, loading());
  const summary = h('p', { class: 'fc-inbox-summary', id: 'fc-inbox-summary', 'aria-live': 'polite' });
  // The inbox comes a page at a time, what needs looking at first; "Show
  // more" adds a page, and refreshing keeps the pages shown.
  let pages = 1;
  async function load() {
    let data;
    const items = [];
    try {
      for (let page = 0; page < pages; page++) {
        data = await api('GET', `/api/cards/inbox?page=${page}`);
        items.push(...(data.items || []));
        if (!data.more) break;
      }
    } catch (err) {
      clear(box).append(loadFailed(err, load));
      return;
    }
    const parts = [t('cards.inbox.new', { count: data.unacknowledged || 0 })];
    if (data.urgentUnacknowledged) parts.push(t('cards.inbox.urgent_count', { count: data.urgentUnacknowledged }));
    summary.textContent = parts.join(' · ');
    summary.classList.toggle('fc-has-urgent', Boolean(data.urgentUnacknowledged));
    if (!items.length) {
      clear(box).append(h('p', { class: 'empty', text: t(role === 'key_worker' ? 'cards.inbox.empty' : 'cards.inbox.empty_escalated') }));
      return;
    }
    clear(box).append(h('ul', { id: 'fc-inbox', class: 'fc-inbox' }, items.map(inboxItem)),
      ...(data.more ? [button(t('cards.inbox.more'), { class: 'fc-inbox-more', on: { click: () => { pages++; load(); } } }, 'secondary')] : []));
  }
  return { summary, box, load };
}

function inboxPanel(user) {
  const { summary, box, load } = inboxBody(user.role);
  const section = h('section', { class: 'panel fc-inbox-panel', 'aria-labelledby': 'fc-inbox-title' },
    h('h2', { id: 'fc-inbox-title', text: t(user.role === 'key_worker' ? 'cards.inbox.title' : 'cards.inbox.escalated_title') }),
    summary, box);
  load();
  keepFresh(section, load);
  return section;
}

/** Reload while the node is on screen: every little while and when the app comes back into view. */
function keepFresh(node, load) {
  const tick = () => {
    if (!document.body.contains(node)) {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      return;
    }
    if (document.visibilityState === 'visible') load();
  };
  const onVisible = () => tick();
  const timer = setInterval(tick, REFRESH_MS);
  document.addEventListener('visibilitychange', onVisible);
}

function inboxScreen() {
  const user = getUser();
  const { summary, box, load } = inboxBody(user.role);
  const title = t(user.role === 'key_worker' ? 'cards.inbox.title' : 'cards.inbox.escalated_title');
  const root = screen({ title, name: 'inbox', back: '/home', className: 'screen-staff' },
    h('h1', { text: title }), summary, box);
  load();
  keepFresh(root, load);
  return root;
}

function detailRow(labelKey, value, className) {
  if (!value) return null;
  return [h('dt', { text: t(labelKey) }), h('dd', { class: className, dir: 'auto', text: value })];
}

/**
 * The quick replies as radios, with "no quick reply" first and a time field
 * for the ones that name a time. prefix keeps ids apart when two show.
 */
function quickChoices(prefix, timeId = `${prefix}-time`) {
  const options = h('div', { class: 'fc-options fc-quick' });
  const timeInput = h('input', { type: 'time', id: timeId, class: 'fc-time', value: '' });
  const timeWrap = h('div', { class: 'field fc-time-field', hidden: true }, h('label', { for: timeId, text: t('cards.ack.time') }), timeInput);
  for (const q of [{ id: '' }, ...QUICK_REPLIES]) {
    const id = `${prefix}-${q.id || 'none'}`;
    const input = h('input', { type: 'radio', name: prefix, id, value: q.id, class: 'fc-radio', checked: q.id === '' });
    const text = q.id ? t(`cards.quick.${q.id}`, { time: '…' }).replace(/…\.$/, '…') : t('cards.ack.none');
    options.append(h('div', { class: 'fc-option' }, input, h('label', { for: id, text })));
  }
  const value = () => (options.querySelector('input:checked') || {}).value || '';
  options.addEventListener('change', () => {
    const q = QUICK_REPLIES.find((x) => x.id === value());
    timeWrap.hidden = !(q && q.needsTime);
  });
  const el = h('div', { class: 'fc-quick-wrap' },
    h('fieldset', { class: 'fc-choices' }, h('legend', { text: t('cards.ack.quick') }), options), timeWrap);
  return { el, options, value, time: () => timeInput.value, timeInput };
}

function ackForm(card, onDone) {
  const msg = message('error');
  const quick = quickChoices('fc-quick', 'fc-ack-time');
  const words = h('textarea', { id: 'fc-ack-words', dir: 'auto', rows: '3', maxlength: '500', class: 'fc-note', 'aria-describedby': 'fc-ack-words-help' });
  const submit = button(t('cards.ack.seen'), { id: 'fc-ack', class: 'btn-big' });
  // A quick reply and own words are both sent: choosing one never clears the other.
  const update = () => {
    submit.textContent = quick.value() || words.value.trim() ? t('cards.ack.send') : t('cards.ack.seen');
  };
  quick.options.addEventListener('change', update);
  words.addEventListener('input', update);
  submit.addEventListener('click', async () => {
    const payload = {};
    const q = quick.value();
    if (q) payload.quickReply = q;
    if (q === 'talk_at') payload.at = quick.time();
    const own = words.value.trim();
    if (own) payload.reply = own;
    if (q === 'talk_at' && !quick.time()) {
      showMessage(msg, 'error', fieldText('time_format'));
      quick.timeInput.focus();
      return;
    }
    const done = busy(submit, t('cards.ack.sending'));
    try {
      const updated = await api('POST', `/api/cards/${encodeURIComponent(card.id)}/ack`, payload);
      onDone(updated);
    } catch (err) {
      done();
      const fields = err.fields || {};
      const first = Object.values(fields)[0];
      showMessage(msg, 'error', first ? fieldText(first) : errorText(err));
      if (err.code === 'already_acknowledged') setTimeout(() => navigate(currentPath(), { replace: true }), 1500);
    }
  });
  return h('section', { class: 'panel fc-ack', 'aria-labelledby': 'fc-ack-title' },
    h('h2', { id: 'fc-ack-title', text: t('cards.ack.title') }),
    quick.el,
    h('div', { class: 'field' },
      h('label', { for: 'fc-ack-words', text: t('cards.ack.own_words') }),
      h('p', { class: 'field-help', id: 'fc-ack-words-help', text: t('cards.ack.own_words_help') }),
      words),
    msg,
    h('div', { class: 'fc-send-bar' }, submit));
}

/** An acknowledged card: who saw it, the conversation, and writing again. */
function ackedBox(card) {
  const name = (card.youngPerson && card.youngPerson.name) || '';
  return h('div', { class: 'fc-acked', id: 'fc-acked' },
    h('p', { class: 'fc-state fc-state-seen', role: 'status', text: t('cards.ack.done', { name: card.ackByName || '', time: formatWhen(card.ackAt) }) }),
    conversation(h('div', { class: 'fc-conversation' }), card, { young: false, name, quickChoices }));
}

async function detailScreen({ id }) {
  let card;
  try {
    card = await api('GET', `/api/cards/${encodeURIComponent(id)}`);
  } catch (err) {
    return screen({ title: t('app.problem'), name: 'card-detail', back: '/inbox' },
      h('h1', { text: t('app.problem') }),
      err.status === 403 || err.status === 404 || err.status === 400
        ? h('p', { text: t('cards.detail.not_found') }) : loadFailed(err, () => navigate(`/inbox/${encodeURIComponent(id)}`, { replace: true })));
  }
  const kind = kindOf(card.card) || { id: card.card, group: 'okay' };
  const name = (card.youngPerson && card.youngPerson.name) || '';
  const ackArea = h('div', { class: 'fc-ack-area' });
  const showAcked = (c) => clear(ackArea).append(ackedBox(c));
  if (card.state === 'seen') showAcked(card);
  else ackArea.append(ackForm(card, showAcked));
  const made = card.sentAt && Math.abs(new Date(card.receivedAt) - new Date(card.sentAt)) > 60000 ? formatDateTime(card.sentAt) : '';
  const me = (getUser() || {}).id;
  return screen({ title: t('cards.detail.title', { name }), name: 'card-detail', back: '/inbox', className: 'screen-staff' },
    h('h1', { text: t('cards.detail.title', { name }) }),
    h('div', { class: ['fc-chosen', 'fc-chosen-staff', `fc-g-${kind.group}`] },
      picture(kind.id, 72),
      h('div', {},
        h('p', { class: 'fc-chosen-label', text: cardLabel(kind.id) }),
        urgencyBadge(card.urgency))),
    h('dl', { class: 'fc-facts' },
      detailRow('cards.detail.amount', card.amount ? t(`cards.amount.${card.amount}`) : ''),
      detailRow('cards.detail.help', card.help ? t(`cards.help.${card.help}`) : ''),
      detailRow('cards.detail.note', card.note || '', 'their-words'),
      detailRow('cards.detail.made', made),
      detailRow('cards.detail.arrived', formatDateTime(card.receivedAt))),
    autoReplyNote(card, me),
    alertPanel(card, me),
    ackArea);
}

/* ------------------------------------------------------------------ mount -- */

let mounted = false;

/** Register the inbox routes and home panels; call once (features.js). */
export function mountInbox() {
  if (mounted) return;
  mounted = true;
  route('/inbox', inboxScreen, 'staff');
  route('/inbox/:id', detailScreen, 'staff');
  for (const role of ['key_worker', 'duty_worker', 'team_manager']) addHomeSection(role, inboxPanel);
}
