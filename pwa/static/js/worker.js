// The page's side of the service worker: register it (once the first screen
// is up, so it never competes with it), tell it the language (for
// notifications), ask it to keep the signed-in role's app for offline use,
// and follow its "navigate" messages after a notification is tapped.

import { current, direction } from './i18n.js';

let kept = Promise.resolve(false);

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

/**
 * Ask the worker to keep the rest of this role's app (code, styles, pictures
 * and this language's words) for offline use. It runs in the background; the
 * promise (also window.heard.kept()) says whether it finished.
 */
export function keepApp(role) {
  if (!('serviceWorker' in navigator)) return kept;
  kept = navigator.serviceWorker.ready.then((reg) => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => resolve(Boolean(e.data && e.data.kept));
    reg.active.postMessage({ type: 'keep', role, lang: current() }, [channel.port2]);
  })).catch(() => false);
  return kept;
}

export const whenKept = () => kept;

/** Open an in-app address from a notification without reloading the page. */
export function listen(onNavigate) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data || {};
    if (data.type === 'navigate' && typeof data.url === 'string') onNavigate(data.url);
  });
}
