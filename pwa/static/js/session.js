// What happens around signing in and out: where to go, what to forget.

import * as api from './api.js';
import { saveDevice, device, get, KEYS } from './prefs.js';
import { adoptAccountLanguage } from './language.js';
import { navigate, currentPath, rememberReturn, takeReturn, render } from './router.js';
import { setWelcomeFlash } from './welcome.js';
import { setUnlockNote, resetLockout } from './unlock.js';
import { setSignInNote } from './signin.js';
import * as speech from './speech.js';
import { loadRole, whenIdle } from './features.js';
import { keepApp } from './worker.js';

/** After join, unlock or login succeeded. how: 'join' | 'unlock' | 'login'. */
export async function afterSignIn(resp, how) {
  if (resp.deviceId && resp.deviceSecret) {
    saveDevice({ deviceId: resp.deviceId, deviceSecret: resp.deviceSecret });
    resetLockout();
  }
  api.startSession(resp);
  const preferDevice = how === 'join' || (how === 'unlock' && get(KEYS.lang) !== null);
  const user = api.getUser();
  await Promise.all([adoptAccountLanguage(user, { preferDevice }), loadRole(user.role)]);
  navigate(takeReturn() || '/home', { replace: true });
  // The rest of this role's app is kept for offline use, in the background,
  // once home is up.
  whenIdle(() => keepApp(user.role), 3000);
}

// The PIN of an app opened offline, in memory only, until it has been checked
// online (then it is forgotten); the app locks if Heard refuses it.
let offlinePin = null;
let offlineRetry = null;

/** Open the app offline after the PIN was checked on the phone (offline.js). */
export async function openOffline(userId, pin) {
  api.startOfflineSession({ id: userId, firstName: '' });
  offlinePin = pin;
  await loadRole('young_person');
  navigate(takeReturn() || '/home', { replace: true });
  window.addEventListener('online', checkOnline);
  clearInterval(offlineRetry);
  offlineRetry = setInterval(checkOnline, 30000);
}

function stopChecking() {
  offlinePin = null;
  clearInterval(offlineRetry);
  offlineRetry = null;
  window.removeEventListener('online', checkOnline);
}

/** Back online: check the PIN with Heard, then carry on where the young person is. */
async function checkOnline() {
  const d = device();
  if (!offlinePin || !api.isOfflineSession() || !d) return;
  const pin = offlinePin;
  try {
    const resp = await api.unlock(d, pin);
    stopChecking();
    api.startSession(resp);
    import('./offline.js').then((m) => m.rememberPin(d, pin, resp.user.id)).catch(() => {});
    render();
    // What waited on the phone goes now (cards.js and feedback.js send on "online").
    window.dispatchEvent(new Event('online'));
  } catch (err) {
    if (err.code === 'offline' || err.status === 503 || err.status === 429) return; // still no way through: later
    stopChecking();
    lockApp('unlock.expired');
  }
}

/** Lock a young person's app: in-memory tokens go, the device stays. */
export function lockApp(reason) {
  if (!api.isYoungPerson()) return;
  speech.stop();
  stopChecking();
  const here = currentPath();
  api.lock();
  rememberReturn(here);
  if (reason) setUnlockNote('info', reason);
  navigate('/unlock', { replace: true });
}

/** Sign out (staff) or sign out of this phone (young person). */
export async function signOutApp() {
  speech.stop();
  const young = api.isYoungPerson();
  await api.signOut();
  takeReturn();
  setWelcomeFlash('success', young ? 'welcome.signed_out_phone' : 'welcome.signed_out');
  navigate('/', { replace: true });
}

/** The server refused to refresh the session. */
export function sessionExpired(kind) {
  const here = currentPath();
  rememberReturn(here);
  if (kind === 'young_person' && device()) {
    setUnlockNote('info', 'unlock.expired');
    navigate('/unlock', { replace: true });
  } else {
    setSignInNote('info', 'signin.expired');
    navigate('/signin', { replace: true });
  }
}
