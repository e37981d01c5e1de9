// main.ts: the Streamlit component's frontend. It runs in the component iframe, speaks Streamlit's
// custom-component protocol v1 by hand (the same messages streamlit-component-lib sends), and
// mounts the widget inline.
//
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:componentReady", apiVersion: 1}
//   host -> iframe  {type: "streamlit:render", args, dfs, disabled, theme}
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:setFrameHeight", height}
//   iframe -> host  {isStreamlitMessage: true, type: "streamlit:setComponentValue", value, dataType: "json"}
//
// args (from porchlight_coach() in Python): proxy_url, publishable_key, agent_token, lead, stage,
// height, live, core_url, title. The component value is the latest guidance and feedback:
//   {"guidance": {source, route, cards, checklist_score, answer}, "feedback": {event_id, rating, message_id} | null,
//    "conversation_id", "lead_id", "token_expires_at"?}   (the last: a rerun asked for a fresh agent token)

import { decodeClaims } from '../../widget/src/token';
import { Widget } from '../../widget/src/widget';
import type { Guidance } from '../../widget/src/types';

const API_VERSION = 1;

interface Theme {
  base?: string;
  primaryColor?: string;
  backgroundColor?: string;
  secondaryBackgroundColor?: string;
  textColor?: string;
  font?: string;
}

interface RenderData {
  args: Record<string, any>;
  disabled: boolean;
  theme?: Theme;
}

function send(type: string, data: Record<string, unknown> = {}): void {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, '*');
}

let widget: Widget | null = null;
let lastHeight = -1;
let value: { guidance: Guidance | null; feedback: unknown; conversation_id?: string; lead_id?: string; token_expires_at?: number } =
  { guidance: null, feedback: null };
let tokenTimer: ReturnType<typeof setTimeout> | undefined;
// How long before the agent token expires the component asks for a rerun: porchlight_coach()'s
// TokenCache mints a new one within its last 5 minutes, and the rerun brings it in the args.
const TOKEN_RERUN_BEFORE_S = 240;
let mountedWith = '';
let lastLead = '';
let lastStage = '';
const root = document.getElementById('root')!;
const themeStyle = document.createElement('style');
document.head.appendChild(themeStyle);

function setFrameHeight(): void {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  send('streamlit:setFrameHeight', { height });
}

function setValue(patch: Partial<typeof value>): void {
  value = { ...value, ...patch };
  send('streamlit:setComponentValue', { value, dataType: 'json' });
}

// Relative luminance (WCAG) of a CSS color, via the browser's own color parsing; -1 if unknown.
function luminance(color: string): number {
  const probe = document.createElement('span');
  probe.style.color = color;
  if (!probe.style.color) return -1;
  document.body.appendChild(probe);
  const m = getComputedStyle(probe).color.match(/[\d.]+/g);
  probe.remove();
  if (!m) return -1;
  const [r, g, b] = m.slice(0, 3).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// The same CSS variables streamlit-component-lib injects, mapped onto the widget's theme properties
// (component.css). Text on the accent is white or near-black, whichever reads better (WCAG AA).
function injectTheme(t: Theme): void {
  const css = (v?: string) => String(v ?? '').replace(/[;{}<>]/g, '');
  const l = luminance(css(t.primaryColor));
  const onAccent = l < 0 ? '#fff' : (1.05 / (l + 0.05) >= 4.5 ? '#fff' : '#111');
  themeStyle.textContent = `:root{--primary-color:${css(t.primaryColor)};--background-color:${css(t.backgroundColor)};` +
    `--secondary-background-color:${css(t.secondaryBackgroundColor)};--text-color:${css(t.textColor)};--font:${css(t.font)}}` +
    'body{background-color:var(--background-color);color:var(--text-color)}' +
    `porchlight-coach{--porchlight-accent-text:${onAccent}}`;
  document.documentElement.dataset.base = t.base === 'dark' ? 'dark' : 'light';
}

function render(data: RenderData): void {
  const args = data.args ?? {};
  if (data.theme) injectTheme(data.theme);
  const height = Number(args.height) > 0 ? Number(args.height) : 620;
  root.style.height = `${height}px`;
  const identity = JSON.stringify([args.proxy_url, args.publishable_key, args.core_url]);
  if (!args.proxy_url || !args.publishable_key) {
    root.textContent = 'porchlight_coach needs proxy_url and publishable_key (see docs/streamlit.md).';
    setFrameHeight();
    return;
  }
  if (!widget || identity !== mountedWith) {
    widget?.destroy();
    const host = document.createElement('porchlight-coach');
    root.replaceChildren(host);
    mountedWith = identity;
    widget = new Widget(host, {
      apiBase: String(args.proxy_url),
      key: String(args.publishable_key),
      token: args.agent_token ? String(args.agent_token) : undefined,
      lead: args.lead ?? undefined,
      stage: args.stage ?? undefined,
      mode: 'inline',
      surface: 'streamlit',
      coreUrl: args.core_url ?? undefined,
      title: args.title ?? undefined,
      live: !!args.live,
    });
    // Python reruns the script on every value, so only settled guidance is sent: a server answer,
    // live cards, or feedback, never the preview that changes with each keystroke.
    widget.on('guidance', (g: Guidance) => {
      if (g.source !== 'preview') setValue({ guidance: g, conversation_id: g.conversation_id, lead_id: g.lead_id });
    });
    widget.on('feedback', (f) => setValue({ feedback: f }));
    void widget.boot().catch(() => {});
  } else {
    if (args.agent_token) widget.setToken(String(args.agent_token));
    const lead = JSON.stringify(args.lead ?? null);
    if (lead !== lastLead) widget.setLead(args.lead ?? null);
    if (args.stage && args.stage !== lastStage) widget.setStage(String(args.stage));
    if (args.live) void widget.startLive();
    else widget.stopLive();
  }
  lastLead = JSON.stringify(args.lead ?? null);
  lastStage = String(args.stage ?? '');
  widget.setDisabled(!!data.disabled);
  scheduleTokenRerun(args.agent_token ? String(args.agent_token) : '');
  setFrameHeight();
}

// A page left open longer than its token lives would stop working without a rerun: ask Python
// for one (a value change) shortly before the token expires.
function scheduleTokenRerun(token: string): void {
  clearTimeout(tokenTimer);
  const exp = decodeClaims(token)?.exp;
  if (!exp) return;
  const wait = Math.max(0, (exp - TOKEN_RERUN_BEFORE_S) * 1000 - Date.now());
  tokenTimer = setTimeout(() => setValue({ token_expires_at: exp }), wait);
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the parent (Streamlit's page) renders this component.
  if (event.source !== window.parent || !event.data || event.data.type !== 'streamlit:render') return;
  render(event.data as RenderData);
});
new ResizeObserver(setFrameHeight).observe(document.documentElement);
send('streamlit:componentReady', { apiVersion: API_VERSION });
