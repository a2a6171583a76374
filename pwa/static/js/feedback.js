// "Was I listened to?"
//
// Young people: a home tile with the questions waiting for them (#/feedback),
// and the questionnaire (#/feedback/:requestId, or #/feedback/new at any time):
// one question per screen, big picture buttons, read aloud, progress dots, an
// offer of a follow-up after "no", optional words, and who may see the answers
// (by default nobody: they only count in totals). An answer is kept on the
// phone (IndexedDB) with an id made here until Heard has it, and sending the
// same id again is harmless, so it arrives exactly once.
//
// Key workers: "Log a contact" on their young people list
// (#/young-people/:id/contact) and the answers a young person chose to share
// with them (#/young-people/:id/feedback).
//
// Team managers and administrators: follow-ups asked for (#/follow-ups,
// #/follow-ups/:id), never about their own work.

import { h, append, clear, announce, icon, afterPaint } from './dom.js';
import { t, current as currentLang, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, fieldText, loadFailed, loading, actionsArea, label, ypName } from './ui.js';
import { api, getUser, isYoungPerson } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection, addItemAction } from './home.js';
import * as speech from './speech.js';
import { outbox, request, newId, permanent, notNow, retryDelay, retrier } from './outbox.js';
import { loadItems } from './lists.js';

const WORDS_MAX = 500;
const KINDS = ['meeting', 'review', 'visit', 'appointment'];
const SERVICES = ['camhs', 'social_care', 'placement', 'other'];
const ESQ = ['yes', 'a_bit', 'no', 'not_sure'];
const FFT = ['very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know'];
// The feeling-card pictures double as answer faces, so the questionnaire
// speaks the same picture language as the cards.
const FACES = {
  yes: 'happy', a_bit: 'okay', no: 'sad', not_sure: 'confused',
  very_good: 'happy', good: 'calm', neither: 'okay', poor: 'sad', very_poor: 'angry', dont_know: 'confused',
};

const dateOnly = (iso) => formatDateTime(iso, { dateStyle: 'medium' });
const dayOnly = (iso) => formatDateTime(iso, { day: 'numeric', month: 'long', timeZone: 'UTC' });

// The pictures at their content-hashed addresses (filled in by pwa/build.go).
const PICTURES = /* assets: cards/*.svg */ {};

function face(answer, size = 56) {
  const src = PICTURES[FACES[answer]] || `/cards/${FACES[answer]}.svg`;
  return h('img', { class: 'fb-face', src, alt: '', width: size, height: size, draggable: 'false' });
}

/* ------------------------------------------------------------ the outbox -- */

const withStore = outbox('heard-feedback');

const keep = (entry) => withStore('readwrite', (s) => request(s.put(entry)));
const forget = (id) => withStore('readwrite', (s) => request(s.delete(id)));

/**
 * Send one kept answer. Returns {state: 'sent'|'offline'|'busy'|'later'|'refused',
 * result, error, retryMs}: busy is Heard's "not now" (503 or 429); retryMs is
 * when to try again, for an answer still kept.
 */
async function sendOne(entry) {
  try {
    const result = await api('POST', '/api/feedback', entry.body);
    await forget(entry.id);
    return { state: 'sent', result };
  } catch (err) {
    if (err.code === 'offline') return { state: 'offline', retryMs: retryDelay(null) };
    if (permanent(err)) {
      await forget(entry.id);
      return { state: 'refused', error: err };
    }
    return { state: notNow(err) ? 'busy' : 'later', retryMs: retryDelay(err) };
  }
}

let flushing = null;
const retryIn = retrier(() => flushFeedback());

/** Send every answer this young person left on the phone. */
export function flushFeedback() {
  const user = getUser();
  if (!user || !isYoungPerson()) return Promise.resolve();
  if (!flushing) {
    flushing = (async () => {
      let retryMs = 0;
      try {
        const waiting = await withStore('readonly', (s) => request(s.index('user').getAll(user.id)));
        for (const entry of waiting) {
          const r = await sendOne(entry);
          if (r.retryMs) {
            retryMs = r.retryMs;
            break;
          }
        }
      } catch (err) {
        console.warn('feedback: outbox', err);
      } finally {
        flushing = null;
      }
      retryIn(retryMs);
    })();
  }
  return flushing;
}

/* ------------------------------------------------------ young people: home -- */

async function openRequests() {
  const data = await api('GET', '/api/me/feedback-requests');
  return (data && Array.isArray(data.items)) ? data.items : [];
}

function aboutText(req) {
  const date = dayOnly(req.contactDate);
  return req.workerName
    ? t(`feedback.about.${req.kind}`, { name: req.workerName, date })
    : t(`feedback.about_noname.${req.kind}`, { date });
}

function homeTile() {
  const sub = h('span', { class: 'home-tile-sub', text: t('feedback.tile.sub') });
  const tile = h('a', { class: 'home-tile fb-tile', href: '#/feedback', id: 'fb-tile' },
    h('span', { class: 'home-tile-pics', 'aria-hidden': 'true' }, face('yes', 36), face('a_bit', 36), face('no', 36)),
    h('span', { class: 'home-tile-title', text: t('feedback.tile.title') }),
    sub);
  afterPaint(() => {
    flushFeedback();
    openRequests().then((items) => {
      if (!items.length) return;
      tile.classList.add('fb-tile-waiting');
      tile.append(h('span', { class: 'fb-badge', id: 'fb-waiting', text: t('feedback.tile.waiting', { count: items.length }) }));
    }).catch(() => {});
  });
  return tile;
}

/** #/feedback: what is waiting, and feedback about anything at any time. */
async function listScreen() {
  if (!isYoungPerson()) {
    navigate('/home', { replace: true });
    return h('div');
  }
  const body = h('div', { class: 'fb-list' }, loading());
  const node = screen({ title: t('feedback.list.title'), name: 'feedback-list', back: '/home', className: 'screen-yp' },
    h('h1', { text: t('feedback.list.title') }),
    h('p', { class: 'lead', text: t('feedback.list.intro') }),
    body);
  loadItems(body, openRequests, (items) => {
    if (!items.length) body.append(h('p', { class: 'empty', text: t('feedback.list.none') }));
    const list = h('ul', { class: 'fb-requests', id: 'fb-requests' });
    for (const req of items) {
      list.append(h('li', {},
        h('a', { class: 'fb-request', href: `#/feedback/${encodeURIComponent(req.id)}`, data: { id: req.id } },
          face('yes', 40),
          h('span', { class: 'fb-request-main' },
            h('span', { class: 'fb-request-title', text: aboutText(req) }),
            h('span', { class: 'meta', text: t('feedback.list.closes', { date: dateOnly(req.expiresAt) }) })))));
    }
    body.append(list,
      h('a', { class: 'btn btn-secondary fb-any-time', id: 'fb-any-time', href: '#/feedback/new', text: t('feedback.list.any_time') }));
  });
  return node;
}

/* ------------------------------------------------ young people: questions -- */

/**
 * The questionnaire. req is the request being answered, or null for feedback
 * at any time (the first question is then which service it is about).
 */
function questionnaire(req) {
  const user = getUser();
  const worker = req ? req.workerName : (user.keyWorker && user.keyWorker.name) || '';
  const answer = {
    id: newId(), requestId: req ? req.id : undefined, service: req ? req.service : '',
    listened: '', serious: '', hadSay: '', experience: '', words: '', shareWithWorker: false, followUp: false,
  };
  let step = 0;
  const stage = h('div', { class: 'fb-stage', id: 'fb-stage' });
  const node = screen({ title: t('feedback.list.title'), name: 'feedback', back: '/feedback', className: 'screen-yp fb-screen' }, stage);

  // The steps shown depend on earlier answers: the follow-up offer only after
  // "no", the share choice only when there is a worker to share with.
  function steps() {
    const s = [];
    if (!req) s.push('service');
    s.push('listened');
    if (answer.listened === 'no') s.push('followup');
    s.push('serious', 'hadSay', 'experience', 'words');
    if (worker || answer.followUp) s.push('share');
    return s;
  }

  function dots(current) {
    const all = steps();
    const ol = h('ol', { class: 'fb-dots', 'aria-hidden': 'true' });
    all.forEach((_, i) => ol.append(h('li', { class: [i < current && 'done', i === current && 'now'] })));
    return h('div', { class: 'fb-progress' },
      ol,
      h('p', { class: 'fb-progress-text', id: 'fb-progress', text: t('feedback.progress', { step: current + 1, total: all.length }) }),
      readButton());
  }

  // Reads the question and its answers aloud, in the app's language.
  function readButton() {
    if (!speech.supported()) return null;
    const btn = h('button', { type: 'button', class: 'pill-btn fb-read', id: 'fb-read', 'aria-pressed': 'false' }, icon('speaker'), h('span', { text: t('feedback.read_question') }));
    btn.addEventListener('click', () => {
      if (speech.speaking()) {
        speech.stop();
        btn.setAttribute('aria-pressed', 'false');
        return;
      }
      const box = stage.querySelector('.fb-step');
      const ok = box && speech.read(box, currentLang(), () => btn.setAttribute('aria-pressed', 'false'));
      btn.setAttribute('aria-pressed', ok ? 'true' : 'false');
    });
    return btn;
  }

  function go(delta) {
    speech.stop();
    step = Math.max(0, Math.min(steps().length - 1, step + delta));
    render();
  }

  function backButton() {
    if (step === 0) return null;
    return button(t('feedback.back'), { class: 'fb-back', id: 'fb-back', on: { click: () => go(-1) } }, 'quiet');
  }

  /** A question with big picture answers; choosing one moves on. */
  function choice(key, question, options, prefix, current) {
    const heading = h('h1', { class: 'fb-question', id: 'fb-question', tabindex: '-1', text: question });
    const list = h('div', { class: ['fb-options', options.length > 4 && 'fb-options-6'], role: 'group', 'aria-labelledby': 'fb-question' });
    for (const opt of options) {
      const pressed = current === opt;
      const b = h('button', { type: 'button', class: ['fb-option', pressed && 'chosen'], 'aria-pressed': pressed ? 'true' : 'false', data: { answer: opt } },
        FACES[opt] ? face(opt) : null,
        h('span', { class: 'fb-option-text', text: t(`${prefix}.${opt}`) }));
      b.addEventListener('click', () => {
        answer[key] = opt;
        if (key === 'listened' && opt !== 'no') answer.followUp = false;
        go(1);
      });
      list.append(b);
    }
    const box = h('div', { class: 'fb-step', data: { step: key } }, heading, list);
    return [box, actionsArea(backButton())];
  }

  function serviceStep() {
    const heading = h('h1', { class: 'fb-question', id: 'fb-question', tabindex: '-1', text: t('feedback.service.title') });
    const list = h('div', { class: 'fb-services', role: 'group', 'aria-labelledby': 'fb-question' });
    for (const s of SERVICES) {
      const b = h('button', { type: 'button', class: ['fb-service', answer.service === s && 'chosen'], 'aria-pressed': answer.service === s ? 'true' : 'false', data: { service: s } },
        t(`feedback.service.${s}`));
      b.addEventListener('click', () => {
        answer.service = s;
        go(1);
      });
      list.append(b);
    }
    const box = h('div', { class: 'fb-step', data: { step: 'service' } }, heading, list);
    return [box, actionsArea()];
  }

  function followupStep() {
    const heading = h('h1', { class: 'fb-question', id: 'fb-question', tabindex: '-1', text: t('feedback.followup.question') });
    const box = h('div', { class: 'fb-step', data: { step: 'followup' } },
      h('p', { class: 'lead', text: t('feedback.followup.title') }),
      heading,
      h('p', { class: 'fb-note', text: worker ? t('feedback.followup.who', { name: worker }) : t('feedback.followup.who_noname') }));
    const yes = button(t('feedback.followup.yes'), { id: 'fb-followup-yes', 'aria-pressed': answer.followUp ? 'true' : 'false', class: 'btn-big' }, 'primary');
    const no = button(t('feedback.followup.no'), { id: 'fb-followup-no', class: 'btn-big' }, 'secondary');
    yes.addEventListener('click', () => { answer.followUp = true; go(1); });
    no.addEventListener('click', () => { answer.followUp = false; go(1); });
    return [box, actionsArea(yes, no, backButton())];
  }

  function wordsStep() {
    const heading = h('h1', { class: 'fb-question', id: 'fb-question', tabindex: '-1', text: t('feedback.words.title') });
    const count = h('p', { class: 'fb-count', id: 'fb-words-count', 'aria-live': 'polite' });
    const area = h('textarea', { id: 'fb-words', class: 'fb-words', dir: 'auto', rows: 5, maxlength: WORDS_MAX, 'aria-describedby': 'fb-words-help fb-words-count' });
    area.value = answer.words;
    const update = () => {
      answer.words = area.value;
      count.textContent = t('feedback.words.count', { used: [...area.value].length, max: WORDS_MAX });
    };
    area.addEventListener('input', update);
    update();
    const box = h('div', { class: 'fb-step', data: { step: 'words' } },
      heading,
      h('p', { class: 'field-help', id: 'fb-words-help', text: t('feedback.words.help') }),
      h('div', { class: 'field' }, h('label', { for: 'fb-words', text: t('feedback.words.label') }), area, count));
    const last = steps().at(-1) === 'words';
    const next = last
      ? sendButton()
      : button(area.value.trim() ? t('feedback.next') : t('feedback.skip'), { id: 'fb-next' }, 'primary');
    if (!last) {
      area.addEventListener('input', () => { next.textContent = area.value.trim() ? t('feedback.next') : t('feedback.skip'); });
      next.addEventListener('click', () => go(1));
    }
    return [box, actionsArea(next, backButton())];
  }

  function shareStep() {
    const heading = h('h1', { class: 'fb-question', id: 'fb-question', tabindex: '-1', text: t('feedback.share.title') });
    const opts = h('div', { class: 'fb-share', role: 'radiogroup', 'aria-labelledby': 'fb-question' });
    const make = (value, title, sub, id) => {
      const chosen = answer.shareWithWorker === value;
      const b = h('button', { type: 'button', role: 'radio', id, class: ['fb-share-option', chosen && 'chosen'], 'aria-checked': chosen ? 'true' : 'false' },
        h('span', { class: 'fb-share-title', text: title }),
        h('span', { class: 'fb-share-sub', text: sub }));
      b.addEventListener('click', () => {
        answer.shareWithWorker = value;
        for (const el of opts.children) {
          const on = el === b;
          el.classList.toggle('chosen', on);
          el.setAttribute('aria-checked', on ? 'true' : 'false');
        }
      });
      return b;
    };
    opts.append(make(false, t('feedback.share.anonymous'), t('feedback.share.anonymous_sub'), 'fb-share-anonymous'));
    if (worker) opts.append(make(true, t('feedback.share.worker', { name: worker }), t('feedback.share.worker_sub', { name: worker }), 'fb-share-worker'));
    const box = h('div', { class: 'fb-step', data: { step: 'share' } }, heading, opts,
      answer.followUp ? h('p', { class: 'fb-note', text: t('feedback.share.followup_note') }) : null);
    return [box, actionsArea(sendButton(), backButton())];
  }

  const msg = message('error');

  function sendButton() {
    const b = button(t('feedback.send'), { id: 'fb-send', class: 'btn-big' }, 'primary');
    b.addEventListener('click', () => send(b));
    return b;
  }

  async function send(btn) {
    const done = busy(btn, t('feedback.sending'));
    const body = {
      id: answer.id, listened: answer.listened, serious: answer.serious, hadSay: answer.hadSay, experience: answer.experience,
      words: answer.words.trim(), shareWithWorker: answer.shareWithWorker, followUp: answer.followUp,
    };
    if (answer.requestId) body.requestId = answer.requestId;
    else body.service = answer.service;
    const entry = { id: answer.id, userId: user.id, body, at: new Date().toISOString() };
    try {
      await keep(entry);
    } catch (err) {
      console.warn('feedback: could not keep the answer on the phone', err);
    }
    const r = await sendOne(entry);
    done();
    if (r.state === 'sent') return thanks(r.result, null);
    if (r.retryMs) {
      retryIn(r.retryMs);
      return thanks(null, r.state === 'busy' ? 'busy' : 'offline');
    }
    const err = r.error;
    if (err.code === 'already_answered') return closedScreen(t('feedback.already'), false);
    if (err.code === 'request_expired') return closedScreen(t('feedback.closed'), true);
    if (err.code === 'not_found') return closedScreen(t('feedback.not_found'), true);
    showMessage(msg, 'error', err.fields && Object.keys(err.fields).length ? fieldText(Object.values(err.fields)[0]) : errorText(err));
  }

  // saved: why the answers wait on the phone ('offline' or 'busy'), if they do.
  function thanks(result, saved) {
    speech.stop();
    const lines = [t('feedback.thanks.text')];
    if (saved) lines.push(saved === 'busy' ? t('feedback.thanks.saved_busy') : t('feedback.thanks.saved'));
    if (answer.shareWithWorker && worker) lines.push(t('feedback.thanks.shared', { name: (result && result.workerName) || worker }));
    else lines.push(t('feedback.thanks.anonymous'));
    if (answer.followUp) lines.push(t('feedback.thanks.followup'));
    clear(stage).append(
      h('div', { class: 'fb-step fb-thanks', id: 'fb-thanks', data: { step: 'thanks', saved: saved ? 'yes' : 'no' } },
        face('yes', 96),
        h('h1', { tabindex: '-1', id: 'fb-thanks-title', text: t('feedback.thanks.title') }),
        ...lines.map((l) => h('p', { text: l }))),
      actionsArea(h('a', { class: 'btn btn-primary', href: '#/home', id: 'fb-home', text: t('feedback.thanks.home') })));
    document.getElementById('fb-thanks-title').focus();
    announce(t('feedback.thanks.title'));
  }

  function closedScreen(text, offerAnyTime) {
    clear(stage).append(
      h('div', { class: 'fb-step', id: 'fb-closed' }, h('h1', { tabindex: '-1', text: t('feedback.list.title') }), h('p', { class: 'lead', text })),
      actionsArea(
        offerAnyTime ? h('a', { class: 'btn btn-primary', href: '#/feedback/new', text: t('feedback.list.any_time') }) : null,
        h('a', { class: 'btn btn-secondary', href: '#/home', text: t('feedback.thanks.home') })));
  }

  function render() {
    const name = steps()[step];
    let parts;
    switch (name) {
      case 'service': parts = serviceStep(); break;
      case 'listened': parts = choice('listened', t('feedback.q.listened'), ESQ, 'feedback.esq', answer.listened); break;
      case 'followup': parts = followupStep(); break;
      case 'serious': parts = choice('serious', t('feedback.q.serious'), ESQ, 'feedback.esq', answer.serious); break;
      case 'hadSay': parts = choice('hadSay', t('feedback.q.had_say'), ESQ, 'feedback.esq', answer.hadSay); break;
      case 'experience': parts = choice('experience', t('feedback.q.experience'), FFT, 'feedback.fft', answer.experience); break;
      case 'words': parts = wordsStep(); break;
      default: parts = shareStep();
    }
    append(clear(stage), [
      req ? h('p', { class: 'fb-about', id: 'fb-about', text: aboutText(req) }) : null,
      dots(step), ...parts, msg]);
    showMessage(msg, 'error', '');
    const heading = document.getElementById('fb-question');
    if (heading && node.isConnected) heading.focus({ preventScroll: false });
  }

  render();
  return node;
}

/** #/feedback/new and #/feedback/:id */
async function answerScreen({ id }) {
  if (!isYoungPerson()) {
    navigate('/home', { replace: true });
    return h('div');
  }
  if (!id || id === 'new') return questionnaire(null);
  let items;
  try {
    items = await openRequests();
  } catch (err) {
    return screen({ title: t('feedback.list.title'), name: 'feedback', back: '/feedback', className: 'screen-yp' },
      h('h1', { text: t('feedback.list.title') }), loadFailed(err, () => navigate(`/feedback/${encodeURIComponent(id)}`, { replace: true })));
  }
  const req = items.find((r) => r.id === id);
  if (!req) {
    return screen({ title: t('feedback.list.title'), name: 'feedback-closed', back: '/feedback', className: 'screen-yp' },
      h('h1', { text: t('feedback.list.title') }),
      h('p', { class: 'lead', id: 'fb-closed', text: t('feedback.not_found') }),
      actionsArea(h('a', { class: 'btn btn-primary', href: '#/feedback/new', text: t('feedback.list.any_time') })));
  }
  return questionnaire(req);
}

/* -------------------------------------------------------- key workers -- */

function logContactAction(yp, user) {
  if (!user || user.role !== 'key_worker') return null;
  return h('a', { class: 'btn btn-secondary fb-log', href: `#/young-people/${encodeURIComponent(yp.id)}/contact`, data: { id: yp.id }, text: t('feedback.log.button') });
}

async function youngPerson(id) {
  return api('GET', `/api/young-people/${encodeURIComponent(id)}`);
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function daysAgo(n) {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** #/young-people/:id/contact */
async function contactScreen({ id }) {
  let yp;
  try {
    yp = await youngPerson(id);
  } catch (err) {
    return screen({ title: t('feedback.log.button'), name: 'contact', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.log.button') }), loadFailed(err, () => navigate(`/young-people/${encodeURIComponent(id)}/contact`, { replace: true })));
  }
  const name = ypName(yp);
  const msg = message('error');
  const done = message('success');
  done.id = 'fb-log-done';
  let kind = 'meeting';
  const kinds = h('div', { class: 'fb-kinds', role: 'radiogroup', 'aria-labelledby': 'fb-kind-label' });
  for (const k of KINDS) {
    const b = h('button', { type: 'button', role: 'radio', class: ['fb-kind', k === kind && 'chosen'], 'aria-checked': k === kind ? 'true' : 'false', data: { kind: k }, id: `fb-kind-${k}` },
      t(`feedback.log.kind.${k}`));
    b.addEventListener('click', () => {
      kind = k;
      for (const el of kinds.children) {
        const on = el === b;
        el.classList.toggle('chosen', on);
        el.setAttribute('aria-checked', on ? 'true' : 'false');
      }
    });
    kinds.append(b);
  }
  const service = h('select', { id: 'fb-service' }, ...SERVICES.map((s) => h('option', { value: s, text: label('service', s), selected: s === yp.service })));
  const date = h('input', { type: 'date', id: 'fb-date', value: today(), min: daysAgo(30), max: today(), 'aria-describedby': 'fb-date-help' });
  const dateError = h('p', { class: 'field-error', id: 'fb-date-error', hidden: true });
  const submit = button(t('feedback.log.submit'), { id: 'fb-log-submit' }, 'primary');
  // The contact keeps its id until Heard has it, so tapping again after a
  // timeout logs it once.
  let contactId = newId();
  submit.addEventListener('click', async () => {
    showMessage(msg, 'error', '');
    showMessage(done, 'success', '');
    dateError.hidden = true;
    const restore = busy(submit);
    try {
      const r = await api('POST', `/api/young-people/${encodeURIComponent(id)}/contacts`,
        { id: contactId, kind, service: service.value, date: date.value || undefined }, { key: contactId });
      contactId = newId();
      restore();
      showMessage(done, 'success', t('feedback.log.done', { name, date: dateOnly(r.request.expiresAt) }));
      announce(done.textContent);
    } catch (err) {
      restore();
      // Logged once already, before the form was changed: the next is a new contact.
      if (err.code === 'idempotency_key_reused') contactId = newId();
      if (err.fields && err.fields.date) {
        dateError.textContent = fieldText(err.fields.date);
        dateError.hidden = false;
      }
      showMessage(msg, 'error', errorText(err));
    }
  });
  return screen({ title: t('feedback.log.title', { name }), name: 'contact', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('feedback.log.title', { name }) }),
    h('p', { class: 'lead', text: t('feedback.log.intro', { name }) }),
    h('div', { class: 'form fb-log-form' },
      h('p', { class: 'fb-label', id: 'fb-kind-label', text: t('feedback.log.kind') }),
      kinds,
      h('div', { class: 'field' }, h('label', { for: 'fb-service', text: t('feedback.log.service') }), service),
      h('div', { class: 'field' },
        h('label', { for: 'fb-date', text: t('feedback.log.date') }),
        h('p', { class: 'field-help', id: 'fb-date-help', text: t('feedback.log.date_help') }),
        date, dateError),
      msg, done,
      actionsArea(submit,
        h('a', { class: 'btn btn-quiet', href: `#/young-people/${encodeURIComponent(id)}/feedback`, id: 'fb-shared-link', text: t('feedback.log.shared_link', { name }) }))));
}

function answerSummary(a) {
  const rows = [
    ['feedback.short.listened', a.listened, 'feedback.esq'],
    ['feedback.short.serious', a.serious, 'feedback.esq'],
    ['feedback.short.had_say', a.hadSay, 'feedback.esq'],
    ['feedback.short.experience', a.experience, 'feedback.fft'],
  ];
  const dl = h('dl', { class: 'fb-answers' });
  for (const [key, value, prefix] of rows) {
    dl.append(h('dt', { text: t(key) }), h('dd', {}, face(value, 24), h('span', { text: t(`${prefix}.${value}`) })));
  }
  if (a.words) dl.append(h('dt', { text: t('feedback.short.words') }), h('dd', { class: 'fb-words-shown their-words', dir: 'auto', text: a.words }));
  return dl;
}

/** #/young-people/:id/feedback: answers shared with this key worker. */
async function sharedScreen({ id }) {
  let yp;
  let items;
  try {
    yp = await youngPerson(id);
    const data = await api('GET', `/api/young-people/${encodeURIComponent(id)}/feedback`);
    items = (data && data.items) || [];
  } catch (err) {
    return screen({ title: t('feedback.list.title'), name: 'shared-feedback', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.list.title') }), loadFailed(err, () => navigate(`/young-people/${encodeURIComponent(id)}/feedback`, { replace: true })));
  }
  const name = ypName(yp);
  const list = h('ul', { class: 'cards', id: 'fb-shared' });
  for (const a of items) {
    list.append(h('li', { class: 'card', data: { id: a.id } },
      h('p', { class: 'card-title', text: t(`feedback.log.kind.${a.kind}`) }),
      h('p', { class: 'meta', text: formatDateTime(a.createdAt) }),
      answerSummary(a)));
  }
  return screen({ title: t('feedback.shared.title', { name }), name: 'shared-feedback', back: `/young-people/${encodeURIComponent(id)}/contact`, className: 'screen-staff' },
    h('h1', { text: t('feedback.shared.title', { name }) }),
    h('p', { class: 'lead', text: t('feedback.shared.intro', { name }) }),
    items.length ? list : h('p', { class: 'empty', text: t('feedback.shared.none', { name }) }));
}

/* ----------------------------------------- managers and administrators -- */

async function followUps() {
  const data = await api('GET', '/api/feedback/follow-ups');
  return (data && data.items) || [];
}

function followUpItem(f) {
  return h('li', { class: ['card', 'fb-followup', f.doneAt && 'done'], data: { id: f.id } },
    h('a', { class: 'fb-followup-link', href: `#/follow-ups/${encodeURIComponent(f.id)}` },
      h('span', { class: 'card-title', text: f.youngPerson.name }),
      h('span', { class: 'meta', text: t('feedback.followups.given', { date: dateOnly(f.createdAt) }) }),
      h('span', { class: 'meta', text: f.doneAt ? t('feedback.followups.done', { name: f.doneByName || '', date: dateOnly(f.doneAt) }) : t('feedback.followups.waiting') })));
}

function followUpPanel() {
  const body = h('div', {}, loading());
  const section = h('section', { class: 'panel fb-followups-panel', 'aria-labelledby': 'fb-followups-title' },
    h('h2', { id: 'fb-followups-title', text: t('feedback.followups.title') }), body);
  followUps().then((items) => {
    const open = items.filter((f) => !f.doneAt);
    clear(body);
    if (!open.length) {
      body.append(h('p', { class: 'empty', text: t('feedback.followups.none') }));
      return;
    }
    body.append(h('ul', { class: 'cards' }, ...open.map(followUpItem)));
  }).catch((err) => clear(body).append(loadFailed(err)));
  return section;
}

/** #/follow-ups/:id */
async function followUpScreen({ id }) {
  let f;
  try {
    f = (await followUps()).find((x) => x.id === id);
  } catch (err) {
    return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('feedback.followups.title') }), loadFailed(err));
  }
  if (!f) {
    return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
      h('h1', { text: t('error.not_found') }));
  }
  const msg = message('error');
  const status = h('p', { class: 'meta', id: 'fb-followup-status', text: f.doneAt ? t('feedback.followups.done', { name: f.doneByName || '', date: dateOnly(f.doneAt) }) : t('feedback.followups.waiting') });
  const mark = f.doneAt ? null : button(t('feedback.followups.mark_done'), { id: 'fb-followup-done' }, 'primary');
  if (mark) {
    mark.addEventListener('click', async () => {
      const restore = busy(mark);
      try {
        const v = await api('POST', `/api/feedback/follow-ups/${encodeURIComponent(id)}/done`);
        status.textContent = t('feedback.followups.done', { name: v.doneByName || '', date: dateOnly(v.doneAt) });
        mark.remove();
        announce(status.textContent);
      } catch (err) {
        restore();
        showMessage(msg, 'error', errorText(err));
      }
    });
  }
  return screen({ title: t('feedback.followups.title'), name: 'follow-up', back: '/home', className: 'screen-staff' },
    h('h1', { text: f.youngPerson.name }),
    h('p', { class: 'lead', text: t('feedback.followups.detail_intro', { name: f.youngPerson.name }) }),
    f.aboutWorker ? h('p', { class: 'meta', text: t('feedback.followups.about', { name: f.aboutWorker.name }) }) : null,
    h('p', { class: 'meta', text: t('feedback.followups.given', { date: formatDateTime(f.createdAt) }) }),
    status,
    f.answer ? answerSummary(f.answer) : null,
    msg,
    actionsArea(mark));
}

/** #/follow-ups */
async function followUpsScreen() {
  return screen({ title: t('feedback.followups.title'), name: 'follow-ups', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('feedback.followups.title') }),
    followUpPanel());
}

/* -------------------------------------------------------------- mount -- */

let mounted = false;

export function mountFeedback() {
  if (mounted) return;
  mounted = true;
  route('/feedback', listScreen, 'auth');
  route('/feedback/:id', answerScreen, 'auth');
  route('/young-people/:id/contact', contactScreen, 'staff');
  route('/young-people/:id/feedback', sharedScreen, 'staff');
  route('/follow-ups', followUpsScreen, 'staff');
  route('/follow-ups/:id', followUpScreen, 'staff');
  addHomeSection('young_person', homeTile);
  addHomeSection('team_manager', followUpPanel);
  addHomeSection('administrator', followUpPanel);
  addItemAction(logContactAction);
  window.addEventListener('online', () => flushFeedback());
}
