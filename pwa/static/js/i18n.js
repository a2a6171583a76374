// Translations. The server sends the catalogues (GET /api/i18n and
// /api/i18n/{lang}); the service worker keeps them for offline use.
// A message is a string or a plural object {zero, one, two, few, many, other}
// chosen with Intl.PluralRules; placeholders look like {name}.

import { KEYS, get, set } from './prefs.js';

let languages = [];
let defaultLang = 'en';
let lang = 'en';
let dir = 'ltr';
let messages = {};
let plurals = new Intl.PluralRules('en');
const warned = new Set();

async function fetchJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** Loads the language list and the best language's catalogue. */
export async function init() {
  const index = await fetchJSON('/api/i18n');
  languages = Array.isArray(index.languages) ? index.languages : [];
  defaultLang = index.default || 'en';
  await load(pick(get(KEYS.lang)));
}

/** The saved choice, else the browser's languages, else the default. */
export function pick(saved) {
  const codes = languages.map((l) => l.code);
  if (saved && codes.includes(saved)) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (codes.includes(base)) return base;
  }
  return codes.includes(defaultLang) ? defaultLang : codes[0] || 'en';
}

async function load(code) {
  const cat = await fetchJSON(`/api/i18n/${encodeURIComponent(code)}`);
  messages = cat.messages || {};
  lang = cat.lang || code;
  const info = languages.find((l) => l.code === lang);
  dir = cat.dir || (info && info.dir) || 'ltr';
  plurals = new Intl.PluralRules(lang);
  const root = document.documentElement;
  root.lang = lang;
  root.dir = dir;
}

/** Switches language; the choice is remembered on this phone. */
export async function setLanguage(code) {
  await load(code);
  set(KEYS.lang, code);
}

export const current = () => lang;
export const direction = () => dir;
export const list = () => languages.slice();

/** A locale tag for Intl formatters: the browser's own region for the app's
 * language when it has one (en-GB dates for a British phone), the Gregorian
 * calendar, and digits 0–9 in every language so they match the PIN pad and
 * the join codes. */
export function locale() {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
  let tag = lang === 'en' ? 'en-GB' : lang;
  for (const w of wanted) {
    const t = String(w);
    if (t.toLowerCase().split('-')[0] === lang && t.includes('-')) {
      tag = t;
      break;
    }
  }
  try {
    return Intl.getCanonicalLocales(`${tag}-u-ca-gregory-nu-latn`)[0];
  } catch {
    return `${lang}-u-ca-gregory-nu-latn`;
  }
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(messages, key);
}

/** Translate key, filling {placeholders} from params. params.count picks the plural form. */
export function t(key, params = {}) {
  let msg = messages[key];
  if (msg === undefined) {
    if (!warned.has(key)) {
      warned.add(key);
      console.warn(`i18n: no "${key}" in ${lang}`);
    }
    return key;
  }
  if (typeof msg === 'object' && msg !== null) {
    const n = Number(params.count);
    let form = 'other';
    if (Number.isFinite(n)) form = n === 0 && msg.zero !== undefined ? 'zero' : plurals.select(n);
    msg = msg[form] !== undefined ? msg[form] : msg.other;
  }
  return String(msg).replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A date and time in the current language, e.g. "3 May, 14:35". */
export function formatDateTime(iso, options) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const opts = options || { dateStyle: 'medium', timeStyle: 'short' };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}

/** Just the time if it is today, else date and time. */
export function formatWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? formatDateTime(d, { timeStyle: 'short' }) : formatDateTime(d);
}

/** A wait in words: "40 seconds", "3 minutes", "2 hours" (rounded up). */
export function formatDuration(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 60) return t('time.seconds', { count: s });
  if (s < 3600) return t('time.minutes', { count: Math.ceil(s / 60) });
  return t('time.hours', { count: Math.ceil(s / 3600) });
}
