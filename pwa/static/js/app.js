// Heard's app shell: start-up, routes, locking, and links from notifications.

import { h, clear } from './dom.js';
import * as i18n from './i18n.js';
import { t, need } from './i18n.js';
import * as api from './api.js';
import { KEYS, device, applyLargeText } from './prefs.js';
import { route, setGuard, setBeforeRender, start, navigate, render, rememberReturn, loadModule, setNeeds } from './router.js';
import { screen, button, message, actionsArea, setBarActions } from './ui.js';
import { welcomeScreen, setWelcomeFlash } from './welcome.js';
import * as worker from './worker.js';
import * as speech from './speech.js';

/** A young person's app locks itself after this long out of sight. */
const LOCK_AFTER_MS = 5 * 60 * 1000;

// Everything but the welcome screen is loaded when it is first needed: its
// module and its words (see features.js for each role's features). NEEDS is
// filled in by the server (pwa/build.go): for each module loaded on demand,
// the modules it imports that the welcome screen has not loaded, so they are
// asked for at once.
const NEEDS = {};
setNeeds(NEEDS);
const session = () => loadModule('/js/session.js');
const lockApp = (reason) => session().then((m) => m.lockApp(reason));
const signOutApp = () => session().then((m) => m.signOutApp());

/** A route whose screen is export `name` of a module loaded on first use. */
function lazy(url, name, words = ['shell']) {
  return async (params, path) => {
    try {
      const [m] = await Promise.all([loadModule(url), need(...words)]);
      return await m[name](params, path);
    } catch (err) {
      console.error('heard: could not load', name, err);
      return offlineScreen(() => render());
    }
  };
}

function routes() {
  const staffWords = ['shell', 'admin'];
  route('/', welcomeScreen, 'guest');
  route('/welcome', welcomeScreen, 'guest');
  route('/join', lazy('/js/join.js', 'joinScreen'), 'guest');
  route('/join/:code', lazy('/js/join.js', 'joinScreen'), 'guest');
  route('/unlock', lazy('/js/unlock.js', 'unlockScreen'), 'unlock');
  route('/signin', lazy('/js/signin.js', 'signInScreen'), 'guest');
  route('/reset', lazy('/js/signin.js', 'resetScreen'), 'guest');
  route('/reset/:code', lazy('/js/signin.js', 'resetScreen'), 'guest');
  route('/settings', lazy('/js/settings.js', 'settingsScreen'), 'public');
  route('/help', lazy('/js/help.js', 'helpScreen', ['shell', 'cards']), 'public');
  route('/my-data', lazy('/js/mydata.js', 'myDataScreen', ['shell', 'mydata', 'cards', 'feedback', 'previews']), 'young');
  route('/home', lazy('/js/home.js', 'homeScreen'), 'auth');
  route('/young-people/:id/code', lazy('/js/youngpeople.js', 'codeScreen', staffWords), 'staff');
  route('/young-people/:id/phones', lazy('/js/youngpeople.js', 'phonesScreen', staffWords), 'staff');
  route('/admin/audit', lazy('/js/admin.js', 'auditScreen', staffWords), 'admin');
  route('/admin/staff', lazy('/js/admin.js', 'staffScreen', staffWords), 'admin');
  route('/admin/deliveries', lazy('/js/admin.js', 'deliveriesScreen', staffWords), 'admin');
  route('/admin/teams', lazy('/js/adminforms.js', 'teamsScreen', staffWords), 'admin');
  route('/admin/area', lazy('/js/areas.js', 'areaScreen', staffWords), 'admin');
  route('/admin/duty', lazy('/js/adminforms.js', 'dutyScreen', staffWords), 'admin');
}

function guard(r, path, known) {
  const user = api.getUser();
  if (!user) {
    // A feature's screen (loaded after sign-in): sign in first, then go there.
    if (!known && path !== '/') {
      rememberReturn(path);
      return device() ? '/unlock' : '/';
    }
    if (r.access === 'public') return null;
    if (r.access === 'auth' || r.access === 'staff' || r.access === 'admin' || r.access === 'young') {
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
  if (r.access === 'young' && user.role !== 'young_person') return '/home';
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
    const [{ adoptAccountLanguage }, { loadRole }] = await Promise.all([import('./language.js'), loadModule('/js/features.js')]);
    await Promise.all([adoptAccountLanguage(me), loadRole(me.role)]);
    worker.keepApp(me.role);
    return 'ok';
  } catch (err) {
    if (err.code === 'offline') return 'offline';
    if (err.code === 'session_expired') {
      const { setSignInNote } = await loadModule('/js/signin.js');
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
  try {
    await i18n.init();
  } catch (err) {
    console.error('heard: could not load words', err);
    bootFailed();
    worker.register();
    return;
  }
  routes();
  setGuard(guard);
  setBeforeRender(() => speech.stop());
  setBarActions({ lock: () => lockApp(), signOut: () => signOutApp() });
  worker.listen(openFromNotification);
  watchVisibility();
  watchOtherTabs();

  const restored = await restoreStaff();
  if (restored === 'offline') {
    const app = document.getElementById('app');
    const retry = async () => {
      const again = await restoreStaff();
      if (again === 'offline') return;
      api.onSessionExpired((kind) => session().then((m) => m.sessionExpired(kind)));
      start();
    };
    clear(app).append(offlineScreen(retry));
    return;
  }
  api.onSessionExpired((kind) => session().then((m) => m.sessionExpired(kind)));
  await start();
  // The service worker comes once the first screen is up, so it never
  // competes with it for the phone's connection.
  worker.register();
  worker.sendPrefs();
}

// Exposed for the browser tests and for debugging; holds no secrets.
window.heard = Object.freeze({ render, navigate, version: 1, kept: worker.whenKept });

boot();
