// Opening a joined phone with no signal.
//
// Heard checks a PIN on the server, where 5 wrong tries pause the phone and 15
// sign it out. With no signal, the right PIN still opens the app, with what
// works offline: writing a card (kept on the phone and sent exactly once when
// back online), the cards and replies the phone last saw (kept here, in
// IndexedDB, as the outbox keeps cards waiting), and the help numbers (which
// need no PIN at all). Asking Heard anything waits until the PIN has been
// checked online. Nothing new is read from Heard until the
// phone is online and the PIN has been checked there again.
//
// How the PIN is checked offline without weakening it:
// - After each PIN accepted online, the phone makes a new WebCrypto HMAC key
//   that cannot be read out of the browser (non-extractable) and keeps the
//   HMAC of the PIN under it, in IndexedDB. The PIN itself is never kept.
// - Offline, 5 wrong tries wipe it: offline opening is then off until the
//   right PIN is accepted online, where Heard's own limits apply. So someone
//   holding the phone gets at most 5 offline guesses per time the owner unlocks
//   online, on top of Heard's limits, never more.
// - Limit: someone who copies the browser's files off an unlocked phone could
//   try PINs against the copy without those limits. The phone's own screen
//   lock and storage encryption are what stand against that, as they do for
//   the cards already waiting in the outbox.

import { request } from './outbox.js';

const DB = 'heard-offline';
const STORE = 'pin';
const KEY = 'pin';
export const OFFLINE_TRIES = 5;

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const db = await open();
  try {
    return await fn(db.transaction(STORE, mode).objectStore(STORE));
  } finally {
    db.close();
  }
}

const put = (rec) => withStore('readwrite', (s) => request(s.put(rec, KEY)));
const read = () => withStore('readonly', (s) => request(s.get(KEY)));

/** Offline opening off, and the kept cards gone: after signing out, or when
 * Heard said this phone is signed out. */
export function forgetPin() {
  return withStore('readwrite', (s) => request(s.clear())).catch(() => {});
}

/** Keep the young person's cards as Heard last gave them, to read offline. */
export function keepCards(userId, items) {
  return withStore('readwrite', (s) => request(s.put({ userId, items, at: new Date().toISOString() }, `cards:${userId}`))).catch(() => {});
}

/** The cards kept for offline reading ({ items, at }), or null. */
export async function keptCards(userId) {
  try {
    const v = await withStore('readonly', (s) => request(s.get(`cards:${userId}`)));
    return v && Array.isArray(v.items) ? v : null;
  } catch {
    return null;
  }
}

/** Too many offline tries: the PIN check goes (the kept cards stay, behind the PIN). */
function forgetOfflineOpening() {
  return withStore('readwrite', (s) => request(s.delete(KEY))).catch(() => {});
}

async function mac(key, deviceId, pin) {
  const data = new TextEncoder().encode(`${deviceId}\n${pin}`);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
}

function same(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i += 1) d |= a[i] ^ b[i];
  return d === 0;
}

/** After Heard accepted the PIN: keep what lets it be checked offline next time. */
export async function rememberPin(device, pin, userId) {
  try {
    const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    await put({ deviceId: device.deviceId, userId, key, mac: await mac(key, device.deviceId, pin), wrong: 0 });
  } catch {
    // No WebCrypto or IndexedDB (a private window): offline opening stays off.
  }
}

/**
 * Check a PIN with no signal. Resolves { result: 'ok', userId } |
 * { result: 'wrong', left } | { result: 'locked' } (that was the last try) |
 * { result: 'none' } (offline opening is off on this phone).
 */
export async function checkPinOffline(device, pin) {
  let rec;
  try {
    rec = await read();
  } catch {
    return { result: 'none' };
  }
  if (!rec || rec.deviceId !== device.deviceId) return { result: 'none' };
  // Counted before the check, so closing the app mid-check still costs a try.
  rec.wrong += 1;
  if (rec.wrong > OFFLINE_TRIES) {
    await forgetOfflineOpening();
    return { result: 'none' };
  }
  await put(rec);
  if (same(await mac(rec.key, device.deviceId, pin), rec.mac)) {
    rec.wrong = 0;
    await put(rec);
    return { result: 'ok', userId: rec.userId };
  }
  if (rec.wrong >= OFFLINE_TRIES) {
    await forgetOfflineOpening();
    return { result: 'locked' };
  }
  return { result: 'wrong', left: OFFLINE_TRIES - rec.wrong };
}
