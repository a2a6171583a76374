// Notifications (Web Push) on this device.
//
// Heard never asks for notification permission as a page loads. Once someone
// is signed in, their home screen shows a small card offering notifications;
// only a tap on its button asks the browser, subscribes with Heard's VAPID key
// and registers the subscription (POST /api/push/subscriptions). "Not now"
// hides the card on this device for a while. When permission was given
// earlier, the subscription is registered again quietly after each sign-in, so
// it belongs to whoever is signed in now (a shared computer) and to this
// session (signing out removes it on the server).
//
// What a notification says is decided by the server and is safe for a lock
// screen; the service worker (sw.js) shows it and opens the app on a tap.

import { h, afterPaint } from './dom.js';
import { t } from './i18n.js';
import { button, busy, message, showMessage } from './ui.js';
import { api } from './api.js';
import { addHomeSection } from './home.js';

const NOT_NOW_KEY = 'heard.push.notNowUntil';
const NOT_NOW_DAYS = 14;
const READY_MS = 10000;
const SUBSCRIBE_MS = 20000;
// The roles Heard notifies (commissioners and administrators get none).
const ROLES = ['young_person', 'key_worker', 'duty_worker', 'team_manager', 'placement_staff'];

/** Whether this browser can receive Web Push at all. */
export function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window && window.isSecureContext;
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

async function registration() {
  return withTimeout(navigator.serviceWorker.ready, READY_MS);
}

/** URL-safe base64 (as the server sends the key) to bytes. */
function keyBytes(base64) {
  const padded = base64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64.length % 4)) % 4);
  const raw = atob(padded);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(sub, key) {
  const current = sub.options && sub.options.applicationServerKey;
  if (!current) return true;
  const a = new Uint8Array(current);
  const b = keyBytes(key);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** This browser's current subscription, if any. */
export async function currentSubscription() {
  if (!supported()) return null;
  const reg = await registration();
  return reg.pushManager.getSubscription();
}

/**
 * Ask for permission, subscribe and register with Heard. Call it only from a
 * tap. Resolves to 'granted', 'denied' or 'default' (the question was dismissed).
 */
export async function startNotifications(call = api) {
  if (!supported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission;
  const { publicKey } = await call('GET', '/api/push/key');
  const reg = await registration();
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub, publicKey)) {
    // Heard's key changed: a subscription made with the old one no longer works.
    await sub.unsubscribe();
    sub = null;
  }
  if (!sub) {
    sub = await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }), SUBSCRIBE_MS);
  }
  await call('POST', '/api/push/subscriptions', sub.toJSON());
  localStorage.removeItem(NOT_NOW_KEY);
  return 'granted';
}

/**
 * Register this browser's existing subscription for whoever is signed in now.
 * Never asks anything; resolves to whether there was one to register.
 */
export async function refreshNotifications(call = api) {
  if (!supported() || Notification.permission !== 'granted') return false;
  const sub = await currentSubscription();
  if (!sub) return false;
  await call('POST', '/api/push/subscriptions', sub.toJSON());
  return true;
}

/** Stop notifications on this device: remove it from Heard, then unsubscribe. */
export async function stopNotifications(call = api) {
  const sub = await currentSubscription().catch(() => null);
  if (!sub) return;
  try {
    await call('DELETE', `/api/push/subscriptions?endpoint=${encodeURIComponent(sub.endpoint)}`);
  } catch (err) {
    if (!err || err.status !== 404) throw err; // already removed on the server
  }
  await sub.unsubscribe();
}

const registeredFor = new WeakSet();

/**
 * Whether notifications are allowed ('granted', 'denied' or 'default'), asked
 * without holding up the page: the first read of Notification.permission
 * waits for the browser, on a cheap phone long enough to be felt as home opens.
 */
async function permission() {
  try {
    const status = await navigator.permissions.query({ name: 'notifications' });
    return status.state === 'prompt' ? 'default' : status.state;
  } catch {
    return Notification.permission;
  }
}

function notNow() {
  return Number(localStorage.getItem(NOT_NOW_KEY) || 0) > Date.now();
}

/**
 * The home card that offers notifications, or null when there is nothing to
 * offer (unsupported, already decided, or "not now" recently). When permission
 * was given before, it quietly registers this browser again instead.
 */
export async function offerNotifications(user, call = api) {
  if (!user || !supported()) return null;
  const allowed = await permission();
  if (allowed === 'granted') {
    // Once per sign-in: each sign-in is a new user object.
    if (!registeredFor.has(user)) {
      registeredFor.add(user);
      afterPaint(() => refreshNotifications(call).catch(() => registeredFor.delete(user)));
    }
    return null;
  }
  if (allowed === 'denied' || notNow()) return null;

  const young = user.role === 'young_person';
  const status = message('info');
  const turnOn = button(t('push.offer.turn_on'), { id: 'push-turn-on' });
  const later = button(t('push.offer.not_now'), { id: 'push-not-now' }, 'secondary');
  const card = h('section', { class: 'panel card push-offer', id: 'push-offer', 'aria-labelledby': 'push-offer-title' },
    h('h2', { class: 'card-title', id: 'push-offer-title', text: t(young ? 'push.offer.title_young' : 'push.offer.title_staff') }),
    h('p', { text: t(young ? 'push.offer.text_young' : 'push.offer.text_staff') }),
    h('div', { class: 'card-actions' }, turnOn, later),
    status);

  turnOn.addEventListener('click', async () => {
    const done = busy(turnOn, t('push.offer.working'));
    later.disabled = true;
    try {
      const result = await startNotifications(call);
      if (result === 'granted') {
        card.replaceChildren(message('success', t('push.state.on')));
        return;
      }
      if (result === 'denied') {
        card.replaceChildren(message('info', t('push.state.blocked')));
        return;
      }
      done();
      later.disabled = false;
    } catch {
      done();
      later.disabled = false;
      showMessage(status, 'error', t('push.state.failed'));
    }
  });
  later.addEventListener('click', () => {
    localStorage.setItem(NOT_NOW_KEY, String(Date.now() + NOT_NOW_DAYS * 24 * 3600 * 1000));
    card.remove();
  });
  return card;
}

/**
 * A settings row: whether notifications are on for this device, with a button
 * to turn them on or off.
 */
export function notificationSettings(call = api) {
  const status = message('info');
  const row = h('div', { class: 'push-settings', id: 'push-settings' }, status);
  if (!supported()) {
    showMessage(status, 'info', t('push.state.unsupported'));
    return row;
  }
  const render = async () => {
    row.replaceChildren(status);
    if (Notification.permission === 'denied') {
      showMessage(status, 'info', t('push.state.blocked'));
      return;
    }
    const sub = Notification.permission === 'granted' ? await currentSubscription().catch(() => null) : null;
    showMessage(status, 'info', t(sub ? 'push.state.on' : 'push.state.off'));
    const btn = button(t(sub ? 'push.turn_off' : 'push.offer.turn_on'), { id: 'push-toggle' }, 'secondary');
    btn.addEventListener('click', async () => {
      const done = busy(btn);
      try {
        if (sub) await stopNotifications(call);
        else await startNotifications(call);
        await render();
      } catch {
        done();
        showMessage(status, 'error', t('push.state.failed'));
      }
    });
    row.append(btn);
  };
  render();
  return row;
}

/** Whether Heard sends notifications to people in this role. */
export function notifiedRole(role) {
  return ROLES.includes(role);
}

/** Adds the offer to every role's home screen. */
export function mountPush() {
  for (const role of ROLES) addHomeSection(role, (user) => offerNotifications(user));
}
