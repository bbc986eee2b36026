// Tollgate console: a small page over the admin API. No framework, no build step, nothing from
// the network: every request goes to this gateway's /admin/v1 with the admin key the user signed
// in with, kept in this tab's sessionStorage only.

const KEY = 'tollgate.adminKey';
const state = { me: null, timer: null };

const $ = (sel, root = document) => root.querySelector(sel);
const page = () => $('#page');

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body, accept = 'application/json') {
  const response = await fetch(path, {
    method,
    headers: { 'Authorization': `Bearer ${sessionStorage.getItem(KEY)}`, 'Content-Type': 'application/json', 'Accept': accept },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (accept !== 'application/json') {
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    return response.blob();
  }
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

function toast(message) {
  const t = $('#toast');
  t.textContent = message;
  t.classList.add('show');
  setTimeout(() => t.classList.remove('show'), 3000);
}

const usd = (v) => v === null || v === undefined ? '–' : `$${Number(v).toFixed(Number(v) < 10 ? 4 : 2)}`;
const pct = (v) => v === null || v === undefined ? '–' : `${(Number(v) * 100).toFixed(1)} %`;
const ms = (v) => v === null || v === undefined ? '–' : `${Number(v).toFixed(0)} ms`;
const today = () => new Date().toISOString().slice(0, 10);
const monthStart = () => today().slice(0, 8) + '01';
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

function card(label, value, id) {
  return el('div', { class: 'card', id }, el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value }));
}

function table(headers, rows, attrs = {}) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null, text: h.label ?? h })))),
    el('tbody', {}, rows));
}

function failed(where, e) {
  return el('p', { class: 'error', role: 'alert', text: `${where}: ${e.message}` });
}

// ---- sign-in ----

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  try {
    state.me = await api('GET', '/admin/v1/me');
  } catch (e) {
    sessionStorage.removeItem(KEY);
    throw e;
  }
}

function showSignIn() {
  state.me = null;
  $('#nav').hidden = true;
  $('#signout').hidden = true;
  $('#who').textContent = '';
  page().hidden = true;
  $('#signin').hidden = false;
  $('#admin-key').focus();
}

// ---- pages ----

async function overview() {
  const root = el('div', {}, el('h1', { text: 'Overview' }));
  const cards = el('div', { class: 'cards', id: 'overview-cards' });
  root.append(cards);
  const [providers, costsToday, costsMonth, budgets] = await Promise.allSettled([
    api('GET', '/admin/v1/providers'),
    api('GET', `/admin/v1/costs?from=${today()}&to=${tomorrow()}`),
    api('GET', `/admin/v1/costs?from=${monthStart()}&to=${tomorrow()}`),
    api('GET', '/admin/v1/budgets'),
  ]);
  let requests = 0, errors = 0, p50 = 0, p95 = 0, weight = 0;
  if (providers.status === 'fulfilled') {
    for (const p of providers.value.data) {
      for (const d of p.deployments) {
        requests += d.recent.requests;
        errors += d.recent.errors;
        if (d.recent.requests > 0 && d.recent.latency_ms.p50 !== null) {
          p50 += d.recent.latency_ms.p50 * d.recent.requests;
          p95 = Math.max(p95, d.recent.latency_ms.p95 ?? 0);
          weight += d.recent.requests;
        }
      }
    }
    const window = providers.value.window_seconds || 300;
    cards.append(card(`Calls/s (last ${window / 60} min)`, (requests / window).toFixed(2)),
      card('Error rate', requests ? pct(errors / requests) : '–'),
      card('Latency p50 (weighted)', weight ? ms(p50 / weight) : '–'),
      card('Latency p95 (worst deployment)', weight ? ms(p95) : '–'));
  }
  cards.append(card('Spend today', costsToday.status === 'fulfilled' ? usd(costsToday.value.totals.cost_usd) : 'n/a', 'spend-today'),
    card('Spend month to date', costsMonth.status === 'fulfilled' ? usd(costsMonth.value.totals.cost_usd) : 'n/a', 'spend-month'));

  if (budgets.status === 'fulfilled') {
    const statuses = await Promise.allSettled(budgets.value.data.map((b) => api('GET', `/admin/v1/budgets/${encodeURIComponent(b.name)}/status`)));
    const near = statuses.filter((s) => s.status === 'fulfilled').map((s) => s.value).filter((s) => s.utilization_percent >= 50);
    root.append(el('h2', { text: 'Budgets at 50 % or more' }),
      near.length ? table(['Budget', 'Period', { label: 'Spent', num: true }, { label: 'Amount', num: true }, 'Use'],
        near.map((s) => el('tr', {}, el('td', { text: s.name }), el('td', { text: s.period }), el('td', { class: 'num', text: usd(s.spent_usd) }),
          el('td', { class: 'num', text: usd(s.amount) }), el('td', {}, bar(s.utilization_percent)))))
        : el('p', { class: 'muted', text: 'None.' }));
  }
  if (providers.status === 'fulfilled') {
    root.append(el('h2', { text: 'Providers' }),
      table(['Provider', 'Deployment', 'State', 'Circuit'], providers.value.data.flatMap((p) => p.deployments.map((d) =>
        el('tr', {}, el('td', { text: p.name }), el('td', { text: d.id }), el('td', {}, el('span', { class: `state ${d.state}`, text: d.state })),
          el('td', {}, el('span', { class: `state ${d.circuit_breaker.state}`, text: d.circuit_breaker.state })))))));
  } else {
    root.append(failed('Providers', providers.reason));
  }
  return root;
}

function bar(percent) {
  const p = Math.max(0, Math.min(100, Number(percent)));
  const fill = el('span');
  fill.style.width = `${p}%`; // CSSOM, not a style attribute: allowed by the CSP
  return el('div', { class: `bar ${p >= 90 ? 'bad' : p >= 75 ? 'warn' : ''}`, role: 'img', 'aria-label': `${percent} % used` }, fill);
}

async function providers() {
  const root = el('div', {}, el('h1', { text: 'Providers & models' }));
  const [overrides, health] = await Promise.all([api('GET', '/admin/v1/overrides'), api('GET', '/admin/v1/providers')]);
  const byId = new Map();
  for (const p of health.data) for (const d of p.deployments) byId.set(d.id, d);
  const operate = state.me.can.operate;
  for (const m of overrides.models) {
    root.append(el('h2', { text: m.model }));
    const rows = m.deployments.map((d) => {
      const h = byId.get(d.deployment);
      const enabled = d.effective.enabled;
      const id = `${m.model}|${d.deployment}`;
      const weight = el('input', { type: 'number', min: 0, max: 1000, value: d.effective.weight ?? d.file.weight, 'aria-label': `Weight of ${d.deployment} in ${m.model}`, disabled: !operate || !enabled });
      const priority = el('input', { type: 'number', min: 0, max: 1000, value: d.override?.priority ?? '', placeholder: String(d.file.position), 'aria-label': `Priority of ${d.deployment} in ${m.model}`, disabled: !operate || !enabled });
      const controls = operate ? el('td', {},
        el('button', { type: 'button', class: enabled ? 'danger' : '', 'data-action': enabled ? 'drain' : 'enable', 'data-target': id,
          onclick: () => setDeployment(m.model, d.deployment, { enabled: !enabled }) , text: enabled ? 'Drain' : 'Enable' }), ' ',
        el('button', { type: 'button', class: 'secondary', disabled: !enabled, onclick: () => setDeployment(m.model, d.deployment,
          Object.assign({ weight: Number(weight.value) }, priority.value === '' ? {} : { priority: Number(priority.value) })), text: 'Save' }), ' ',
        d.override ? el('button', { type: 'button', class: 'secondary', onclick: () => resetDeployment(m.model, d.deployment), text: 'Reset to file' }) : null)
        : el('td', { class: 'muted', text: 'read only' });
      return el('tr', { class: enabled ? null : 'drained', 'data-deployment': id },
        el('td', { text: d.deployment }),
        el('td', {}, el('span', { class: `state ${enabled ? (h?.state ?? 'ok') : 'drained'}`, text: enabled ? (h?.state ?? 'ok') : 'drained' })),
        el('td', {}, el('span', { class: `state ${h?.circuit_breaker.state ?? 'closed'}`, text: h?.circuit_breaker.state ?? '–' })),
        el('td', { class: 'num', text: h ? pct(h.recent.error_rate) : '–' }),
        el('td', { class: 'num', text: h ? ms(h.recent.latency_ms.p50) : '–' }),
        el('td', {}, weight), el('td', {}, priority),
        el('td', { class: 'muted', text: d.override ? `override by ${d.override.updated_by}` : 'file' }),
        controls);
    });
    root.append(table(['Deployment', 'State', 'Circuit', { label: 'Errors', num: true }, { label: 'p50', num: true }, 'Weight', 'Priority', 'Source', 'Actions'], rows));
  }
  if (overrides.vanished.length) {
    root.append(el('p', { class: 'error', text: `Overrides whose target left the config: ${overrides.vanished.join(', ')}` }));
  }
  return root;
}

async function setDeployment(model, deployment, change) {
  try {
    await api('PUT', '/admin/v1/overrides/deployments', Object.assign({ model, deployment }, change));
    toast(change.enabled === false ? `${deployment} drained` : `${deployment} updated`);
  } catch (e) {
    toast(e.message);
  }
  route();
}

async function resetDeployment(model, deployment) {
  try {
    await api('DELETE', `/admin/v1/overrides/deployments?model=${encodeURIComponent(model)}&deployment=${encodeURIComponent(deployment)}`);
    toast(`${deployment} back to the file's settings`);
  } catch (e) {
    toast(e.message);
  }
  route();
}

async function keys() {
  const root = el('div', {}, el('h1', { text: 'Keys' }));
  const list = await api('GET', '/admin/v1/keys');
  const write = state.me.can.write_keys;
  if (write) {
    const form = el('form', { class: 'inline', id: 'create-key' },
      el('label', {}, 'Name', el('input', { name: 'name', required: true, pattern: '[A-Za-z0-9._-]{1,128}' })),
      state.me.role === 'member' ? null : el('label', {}, 'Team', el('input', { name: 'team' })),
      el('label', {}, 'Project', el('input', { name: 'project' })),
      el('label', {}, 'Models (comma separated, empty = all)', el('input', { name: 'models' })),
      el('label', {}, 'Requests/min', el('input', { name: 'rpm', type: 'number', min: 1 })),
      el('button', { type: 'submit', text: 'Create key' }));
    const secret = el('div', { id: 'new-secret', 'aria-live': 'polite' });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const f = new FormData(form);
      const body = { name: f.get('name') };
      if (f.get('team')) body.team = f.get('team');
      if (f.get('project')) body.project = f.get('project');
      if (f.get('models')) body.models = f.get('models').split(',').map((s) => s.trim()).filter(Boolean);
      if (f.get('rpm')) body.limits = { 'requests-per-minute': Number(f.get('rpm')) };
      try {
        const created = await api('POST', '/admin/v1/keys', body);
        showSecret(secret, created.name, created.key);
      } catch (e) {
        secret.replaceChildren(failed('Create', e));
      }
    });
    root.append(form, secret);
  }
  const rows = list.data.map((k) => el('tr', { 'data-key': k.name },
    el('td', { text: k.name }), el('td', { text: k.team ?? '–' }), el('td', { text: k.project ?? '–' }),
    el('td', { text: k.models.length ? k.models.join(', ') : 'all' }), el('td', { text: k.source }),
    el('td', {}, el('span', { class: `state ${k.revoked ? 'bad' : 'ok'}`, text: k.revoked ? 'revoked' : 'active' })),
    el('td', {}, write && k.source === 'api' && !k.revoked ? [
      el('button', { type: 'button', class: 'secondary', onclick: async () => {
        try {
          const r = await api('POST', `/admin/v1/keys/${encodeURIComponent(k.name)}/rotate`);
          showSecret($('#new-secret'), k.name, r.key);
        } catch (e) { toast(e.message); }
      }, text: 'Rotate' }), ' ',
      el('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!confirm(`Revoke ${k.name}? Calls with it stop at once.`)) return;
        try { await api('DELETE', `/admin/v1/keys/${encodeURIComponent(k.name)}`); toast(`${k.name} revoked`); } catch (e) { toast(e.message); }
        route();
      }, text: 'Revoke' })] : null)));
  root.append(el('h2', { text: 'All keys' }), table(['Name', 'Team', 'Project', 'Models', 'Source', 'Status', 'Actions'], rows, { id: 'keys-table' }));
  return root;
}

function showSecret(into, name, key) {
  const value = el('div', { class: 'secret', id: 'secret-value', text: key });
  into.replaceChildren(el('p', {}, el('strong', { text: `Key for ${name}: ` }), 'shown only now — store it.'), value,
    el('button', { type: 'button', onclick: async () => { await navigator.clipboard.writeText(key); toast('Copied'); }, text: 'Copy' }));
}

async function budgets() {
  const root = el('div', {}, el('h1', { text: 'Budgets' }));
  const list = await api('GET', '/admin/v1/budgets');
  const statuses = await Promise.allSettled(list.data.map((b) => api('GET', `/admin/v1/budgets/${encodeURIComponent(b.name)}/status`)));
  const write = state.me.can.write_budgets;
  const form = write ? el('form', { class: 'inline', id: 'budget-form' },
    el('label', {}, 'Name', el('input', { name: 'name', required: true, pattern: '[A-Za-z0-9._-]{1,128}' })),
    el('label', {}, 'Scope (e.g. team=growth)', el('input', { name: 'scope', placeholder: 'team=growth' })),
    el('label', {}, 'Period', el('select', { name: 'period' }, ['daily', 'weekly', 'monthly'].map((p) => el('option', { value: p, text: p })))),
    el('label', {}, 'Amount (USD)', el('input', { name: 'amount', type: 'number', min: 0, step: '0.01', required: true })),
    el('label', {}, 'Enforcement', el('select', { name: 'enforcement' }, el('option', { value: 'hard', text: 'hard (block)' }), el('option', { value: 'soft', text: 'soft (warn)' }))),
    el('button', { type: 'submit', text: 'Save budget' })) : null;
  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const f = new FormData(form);
      const scope = {};
      for (const part of String(f.get('scope') || '').split(',').map((s) => s.trim()).filter(Boolean)) {
        const [k, v] = part.split('=');
        scope[k.trim()] = (v ?? '').trim();
      }
      const name = f.get('name');
      const body = { scope, period: f.get('period'), amount: Number(f.get('amount')), enforcement: f.get('enforcement') };
      const exists = list.data.some((b) => b.name === name);
      try {
        await api(exists ? 'PUT' : 'POST', exists ? `/admin/v1/budgets/${encodeURIComponent(name)}` : '/admin/v1/budgets',
          exists ? body : Object.assign({ name }, body));
        toast(`Budget ${name} saved`);
        route();
      } catch (e) {
        form.append(failed('Save', e));
      }
    });
    root.append(form);
  }
  const rows = list.data.map((b, i) => {
    const s = statuses[i].status === 'fulfilled' ? statuses[i].value : null;
    return el('tr', { 'data-budget': b.name },
      el('td', { text: b.name }), el('td', { text: Object.entries(b.scope).map(([k, v]) => `${k}=${v}`).join(', ') || 'all' }),
      el('td', { text: b.period }), el('td', { class: 'num', text: usd(b.amount) }), el('td', { class: 'num', text: s ? usd(s.spent_usd) : '–' }),
      el('td', {}, s ? bar(s.utilization_percent) : '–', s ? ` ${s.utilization_percent} %` : ''), el('td', { text: b.enforcement }),
      el('td', { text: b.alerts.map((a) => `${a} %`).join(' ') }), el('td', { text: b.source }),
      el('td', {}, write && b.source === 'api' ? el('button', { type: 'button', class: 'secondary', onclick: () => {
        form.elements.name.value = b.name;
        form.elements.scope.value = Object.entries(b.scope).map(([k, v]) => `${k}=${v}`).join(', ');
        form.elements.period.value = b.period;
        form.elements.amount.value = b.amount;
        form.elements.enforcement.value = b.enforcement;
        form.elements.amount.focus();
      }, text: 'Edit' }) : null));
  });
  root.append(el('h2', { text: 'All budgets' }),
    table(['Name', 'Scope', 'Period', { label: 'Amount', num: true }, { label: 'Spent', num: true }, 'Used', 'Enforcement', 'Alerts', 'Source', ''], rows, { id: 'budgets-table' }));
  return root;
}

async function spend() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const group = params.get('group_by') || 'model';
  const from = params.get('from') || monthStart();
  const to = params.get('to') || tomorrow();
  const root = el('div', {}, el('h1', { text: 'Spend' }));
  const query = `from=${from}&to=${to}&group_by=${group}`;
  const select = el('select', { id: 'spend-group', 'aria-label': 'Group by' }, ['team', 'model', 'provider', 'project', 'key', 'feature', 'user']
    .map((g) => el('option', { value: g, selected: g === group, text: g })));
  select.addEventListener('change', () => { location.hash = `#/spend?group_by=${select.value}&from=${from}&to=${to}`; });
  const fromInput = el('input', { type: 'date', value: from, 'aria-label': 'From' });
  const toInput = el('input', { type: 'date', value: to, 'aria-label': 'To' });
  const apply = el('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = `#/spend?group_by=${group}&from=${fromInput.value}&to=${toInput.value}`; }, text: 'Apply' });
  const csv = el('button', { type: 'button', id: 'spend-csv', onclick: async () => {
    try {
      const blob = await api('GET', `/admin/v1/costs?${query}&interval=day&format=csv`, undefined, 'text/csv');
      const a = el('a', { href: URL.createObjectURL(blob), download: `tollgate-spend-${group}-${from}-${to}.csv` });
      document.body.append(a); a.click(); a.remove();
    } catch (e) { toast(e.message); }
  }, text: 'Download CSV' });
  root.append(el('div', { class: 'toolbar' }, el('label', {}, 'Group by ', select), el('label', {}, 'From ', fromInput), el('label', {}, 'To ', toInput), apply, csv));
  let totals, days;
  try {
    [totals, days] = await Promise.all([api('GET', `/admin/v1/costs?${query}`), api('GET', `/admin/v1/costs?from=${from}&to=${to}&interval=day`)]);
  } catch (e) {
    root.append(failed('Costs', e));
    return root;
  }
  root.append(el('div', { class: 'cards' }, card('Total', usd(totals.totals.cost_usd), 'spend-total'), card('Calls', totals.totals.calls ?? '–')));
  root.append(el('h2', { text: 'Per day' }), chart(days.data.map((d) => ({ label: d.bucket.slice(5, 10), value: Number(d.cost_usd) }))));
  const rows = [...totals.data].sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd)).map((r) => el('tr', {},
    el('td', { text: r[group] ?? '(none)' }), el('td', { class: 'num', text: r.calls }), el('td', { class: 'num', text: usd(r.cost_usd) })));
  root.append(el('h2', { text: `By ${group}` }), table([group, { label: 'Calls', num: true }, { label: 'Cost', num: true }], rows, { id: 'spend-table' }));
  return root;
}

/** A bar chart as inline SVG: no chart library, nothing loaded from elsewhere. */
function chart(points) {
  const ns = 'http://www.w3.org/2000/svg';
  const w = 800, h = 180, pad = 24;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Spend per day: ${points.map((p) => `${p.label} ${usd(p.value)}`).join(', ') || 'no data'}`);
  const max = Math.max(...points.map((p) => p.value), 0.000001);
  const step = points.length ? (w - 2 * pad) / points.length : 0;
  points.forEach((p, i) => {
    const bh = (h - 2 * pad) * p.value / max;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', pad + i * step + 2); r.setAttribute('y', h - pad - bh);
    r.setAttribute('width', Math.max(1, step - 4)); r.setAttribute('height', bh);
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', pad + i * step + step / 2); t.setAttribute('y', h - 6); t.setAttribute('text-anchor', 'middle');
    t.textContent = p.label;
    svg.append(r, t);
  });
  return svg;
}

async function audit() {
  const root = el('div', {}, el('h1', { text: 'Audit log' }));
  if (!state.me.can.read_audit) {
    root.append(el('p', { class: 'muted', text: `The role ${state.me.role} cannot read the audit log.` }));
    return root;
  }
  const log = await api('GET', '/admin/v1/audit?limit=200');
  root.append(table(['When', 'Who', 'Role', 'Action', 'Target', 'Details'], log.data.map((e) => el('tr', {},
    el('td', { text: e.at.replace('T', ' ').slice(0, 19) }), el('td', { text: e.actor }), el('td', { text: e.role }),
    el('td', { text: e.action }), el('td', { text: e.target }), el('td', { class: 'muted', text: e.details ?? '' }))), { id: 'audit-table' }));
  return root;
}

const PAGES = { overview, providers, keys, budgets, spend, audit };

async function route() {
  clearTimeout(state.timer);
  if (!state.me) return showSignIn();
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1] || 'overview';
  const render = PAGES[name] || overview;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  let content;
  try {
    content = await render();
  } catch (e) {
    if (e.status === 401) return showSignIn();
    content = failed('This page', e);
  }
  page().replaceChildren(content);
  page().dataset.page = name;
  page().dataset.ready = String(Date.now());
  if (name === 'overview') state.timer = setTimeout(route, 5000); // live refresh
}

async function start() {
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#signin-error').textContent = '';
    try {
      await signIn($('#admin-key').value.trim());
      $('#admin-key').value = '';
      enter();
    } catch (e) {
      $('#signin-error').textContent = e.status === 401 ? 'That is not an admin key of this gateway.' : e.message;
    }
  });
  $('#signout').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    showSignIn();
  });
  window.addEventListener('hashchange', route);
  if (sessionStorage.getItem(KEY)) {
    try {
      state.me = await api('GET', '/admin/v1/me');
      return enter();
    } catch (e) {
      sessionStorage.removeItem(KEY);
    }
  }
  showSignIn();
}

function enter() {
  $('#signin').hidden = true;
  $('#nav').hidden = false;
  $('#signout').hidden = false;
  $('#who').textContent = `${state.me.name} (${state.me.role})`;
  page().hidden = false;
  route();
}

start();
