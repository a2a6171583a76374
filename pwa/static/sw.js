/* Heard's service worker.
 *
 * - Install: keep the app shell and every language's words, so the app opens
 *   offline once it has been opened online.
 * - Pages: network first, falling back to the kept shell.
 * - App files: from the cache first.
 * - /api/i18n*: from the cache at once, refreshed in the background.
 * - Every other /api/ request goes to the network only: personal data is
 *   never cached.
 * - Push: show the (already translated, lock-screen-safe) notification once
 *   per id, even when Heard sends it again after a crash and the first was
 *   dismissed; a tap opens the app at the notification's address.
 *
 * The server (pwa.FS) fills in BUILD with a hash of the app's files, so every
 * change gets a fresh cache, and FILES with the list of the app's files. Bump
 * VERSION to force a fresh cache by hand.
 */

const VERSION = 1;
const BUILD = 'dev';
const PREFIX = 'heard-';
const SHELL_CACHE = `${PREFIX}shell-v${VERSION}-${BUILD}`;
const I18N_CACHE = `${PREFIX}i18n-v${VERSION}-${BUILD}`;

// FILES is filled in by the server (pwa.FS) with every file of the app.
const FILES = [];
const SHELL = ['/', ...FILES];

const I18N_INDEX = '/api/i18n';
const NAV_TIMEOUT_MS = 6000;
const MATCH = { ignoreVary: true };

async function precacheI18n() {
  const cache = await caches.open(I18N_CACHE);
  const res = await fetch(I18N_INDEX, { cache: 'no-store' });
  if (!res.ok) throw new Error(`i18n index: ${res.status}`);
  await cache.put(I18N_INDEX, res.clone());
  const index = await res.json();
  const codes = (index.languages || []).map((l) => l.code).filter(Boolean);
  await Promise.all(codes.map(async (code) => {
    const url = `${I18N_INDEX}/${encodeURIComponent(code)}`;
    const r = await fetch(url, { cache: 'no-store' });
    if (!r.ok) throw new Error(`i18n ${code}: ${r.status}`);
    await cache.put(url, r);
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL_CACHE);
    await shell.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await precacheI18n();
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, I18N_CACHE]);
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

function isI18n(url) {
  return url.pathname === I18N_INDEX || url.pathname.startsWith(`${I18N_INDEX}/`);
}

async function networkFirstPage(request) {
  try {
    const res = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), NAV_TIMEOUT_MS)),
    ]);
    return res;
  } catch {
    const cached = await caches.match('/', { ...MATCH, cacheName: SHELL_CACHE }) || await caches.match('/', MATCH);
    return cached || Response.error();
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, MATCH);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok && res.type === 'basic') {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, res.clone());
  }
  return res;
}

async function staleWhileRevalidate(event) {
  const cache = await caches.open(I18N_CACHE);
  const cached = await cache.match(event.request, MATCH);
  const fresh = fetch(event.request).then(async (res) => {
    if (res.ok) await cache.put(event.request, res.clone());
    return res;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => {}));
    return cached;
  }
  return fresh;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isI18n(url)) {
    event.respondWith(staleWhileRevalidate(event));
    return;
  }
  if (url.pathname.startsWith('/api/')) return; // network only
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

/* ---- Preferences from the page (language for notifications) and the list
   of notification ids already shown, kept in IndexedDB. ---- */

const DB_NAME = 'heard-sw';
const SHOWN_LIMIT = 200;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      const shown = db.createObjectStore('shown', { keyPath: 'id' });
      shown.createIndex('at', 'at');
      db.createObjectStore('prefs');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

function get(store, key) {
  return new Promise((resolve, reject) => {
    const req = store.get(key);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function getPrefs() {
  try {
    const db = await openDb();
    const tx = db.transaction('prefs', 'readonly');
    const prefs = await get(tx.objectStore('prefs'), 'lang');
    db.close();
    return prefs || {};
  } catch {
    return {};
  }
}

async function savePrefs(prefs) {
  const db = await openDb();
  const tx = db.transaction('prefs', 'readwrite');
  tx.objectStore('prefs').put(prefs, 'lang');
  await done(tx);
  db.close();
}

/**
 * Claim a notification id for showing. A push is sent again after a server
 * crash with the same id, and the notification's tag alone would show it again
 * once the first was dismissed. The check and the record are one readwrite
 * transaction, which IndexedDB runs one at a time, so two copies arriving
 * together cannot both pass. Keeps the newest SHOWN_LIMIT ids. Resolves true
 * the first time an id is claimed (and when the list cannot be read: better
 * shown twice than not at all).
 */
async function claimShowing(id) {
  let db;
  try {
    db = await openDb();
  } catch {
    return true;
  }
  try {
    const tx = db.transaction('shown', 'readwrite');
    const store = tx.objectStore('shown');
    if (await get(store, id)) {
      await done(tx);
      return false;
    }
    store.put({ id, at: Date.now() });
    const count = await new Promise((resolve) => {
      const req = store.count();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(0);
    });
    let extra = count - SHOWN_LIMIT;
    if (extra > 0) {
      store.index('at').openCursor().onsuccess = (e) => {
        const cursor = e.target.result;
        if (cursor && extra > 0) {
          cursor.delete();
          extra -= 1;
          cursor.continue();
        }
      };
    }
    await done(tx);
    return true;
  } catch {
    return true;
  } finally {
    db.close();
  }
}

/** Give back a claimed id whose notification could not be shown, so a copy sent again is shown. */
async function unclaimShowing(id) {
  const db = await openDb();
  const tx = db.transaction('shown', 'readwrite');
  tx.objectStore('shown').delete(id);
  await done(tx);
  db.close();
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'prefs' && typeof data.lang === 'string') {
    event.waitUntil(savePrefs({ lang: data.lang, dir: data.dir === 'rtl' ? 'rtl' : 'ltr' }).catch(() => {}));
  }
});

/** Only addresses inside the app may be opened from a notification. */
function safeUrl(raw) {
  try {
    const u = new URL(raw || '/', self.location.origin);
    return u.origin === self.location.origin ? u.href : new URL('/', self.location.origin).href;
  } catch {
    return new URL('/', self.location.origin).href;
  }
}

self.addEventListener('push', (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = {};
  }
  event.waitUntil((async () => {
    const id = payload.id ? String(payload.id) : '';
    if (id && !await claimShowing(id)) return;
    const prefs = await getPrefs();
    const url = safeUrl(payload.url);
    const options = {
      body: typeof payload.body === 'string' ? payload.body : '',
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-72.png',
      data: { id, url },
      lang: payload.lang || prefs.lang || '',
      dir: payload.dir || prefs.dir || 'auto',
    };
    if (id) options.tag = id;
    try {
      await self.registration.showNotification(typeof payload.title === 'string' && payload.title ? payload.title : 'Heard', options);
    } catch (err) {
      if (id) await unclaimShowing(id).catch(() => {});
      throw err;
    }
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const url = safeUrl(data.url);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const mine = windows.filter((c) => new URL(c.url).origin === self.location.origin);
    const client = mine.find((c) => c.focused) || mine.find((c) => c.visibilityState === 'visible') || mine[0];
    if (client) {
      try {
        await client.focus();
      } catch {
        // Focus can be refused; the message still moves the app.
      }
      client.postMessage({ type: 'navigate', url });
      return;
    }
    await self.clients.openWindow(url);
  })());
});
