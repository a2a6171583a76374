// The welcome booklet, kept by the placement's staff: pages readable on a
// phone (Heard's starting text for the standard pages, and their own), each in
// a language, and optionally the home's own PDF.

import { h, nextId, announce } from './dom.js';
import { t, list as languages } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, loadFailed, label } from './ui.js';
import { api, download } from './api.js';
import { selectField } from './adminforms.js';
import { textArea } from './placements.js';
import { route } from './router.js';

const STANDARD = ['what_to_expect', 'your_rights', 'complaints', 'advocate', 'who_to_call'];
const KINDS = [...STANDARD, 'own'];

function pageCard(pg, onRemove) {
  const id = nextId('page');
  const kind = selectField({ id: `${id}-kind`, label: t('booklets.page.kind'), value: pg.kind || 'own',
    options: KINDS.map((k) => ({ value: k, text: label('booklets.kind', k) })) });
  const lang = selectField({ id: `${id}-lang`, label: t('booklets.page.lang'), value: pg.lang,
    options: languages().map((l) => ({ value: l.code, text: l.name, lang: l.code })) });
  const title = field({ id: `${id}-title`, label: t('booklets.page.title'), maxlength: '80', autocomplete: 'off' });
  title.input.value = pg.title || '';
  const body = textArea({ id: `${id}-body`, label: t('booklets.page.body'), value: pg.body || '', maxlength: 4000, rows: 6 });
  const card = h('li', { class: 'booklet-page' }, kind.wrap, title.wrap, body.wrap, lang.wrap,
    button(t('booklets.page.remove'), { class: 'booklet-page-remove', on: { click: () => onRemove(card) } }, 'quiet'));
  card.read = () => ({ kind: kind.input.value, title: title.input.value.trim(), body: body.input.value.trim(), lang: lang.input.value });
  card.titleField = title; // not .title, which would be the page's tooltip
  return card;
}

/** #/placements/:id/booklet */
async function bookletScreen({ id }) {
  const heading = t('booklets.title');
  let prof;
  try {
    prof = await api('GET', `/api/placements/${id}`);
  } catch (err) {
    return screen({ title: heading, name: 'placement-booklet', back: '/home', className: 'screen-staff' }, h('h1', { text: heading }), loadFailed(err));
  }
  const lang = document.documentElement.lang || 'en';
  const pages = h('ol', { class: 'booklet-pages', id: 'booklet-pages' });
  const remove = (card) => { card.remove(); announce(t('booklets.page.removed')); };
  const add = (pg) => { const c = pageCard(pg, remove); pages.append(c); return c; };
  (prof.booklet || []).forEach(add);
  const template = button(t('booklets.template'), { id: 'booklet-template' }, 'secondary');
  template.addEventListener('click', () => {
    let first = null;
    for (const k of STANDARD) {
      const c = add({ kind: k, title: t(`booklets.template.${k}.title`), body: t(`booklets.template.${k}.body`), lang });
      first = first || c;
    }
    announce(t('booklets.template_added'));
    first.titleField.input.focus();
  });
  const addPage = button(t('booklets.page.add'), { id: 'booklet-page-add' }, 'secondary');
  addPage.addEventListener('click', () => add({ kind: 'own', lang }).titleField.input.focus());
  const note = message('info');
  note.id = 'booklet-message';
  const save = button(t('booklets.save'), { id: 'booklet-save', type: 'submit' }, 'primary');
  const form = h('form', { class: 'form booklet-form', id: 'booklet-form', novalidate: true }, pages,
    h('div', { class: 'booklet-add' }, addPage, template), note, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { pages: [...pages.children].map((c) => c.read()) };
    const done = busy(save, t('admin.saving'));
    try {
      await api('PUT', `/api/placements/${id}/booklet`, body);
      done();
      showMessage(note, 'success', t('booklets.saved'));
      announce(t('booklets.saved'));
    } catch (err) {
      done();
      const f = err.fields || {};
      showMessage(note, 'error', Object.keys(f).length ? t('booklets.page_problem') : errorText(err));
    }
  });

  // The PDF.
  const pdfNote = message('info');
  pdfNote.id = 'booklet-pdf-message';
  const pdfState = h('p', { class: 'meta', id: 'booklet-pdf-state' });
  const showState = (pdf) => {
    pdfState.textContent = pdf ? t('booklets.pdf.kept', { size: Math.max(1, Math.round(pdf.bytes / 1024)) }) : t('booklets.pdf.none');
    openPdf.hidden = !pdf;
    removePdf.hidden = !pdf;
  };
  const file = h('input', { type: 'file', id: 'booklet-pdf-file', accept: 'application/pdf', 'aria-describedby': 'booklet-pdf-help' });
  const sendPdf = button(t('booklets.pdf.send'), { id: 'booklet-pdf-send' }, 'secondary');
  const openPdf = button(t('booklets.pdf.open'), { id: 'booklet-pdf-open' }, 'quiet');
  const removePdf = button(t('booklets.pdf.remove'), { id: 'booklet-pdf-remove' }, 'quiet');
  sendPdf.addEventListener('click', async () => {
    const f = file.files && file.files[0];
    if (!f) { showMessage(pdfNote, 'error', t('error.pdf_required')); file.focus(); return; }
    const done = busy(sendPdf, t('photos.add.sending'));
    try {
      const pdf = await api('POST', `/api/placements/${id}/booklet.pdf`, f);
      done();
      showState(pdf);
      showMessage(pdfNote, 'success', t('booklets.pdf.sent'));
    } catch (err) {
      done();
      showMessage(pdfNote, 'error', errorText(err));
    }
  });
  openPdf.addEventListener('click', async () => {
    try {
      const blob = await download(`/api/placements/${id}/booklet.pdf`);
      window.open(URL.createObjectURL(blob), '_blank', 'noopener');
    } catch (err) {
      showMessage(pdfNote, 'error', errorText(err));
    }
  });
  removePdf.addEventListener('click', async () => {
    try {
      await api('DELETE', `/api/placements/${id}/booklet.pdf`);
      showState(null);
      showMessage(pdfNote, 'success', t('booklets.pdf.removed'));
    } catch (err) {
      showMessage(pdfNote, 'error', errorText(err));
    }
  });
  showState(prof.pdf);
  return screen({ title: heading, name: 'placement-booklet', back: '/home', className: 'screen-staff' },
    h('h1', { text: heading }),
    h('p', { class: 'lead', text: t('booklets.lead') }),
    form,
    h('section', { class: 'panel booklet-pdf', 'aria-labelledby': 'booklet-pdf-title' },
      h('h2', { id: 'booklet-pdf-title', text: t('booklets.pdf.title') }),
      h('label', { for: 'booklet-pdf-file', text: t('booklets.pdf.file') }),
      h('p', { class: 'field-help', id: 'booklet-pdf-help', text: t('booklets.pdf.help') }),
      file, sendPdf, pdfState, openPdf, removePdf, pdfNote));
}

let mounted = false;

export function mountBooklets() {
  if (mounted) return;
  mounted = true;
  route('/placements/:id/booklet', bookletScreen, 'staff');
}
