// index.ts: the script-tag entry (dist/web/porchlight.js, served at /porchlight.js).
//
//   <script src="https://PROXY/porchlight.js" data-key="pk_..." data-agent-token="..." async></script>
//   <script src="https://PROXY/porchlight.js" data-key="pk_..." data-token-url="/crm/porchlight-token" async></script>
//   <script src="https://PROXY/porchlight.js" data-ghl-app-id="APP_ID" async></script>   (inside GoHighLevel:
//     signs in with GoHighLevel's user context, follows the contact the page shows, live on: ghl.ts)
//
// Attributes: data-key (required), data-agent-token or data-token-url, data-lead (JSON),
// data-stage, data-open, data-live, data-target (a CSS selector: render inline there instead of
// the floating launcher), data-title, data-proxy-url (default: where the script came from).
// The page gets window.Porchlight (see docs/embedding.md) and a `porchlight:ready` event.

import { contactOnPage, ghlSignIn, watchContact } from './ghl';
import { Widget, type WidgetOptions } from './widget';
import type { Lead } from './types';

export const VERSION = '0.1.0';

export interface PorchlightApi {
  version: string;
  open(): void;
  close(): void;
  toggle(): void;
  isOpen(): boolean;
  setLead(lead: Lead | null): void;
  getLead(): Lead | undefined;
  setStage(stage: string): void;
  setToken(token: string): void;
  ask(query: string): Promise<unknown>;
  on(event: string, fn: (detail: any) => void): () => void;
  off(event: string, fn: (detail: any) => void): void;
  startLive(): Promise<void>;
  stopLive(): void;
  isLive(): boolean;
  pushEvent(event: { kind: string; text?: string }): void;
  readonly conversationId: string | undefined;
  destroy(): void;
}

function api(w: Widget): PorchlightApi {
  return {
    version: VERSION,
    open: () => w.open(),
    close: () => w.close(),
    toggle: () => w.toggle(),
    isOpen: () => w.isOpen(),
    setLead: (lead) => w.setLead(lead),
    getLead: () => w.getLead(),
    setStage: (s) => w.setStage(s),
    setToken: (t) => w.setToken(t),
    ask: (q) => w.ask(q),
    on: (e, fn) => w.on(e, fn),
    off: (e, fn) => w.off(e, fn),
    startLive: () => w.startLive(),
    stopLive: () => w.stopLive(),
    isLive: () => w.isLive(),
    pushEvent: (e) => w.pushEvent(e),
    get conversationId() {
      return w.conversationId;
    },
    destroy: () => {
      w.destroy();
      if ((window as any).Porchlight?.version) delete (window as any).Porchlight;
    },
  };
}

// Inside GoHighLevel: the key and the token come from sign-in; the lead is the contact shown.
async function bootGhl(script: HTMLScriptElement): Promise<void> {
  const d = script.dataset;
  const apiBase = d.proxyUrl || new URL(script.src, location.href).origin;
  const appId = d.ghlAppId!;
  let contact = contactOnPage();
  let creds;
  try {
    creds = await ghlSignIn(apiBase, appId, contact);
  } catch (e) {
    console.error(`Porchlight: sign-in from GoHighLevel failed: ${(e as Error).message}`);
    return;
  }
  const target = d.target ? document.querySelector<HTMLElement>(d.target) : null;
  const host = document.createElement('porchlight-coach');
  (target ?? document.body).appendChild(host);
  const w = new Widget(host, {
    apiBase, key: creds.key, token: creds.agent_token,
    tokenFetch: async () => (await ghlSignIn(apiBase, appId, contact)).agent_token,
    lead: contact ? { id: contact } : undefined, mode: target ? 'inline' : 'floating',
    open: d.open !== undefined && d.open !== 'false', live: d.live !== 'false', title: d.title,
  });
  // A token is bound to its contact: a new contact, a new sign-in, then the new lead.
  watchContact(async (next) => {
    contact = next;
    try {
      await w.tokens.refresh();
      w.setLead(next ? { id: next } : null);
    } catch (e) {
      console.error(`Porchlight: sign-in for the new contact failed: ${(e as Error).message}`);
    }
  });
  publish(w);
}

function publish(w: Widget): void {
  const a = api(w);
  // Calls queued before the script loaded: window.Porchlight = {q: [["setLead", {...}], ["open"]]}.
  const queued = (window as any).Porchlight?.q;
  (window as any).Porchlight = a;
  if (Array.isArray(queued)) {
    for (const [method, ...args] of queued) {
      const fn = (a as any)[method];
      if (typeof fn === 'function') fn(...args);
      else console.error(`Porchlight: no method ${method}`);
    }
  }
  window.dispatchEvent(new CustomEvent('porchlight:ready', { detail: a }));
}

function boot(script: HTMLScriptElement): void {
  const d = script.dataset;
  if (d.ghlAppId) {
    void bootGhl(script);
    return;
  }
  if (!d.key || !/^pk_/.test(d.key)) {
    console.error('Porchlight: the script tag needs data-key="pk_…" (a publishable key; never a secret sk_ key)');
    return;
  }
  let lead: Lead | undefined;
  if (d.lead) {
    try {
      lead = JSON.parse(d.lead);
    } catch {
      console.error('Porchlight: data-lead is not JSON; call Porchlight.setLead({...}) instead');
    }
  }
  const flag = (v?: string) => v !== undefined && v !== 'false';
  const target = d.target ? document.querySelector<HTMLElement>(d.target) : null;
  if (d.target && !target) console.error(`Porchlight: data-target '${d.target}' matches nothing; using the floating launcher`);
  const opts: WidgetOptions = {
    apiBase: d.proxyUrl || new URL(script.src, location.href).origin,
    key: d.key,
    token: d.agentToken,
    tokenUrl: d.tokenUrl ? new URL(d.tokenUrl, location.href).href : undefined,
    lead,
    stage: d.stage,
    mode: target ? 'inline' : 'floating',
    open: flag(d.open),
    live: flag(d.live),
    title: d.title,
  };
  if (!opts.token && !opts.tokenUrl) console.info('Porchlight: no data-agent-token or data-token-url; waiting for Porchlight.setToken()');
  const host = document.createElement('porchlight-coach');
  (target ?? document.body).appendChild(host);
  publish(new Widget(host, opts));
}

const current = document.currentScript as HTMLScriptElement | null;
const script = current?.dataset.key !== undefined || current?.dataset.ghlAppId !== undefined ? current
  : document.querySelector<HTMLScriptElement>('script[data-key][src*="porchlight"], script[data-ghl-app-id][src*="porchlight"]');
if ((window as any).Porchlight?.version) {
  console.warn('Porchlight: the widget script was included twice; the second copy does nothing');
} else if (script) {
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
} else {
  console.error('Porchlight: cannot find my <script> tag (it needs data-key, or data-ghl-app-id inside GoHighLevel)');
}
