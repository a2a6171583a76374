// What Heard keeps on the phone. Every key starts with "heard.". Nothing
// personal is kept here: no names, no feelings, no access tokens.

export const KEYS = Object.freeze({
  lang: 'heard.lang', // chosen language code, e.g. "ar"
  largeText: 'heard.largeText', // "1" when larger text is on
  readAloud: 'heard.readAloud', // "1" when the read-aloud button is shown
  refreshToken: 'heard.refreshToken', // staff only: the current refresh token
  deviceId: 'heard.deviceId', // young person's phone: device id
  deviceSecret: 'heard.deviceSecret', // young person's phone: device secret
  crisis: 'heard.crisis', // the area's crisis numbers (public) and when they were checked
  // Also "heard.bring.<move id>": a young person's "things I want to bring"
  // (previews.js), forgotten with the preview and on signing out.
});

export function get(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function set(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, String(value));
  } catch {
    // Private mode or a full disk: the app still works for this visit.
  }
}

export function getFlag(key) {
  return get(key) === '1';
}

export function setFlag(key, on) {
  set(key, on ? '1' : null);
}

/** Larger text: a class on <html> that scales every rem. */
export function applyLargeText(on = getFlag(KEYS.largeText)) {
  document.documentElement.classList.toggle('text-large', on);
}

export function device() {
  const deviceId = get(KEYS.deviceId);
  const deviceSecret = get(KEYS.deviceSecret);
  return deviceId && deviceSecret ? { deviceId, deviceSecret } : null;
}

export function saveDevice(d) {
  set(KEYS.deviceId, d.deviceId);
  set(KEYS.deviceSecret, d.deviceSecret);
}

export function forgetDevice() {
  set(KEYS.deviceId, null);
  set(KEYS.deviceSecret, null);
}
