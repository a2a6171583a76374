// Help numbers: the area's crisis contacts, never behind the PIN or the signal.
//
// The numbers are the area's, not the young person's, so the phone keeps the
// last copy it was given (with when) for offline use. Whenever the phone is
// online the copy is asked for again, from the API (never from a cache), so an
// administrator's change reaches the phone the next time it is online. A
// locked phone asks by its device id (no PIN needed); a signed-in one with its
// session. #/help shows them to anyone, from the lock screen too.

import { h, clear, icon } from './dom.js';
import { t, has, formatWhen } from './i18n.js';
import { screen, actionsArea } from './ui.js';
import { api, getUser } from './api.js';
import { device, KEYS, get, set } from './prefs.js';

function saved() {
  try {
    const v = JSON.parse(get(KEYS.crisis) || 'null');
    return v && Array.isArray(v.items) ? v : null;
  } catch {
    return null;
  }
}

/** The numbers this phone has kept, or null when it has none yet. */
export function cachedContacts() {
  const v = saved();
  return v ? v.items : null;
}

/**
 * Ask Heard for the area's numbers now and keep them. Resolves the fresh list,
 * null when Heard could not be reached (offline, busy): then the kept copy
 * stands; undefined on a phone that has not joined (no area to ask about).
 */
export async function refreshContacts() {
  const user = getUser();
  const d = device();
  let data;
  try {
    if (user) data = await api('GET', '/api/crisis-contacts');
    else if (d) data = await api('GET', `/api/devices/${encodeURIComponent(d.deviceId)}/crisis-contacts`, undefined, { auth: false });
    else return undefined;
  } catch {
    return null;
  }
  const items = Array.isArray(data && data.items) ? data.items : [];
  set(KEYS.crisis, JSON.stringify({ items, checkedAt: new Date().toISOString() }));
  return items;
}

function slug(s) {
  return String(s || '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** Heard's own labels and notes are translated; an area's own words show as
 * written. kind is 'label' or 'note'. */
export function words(kind, s) {
  const key = `cards.crisis.${kind}.${slug(s)}`;
  return has(key) ? t(key) : s;
}

function digits(number) {
  return String(number || '').replace(/[^0-9+]/g, '');
}

/** The numbers as links that call or text, each with its note. */
export function contactList(contacts) {
  // Not known yet (never online since joining): the line about 999 stands alone.
  if (!contacts) return null;
  if (!contacts.length) return h('p', { class: 'fc-empty', text: t('cards.crisis.none') });
  // Numbers keep their left-to-right order inside Arabic sentences.
  const iso = (s) => `\u2066${s}\u2069`;
  return h('ul', { class: 'fc-contacts', id: 'help-numbers' }, contacts.map((c) => {
    const text = c.kind === 'text';
    const href = text ? `sms:${digits(c.number)}${c.text ? `?&body=${encodeURIComponent(c.text)}` : ''}` : `tel:${digits(c.number)}`;
    const how = text ? t('cards.crisis.text', { text: iso(c.text || ''), number: iso(c.number) }) : t('cards.crisis.call', { number: iso(c.number) });
    return h('li', { data: { number: c.number } },
      h('a', { class: ['fc-contact', text ? 'fc-contact-text' : 'fc-contact-call'], href },
        h('span', { class: 'fc-contact-main' }, icon('phone'), h('span', { text: words('label', c.label) })),
        h('span', { class: 'fc-contact-sub', text: how }),
        c.note ? h('span', { class: 'fc-contact-note', text: words('note', c.note) }) : null));
  }));
}

/**
 * The numbers, shown at once from the phone's copy, then replaced by the
 * area's current ones; a line says when offline how old the copy is.
 */
export function liveContacts() {
  const list = h('div', { class: 'fc-contacts-wrap' }, contactList(cachedContacts()));
  const status = h('p', { class: 'meta help-status', id: 'help-status', 'aria-live': 'polite' });
  refreshContacts().then((items) => {
    if (items === undefined) return;
    if (items) {
      clear(list).append(contactList(items));
      status.textContent = '';
      return;
    }
    const v = saved();
    status.textContent = v && v.checkedAt ? t('cards.crisis.offline_saved', { time: formatWhen(v.checkedAt) }) : t('cards.crisis.offline_none');
  });
  return h('div', { class: 'help-live' }, list, status);
}

/** #/help: for anyone, locked or not, online or not. */
export function helpScreen() {
  const back = getUser() ? '/home' : (device() ? '/unlock' : '/');
  return screen({ title: t('cards.crisis.title'), name: 'help', back, className: 'screen-yp' },
    h('div', { class: 'fc-help' },
      h('h1', { id: 'fc-help-title', text: t('cards.crisis.title') }),
      h('p', { class: 'fc-danger', text: t('cards.crisis.danger') }),
      h('p', { text: t('cards.crisis.intro') }),
      liveContacts()),
    actionsArea(h('a', { class: 'btn btn-quiet', href: `#${back}`, id: 'help-back', text: t('app.back') })));
}
