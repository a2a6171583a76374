// The young person's cards waiting on the phone (IndexedDB), sent one at a
// time, each with the id made here, so a card goes out exactly once however
// often the connection drops (see cards.js and outbox.js).

import { api, getUser, isYoungPerson } from './api.js';
import { outbox, request, newId, permanent, notNow, retryDelay, retrier } from './outbox.js';

const withStore = outbox('heard-cards');

const queuePut = (entry) => withStore('readwrite', (s) => request(s.put(entry)));
export const queueDelete = (id) => withStore('readwrite', (s) => request(s.delete(id)));
export const queueGet = (id) => withStore('readonly', (s) => request(s.get(id)));

/** The signed-in young person's queued cards, oldest first. */
export async function queued() {
  const user = getUser();
  if (!user || user.role !== 'young_person') return [];
  const all = await withStore('readonly', (s) => request(s.index('user').getAll(user.id)));
  return all.sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt)));
}

// The answers to cards sent from this page, by id: what the sent screen shows.
export const results = new Map();
// What to run when the queue changes (an open list of the young person's cards).
export const listeners = new Set();
export function changed() {
  for (const fn of listeners) fn();
}

function body(entry) {
  const b = { id: entry.id, card: entry.card, sentAt: entry.sentAt };
  if (entry.amount) b.amount = entry.amount;
  if (entry.help) b.help = entry.help;
  if (entry.note) b.note = entry.note;
  return b;
}

/**
 * Send one queued card. Its outcome is 'sent', 'offline', 'busy' (Heard said
 * "not now"), 'later' (another passing fault) or 'failed' (kept, marked);
 * retryMs is when to try again, for a card still waiting.
 */
async function sendOne(entry) {
  try {
    const card = await api('POST', '/api/cards', body(entry));
    await queueDelete(entry.id);
    results.set(entry.id, { card, queued: false });
    return { outcome: 'sent' };
  } catch (err) {
    if (err.code === 'offline') return { outcome: 'offline', retryMs: retryDelay(null) };
    if (permanent(err)) {
      await queuePut({ ...entry, status: 'failed', error: err.code || 'generic' });
      return { outcome: 'failed' };
    }
    return { outcome: notNow(err) ? 'busy' : 'later', retryMs: retryDelay(err) };
  }
}

let flushing = null;
const retryIn = retrier(() => flushQueue());

/** Send every waiting card of the signed-in young person, one at a time. */
export function flushQueue() {
  if (!isYoungPerson()) return Promise.resolve();
  if (!flushing) {
    flushing = (async () => {
      let retryMs = 0;
      try {
        for (const entry of await queued()) {
          if (entry.status === 'failed') continue;
          const r = await sendOne(entry);
          if (r.retryMs) {
            retryMs = r.retryMs;
            break;
          }
        }
      } catch (err) {
        console.warn('cards: queue', err);
      } finally {
        flushing = null;
      }
      retryIn(retryMs);
      changed();
    })();
  }
  return flushing;
}

/** Keep a new card on the phone, then try to send it at once. */
export async function sendCard(draft) {
  const user = getUser();
  const entry = { ...draft, id: newId(), userId: user.id, sentAt: new Date().toISOString(), status: 'waiting' };
  await queuePut(entry);
  if (flushing) await flushing.catch(() => {});
  const r = await sendOne(entry);
  if (r.outcome !== 'sent') {
    results.set(entry.id, { card: null, queued: true, busy: r.outcome === 'busy', entry });
    retryIn(r.retryMs || retryDelay(null));
  }
  changed();
  return { id: entry.id, outcome: r.outcome };
}
