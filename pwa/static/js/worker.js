// The page's side of the service worker: register it, tell it the language
// (for notifications), and follow its "navigate" messages after a notification
// is tapped.

import { current, direction } from './i18n.js';

export function register() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(() => sendPrefs()).catch((err) => {
    console.warn('service worker not registered', err);
  });
}

/** The worker keeps the language and direction to put on notifications. */
export function sendPrefs() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready.then((reg) => {
    if (reg.active) reg.active.postMessage({ type: 'prefs', lang: current(), dir: direction() });
  }).catch(() => {});
}

/** Open an in-app address from a notification without reloading the page. */
export function listen(onNavigate) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data || {};
    if (data.type === 'navigate' && typeof data.url === 'string') onNavigate(data.url);
  });
}
