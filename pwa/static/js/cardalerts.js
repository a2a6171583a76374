// What an adult needs to act on a card at 2 a.m. (heard.CardAlert): the young
// person's key worker and where they live now, who has been told and when,
// whether anyone has acknowledged it, where it goes next, and the help numbers
// the young person was shown. Shown on a card opened from the inbox.

import { h } from './dom.js';
import { t, formatWhen } from './i18n.js';
import { label } from './ui.js';
import { words } from './help.js';

function person(p, me) {
  const name = p.name || t('cards.alert.someone');
  const role = p.role ? label('role', p.role) : '';
  const who = role ? t('cards.alert.person_role', { name, role }) : name;
  return p.id === me ? t('cards.alert.you', { who }) : who;
}

function item(at, text, cls) {
  return h('li', { class: ['fc-tl-item', cls] },
    h('span', { class: 'fc-tl-time', text: at ? formatWhen(at) : '' }),
    h('span', { class: 'fc-tl-text', text }));
}

/** The timeline, oldest first, ending with what happens next. */
function timeline(card, alert, me, name) {
  const items = [item(card.receivedAt, t('cards.alert.sent', { name }), 'fc-tl-sent')];
  for (const step of alert.told || []) {
    const people = (step.people || []).map((p) => person(p, me));
    const text = people.length
      ? t(`cards.alert.step.${step.step}`, { people: people.join(t('cards.alert.and')) })
      : t(`cards.alert.step_nobody.${step.step}`);
    items.push(item(step.at, text, people.length ? 'fc-tl-told' : 'fc-tl-warn'));
  }
  if (card.ackAt) {
    items.push(item(card.ackAt, t('cards.alert.acked', { name: card.ackByName || '' }), 'fc-tl-acked'));
  } else {
    items.push(item(null, t('cards.alert.not_acked'), 'fc-tl-waiting'));
    if (alert.nextStep && alert.nextAt) {
      items.push(item(alert.nextAt, t(`cards.alert.next.${alert.nextStep}`), 'fc-tl-next'));
    }
  }
  return h('ol', { class: 'fc-timeline', id: 'fc-timeline' }, items);
}

function shownNumbers(list, name, open) {
  if (!list || !list.length) return null;
  return h('details', { class: 'fc-shown', id: 'fc-shown', open },
    h('summary', { text: t('cards.alert.shown', { name }) }),
    h('ul', {}, list.map((c) => h('li', {},
      h('strong', { text: words('label', c.label) }), ' ',
      h('bdi', { dir: 'ltr', text: c.kind === 'text' && c.text ? `${c.text} → ${c.number}` : c.number }),
      c.note ? h('span', { class: 'meta', text: ` — ${words('note', c.note)}` }) : null))));
}

/** The alert panel for a card, or null for a card with nothing to act on. */
export function alertPanel(card, me) {
  const alert = card.alert;
  if (!alert) return null;
  const name = (card.youngPerson && card.youngPerson.name) || '';
  const kw = alert.keyWorker;
  return h('section', { class: 'panel fc-alert', 'aria-labelledby': 'fc-alert-title' },
    h('h2', { id: 'fc-alert-title', text: t('cards.alert.title') }),
    h('dl', { class: 'fc-facts' },
      h('dt', { text: t('cards.alert.key_worker') }),
      h('dd', { id: 'fc-alert-kw', text: kw ? (kw.id === me ? t('cards.alert.you', { who: kw.name }) : kw.name) : t('cards.alert.no_key_worker') }),
      h('dt', { text: t('cards.alert.lives_at') }),
      h('dd', { id: 'fc-alert-lives', text: alert.livesAt || t('cards.alert.lives_unknown') })),
    timeline(card, alert, me, name),
    // Open while nobody has acknowledged the card: the adult may need them now.
    shownNumbers(alert.crisisShown, name, !card.ackAt));
}

/** The automatic reply's line, in words that fit who is reading. */
export function autoReplyNote(card, me) {
  const auto = card.autoReply;
  if (!auto || auto.noWorker) return null;
  const kw = card.alert && card.alert.keyWorker;
  const text = !kw || kw.id === me ? t('cards.detail.auto_sent') : t('cards.detail.auto_sent_other', { name: kw.name });
  return h('p', { class: 'meta', id: 'fc-auto-note', text });
}
