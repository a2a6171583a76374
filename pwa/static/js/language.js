// The language: the picker on the welcome screen and in settings, and which
// language wins after sign-in. Small, because the welcome screen needs it.

import { h, icon } from './dom.js';
import { t, list, current, setLanguage, setArea, offered } from './i18n.js';
import { getUser, saveLanguage } from './api.js';
import { render } from './router.js';
import { sendPrefs, keepApp } from './worker.js';

let pickedWhileSignedOut = false;

/** Change language now; signed-in people have it saved to their account. */
export async function changeLanguage(code, { saveToAccount = true } = {}) {
  if (code === current()) return;
  await setLanguage(code);
  sendPrefs();
  const user = getUser();
  if (!user) pickedWhileSignedOut = true;
  else {
    // The phone keeps this language's words for offline use too.
    keepApp(user.role);
  }
  if (user && saveToAccount) {
    user.language = code;
    saveLanguage(code).catch(() => {
      // Not fatal: the choice is kept on this phone and sent next time.
    });
  }
}

/**
 * After sign-in, which language wins?
 * - The phone's, when preferDevice is set (a young person joining on their
 *   own phone, or unlocking a phone where they chose a language), or when
 *   the language was picked on this visit before signing in. It is then
 *   saved to the account.
 * - Otherwise the account's (staff on a shared computer, a restored session).
 */
export async function adoptAccountLanguage(user, { preferDevice = false } = {}) {
  if (!user) return;
  setArea(user.areaTimeZone, user.areaLanguages);
  const known = list().map((l) => l.code);
  if (preferDevice || pickedWhileSignedOut) {
    pickedWhileSignedOut = false;
    if (user.language !== current()) {
      user.language = current();
      saveLanguage(current()).catch(() => {});
    }
    return;
  }
  if (user.language && user.language !== current() && known.includes(user.language)) {
    try {
      await setLanguage(user.language);
      sendPrefs();
    } catch {
      // Keep the current language if the catalogue cannot load.
    }
  }
}

/** The language <select id="lang-select">: once signed in, the area's
 * languages first and then every other, so anyone can choose any. */
export function languagePicker() {
  const select = h('select', { id: 'lang-select', name: 'language', autocomplete: 'off' });
  const option = (l) => h('option', { value: l.code, lang: l.code, dir: l.dir, selected: l.code === current(), text: l.name });
  const { area, other } = offered();
  if (getUser() && area.length && other.length) {
    select.append(
      h('optgroup', { label: t('settings.language_area') }, ...area.map(option)),
      h('optgroup', { label: t('settings.language_other') }, ...other.map(option)));
  } else {
    for (const l of list()) select.append(option(l));
  }
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      await changeLanguage(select.value);
      await render();
      const again = document.getElementById('lang-select');
      if (again) again.focus();
    } catch {
      select.disabled = false;
      select.value = current();
    }
  });
  return h('div', { class: 'field field-lang' },
    h('label', { for: 'lang-select', class: 'label-with-icon' }, icon('globe'), t('settings.language')),
    select);
}
