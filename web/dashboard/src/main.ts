// dashboard/src/main.ts: the admin dashboard served at /dashboard.
//
// Sections:
//   [1] API (the HttpOnly admin-session cookie; mutations send x-porchlight-csrf)
//   [2] tabs
//   [3] agent profiles: list, create, edit, delete; validation from the WASM core at once, then
//       the proxy's own errors (same codes and messages)
//   [4] analytics: effectiveness by guidance type and variant over time, usage and cost per agent
//       and for the location, latency percentiles (Chart.js, each chart with a data table)
//   [5] learning: recommendations, experiments (split, helpful rate with its interval, the test's
//       state and winner), the outcome funnel, objections and the agents' insights (/v1/insights)

import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';

import { ACCESS_ROLES, EXPERIENCE_LEVELS, ROLES, SPECIALIZATIONS, TONES, VERBOSITY_LEVELS } from '../../widget/src/generated/enums';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const PALETTE = ['#a34a06', '#1f5eb8', '#166c2e', '#7b3fb0', '#b42318', '#0f766e', '#6b5b00', '#4b5563'];

interface FieldError { code: string; message: string; path: string }
interface Profile {
  id: string; location_id: string; name: string; role: string; experience?: string; specializations?: string[];
  preferences?: { tone?: string; verbosity?: string; language?: string }; shared_pool?: boolean; served_locations?: string[];
  access?: string; team_id?: string;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const nice = (s: string) => (s || '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: Array<Node | string>) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === 'class' ? (e.className = v) : e.setAttribute(k, v);
  e.append(...kids);
  return e;
}
function announce(text: string): void {
  $('status').textContent = '';
  requestAnimationFrame(() => ($('status').textContent = text));
}

// ---- [1] API ------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public errors: FieldError[] = []) {
    super(message);
  }
}

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-porchlight-csrf'] = '1';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  const j = await r.json().catch(() => null);
  if (!r.ok) {
    const e = j?.error ?? {};
    throw new ApiError(r.status, e.code ?? `http.${r.status}`, e.message ?? `HTTP ${r.status}`, e.errors ?? []);
  }
  return j as T;
}

let core: { validateProfile(p: unknown): string } | null = null;
const CORE_URL = '/web/porchlight-core.mjs';
const coreReady = import(/* webpackIgnore: true */ CORE_URL)
  .then((m) => m.default())
  .then((c) => (core = c))
  .catch(() => null);

// ---- [2] tabs -----------------------------------------------------------------------------------

const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role=tab]'));
function select(tab: HTMLButtonElement, focus = true): void {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')!).hidden = !on;
  }
  if (focus) tab.focus();
  if (tab.id === 'tab-analytics') void loadAnalytics();
  if (tab.id === 'tab-learning') void loadLearning();
  history.replaceState(null, '', `#${tab.getAttribute('aria-controls')}`);
}
for (const t of tabs) {
  t.addEventListener('click', () => select(t));
  t.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(t);
    const next = e.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length] : e.key === 'ArrowLeft' ? tabs[(i + tabs.length - 1) % tabs.length]
      : e.key === 'Home' ? tabs[0] : e.key === 'End' ? tabs[tabs.length - 1] : null;
    if (next) {
      e.preventDefault();
      select(next);
    }
  });
}

// ---- [3] agent profiles -------------------------------------------------------------------------

let profiles: Profile[] = [];
let locationId = '';
let editing: Profile | null = null;
const form = $<HTMLFormElement>('profile-form');
const touched = new Set<string>();

function fillSelect(id: string, values: readonly string[], placeholder?: string): void {
  const s = $<HTMLSelectElement>(id);
  if (placeholder !== undefined) s.add(new Option(placeholder, ''));
  for (const v of values) s.add(new Option(nice(v), v));
}
fillSelect('f-role', ROLES, 'Choose a role…');
fillSelect('f-experience', EXPERIENCE_LEVELS);
fillSelect('f-tone', TONES);
fillSelect('f-verbosity', VERBOSITY_LEVELS);
fillSelect('f-access', ACCESS_ROLES);
for (const s of SPECIALIZATIONS) {
  const id = `spec-${s}`;
  $('f-specializations').append(el('label', { for: id }, el('input', { type: 'checkbox', id, name: 'specializations', value: s }), nice(s)));
}

async function loadProfiles(): Promise<void> {
  try {
    profiles = (await api<{ data: Profile[] }>('GET', '/v1/profiles')).data;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return signedOut();
    throw e;
  }
  $('signin').hidden = true;
  if (profiles[0]) locationId = profiles[0].location_id;
  $('where').textContent = locationId ? `Location ${locationId}` : '';
  renderProfiles();
}

function signedOut(): void {
  $('signin').hidden = false;
  $('agents').hidden = true;
  $('analytics').hidden = true;
  $('learning').hidden = true;
  $('tabs').hidden = true;
}

function renderProfiles(): void {
  const tbody = $('profiles').querySelector('tbody')!;
  tbody.replaceChildren(...profiles.map((p) => {
    const edit = el('button', { type: 'button', 'aria-label': `Edit ${p.name}` }, 'Edit');
    edit.addEventListener('click', () => openForm(p));
    const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${p.name}` }, 'Delete');
    const actions = el('div', { class: 'row-actions' }, edit, del);
    del.addEventListener('click', () => confirmDelete(p, actions, del));
    const tr = el('tr', { 'data-id': p.id },
      el('td', {}, p.name), el('td', {}, el('code', {}, p.id)), el('td', {}, nice(p.role)), el('td', {}, nice(p.experience ?? '')),
      el('td', {}, (p.specializations ?? []).map(nice).join(', ')), el('td', {}, actions));
    return tr;
  }));
  $('no-profiles').hidden = profiles.length > 0;
}

function confirmDelete(p: Profile, actions: HTMLElement, trigger: HTMLButtonElement): void {
  const yes = el('button', { type: 'button', class: 'danger' }, `Delete ${p.name}`);
  const no = el('button', { type: 'button' }, 'Keep');
  const saved = Array.from(actions.childNodes);
  actions.replaceChildren(el('span', { class: 'small' }, 'Delete this agent?'), yes, no);
  no.addEventListener('click', () => {
    actions.replaceChildren(...saved);
    trigger.focus();
  });
  yes.addEventListener('click', async () => {
    try {
      await api('DELETE', `/v1/profiles/${encodeURIComponent(p.id)}`);
      announce(`Deleted ${p.name}.`);
      await loadProfiles();
      $('new-agent').focus();
    } catch (e) {
      announce(`Could not delete: ${(e as Error).message}`);
    }
  });
  yes.focus();
}

function openForm(p: Profile | null): void {
  editing = p;
  touched.clear();
  form.reset();
  form.hidden = false;
  $('form-title').textContent = p ? `Edit ${p.name}` : 'New agent';
  const id = $<HTMLInputElement>('f-id');
  id.readOnly = !!p;
  const set = (name: string, v: string) => (($(name) as HTMLInputElement).value = v);
  set('f-id', p?.id ?? '');
  set('f-name', p?.name ?? '');
  set('f-role', p?.role ?? '');
  set('f-experience', p?.experience ?? 'intermediate');
  set('f-tone', p?.preferences?.tone ?? 'friendly');
  set('f-verbosity', p?.preferences?.verbosity ?? 'standard');
  set('f-language', p?.preferences?.language ?? 'en');
  set('f-served', (p?.served_locations ?? []).join(', '));
  set('f-access', p?.access ?? 'agent');
  set('f-team', p?.team_id ?? '');
  $<HTMLInputElement>('f-shared').checked = !!p?.shared_pool;
  for (const c of form.querySelectorAll<HTMLInputElement>('input[name=specializations]')) c.checked = !!p?.specializations?.includes(c.value);
  showErrors([], false);
  (p ? $('f-name') : id).focus();
}

function readForm(): Record<string, unknown> {
  const v = (id: string) => ($(id) as HTMLInputElement).value.trim();
  const p: Record<string, unknown> = {};
  if (v('f-id')) p.id = v('f-id');
  if (v('f-name')) p.name = v('f-name');
  if (v('f-role')) p.role = v('f-role');
  if (v('f-experience')) p.experience = v('f-experience');
  p.specializations = Array.from(form.querySelectorAll<HTMLInputElement>('input[name=specializations]:checked')).map((c) => c.value);
  const prefs: Record<string, string> = {};
  if (v('f-tone')) prefs.tone = v('f-tone');
  if (v('f-verbosity')) prefs.verbosity = v('f-verbosity');
  if (v('f-language')) prefs.language = v('f-language');
  p.preferences = prefs;
  p.shared_pool = $<HTMLInputElement>('f-shared').checked;
  p.served_locations = v('f-served') ? v('f-served').split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (v('f-access')) p.access = v('f-access');
  if (v('f-team')) p.team_id = v('f-team');
  return p;
}

// "profile.preferences.tone" -> tone, "profile.specializations[7]" -> specializations
function fieldOf(path: string): string {
  let s = path.replace(/^profile\.?/, '');
  if (s.startsWith('preferences.')) s = s.slice('preferences.'.length);
  return s.split(/[.[]/)[0] || 'form';
}
const FIELDS = ['id', 'name', 'role', 'experience', 'specializations', 'tone', 'verbosity', 'language', 'served_locations', 'shared_pool',
  'access', 'team_id'];
const INPUT_OF: Record<string, string> = { served_locations: 'f-served', shared_pool: 'f-shared', specializations: 'f-specializations',
  team_id: 'f-team' };

/** Client-side validation with the core (the same code the proxy runs); null if the core is not loaded. */
function validate(p: Record<string, unknown>): FieldError[] | null {
  if (!core) return null;
  try {
    const r = JSON.parse(core.validateProfile({ ...p, location_id: locationId || 'location' }));
    if (r.error) return r.error.errors ?? [r.error];
    return r.valid ? [] : (r.errors as FieldError[]).filter((e) => fieldOf(e.path) !== 'location_id');
  } catch {
    return null;
  }
}

function showErrors(errors: FieldError[], summary: boolean | null): void {
  const by = new Map<string, string[]>();
  for (const e of errors) {
    const f = FIELDS.includes(fieldOf(e.path)) ? fieldOf(e.path) : 'form';
    by.set(f, [...(by.get(f) ?? []), e.message]);
  }
  for (const f of FIELDS) {
    const msgs = by.get(f) ?? [];
    $(`e-${f}`).textContent = msgs.join(' ');
    const input = f === 'specializations' ? $('f-specializations').closest('fieldset')! : $(INPUT_OF[f] ?? `f-${f}`);
    if (msgs.length) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  // Checks while typing update the fields only: the summary stays as the last submit left it.
  if (summary === null) return;
  const box = $('error-summary');
  if (!summary || !errors.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('strong', {}, `${errors.length === 1 ? 'One problem' : `${errors.length} problems`} to fix:`),
    el('ul', {}, ...errors.map((e) => {
      const f = fieldOf(e.path);
      const target = FIELDS.includes(f) ? (f === 'specializations' ? `spec-${SPECIALIZATIONS[0]}` : INPUT_OF[f] ?? `f-${f}`) : 'f-id';
      const a = el('a', { href: `#${target}` }, e.message);
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        $(target).focus();
      });
      return el('li', { 'data-code': e.code }, a);
    })));
  box.hidden = false;
  box.focus();
}

let validateTimer: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('input', (e) => {
  const name = (e.target as HTMLInputElement).name;
  touched.add(name === 'served_locations' ? 'served_locations' : name);
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => {
    const errors = validate(readForm());
    if (errors) showErrors(errors.filter((x) => touched.has(fieldOf(x.path))), null);
  }, 60);
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearTimeout(validateTimer);  // a pending as-you-type check must not overwrite what submit shows
  await coreReady;
  const p = readForm();
  const errors = validate(p);
  $('validated-by').textContent = errors ? 'Checked in your browser by the Porchlight core.' : '';
  if (errors?.length) return showErrors(errors, true);
  const save = $<HTMLButtonElement>('save');
  save.disabled = true;
  try {
    const saved = editing ? await api<Profile>('PUT', `/v1/profiles/${encodeURIComponent(editing.id)}`, p)
                          : await api<Profile>('POST', '/v1/profiles', p);
    form.hidden = true;
    announce(`Saved ${saved.name}.`);
    await loadProfiles();
    document.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(saved.id)}"] button`)?.focus();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // The proxy's own answer: field errors (400), or a conflict (409) on the id.
    const list = err.errors.length ? err.errors : [{ code: err.code, message: err.message, path: err.status === 409 ? 'profile.id' : '' }];
    showErrors(list, true);
    $('validated-by').textContent = 'The server refused this profile.';
  } finally {
    save.disabled = false;
  }
});
$('cancel').addEventListener('click', () => {
  form.hidden = true;
  $('new-agent').focus();
});
$('new-agent').addEventListener('click', () => openForm(null));

// ---- [4] analytics ------------------------------------------------------------------------------

interface Analytics {
  effectiveness: Array<{ day: string; guidance_type: string; approach_variant: string; events: number; helpful: number; not_helpful: number }>;
  usage: Array<{ day: string; agent_id: string; model: string; requests: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cost_usd: number }>;
  latency_ms: { count: number; p50: number; p90: number; p99: number };
}

const charts = new Map<string, Chart>();
const utcDay = (d: Date) => d.toISOString().slice(0, 10);
for (const [from, to] of [['from', 'to'], ['l-from', 'l-to']]) {
  $<HTMLInputElement>(to).value = utcDay(new Date());
  $<HTMLInputElement>(from).value = utcDay(new Date(Date.now() - 29 * 86_400_000));
}
$<HTMLFormElement>('range').addEventListener('submit', (e) => {
  e.preventDefault();
  void loadAnalytics();
});

const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length < 370; t += 86_400_000) out.push(utcDay(new Date(t)));
  return out;
}

function dataTable(id: string, caption: string, head: string[], rows: Array<Array<string | number>>, numeric: number[] = []): void {
  const t = el('table', { class: 'data' }, el('caption', { class: 'sr-only' }, caption),
    el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'num' : '' }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', { class: numeric.includes(i) ? 'num' : '' }, String(c)))))));
  $(id).replaceChildren(el('details', {}, el('summary', {}, `Data table: ${caption}`), rows.length ? t : el('p', { class: 'empty-chart' }, 'No data in this period.')));
}

function chart(id: string, label: string, config: any): void {
  charts.get(id)?.destroy();
  const canvas = $<HTMLCanvasElement>(id);
  canvas.setAttribute('aria-label', label);
  config.options = {
    responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }, ...config.options,
  };
  charts.set(id, new Chart(canvas, config));
}

let analyticsLoads = 0;
async function loadAnalytics(): Promise<void> {
  const load = ++analyticsLoads;  // a newer range wins over an older answer that arrives late
  const from = $<HTMLInputElement>('from').value;
  const to = $<HTMLInputElement>('to').value;
  let a: Analytics;
  let budget: { monthly_usd: number; spent_this_month_usd: number } | undefined;
  try {
    [a, budget] = await Promise.all([
      api<Analytics>('GET', `/v1/analytics?from=${from}&to=${to}`),
      api<{ budget: typeof budget }>('GET', `/v1/usage?from=${from}&to=${to}`).then((u) => u.budget).catch(() => undefined),
    ]);
    if (load !== analyticsLoads) return;
  } catch (e) {
    if (load !== analyticsLoads) return;
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return signedOut();
    announce(`Could not load analytics: ${(e as Error).message}`);
    return;
  }
  const axisDays = days(from, to);

  // KPIs
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);
  const helpful = sum(a.effectiveness, (r) => r.helpful);
  const rated = helpful + sum(a.effectiveness, (r) => r.not_helpful);
  const kpis: Array<[string, string]> = [
    ['Answers', int(sum(a.effectiveness, (r) => r.events))],
    ['Helpful (of rated)', rated ? `${Math.round((100 * helpful) / rated)}% of ${rated}` : 'no ratings'],
    ['Claude requests', int(sum(a.usage, (r) => r.requests))],
    ['Tokens in / out', `${int(sum(a.usage, (r) => r.input_tokens))} / ${int(sum(a.usage, (r) => r.output_tokens))}`],
    ['Cost (location)', usd(sum(a.usage, (r) => r.cost_usd))],
    ['Latency p50 / p90', `${int(a.latency_ms.p50)} / ${int(a.latency_ms.p90)} ms`],
  ];
  if (budget && budget.monthly_usd > 0) kpis.push(['Budget this month', `${usd(budget.spent_this_month_usd)} of ${usd(budget.monthly_usd)}`]);
  $('kpis').replaceChildren(...kpis.map(([k, v]) => el('div', { class: 'kpi', 'data-kpi': k }, el('div', { class: 'v' }, v), el('div', { class: 'k' }, k))));

  // Effectiveness over time: helpful share per day, one line per guidance type and variant.
  const series = new Map<string, Map<string, { events: number; helpful: number; not_helpful: number }>>();
  for (const r of a.effectiveness) {
    const key = `${nice(r.guidance_type)} · ${r.approach_variant || 'default'}`;
    if (!series.has(key)) series.set(key, new Map());
    const m = series.get(key)!;
    const cur = m.get(r.day) ?? { events: 0, helpful: 0, not_helpful: 0 };
    m.set(r.day, { events: cur.events + r.events, helpful: cur.helpful + r.helpful, not_helpful: cur.not_helpful + r.not_helpful });
  }
  chart('c-effectiveness', `Helpful share by guidance type and variant per day, ${from} to ${to}`, {
    type: 'line',
    data: {
      labels: axisDays,
      datasets: [...series].map(([key, m], i) => ({
        label: key, borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], spanGaps: true, pointRadius: 4,
        data: axisDays.map((d) => {
          const v = m.get(d);
          return v && v.helpful + v.not_helpful ? Math.round((100 * v.helpful) / (v.helpful + v.not_helpful)) : null;
        }),
      })),
    },
    options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '% helpful' } } } },
  });
  dataTable('t-effectiveness', 'coaching effectiveness by guidance type and variant', ['Guidance type · variant', 'Answers', 'Helpful', 'Not helpful', 'Helpful %'],
    [...series].map(([key, m]) => {
      const t = [...m.values()].reduce((s, v) => ({ events: s.events + v.events, helpful: s.helpful + v.helpful, not_helpful: s.not_helpful + v.not_helpful }), { events: 0, helpful: 0, not_helpful: 0 });
      return [key, t.events, t.helpful, t.not_helpful, t.helpful + t.not_helpful ? `${Math.round((100 * t.helpful) / (t.helpful + t.not_helpful))}%` : '—'];
    }), [1, 2, 3, 4]);

  // Usage and cost per agent (stacked by model), with the location's total row.
  const agents = [...new Set(a.usage.map((r) => r.agent_id))].sort();
  const models = [...new Set(a.usage.map((r) => r.model))].sort();
  chart('c-usage', `Cost by agent and model, ${from} to ${to}`, {
    type: 'bar',
    data: {
      labels: agents,
      datasets: models.map((m, i) => ({
        label: m, backgroundColor: PALETTE[i % PALETTE.length],
        data: agents.map((ag) => sum(a.usage.filter((r) => r.agent_id === ag && r.model === m), (r) => r.cost_usd)),
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'USD' } } } },
  });
  const agentRows = agents.map((ag) => {
    const rs = a.usage.filter((r) => r.agent_id === ag);
    return [ag, int(sum(rs, (r) => r.requests)), int(sum(rs, (r) => r.input_tokens)), int(sum(rs, (r) => r.output_tokens)), usd(sum(rs, (r) => r.cost_usd))];
  });
  if (agents.length) agentRows.push(['Location total', int(sum(a.usage, (r) => r.requests)), int(sum(a.usage, (r) => r.input_tokens)),
    int(sum(a.usage, (r) => r.output_tokens)), usd(sum(a.usage, (r) => r.cost_usd))]);
  dataTable('t-usage', 'usage and cost per agent', ['Agent', 'Requests', 'Input tokens', 'Output tokens', 'Cost'], agentRows, [1, 2, 3, 4]);

  // Daily cost and requests for the location.
  const perDay = axisDays.map((d) => a.usage.filter((r) => r.day === d));
  chart('c-daily', `Daily cost and requests for the location, ${from} to ${to}`, {
    type: 'bar',
    data: {
      labels: axisDays,
      datasets: [
        { type: 'bar', label: 'Cost (USD)', backgroundColor: PALETTE[0], data: perDay.map((rs) => sum(rs, (r) => r.cost_usd)), yAxisID: 'y' },
        { type: 'line', label: 'Requests', borderColor: PALETTE[1], backgroundColor: PALETTE[1], data: perDay.map((rs) => sum(rs, (r) => r.requests)), yAxisID: 'y1' },
      ],
    },
    options: { scales: { y: { position: 'left', beginAtZero: true, title: { display: true, text: 'USD' } }, y1: { position: 'right', beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: 'requests' } } } },
  });
  dataTable('t-daily', 'daily cost and requests', ['Day', 'Requests', 'Cost'],
    axisDays.map((d, i) => [d, sum(perDay[i], (r) => r.requests), sum(perDay[i], (r) => r.cost_usd)] as [string, number, number])
      .filter(([, n]) => n > 0).map(([d, n, c]) => [d, int(n), usd(c)]), [1, 2]);

  // Latency percentiles.
  const l = a.latency_ms;
  chart('c-latency', `Latency percentiles over ${l.count} answers: p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms`, {
    type: 'bar',
    data: { labels: ['p50', 'p90', 'p99'], datasets: [{ label: `ms (${l.count} answers)`, backgroundColor: [PALETTE[2], PALETTE[0], PALETTE[4]], data: [l.p50, l.p90, l.p99] }] },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } }, plugins: { legend: { display: false } } },
  });
  dataTable('t-latency', 'latency percentiles', ['Percentile', 'Milliseconds'], l.count ? [['p50', int(l.p50)], ['p90', int(l.p90)], ['p99', int(l.p99)], ['answers', int(l.count)]] : [], [1]);
  announce('Analytics updated.');
}

// ---- [5] learning -------------------------------------------------------------------------------

interface Arm { variant: string; trials: number; successes: number; rate: number; interval: [number, number]; status: string; share: number }
interface ExperimentResults { decision: string; winner: string; reason: string; arms: Arm[]; actions: Array<{ variant: string; shown: number; copied: number; sent: number; with_outcome: number }> }
interface Experiment { id: string; name: string; status: string; winner: string; results?: ExperimentResults }
interface Figures {
  guidance: { answers: number; rated: number; helpful: number; used: number; ignored: number; edited: number; median_edit_distance: number };
  objections: Array<{ topic: string; count: number }>;
  speed_to_lead: { new_leads: number; answered: number; unanswered: number; median_minutes: number | null };
  outcomes: Record<string, number>;
  cost: { cost_usd: number; outcomes: number; cost_per_outcome_usd: number | null; cache_share: number };
}
interface Insights {
  location: Figures; agents: Array<Figures & { agent_id: string; name: string; team_id: string }>;
  recommendations: Array<{ kind: string; agent_id?: string; text: string }>;
}

const FUNNEL = ['appointment_set', 'agreement_signed', 'offer_written', 'under_contract', 'closed_won', 'closed_lost'];
const pct = (x: number) => `${Math.round(100 * x)}%`;

function experimentCard(e: Experiment): HTMLElement {
  const r = e.results;
  const id = `exp-${e.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const state = r ? `${nice(r.decision)}${r.winner ? `: winner ${r.winner}` : ''}` : nice(e.status);
  const card = el('article', { class: 'card experiment', 'data-experiment': e.id, 'aria-labelledby': `${id}-h` },
    el('h3', { id: `${id}-h` }, `${e.name || e.id} `, el('code', {}, e.id)),
    el('p', { class: 'state', 'data-state': r?.decision ?? e.status }, el('strong', {}, state), r?.reason ? ` — ${r.reason}` : ''));
  if (!r) return card;
  const actions = new Map(r.actions.map((a) => [a.variant, a]));
  const rows = r.arms.map((a) => [a.variant, pct(a.share), a.trials, a.successes, a.trials ? pct(a.rate) : '—',
    a.trials ? `${pct(a.interval[0])} to ${pct(a.interval[1])}` : '—', nice(a.status), actions.get(a.variant)?.with_outcome ?? 0]);
  const canvas = el('canvas', { id: `${id}-c`, role: 'img' });
  card.append(el('div', { class: 'canvas' }, canvas), el('div', { id: `${id}-t` }));
  queueMicrotask(() => {
    chart(`${id}-c`, `${e.name || e.id}: helpful rate per variant with its interval`, {
      type: 'bar',
      data: {
        labels: r.arms.map((a) => a.variant),
        datasets: [
          // The rate drawn over its interval (a lower order is drawn on top).
          { label: 'Interval', backgroundColor: '#d5dae3', order: 2, data: r.arms.map((a) => [100 * a.interval[0], 100 * a.interval[1]]) },
          { label: 'Helpful rate', backgroundColor: PALETTE[0], order: 1, data: r.arms.map((a) => 100 * a.rate), barPercentage: 0.3, grouped: false },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: 100, title: { display: true, text: '% helpful' } } } },
    });
    dataTable(`${id}-t`, `${e.name || e.id} by variant`, ['Variant', 'Traffic share', 'Rated', 'Helpful', 'Helpful rate', 'Interval', 'Status', 'With outcome'],
      rows, [1, 2, 3, 4, 7]);
    $(`${id}-t`).querySelector('details')?.setAttribute('open', '');
  });
  return card;
}

function minutes(m: number | null): string {
  if (m === null) return '—';
  return m < 90 ? `${Math.round(m)} min` : m < 2880 ? `${(m / 60).toFixed(1)} h` : `${(m / 1440).toFixed(1)} days`;
}

let learningLoads = 0;
async function loadLearning(): Promise<void> {
  const load = ++learningLoads;
  const from = $<HTMLInputElement>('l-from').value;
  const to = $<HTMLInputElement>('l-to').value;
  let insights: Insights;
  let experiments: Experiment[];
  try {
    const list = await api<{ experiments: Experiment[] }>('GET', '/v1/experiments');
    [insights, experiments] = await Promise.all([
      api<Insights>('GET', `/v1/insights?from=${from}&to=${to}`),
      Promise.all(list.experiments.map((e) => api<Experiment>('GET', `/v1/experiments/${encodeURIComponent(e.id)}`))),
    ]);
    if (load !== learningLoads) return;
  } catch (e) {
    if (load !== learningLoads) return;
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return signedOut();
    $('l-error').textContent = `Could not load insights: ${(e as Error).message}`;
    $('l-error').hidden = false;
    return;
  }
  $('l-error').hidden = true;

  $('recommendations').replaceChildren(...(insights.recommendations.length
    ? insights.recommendations.map((r) => el('li', { 'data-kind': r.kind, ...(r.agent_id ? { 'data-agent': r.agent_id } : {}) }, r.text))
    : [el('li', { class: 'muted' }, 'Nothing stands out in this period.')]));

  $('experiments').replaceChildren(...(experiments.length ? experiments.map(experimentCard)
    : [el('p', { class: 'muted' }, 'No experiments yet (POST /v1/experiments with a secret key).')]));

  const o = insights.location.outcomes;
  chart('c-funnel', `Outcomes from ${from} to ${to}: ${FUNNEL.map((k) => `${nice(k)} ${o[k] ?? 0}`).join(', ')}`, {
    type: 'bar',
    data: { labels: FUNNEL.map(nice), datasets: [{ label: 'Leads', backgroundColor: FUNNEL.map((k, i) => (k === 'closed_lost' ? PALETTE[4] : PALETTE[i % 3])), data: FUNNEL.map((k) => o[k] ?? 0) }] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  });
  dataTable('t-funnel', 'outcome funnel', ['Outcome', 'Leads'], FUNNEL.map((k) => [nice(k), o[k] ?? 0]), [1]);

  const topics = [...new Set(insights.agents.flatMap((a) => a.objections.map((x) => x.topic)))].sort();
  const who = insights.agents.filter((a) => a.objections.length);
  chart('c-objections', `Objections by topic per agent, ${from} to ${to}`, {
    type: 'bar',
    data: {
      labels: who.map((a) => a.name),
      datasets: topics.map((t, i) => ({ label: nice(t), backgroundColor: PALETTE[i % PALETTE.length],
        data: who.map((a) => a.objections.find((x) => x.topic === t)?.count ?? 0) })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
  dataTable('t-objections', 'objections by topic per agent', ['Agent', ...topics.map(nice)],
    who.map((a) => [a.name, ...topics.map((t) => a.objections.find((x) => x.topic === t)?.count ?? 0)]), topics.map((_, i) => i + 1));

  const head = ['Agent', 'Answers', 'Used', 'Ignored', 'Median edit', 'New leads', 'Median first reply', 'No reply', 'Outcomes', 'Cost per outcome', 'Cache share'];
  const rows = insights.agents.map((a) => [a.name, a.guidance.answers, a.guidance.used, a.guidance.ignored, a.guidance.median_edit_distance,
    a.speed_to_lead.new_leads, minutes(a.speed_to_lead.median_minutes), a.speed_to_lead.unanswered, a.cost.outcomes,
    a.cost.cost_per_outcome_usd === null ? '—' : usd(a.cost.cost_per_outcome_usd), pct(a.cost.cache_share)]);
  const table = el('table', { class: 'data', id: 'insight-table' }, el('caption', { class: 'sr-only' }, `Insights per agent, ${from} to ${to}`),
    el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, h)))),
    el('tbody', {}, ...rows.map((r, n) => el('tr', { 'data-agent': insights.agents[n].agent_id },
      ...r.map((c, i) => (i ? el('td', { class: 'num' }, String(c)) : el('th', { scope: 'row' }, String(c))))))));
  $('insight-agents').replaceChildren(rows.length ? table : el('p', { class: 'empty-chart' }, 'No agent activity in this period.'));
  announce('Learning and insights updated.');
}
$<HTMLFormElement>('l-range').addEventListener('submit', (e) => {
  e.preventDefault();
  void loadLearning();
});

// ---- budget banner ------------------------------------------------------------------------------

interface BudgetUse { kind?: 'agent' | 'key'; id?: string; monthly_usd: number; spent_usd?: number; spent_this_month_usd?: number; used: number }
type Budget = BudgetUse & { near_or_over?: BudgetUse[] };

// From 80% of a budget (the location's, or an agent's or a key's own), the dashboard says so on
// every tab; past 100% new coaching for that scope is refused until the month ends.
async function loadBudgetBanner(): Promise<void> {
  let budget: Budget | undefined;
  try {
    budget = (await api<{ budget: Budget }>('GET', '/v1/usage')).budget;
  } catch {
    return;  // the analytics tab reports what failed
  }
  const banner = $('budget-banner');
  const pct = (u: BudgetUse) => `${Math.round(100 * u.used)}%`;
  const lines: string[] = [];
  if (budget.monthly_usd > 0 && budget.used >= 0.8)
    lines.push(`This location has used ${pct(budget)} of its monthly Claude budget (${usd(budget.spent_this_month_usd ?? 0)} of ${usd(budget.monthly_usd)}).`);
  const scoped = (budget.near_or_over ?? []).map((u) =>
    `${u.kind === 'agent' ? 'Agent' : 'API key'} ${u.id}: ${pct(u)} of ${usd(u.monthly_usd)}`);
  const over = budget.used >= 1 || (budget.near_or_over ?? []).some((u) => u.used >= 1);
  banner.hidden = !lines.length && !scoped.length;
  if (banner.hidden) return;
  banner.classList.toggle('over', over);
  banner.replaceChildren(
    ...lines.map((l) => el('p', {}, l)),
    ...(scoped.length ? [el('p', {}, 'At or over 80% of their own monthly budget:'), el('ul', {}, ...scoped.map((s) => el('li', {}, s)))] : []),
    ...(over ? [el('p', {}, 'Past 100%, new coaching is refused until the month ends or the budget is raised (PUT /v1/settings).')] : []));
}

// ---- start --------------------------------------------------------------------------------------

void loadProfiles().then(() => {
  void loadBudgetBanner();
  const tab = tabs.find((t) => `#${t.getAttribute('aria-controls')}` === location.hash);
  if (tab && tab.id !== 'tab-agents') select(tab, false);
}).catch((e) => announce(`Could not load profiles: ${(e as Error).message}`));
