// The first screen: who are you? A young person with a code, or staff.

import { h } from './dom.js';
import { t } from './i18n.js';
import { screen, actionsArea, message } from './ui.js';
import { languagePicker } from './language.js';

let flash = null;

/** A message to show once on the next welcome screen (e.g. after sign-out). */
export function setWelcomeFlash(kind, key) {
  flash = { kind, key };
}

export function welcomeScreen() {
  const note = flash ? message(flash.kind, t(flash.key)) : null;
  if (note) note.id = 'welcome-message';
  flash = null;
  return screen({ title: t('welcome.title'), name: 'welcome', className: 'screen-welcome' },
    h('div', { class: 'welcome-lang' }, languagePicker()),
    h('div', { class: 'hero' },
      h('img', { class: 'hero-mark', src: '/icons/icon.svg', alt: '', width: 96, height: 96 }),
      h('h1', { text: t('app.name') }),
      h('p', { class: 'tagline', text: t('welcome.tagline') })),
    note,
    actionsArea(
      h('a', { class: 'btn btn-primary btn-big', href: '#/join', id: 'welcome-join' },
        h('span', { class: 'btn-title', text: t('welcome.join') }),
        h('span', { class: 'btn-sub', text: t('welcome.join_hint') })),
      h('a', { class: 'btn btn-secondary', href: '#/signin', id: 'welcome-signin', text: t('welcome.signin') }),
    ));
}
