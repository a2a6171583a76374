// A placement's photos: its staff read the guidance, add photos from the
// phone's camera or gallery, caption, order and remove them. Photos are
// fetched with the session's token (they are never public), so they are
// shown from blob: addresses.

import { h, nextId, announce } from './dom.js';
import { t } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, loading, label } from './ui.js';
import { api, download } from './api.js';
import { loadItems } from './lists.js';
import { selectField } from './adminforms.js';

export const PHOTO_KINDS = ['bedroom', 'house', 'garden', 'adults', 'pets', 'other'];
const ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,image/heif';
const MAX_BYTES = 15 * 1024 * 1024;

const shown = new Map(); // photo id and width → blob: address, for this visit

/** A blob: address of a photo at a width (the server picks the nearest kept one). */
export async function photoURL(placementId, photoId, width) {
  const key = `${photoId}@${width}`;
  if (!shown.has(key)) {
    const blob = await download(`/api/placements/${placementId}/photos/${photoId}?w=${width}`);
    shown.set(key, URL.createObjectURL(blob));
  }
  return shown.get(key);
}

/** An <img> that fills in when its photo has loaded. */
export function photoImage(placementId, ph, width, attrs = {}) {
  const img = h('img', { alt: ph.caption || label('photos.kind', ph.kind), dir: ph.caption ? 'auto' : undefined, width: ph.width, height: ph.height, decoding: 'async', ...attrs });
  photoURL(placementId, ph.id, width).then((url) => { img.src = url; }).catch(() => img.classList.add('photo-missing'));
  return img;
}

/** What not to show, read before every upload (welcome-book practice in foster care). */
function guidance() {
  return h('section', { class: 'panel photo-guidance', id: 'photo-guidance', 'aria-labelledby': 'photo-guidance-title' },
    h('h2', { id: 'photo-guidance-title', text: t('photos.guidance.title') }),
    h('ul', { class: 'guidance-list' }, ...['street', 'cars', 'uniforms', 'children', 'papers'].map((k) => h('li', { text: t(`photos.guidance.${k}`) }))),
    h('p', { class: 'meta', text: t('photos.guidance.stripped') }));
}

/** #/placements/:id/photos */
export function photosScreen({ id }) {
  const status = message('success');
  status.id = 'photos-status';
  const list = h('div', {}, loading());
  const kind = selectField({ id: 'photo-kind', label: t('photos.add.kind'), value: 'bedroom',
    options: PHOTO_KINDS.map((k) => ({ value: k, text: label('photos.kind', k) })) });
  const file = h('input', { type: 'file', id: 'photo-file', accept: ACCEPT, 'aria-describedby': 'photo-file-help' });
  const caption = field({ id: 'photo-caption', label: t('photos.add.caption'), help: t('photos.add.caption_help'), maxlength: '200', autocomplete: 'off' });
  const note = message('info');
  note.id = 'photo-add-message';
  const save = button(t('photos.add.save'), { id: 'photo-add-save', type: 'submit' }, 'primary');
  const form = h('form', { class: 'form photo-add-form', id: 'photo-add-form', novalidate: true, 'aria-labelledby': 'photo-add-title' },
    h('h2', { id: 'photo-add-title', text: t('photos.add.title') }),
    h('div', { class: 'field' },
      h('label', { for: 'photo-file', text: t('photos.add.file') }),
      h('p', { class: 'field-help', id: 'photo-file-help', text: t('photos.add.file_help') }),
      file),
    kind.wrap, caption.wrap, note, save);
  // One id per chosen photo: sending it again after a timeout keeps it once.
  let uploadId = null;
  file.addEventListener('change', () => { uploadId = crypto.randomUUID(); showMessage(note, 'info', ''); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files && file.files[0];
    if (!f) {
      showMessage(note, 'error', t('error.photo_required'));
      file.focus();
      return;
    }
    if (f.size > MAX_BYTES) {
      showMessage(note, 'error', t('error.photo_too_large'));
      return;
    }
    const q = new URLSearchParams({ id: uploadId || crypto.randomUUID(), kind: kind.input.value, caption: caption.input.value.trim() });
    const done = busy(save, t('photos.add.sending'));
    try {
      await api('POST', `/api/placements/${id}/photos?${q}`, f);
      done();
      form.reset();
      uploadId = null;
      showMessage(status, 'success', t('photos.add.done'));
      announce(t('photos.add.done'));
      await load();
      const added = list.querySelector('.photo-item:last-child');
      if (added) added.scrollIntoView({ block: 'center' });
    } catch (err) {
      done();
      showMessage(note, 'error', errorText(err));
    }
  });

  let photos = [];
  const load = loadItems(list, async () => (await api('GET', `/api/placements/${id}`)).photos || [], (items) => {
    photos = items;
    if (!items.length) {
      list.append(h('p', { class: 'empty', text: t('photos.empty') }));
      return;
    }
    list.append(h('ol', { class: 'photo-list', id: 'photo-list' }, ...items.map((ph, i) => photoRow(ph, i))));
  });

  async function reorder(from, to) {
    const ids = photos.map((p) => p.id);
    const [moved] = ids.splice(from, 1);
    ids.splice(to, 0, moved);
    try {
      await api('PUT', `/api/placements/${id}/photo-order`, { ids });
      announce(t('photos.moved', { position: to + 1 }));
      await load();
      const again = document.querySelector(`.photo-item[data-id="${moved}"] .photo-${to < from ? 'up' : 'down'}`);
      if (again && !again.disabled) again.focus();
    } catch (err) {
      showMessage(status, 'error', errorText(err));
    }
  }

  function photoRow(ph, i) {
    const idBase = nextId('photo');
    const cap = field({ id: `${idBase}-caption`, label: t('photos.caption_of', { position: i + 1 }), maxlength: '200', autocomplete: 'off' });
    cap.input.value = ph.caption || '';
    const capNote = message('info');
    const capSave = button(t('photos.caption_save'), { type: 'submit', class: 'photo-caption-save' }, 'secondary');
    const capForm = h('form', { class: 'photo-caption-form', novalidate: true }, cap.wrap, capNote, capSave);
    capForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const done = busy(capSave, t('admin.saving'));
      try {
        await api('PATCH', `/api/placements/${id}/photos/${ph.id}`, { caption: cap.input.value.trim() });
        done();
        showMessage(capNote, 'success', t('photos.caption_saved'));
      } catch (err) {
        done();
        showMessage(capNote, 'error', errorText(err));
      }
    });
    const up = button(t('photos.up'), { class: 'photo-up', disabled: i === 0, on: { click: () => reorder(i, i - 1) } }, 'quiet');
    const down = button(t('photos.down'), { class: 'photo-down', disabled: i === photos.length - 1, on: { click: () => reorder(i, i + 1) } }, 'quiet');
    const remove = button(t('photos.remove'), { class: 'photo-remove' }, 'quiet');
    const yes = button(t('photos.remove_yes'), { class: 'photo-remove-confirm' }, 'danger');
    const no = button(t('photos.remove_no'), {}, 'quiet');
    const confirmBox = h('div', { class: 'confirm', hidden: true }, h('p', { text: t('photos.remove_confirm') }), yes, no);
    remove.addEventListener('click', () => { confirmBox.hidden = false; yes.focus(); });
    no.addEventListener('click', () => { confirmBox.hidden = true; remove.focus(); });
    yes.addEventListener('click', async () => {
      const done = busy(yes, t('admin.saving'));
      try {
        await api('DELETE', `/api/placements/${id}/photos/${ph.id}`);
        showMessage(status, 'success', t('photos.removed'));
        announce(t('photos.removed'));
        load();
      } catch (err) {
        done();
        showMessage(status, 'error', errorText(err));
      }
    });
    return h('li', { class: 'photo-item', data: { id: ph.id } },
      h('figure', { class: 'photo-figure' },
        photoImage(id, ph, 320, { class: 'photo-thumb' }),
        h('figcaption', { class: 'meta', text: label('photos.kind', ph.kind) })),
      capForm,
      h('div', { class: 'photo-actions' }, up, down, remove),
      confirmBox);
  }

  return screen({ title: t('photos.title'), name: 'placement-photos', back: '/home', className: 'screen-staff' },
    h('h1', { text: t('photos.title') }),
    guidance(),
    form,
    status,
    h('h2', { text: t('photos.list_title') }),
    list);
}
