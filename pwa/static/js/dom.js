// Small DOM helpers. Text always goes in as text nodes, never as HTML, and no
// inline styles or handlers are ever written (the app runs under a strict CSP).

const SVG = 'http://www.w3.org/2000/svg';

/**
 * h('button', {class: 'btn', id: 'x', on: {click: fn}, data: {role: 'x'}}, 'text', child)
 * Attributes: class, id, text, on, data, and any other attribute name. `true`
 * sets a boolean attribute, false/null/undefined leave it out. Properties that
 * must be set as properties (value, checked) are set as such.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else if (k === 'data') {
        for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
      } else if (k === 'text') {
        el.textContent = v;
      } else if (k === 'class') {
        el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      } else if (k === 'value' || k === 'checked' || k === 'selected') {
        el[k] = v;
      } else if (k === 'style' || k.startsWith('on')) {
        throw new Error('h: inline styles and handlers are not allowed');
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Icons: simple stroked shapes drawn for Heard, 24×24, using currentColor.
const ICONS = {
  lock: [['rect', { x: 5, y: 11, width: 14, height: 10, rx: 2 }], ['path', { d: 'M8 11V8a4 4 0 0 1 8 0v3' }]],
  settings: [
    ['path', { d: 'M4 7h9M17 7h3M4 17h3M11 17h9' }],
    ['circle', { cx: 15, cy: 7, r: 2 }],
    ['circle', { cx: 9, cy: 17, r: 2 }],
  ],
  speaker: [['path', { d: 'M4 9h4l5-4v14l-5-4H4z' }], ['path', { d: 'M16.5 9a4 4 0 0 1 0 6M19 6.5a7.5 7.5 0 0 1 0 11' }]],
  stop: [['rect', { x: 7, y: 7, width: 10, height: 10, rx: 1 }]],
  signout: [['path', { d: 'M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4' }], ['path', { d: 'M9 8l-4 4 4 4M5 12h10' }]],
  back: [['path', { d: 'M15 5l-7 7 7 7' }]],
  backspace: [['path', { d: 'M9 6h11v12H9l-6-6z' }], ['path', { d: 'M12 9.5l5 5M17 9.5l-5 5' }]],
  globe: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18' }]],
  phone: [['rect', { x: 7, y: 3, width: 10, height: 18, rx: 2 }], ['path', { d: 'M11 18h2' }]],
  key: [['circle', { cx: 8, cy: 12, r: 4 }], ['path', { d: 'M12 12h9M18 12v3M21 12v2' }]],
  list: [['path', { d: 'M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01' }]],
  people: [['circle', { cx: 9, cy: 8, r: 3 }], ['path', { d: 'M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6' }], ['path', { d: 'M16 5.5a3 3 0 0 1 0 5.5M18 14.5c2 .8 3 2.9 3 5.5' }]],
};

// Icons whose direction means something (arrows) are mirrored in right-to-left
// layouts by CSS through the flip class.
const FLIP = new Set(['back', 'signout']);

export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', FLIP.has(name) ? 'icon flip' : 'icon');
  for (const [tag, attrs] of ICONS[name] || []) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}

let uid = 0;
/** A unique id for wiring labels and descriptions. */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Announce a short message to screen readers through the polite live region. */
export function announce(text) {
  const region = document.getElementById('announce');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read repeats too.
  setTimeout(() => { region.textContent = text; }, 50);
}

/**
 * Runs fn once the screen being built has been painted (the next frame, or
 * soon in a tab not shown): a screen's first paint does not wait for what it
 * asks the network for, nor share the phone's connection with it.
 */
export function afterPaint(fn) {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, 250);
}
