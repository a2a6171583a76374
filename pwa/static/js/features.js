// What each role's app is made of beyond the first screen: the features that
// add screens and home sections, with their words and styles. Loaded after
// sign-in (and at start for staff who stay signed in), so the welcome screen
// never carries them.

import { h } from './dom.js';
import { need } from './i18n.js';
import { addItemAction } from './home.js';

// In the order their home sections appear.
const FEATURES = [
  { name: 'staff', staff: true, words: ['admin'], load: () => import('./adminforms.js'), mount: (m) => addItemAction(m.keyWorkerAction) },
  { name: 'cards', words: ['cards'], css: '/css/cards.css', load: () => import('./cards.js'), mount: (m) => m.mountCards() },
  { name: 'feedback', words: ['feedback'], css: '/css/feedback.css', load: () => import('./feedback.js'), mount: (m) => m.mountFeedback() },
  { name: 'dashboard', staff: true, words: ['kpis'], load: () => import('./dashboard.js'), mount: (m) => m.mountDashboard() },
  { name: 'push', words: ['push'], load: () => import('./push.js'), mount: (m) => m.mountPush() },
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

/** Loads and mounts the features of a role, with their words and styles. */
export async function loadRole(role) {
  const staff = role !== 'young_person';
  const list = FEATURES.filter((f) => (staff || !f.staff) && !mounted.has(f.name));
  const [modules] = await Promise.all([
    Promise.all(list.map((f) => f.load())),
    need('shell', ...list.flatMap((f) => f.words)),
    ...list.filter((f) => f.css).map((f) => loadStyle(f.css)),
  ]);
  list.forEach((f, i) => {
    if (mounted.has(f.name)) return;
    mounted.add(f.name);
    f.mount(modules[i]);
  });
}
