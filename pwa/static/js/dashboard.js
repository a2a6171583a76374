// The commissioners' dashboard (#/dashboard): area-wide KPIs after disclosure
// control, for commissioners and administrators. Filters for period, service
// and placement type; a tile per KPI with its n and 95% interval; a trend chart
// drawn in SVG with the same figures in a table beside it; CSV and JSON
// downloads; and a link to the API description for the area's own tools.
// Everything shown comes from /api/kpis: this screen never sees a young person.

import { h, clear, announce } from './dom.js';
import { t, has, formatNumber, formatDuration, direction, dateFormat } from './i18n.js';
import { screen, button, busy, message, showMessage, errorText, fieldText, loadFailed, loading, SERVICES } from './ui.js';
import { api, download, getUser } from './api.js';
import { route, navigate } from './router.js';
import { addHomeSection } from './home.js';

const SVG = 'http://www.w3.org/2000/svg';
const PLACEMENTS = ['none', 'childrens_home', 'foster', 'supported_lodgings', 'inpatient'];
const ROLES = ['commissioner', 'administrator'];

// The filters stay as they were while the app is open.
const state = { from: '', to: '', service: '', placementType: '' };

function query() {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'service', 'placementType']) if (state[k]) q.set(k, state[k]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function monthName(m, style = 'short') {
  const [y, mo] = m.split('-').map(Number);
  return dateFormat({ month: style, year: style === 'short' ? '2-digit' : 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, mo - 1, 1)));
}

/** "Nov 2026": short enough for a table row on a phone. */
function monthLabel(m) {
  const [y, mo] = m.split('-').map(Number);
  return dateFormat({ month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, mo - 1, 1)));
}

const tileTitle = (id) => t(`kpis.tile.${id}`);

function partLabel(tileId, dim) {
  if (tileId === 'escalations' && has(`kpis.step.${dim}`)) return t(`kpis.step.${dim}`);
  if (tileId === 'buddy_rating') return t('kpis.rating_of', { n: dim });
  if (has(`cards.card.${dim}`)) return t(`cards.card.${dim}`);
  return dim;
}

/** A count as a table cell: the number, or * (hidden) with words for screen readers. */
function countCell(c, tag = 'td') {
  if (!c || c.suppressed || c.value === null || c.value === undefined) {
    return h(tag, { class: 'db-hidden' }, h('span', { 'aria-hidden': 'true', text: '*' }), h('span', { class: 'sr-only', text: t('kpis.hidden_cell') }));
  }
  return h(tag, { text: formatNumber(c.value) });
}

function nText(c) {
  if (!c || c.suppressed || c.value === null || c.value === undefined) return t('kpis.n', { n: '*' });
  return t('kpis.n', { n: formatNumber(c.value) });
}

function seconds(s, over) {
  if (over) return t('kpis.over_day');
  return formatDuration(s);
}

function days(d, over) {
  if (over) return t('kpis.over_56_days');
  return t('kpis.days', { count: d });
}

/** The main figure of a tile's period total, as words. */
function headline(tile) {
  const f = tile.total;
  if (tile.kind === 'counts') {
    return { big: f.n.suppressed ? '*' : formatNumber(f.n.value), small: '' };
  }
  if (f.suppressed) return { big: t('kpis.hidden'), small: t('kpis.hidden_why'), hidden: true };
  switch (tile.kind) {
    case 'share':
      return { big: t('kpis.percent', { value: formatNumber(f.percent) }), small: t('kpis.interval', { low: formatNumber(f.low), high: formatNumber(f.high) }) };
    case 'duration':
      return { big: t('kpis.median', { time: seconds(f.medianSeconds, f.medianOverADay) }), small: t('kpis.p90', { time: seconds(f.p90Seconds, f.p90OverADay) }) };
    case 'rate':
      return { big: formatNumber(f.rate), small: t('kpis.rate', { rate: formatNumber(f.rate) }) };
    case 'days':
      return { big: t('kpis.median', { time: days(f.medianDays, f.medianOver56Days) }), small: t('kpis.p90', { time: days(f.p90Days, f.p90Over56Days) }) };
    case 'rating':
      // The mean is published only from enough ratings (and never when hidden).
      if (f.mean === undefined || f.mean === null) return { big: t('kpis.hidden'), small: t('kpis.hidden_why'), hidden: true };
      return { big: t('kpis.mean_rating', { value: formatNumber(f.mean) }), small: '' };
  }
  return { big: '', small: '' };
}

/* --------------------------------------------------------------- charts -- */

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

const W = 320;
const H = 150;
const PAD = { top: 12, right: 14, bottom: 26, left: 42 };

/** The value a month's figure is drawn at, or null when it is hidden or absent. */
function valueOf(tile, f) {
  if (!f) return null;
  switch (tile.kind) {
    case 'share': return f.suppressed ? null : f.percent;
    case 'duration': return f.suppressed || f.medianOverADay ? null : f.medianSeconds / 60;
    case 'rate': return f.suppressed ? null : f.rate;
    case 'days': return f.suppressed || f.medianOver56Days ? null : f.medianDays;
    case 'rating': return f.mean === undefined || f.mean === null ? null : f.mean;
    default: return f.n.suppressed ? null : f.n.value;
  }
}

/**
 * A line chart of a tile's months. Hidden months leave a gap and a hollow mark
 * on the axis; shares draw their 95% interval as a band. Time runs the way
 * the language reads: right to left in Arabic, Farsi, Dari, Pashto and Sorani,
 * with the value axis on the right, as the table below it (which it mirrors)
 * reads. It is described by that table.
 */
function trendChart(tile, months) {
  const values = tile.trend.map((f) => valueOf(tile, f));
  // Counts get whole-number grid lines (at least 0, 1, 2); shares run to 100%.
  let max = tile.kind === 'share' ? 100 : tile.kind === 'rating' ? 5 : Math.max(tile.kind === 'counts' ? 2 : 1, ...values.filter((v) => v !== null));
  if (tile.kind !== 'share' && tile.kind !== 'rating') max = niceMax(max);
  const rtl = direction() === 'rtl';
  const ltrX = (i) => PAD.left + (months.length === 1 ? (W - PAD.left - PAD.right) / 2 : i * (W - PAD.left - PAD.right) / (months.length - 1));
  const x = (i) => (rtl ? W - ltrX(i) : ltrX(i));
  const y = (v) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'db-chart', role: 'img', 'aria-label': t('kpis.chart_label', { title: tileTitle(tile.id) }), dir: 'ltr' });
  // Grid lines and their labels.
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    chart.append(svg('line', { x1: rtl ? W - PAD.left : PAD.left, x2: rtl ? PAD.right : W - PAD.right, y1: y(v), y2: y(v), class: 'db-grid' }));
    // Numbers run left to right (as direction says), beside the axis on either side.
    const text = svg('text', { x: rtl ? W - PAD.left + 9 : PAD.left - 9, y: y(v) + 4, class: 'db-axis', direction: 'ltr', 'text-anchor': rtl ? 'start' : 'end' });
    const shown = formatNumber(Math.round(v * 10) / 10);
    if (tile.kind === 'share') text.textContent = `${formatNumber(v)}%`;
    else if (tile.kind === 'duration') text.textContent = t('kpis.axis_minutes', { n: shown });
    else if (tile.kind === 'days') text.textContent = t('kpis.axis_days', { n: shown });
    else text.textContent = shown;
    chart.append(text);
  }
  // Month labels: every month when few, else about six, counted back from the
  // latest month so that it always has its label.
  const every = Math.max(1, Math.ceil(months.length / 6));
  months.forEach((m, i) => {
    if ((months.length - 1 - i) % every !== 0) return;
    const text = svg('text', { x: x(i), y: H - 8, class: 'db-axis', 'text-anchor': 'middle' });
    text.textContent = monthName(m);
    chart.append(text);
  });
  // The interval band and the line, in runs of shown months.
  const runs = [];
  let run = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(i);
  });
  if (run.length) runs.push(run);
  for (const r of runs) {
    if (tile.kind === 'share') {
      const top = r.map((i) => `${x(i)},${y(tile.trend[i].high)}`);
      const bottom = r.slice().reverse().map((i) => `${x(i)},${y(tile.trend[i].low)}`);
      if (r.length > 1) chart.append(svg('polygon', { points: [...top, ...bottom].join(' '), class: 'db-band' }));
      else chart.append(svg('line', { x1: x(r[0]), x2: x(r[0]), y1: y(tile.trend[r[0]].high), y2: y(tile.trend[r[0]].low), class: 'db-whisker' }));
    }
    if (r.length > 1) chart.append(svg('polyline', { points: r.map((i) => `${x(i)},${y(values[i])}`).join(' '), class: 'db-line' }));
    for (const i of r) chart.append(svg('circle', { cx: x(i), cy: y(values[i]), r: 3.5, class: 'db-point' }));
  }
  values.forEach((v, i) => {
    if (v === null) chart.append(svg('circle', { cx: x(i), cy: y(0), r: 3, class: 'db-gap' }));
  });
  return chart;
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** Horizontal bars for the parts of a counts tile (cards, escalation steps). */
function partBars(tile) {
  const shown = tile.parts.filter((p) => !p.total.suppressed);
  const max = Math.max(1, ...shown.map((p) => p.total.value));
  const list = h('ul', { class: 'db-bars' });
  for (const p of tile.parts) {
    const bar = h('span', { class: 'db-bar' });
    if (!p.total.suppressed) bar.append(h('span', { class: `db-bar-fill db-w-${Math.round((p.total.value / max) * 20) * 5}` }));
    list.append(h('li', {},
      h('span', { class: 'db-bar-label', text: partLabel(tile.id, p.dim) }),
      bar,
      h('span', { class: 'db-bar-value', text: p.total.suppressed ? '*' : formatNumber(p.total.value) })));
  }
  return list;
}

/* --------------------------------------------------------------- tables -- */

function shareRow(label, f) {
  return h('tr', {}, h('th', { scope: 'row', text: label }),
    f.suppressed ? h('td', { class: 'db-hidden', text: t('kpis.hidden') }) : h('td', { text: t('kpis.percent', { value: formatNumber(f.percent) }) }),
    f.suppressed ? h('td', { text: '' }) : h('td', { text: `${formatNumber(f.low)}–${formatNumber(f.high)}%` }),
    countCell(f.n));
}

function tileTable(tile, months) {
  const table = h('table', { class: 'db-table' });
  const head = (...cols) => h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', text: c }))));
  const rows = h('tbody');
  const label = (i) => (i === -1 ? t('kpis.period') : monthLabel(months[i]));
  const all = [[-1, tile.total], ...tile.trend.map((f, i) => [i, f])];
  switch (tile.kind) {
    case 'share':
      table.append(head(t('kpis.col.month'), t('kpis.col.share'), t('kpis.col.interval'), t('kpis.col.n')));
      for (const [i, f] of all) rows.append(shareRow(label(i), f));
      break;
    case 'duration':
      table.append(head(t('kpis.col.month'), t('kpis.col.median'), t('kpis.col.p90'), t('kpis.col.n')));
      for (const [i, f] of all) {
        rows.append(h('tr', {}, h('th', { scope: 'row', text: label(i) }),
          h('td', { text: f.suppressed ? t('kpis.hidden') : seconds(f.medianSeconds, f.medianOverADay) }),
          h('td', { text: f.suppressed ? '' : seconds(f.p90Seconds, f.p90OverADay) }),
          countCell(f.n)));
      }
      break;
    case 'days':
      table.append(head(t('kpis.col.month'), t('kpis.col.median'), t('kpis.col.p90'), t('kpis.col.n')));
      for (const [i, f] of all) {
        rows.append(h('tr', {}, h('th', { scope: 'row', text: label(i) }),
          h('td', { text: f.suppressed ? t('kpis.hidden') : days(f.medianDays, f.medianOver56Days) }),
          h('td', { text: f.suppressed ? '' : days(f.p90Days, f.p90Over56Days) }),
          countCell(f.n)));
      }
      break;
    case 'rate':
      table.append(head(t('kpis.col.month'), t('kpis.col.rate'), t('kpis.col.changes'), t('kpis.col.n')));
      for (const [i, f] of all) {
        rows.append(h('tr', {}, h('th', { scope: 'row', text: label(i) }),
          h('td', { text: f.suppressed ? t('kpis.hidden') : formatNumber(f.rate) }),
          countCell(f.k), countCell(f.n)));
      }
      break;
    default: {
      const rating = tile.kind === 'rating';
      table.append(head(t('kpis.col.month'), ...tile.parts.map((p) => partLabel(tile.id, p.dim)), ...(rating ? [t('kpis.col.mean')] : []), t('kpis.col.count')));
      for (const [i, f] of all) {
        rows.append(h('tr', {}, h('th', { scope: 'row', text: label(i) }),
          ...tile.parts.map((p) => countCell(i === -1 ? p.total : p.trend[i])),
          rating ? h('td', { class: f.mean === undefined || f.mean === null ? 'db-hidden' : null, text: f.mean === undefined || f.mean === null ? t('kpis.hidden') : formatNumber(f.mean) }) : null,
          countCell(f.n)));
      }
    }
  }
  table.append(rows);
  return h('details', { class: 'db-details' }, h('summary', { text: t('kpis.show_table') }), h('div', { class: 'db-table-wrap' }, table));
}

/* ---------------------------------------------------------------- tiles -- */

function tileNode(tile, months) {
  const head = headline(tile);
  return h('article', { class: ['db-tile', `db-kind-${tile.kind}`, head.hidden && 'db-tile-hidden'], id: `db-${tile.id}`, data: { kpi: tile.id }, 'aria-labelledby': `db-${tile.id}-title` },
    h('h2', { id: `db-${tile.id}-title`, text: tileTitle(tile.id) }),
    h('p', { class: 'db-big', data: { figure: tile.id }, text: head.big }),
    head.small ? h('p', { class: 'db-small', text: head.small }) : null,
    tile.kind === 'counts' ? null : h('p', { class: 'db-n', text: nText(tile.total.n) }),
    h('p', { class: 'db-def', text: t(`kpis.def.${tile.id}`) }),
    (tile.kind === 'counts' || tile.kind === 'rating') && tile.parts.length ? partBars(tile) : null,
    trendChart(tile, months),
    h('p', { class: 'db-legend', 'aria-hidden': 'true' }, h('span', { class: 'db-legend-gap' }), t('kpis.legend_gap')),
    tileTable(tile, months));
}

/* ---------------------------------------------------------------- screen -- */

function select(id, labelText, options, value) {
  return h('div', { class: 'field' },
    h('label', { for: id, text: labelText }),
    h('select', { id }, ...options.map(([v, text]) => h('option', { value: v, text, selected: v === value }))));
}

async function save(path, fallbackName, btn, msg) {
  const restore = busy(btn);
  try {
    const blob = await download(path);
    const name = fallbackName;
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, class: 'sr-only' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    showMessage(msg, 'success', t('kpis.export.done', { file: name }));
    announce(t('kpis.export.done', { file: name }));
  } catch (err) {
    showMessage(msg, 'error', errorText(err));
  } finally {
    restore();
  }
}

function exportName(d, ext) {
  let name = `heard-kpis-${d.from}-to-${d.to}`;
  if (d.service) name += `-${d.service}`;
  if (d.placementType) name += `-${d.placementType}`;
  return `${name}.${ext}`;
}

function dashboardScreen() {
  const user = getUser();
  if (!user || !ROLES.includes(user.role)) {
    navigate('/home', { replace: true });
    return h('div');
  }
  const intro = h('p', { class: 'lead', id: 'db-intro' });
  const level = h('p', { class: 'db-level', id: 'db-level' });
  const body = h('div', { class: 'db-body', id: 'db-body' }, loading());
  const formMsg = message('error');
  const exportMsg = message('info');
  const from = h('input', { type: 'month', id: 'db-from', value: state.from });
  const to = h('input', { type: 'month', id: 'db-to', value: state.to });
  const fromErr = h('p', { class: 'field-error', id: 'db-from-error', hidden: true });
  const toErr = h('p', { class: 'field-error', id: 'db-to-error', hidden: true });
  const serviceField = select('db-service', t('kpis.service'),
    [['', t('kpis.all_services')], ...SERVICES.map((s) => [s, has(`service.${s}`) ? t(`service.${s}`) : s])], state.service);
  const placementField = select('db-placement', t('kpis.placement'),
    [['', t('kpis.all_placements')], ...PLACEMENTS.map((p) => [p, t(`kpis.placement.${p}`)])], state.placementType);
  const apply = button(t('kpis.apply'), { id: 'db-apply', type: 'submit' }, 'primary');
  const form = h('form', { class: 'db-filters', id: 'db-filters', 'aria-labelledby': 'db-filters-title', novalidate: true },
    h('h2', { id: 'db-filters-title', class: 'sr-only', text: t('kpis.filters') }),
    h('div', { class: 'field' }, h('label', { for: 'db-from', text: t('kpis.from') }), from, fromErr),
    h('div', { class: 'field' }, h('label', { for: 'db-to', text: t('kpis.to') }), to, toErr),
    serviceField, placementField,
    h('div', { class: 'db-apply' }, apply),
    formMsg);
  let current = null;
  const csv = button(t('kpis.export.csv'), { id: 'db-csv' }, 'secondary');
  const json = button(t('kpis.export.json'), { id: 'db-json' }, 'secondary');
  csv.addEventListener('click', () => current && save(`/api/kpis/export.csv${query()}`, exportName(current, 'csv'), csv, exportMsg));
  json.addEventListener('click', () => current && save(`/api/kpis/export.json${query()}`, exportName(current, 'json'), json, exportMsg));
  const exports = h('section', { class: 'panel db-export', 'aria-labelledby': 'db-export-title' },
    h('h2', { id: 'db-export-title', text: t('kpis.export.title') }),
    h('div', { class: 'db-export-buttons' }, csv, json),
    h('a', { href: '/api/openapi.json', id: 'db-api', target: '_blank', rel: 'noopener', text: t('kpis.export.api') }),
    exportMsg);

  const node = screen({ title: t('kpis.title'), name: 'dashboard', back: '/home', className: 'screen-staff screen-dashboard' },
    h('h1', { text: t('kpis.title') }), intro, form, level,
    h('p', { class: 'db-disclosure', text: t('kpis.disclosure') }),
    body, exports);

  async function load() {
    clear(body).append(loading());
    for (const e of [fromErr, toErr]) e.hidden = true;
    showMessage(formMsg, 'error', '');
    let d;
    try {
      d = await api('GET', `/api/kpis${query()}`);
    } catch (err) {
      if (err.fields && Object.keys(err.fields).length) {
        for (const [f, code] of Object.entries(err.fields)) {
          const box = f === 'to' ? toErr : fromErr;
          box.textContent = fieldText(code === 'too_long' ? 'too_long_period' : code);
          box.hidden = false;
        }
        showMessage(formMsg, 'error', errorText(err));
        clear(body);
        return;
      }
      clear(body).append(loadFailed(err, load));
      return;
    }
    current = d;
    state.from = d.from;
    state.to = d.to;
    from.value = d.from;
    to.value = d.to;
    intro.textContent = t('kpis.intro', { area: d.areaName, from: monthName(d.from, 'long'), to: monthName(d.to, 'long') });
    level.textContent = t(`kpis.level.${d.level}`);
    const grid = h('div', { class: 'db-tiles', id: 'db-tiles' });
    for (const tile of d.tiles) {
      tile.parts = tile.parts || []; // left out of the JSON when there are none
      tile.trend = tile.trend || [];
      grid.append(tileNode(tile, d.months));
    }
    clear(body).append(grid);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.from = from.value;
    state.to = to.value;
    state.service = document.getElementById('db-service').value;
    state.placementType = document.getElementById('db-placement').value;
    load();
  });
  load();
  return node;
}

function homePanel() {
  return h('section', { class: 'panel db-home', 'aria-labelledby': 'db-home-title' },
    h('h2', { id: 'db-home-title', text: t('kpis.home.title') }),
    h('p', { text: t('kpis.home.text') }),
    h('a', { class: 'btn btn-primary', href: '#/dashboard', id: 'db-open', text: t('kpis.home.open') }));
}

let mounted = false;

export function mountDashboard() {
  if (mounted) return;
  mounted = true;
  route('/dashboard', dashboardScreen, 'staff');
  for (const role of ROLES) addHomeSection(role, homePanel);
}
