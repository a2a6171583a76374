// The feeling cards themselves, shared by every card screen and the staff
// inbox: the catalogue, each card's words and picture, and the guard that keeps
// a young person's card screens for young people.

import { h } from './dom.js';
import { t, has } from './i18n.js';
import { isYoungPerson } from './api.js';
import { navigate } from './router.js';

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
export const GROUPS = ['good', 'okay', 'hard', 'ask', 'urgent'];

export const kindOf = (id) => CATALOGUE.find((k) => k.id === id) || null;
export const cardLabel = (id) => (has(`cards.card.${id}`) ? t(`cards.card.${id}`) : id);

// Each card's picture by id, at its content-hashed address (filled in by the
// server, pwa/build.go).
const PICTURES = /* assets: cards/*.svg */ {};

export function picture(id, size) {
  const src = PICTURES[id] || `/cards/${encodeURIComponent(id)}.svg`;
  return h('img', { class: 'fc-pic', src, alt: '', width: size, height: size, draggable: 'false' });
}

/** A card screen is a young person's: anyone else goes home. */
export function ypOnly() {
  if (isYoungPerson()) return null;
  navigate('/home', { replace: true });
  return h('div');
}
