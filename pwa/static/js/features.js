// What each role's app is made of beyond the first screen: the features that
// add screens and home sections, with their words and styles. Loaded after
// sign-in (and at start for staff who stay signed in), so the welcome screen
// never carries them.

import { h } from './dom.js';
import { need } from './i18n.js';
import { addItemAction } from './home.js';
import { loadModule } from './router.js';

// In the order their home sections appear.
const FEATURES = [
  { name: 'staff', staff: true, words: ['admin'], load: () => loadModule('/js/staff.js'), mount: (m) => { addItemAction(m.keyWorkerAction); addItemAction(m.leftAction); } },
  { name: 'cards', words: ['cards'], css: '/css/cards.css', load: () => loadModule('/js/cards.js'), mount: (m) => m.mountCards() },
  { name: 'inbox', staff: true, words: ['cards'], css: '/css/cards.css', load: () => loadModule('/js/inbox.js'), mount: (m) => m.mountInbox() },
  { name: 'feedback', words: ['feedback'], css: '/css/feedback.css', load: () => loadModule('/js/feedback.js'), mount: (m) => m.mountFeedback() },
  { name: 'placements', staff: true, words: ['placements'], css: '/css/placements.css', load: () => loadModule('/js/placements.js'), mount: (m) => m.mountPlacements() },
  { name: 'booklets', staff: true, words: ['placements'], load: () => loadModule('/js/booklets.js'), mount: (m) => m.mountBooklets() },
  { name: 'moves', staff: true, words: ['placements'], load: () => loadModule('/js/moves.js'), mount: (m) => m.mountMoves() },
  { name: 'dashboard', staff: true, words: ['kpis'], load: () => loadModule('/js/dashboard.js'), mount: (m) => m.mountDashboard() },
  { name: 'previews', words: ['previews'], css: '/css/previews.css', load: () => loadModule('/js/previews.js'), mount: (m) => m.mountPreviews() },
  { name: 'buddies', words: ['buddies'], css: '/css/buddies.css', load: () => loadModule('/js/buddies.js'), mount: (m) => m.mountBuddies() },
  { name: 'buddystaff', staff: true, words: ['buddies', 'buddystaff'], css: '/css/buddies.css', load: () => loadModule('/js/buddystaff.js'), mount: (m) => m.mountBuddyStaff() },
  { name: 'push', words: ['push'], load: () => loadModule('/js/push.js'), mount: (m) => m.mountPush() },
];

const mounted = new Set();

/** A stylesheet, once; resolves when it has loaded (or failed). */
export function loadStyle(href) {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve) => {
    const link = h('link', { rel: 'stylesheet', href });
    link.addEventListener('load', resolve, { once: true });
    link.addEventListener('error', resolve, { once: true });
    document.head.append(link);
  });
}

function fetchRole(role) {
  const staff = role !== 'young_person';
  const list = FEATURES.filter((f) => (staff || !f.staff) && !mounted.has(f.name));
  return Promise.all([
    list,
    Promise.all(list.map((f) => f.load())),
    need('shell', ...list.flatMap((f) => f.words)),
    ...list.filter((f) => f.css).map((f) => loadStyle(f.css)),
  ]);
}

/** Runs fn when the phone is idle (or after a while at most). */
export function whenIdle(fn, timeout = 2000) {
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(fn, { timeout });
  else setTimeout(fn, Math.min(timeout, 500));
}

/** Starts loading a role's features while the phone is idle (e.g. while the
 * PIN is typed), so that home opens at once after it. */
export function preloadRole(role) {
  whenIdle(() => fetchRole(role).catch(() => {}), 1000);
}

/** Loads and mounts the features of a role, with their words and styles. */
export async function loadRole(role) {
  const [list, modules] = await fetchRole(role);
  list.forEach((f, i) => {
    if (mounted.has(f.name)) return;
    mounted.add(f.name);
    f.mount(modules[i]);
  });
}
