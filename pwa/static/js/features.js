// What each role's app is made of beyond the first screen: the features that
// add screens and home sections, with their words and styles. Loaded after
// sign-in (and at start for staff who stay signed in), so the welcome screen
// never carries them.

import { h, afterPaint } from './dom.js';
import { need } from './i18n.js';
import { addItemAction } from './home.js';
import { loadModule, preloadModule } from './router.js';

// In the order their home sections appear.
const FEATURES = [
  { name: 'staff', staff: true, words: ['admin'], url: '/js/staff.js', mount: (m) => { addItemAction(m.keyWorkerAction); addItemAction(m.leftAction); } },
  { name: 'cards', words: ['cards'], css: '/css/cards.css', url: '/js/cards.js', mount: (m) => m.mountCards() },
  { name: 'inbox', staff: true, words: ['cards'], css: '/css/cards.css', url: '/js/inbox.js', mount: (m) => m.mountInbox() },
  { name: 'feedback', words: ['feedback'], css: '/css/feedback.css', url: '/js/feedback.js', mount: (m) => m.mountFeedback() },
  { name: 'feedbackstaff', staff: true, words: ['feedback'], css: '/css/feedback.css', url: '/js/feedbackstaff.js', mount: (m) => m.mountFeedbackStaff() },
  { name: 'placements', staff: true, words: ['placements'], css: '/css/placements.css', url: '/js/placements.js', mount: (m) => m.mountPlacements() },
  { name: 'booklets', staff: true, words: ['placements'], url: '/js/booklets.js', mount: (m) => m.mountBooklets() },
  { name: 'moves', staff: true, words: ['placements'], url: '/js/moves.js', mount: (m) => m.mountMoves() },
  { name: 'dashboard', staff: true, words: ['kpis'], url: '/js/dashboard.js', mount: (m) => m.mountDashboard() },
  { name: 'previews', words: ['previews'], css: '/css/previews.css', url: '/js/previews.js', mount: (m) => m.mountPreviews() },
  { name: 'buddies', words: ['buddies'], css: '/css/buddies.css', url: '/js/buddies.js', mount: (m) => m.mountBuddies() },
  { name: 'buddystaff', staff: true, words: ['buddies', 'buddystaff'], css: '/css/buddies.css', url: '/js/buddystaff.js', mount: (m) => m.mountBuddyStaff() },
  { name: 'push', words: ['push'], url: '/js/push.js', mount: (m) => m.mountPush() },
];

const mounted = new Set();
const styles = new Map(); // href → promise that it has loaded

/** A stylesheet, once; resolves when it has loaded (or failed). */
export function loadStyle(href) {
  if (!styles.has(href)) {
    styles.set(href, document.querySelector(`link[rel="stylesheet"][href="${href}"]`) ? Promise.resolve() : new Promise((resolve) => {
      const link = h('link', { rel: 'stylesheet', href });
      link.addEventListener('load', resolve, { once: true });
      link.addEventListener('error', resolve, { once: true });
      document.head.append(link);
    }));
  }
  return styles.get(href);
}

function featuresOf(role) {
  const staff = role !== 'young_person';
  return FEATURES.filter((f) => (staff || !f.staff) && !mounted.has(f.name));
}

/** A role's words and styles, and its code fetched but not run yet. */
function prefetchRole(role) {
  const list = featuresOf(role);
  list.forEach((f) => preloadModule(f.url));
  return Promise.all([
    need('shell', ...list.flatMap((f) => f.words)),
    ...list.filter((f) => f.css).map((f) => loadStyle(f.css)),
  ]);
}

function fetchRole(role) {
  const list = featuresOf(role);
  return Promise.all([list, Promise.all(list.map((f) => loadModule(f.url))), prefetchRole(role)]);
}

/** Runs fn when the phone is idle (or after a while at most). */
export function whenIdle(fn, timeout = 2000) {
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(fn, { timeout });
  else setTimeout(fn, Math.min(timeout, 500));
}

/** Starts loading a role's features (e.g. while the PIN is typed), so that
 * home opens at once after it: fetched as soon as the screen asking for the
 * PIN is up (from the phone's own copy once the app is kept), and run when
 * the phone is idle. */
export function preloadRole(role) {
  afterPaint(() => prefetchRole(role).catch(() => {}));
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
