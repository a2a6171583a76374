// The home screen for each role. Later features add their tiles and panels
// to the empty feature sections (#yp-features, #duty-features, ...).

import { h } from './dom.js';
import { t } from './i18n.js';
import { screen, label } from './ui.js';
import { getUser } from './api.js';

/** The section each role's later features fill. */
export const FEATURE_SECTIONS = Object.freeze({
  young_person: 'yp-features',
  key_worker: 'keyworker-features',
  duty_worker: 'duty-features',
  team_manager: 'manager-features',
  placement_staff: 'placement-features',
  commissioner: 'commissioner-features',
  administrator: 'admin-features',
});

// Features register here to add to a role's home: addHomeSection(role, fn),
// where fn(user) returns a node (or nothing) to put in the role's section, or
// a promise of one: home is shown once all are ready, so a section filled from
// what the phone keeps is there at the first paint instead of pushing the
// others down after it (what comes from Heard is asked for after the paint).
const extras = new Map();
export function addHomeSection(role, fn) {
  if (!extras.has(role)) extras.set(role, []);
  extras.get(role).push(fn);
}

// Features add buttons to each young person on a staff member's list:
// fn(yp, user, reload) returns a node or nothing; reload(text) shows the list
// again with a note. (Kept here, so features need not load the list's code.)
export const itemActions = [];
export function addItemAction(fn) {
  itemActions.push(fn);
}

async function featureSection(user) {
  const id = FEATURE_SECTIONS[user.role];
  const section = h('section', { id, class: 'features', 'aria-label': t('home.features') });
  const nodes = await Promise.all((extras.get(user.role) || []).map((fn) => Promise.resolve(fn(user)).catch(() => null)));
  for (const node of nodes) {
    if (node) section.append(node);
  }
  return section;
}

function firstWord(name) {
  return String(name || '').trim().split(/\s+/)[0] || '';
}

export function homeScreen() {
  const user = getUser();
  return user.role === 'young_person' ? youngHome(user) : staffHome(user);
}

async function youngHome(user) {
  const features = await featureSection(user);
  return screen({ title: t('home.title'), name: 'home', className: 'screen-yp' },
    h('div', { id: 'home', class: 'home home-yp', data: { role: user.role } },
      h('h1', { class: 'greeting', text: user.offline ? t('home.yp.greeting_plain') : t('home.yp.greeting', { firstName: user.firstName || firstWord(user.name) }) }),
      user.offline ? h('p', { class: 'msg msg-info', id: 'home-offline', role: 'status', text: t('home.yp.offline') }) : null,
      h('p', { class: 'lead', text: t('home.yp.intro') }),
      // Settings are one tap away (the bar at the top), not on home.
      features));
}

// Staff homes load the young people list and the administrator's links when
// they are shown: a young person's phone never needs them.
async function staffHome(user) {
  const role = user.role;
  const [{ youngPeopleSection }, { adminLinks }, features] = await Promise.all([import('./youngpeople.js'), import('./admin.js'), featureSection(user)]);
  const withList = role === 'key_worker' || role === 'team_manager' || role === 'administrator';
  const roleLine = user.areaName
    ? t('home.staff.role_area', { role: label('role', role), area: user.areaName })
    : label('role', role);
  return screen({ title: t('home.title'), name: 'home', className: 'screen-staff' },
    h('div', { id: 'home', class: 'home home-staff', data: { role } },
      h('div', { class: 'home-head' },
        h('h1', { class: 'greeting', text: t('home.staff.greeting', { name: firstWord(user.name) || user.name || '' }) }),
        h('p', { class: 'role-line', id: 'home-role', text: roleLine }),
        h('p', { class: 'lead', text: label('home.intro', role) })),
      features,
      role === 'administrator' ? adminLinks() : null,
      withList ? youngPeopleSection() : null));
}
