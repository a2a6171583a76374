// What happens around signing in and out: where to go, what to forget.

import * as api from './api.js';
import { saveDevice, device, get, KEYS } from './prefs.js';
import { adoptAccountLanguage } from './language.js';
import { navigate, currentPath, rememberReturn, takeReturn } from './router.js';
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

/** Lock a young person's app: in-memory tokens go, the device stays. */
export function lockApp(reason) {
  if (!api.isYoungPerson()) return;
  speech.stop();
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
