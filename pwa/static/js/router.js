// Hash routing (#/join, #/home ...), so the server needs no fallback route.

import { clear, h } from './dom.js';

// For each module loaded on demand, the modules it needs that the welcome
// screen has not loaded (app.js hands over what the server filled in).
let needs = {};
export function setNeeds(n) {
  needs = n || {};
}

/**
 * Load a module on demand ('/js/join.js', which the server turns into its
 * content-hashed address), asking for everything it imports at once rather
 * than one level of imports after another.
 */
export function loadModule(url) {
  for (const dep of needs[url] || []) preload(dep);
  return import(url);
}

/** Fetch a module loaded on demand and everything it imports, without
 * running it yet. */
export function preloadModule(url) {
  preload(url);
  for (const dep of needs[url] || []) preload(dep);
}

function preload(url) {
  if (!document.querySelector(`link[href="${url}"]`)) document.head.append(h('link', { rel: 'modulepreload', href: url }));
}

const routes = [];
let guard = () => null;
let renderCount = 0;
let firstRender = true;
let beforeRender = () => {};
let returnTo = null;

/** Remember where someone was going when they had to unlock or sign in. */
export function rememberReturn(path) {
  if (path && path !== '/' && !/^\/(unlock|signin|reset|join|welcome)/.test(path)) returnTo = path;
}

/** Where to go after signing in (once), or null. */
export function takeReturn() {
  const p = returnTo;
  returnTo = null;
  return p;
}

/**
 * Register a route. path is like '/young-people/:id/code'. access is
 * 'public' (anyone), 'guest' (only when signed out) or 'auth' (signed in).
 */
export function route(path, handler, access = 'public') {
  const keys = [];
  const pattern = new RegExp(
    '^' + path.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '/?$',
  );
  routes.push({ path, pattern, keys, handler, access });
}

/**
 * guard(route, path, known) returns a path to go to instead, or null to go
 * ahead; known is false when no route matched (a feature's screen before its
 * code is loaded), and route is then the welcome route.
 */
export function setGuard(fn) {
  guard = fn;
}

export function setBeforeRender(fn) {
  beforeRender = fn;
}

export function currentPath() {
  const raw = location.hash.replace(/^#/, '');
  return raw.startsWith('/') ? raw : '/';
}

export function navigate(path, { replace = false } = {}) {
  const hash = `#${path}`;
  if (location.hash === hash) {
    render();
    return;
  }
  if (replace) {
    history.replaceState(history.state, '', hash);
    render();
  } else {
    location.hash = hash;
  }
}

function match(path) {
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

/** Render the current route into #app. */
export async function render() {
  const token = ++renderCount;
  const path = currentPath();
  const matched = match(path);
  const found = matched || match('/');
  const redirect = guard(found.route, path, Boolean(matched));
  if (redirect && redirect !== path) {
    navigate(redirect, { replace: true });
    return;
  }
  beforeRender();
  const node = await found.route.handler(found.params, path);
  if (token !== renderCount || !node) return;
  const app = document.getElementById('app');
  clear(app);
  app.append(node);
  app.setAttribute('aria-busy', 'false');
  const title = node.dataset.title;
  document.title = title ? `${title} · Heard` : 'Heard';
  // Move focus to the new screen's heading so screen readers hear the change.
  if (!firstRender) {
    const heading = node.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

export function start() {
  window.addEventListener('hashchange', render);
  return render();
}
