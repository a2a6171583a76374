// Read aloud: speaks the visible words of the current screen in the app's
// language, with the browser's own speech (nothing is sent anywhere).

export function supported() {
  return typeof window.speechSynthesis !== 'undefined' && typeof window.SpeechSynthesisUtterance !== 'undefined';
}

export function speaking() {
  return supported() && (window.speechSynthesis.speaking || window.speechSynthesis.pending);
}

export function stop() {
  if (supported()) window.speechSynthesis.cancel();
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

/** Read root's text aloud in lang; calls onEnd when done or stopped. */
export function read(root, lang, onEnd = () => {}) {
  if (!supported()) return false;
  const synth = window.speechSynthesis;
  synth.cancel();
  const text = screenText(root);
  if (!text) return false;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  const voice = synth.getVoices().find((v) => v.lang && v.lang.toLowerCase().split(/[-_]/)[0] === lang);
  if (voice) u.voice = voice;
  u.rate = 0.95;
  u.onend = onEnd;
  u.onerror = onEnd;
  synth.speak(u);
  return true;
}
