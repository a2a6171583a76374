// Read aloud: speaks the visible words of the current screen in the app's
// language, with the browser's own speech (nothing is sent anywhere). Only a
// voice for that language reads: where the phone has none, the screen says so
// in the language, rather than reading it in another language's accent.

import { t } from './i18n.js';

export function supported() {
  return typeof window.speechSynthesis !== 'undefined' && typeof window.SpeechSynthesisUtterance !== 'undefined';
}

export function speaking() {
  return supported() && (window.speechSynthesis.speaking || window.speechSynthesis.pending);
}

// Every screen change stops reading; asking the browser to stop when nothing
// is being read would cost each one a wait for the browser.
export function stop() {
  if (speaking()) window.speechSynthesis.cancel();
}

const BLOCKS = 'h1,h2,h3,h4,p,li,label,legend,summary,dt,dd,th,td,button,a,[data-read]';
const SKIP = 'select,option,input,textarea,script,[aria-hidden="true"],[data-noread]';

function visible(el) {
  if (typeof el.checkVisibility === 'function') return el.checkVisibility();
  return el.offsetParent !== null || el.getClientRects().length > 0;
}

/** The screen's visible text, one block per line, each said once. */
export function screenText(root) {
  const lines = [];
  for (const el of root.querySelectorAll(BLOCKS)) {
    if (el.closest(SKIP)) continue;
    // Skip a block inside another block: the outer one already said it.
    const outer = el.parentElement && el.parentElement.closest(BLOCKS);
    if (outer && root.contains(outer)) continue;
    if (!visible(el)) continue;
    let text = '';
    if (el.matches('[data-read]')) text = el.dataset.read;
    else text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
    if (!text && el.getAttribute('aria-label')) text = el.getAttribute('aria-label');
    if (text) lines.push(/[.!?؟…:،]$/.test(text) ? text : `${text}.`);
  }
  return lines.join('\n');
}

// Voices for a language: its code, or for Dari (prs) also Farsi as spoken in
// Afghanistan (fa-AF), never Iranian Farsi. Voices on the phone first.
const VOICE_TAGS = { prs: ['prs', 'fa-af'] };

export function voiceFor(lang, voices) {
  const tags = VOICE_TAGS[lang] || [lang];
  const fits = (v) => {
    const tag = String(v.lang || '').toLowerCase().replace(/_/g, '-');
    return tags.some((want) => (want.includes('-') ? tag === want : tag.split('-')[0] === want));
  };
  const found = voices.filter(fits);
  return found.find((v) => v.localService) || found[0] || null;
}

/** Voices load after the page in some browsers: wait a little for them. */
function voices() {
  const synth = window.speechSynthesis;
  const now = synth.getVoices();
  if (now.length) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = () => resolve(synth.getVoices());
    synth.addEventListener('voiceschanged', done, { once: true });
    setTimeout(done, 1500);
  });
}

if (supported()) window.speechSynthesis.getVoices(); // starts loading them

/** Says plainly, on the screen and to screen readers, that there is no voice. */
function sayNoVoice(root) {
  const main = document.getElementById('main') || root;
  let note = document.getElementById('no-voice');
  if (!note) {
    note = document.createElement('p');
    note.id = 'no-voice';
    note.className = 'msg msg-info';
    note.setAttribute('role', 'status');
    main.prepend(note);
  }
  note.textContent = t('nav.no_voice');
}

/** Read root's text aloud in lang; calls onEnd when done, stopped, or when
 * the phone has no voice for lang (then the screen says so). */
export function read(root, lang, onEnd = () => {}) {
  if (!supported()) return false;
  const synth = window.speechSynthesis;
  synth.cancel();
  const text = screenText(root);
  if (!text) return false;
  voices().then((list) => {
    const voice = voiceFor(lang, list);
    if (!voice) {
      sayNoVoice(root);
      onEnd();
      return;
    }
    const u = new SpeechSynthesisUtterance(text);
    u.lang = voice.lang;
    try {
      u.voice = voice;
    } catch {
      // Not a voice object the browser made: the language alone chooses.
    }
    u.rate = 0.95;
    u.onend = onEnd;
    u.onerror = onEnd;
    synth.speak(u);
  });
  return true;
}
