// The signals page in the browser: polls /api/signals, fills the table, draws each row's last hour with uPlot.
import uPlot from '/vendor/uPlot.esm.js';

const REFRESH_MS = 5000;
const COLORS = ['#175cd3', '#d92d20', '#079455', '#dc6803', '#7a5af8', '#0e9384', '#c11574', '#475467'];
const tbody = document.querySelector('#signals tbody');
const status = document.getElementById('status');
/** id -> { tr, value, spark, alerts, plot, seriesKey } */
const rows = new Map();

function cell(tr, className) {
  const td = document.createElement('td');
  td.className = className;
  tr.append(td);
  return td;
}

function addRow(r, first) {
  const tr = document.createElement('tr');
  tr.dataset.id = r.id;
  if (first) tr.classList.add('first');
  cell(tr, 'system').textContent = first ? r.system : '';
  cell(tr, 'method').textContent = first ? r.method : '';
  cell(tr, 'signal').textContent = r.signal;
  const value = cell(tr, 'value');
  const spark = cell(tr, 'spark');
  const alerts = cell(tr, 'alerts');
  const link = document.createElement('a');
  link.href = r.query_url;
  link.target = '_blank';
  link.rel = 'noopener';
  link.textContent = 'PromQL';
  link.title = r.promql;
  cell(tr, 'query').append(link);
  tbody.append(tr);
  const entry = { tr, value, spark, alerts, plot: undefined, seriesKey: '' };
  rows.set(r.id, entry);
  return entry;
}

function sparkline(entry, r) {
  const h = r.history;
  const key = h.series.map((s) => s.name).join('|');
  const data = [h.t, ...h.series.map((s) => s.values)];
  if (entry.plot && entry.seriesKey === key) {
    entry.plot.setData(data);
    return;
  }
  entry.plot?.destroy();
  entry.seriesKey = key;
  const opts = {
    width: 160,
    height: 34,
    class: 'sparkline',
    legend: { show: false },
    cursor: { show: false },
    select: { show: false },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: true } },
    series: [{}, ...h.series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
  };
  entry.plot = new uPlot(opts, data, entry.spark);
  entry.spark.title = h.series.map((s) => s.name).join(', ');
}

function showAlerts(entry, alerts) {
  entry.alerts.replaceChildren();
  if (alerts.length === 0) {
    const none = document.createElement('span');
    none.className = 'none';
    none.textContent = '—';
    entry.alerts.append(none);
    return;
  }
  for (const a of alerts) {
    const badge = document.createElement('span');
    badge.className = `alert ${a.severity}`;
    badge.textContent = a.name;
    badge.title = `${a.summary} (since ${a.since})`;
    entry.alerts.append(badge);
  }
}

let links = false;
function render(data) {
  let last = '';
  for (const r of data.rows) {
    const entry = rows.get(r.id) ?? addRow(r, r.system !== last);
    last = r.system;
    entry.value.textContent = r.text;
    entry.tr.classList.toggle('missing', r.missing);
    if (r.error) entry.value.title = r.error;
    showAlerts(entry, r.alerts);
    sparkline(entry, r);
  }
  const firing = data.rows.reduce((n, r) => n + r.alerts.length, 0);
  status.className = data.alerts_error ? 'error' : '';
  status.textContent =
    `updated ${new Date(data.at).toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s · ` +
    (data.alerts_error ? `alerts unknown: ${data.alerts_error}` : `${firing} alert(s) firing`);
  if (!links) {
    links = true;
    const footer = document.getElementById('links');
    for (const [name, url] of [
      ['Prometheus', data.prometheus_url],
      ['Alertmanager', data.alertmanager_url],
    ]) {
      const a = document.createElement('a');
      a.href = url;
      a.textContent = name;
      footer.append(a, ' ');
    }
  }
}

async function refresh() {
  try {
    const res = await fetch('/api/signals', { cache: 'no-store' });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    render(await res.json());
  } catch (err) {
    status.className = 'error';
    status.textContent = `could not read the signals: ${err.message}`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
