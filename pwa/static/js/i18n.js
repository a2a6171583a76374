// Translations. Heard's words come in parts per language (see i18n/parts.go):
// "welcome" for the first screen, "shell" for the rest of the app's frame and
// one part per feature. Each part is a file with a content-hashed address,
// kept by the browser; init() loads the welcome part, need() the others.
// A message is a string or a plural object {zero, one, two, few, many, other}
// chosen with Intl.PluralRules; placeholders look like {name}.

import { KEYS, get, set } from './prefs.js';

// Filled in by the server (pwa/build.go): the languages, and the address of
// each part of each language's words.
const CATALOGUES = {};

const languages = CATALOGUES.languages || [];
const addresses = CATALOGUES.words || {};
let lang = 'en';
let dir = 'ltr';
let messages = {};
let plurals = new Intl.PluralRules('en');
let timeZone; // the area's, once signed in; else the phone's
let areaCodes = []; // the area's languages, offered first
const warned = new Set();
const needed = new Set(['welcome']); // the parts this visit has needed
const parts = new Map(); // "en/welcome" → promise of its messages

/** The messages of one part of one language (fetched once per visit). */
function part(code, name) {
  const key = `${code}/${name}`;
  if (!parts.has(key)) {
    const url = (addresses[code] || {})[name];
    const p = url
      ? fetch(url).then((res) => {
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        return res.json();
      })
      : Promise.resolve({});
    parts.set(key, p);
    p.catch(() => parts.delete(key));
  }
  return parts.get(key);
}

/** Loads the best language's welcome words. */
export async function init() {
  await load(pick(get(KEYS.lang)));
}

/** Loads more parts of the current language's words (e.g. need('cards')). */
export async function need(...names) {
  const fresh = names.filter((n) => !needed.has(n));
  if (!fresh.length) return;
  const code = lang;
  const got = await Promise.all(fresh.map((n) => part(code, n)));
  if (code !== lang) return need(...names); // the language changed meanwhile
  for (const n of fresh) needed.add(n);
  messages = Object.assign({}, messages, ...got);
}

/** The saved choice, else the browser's languages, else the default. A
 * browser language matches a language's code or its CLDR locale, whole tag
 * first (fa-AF is Dari, fa-IR Farsi), then by its first part. */
export function pick(saved) {
  const codes = languages.map((l) => l.code);
  if (saved && codes.includes(saved)) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
  for (const raw of wanted) {
    const tag = String(raw).toLowerCase().replace(/_/g, '-');
    const exact = languages.find((l) => l.code === tag || (l.locale && l.locale.toLowerCase() === tag));
    if (exact) return exact.code;
    const base = tag.split('-')[0];
    if (codes.includes(base)) return base;
  }
  return codes.includes('en') ? 'en' : codes[0] || 'en';
}

/** The stylesheet that brings a script's font to phones without one (the
 * font itself is fetched only if the phone has none of the named ones). */
const FONTS = { Arab: '/css/fonts-arab.css', Ethi: '/css/fonts-ethi.css' };

function loadFonts(script) {
  const href = FONTS[script];
  if (!href || document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

async function load(code) {
  const got = await Promise.all([...needed].map((n) => part(code, n)));
  messages = Object.assign({}, ...got);
  lang = code;
  const info = languages.find((l) => l.code === lang);
  dir = (info && info.dir) || 'ltr';
  plurals = new Intl.PluralRules(intlTag());
  const root = document.documentElement;
  root.lang = lang;
  root.dir = dir;
  const script = (info && info.script) || 'Latn';
  if (script === 'Latn') delete root.dataset.script;
  else root.dataset.script = script;
  loadFonts(script);
}

/** The CLDR locale behind the current language (Dari is fa-AF). */
function intlTag() {
  const info = languages.find((l) => l.code === lang);
  return (info && info.locale) || lang;
}

/** After sign-in: the area's time zone and the languages it offers first. */
export function setArea(zone, codes) {
  timeZone = undefined;
  if (zone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone }); // eslint-disable-line no-new
      timeZone = zone;
    } catch {
      // An unknown zone: keep the phone's.
    }
  }
  areaCodes = Array.isArray(codes) ? codes.slice() : [];
}

/** The area's time zone (undefined: the phone's). */
export const zone = () => timeZone;

/** The languages to offer: the area's first, then the others (any can be chosen). */
export function offered() {
  const inArea = languages.filter((l) => areaCodes.includes(l.code));
  return { area: inArea, other: languages.filter((l) => !areaCodes.includes(l.code)) };
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
  const base = intlTag();
  let tag = base === 'en' ? 'en-GB' : base;
  if (base === lang) {
    for (const w of wanted) {
      const t = String(w);
      if (t.toLowerCase().split('-')[0] === lang && t.includes('-')) {
        tag = t;
        break;
      }
    }
  }
  try {
    return Intl.getCanonicalLocales(`${tag}-u-ca-gregory-nu-latn`)[0];
  } catch {
    return `${base}-u-ca-gregory-nu-latn`;
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
    return isolate(typeof v === 'number' ? formatNumber(v) : String(v));
  });
}

const RTL_LETTERS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

/** A value put into a sentence is isolated (U+2068 … U+2069), so it keeps
 * its own direction: a phone number or date in a right-to-left sentence, an
 * Arabic name in an English one. Latin values in left-to-right sentences
 * need nothing. */
function isolate(v) {
  if (!v || (dir !== 'rtl' && !RTL_LETTERS.test(v))) return v;
  return `\u2068${v}\u2069`;
}

export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** Where the browser has no dates for the language (many lack Welsh,
 * Pashto, Sorani, Tigrinya or Albanian), dates are written in numbers, day
 * first, and times on the 24-hour clock, rather than with English month
 * and day names in the middle of the language's words. */
function numericOptions(o) {
  const out = { ...o };
  if (out.dateStyle) out.dateStyle = 'short';
  if (out.month && out.month !== 'numeric') out.month = '2-digit';
  if (out.weekday) {
    delete out.weekday;
    if (!out.day && !out.month) Object.assign(out, { day: '2-digit', month: '2-digit' });
  }
  if (out.era) delete out.era;
  return out;
}

/** An Intl.DateTimeFormat for the current language (see numericOptions). */
export function dateFormat(options) {
  const tag = locale();
  if (Intl.DateTimeFormat.supportedLocalesOf([tag]).length) return new Intl.DateTimeFormat(tag, options);
  return new Intl.DateTimeFormat('en-GB-u-ca-gregory-nu-latn', { hourCycle: 'h23', ...numericOptions(options) });
}

/** A date and time in the current language and the area's time zone, e.g.
 * "3 May, 14:35" (options may name another zone, e.g. UTC for a bare day). */
export function formatDateTime(iso, options) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const opts = { timeZone, ...(options || { dateStyle: 'medium', timeStyle: 'short' }) };
  return dateFormat(opts).format(d);
}

/** Just the time if it is today (in the area's zone), else date and time. */
export function formatWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const day = (x) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(x);
  return day(d) === day(new Date()) ? formatDateTime(d, { timeStyle: 'short' }) : formatDateTime(d);
}

/** A wait in words: "40 seconds", "3 minutes", "2 hours" (rounded up). */
export function formatDuration(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 60) return t('time.seconds', { count: s });
  if (s < 3600) return t('time.minutes', { count: Math.ceil(s / 60) });
  return t('time.hours', { count: Math.ceil(s / 3600) });
}
