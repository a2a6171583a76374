// About me, before arrival: pictures to tap for what the young person likes
// and what helps on a hard day, their languages, the buddy they would like,
// anything they would rather not, a few words, and what the placement may
// see. The picture codes are the ones the backend checks.

import { h, announce } from './dom.js';
import { t, list as languageList } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, loadFailed, label } from './ui.js';
import { api, isYoungPerson } from './api.js';
import { navigate } from './router.js';
import { pictureIcon } from './buddypictures.js';

export const INTERESTS = ['music', 'football', 'sport', 'gaming', 'art', 'drawing', 'dancing', 'cooking', 'animals', 'films', 'reading', 'nature', 'making', 'phones', 'fashion', 'swimming'];
export const HARD_DAY = ['quiet_space', 'music', 'talk_to_someone', 'walk', 'tv', 'drawing', 'food', 'sleep', 'pet', 'alone_time'];
const SEE = ['languages', 'interests', 'hardDay', 'note'];
const AGE_BANDS = ['under-13', '13-15', '16-17', '18+'];
export const NOTE_MAX = 280;

/** A language's own name (e.g. "العربية"), or its code. */
export function languageName(code) {
  const l = languageList().find((x) => x.code === code);
  return l ? l.name : code;
}

/** A picture code as words. */
export const interestWord = (code) => label('buddies.interest', code);
export const hardDayWord = (code) => label('buddies.hardday', code);

/* ---------------------------------------------------- picture choices -- */

/** A grid of pictures to tap, each a toggle button; returns {el, value()}. */
function pictureGrid(id, codes, chosen, word) {
  const picked = new Set(chosen || []);
  const grid = h('ul', { class: 'bd-pics', id });
  for (const code of codes) {
    const b = h('button', { type: 'button', class: 'bd-pic', 'aria-pressed': picked.has(code) ? 'true' : 'false', data: { code } },
      pictureIcon(code), h('span', { class: 'bd-pic-word', text: word(code) }));
    b.addEventListener('click', () => {
      if (picked.has(code)) picked.delete(code);
      else picked.add(code);
      b.setAttribute('aria-pressed', picked.has(code) ? 'true' : 'false');
    });
    grid.append(h('li', {}, b));
  }
  return { el: grid, value: () => codes.filter((c) => picked.has(c)) };
}

/** The languages to tap: the app's languages by their own names. */
function languageGrid(chosen) {
  const picked = new Set(chosen || []);
  const grid = h('ul', { class: 'bd-langs', id: 'am-languages' });
  const extra = [...picked].filter((c) => !languageList().some((l) => l.code === c));
  for (const l of [...languageList(), ...extra.map((code) => ({ code, name: code }))]) {
    const b = h('button', { type: 'button', class: 'bd-lang', lang: l.code, dir: 'auto', 'aria-pressed': picked.has(l.code) ? 'true' : 'false', data: { code: l.code }, text: l.name });
    b.addEventListener('click', () => {
      if (picked.has(l.code)) picked.delete(l.code);
      else picked.add(l.code);
      b.setAttribute('aria-pressed', picked.has(l.code) ? 'true' : 'false');
    });
    grid.append(h('li', {}, b));
  }
  return { el: grid, value: () => [...picked] };
}

/** A checkbox with its label and help; returns {input, el}. */
export function checkbox(id, text, checked, help) {
  const input = h('input', { type: 'checkbox', id, checked: Boolean(checked), 'aria-describedby': help ? `${id}-help` : null });
  return { input, el: h('div', { class: 'toggle bd-toggle' }, input, h('div', {}, h('label', { for: id, text }), help ? h('p', { class: 'field-help', id: `${id}-help`, text: help }) : null)) };
}

/** One choice out of a few, as large radio buttons; returns {el, value()}. */
function radios(name, labelledBy, options, chosen) {
  const el = h('div', { class: 'bd-radios', role: 'radiogroup', 'aria-labelledby': labelledBy },
    ...options.map(([v, text]) => {
      const id = `${name}-${v || 'none'}`;
      return h('div', { class: 'bd-radio' },
        h('input', { type: 'radio', name, id, value: v, checked: chosen === v }),
        h('label', { for: id, text }));
    }));
  return { el, value: () => { const c = el.querySelector('input:checked'); return c ? c.value : ''; } };
}

function fieldset(id, legend, help, ...content) {
  return h('fieldset', { class: 'panel bd-set', id },
    h('legend', { text: legend }),
    help ? h('p', { class: 'meta', text: help }) : null,
    ...content);
}

/* ----------------------------------------------------------- about me -- */

/** #/about-me */
export async function aboutMeScreen() {
  if (!isYoungPerson()) {
    navigate('/home', { replace: true });
    return h('div');
  }
  const title = t('buddies.about.title');
  let me;
  try {
    me = await api('GET', '/api/me/about-me');
  } catch (err) {
    return screen({ title, name: 'about-me', back: '/home', className: 'screen-yp' }, h('h1', { text: title }), loadFailed(err));
  }
  const fresh = !(me.placementMaySee && me.placementMaySee.length) && !(me.interests || []).length && !(me.languages || []).length;
  const interests = pictureGrid('am-interests', INTERESTS, me.interests, interestWord);
  const languages = languageGrid(me.languages);
  const hardDay = pictureGrid('am-hardday', HARD_DAY, me.hardDay, hardDayWord);
  const age = radios('am-age', 'am-age-title', [['', t('buddies.about.age_none')], ...AGE_BANDS.map((a) => [a, t(`buddies.about.age.${a}`)])], me.ageBand || '');
  const gender = h('input', { id: 'am-gender', type: 'text', dir: 'auto', maxlength: '40', autocomplete: 'off', value: me.gender || '', 'aria-describedby': 'am-gender-help' });
  const similarAge = checkbox('am-similar-age', t('buddies.about.similar_age'), me.similarAge);
  const sameGender = checkbox('am-same-gender', t('buddies.about.same_gender'), me.sameGender, t('buddies.about.same_gender_help'));
  const ratherNot = radios('am-rather', 'am-rather-title', [['', t('buddies.about.rather_none')], ['staff', t('buddies.about.rather_staff')], ['resident', t('buddies.about.rather_resident')]], me.ratherNotKind || '');
  const note = h('textarea', { id: 'am-note', dir: 'auto', rows: 3, maxlength: String(NOTE_MAX), 'aria-describedby': 'am-note-help' });
  note.value = me.note || '';
  // New: the two parts a buddy is matched on are ticked, and said so plainly.
  const seeNow = fresh ? ['languages', 'interests'] : (me.placementMaySee || []);
  const see = SEE.map((f) => ({ f, box: checkbox(`am-see-${f}`, t(`buddies.about.see.${f}`), seeNow.includes(f)) }));
  const status = message('info');
  status.id = 'am-message';
  const save = button(t('buddies.about.save'), { type: 'submit', id: 'am-save' }, 'primary');
  const form = h('form', { class: 'bd-about', id: 'am-form', novalidate: true },
    fieldset('am-interests-set', t('buddies.about.interests'), t('buddies.about.tap_help'), interests.el),
    fieldset('am-languages-set', t('buddies.about.languages'), null, languages.el),
    fieldset('am-hardday-set', t('buddies.about.hardday'), t('buddies.about.tap_help'), hardDay.el),
    fieldset('am-buddy-set', t('buddies.about.buddy'), null,
      h('p', { class: 'bd-sub', id: 'am-age-title', text: t('buddies.about.age') }), age.el,
      similarAge.el,
      h('label', { class: 'bd-sub', for: 'am-gender', text: t('buddies.about.gender') }),
      h('p', { class: 'field-help', id: 'am-gender-help', text: t('buddies.about.gender_help') }), gender,
      sameGender.el,
      h('p', { class: 'bd-sub', id: 'am-rather-title', text: t('buddies.about.rather') }), ratherNot.el),
    h('div', { class: 'panel bd-set' },
      h('label', { for: 'am-note', class: 'bd-sub', text: t('buddies.about.note') }),
      h('p', { class: 'field-help', id: 'am-note-help', text: t('buddies.about.note_help', { count: NOTE_MAX }) }),
      note),
    fieldset('am-see-set', t('buddies.about.see'), t('buddies.about.see_help'), ...see.map((s) => s.box.el)),
    status, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      ageBand: age.value(),
      gender: gender.value.trim(),
      languages: languages.value(),
      interests: interests.value(),
      hardDay: hardDay.value(),
      similarAge: similarAge.input.checked,
      sameGender: sameGender.input.checked,
      ratherNotWith: me.ratherNotWith || [],
      ratherNotKind: ratherNot.value(),
      note: note.value.trim(),
      placementMaySee: see.filter((s) => s.box.input.checked).map((s) => s.f),
    };
    const done = busy(save, t('buddies.saving'));
    try {
      me = await api('PUT', '/api/me/about-me', body);
      done();
      const text = body.placementMaySee.some((f) => f === 'languages' || f === 'interests') ? t('buddies.about.saved') : t('buddies.about.saved_hidden');
      showMessage(status, 'success', text);
      announce(text);
    } catch (err) {
      done();
      showMessage(status, 'error', errorText(err));
    }
  });
  return screen({ title, name: 'about-me', back: '/home', className: 'screen-yp' },
    h('div', { class: 'bd', id: 'about-me' },
      h('h1', { text: title }),
      h('p', { class: 'lead', text: t('buddies.about.intro') }),
      form));
}
