/* What a young person sends is kept on the phone first, in an IndexedDB
 * "outbox" (one database per feature), and sent when Heard can be reached.
 * This module holds what the features' outboxes share. */

/** A version 4 UUID made on the phone, so a resend is recognised as the same item. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A refusal that sending again cannot fix (the item itself is wrong). */
export function permanent(err) {
  return err.status >= 400 && err.status < 500 && ![401, 408, 425, 429].includes(err.status) && err.code !== 'session_expired';
}

/**
 * "Not now" from Heard: it is busy (503) or asks this phone to slow down
 * (429). The item stays on the phone, shown as waiting, never as failed, and
 * goes again later with the same id.
 */
export function notNow(err) {
  return err.status === 503 || err.status === 429;
}

// How long to wait before sending again when Heard did not say.
const RETRY_MS = 20000;

/**
 * How long to wait before sending an item again: the Retry-After Heard gave,
 * else RETRY_MS; plus up to half as much again at random, so that phones told
 * to wait at the same moment do not all come back at the same moment.
 */
export function retryDelay(err) {
  const asked = err && err.retryAfter > 0 ? err.retryAfter * 1000 : RETRY_MS;
  return Math.round(asked * (1 + Math.random() / 2));
}

/**
 * One pending retry of fn: each call of the returned function(ms) replaces the
 * one before; ms 0 cancels it.
 */
export function retrier(fn) {
  let timer = null;
  return (ms) => {
    clearTimeout(timer);
    timer = ms ? setTimeout(fn, ms) : null;
  };
}

/** An IndexedDB request as a promise. */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// Every outbox's database name, so signing out can empty them all.
const outboxes = [];

/**
 * Forget everything a young person left waiting on this phone, in every
 * outbox: on a shared phone, unsent cards and notes must not stay behind once
 * they have signed the phone out.
 */
export async function forgetUser(userId) {
  await Promise.all(outboxes.map((name) => new Promise((resolve) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore('outbox', { keyPath: 'id' });
      store.createIndex('user', 'userId');
    };
    req.onerror = () => resolve();
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('outbox', 'readwrite');
      const cursor = tx.objectStore('outbox').index('user').openCursor(IDBKeyRange.only(userId));
      cursor.onsuccess = () => {
        if (cursor.result) {
          cursor.result.delete();
          cursor.result.continue();
        }
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => { db.close(); resolve(); };
    };
  })));
}

/**
 * The outbox in the database called name: an object store "outbox" keyed by
 * id, with an index "user". Returns withStore(mode, fn): fn gets the object
 * store in a transaction and returns a promise (see request); withStore
 * resolves with its result once the transaction has completed.
 */
export function outbox(name) {
  let dbPromise = null;
  outboxes.push(name);
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          const store = req.result.createObjectStore('outbox', { keyPath: 'id' });
          store.createIndex('user', 'userId');
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      }).catch((err) => {
        dbPromise = null;
        throw err;
      });
    }
    return dbPromise;
  }
  return async function withStore(mode, fn) {
    const db = await openDb();
    const tx = db.transaction('outbox', mode);
    const result = await fn(tx.objectStore('outbox'));
    await new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  };
}
