// Area administrators: the audit log, staff accounts, teams and notifications
// that could not be delivered.

import { h, icon } from './dom.js';
import { t, formatDateTime } from './i18n.js';
import { screen, loading, label, message } from './ui.js';
import { loadItems } from './lists.js';
import { getUser } from './api.js';
import { addStaffForm, staffSwitch, disclosure } from './adminforms.js';
import { staffEditor, passwordReset } from './staff.js';

/** Links from the administrator's home. */
export function adminLinks() {
  return h('nav', { class: 'panel link-list', 'aria-labelledby': 'admin-links-title' },
    h('h2', { id: 'admin-links-title', text: t('admin.title') }),
    h('a', { class: 'link-row', href: '#/admin/audit', id: 'admin-audit-link' }, icon('list'), h('span', { text: t('admin.audit.title') })),
    h('a', { class: 'link-row', href: '#/admin/staff', id: 'admin-staff-link' }, icon('people'), h('span', { text: t('admin.staff.title') })),
    h('a', { class: 'link-row', href: '#/admin/teams', id: 'admin-teams-link' }, icon('people'), h('span', { text: t('admin.teams.title') })),
    h('a', { class: 'link-row', href: '#/admin/placements', id: 'admin-placements-link' }, icon('people'), h('span', { text: t('admin.placements.title') })),
    h('a', { class: 'link-row', href: '#/admin/duty', id: 'admin-duty-link' }, icon('people'), h('span', { text: t('admin.duty.title') })),
    h('a', { class: 'link-row', href: '#/admin/area', id: 'admin-area-link' }, icon('settings'), h('span', { text: t('admin.area.title') })),
    h('a', { class: 'link-row', href: '#/admin/deliveries', id: 'admin-deliveries-link' }, icon('list'), h('span', { text: t('admin.deliveries.title') })));
}

function listScreen({ name, titleKey, helpKey, path, emptyKey, renderItem, listId }) {
  const body = h('div', {}, loading());
  const node = screen({ title: t(titleKey), name, back: '/home' },
    h('h1', { text: t(titleKey) }),
    helpKey ? h('p', { class: 'lead', text: t(helpKey) }) : null,
    body);
  loadItems(body, path, (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t(emptyKey) }));
      return;
    }
    const list = h('ul', { class: 'rows', id: listId });
    for (const it of items) list.append(renderItem(it));
    body.append(list);
  });
  return node;
}

export function auditScreen() {
  return listScreen({
    name: 'audit',
    titleKey: 'admin.audit.title',
    helpKey: 'admin.audit.help',
    path: '/api/admin/audit',
    emptyKey: 'admin.audit.empty',
    listId: 'audit-list',
    renderItem: (e) => h('li', { class: 'row audit-item' },
      h('p', { class: 'row-title' },
        h('time', { datetime: e.at, text: formatDateTime(e.at) })),
      h('p', { text: t('admin.audit.entry', {
        actor: e.actorName || t('admin.audit.system'),
        role: label('role', e.actorRole),
        action: label('audit.action', e.action),
      }) }),
      e.count ? h('p', { class: 'meta', text: t('admin.audit.count', { count: e.count }) }) : null,
      e.staffName ? h('p', { class: 'meta', text: t('admin.audit.about', { name: e.staffName }) }) : null,
      e.youngPersonName || e.youngPersonId
        ? h('p', { class: 'meta', text: t('admin.audit.about', { name: e.youngPersonName || e.youngPersonId }) })
        : null),
  });
}

/** #/admin/staff: every account, a form to add one, changing one (role,
 * team, placement, hours), resetting a password, turning accounts off or on. */
export function staffScreen() {
  const me = getUser();
  const body = h('div', {}, loading());
  const status = h('div', { id: 'staff-status' });
  let add = null;
  const load = loadItems(body, '/api/admin/staff', (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('admin.staff.empty') }));
      return;
    }
    const list = h('ul', { class: 'rows', id: 'staff-list' });
    items.slice().sort((a, b) => (a.disabled ? 1 : 0) - (b.disabled ? 1 : 0) || String(a.name).localeCompare(String(b.name)))
      .forEach((s) => list.append(staffRow(s)));
    body.append(list);
  });
  function reload(text) {
    status.replaceChildren(message('success', text));
    load();
  }
  function staffRow(s) {
    return h('li', { class: ['row', 'staff-item', s.disabled && 'disabled'], data: { id: s.id } },
      h('p', { class: 'row-title' },
        h('span', { text: s.name || '' }),
        s.disabled ? h('span', { class: 'badge', text: t('admin.staff.disabled') }) : null),
      h('p', { class: 'meta' }, h('span', { dir: 'ltr', text: s.email || '' })),
      h('p', { class: 'meta', text: [label('role', s.role), s.teamName ? t('admin.staff.team', { team: s.teamName }) : ''].filter(Boolean).join(' · ') }),
      staffEditor(s, me, reload),
      passwordReset(s, me),
      staffSwitch(s, me, reload));
  }
  const form = addStaffForm((st, text) => {
    add.close();
    reload(text);
    add.toggle.focus();
  });
  add = disclosure(t('admin.staff.add.title'), 'staff-add', form);
  form.addEventListener('submit', () => status.replaceChildren());
  return screen({ title: t('admin.staff.title'), name: 'staff', back: '/home' },
    h('h1', { text: t('admin.staff.title') }),
    status,
    add.wrap,
    body);
}

/** Notifications the push services refused or that are being retried: what
 * kind (the words shown on the lock screen), to which role, and the answer. */
export function deliveriesScreen() {
  return listScreen({
    name: 'deliveries',
    titleKey: 'admin.deliveries.title',
    helpKey: 'admin.deliveries.help',
    path: '/api/admin/deliveries',
    emptyKey: 'admin.deliveries.empty',
    listId: 'delivery-list',
    renderItem: (d) => h('li', { class: 'row delivery-item' },
      h('p', { class: 'row-title' },
        h('time', { datetime: d.at, text: formatDateTime(d.at) }),
        h('span', { class: 'badge', text: t(d.status === 'failed' ? 'admin.deliveries.failed' : 'admin.deliveries.retrying') })),
      h('p', { text: label('push', `${d.type}.body`) }),
      h('p', { class: 'meta', text: t('admin.deliveries.detail', {
        role: label('role', d.recipientRole),
        answer: d.statusCode ? String(d.statusCode) : t('admin.deliveries.unreachable'),
        count: d.attempts || 0,
      }) }),
      d.reason ? h('p', { class: 'meta', dir: 'ltr', text: d.reason }) : null),
  });
}
