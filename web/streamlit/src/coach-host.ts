// coach-host.ts: what both of Streamlit's component APIs share (v1.ts: the iframe, v2.ts:
// st.components.v2): the coach mounted from porchlight_coach()'s arguments and kept across reruns,
// its theme, and the value it sends back to Python.
//
// A rerun brings the arguments again: the lead, stage, token and live mode change in place (the
// conversation stays on screen); another proxy, key or core URL mounts a new coach.
//
// The value (porchlight_coach()'s return) is the latest settled guidance and feedback:
//   {"guidance": {source, route, cards, checklist_score, answer}, "feedback": {event_id, rating, message_id} | null,
//    "conversation_id", "lead_id", "token_expires_at"?}   (the last: a rerun asked for a fresh agent token)

import { decodeClaims } from '../../widget/src/token';
import { Widget } from '../../widget/src/widget';
import type { Guidance, Lead } from '../../widget/src/types';

/** porchlight_coach()'s arguments (web/streamlit/porchlight_streamlit/__init__.py). */
export interface CoachArgs {
  proxy_url?: string;
  publishable_key?: string;
  agent_token?: string;
  lead?: Lead | null;
  stage?: string | null;
  height?: number;
  live?: boolean;
  title?: string | null;
  core_url?: string | null;
}

export interface CoachValue {
  guidance: Guidance | null;
  feedback: unknown;
  conversation_id?: string;
  lead_id?: string;
  token_expires_at?: number;
}

const DEFAULT_HEIGHT = 620;
// How long before the agent token expires the component asks for a rerun: porchlight_coach()'s
// TokenCache mints a new one within its last 5 minutes, and the rerun brings it in the arguments.
const TOKEN_RERUN_BEFORE_S = 240;

// Relative luminance (WCAG) of a CSS color, by the browser's own color parsing; -1 if unknown.
function luminance(color: string, probeIn: Element): number {
  const probe = document.createElement('span');
  probe.style.color = color;
  if (!color || !probe.style.color) return -1;
  probeIn.appendChild(probe);
  const m = getComputedStyle(probe).color.match(/[\d.]+/g);
  probe.remove();
  if (!m) return -1;
  const [r, g, b] = m.slice(0, 3).map((x) => {
    const c = Number(x) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export class CoachHost {
  #root: HTMLElement;
  #send: (value: CoachValue) => void;
  #widget: Widget | null = null;
  #mountedWith = '';
  #lead = '';
  #stage = '';
  #live = false;
  #value: CoachValue = { guidance: null, feedback: null };
  #tokenTimer: ReturnType<typeof setTimeout> | undefined;

  /** `root` holds the coach; `send` gives the value to Python (setComponentValue, setStateValue). */
  constructor(root: HTMLElement, send: (value: CoachValue) => void) {
    this.#root = root;
    this.#send = send;
  }

  /** The coach for these arguments: mounted the first time, updated in place on a rerun. */
  render(args: CoachArgs, disabled = false): void {
    this.#root.style.height = `${Number(args.height) > 0 ? Number(args.height) : DEFAULT_HEIGHT}px`;
    if (!args.proxy_url || !args.publishable_key) {
      this.destroy();
      this.#root.textContent = 'porchlight_coach needs proxy_url and publishable_key (see docs/streamlit.md).';
      return;
    }
    const identity = JSON.stringify([args.proxy_url, args.publishable_key, args.core_url]);
    const token = args.agent_token ? String(args.agent_token) : undefined;
    if (!this.#widget || identity !== this.#mountedWith) {
      this.destroy();
      const host = document.createElement('porchlight-coach');
      this.#root.replaceChildren(host);
      this.#mountedWith = identity;
      this.#widget = new Widget(host, {
        apiBase: String(args.proxy_url), key: String(args.publishable_key), token,
        lead: args.lead ?? undefined, stage: args.stage ?? undefined, mode: 'inline', surface: 'streamlit',
        coreUrl: args.core_url ?? undefined, title: args.title ?? undefined, live: !!args.live,
      });
      // Python reruns the script on every value, so only settled guidance is sent: a server answer,
      // live cards, or feedback, never the preview that changes with each keystroke.
      this.#widget.on('guidance', (g: Guidance) => {
        if (g.source !== 'preview') this.#setValue({ guidance: g, conversation_id: g.conversation_id, lead_id: g.lead_id });
      });
      this.#widget.on('feedback', (f) => this.#setValue({ feedback: f }));
      void this.#widget.boot().catch(() => {});
    } else {
      if (token) this.#widget.setToken(token);
      if (JSON.stringify(args.lead ?? null) !== this.#lead) this.#widget.setLead(args.lead ?? null);
      if (args.stage && args.stage !== this.#stage) this.#widget.setStage(String(args.stage));
      // The argument is the starting mode: the agent's own Live button wins until the argument changes.
      if (!!args.live !== this.#live) {
        if (args.live) void this.#widget.startLive();
        else this.#widget.stopLive();
      }
    }
    this.#live = !!args.live;
    this.#lead = JSON.stringify(args.lead ?? null);
    this.#stage = String(args.stage ?? '');
    this.#widget.setDisabled(disabled);
    this.#scheduleTokenRerun(token);
  }

  /**
   * Follows the app's theme: Streamlit's colors arrive as --st-* CSS properties (coach.css maps
   * them onto the widget's). Dark colors for muted text and borders go with a dark background, and
   * text on the accent is white or near-black, whichever reads better (WCAG AA).
   */
  followTheme(): void {
    const style = getComputedStyle(this.#root);
    const background = luminance(style.getPropertyValue('--st-background-color').trim(), this.#root);
    this.#root.dataset.base = background >= 0 && background < 0.2 ? 'dark' : 'light';
    const accent = luminance(style.getPropertyValue('--st-primary-color').trim(), this.#root);
    this.#root.style.setProperty('--porchlight-accent-text', accent < 0 || 1.05 / (accent + 0.05) >= 4.5 ? '#fff' : '#111');
  }

  destroy(): void {
    clearTimeout(this.#tokenTimer);
    this.#widget?.destroy();
    this.#widget = null;
  }

  #setValue(patch: Partial<CoachValue>): void {
    this.#value = { ...this.#value, ...patch };
    this.#send(this.#value);
  }

  // A page left open longer than its token lives would stop working without a rerun: ask Python
  // for one (a value change) shortly before the token expires. (A browser whose clock runs ahead
  // of the server's gets the same token back and asks again with the same value, which Streamlit
  // drops: no rerun loop.)
  #scheduleTokenRerun(token: string | undefined): void {
    clearTimeout(this.#tokenTimer);
    const exp = token ? decodeClaims(token)?.exp : undefined;
    if (!exp) return;
    const wait = Math.max(0, (exp - TOKEN_RERUN_BEFORE_S) * 1000 - Date.now());
    this.#tokenTimer = setTimeout(() => this.#setValue({ token_expires_at: exp }), wait);
  }
}
