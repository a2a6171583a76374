// Heard's app shell: start-up, routes, locking, and links from notifications.

import { h, clear } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import * as api from './api.js';
import { KEYS, device, applyLargeText } from './prefs.js';
import { route, setGuard, setBeforeRender, start, navigate, render } from './router.js';
import { screen, button, message, actionsArea } from './ui.js';
import { setBarActions } from './ui.js';
import { welcomeScreen, setWelcomeFlash } from './welcome.js';
import { joinScreen } from './join.js';
import { unlockScreen } from './unlock.js';
import { signInScreen, setSignInNote } from './signin.js';
import { homeScreen } from './home.js';
import { settingsScreen, setAccountActions, adoptAccountLanguage } from './settings.js';
import { codeScreen, phonesScreen, addItemAction } from './youngpeople.js';
import { auditScreen, staffScreen, deliveriesScreen } from './admin.js';
import { teamsScreen, keyWorkerAction, areaScreen, dutyScreen } from './adminforms.js';
import { lockApp, signOutApp, sessionExpired, rememberReturn } from './session.js';
import * as worker from './worker.js';
import * as speech from './speech.js';
import { mountCards } from './cards.js';
import { mountFeedback } from './feedback.js';
import { mountDashboard } from './dashboard.js';
import { mountPush } from './push.js';

/** A young person's app locks itself after this long out of sight. */
const LOCK_AFTER_MS = 5 * 60 * 1000;

function routes() {
  route('/', welcomeScreen, 'guest');
  route('/welcome', welcomeScreen, 'guest');
  route('/join', joinScreen, 'guest');
  route('/join/:code', joinScreen, 'guest');
  route('/unlock', unlockScreen, 'unlock');
  route('/signin', signInScreen, 'guest');
  route('/settings', settingsScreen, 'public');
  route('/home', homeScreen, 'auth');
  route('/young-people/:id/code', codeScreen, 'staff');
  route('/young-people/:id/phones', phonesScreen, 'staff');
  route('/admin/audit', auditScreen, 'admin');
  route('/admin/staff', staffScreen, 'admin');
  route('/admin/deliveries', deliveriesScreen, 'admin');
  route('/admin/teams', teamsScreen, 'admin');
  route('/admin/area', areaScreen, 'admin');
  route('/admin/duty', dutyScreen, 'admin');
  addItemAction(keyWorkerAction);
  mountCards();
  mountFeedback();
  mountDashboard();
  mountPush();
}

function guard(r, path) {
  const user = api.getUser();
  if (!user) {
    if (r.access === 'public') return null;
    if (r.access === 'auth' || r.access === 'staff' || r.access === 'admin') {
      rememberReturn(path);
      return device() ? '/unlock' : '/';
    }
    if (r.access === 'unlock') return device() ? null : '/';
    // Welcome on a phone that has joined: the PIN comes first.
    if ((path === '/' || path === '/welcome') && device()) return '/unlock';
    return null;
  }
  if (r.access === 'guest' || r.access === 'unlock') return '/home';
  if (r.access === 'staff' && user.role === 'young_person') return '/home';
  if (r.access === 'admin' && user.role !== 'administrator') return '/home';
  return null;
}

function offlineScreen(retry) {
  return screen({ title: t('app.offline_title'), name: 'offline' },
    h('h1', { text: t('app.offline_title') }),
    message('info', t('app.offline')),
    actionsArea(button(t('app.retry'), { id: 'offline-retry', on: { click: retry } })));
}

/** Staff stay signed in across reloads: get a new access token and who they are. */
async function restoreStaff() {
  if (device() || !api.hasStaffSession()) return 'none';
  api.resumeStaff();
  try {
    const me = await api.me();
    api.setUser(me);
    await adoptAccountLanguage(me);
    return 'ok';
  } catch (err) {
    if (err.code === 'offline') return 'offline';
    if (err.code === 'session_expired') {
      setSignInNote('info', 'signin.expired');
      history.replaceState(null, '', '#/signin');
      return 'expired';
    }
    // Anything else: ask them to sign in again rather than show a broken app.
    api.lock();
    return 'failed';
  }
}

function watchVisibility() {
  let hiddenAt = 0;
  let timer = null;
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') {
      hiddenAt = Date.now();
      speech.stop();
      clearTimeout(timer);
      if (api.isYoungPerson()) timer = setTimeout(() => lockApp('unlock.auto_locked'), LOCK_AFTER_MS);
      return;
    }
    clearTimeout(timer);
    if (hiddenAt && Date.now() - hiddenAt >= LOCK_AFTER_MS && api.isYoungPerson()) {
      lockApp('unlock.auto_locked');
    }
    hiddenAt = 0;
  });
}

function watchOtherTabs() {
  window.addEventListener('storage', (e) => {
    if (e.key === KEYS.refreshToken && !e.newValue && api.sessionKind() === 'staff') {
      api.signedOutElsewhere();
      setWelcomeFlash('success', 'welcome.signed_out');
      navigate('/', { replace: true });
    }
    if (e.key === KEYS.deviceId && !e.newValue && api.isYoungPerson()) {
      api.signedOutElsewhere();
      navigate('/', { replace: true });
    }
    if ((e.key === KEYS.largeText) || e.key === null) applyLargeText();
  });
}

/** A tapped notification asks to open an address in the app. */
function openFromNotification(url) {
  let u;
  try {
    u = new URL(url, location.origin);
  } catch {
    return;
  }
  if (u.origin !== location.origin) return;
  if (u.pathname === '/' || u.pathname === '/index.html') {
    const path = u.hash.replace(/^#/, '') || '/home';
    navigate(path.startsWith('/') ? path : '/home');
  } else {
    location.assign(u.href);
  }
}

function bootFailed() {
  const box = document.getElementById('boot-error');
  const spinner = document.getElementById('boot');
  if (spinner) spinner.hidden = true;
  if (box) box.hidden = false;
  const retry = document.getElementById('boot-retry');
  if (retry) retry.addEventListener('click', () => location.reload(), { once: true });
}

async function boot() {
  applyLargeText();
  worker.register();
  try {
    await i18n.init();
  } catch (err) {
    console.error('heard: could not load words', err);
    bootFailed();
    return;
  }
  worker.sendPrefs();
  routes();
  setGuard(guard);
  setBeforeRender(() => speech.stop());
  setBarActions({ lock: () => lockApp(), signOut: () => signOutApp() });
  setAccountActions({ lock: () => lockApp(), signOut: () => signOutApp() });
  worker.listen(openFromNotification);
  watchVisibility();
  watchOtherTabs();

  const restored = await restoreStaff();
  if (restored === 'offline') {
    const app = document.getElementById('app');
    const retry = async () => {
      const again = await restoreStaff();
      if (again === 'offline') return;
      api.onSessionExpired(sessionExpired);
      start();
    };
    clear(app).append(offlineScreen(retry));
    return;
  }
  api.onSessionExpired(sessionExpired);
  await start();
}

// Exposed for the browser tests and for debugging; holds no secrets.
window.heard = Object.freeze({ render, navigate, version: 1 });

boot();
