/* Heard's service worker.
 *
 * Caching (this part):
 * - App files have content-hashed addresses (pwa/build.go), so one cache,
 *   kept across updates, holds each file once; a new version brings only the
 *   files that changed, and files no version uses any more are dropped.
 * - Install: keep the welcome screen's files. They are in the browser's own
 *   cache already (the page has just loaded them, marked immutable), so this
 *   costs nothing on the wire. After an update, a phone that has kept a
 *   role's app gets that role's new files.
 * - After sign-in the page asks ("keep") for the rest of its role's app:
 *   code, styles, pictures and this language's words, fetched in the
 *   background, each once.
 * - Pages: once this phone keeps a role's app of this version, the shell (/)
 *   comes from the phone at once, in the language kept, so opening the app
 *   never waits for the network (a new version comes with a new sw.js, whose
 *   install keeps its own shell). Otherwise network first, falling back to
 *   the kept shell.
 * - App files: from the cache first. Other /api/ requests go to the network
 *   only: personal data is never cached.
 * - Push (below): show the (already translated, lock-screen-safe)
 *   notification once per id, even when Heard sends it again after a crash
 *   and the first was dismissed; a tap opens the app at its address.
 *
 * The server fills in BUILD (a hash of the app), FILES (every hashed
 * address), WELCOME (the welcome screen's files) and KEEP (per role, its files
 * and per language its words). Bump VERSION to start a fresh cache by hand.
 */

const VERSION = 2;
const BUILD = 'dev';
const PREFIX = 'heard-';
const CACHE = `${PREFIX}app-v${VERSION}`;

const FILES = [];
const WELCOME = [];
const KEEP = {};

const OURS = new Set(FILES);
const NAV_TIMEOUT_MS = 6000;
const MATCH = { ignoreVary: true };

/** Fetch and keep each address not kept yet; the browser's cache answers
 * for files it already has. */
async function keep(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(urls.map(async (url) => {
    if (await cache.match(url, MATCH)) return;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    await cache.put(url, res);
  }));
}

/** The shell (/) in the language kept: it starts in that language's
 * direction and preloads its words. Fetched afresh for each version. */
async function keepShell(lang) {
  const res = await fetch('/', { headers: { 'Accept-Language': lang } });
  if (!res.ok) throw new Error(`/: ${res.status}`);
  const cache = await caches.open(CACHE);
  await cache.put('/', res);
}

/** Everything a role's phone needs offline, words in one language, then the
 * shell itself, last, so a kept shell means a kept app. */
async function keepRole(role, lang) {
  const kind = role === 'young_person' ? 'young_person' : 'staff';
  const set = KEEP[kind];
  if (!set) return;
  const kept = await getKept();
  const fresh = kept.build === BUILD && kept.kind === kind && kept.lang === lang;
  if (fresh && await caches.match('/', { ...MATCH, cacheName: CACHE })) return; // kept already
  const words = set.words[lang] || set.words.en || [];
  await keep([...set.files, ...words]);
  await keepShell(lang);
  await setKept({ role, kind, lang, build: BUILD }).catch(() => {});
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await keep(WELCOME);
    const kept = await getKept();
    if (kept.role) await keepRole(kept.role, kept.lang).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
    const cache = await caches.open(CACHE);
    for (const req of await cache.keys()) {
      const path = new URL(req.url).pathname;
      if (path !== '/' && !OURS.has(path)) await cache.delete(req);
    }
    await self.clients.claim();
  })());
});

/** The kept shell, if this phone keeps a role's app of this version: then
 * everything the shell loads is on the phone too. */
async function keptShell() {
  const kept = await getKept();
  if (kept.build !== BUILD) return null;
  return caches.match('/', { ...MATCH, cacheName: CACHE });
}

async function openPage(request) {
  const path = new URL(request.url).pathname;
  if (path === '/' || path === '/index.html') {
    const kept = await keptShell();
    if (kept) return kept;
  }
  return networkFirstPage(request);
}

async function networkFirstPage(request) {
  try {
    const res = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), NAV_TIMEOUT_MS)),
    ]);
    // The shell as it is now, for the next time the phone is offline.
    const path = new URL(request.url).pathname;
    if (res.ok && res.type === 'basic' && (path === '/' || path === '/index.html')) {
      const copy = res.clone();
      caches.open(CACHE).then((cache) => cache.put('/', copy)).catch(() => {});
    }
    return res;
  } catch {
    const cached = await caches.match('/', { ...MATCH, cacheName: CACHE });
    return cached || Response.error();
  }
}

async function cacheFirst(request, path) {
  const cached = await caches.match(request, MATCH);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok && res.type === 'basic' && OURS.has(path)) {
    const cache = await caches.open(CACHE);
    await cache.put(request, res.clone());
  }
  return res;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // network only
  if (request.mode === 'navigate') {
    event.respondWith(openPage(request));
    return;
  }
  event.respondWith(cacheFirst(request, url.pathname));
});

/* The role whose app this phone keeps, so an update keeps it too. */

async function getKept() {
  try {
    const db = await openDb();
    const tx = db.transaction('prefs', 'readonly');
    const kept = await get(tx.objectStore('prefs'), 'kept');
    db.close();
    return kept || {};
  } catch {
    return {};
  }
}

async function setKept(kept) {
  const db = await openDb();
  const tx = db.transaction('prefs', 'readwrite');
  tx.objectStore('prefs').put(kept, 'kept');
  await done(tx);
  db.close();
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'keep' || typeof data.role !== 'string') return;
  const lang = typeof data.lang === 'string' ? data.lang : 'en';
  const port = event.ports && event.ports[0];
  event.waitUntil((async () => {
    let ok = true;
    try {
      await keepRole(data.role, lang);
    } catch {
      ok = false;
    }
    if (port) port.postMessage({ kept: ok });
  })());
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
