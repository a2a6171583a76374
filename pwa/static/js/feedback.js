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
// What staff see of it (logging a contact, shared answers, follow-ups) is in
// feedbackstaff.js, which a young person's phone never loads.

import { h, append, clear, announce, icon, afterPaint } from './dom.js';
import { t, current as currentLang, formatDateTime } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, fieldText, loadFailed, loading, actionsArea, SERVICES } from './ui.js';
import { api, getUser, isYoungPerson } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';
import * as speech from './speech.js';
import { outbox, request, newId, permanent, notNow, retryDelay, retrier } from './outbox.js';
import { loadItems } from './lists.js';

const WORDS_MAX = 500;
const ESQ = ['yes', 'a_bit', 'no', 'not_sure'];
const FFT = ['very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know'];
// The feeling-card pictures double as answer faces, so the questionnaire
// speaks the same picture language as the cards.
const FACES = {
  yes: 'happy', a_bit: 'okay', no: 'sad', not_sure: 'confused',
  very_good: 'happy', good: 'calm', neither: 'okay', poor: 'sad', very_poor: 'angry', dont_know: 'confused',
};

export const dateOnly = (iso) => formatDateTime(iso, { dateStyle: 'medium' });
const dayOnly = (iso) => formatDateTime(iso, { day: 'numeric', month: 'long', timeZone: 'UTC' });

// The pictures at their content-hashed addresses (filled in by pwa/build.go).
const PICTURES = /* assets: cards/*.svg */ {};

export function face(answer, size = 56) {
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

/* -------------------------------------------------------------- mount -- */

let mounted = false;

export function mountFeedback() {
  if (mounted) return;
  mounted = true;
  route('/feedback', listScreen, 'auth');
  route('/feedback/:id', answerScreen, 'auth');
  addHomeSection('young_person', homeTile);
  window.addEventListener('online', () => flushFeedback());
}
