// A young person's own data (#/my-data): everything Heard keeps about them, as
// a page they can read and print, and as a file they can keep. The download is
// written to the audit log by Heard.

import { h, announce } from './dom.js';
import { t, has, formatDateTime, list as languages } from './i18n.js';
import { screen, button, message, showMessage, errorText, loading, label } from './ui.js';
import { api, getUser } from './api.js';
import { outbox, request } from './outbox.js';
import { DEVICE_KINDS } from './format.js';

/**
 * What this phone holds that has not reached Heard yet (cards and answers
 * waiting to be sent): part of the young person's data that only the phone
 * has, anonymous answers included.
 */
async function onThisPhone(userId) {
  const out = { cards: [], answers: [] };
  for (const [name, key] of [['heard-cards', 'cards'], ['heard-feedback', 'answers']]) {
    try {
      const items = await outbox(name)('readonly', (s) => request(s.index('user').getAll(userId)));
      out[key] = (items || []).map(({ userId: _, ...rest }) => rest);
    } catch {
      // Nothing kept on this phone.
    }
  }
  return out;
}

/** The phone's waiting cards and answers, or nothing when there are none. */
function waitingSection(phone) {
  const items = [...phone.cards.map((c) => ({ kind: 'card', ...c })), ...phone.answers.map((a) => ({ kind: 'answer', ...a }))];
  if (!items.length) return null;
  const node = section('phone', 'mydata.phone.title', items, 'mydata.empty', (it) => (it.kind === 'card'
    ? [h('p', { class: 'md-title', text: label('cards.card', it.card) }),
      facts([['mydata.phone.written', when(it.sentAt)], ['mydata.card.note', it.note, true]])]
    : [h('p', { class: 'md-title', text: t('mydata.phone.answer') }),
      facts([
        ['mydata.answer.listened', it.body && it.body.listened ? label('feedback.esq', it.body.listened) : ''],
        ['mydata.answer.experience', it.body && it.body.experience ? label('feedback.fft', it.body.experience) : ''],
        ['mydata.answer.words', it.body && it.body.words, true],
        ['mydata.phone.written', when(it.at)],
      ])]));
  node.querySelector('h2').after(h('p', { class: 'field-help', text: t('mydata.phone.help') }));
  return node;
}

const when = (iso) => (iso ? formatDateTime(iso, { dateStyle: 'long', timeStyle: 'short' }) : '');
const day = (iso) => (iso ? formatDateTime(iso, { dateStyle: 'long' }) : '');

/** A language by its own name ("العربية"), marked as that language. */
function languageName(code) {
  if (!code) return '';
  const own = languages().find((l) => l.code === code);
  return own ? h('span', { lang: code, text: own.name }) : code;
}

/** A heading and its list, or a line saying there is nothing. */
function section(id, titleKey, items, emptyKey, render) {
  return h('section', { class: 'md-section', 'aria-labelledby': `md-${id}` },
    h('h2', { id: `md-${id}`, text: t(titleKey) }),
    items.length
      ? h('ul', { class: 'md-list', id: `md-${id}-list` }, items.map((it) => h('li', { class: 'md-item' }, render(it))))
      : h('p', { class: 'empty', text: t(emptyKey) }));
}

/** Label and value pairs, leaving out the empty ones. */
function facts(pairs) {
  const dl = h('dl', { class: 'md-facts' });
  for (const [key, value, words] of pairs) {
    if (!value) continue;
    dl.append(h('dt', { text: t(key) }), value instanceof Node ? h('dd', {}, value)
      : h('dd', { class: words ? 'their-words' : null, dir: words ? 'auto' : null, text: value }));
  }
  return dl;
}

function replyWords(reply) {
  if (!reply) return '';
  if (reply.quickReplyId) {
    const key = `cards.quick.${reply.quickReplyId}`;
    return has(key) ? t(key, { time: reply.at || '' }) : '';
  }
  return reply.text || '';
}

function cardItem(c) {
  return [
    h('p', { class: 'md-title', text: label('cards.card', c.card) }),
    facts([
      ['mydata.card.sent', when(c.sentAt || c.receivedAt)],
      ['mydata.card.amount', c.amount ? label('cards.amount', c.amount) : ''],
      ['mydata.card.help', c.help ? label('cards.help', c.help) : ''],
      ['mydata.card.note', c.note, true],
      ['mydata.card.seen', c.ackAt ? t('mydata.card.seen_by', { name: c.ackByName || '', when: when(c.ackAt) }) : t('mydata.card.not_seen')],
      ['mydata.card.reply', replyWords(c.reply), true],
    ]),
  ];
}

function answerItem(a) {
  return [
    h('p', { class: 'md-title', text: when(a.createdAt) }),
    facts([
      ['mydata.answer.listened', label('feedback.esq', a.listened)],
      ['mydata.answer.serious', label('feedback.esq', a.serious)],
      ['mydata.answer.had_say', label('feedback.esq', a.hadSay)],
      ['mydata.answer.experience', label('feedback.fft', a.experience)],
      ['mydata.answer.words', a.words, true],
    ]),
  ];
}

/** Builds the page from the download. */
function page(data) {
  const me = data.me || {};
  return [
    section('me', 'mydata.me.title', [me], 'mydata.empty', (m) => facts([
      ['mydata.me.first_name', m.firstName],
      ['mydata.me.preferred_name', m.preferredName],
      ['mydata.me.language', languageName(m.language)],
      ['mydata.me.area', m.area],
      ['mydata.me.team', m.team],
      ['mydata.me.since', day(m.since)],
    ])),
    section('workers', 'mydata.workers.title', data.keyWorkers || [], 'mydata.workers.empty', (k) => [
      h('p', { class: 'md-title', text: k.name || '' }),
      h('p', { class: 'meta', text: k.until ? t('mydata.workers.from_until', { from: day(k.from), until: day(k.until) }) : t('mydata.workers.from', { from: day(k.from) }) }),
    ]),
    section('cards', 'mydata.cards.title', data.cards || [], 'mydata.cards.empty', cardItem),
    section('answers', 'mydata.answers.title', data.answers || [], 'mydata.answers.empty', answerItem),
    h('p', { class: 'field-help md-private', text: t('mydata.answers.private') }),
    section('moves', 'mydata.moves.title', data.moves || [], 'mydata.moves.empty', (m) => [
      h('p', { class: 'md-title', text: m.placement || '' }),
      facts([['mydata.moves.date', day(m.date)], ['mydata.moves.status', label('mydata.moves.status', m.status)]]),
      (m.questions || []).length ? h('ul', { class: 'md-questions' }, m.questions.map((q) => h('li', {},
        h('p', { class: 'their-words', dir: 'auto', text: q.text }),
        h('p', { class: 'meta', dir: 'auto', text: q.answer ? t('previews.questions.answer', { name: q.answeredBy || '', answer: q.answer }) : t('previews.questions.waiting') })))) : null,
    ]),
    section('phones', 'mydata.phones.title', data.phones || [], 'mydata.phones.empty', (p) => [
      // A phone is named by its kind (in the reader's words) or by its own name.
      DEVICE_KINDS[p.name] ? h('p', { class: 'md-title', text: t(DEVICE_KINDS[p.name]) }) : h('p', { class: 'md-title', dir: 'auto', text: p.name || '' }),
      facts([
        ['mydata.phones.joined', when(p.createdAt)],
        ['mydata.phones.last_seen', when(p.lastSeenAt)],
        ['mydata.phones.signed_out', when(p.revokedAt)],
      ]),
    ]),
  ];
}

/** The file a young person keeps: the download as Heard gave it. */
function saveFile(data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: `heard-my-data-${String(data.madeAt || '').slice(0, 10) || 'today'}.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Its own small stylesheet, loaded with the screen (nobody else needs it). */
function style() {
  if (!document.querySelector('link[data-md]')) document.head.append(h('link', { rel: 'stylesheet', href: '/css/mydata.css', 'data-md': '' }));
}

export function myDataScreen() {
  style();
  const user = getUser();
  const body = h('div', { class: 'md-body', id: 'md-body' }, loading());
  const note = message('info');
  note.id = 'md-message';
  const print = button(t('mydata.print'), { id: 'md-print', disabled: true }, 'secondary');
  const save = button(t('mydata.save'), { id: 'md-save', disabled: true }, 'secondary');
  const node = screen({ title: t('mydata.title'), name: 'my-data', back: '/settings' },
    h('h1', { text: t('mydata.title') }),
    h('p', { class: 'lead', text: t('mydata.lead', { name: (user && user.firstName) || '' }) }),
    h('div', { class: 'md-actions no-print' }, print, save),
    note,
    body);
  let data = null;
  let phone = { cards: [], answers: [] };
  const waiting = h('div', { id: 'md-phone-part' });
  body.after(waiting);
  print.addEventListener('click', () => window.print());
  save.addEventListener('click', () => {
    saveFile({ ...data, onThisPhone: phone });
    showMessage(note, 'success', t('mydata.saved'));
    announce(t('mydata.saved'));
  });
  onThisPhone(user && user.id).then((p) => {
    phone = p;
    waiting.replaceChildren(...[waitingSection(p)].filter(Boolean));
  });
  api('GET', '/api/me/data').then((d) => {
    data = d;
    body.replaceChildren(
      h('p', { class: 'meta', text: t('mydata.made', { when: when(d.madeAt) }) }),
      ...page(d));
    print.disabled = false;
    save.disabled = false;
  }).catch((err) => {
    body.replaceChildren(message('error', errorText(err)));
  });
  return node;
}
