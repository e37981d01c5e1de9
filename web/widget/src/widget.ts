// widget.ts: the coaching widget, shared by the script tag (floating launcher + panel) and the
// Streamlit component (inline). Everything renders inside a shadow root.
//
// Sections:
//   [1] options, state and DOM
//   [2] start: token, WASM core, profile, conversation history
//   [3] instant preview: routing badge and guidance cards from the WASM core
//   [4] asking: the streamed answer, server route, cards, feedback
//   [5] live mode (WebSocket)
//   [6] host API plumbing: events, open/close, focus, lead

import { ApiError, Client } from './api';
import { label, renderCard } from './cards';
import { callCore, loadCore, today, type Core } from './core';
import { plainText, renderMarkdown } from './markdown';
import { STAGES } from './generated/enums';
import { CSS } from './styles';
import { TokenSource } from './token';
import type { Card, FactValue, Guidance, Lead, Profile, RouteInfo, Source, StoredMessage } from './types';

// ---- [1] options, state and DOM ------------------------------------------------------------------

export interface WidgetOptions {
  apiBase: string;
  key: string;
  token?: string;
  tokenUrl?: string;
  lead?: Lead;
  stage?: string;
  mode?: 'floating' | 'inline';
  open?: boolean;
  surface?: 'widget' | 'streamlit';
  coreUrl?: string;
  title?: string;
  live?: boolean;
  conversationId?: string;
}

const FACT_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

type Handler = (detail: any) => void;

interface MessageView {
  li: HTMLLIElement;
  who: HTMLElement;
  bubble: HTMLElement;
  foot: HTMLElement;
  text: string;
  messageId?: string;
  eventId?: string;
  rendered?: boolean;
}

let sheet: CSSStyleSheet | null = null;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

// Icons are inline SVG paths (no emoji: many systems have no emoji font).
function icon(d: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('fill', 'currentColor');
  p.setAttribute('d', d);
  svg.appendChild(p);
  return svg;
}
const CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6v2h2v-2H7zm4 0v2h2v-2h-2zm4 0v2h2v-2h-2z';
const THUMB_UP = 'M2 21h4V9H2v12zM22 10a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z';
const THUMB_DOWN = 'M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z';

let counter = 0;

export class Widget {
  readonly root: ShadowRoot;
  readonly client: Client;
  readonly tokens: TokenSource;
  private opts: WidgetOptions;
  private handlers = new Map<string, Set<Handler>>();
  private uid = `pl${++counter}`;

  private core: Core | null = null;
  private profile: Profile | null = null;
  private lead: Lead | undefined;
  private stage: string | undefined;
  private cid: string | undefined;
  private booting?: Promise<void>;
  private loads = 0;  // conversation loads started (see loadConversation)
  private opened = false;
  private busy = false;
  private disabled = false;
  private preview: RouteInfo | null = null;
  private lastRoute: RouteInfo | undefined;
  private cards = new Map<string, { card: Card; source: Source }>();
  private checklistScore = 0;
  private doneBefore: Set<string> | null = null;
  private debounce?: ReturnType<typeof setTimeout>;
  private abort?: AbortController;
  private lastAnswer?: Guidance['answer'];
  private policyMismatch = false;

  // live mode
  private ws: WebSocket | null = null;
  private liveWanted = false;
  private liveReady = false;
  private liveQueue: string[] = [];
  private liveOpening?: Promise<void>;
  private liveCards: Card[] = [];
  private liveRetry = 0;
  private liveTimer?: ReturnType<typeof setTimeout>;

  // DOM
  private wrap: HTMLDivElement;
  private launcher: HTMLButtonElement;
  private panel: HTMLElement;
  private sub: HTMLParagraphElement;
  private liveBtn: HTMLButtonElement;
  private closeBtn: HTMLButtonElement;
  private body: HTMLDivElement;
  private chat: HTMLDivElement;
  private guidanceToggle: HTMLButtonElement;
  private cardsBox: HTMLDivElement;
  private log: HTMLOListElement;
  private empty: HTMLParagraphElement;
  private form: HTMLFormElement;
  private badge: HTMLDivElement;
  private input: HTMLTextAreaElement;
  private sendBtn: HTMLButtonElement;
  private announcer: HTMLDivElement;
  private alert: HTMLDivElement;

  constructor(readonly host: HTMLElement, opts: WidgetOptions) {
    this.opts = { mode: 'floating', surface: 'widget', ...opts };
    this.opts.apiBase = this.opts.apiBase.replace(/\/+$/, '');
    this.tokens = new TokenSource({ token: opts.token, url: opts.tokenUrl });
    this.client = new Client(this.opts.apiBase, opts.key, this.tokens);
    this.lead = cleanLead(opts.lead);
    this.stage = cleanStage(opts.stage) ?? cleanStage(this.lead?.stage);
    host.dataset.mode = this.opts.mode!;

    this.root = host.attachShadow({ mode: 'open' });
    try {
      sheet ??= new CSSStyleSheet();
      if (!sheet.cssRules.length) sheet.replaceSync(CSS);
      this.root.adoptedStyleSheets = [sheet];
    } catch {
      this.root.appendChild(h('style', {}, CSS));  // browsers without constructable stylesheets
    }

    const id = (s: string) => `${this.uid}-${s}`;
    const floating = this.opts.mode === 'floating';
    this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': id('panel') },
                      icon(CHAT), h('span', {}, 'Coach'));
    this.sub = h('p', { class: 'sub', id: id('sub') });
    this.liveBtn = h('button', { class: 'live', type: 'button', 'aria-pressed': 'false', title: 'Live mode: guidance as the lead\'s messages arrive' },
                     h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Live');
    this.closeBtn = h('button', { class: 'icon', type: 'button', 'aria-label': 'Close the coach' }, '✕');
    this.guidanceToggle = h('button', { class: 'guidance-toggle', type: 'button', 'aria-expanded': 'true', 'aria-controls': id('cards') }, 'Guidance');
    this.cardsBox = h('div', { class: 'cards', id: id('cards') });
    this.empty = h('p', { class: 'empty' }, 'Ask about this lead: what to say, what to ask next, how to handle an objection.');
    this.log = h('ol', { class: 'log', 'aria-label': 'Conversation with the coach' });  // announced through this.announcer
    this.chat = h('div', { class: 'chat' }, this.empty, this.log);
    this.body = h('div', { class: 'body' },
                  h('section', { class: 'guidance', 'aria-labelledby': id('gh') },
                    h('div', { class: 'guidance-head', id: id('gh') }, this.guidanceToggle), this.cardsBox),
                  this.chat);
    this.badge = h('div', { class: 'badge', id: id('badge'), 'data-state': 'idle' });
    this.input = h('textarea', { id: id('q'), rows: '2', maxlength: '8000', 'aria-describedby': `${id('badge')} ${id('hint')}`,
                                 placeholder: 'Ask the coach…', autocomplete: 'off' });
    this.sendBtn = h('button', { class: 'send', type: 'submit' }, 'Send');
    this.form = h('form', { 'aria-label': 'Ask the coach' },
                  this.badge,
                  h('label', { class: 'sr-only', for: id('q') }, 'Your question for the coach'),
                  h('div', { class: 'row' }, this.input, this.sendBtn),
                  h('p', { class: 'hint', id: id('hint') }, 'Enter to send, Shift+Enter for a new line.'));
    this.announcer = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'false', 'aria-relevant': 'additions' });
    this.alert = h('div', { class: 'alert', role: 'alert' });
    this.alert.hidden = true;
    const title = h('h2', { id: id('title') }, this.opts.title ?? 'Porchlight coach');
    const headerKids: Node[] = [h('div', { class: 'title' }, title, this.sub), this.liveBtn];
    if (floating) headerKids.push(this.closeBtn);
    this.panel = h('section', floating
      ? { class: 'panel', id: id('panel'), role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': id('title'), 'aria-describedby': id('sub') }
      : { class: 'panel', id: id('panel'), role: 'region', 'aria-labelledby': id('title') },
      h('header', {}, ...headerKids), this.body, this.alert, this.form, this.announcer);
    // The wrapper, not :host, carries the font and colours: a page's `* {…}` rules match the host element.
    this.wrap = h('div', { class: floating ? 'w floating' : 'w inline' });
    if (floating) {
      this.panel.hidden = true;
      this.wrap.append(this.launcher);
    }
    this.wrap.append(this.panel);
    this.root.appendChild(this.wrap);
    this.renderSub();
    this.renderBadge();
    this.wire();
    if (!floating || this.opts.open) this.open(false);
    if (this.opts.live) this.startLive();
  }

  private wire(): void {
    this.launcher.addEventListener('click', () => this.toggle());
    // Loading the core on intent makes the first badge instant without loading it on every page view.
    for (const ev of ['pointerenter', 'focus']) this.launcher.addEventListener(ev, () => this.warm(), { once: true });
    this.closeBtn.addEventListener('click', () => this.close());
    this.liveBtn.addEventListener('click', () => (this.liveWanted ? this.stopLive() : this.startLive()));
    this.guidanceToggle.addEventListener('click', () => {
      const open = this.guidanceToggle.getAttribute('aria-expanded') !== 'true';
      this.guidanceToggle.setAttribute('aria-expanded', String(open));
      this.cardsBox.hidden = !open;
    });
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.opts.mode === 'floating') {
        e.stopPropagation();
        this.close();
      }
    });
    this.input.addEventListener('input', () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.refreshPreview(), 25);
      this.autosize();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = this.input.value;
      if (!q.trim() || this.busy || this.disabled) return;
      this.input.value = '';
      this.autosize();
      void this.ask(q);
    });
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(140, this.input.scrollHeight + 2)}px`;
  }

  // ---- [2] start ---------------------------------------------------------------------------------

  private get coreUrl(): string {
    return this.opts.coreUrl ?? `${this.opts.apiBase}/web/porchlight-core.mjs`;
  }

  /** Starts loading the WASM core (idempotent). */
  warm(): void {
    loadCore(this.coreUrl).then((c) => {
      if (this.core) return;
      this.core = c;
      this.refreshPreview();
      this.refreshCards();
    }).catch((e) => this.fail(new ApiError('core.unavailable', `the instant preview is unavailable: ${e?.message ?? e}`)));
  }

  /** Loads what the widget needs once: the core, the agent's profile, the conversation so far. */
  boot(): Promise<void> {
    this.booting ??= (async () => {
      this.warm();
      const waiting = setTimeout(() => this.showAlert('Waiting for this page to give the coach its agent token ' +
        '(data-agent-token, data-token-url or Porchlight.setToken).'), 4000);
      try {
        await this.tokens.get();
      } finally {
        clearTimeout(waiting);
      }
      const claims = this.tokens.claims;
      if (!claims) throw new ApiError('auth.invalid_token', 'the agent token is not a JWT');
      const profile = this.client.json<Profile>('GET', `/v1/profiles/${encodeURIComponent(claims.sub)}`).then((p) => {
        this.profile = p;
        this.renderSub();
        this.refreshPreview();
        this.refreshCards();
      }).catch((e) => this.fail(e));
      await Promise.all([profile, this.loadConversation()]);
      this.clearAlert();
      this.emit('ready', { agent_id: claims.sub, location_id: claims.location_id, conversation_id: this.cid });
    })();
    this.booting.catch((e) => {
      this.booting = undefined;  // try again on the next open or question
      this.fail(e);
    });
    return this.booting;
  }

  private storageKey(): string {
    const c = this.tokens.claims;
    return `porchlight:cv:${c?.location_id}:${c?.sub}`;
  }

  private async loadConversation(): Promise<void> {
    // A newer load (another boot after setLead) supersedes this one after any await: two loads
    // finishing side by side would show the history twice.
    const load = ++this.loads;
    let cid = this.opts.conversationId;
    const leadId = this.lead?.id;
    if (!cid && leadId) {
      // The proxy derives one conversation id per (location, agent, lead): every surface lands in it.
      const s = await this.client.json<{ conversation_id: string }>('POST', '/v1/sessions', { lead_id: leadId, surface: this.opts.surface });
      cid = s.conversation_id;
    }
    if (!cid && !leadId) {
      try {
        cid = localStorage.getItem(this.storageKey()) ?? undefined;
      } catch { /* storage may be blocked */ }
    }
    if (load !== this.loads || this.lead?.id !== leadId) return;  // the lead changed meanwhile; that load wins
    this.cid = cid;
    this.log.replaceChildren();
    if (!cid) return this.renderEmpty();
    let after = 0;
    const all: StoredMessage[] = [];
    try {
      for (let page = 0; page < 5; page++) {
        const r = await this.client.json<{ data: StoredMessage[] }>('GET', `/v1/conversations/${cid}/messages?after=${after}&limit=200`);
        all.push(...r.data);
        if (r.data.length < 200) break;
        after = r.data[r.data.length - 1].seq;
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'not_found')) throw e;  // a new conversation has no messages yet
    }
    if (load !== this.loads || this.cid !== cid) return;
    for (const m of all) {
      if (m.role !== 'user' && m.role !== 'assistant') continue;
      const v = this.addMessage(m.role, m.content, m.specialist);
      if (m.role === 'assistant') {
        v.messageId = m.id;
        v.li.dataset.messageId = m.id;
        v.eventId = m.event_id;
        if (m.status === 'incomplete' || m.status === 'failed') v.foot.appendChild(h('p', { class: 'error' }, 'This answer was interrupted.'));
        if (m.event_id && m.status !== 'streaming') this.addFeedback(v);  // a streaming one gets them at its end
      }
    }
    const last = all[all.length - 1];
    if (last?.role === 'assistant' && last.status === 'streaming') void this.resumeStreaming(last);
    this.renderEmpty();
    this.scrollDown();
  }

  /** An answer still being written (the page was reloaded mid-stream): follow it to its end. */
  private async resumeStreaming(m: StoredMessage): Promise<void> {
    const v = this.viewFor(m.id);
    if (!v) return;
    v.li.classList.add('streaming');
    const bytes = new TextEncoder().encode(m.content).length;
    try {
      await this.client.resume(`${m.id}:${bytes}`, (e) => {
        if (e.event === 'delta') {
          v.text += e.data.text ?? '';
          this.renderText(v);
        } else if (e.event === 'done') {
          if (e.data.event_id) v.eventId = e.data.event_id;
          if (e.data.status !== 'complete') v.foot.appendChild(h('p', { class: 'error' }, 'This answer was interrupted.'));
        }
      });
    } catch { /* shown as it is */ } finally {
      v.li.classList.remove('streaming');
      this.renderText(v);
      if (v.eventId && v.text && !v.foot.querySelector('.fb')) this.addFeedback(v);
    }
  }

  private viewFor(messageId: string): MessageView | undefined {
    const li = this.log.querySelector<HTMLLIElement>(`li[data-message-id="${globalThis.CSS.escape(messageId)}"]`);
    return li ? (li as any).__view : undefined;
  }

  // ---- [3] instant preview -----------------------------------------------------------------------

  private profileForCore(): Profile {
    if (this.profile) return this.profile;
    const c = this.tokens.claims;
    return { id: c?.sub && ID.test(c.sub) ? c.sub : 'agent', location_id: c?.location_id && ID.test(c.location_id) ? c.location_id : 'location',
             name: 'Agent', role: 'buyer_agent' };
  }

  private currentStage(): string | undefined {
    return this.stage ?? cleanStage(this.lead?.stage);
  }

  private refreshPreview(): void {
    const q = this.input.value.trim();
    if (!q) {
      this.preview = null;
      return this.renderBadge(this.lastRoute, this.lastRoute ? this.badge.dataset.state as any : undefined);
    }
    if (!this.core) {
      this.warm();
      return this.renderBadge(undefined, 'loading');
    }
    const r = callCore<RouteInfo>(this.core, 'route', { query: q.slice(0, 8000), profile: this.profileForCore(), stage: this.currentStage(), lead: this.lead });
    this.preview = r;
    this.renderBadge(r ?? undefined, r ? 'preview' : 'idle');
    if (r) {
      performance.mark?.('porchlight:badge');
      this.emit('route', { source: 'preview', route: r });
    }
  }

  private renderBadge(r?: RouteInfo, state: 'idle' | 'loading' | 'preview' | 'confirmed' | 'corrected' = 'idle'): void {
    const b = this.badge;
    b.dataset.state = r ? state : state === 'loading' ? 'loading' : 'idle';
    if (!r) {
      delete b.dataset.specialist;
      delete b.dataset.tier;
      b.replaceChildren(state === 'loading' ? 'Loading the instant preview…' : 'The coach\'s route appears here as you type.');
      b.removeAttribute('title');
      return;
    }
    b.dataset.specialist = r.specialist;
    b.dataset.tier = r.tier;
    const stateText = { preview: 'Preview', confirmed: '✓ Confirmed', corrected: 'Corrected by the server', idle: '', loading: '' }[state];
    const cost = r.estimate?.cost_usd;
    b.replaceChildren(
      h('span', { class: 'state' }, stateText),
      h('span', { class: 'chip' }, label(r.specialist)),
      h('span', { class: 'chip' }, `${r.tier} tier`),
      ...(cost !== undefined ? [h('span', { class: 'chip', title: 'estimated cost of this answer' }, `≈ $${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(3)}`)] : []),
      ...(r.offline ? [h('span', { class: 'chip' }, 'offline playbooks')] : []),
      ...(this.policyMismatch ? [h('span', { class: 'chip', title: 'the browser\'s core and the proxy use different policy versions' }, 'policy differs')] : []),
    );
    b.title = (r.reasons ?? []).join('\n');
  }

  /** Guidance cards from the WASM core for the lead as it is now (checklist, deadlines, next step). */
  private refreshCards(): void {
    if (!this.core) return;
    const out = callCore<{ cards: Card[]; checklist_score: number }>(this.core, 'guidanceCards', {
      profile: this.profileForCore(), lead: this.lead, stage: this.currentStage(), today: today(),
    });
    if (out) this.setCards(out.cards, 'preview', out.checklist_score);
  }

  private setCards(cards: Card[], source: Source, score?: number): void {
    for (const card of cards) {
      const had = this.cards.get(card.type);
      // An answer's or a live card's next step outranks the checklist's generic one until the lead changes.
      if (source === 'preview' && card.type === 'next_best_action' && had && had.source !== 'preview') continue;
      this.cards.set(card.type, { card, source });
    }
    if (source === 'preview') {
      for (const [type, v] of this.cards) if (v.source === 'preview' && !cards.some((c) => c.type === type)) this.cards.delete(type);
    }
    const checklist = this.cards.get('qualification_checklist')?.card;
    this.checklistScore = score ?? checklist?.score ?? this.checklistScore;
    this.renderCards();
    this.emit('guidance', this.snapshot(source));
  }

  private renderCards(): void {
    const order = ['next_best_action', 'deadlines', 'qualification_checklist'];
    const list = [...this.cards.values()].sort((a, b) => order.indexOf(a.card.type) - order.indexOf(b.card.type));
    const checklist = this.cards.get('qualification_checklist')?.card;
    const nowDone = new Set(((checklist?.items ?? []) as Array<{ id: string; done: boolean }>).filter((i) => i.done).map((i) => i.id));
    this.cardsBox.replaceChildren(...list.map(({ card, source }) => renderCard(document, card, source, this.doneBefore)));
    if (checklist) this.doneBefore = nowDone;
    this.guidanceToggle.textContent = `Guidance (${list.length})`;
  }

  snapshot(source: Source): Guidance {
    return {
      source,
      cards: [...this.cards.values()].map((v) => v.card),
      checklist_score: this.checklistScore,
      route: this.lastRoute,
      answer: this.lastAnswer,
      conversation_id: this.cid,
      lead_id: this.lead?.id,
    };
  }

  // ---- [4] asking --------------------------------------------------------------------------------

  private addMessage(role: string, text: string, specialist?: string): MessageView {
    const who = h('div', { class: 'who' }, role === 'user' ? 'You' : 'Coach');
    if (specialist && role === 'assistant') who.append(h('span', {}, `· ${label(specialist)}`));
    const bubble = h('div', { class: role === 'assistant' ? 'bubble md' : 'bubble' });
    const foot = h('div', {});
    const li = h('li', { class: `msg ${role === 'user' ? 'user' : 'assistant'}` }, who, bubble, foot);
    const v: MessageView = { li, who, bubble, foot, text };
    (li as any).__view = v;
    this.renderText(v);
    this.log.appendChild(li);
    this.renderEmpty();
    return v;
  }

  private renderText(v: MessageView): void {
    if (v.li.classList.contains('user')) v.bubble.textContent = v.text;
    else v.bubble.replaceChildren(renderMarkdown(document, v.text));
    if (v.messageId) v.li.dataset.messageId = v.messageId;
  }

  private renderEmpty(): void {
    this.empty.hidden = this.log.children.length > 0;
  }

  private scrollDown(): void {
    this.chat.scrollTop = this.chat.scrollHeight;
  }

  /** Sends a question; resolves with the finished answer (or null if nothing was sent). */
  async ask(query: string): Promise<Guidance['answer'] | null> {
    const q = String(query ?? '').trim();
    if (!q || this.busy) return null;
    if (q.length > 8000) {
      this.fail(new ApiError('coach.invalid_query', 'questions are at most 8000 characters'));
      return null;
    }
    this.busy = true;
    this.sendBtn.disabled = true;
    const preview = this.preview;
    this.preview = null;
    try {
      await this.boot();  // the history goes above this question, not over it
    } catch (e) {
      this.busy = false;
      this.sendBtn.disabled = this.disabled;
      this.fail(e);
      return null;
    }
    const user = this.addMessage('user', q);
    const a = this.addMessage('assistant', '');
    a.li.classList.add('streaming');
    a.bubble.setAttribute('aria-busy', 'true');
    this.scrollDown();
    this.announcer.replaceChildren(h('span', {}, 'The coach is answering. '));
    let announced = 0;
    let status = 'incomplete';
    let firstToken = true;
    let frame = 0;
    const serverCards: Card[] = [];
    const sentAt = performance.now();
    const flushAnnouncements = (all: boolean) => {
      const plain = plainText(a.text);
      const cut = all ? plain.length : Math.max(plain.lastIndexOf('. '), plain.lastIndexOf('? '), plain.lastIndexOf('! '), plain.lastIndexOf(': ')) + 1;
      if (cut > announced) {
        this.announcer.appendChild(h('span', {}, plain.slice(announced, cut) + ' '));
        announced = cut;
      }
    };
    try {
      const stage = this.currentStage();
      const body: Record<string, unknown> = { query: q, surface: this.opts.surface };
      if (this.lead) body.lead = this.lead;
      if (stage) body.stage = stage;
      if (this.cid) body.conversation_id = this.cid;
      if (preview) body.client_route = { specialist: preview.specialist, tier: preview.tier, policy_version: preview.policy_version };
      const abort = new AbortController();
      this.abort = abort;
      await this.client.coach(body, (e) => {
        if (abort.signal.aborted) return;  // the lead changed (or the widget went): not ours to show
        switch (e.event) {
          case 'meta':
            if (e.data.conversation_id && e.data.conversation_id !== this.cid) {
              this.cid = e.data.conversation_id;
              if (!this.lead?.id) try { localStorage.setItem(this.storageKey(), e.data.conversation_id); } catch { /* blocked */ }
            }
            if (e.data.message_id) a.messageId = e.data.message_id;
            if (e.data.event_id) a.eventId = e.data.event_id;
            if (e.data.user_message_id) user.li.dataset.messageId = e.data.user_message_id;
            a.li.dataset.messageId = a.messageId ?? '';
            break;
          case 'route': {
            const r = e.data;
            this.lastRoute = r;
            const version = this.core ? JSON.parse(this.core.version()).policy : undefined;
            this.policyMismatch = !!version && version !== r.policy_version;
            const same = !preview || (preview.specialist === r.specialist && preview.tier === r.tier);
            this.renderBadge(r, preview ? (same ? 'confirmed' : 'corrected') : 'confirmed');
            a.who.append(h('span', {}, `· ${label(r.specialist)}`));
            this.emit('route', { source: 'server', route: r, preview, matches: same });
            break;
          }
          case 'notice':
            a.foot.before(h('p', { class: 'notice' }, e.data.message ?? 'Answering from the playbooks.'));
            break;
          case 'delta':
            a.text += e.data.text ?? '';
            if (firstToken) {
              firstToken = false;
              this.renderText(a);  // the first words at once, then once per frame
              performance.mark?.('porchlight:first-token');
              this.emit('token', { ms: performance.now() - sentAt });
            } else if (!frame) {
              frame = requestAnimationFrame(() => {
                frame = 0;
                this.renderText(a);
                this.scrollDown();
              });
            }
            flushAnnouncements(false);
            break;
          case 'card':
            serverCards.push(e.data);
            break;
          case 'usage': {
            const bits = [e.data.offline ? 'offline playbooks' : e.data.model, e.data.cost_usd ? `$${Number(e.data.cost_usd).toFixed(4)}` : '',
                          e.data.latency_ms ? `${(e.data.latency_ms / 1000).toFixed(1)} s` : ''].filter(Boolean);
            a.foot.appendChild(h('p', { class: 'meta' }, bits.join(' · ')));
            break;
          }
          case 'error':
            a.foot.appendChild(h('p', { class: 'error' }, e.data.message ?? 'Something went wrong.'));
            break;
          case 'done':
            status = e.data.status ?? 'complete';
            if (e.data.event_id) a.eventId = e.data.event_id;
            break;
        }
      }, this.abort.signal);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', String((e as Error)?.message ?? e));
      a.foot.appendChild(h('p', { class: 'error' }, err.message));
      this.fail(err, false);
    } finally {
      if (frame) cancelAnimationFrame(frame);
      a.li.classList.remove('streaming');
      a.bubble.removeAttribute('aria-busy');
      if (!a.text && !a.foot.childNodes.length) a.li.remove();
      else this.renderText(a);
      this.busy = false;
      this.sendBtn.disabled = this.disabled;
    }
    if (this.abort?.signal.aborted) return null;  // cancelled: its lead's log is gone, and so are its cards
    flushAnnouncements(true);
    if (status !== 'complete' && a.text) a.foot.appendChild(h('p', { class: 'error' }, 'This answer was interrupted.'));
    this.announcer.appendChild(h('span', {}, status === 'complete' ? 'Answer complete.' : 'The answer ended early.'));
    if (a.eventId && a.text) this.addFeedback(a);
    this.scrollDown();
    if (!a.text) return null;
    this.lastAnswer = { text: a.text, message_id: a.messageId ?? '', event_id: a.eventId ?? '', status };
    if (serverCards.length) this.setCards(serverCards, 'server');
    else this.emit('guidance', this.snapshot('server'));
    this.emit('answer', { ...this.lastAnswer, conversation_id: this.cid, route: this.lastRoute });
    return this.lastAnswer;
  }

  private addFeedback(v: MessageView): void {
    const eventId = v.eventId!;
    const thanks = h('span', { class: 'thanks', 'aria-live': 'polite' });
    const make = (rating: 'helpful' | 'not_helpful', path: string, text: string) => {
      const b = h('button', { type: 'button', 'aria-pressed': 'false', 'data-rating': rating }, icon(path), text);
      b.addEventListener('click', async () => {
        if (this.disabled) return;
        b.disabled = true;
        try {
          await this.client.json('POST', '/v1/feedback', { event_id: eventId, rating });
          for (const x of group.querySelectorAll('button')) x.setAttribute('aria-pressed', String(x === b));
          thanks.textContent = 'Thanks: saved.';
          this.emit('feedback', { event_id: eventId, rating, message_id: v.messageId });
        } catch (e) {
          thanks.textContent = 'Could not save the feedback; try again.';
          this.fail(e, false);
        } finally {
          b.disabled = false;
        }
      });
      return b;
    };
    const group = h('div', { class: 'fb', role: 'group', 'aria-label': 'Was this answer helpful?' },
                    make('helpful', THUMB_UP, 'Helpful'), make('not_helpful', THUMB_DOWN, 'Not helpful'), thanks);
    v.foot.appendChild(group);
  }

  // ---- [5] live mode -----------------------------------------------------------------------------

  /** Opens the live socket once: calls while it is open or opening share it. */
  startLive(): Promise<void> {
    this.liveWanted = true;
    this.liveBtn.setAttribute('aria-pressed', 'true');
    if (this.ws) return Promise.resolve();
    this.liveOpening ??= this.openLive().finally(() => { this.liveOpening = undefined; });
    return this.liveOpening;
  }

  private async openLive(): Promise<void> {
    try {
      await this.boot();
      if (!this.liveWanted || this.ws) return;
      const ws = await this.client.live();
      if (!this.liveWanted) {  // stopped while connecting
        ws.close(1000);
        return;
      }
      this.ws = ws;
      ws.addEventListener('message', (m) => { if (this.ws === ws) this.onLive(m.data); });
      ws.addEventListener('close', () => {
        if (this.ws !== ws) return;  // an older socket: the current one is not affected
        this.ws = null;
        this.liveReady = false;
        this.emit('live', { connected: false });
        if (this.liveWanted) {
          clearTimeout(this.liveTimer);
          this.liveTimer = setTimeout(() => this.startLive(), Math.min(10_000, 500 * 2 ** this.liveRetry++));
        }
      });
    } catch (e) {
      this.fail(e);
    }
  }

  stopLive(): void {
    this.liveWanted = false;
    clearTimeout(this.liveTimer);
    this.liveBtn.setAttribute('aria-pressed', 'false');
    this.ws?.close(1000);
    this.ws = null;
    this.liveReady = false;
  }

  /** A conversation event from the host page (the lead wrote, the agent replied, the stage or facts changed). */
  pushEvent(event: { kind: string; text?: string }): void {
    const frame = JSON.stringify({ type: 'event', lead: this.lead ?? { id: 'unknown' }, stage: this.currentStage(),
                                   event: { kind: event.kind, ...(event.text ? { text: String(event.text) } : {}) } });
    if (this.liveReady && this.ws) this.ws.send(frame);
    else {
      this.liveQueue.push(frame);
      void this.startLive();
    }
  }

  private onLive(raw: string): void {
    let m: any;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (m.type === 'ready') {
      this.liveReady = true;
      this.liveRetry = 0;
      for (const f of this.liveQueue.splice(0)) this.ws?.send(f);
      this.emit('live', { connected: true, policy_version: m.policy_version });
    } else if (m.type === 'card') {
      this.liveCards.push(m.card);
    } else if (m.type === 'cards_done') {
      const cards = this.liveCards.splice(0);
      if (cards.length) {
        this.setCards(cards, 'live');
        this.announcer.appendChild(h('span', {}, 'New live guidance. '));
      }
    } else if (m.type === 'error') {
      this.fail(new ApiError(m.code ?? 'live.error', m.message ?? 'live mode failed'));
      if (String(m.code).startsWith('auth.')) this.stopLive();
    }
  }

  // ---- [6] host API plumbing ---------------------------------------------------------------------

  on(name: string, fn: Handler): () => void {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name)!.add(fn);
    return () => this.off(name, fn);
  }

  off(name: string, fn: Handler): void {
    this.handlers.get(name)?.delete(fn);
  }

  emit(name: string, detail: unknown): void {
    for (const fn of this.handlers.get(name) ?? []) {
      try {
        fn(detail);
      } catch (e) {
        console.error('Porchlight: a handler for', name, 'threw', e);
      }
    }
    // On the element only (window's `porchlight:ready` is the script tag's: it carries the API).
    this.host.dispatchEvent(new CustomEvent(`porchlight:${name}`, { detail }));
  }

  private fail(e: unknown, announce = true): void {
    const err = e instanceof ApiError ? e : new ApiError('internal', String((e as Error)?.message ?? e));
    if (announce) this.showAlert(err.message);
    this.emit('error', { code: err.code, message: err.message, status: err.status });
    if (announce) console.warn(`Porchlight: ${err.code}: ${err.message}`);
  }

  /** A problem the agent should see (and a screen reader announces), until dismissed or resolved. */
  private showAlert(text: string): void {
    const dismiss = h('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
    dismiss.addEventListener('click', () => {
      this.clearAlert();
      this.input.focus();
    });
    this.alert.replaceChildren(h('span', {}, text), dismiss);
    this.alert.hidden = false;
  }

  private clearAlert(): void {
    this.alert.hidden = true;
    this.alert.replaceChildren();
  }

  isOpen(): boolean {
    return this.opened;
  }

  open(focus = true): void {
    if (this.opened) return;
    this.opened = true;
    this.panel.hidden = false;
    this.wrap.classList.add('open');
    this.launcher.setAttribute('aria-expanded', 'true');
    void this.boot().catch(() => {});
    if (focus) requestAnimationFrame(() => this.input.focus());
    this.emit('open', {});
  }

  close(): void {
    if (!this.opened || this.opts.mode !== 'floating') return;
    const hadFocus = this.root.activeElement !== null;
    this.opened = false;
    this.panel.hidden = true;
    this.wrap.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    if (hadFocus) this.launcher.focus();
    this.emit('close', {});
  }

  toggle(): void {
    if (this.opened) this.close();
    else this.open();
  }

  focus(): void {
    this.input.focus();
  }

  setToken(token: string): void {
    this.tokens.set(token);
  }

  setDisabled(disabled: boolean): void {
    this.disabled = !!disabled;
    this.input.disabled = this.disabled;
    this.sendBtn.disabled = this.disabled || this.busy;
    for (const b of this.log.querySelectorAll<HTMLButtonElement>('.fb button')) b.disabled = this.disabled;
  }

  setLead(lead: Lead | null | undefined): void {
    const next = cleanLead(lead ?? undefined);
    const changed = next?.id !== this.lead?.id;
    this.lead = next;
    if (next?.stage) this.stage = cleanStage(next.stage) ?? this.stage;
    if (changed) {
      // Another lead is another conversation; an answer still streaming belongs to the old one.
      this.abort?.abort();
      this.cid = undefined;
      this.lastRoute = undefined;
      this.lastAnswer = undefined;
      this.cards.clear();
      this.doneBefore = null;
      this.log.replaceChildren();
      this.renderEmpty();
      if (this.booting) {
        this.booting = undefined;
        void this.boot().catch(() => {});
      }
    }
    this.renderSub();
    this.refreshCards();
    this.refreshPreview();
    if (this.liveReady && !changed) this.pushEvent({ kind: 'facts' });
  }

  setStage(stage: string): void {
    const s = cleanStage(stage);
    if (!s) return this.fail(new ApiError('lead.invalid_stage', `unknown stage '${stage}'; expected one of ${STAGES.join(', ')}`));
    const changed = s !== this.stage;
    this.stage = s;
    if (this.lead) this.lead = { ...this.lead, stage: s };
    this.renderSub();
    this.refreshCards();
    this.refreshPreview();
    if (changed && this.liveReady) this.pushEvent({ kind: 'stage_change' });
  }

  getLead(): Lead | undefined {
    return this.lead ? JSON.parse(JSON.stringify(this.lead)) : undefined;
  }

  get conversationId(): string | undefined {
    return this.cid;
  }

  private renderSub(): void {
    const bits = [this.lead?.name || this.lead?.id, this.currentStage() ? label(this.currentStage()!) : '',
                  this.profile ? `for ${this.profile.name}` : ''].filter(Boolean);
    this.sub.textContent = bits.join(' · ') || 'Coaching for this page';
  }

  destroy(): void {
    this.stopLive();
    this.abort?.abort();
    this.tokens.stop();
    this.host.remove();
  }
}

// A lead as the core accepts it: snake_case facts of strings, numbers and booleans; others are
// dropped with a warning so one odd CRM field does not break the coaching.
export function cleanLead(lead?: Lead): Lead | undefined {
  if (!lead || typeof lead !== 'object' || lead.id === undefined || lead.id === null) return undefined;
  const out: Lead = { id: String(lead.id).slice(0, 64) };
  if (!ID.test(out.id)) {
    console.warn(`Porchlight: lead.id '${out.id}' is not a valid id (1-64 of A-Z a-z 0-9 _ . : -); replaced`);
    out.id = out.id.replace(/[^A-Za-z0-9_.:-]/g, '_') || 'lead';
  }
  if (lead.name !== undefined) out.name = String(lead.name).slice(0, 120);
  const stage = cleanStage(lead.stage);
  if (stage) out.stage = stage;
  if (lead.facts && typeof lead.facts === 'object') {
    const facts: Record<string, FactValue> = {};
    for (const [k, v] of Object.entries(lead.facts).slice(0, 40)) {
      const ok = FACT_KEY.test(k) && (typeof v === 'boolean' || (typeof v === 'number' && isFinite(v)) || typeof v === 'string');
      if (ok) facts[k] = typeof v === 'string' ? v.slice(0, 500) : v;
      else if (v !== null && v !== undefined && v !== '') console.warn(`Porchlight: lead fact '${k}' dropped (snake_case keys; string, number or boolean values)`);
    }
    out.facts = facts;
  }
  return out;
}

function cleanStage(stage?: string): string | undefined {
  return stage && (STAGES as readonly string[]).includes(stage) ? stage : undefined;
}
