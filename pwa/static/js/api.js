// Talking to Heard's API, and the signed-in session.
//
// - The access token lives in memory only.
// - Staff: the refresh token is kept in localStorage (heard.refreshToken) so a
//   reload keeps them signed in; it is rotated on every refresh.
// - Young people: the device id and secret are kept in localStorage; their
//   refresh token stays in memory, because the app always asks for the PIN
//   when it starts, so a copy on the phone would only be a way around the PIN.
// - On a 401 the app refreshes once and retries. If the refresh is refused,
//   onSessionExpired is told (young people go to the PIN screen, staff to sign-in).

import { KEYS, get, set, device } from './prefs.js';
import { current as currentLang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body, headers) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'offline' : 'unknown');
    this.fields = e.fields || {};
    this.attemptsLeft = typeof e.attemptsLeft === 'number' ? e.attemptsLeft : null;
    let retry = typeof e.retryAfter === 'number' ? e.retryAfter : null;
    if (retry === null && headers) {
      const h = Number(headers.get('Retry-After'));
      if (Number.isFinite(h) && h > 0) retry = h;
    }
    this.retryAfter = retry;
    this.requestId = (body && body.requestId) || '';
  }
}

let accessToken = null;
let accessExpiresAt = 0;
let ypRefreshToken = null; // young people only, memory only
let kind = null; // 'young_person' | 'staff' | null
let user = null;
let refreshing = null;
let expiredHandler = () => {};

export const getUser = () => user;
export const isSignedIn = () => user !== null;
export const isYoungPerson = () => kind === 'young_person';
export const sessionKind = () => kind;
export function hasStaffSession() {
  return Boolean(get(KEYS.refreshToken));
}

/** Called with 'young_person' or 'staff' when a refresh is refused. */
export function onSessionExpired(fn) {
  expiredHandler = fn;
}

export function setUser(u) {
  user = u;
}

/** Start a session from a join, unlock or login answer. */
export function startSession(resp) {
  accessToken = resp.accessToken || null;
  accessExpiresAt = resp.expiresIn ? Date.now() + resp.expiresIn * 1000 : 0;
  user = resp.user || null;
  if (user && user.role === 'young_person') {
    kind = 'young_person';
    ypRefreshToken = resp.refreshToken || null;
  } else {
    kind = 'staff';
    set(KEYS.refreshToken, resp.refreshToken || null);
  }
}

/**
 * A young person's app opened with no signal, after the PIN was checked on
 * the phone (offline.js): no tokens, and every call answers "offline" until
 * the PIN has been checked online again (session.js).
 */
export function startOfflineSession(u) {
  accessToken = null;
  accessExpiresAt = 0;
  ypRefreshToken = null;
  kind = 'young_person';
  user = { ...u, role: 'young_person', offline: true };
}

/** Opened offline, not yet checked online. */
export const isOfflineSession = () => Boolean(user && user.offline);

/** Restore a staff session from the stored refresh token (on app start). */
export function resumeStaff() {
  kind = 'staff';
  accessToken = null;
}

/** Forget in-memory tokens (the "Lock" button): device credentials stay. */
export function lock() {
  accessToken = null;
  accessExpiresAt = 0;
  ypRefreshToken = null;
  user = null;
  kind = null;
}

/** Forget everything about the session on this phone except preferences. */
function clearAll({ forgetDevice }) {
  lock();
  set(KEYS.refreshToken, null);
  if (forgetDevice) {
    set(KEYS.deviceId, null);
    set(KEYS.deviceSecret, null);
  }
}

/** Sign out: tell the server (best effort) then forget the session. A young
 * person signing out also makes this phone forget its device. */
export async function signOut() {
  const wasYoung = kind === 'young_person' || (!kind && device() !== null);
  const refreshToken = wasYoung ? ypRefreshToken : get(KEYS.refreshToken);
  const token = accessToken;
  const deviceId = wasYoung ? (device() || {}).deviceId : null;
  const userId = user && user.id;
  clearAll({ forgetDevice: wasYoung });
  // A young person's preview of their new home leaves the phone with them.
  if (wasYoung && typeof caches !== 'undefined') caches.delete('heard-preview').catch(() => {});
  try {
    if (wasYoung) Object.keys(localStorage).filter((k) => k.startsWith('heard.bring.')).forEach((k) => localStorage.removeItem(k));
  } catch { /* no storage: nothing was kept */ }
  // The queue of unsent cards and answers (outbox.js) is loaded only here, so
  // the welcome screen does not carry it.
  if (wasYoung && userId) await import('./outbox.js').then((m) => m.forgetUser(userId)).catch(() => {});
  if (wasYoung) await import('./offline.js').then((m) => m.forgetPin()).catch(() => {});
  if (refreshToken) {
    try {
      // A young person signing out of this phone signs the phone itself out,
      // so it no longer shows as active in their worker's list of phones.
      if (wasYoung && token && deviceId) await send('DELETE', `/api/me/devices/${deviceId}`, undefined, token);
      await send('POST', '/api/auth/logout', { refreshToken }, token);
    } catch {
      // Offline: the refresh token simply expires on the server.
    }
  }
}

/** Another tab signed out (storage event): forget this tab's session too. */
export function signedOutElsewhere() {
  lock();
}

async function send(method, path, body, token, key) {
  const headers = { Accept: 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  // A Blob (a photo) is sent as it is, with its own type.
  const raw = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? (body.type || 'application/octet-stream') : 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const lang = currentLang();
  if (lang) headers['Accept-Language'] = lang;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined || raw ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { error: { code: 'offline' } });
  }
}

async function parse(res) {
  if (res.status === 204) return null;
  let body = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, body, res.headers);
  return body;
}

async function doRefresh() {
  const refreshToken = kind === 'young_person' ? ypRefreshToken : get(KEYS.refreshToken);
  if (!refreshToken) throw expire();
  const res = await send('POST', '/api/auth/refresh', { refreshToken });
  if (res.status === 401 || res.status === 400 || res.status === 403) {
    const err = await parse(res).catch((e) => e);
    throw expire(err);
  }
  const data = await parse(res);
  accessToken = data.accessToken;
  accessExpiresAt = data.expiresIn ? Date.now() + data.expiresIn * 1000 : 0;
  if (kind === 'young_person') ypRefreshToken = data.refreshToken || ypRefreshToken;
  else set(KEYS.refreshToken, data.refreshToken || refreshToken);
}

function expire(cause) {
  const wasKind = kind || (device() ? 'young_person' : 'staff');
  if (wasKind === 'staff') clearAll({ forgetDevice: false });
  else lock();
  const err = new ApiError(401, { error: { code: 'session_expired' } });
  if (cause && cause.requestId) err.requestId = cause.requestId;
  queueMicrotask(() => expiredHandler(wasKind));
  return err;
}

/** One refresh at a time in this tab, and (for staff, whose token is shared
 * through localStorage) one at a time across tabs. */
function refresh() {
  if (!refreshing) {
    const run = () => doRefresh();
    const p = kind === 'staff' && navigator.locks ? navigator.locks.request('heard.refresh', run) : run();
    refreshing = p.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/**
 * Call the API. Signed-in calls (auth: true, the default) carry the access
 * token, refresh it when it has expired, and retry once. key, for a create,
 * is its Idempotency-Key: the same key again gets the first answer, so a
 * retry after a timeout never makes the thing twice (see oneCreate).
 */
export async function api(method, path, body, { auth = true, key } = {}) {
  if (!auth) return parse(await send(method, path, body));
  if (!kind) throw expire();
  if (isOfflineSession()) throw new ApiError(0, { error: { code: 'offline' } });
  if (!accessToken || (accessExpiresAt && Date.now() > accessExpiresAt - 15000)) await refresh();
  let res = await send(method, path, body, accessToken, key);
  if (res.status === 401) {
    await refresh();
    res = await send(method, path, body, accessToken, key);
    if (res.status === 401) {
      const err = await parse(res).catch((e) => e);
      throw expire(err);
    }
  }
  return parse(res);
}

/** Fetch a file (an export) with the session's token, as a Blob. */
export async function download(path) {
  if (!kind) throw expire();
  if (!accessToken || (accessExpiresAt && Date.now() > accessExpiresAt - 15000)) await refresh();
  let res = await send('GET', path, undefined, accessToken);
  if (res.status === 401) {
    await refresh();
    res = await send('GET', path, undefined, accessToken);
  }
  if (!res.ok) return parse(res); // throws the API's error
  return res.blob();
}

// The calls the app shell makes.
export const join = (code, pin, deviceName) => api('POST', '/api/auth/join', { code, pin, deviceName }, { auth: false });
export const unlock = (d, pin) => api('POST', '/api/auth/unlock', { deviceId: d.deviceId, deviceSecret: d.deviceSecret, pin }, { auth: false });
export const login = (email, password) => api('POST', '/api/auth/login', { email, password }, { auth: false });
export const me = () => api('GET', '/api/me');
export const saveLanguage = (language) => api('PATCH', '/api/me', { language });

/**
 * One thing being created from a form: the same Idempotency-Key for every
 * try until Heard has made it, then a fresh one for the next.
 * Usage: const create = oneCreate(); ... await create('POST', path, body).
 */
export function oneCreate() {
  const fresh = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  let key = fresh();
  return async (method, path, body) => {
    try {
      const out = await api(method, path, body, { key });
      key = fresh();
      return out;
    } catch (err) {
      // Made once already, before the form was changed: the next save is a new thing.
      if (err.code === 'idempotency_key_reused') key = fresh();
      throw err;
    }
  };
}
