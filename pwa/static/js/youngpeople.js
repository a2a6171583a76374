// Staff: the young people list, join codes and phones (devices).

import { h, announce } from './dom.js';
import { t, formatWhen, formatDateTime, list as languages } from './i18n.js';
import { screen, button, busy, field, message, showMessage, errorText, loadFailed, loading, ypName, label, actionsArea } from './ui.js';
import { spellCode, formatCode, DEVICE_KINDS } from './format.js';
import { api, getUser, oneCreate } from './api.js';
import { loadItems } from './lists.js';
import { navigate } from './router.js';
import { itemActions } from './home.js';
import { selectField, disclosure, showFormError, clearFormErrors, clearOnEdit, forgetKeyWorkers } from './adminforms.js';

const people = new Map(); // id → young person, from the last list
const codes = new Map(); // id → {code, expiresAt, qrDataUrl}, in memory only

async function loadPeople() {
  const data = await api('GET', '/api/young-people');
  const items = (data && Array.isArray(data.items)) ? data.items : [];
  people.clear();
  for (const yp of items) people.set(yp.id, yp);
  return items;
}

async function findPerson(id) {
  if (!people.has(id)) await loadPeople();
  return people.get(id) || null;
}

/** Make a join code, keep it in memory, and show it. */
async function giveCode(id, btn, msg) {
  const done = busy(btn, t('code.making'));
  try {
    const resp = await api('POST', `/api/young-people/${encodeURIComponent(id)}/join-codes`, {});
    codes.set(id, resp);
    done();
    navigate(`/young-people/${encodeURIComponent(id)}/code`);
    return true;
  } catch (err) {
    done();
    if (msg) showMessage(msg, 'error', errorText(err));
    return false;
  }
}

function listTitleKey(role) {
  if (role === 'key_worker') return 'yp.list.mine';
  if (role === 'team_manager') return 'yp.list.team';
  return 'yp.list.area';
}

/** "KFRW-4829" as its groups, free to wrap after the dash on a narrow screen. */
function codeGroups(code) {
  const groups = String(code).split('-');
  return groups.map((g, i) => (i < groups.length - 1 ? [`${g}-`, h('wbr')] : g)).flat();
}

/** The "My young people" section of a staff home. */
export function youngPeopleSection() {
  const user = getUser();
  const body = h('div', { class: 'yp-list-body' }, loading());
  const status = h('div', { class: 'yp-status', id: 'yp-status' });
  const section = h('section', { class: 'panel', 'aria-labelledby': 'yp-list-title' },
    h('h2', { id: 'yp-list-title' }, t(listTitleKey(user.role))));
  forgetKeyWorkers();

  const load = loadItems(body, loadPeople, (items) => {
    const list = h('ul', { id: 'yp-list', class: 'cards' });
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('yp.list.empty') }), list);
      return;
    }
    const showWorker = user.role !== 'key_worker';
    items
      .slice()
      .sort((a, b) => ypName(a).localeCompare(ypName(b)))
      .forEach((yp) => list.append(item(yp, showWorker, reload)));
    body.append(list);
  });

  /** Show the list again, with a note above it. */
  async function reload(text) {
    status.replaceChildren(message('success', text));
    await load();
  }

  // A key worker adds young people to their own list; an administrator to a
  // team, with or without a key worker.
  if (user.role === 'key_worker' || user.role === 'administrator') {
    section.append(addYoungPerson(status, load, user.role === 'administrator'));
  }
  section.append(status, body);
  return section;
}

/** "Add a young person": the key worker becomes their key worker. An
 * administrator (byAdmin) also chooses the team and, if they like, the key worker. */
function addYoungPerson(status, load, byAdmin) {
  const first = field({ id: 'yp-first-name', label: t('yp.add.first_name'), autocomplete: 'off', maxlength: '40', required: true });
  const preferred = field({ id: 'yp-preferred-name', label: t('yp.add.preferred_name'), help: t('yp.add.preferred_help'), autocomplete: 'off', maxlength: '40' });
  const language = selectField({ id: 'yp-language', label: t('yp.add.language'), help: t('yp.add.language_help'), value: 'en',
    options: languages().map((l) => ({ value: l.code, lang: l.code, text: l.name })) });
  const note = message('info');
  note.id = 'yp-add-message';
  const submit = button(t(byAdmin ? 'yp.add.save_admin' : 'yp.add.save'), { id: 'yp-add-save', type: 'submit' }, 'primary');
  const byName = { firstName: first, preferredName: preferred, language };
  let team = null;
  let worker = null;
  if (byAdmin) {
    team = selectField({ id: 'yp-team', label: t('yp.add.team'), help: t('yp.add.team_help'),
      options: [{ value: '', text: t('yp.add.choose_team') }] });
    worker = selectField({ id: 'yp-key-worker', label: t('yp.add.key_worker'), help: t('yp.add.key_worker_help'),
      options: [{ value: '', text: t('yp.add.no_key_worker') }] });
    byName.teamId = team;
    byName.keyWorkerId = worker;
    // The choices come from the area: its teams, and key workers whose accounts are on.
    Promise.all([api('GET', '/api/admin/teams'), api('GET', '/api/admin/staff')]).then(([teams, staff]) => {
      for (const tm of ((teams && teams.items) || []).slice().sort((a, b) => a.name.localeCompare(b.name))) {
        team.input.append(h('option', { value: tm.id, text: t('admin.teams.option', { name: tm.name, service: label('service', tm.service) }) }));
      }
      for (const st of ((staff && staff.items) || []).filter((x) => x.role === 'key_worker' && !x.disabled)
        .sort((a, b) => a.name.localeCompare(b.name))) {
        worker.input.append(h('option', { value: st.id, text: st.teamName ? t('yp.add.worker_option', { name: st.name, team: st.teamName }) : st.name }));
      }
    }).catch((err) => showMessage(note, 'error', errorText(err)));
  }
  clearOnEdit(byName);
  const form = h('form', { class: 'add-form', id: 'yp-add-form', novalidate: true, 'aria-labelledby': 'yp-add' },
    first.wrap, preferred.wrap, language.wrap, team && team.wrap, worker && worker.wrap, note, submit);
  const add = disclosure(t('yp.add.title'), 'yp-add', form);

  const createPerson = oneCreate(); // one key per thing made: a retry never makes it twice
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(note, byName);
    const firstName = first.input.value.trim();
    const missing = {};
    if (!firstName) missing.firstName = 'required';
    if (byAdmin && !team.input.value) missing.teamId = 'choose_team';
    if (Object.keys(missing).length) {
      showFormError({ code: 'validation_failed', fields: missing }, note, byName);
      return;
    }
    const body = { firstName, preferredName: preferred.input.value.trim(), language: language.input.value };
    if (byAdmin) {
      body.teamId = team.input.value;
      body.keyWorkerId = worker.input.value;
    }
    const done = busy(submit, t('yp.add.saving'));
    try {
      const yp = await createPerson('POST', '/api/young-people', body);
      done();
      form.reset();
      add.close();
      const name = ypName(yp);
      if (byAdmin) {
        // Join codes come from the key worker, so the administrator just hears it is done.
        const text = t('yp.add.done_admin', { name });
        status.replaceChildren(message('success', text));
        status.firstChild.id = 'yp-added';
        announce(text);
        await load();
        add.toggle.focus();
        return;
      }
      // What to do next: a new young person needs a join code for their phone.
      const msg = message('error');
      const give = button(t('yp.give_code'), { id: 'yp-added-code', class: 'give-code', data: { id: yp.id } }, 'primary');
      give.addEventListener('click', () => giveCode(yp.id, give, msg));
      status.replaceChildren(h('div', { class: 'msg msg-success added', role: 'status', id: 'yp-added' },
        h('p', { text: t('yp.add.done', { name }) }),
        give, msg));
      announce(t('yp.add.done', { name }));
      await load();
      give.focus();
    } catch (err) {
      done();
      showFormError(err, note, byName);
    }
  });
  return add.wrap;
}

function item(yp, showWorker, reload) {
  const user = getUser();
  const name = ypName(yp);
  const meta = [label('service', yp.service)];
  if (showWorker) meta.push(yp.keyWorker && yp.keyWorker.name ? t('yp.list.worker', { name: yp.keyWorker.name }) : t('yp.list.no_worker'));
  // Join codes and phones are for the young person's own key worker.
  const own = user.role === 'key_worker';
  const msg = message('error');
  let give = null;
  if (own) {
    give = button(t('yp.give_code'), { class: 'give-code', data: { id: yp.id } }, 'primary');
    give.addEventListener('click', () => giveCode(yp.id, give, msg));
  }
  const extra = itemActions.map((fn) => fn(yp, user, reload)).filter(Boolean);
  return h('li', { class: 'card yp-item', data: { id: yp.id } },
    h('div', { class: 'card-main' },
      h('p', { class: 'card-title', text: name }),
      yp.preferredName && yp.preferredName !== yp.firstName
        ? h('p', { class: 'meta', text: t('yp.list.first_name', { name: yp.firstName }) }) : null,
      h('p', { class: 'meta yp-meta', text: meta.filter(Boolean).join(' · ') })),
    own || extra.length ? h('div', { class: 'card-actions' },
      give,
      own ? h('a', { class: 'btn btn-secondary phones', href: `#/young-people/${encodeURIComponent(yp.id)}/phones`, data: { id: yp.id }, text: t('yp.phones') }) : null,
      extra) : null,
    msg);
}

function notFoundScreen(back) {
  return screen({ title: t('error.not_found'), name: 'not-found', back },
    h('h1', { text: t('error.not_found') }),
    h('p', { text: t('yp.not_found') }));
}

function failedScreen(err, back, retry) {
  return screen({ title: t('error.generic'), name: 'failed', back },
    h('h1', { text: t('app.problem') }),
    loadFailed(err, retry));
}

/** #/young-people/:id/code */
export async function codeScreen({ id }) {
  let yp;
  try {
    yp = await findPerson(id);
  } catch (err) {
    return failedScreen(err, '/home', () => navigate(`/young-people/${encodeURIComponent(id)}/code`, { replace: true }));
  }
  if (!yp) return notFoundScreen('/home');
  const name = ypName(yp);
  const msg = message('error');
  const body = h('div', { class: 'code-body' });
  const node = screen({ title: t('code.title', { name }), name: 'join-code', back: '/home' },
    h('h1', { text: t('code.title', { name }) }),
    body);

  const current = codes.get(id);
  const expires = current ? new Date(current.expiresAt) : null;
  const live = current && expires && !(expires.getTime() <= Date.now());

  if (live) {
    const code = formatCode(current.code);
    const expiry = h('p', { class: 'expires', id: 'join-code-expires' },
      t('code.expires', { time: formatWhen(current.expiresAt) }));
    const card = h('div', { class: 'code-card' },
      h('p', { class: 'code-big', data: { read: spellCode(code) } },
        h('span', { id: 'join-code-shown', 'aria-hidden': 'true', dir: 'ltr' }, ...codeGroups(code)),
        h('span', { class: 'sr-only', text: spellCode(code) })),
      typeof current.qrDataUrl === 'string' && current.qrDataUrl.startsWith('data:image/')
        ? h('img', { class: 'qr', id: 'join-code-qr', src: current.qrDataUrl, alt: t('code.qr_alt', { name }), width: 240, height: 240 })
        : null,
      expiry);
    const again = button(t('code.new'), { class: 'give-code', data: { id } }, 'secondary');
    again.addEventListener('click', () => giveCode(id, again, msg));
    body.append(
      h('p', { class: 'lead', text: t('code.help', { name }) }),
      card,
      h('p', { class: 'field-help', text: t('code.once') }),
      msg,
      actionsArea(again));
    // Mark the code as run out when its time is up.
    const timer = setInterval(() => {
      if (!node.isConnected) { clearInterval(timer); return; }
      if (Date.now() >= expires.getTime()) {
        clearInterval(timer);
        codes.delete(id);
        card.classList.add('expired');
        showMessage(expiry, 'error', t('code.expired'));
        again.className = 'btn btn-primary give-code';
      }
    }, 5000);
  } else {
    codes.delete(id);
    const give = button(t('yp.give_code'), { class: 'give-code', data: { id } }, 'primary');
    give.addEventListener('click', () => giveCode(id, give, msg));
    body.append(h('p', { class: 'lead', text: t('code.none', { name }) }), msg, actionsArea(give));
  }
  return node;
}

/** #/young-people/:id/phones */
export async function phonesScreen({ id }) {
  let yp;
  try {
    yp = await findPerson(id);
  } catch (err) {
    return failedScreen(err, '/home', () => navigate(`/young-people/${encodeURIComponent(id)}/phones`, { replace: true }));
  }
  if (!yp) return notFoundScreen('/home');
  const name = ypName(yp);
  const body = h('div', {}, loading());
  const node = screen({ title: t('devices.title', { name }), name: 'devices', back: '/home' },
    h('h1', { text: t('devices.title', { name }) }),
    h('p', { class: 'lead', text: t('devices.help', { name }) }),
    body);
  const path = `/api/young-people/${encodeURIComponent(id)}/devices`;

  const load = loadItems(body, path, (items) => {
    if (!items.length) {
      body.append(h('p', { class: 'empty', text: t('devices.empty', { name }) }),
        h('a', { class: 'btn btn-secondary', href: `#/young-people/${encodeURIComponent(id)}/code`, text: t('yp.give_code') }));
      return;
    }
    items.sort((a, b) => (a.revokedAt ? 1 : 0) - (b.revokedAt ? 1 : 0) || String(b.lastSeenAt || b.createdAt).localeCompare(String(a.lastSeenAt || a.createdAt)));
    const list = h('ul', { class: 'cards', id: 'device-list' });
    for (const d of items) list.append(deviceItem(d));
    body.append(list);
  });

  function deviceItem(d) {
    const dname = DEVICE_KINDS[d.name] ? t(DEVICE_KINDS[d.name]) : d.name || t('devices.unnamed');
    const lines = [t('devices.added', { date: formatDateTime(d.createdAt) })];
    if (d.lastSeenAt) lines.push(t('devices.last_seen', { date: formatDateTime(d.lastSeenAt) }));
    const li = h('li', { class: ['card', 'device-item', d.revokedAt && 'revoked'], data: { id: d.id } },
      h('div', { class: 'card-main' },
        h('p', { class: 'card-title', text: dname }),
        ...lines.map((l) => h('p', { class: 'meta', text: l })),
        d.revokedAt ? h('p', { class: 'badge', text: t('devices.revoked', { date: formatDateTime(d.revokedAt) }) }) : null));
    if (d.revokedAt) return li;
    const msg = message('error');
    const confirmBox = h('div', { class: 'confirm', hidden: true });
    const signOut = button(t('devices.sign_out'), { class: 'device-signout', data: { id: d.id } }, 'secondary');
    const yes = button(t('devices.confirm_yes'), { class: 'device-signout-confirm', data: { id: d.id } }, 'danger');
    const no = button(t('app.cancel'), { class: 'device-signout-cancel' }, 'quiet');
    confirmBox.append(h('p', { text: t('devices.confirm', { device: dname, name }) }), yes, no);
    signOut.addEventListener('click', () => {
      signOut.hidden = true;
      confirmBox.hidden = false;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirmBox.hidden = true;
      signOut.hidden = false;
      signOut.focus();
    });
    yes.addEventListener('click', async () => {
      const done = busy(yes);
      try {
        await api('DELETE', `${path}/${encodeURIComponent(d.id)}`);
        announce(t('devices.done', { device: dname }));
        await load();
        const status = h('p', { class: 'msg msg-success', role: 'status', text: t('devices.done', { device: dname }) });
        body.prepend(status);
      } catch (err) {
        done();
        showMessage(msg, 'error', errorText(err));
      }
    });
    li.append(h('div', { class: 'card-actions' }, signOut, confirmBox), msg);
    return li;
  }

  return node;
}
