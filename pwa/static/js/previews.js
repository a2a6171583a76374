// My new home: the young person's preview of a move shared with them. The
// photos (swipe, large, captions read aloud), the placement's page, the move
// day with a countdown and the day itself, "things I want to bring" (kept on
// this phone, shared with the key worker if they choose), questions to the
// placement and their answers, and asking to visit first.
//
// Once opened it works offline: the preview and its photos are kept in one
// cache on the phone, which is emptied when the move is cancelled or the
// preview ends (a month after the move day), and on signing out.

import { h, clear, announce, afterPaint } from './dom.js';
import { t, current as currentLang, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, loading, loadFailed, label } from './ui.js';
import { api, download, getUser, isYoungPerson } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import * as speech from './speech.js';

export const PREVIEW_CACHE = 'heard-preview';
const PHOTO_WIDTH = 720;
const SECTIONS = ['day', 'food', 'rules', 'pets', 'nearby'];

const cacheKey = (...parts) => `/preview-cache/${parts.map(encodeURIComponent).join('/')}`;
const hasCaches = () => typeof caches !== 'undefined';

/** The previews as last seen online, or [] (and only those still open). */
async function keptPreviews() {
  if (!hasCaches()) return [];
  try {
    const res = await (await caches.open(PREVIEW_CACHE)).match(cacheKey(getUser().id, 'previews.json'));
    const items = res ? await res.json() : [];
    const open = items.filter((p) => new Date(p.move.until) > new Date());
    // A month after the move day the preview leaves the phone, online or not.
    if (open.length !== items.length) await keepPreviews(open);
    return open;
  } catch {
    return [];
  }
}

/** Keeps the previews and their photos on the phone; forgets photos of previews gone. */
async function keepPreviews(items) {
  if (!hasCaches()) {
    forgetBringLists(items);
    return;
  }
  const cache = await caches.open(PREVIEW_CACHE);
  const me = getUser().id;
  const wanted = new Set();
  for (const p of items) {
    for (const ph of p.placement.photos || []) wanted.add(cacheKey(me, p.placement.placementId, ph.id));
    if (p.placement.pdf) wanted.add(cacheKey(me, p.placement.placementId, 'booklet.pdf'));
  }
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname;
    if (path.endsWith('/previews.json')) continue;
    if (!wanted.has(path)) await cache.delete(req);
  }
  forgetBringLists(items);
  if (!items.length) {
    await caches.delete(PREVIEW_CACHE);
    return;
  }
  await cache.put(cacheKey(me, 'previews.json'), new Response(JSON.stringify(items), { headers: { 'Content-Type': 'application/json' } }));
}

/** Forgets the "things I want to bring" of moves no longer previewed. */
function forgetBringLists(items) {
  const keep = new Set(items.map((p) => `heard.bring.${p.move.id}`));
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith('heard.bring.') && !keep.has(k)) localStorage.removeItem(k);
  } catch { /* storage unavailable: nothing kept */ }
}

/** The previews: from Heard when it answers (kept for later), else as kept. */
async function loadPreviews() {
  try {
    const data = await api('GET', '/api/me/moves');
    const items = (data && data.items) || [];
    await keepPreviews(items).catch(() => {});
    return { items, offline: false };
  } catch (err) {
    if (err.status === 0 || err.status >= 500 || err.code === 'offline') return { items: await keptPreviews(), offline: true };
    throw err;
  }
}

/** A blob: address of a photo, from the phone when kept, else fetched and kept. */
const shown = new Map();
async function photoURL(placementId, photoId) {
  if (shown.has(photoId)) return shown.get(photoId);
  const key = cacheKey(getUser().id, placementId, photoId);
  let blob = null;
  const cache = hasCaches() ? await caches.open(PREVIEW_CACHE) : null;
  const kept = cache ? await cache.match(key) : null;
  if (kept) blob = await kept.blob();
  else {
    blob = await download(`/api/placements/${placementId}/photos/${photoId}?w=${PHOTO_WIDTH}`);
    if (cache) await cache.put(key, new Response(blob, { headers: { 'Content-Type': 'image/jpeg' } }));
  }
  const url = URL.createObjectURL(blob);
  shown.set(photoId, url);
  return url;
}

/** Whole days from today (on this phone) to a move day (midnight UTC of its date). */
function daysUntil(iso) {
  const d = new Date(iso);
  const now = new Date();
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - today) / 86400000);
}

const moveDay = (iso) => formatDateTime(iso, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

function say(text) {
  if (!speech.supported() || !text) return;
  speech.stop();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = currentLang();
  window.speechSynthesis.speak(u);
}

/* ------------------------------------------------------------ photos -- */

function gallery(p) {
  const photos = p.placement.photos || [];
  if (!photos.length) return null;
  // One large photo at a time: a swipe, the buttons or the arrow keys move on.
  const strip = h('ul', { class: 'pv-strip', id: 'pv-strip', tabindex: '0', 'aria-label': t('previews.photos'), 'aria-roledescription': t('previews.photos') });
  const counter = h('p', { class: 'pv-count', 'aria-live': 'polite' });
  photos.forEach((ph, i) => {
    const caption = ph.caption || label('previews.kind', ph.kind);
    const img = h('img', { class: 'pv-photo', dir: 'auto', alt: caption, width: ph.width, height: ph.height, decoding: 'async', draggable: 'false' });
    photoURL(p.placement.placementId, ph.id).then((url) => { img.src = url; }).catch(() => img.classList.add('pv-photo-missing'));
    strip.append(h('li', { class: 'pv-slide', data: { index: String(i) }, hidden: i !== 0 },
      h('figure', {},
        img,
        h('figcaption', {},
          h('span', { class: 'pv-caption', dir: 'auto', text: caption }),
          speech.supported() ? button(t('previews.read_caption'), { class: 'pv-say', 'aria-label': t('previews.read_caption_of', { caption }), on: { click: () => say(caption) } }, 'quiet') : null))));
  });
  let index = 0;
  const prev = button(t('previews.prev'), { class: 'pv-prev' }, 'secondary');
  const next = button(t('previews.next'), { class: 'pv-next' }, 'secondary');
  const go = (i) => {
    index = Math.max(0, Math.min(photos.length - 1, i));
    [...strip.children].forEach((li, j) => { li.hidden = j !== index; });
    counter.textContent = t('previews.photo_of', { n: index + 1, count: photos.length });
    prev.disabled = index === 0;
    next.disabled = index === photos.length - 1;
  };
  prev.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => go(index + 1));
  // A swipe: towards the start of the reading direction goes on.
  const rtl = () => document.documentElement.dir === 'rtl';
  let from = null;
  strip.addEventListener('pointerdown', (e) => { from = e.clientX; });
  strip.addEventListener('pointerup', (e) => {
    if (from === null) return;
    const dx = e.clientX - from;
    from = null;
    if (Math.abs(dx) < 40) return;
    go(index + ((dx < 0) !== rtl() ? 1 : -1));
  });
  strip.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') go(index + (rtl() ? -1 : 1));
    if (e.key === 'ArrowLeft') go(index + (rtl() ? 1 : -1));
  });
  go(0);
  return h('section', { class: 'pv-gallery', 'aria-labelledby': 'pv-photos-title' },
    h('h2', { id: 'pv-photos-title', class: 'sr-only', text: t('previews.photos') }),
    strip, h('div', { class: 'pv-nav' }, prev, counter, next));
}

/* ------------------------------------------------------ bring list -- */

function bringList(p) {
  const key = `heard.bring.${p.move.id}`;
  const read = () => { try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch { return []; } };
  const write = (items) => { try { localStorage.setItem(key, JSON.stringify(items)); } catch { /* full: kept for this visit */ } };
  let items = read();
  const list = h('ul', { class: 'pv-bring-list', id: 'pv-bring-list' });
  const input = h('input', { id: 'pv-bring-new', type: 'text', maxlength: '80', autocomplete: 'off' });
  const note = message('info');
  function draw() {
    clear(list);
    items.forEach((it, i) => {
      const id = `pv-bring-${i}`;
      const box = h('input', { type: 'checkbox', id, checked: Boolean(it.packed) });
      box.addEventListener('change', () => { items[i].packed = box.checked; write(items); });
      const remove = button(t('previews.bring.remove'), { class: 'pv-bring-remove', 'aria-label': t('previews.bring.remove_item', { item: it.text }) }, 'quiet');
      remove.addEventListener('click', () => { items.splice(i, 1); write(items); draw(); input.focus(); });
      list.append(h('li', { class: 'pv-bring-item' }, box, h('label', { for: id, dir: 'auto', text: it.text }), remove));
    });
  }
  draw();
  const add = button(t('previews.bring.add'), { type: 'submit', id: 'pv-bring-add' }, 'secondary');
  const form = h('form', { class: 'pv-bring-form', novalidate: true },
    h('label', { for: 'pv-bring-new', text: t('previews.bring.new') }), h('div', { class: 'pv-row' }, input, add));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    items.push({ text, packed: false });
    write(items);
    input.value = '';
    draw();
    announce(t('previews.bring.added', { item: text }));
  });
  const share = button(p.keyWorker ? t('previews.bring.share', { name: p.keyWorker }) : t('previews.bring.share_worker'), { id: 'pv-bring-share' }, 'quiet');
  share.addEventListener('click', async () => {
    const done = busy(share);
    try {
      await api('PUT', `/api/me/moves/${p.move.id}/bring`, { items: items.map((it) => it.text) });
      done();
      showMessage(note, 'success', t('previews.bring.shared'));
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return h('section', { class: 'panel pv-bring', 'aria-labelledby': 'pv-bring-title' },
    h('h2', { id: 'pv-bring-title', text: t('previews.bring.title') }),
    h('p', { class: 'meta', text: t('previews.bring.help') }),
    list, form, share, note);
}

/* ------------------------------------------------------- questions -- */

function questions(p, offline) {
  const body = h('div', {}, loading());
  const draw = (items) => {
    clear(body);
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('previews.questions.none') }));
      return;
    }
    body.append(h('ul', { class: 'pv-questions', id: 'pv-questions' }, ...items.map((q) => h('li', { class: 'pv-question', data: { id: q.id } },
      h('p', { class: 'pv-q', dir: 'auto', text: q.text }),
      q.answer
        ? h('p', { class: 'pv-a', text: t('previews.questions.answer', { name: q.answeredBy || p.placement.name, answer: q.answer }) })
        : h('p', { class: 'meta', text: t('previews.questions.waiting') })))));
  };
  const load = () => api('GET', `/api/me/moves/${p.move.id}/questions`).then((d) => draw((d && d.items) || []))
    .catch((err) => clear(body).append(h('p', { class: 'meta', text: offline || err.status === 0 ? t('previews.offline_questions') : errorText(err) })));
  load();
  const input = h('textarea', { id: 'pv-ask-text', dir: 'auto', rows: 3, maxlength: '500' });
  const note = message('info');
  note.id = 'pv-ask-message';
  const send = button(t('previews.questions.send'), { type: 'submit', id: 'pv-ask-send' }, 'primary');
  let askId = null;
  input.addEventListener('input', () => { askId = null; });
  const form = h('form', { class: 'pv-ask', novalidate: true },
    h('label', { for: 'pv-ask-text', text: t('previews.questions.ask', { place: p.placement.name }) }), input, note, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { input.focus(); return; }
    askId = askId || crypto.randomUUID(); // the same id if sent again after a failure
    const done = busy(send, t('previews.questions.sending'));
    try {
      await api('POST', `/api/me/moves/${p.move.id}/questions`, { id: askId, text });
      done();
      input.value = '';
      askId = null;
      showMessage(note, 'success', t('previews.questions.sent', { place: p.placement.name }));
      load();
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return h('section', { class: 'panel pv-questions-panel', 'aria-labelledby': 'pv-questions-title' },
    h('h2', { id: 'pv-questions-title', text: t('previews.questions.title') }), body, form);
}

/* ----------------------------------------------------------- screen -- */

// Other features add panels to the preview: fn(preview, offline) returns a node or nothing.
const previewSections = [];
export function addPreviewSection(fn) {
  previewSections.push(fn);
}

function countdown(p) {
  const n = daysUntil(p.move.date);
  let text;
  if (n > 1) text = t('previews.countdown.days', { count: n });
  else if (n === 1) text = t('previews.countdown.tomorrow');
  else if (n === 0) text = t('previews.countdown.today');
  else text = t('previews.countdown.since', { count: -n });
  return h('div', { class: 'pv-countdown', id: 'pv-countdown' },
    h('p', { class: 'pv-countdown-big', text }),
    h('p', { class: 'meta', text: t('previews.move_on', { date: moveDay(p.move.date) }) }));
}

function theDay(p) {
  const d = p.move.day || {};
  const rows = [['taken_by', d.takenBy], ['leave_at', d.leaveAt], ['journey', d.journey], ['met_by', d.metBy]].filter(([, v]) => v);
  return h('section', { class: 'panel pv-day', 'aria-labelledby': 'pv-day-title' },
    h('h2', { id: 'pv-day-title', text: t('previews.day.title') }),
    rows.length
      ? h('dl', { class: 'pv-day-list' }, ...rows.flatMap(([k, v]) => [h('dt', { text: t(`previews.day.${k}`) }), h('dd', { dir: 'auto', text: v })]))
      : h('p', { class: 'meta', text: t('previews.day.not_yet', { name: p.keyWorker || t('previews.your_worker') }) }));
}

/** A person's photo, small, from the placement's photos. */
function personPhoto(pl, x) {
  const ph = (pl.photos || []).find((q) => q.id === x.photoId);
  if (!ph) return null;
  const img = h('img', { class: 'pv-person-photo', dir: 'auto', alt: x.name, width: 96, height: 96, decoding: 'async' });
  photoURL(pl.placementId, ph.id).then((url) => { img.src = url; }).catch(() => img.remove());
  return img;
}

function page(p) {
  const pl = p.placement;
  const parts = [];
  if (pl.welcome) parts.push(h('section', { class: 'panel pv-welcome' }, h('h2', { text: t('previews.welcome', { place: pl.name }) }), h('p', { class: 'pv-text', dir: 'auto', text: pl.welcome })));
  if ((pl.people || []).length) {
    parts.push(h('section', { class: 'panel pv-people' }, h('h2', { text: t('previews.people') }),
      h('ul', { class: 'pv-people-list' }, ...pl.people.map((x) => h('li', { class: 'pv-person' },
        x.photoId ? personPhoto(pl, x) : null,
        h('p', {}, h('strong', { dir: 'auto', text: x.name }), x.about ? [' — ', h('bdi', { dir: 'auto', text: x.about })] : null))))));
  }
  for (const k of SECTIONS) {
    if (pl[k]) parts.push(h('section', { class: 'panel pv-section' }, h('h2', { text: t(`previews.section.${k}`) }), h('p', { class: 'pv-text', dir: 'auto', text: pl[k] })));
  }
  return parts;
}

/** The welcome booklet: each page opens where it is; the PDF, if any, is
 * fetched when asked for and kept on the phone with the rest of the preview. */
function booklet(p) {
  const pages = p.placement.booklet || [];
  const pdf = p.placement.pdf;
  if (!pages.length && !pdf) return null;
  const note = message('info');
  let open = null;
  if (pdf) {
    open = button(t('previews.booklet.pdf'), { id: 'pv-booklet-pdf' }, 'secondary');
    open.addEventListener('click', async () => {
      const done = busy(open);
      try {
        const key = cacheKey(getUser().id, p.placement.placementId, 'booklet.pdf');
        const cache = hasCaches() ? await caches.open(PREVIEW_CACHE) : null;
        const kept = cache ? await cache.match(key) : null;
        let blob = kept ? await kept.blob() : null;
        if (!blob) {
          blob = await download(`/api/placements/${p.placement.placementId}/booklet.pdf`);
          if (cache) await cache.put(key, new Response(blob, { headers: { 'Content-Type': 'application/pdf' } }));
        }
        done();
        window.open(URL.createObjectURL(blob), '_blank', 'noopener');
      } catch {
        done();
        showMessage(note, 'error', t('previews.booklet.pdf_failed'));
      }
    });
  }
  return h('section', { class: 'panel pv-booklet', id: 'pv-booklet', 'aria-labelledby': 'pv-booklet-title' },
    h('h2', { id: 'pv-booklet-title', text: t('previews.booklet.title') }),
    ...pages.map((pg) => h('details', { class: 'pv-page', lang: pg.lang },
      h('summary', {}, h('bdi', { dir: 'auto', text: pg.title })),
      h('p', { class: 'pv-text', dir: 'auto', text: pg.body }))),
    open, note);
}

function visit(p) {
  const note = message('info');
  const ask = button(t('previews.visit.ask'), { id: 'pv-visit' }, 'secondary');
  if (p.move.visitAskedAt) {
    ask.disabled = true;
    showMessage(note, 'success', t('previews.visit.asked', { name: p.keyWorker || t('previews.your_worker') }));
  }
  ask.addEventListener('click', async () => {
    const done = busy(ask);
    try {
      await api('POST', `/api/me/moves/${p.move.id}/visit`);
      ask.disabled = true;
      ask.removeAttribute('aria-busy');
      showMessage(note, 'success', t('previews.visit.asked', { name: p.keyWorker || t('previews.your_worker') }));
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });
  return h('section', { class: 'panel pv-visit' }, h('h2', { text: t('previews.visit.title') }), h('p', { class: 'meta', text: t('previews.visit.help') }), ask, note);
}

/** #/my-move */
async function previewScreen() {
  if (!isYoungPerson()) {
    navigate('/home', { replace: true });
    return h('div');
  }
  const title = t('previews.title');
  let got;
  try {
    got = await loadPreviews();
  } catch (err) {
    return screen({ title, name: 'my-move', back: '/home', className: 'screen-yp' }, h('h1', { text: title }), loadFailed(err));
  }
  const p = got.items[0];
  if (!p) {
    return screen({ title, name: 'my-move', back: '/home', className: 'screen-yp' },
      h('h1', { text: title }), h('p', { class: 'lead', id: 'pv-none', text: t('previews.none') }));
  }
  if (!got.offline) api('POST', `/api/me/moves/${p.move.id}/opened`).catch(() => {});
  return screen({ title, name: 'my-move', back: '/home', className: 'screen-yp' },
    h('div', { class: 'pv', id: 'pv', data: { move: p.move.id } },
      h('h1', { text: t('previews.heading', { place: p.placement.name }) }),
      got.offline ? h('p', { class: 'msg msg-info', id: 'pv-offline', text: t('previews.offline') }) : null,
      countdown(p),
      gallery(p),
      ...page(p),
      theDay(p),
      ...previewSections.map((fn) => fn(p, got.offline)),
      booklet(p),
      bringList(p),
      questions(p, got.offline),
      visit(p)));
}

/** The home tile, when a preview is open (as kept on the phone, then as Heard says). */
// Shown at once from what the phone kept (so it does not push home down after
// the first paint), then brought up to date from Heard.
async function homeTile() {
  const tile = h('a', { class: 'home-tile pv-tile', href: '#/my-move', id: 'pv-tile', hidden: true },
    h('span', { class: 'home-tile-title', text: t('previews.tile.title') }),
    h('span', { class: 'home-tile-sub', id: 'pv-tile-sub' }));
  const show = (items) => {
    const p = items[0];
    tile.hidden = !p;
    if (p) tile.querySelector('#pv-tile-sub').textContent = t('previews.tile.sub', { place: p.placement.name, count: Math.max(0, daysUntil(p.move.date)) });
  };
  show(await keptPreviews());
  afterPaint(() => loadPreviews().then((r) => show(r.items)).catch(() => {}));
  return tile;
}

let mounted = false;

export function mountPreviews() {
  if (mounted) return;
  mounted = true;
  route('/my-move', previewScreen, 'auth');
  addHomeSection('young_person', homeTile);
}
