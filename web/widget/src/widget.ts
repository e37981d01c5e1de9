// widget.ts: the coaching widget, shared by the script tag (floating launcher + panel) and the
// Streamlit component (inline). Everything renders inside a shadow root. This file composes the
// parts and keeps the host API (docs/embedding.md); the parts are:
//
//   conversation.ts  the messages, the streaming answer, feedback, screen-reader announcements
//   preview.ts       the instant preview: routing badge and cards from the WASM core as you type
//   guidance.ts      the guidance panel (cards from the preview, an answer or live mode)
//   photos.ts        listing photos picked, dropped or pasted, resized, sent with the question
//   live.ts          live mode (WebSocket)
//   api.ts           the one client for every request; coach-stream.ts types the answer's events
//
// Private members are ES #private ones: the minifier shortens their names (it cannot shorten
// TypeScript's `private` ones), which pays for the split within the widget's size budget.
//
// Sections:
//   [1] options, state and DOM
//   [2] start: token, profile, conversation history
//   [3] asking: the request and the stream's events
//   [4] host API: open/close, focus, lead, stage, live, errors

import { ApiError, Client } from './api';
import { label } from './cards';
import { Conversation, StreamingAnswer } from './conversation';
import { h, icon } from './dom';
import { Emitter } from './events';
import { GuidancePanel } from './guidance';
import { cleanLead, cleanStage, isId } from './lead';
import { LiveMode } from './live';
import { PhotoTray } from './photos';
import { InstantPreview } from './preview';
import { STAGES } from './generated/enums';
import { CSS } from './styles';
import { TokenSource } from './token';
import type { Card, Guidance, Lead, ProposedFact, Profile, RouteInfo, Source } from './types';

// What a question with photos and no words asks.
const PHOTO_QUESTION = 'Review these listing photos: MLS-ready remarks, the photo order, and what to fix before the shoot.';

// ---- [1] options, state and DOM ------------------------------------------------------------------

export interface WidgetOptions {
  apiBase: string;
  key: string;
  token?: string;
  tokenUrl?: string;
  /** Fetches a fresh agent token (sign-in from inside GoHighLevel: ghl.ts). */
  tokenFetch?: () => Promise<string>;
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

const CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6v2h2v-2H7zm4 0v2h2v-2h-2zm4 0v2h2v-2h-2z';

let sheet: CSSStyleSheet | null = null;
let counter = 0;

export class Widget extends Emitter {
  readonly root: ShadowRoot;
  readonly client: Client;
  readonly tokens: TokenSource;
  #opts: WidgetOptions;
  #uid = `pl${++counter}`;
  #conversation: Conversation;
  #preview: InstantPreview;
  #guidance: GuidancePanel;
  #live: LiveMode;
  #photos: PhotoTray;

  #profile: Profile | null = null;
  #lead: Lead | undefined;
  #stage: string | undefined;
  #cid: string | undefined;
  #booting?: Promise<void>;
  #policyFiles?: Promise<{ core_version?: string; files?: Record<string, string> } | null>;  // the proxy's, fetched early
  #loads = 0;  // conversation loads started (see loadConversation)
  #opened = false;
  #busy = false;
  #disabled = false;
  #abort?: AbortController;
  #lastAnswer?: Guidance['answer'];
  #debounce?: ReturnType<typeof setTimeout>;

  #wrap: HTMLDivElement;
  #launcher: HTMLButtonElement;
  #panel: HTMLElement;
  #sub: HTMLParagraphElement;
  #closeBtn: HTMLButtonElement;
  #form: HTMLFormElement;
  #input: HTMLTextAreaElement;
  #sendBtn: HTMLButtonElement;
  #alert: HTMLDivElement;

  constructor(host: HTMLElement, opts: WidgetOptions) {
    super(host);
    this.#opts = { mode: 'floating', surface: 'widget', ...opts };
    this.#opts.apiBase = this.#opts.apiBase.replace(/\/+$/, '');
    this.tokens = new TokenSource({ token: opts.token, url: opts.tokenUrl, fetch: opts.tokenFetch });
    this.client = new Client(this.#opts.apiBase, opts.key, this.tokens);
    this.#lead = cleanLead(opts.lead);
    this.#stage = cleanStage(opts.stage) ?? cleanStage(this.#lead?.stage);
    host.dataset.mode = this.#opts.mode!;

    this.root = host.attachShadow({ mode: 'open' });
    try {
      sheet ??= new CSSStyleSheet();
      if (!sheet.cssRules.length) sheet.replaceSync(CSS);
      this.root.adoptedStyleSheets = [sheet];
    } catch {
      this.root.appendChild(h('style', {}, CSS));  // browsers without constructable stylesheets
    }

    const id = (s: string) => `${this.#uid}-${s}`;
    const emit = (name: string, detail: unknown) => this.emit(name, detail);
    const fail = (e: unknown, announce?: boolean) => this.#fail(e, announce);
    this.#conversation = new Conversation({
      sendFeedback: (eventId, rating) => this.client.json('POST', '/v1/feedback', { event_id: eventId, rating }),
      emit,
      fail,
    });
    this.#preview = new InstantPreview(id('badge'), {
      coreUrl: this.#opts.coreUrl ?? `${this.#opts.apiBase}/web/porchlight-web-core.mjs`,
      query: () => this.#input.value,
      subject: () => ({ profile: this.#profileForCore(), lead: this.#lead, stage: this.#currentStage() }),
      cards: (cards, score) => this.#showCards(cards, 'preview', score),
      emit,
      fail,
    });
    this.#guidance = new GuidancePanel(id, {
      acceptFact: (f) => this.#acceptFact(f),
      dismissFact: (f) => {
        this.#guidance.settleFact(f.fact);
        this.emit('fact-dismissed', { lead_id: this.#lead?.id, ...f });
      },
    });
    this.#photos = new PhotoTray(id('photos'), { emit, fail });
    this.#live = new LiveMode(this.client, {
      boot: () => this.boot(),
      cards: (cards, push) => {
        this.#showCards(cards, 'live');
        if (push) {
          const who = push.lead_name || 'A lead';
          const said = push.lead_message ? ` (${push.lead_message.channel}): "${push.lead_message.text.slice(0, 140)}"` : '';
          this.#conversation.announce(`${who} wrote${said}. New live guidance. `);
          this.emit('live-push', push);
        } else {
          this.#conversation.announce('New live guidance. ');
        }
      },
      emit,
      fail,
    });

    const floating = this.#opts.mode === 'floating';
    this.#launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': id('panel') },
                       icon(CHAT), h('span', {}, 'Coach'));
    this.#sub = h('p', { class: 'sub', id: id('sub') });
    this.#closeBtn = h('button', { class: 'icon', type: 'button', 'aria-label': 'Close the coach' }, '✕');
    this.#input = h('textarea', { id: id('q'), rows: '2', maxlength: '8000', 'aria-describedby': `${id('badge')} ${id('hint')}`,
                                  placeholder: 'Ask the coach…', autocomplete: 'off' });
    this.#sendBtn = h('button', { class: 'send', type: 'submit' }, 'Send');
    this.#form = h('form', { 'aria-label': 'Ask the coach' },
                   this.#preview.badge,
                   h('label', { class: 'sr-only', for: id('q') }, 'Your question for the coach'),
                   this.#photos.element,
                   h('div', { class: 'row' }, this.#photos.button, this.#photos.input, this.#input, this.#sendBtn),
                   h('p', { class: 'hint', id: id('hint') }, 'Enter to send, Shift+Enter for a new line. Drop or paste listing photos to review them.'));
    this.#alert = h('div', { class: 'alert', role: 'alert' });
    this.#alert.hidden = true;
    const title = h('h2', { id: id('title') }, this.#opts.title ?? 'Porchlight coach');
    const headerKids: Node[] = [h('div', { class: 'title' }, title, this.#sub), this.#live.button];
    if (floating) headerKids.push(this.#closeBtn);
    this.#panel = h('section', floating
      ? { class: 'panel', id: id('panel'), role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': id('title'), 'aria-describedby': id('sub') }
      : { class: 'panel', id: id('panel'), role: 'region', 'aria-labelledby': id('title') },
      h('header', {}, ...headerKids), h('div', { class: 'body' }, this.#guidance.element, this.#conversation.element),
      this.#alert, this.#form, this.#conversation.announcer);
    // The wrapper, not :host, carries the font and colours: a page's `* {…}` rules match the host element.
    this.#wrap = h('div', { class: floating ? 'w floating' : 'w inline' });
    if (floating) {
      this.#panel.hidden = true;
      this.#wrap.append(this.#launcher);
    }
    this.#wrap.append(this.#panel);
    this.root.appendChild(this.#wrap);
    this.#renderSub();
    this.#wire();
    if (!floating || this.#opts.open) this.open(false);
    if (this.#opts.live) this.startLive();
  }

  #wire(): void {
    this.#launcher.addEventListener('click', () => this.toggle());
    // Loading the core on intent makes the first badge instant without loading it on every page view.
    for (const ev of ['pointerenter', 'focus']) this.#launcher.addEventListener(ev, () => this.warm(), { once: true });
    this.#closeBtn.addEventListener('click', () => this.close());
    this.#panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.#opts.mode === 'floating') {
        e.stopPropagation();
        this.close();
      }
    });
    this.#input.addEventListener('input', () => {
      clearTimeout(this.#debounce);
      // The route as typed, and the cards: a risk in the words ("is it a safe area?") is an alert at once.
      this.#debounce = setTimeout(() => {
        this.#preview.refresh();
        this.#preview.refreshCards();
      }, 25);
      this.#autosize();
    });
    this.#input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.#form.requestSubmit();
      }
    });
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = this.#input.value.trim() || (this.#photos.count ? PHOTO_QUESTION : '');
      if (!q || this.#busy || this.#disabled || this.#photos.busy) return;
      this.#input.value = '';
      this.#autosize();
      void this.ask(q);
    });
    // Photos dropped on or pasted into the question join it.
    this.#form.addEventListener('dragover', (e) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    });
    this.#form.addEventListener('drop', (e) => {
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (!files.length) return;
      e.preventDefault();
      void this.#photos.add(files);
    });
    this.#input.addEventListener('paste', (e) => {
      const files = Array.from(e.clipboardData?.files ?? []).filter((f) => f.type.startsWith('image/'));
      if (!files.length) return;
      e.preventDefault();
      void this.#photos.add(files);
    });
  }

  #autosize(): void {
    this.#input.style.height = 'auto';
    this.#input.style.height = `${Math.min(140, this.#input.scrollHeight + 2)}px`;
  }

  // ---- [2] start ---------------------------------------------------------------------------------

  /** Starts loading the WASM core (idempotent), and the policy it decides with beside it. */
  warm(): void {
    this.#preview.warm();
    // A page with no policy kept yet: the proxy's files come while the core loads, not after it.
    try {
      if (!this.#policyFiles && !Object.keys(localStorage).some((k) => k.startsWith('porchlight:policy:'))) {
        this.#policyFiles = fetch(`${this.#opts.apiBase}/v1/policy?since=invalid`, { credentials: 'omit' })
          .then((r) => (r.ok ? r.json() : null)).catch(() => null);
        // Adopted as soon as it and the core are here; following the location's policy later finds it done.
        void this.#policyFiles.then((p) => (p?.core_version && p.files ? this.#preview.adopt(p.core_version, async () => p.files!) : undefined))
          .catch(() => { /* followPolicy tries again, with credentials */ });
      }
    } catch { /* no localStorage: fetched when the policy is followed */ }
  }

  /** Loads what the widget needs once: the core, the agent's profile, the conversation so far. */
  boot(): Promise<void> {
    this.#booting ??= (async () => {
      this.warm();
      const waiting = setTimeout(() => this.#showAlert('Waiting for this page to give the coach its agent token ' +
        '(data-agent-token, data-token-url or Porchlight.setToken).'), 4000);
      try {
        await this.tokens.get();
      } finally {
        clearTimeout(waiting);
      }
      const claims = this.tokens.claims;
      if (!claims) throw new ApiError('auth.invalid_token', 'the agent token is not a JWT');
      const profile = this.client.json<Profile>('GET', `/v1/profiles/${encodeURIComponent(claims.sub)}`).then((p) => {
        this.#profile = p;
        this.#renderSub();
        this.#preview.refresh();
        this.#preview.refreshCards();
        void this.followPolicy();
      }).catch((e) => this.#fail(e));
      await Promise.all([profile, this.#loadConversation()]);
      this.#clearAlert();
      this.emit('ready', { agent_id: claims.sub, location_id: claims.location_id, conversation_id: this.#cid });
    })();
    this.#booting.catch((e) => {
      this.#booting = undefined;  // try again on the next open or question
      this.#fail(e);
    });
    return this.#booting;
  }

  #storageKey(): string {
    const c = this.tokens.claims;
    return `porchlight:cv:${c?.location_id}:${c?.sub}`;
  }

  async #loadConversation(): Promise<void> {
    // A newer load (another boot after setLead) supersedes this one after any await: two loads
    // finishing side by side would show the history twice.
    const load = ++this.#loads;
    let cid = this.#opts.conversationId;
    const leadId = this.#lead?.id;
    if (!cid && leadId) {
      // The proxy derives one conversation id per (location, agent, lead): every surface lands in it.
      const s = await this.client.json<{ conversation_id: string }>('POST', '/v1/sessions', { lead_id: leadId, surface: this.#opts.surface });
      cid = s.conversation_id;
    }
    if (!cid && !leadId) {
      try {
        cid = localStorage.getItem(this.#storageKey()) ?? undefined;
      } catch { /* storage may be blocked */ }
    }
    if (load !== this.#loads || this.#lead?.id !== leadId) return;  // the lead changed meanwhile; that load wins
    this.#cid = cid;
    this.#conversation.clear();
    if (!cid) return this.#conversation.renderEmpty();
    const all = await this.client.messages(cid);
    if (load !== this.#loads || this.#cid !== cid) return;
    const streaming = this.#conversation.showHistory(all, this.tokens.claims?.sub);
    if (streaming) {
      // Reloaded mid-answer: follow it from what is stored ("<message id>:<bytes>").
      const m = all[all.length - 1];
      const from = `${m.id}:${new TextEncoder().encode(m.content).length}`;
      void this.#conversation.resume(streaming, (onEvent) => this.client.resume(from, onEvent));
    }
  }

  #profileForCore(): Profile {
    if (this.#profile) return this.#profile;
    const c = this.tokens.claims;
    return { id: isId(c?.sub) ? c.sub : 'agent', location_id: isId(c?.location_id) ? c.location_id : 'location',
             name: 'Agent', role: 'buyer_agent' };
  }

  #currentStage(): string | undefined {
    return this.#stage ?? cleanStage(this.#lead?.stage);
  }

  #showCards(cards: Card[], source: Source, score?: number): void {
    this.#guidance.set(cards, source, score);
    this.emit('guidance', this.snapshot(source));
  }

  snapshot(source: Source): Guidance {
    return {
      source,
      cards: this.#guidance.list(),
      checklist_score: this.#guidance.score,
      route: this.#preview.lastRoute,
      answer: this.#lastAnswer,
      conversation_id: this.#cid,
      lead_id: this.#lead?.id,
    };
  }

  // ---- [3] asking --------------------------------------------------------------------------------

  /** Sends a question; resolves with the finished answer (or null if nothing was sent). */
  async ask(query: string): Promise<Guidance['answer'] | null> {
    const q = String(query ?? '').trim();
    if (!q || this.#busy) return null;
    if (q.length > 8000) {
      this.#fail(new ApiError('coach.invalid_query', 'questions are at most 8000 characters'));
      return null;
    }
    this.#setBusy(true);
    const preview = this.#preview.take();
    try {
      await this.boot();  // the history goes above this question, not over it
    } catch (e) {
      this.#setBusy(false);
      this.#fail(e);
      return null;
    }
    const a = new StreamingAnswer(this.#conversation, q, () => {
      performance.mark?.('porchlight:first-token');
      this.emit('token', { ms: performance.now() - sentAt });
    });
    const sentAt = performance.now();
    const serverCards: Card[] = [];
    const abort = (this.#abort = new AbortController());
    try {
      await this.client.coach(this.#coachRequest(q, preview), (e) => {
        if (abort.signal.aborted) return;  // the lead changed (or the widget went): not ours to show
        switch (e.event) {
          case 'meta':
            this.#setConversation(e.data.conversation_id);
            a.stored(e.data);
            break;
          case 'route': {
            const matches = this.#preview.confirm(e.data, preview);
            if (e.data.location_policy_version && e.data.location_policy_version !== this.#preview.policy.version) void this.followPolicy();
            a.specialist(e.data.specialist);
            this.emit('route', { source: 'server', route: e.data, preview, matches });
            break;
          }
          case 'step':
            a.step(e.data);
            break;
          case 'notice':
            a.notice(e.data.message ?? 'Answering from the playbooks.');
            break;
          case 'delta':
            a.append(e.data.text ?? '');
            break;
          case 'card':
            serverCards.push(e.data);
            break;
          case 'usage':
            a.usage(e.data);
            break;
          case 'error':
            a.error(e.data.message ?? 'Something went wrong.');
            break;
          case 'done':
            a.done(e.data);
            break;
        }
      }, abort.signal);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', String((e as Error)?.message ?? e));
      a.error(err.message);
      this.#fail(err, false);
    } finally {
      a.settle();
      this.#setBusy(false);
    }
    if (abort.signal.aborted) return null;  // cancelled: its lead's log is gone, and so are its cards
    a.finish();
    const { text, messageId, eventId } = a.view;
    if (!text) return null;
    this.#lastAnswer = { text, message_id: messageId ?? '', event_id: eventId ?? '', status: a.status };
    if (serverCards.length) this.#showCards(serverCards, 'server');
    else this.emit('guidance', this.snapshot('server'));
    this.emit('answer', { ...this.#lastAnswer, conversation_id: this.#cid, route: this.#preview.lastRoute });
    return this.#lastAnswer;
  }

  #coachRequest(query: string, preview: RouteInfo | null): Record<string, unknown> {
    const stage = this.#currentStage();
    const body: Record<string, unknown> = { query, surface: this.#opts.surface };
    if (this.#lead) body.lead = this.#lead;
    if (stage) body.stage = stage;
    if (this.#cid) body.conversation_id = this.#cid;
    if (preview) body.client_route = { specialist: preview.specialist, tier: preview.tier, policy_version: preview.policy_version };
    const variant = preview && this.#preview.variants(preview.guidance_type);
    if (variant?.experiment_id) body.client_variant = variant;
    if (this.#photos.count) body.images = this.#photos.take();
    return body;
  }

  // The agent accepted a fact the conversation stated: it joins the lead here (the checklist and
  // the next question follow at once) and the host page hears of it to store in the CRM.
  #acceptFact(f: ProposedFact): void {
    this.#guidance.settleFact(f.fact);
    const lead = this.#lead ?? { id: 'unknown' };
    this.setLead({ ...lead, facts: { ...(lead.facts ?? {}), [f.fact]: f.value } });
    this.emit('fact-accepted', { lead_id: this.#lead?.id, fact: f.fact, value: f.value, evidence: f.evidence });
  }

  // The proxy names the conversation; a page with no lead keeps it for the next visit.
  #setConversation(cid: string | undefined): void {
    if (!cid || cid === this.#cid) return;
    this.#cid = cid;
    if (!this.#lead?.id) try { localStorage.setItem(this.#storageKey(), cid); } catch { /* blocked */ }
  }

  #setBusy(busy: boolean): void {
    this.#busy = busy;
    this.#sendBtn.disabled = busy || this.#disabled;
  }

  // ---- [4] host API ------------------------------------------------------------------------------

  /** Fetches the location's policy (its experiments) and says which variants this agent gets. */
  async followPolicy(): Promise<void> {
    try {
      const policy = await this.client.json('GET', '/v1/policy?files=0');
      // The preview only: when the proxy's policy cannot be had here, it routes with the built-in one.
      await this.#preview.adopt(policy.core_version, async (since) => {
        const early = await this.#policyFiles;  // fetched while the core loaded, when it is this version's
        if (early?.core_version === policy.core_version && since === 'invalid') return early.files;
        return (await this.client.json('GET', `/v1/policy?since=${encodeURIComponent(since)}`)).files;
      })
        .catch((e) => this.#fail(e, false));
      this.#preview.policy = policy;
      this.emit('policy', { version: this.#preview.policy.version, variants: this.#preview.variants() });
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Opens the live socket once: calls while it is open or opening share it. */
  startLive(): Promise<void> {
    return this.#live.start();
  }

  stopLive(): void {
    this.#live.stop();
  }

  /** The live socket is open and accepted (a listener added late may have missed the `live` event). */
  isLive(): boolean {
    return this.#live.ready;
  }

  /** A conversation event from the host page (the lead wrote, the agent replied, the stage or facts changed). */
  pushEvent(event: { kind: string; text?: string }): void {
    this.#live.send(JSON.stringify({ type: 'event', lead: this.#lead ?? { id: 'unknown' }, stage: this.#currentStage(),
                                    event: { kind: event.kind, ...(event.text ? { text: String(event.text) } : {}) } }));
  }

  #fail(e: unknown, announce = true): void {
    const err = e instanceof ApiError ? e : new ApiError('internal', String((e as Error)?.message ?? e));
    if (announce) this.#showAlert(err.message);
    this.emit('error', { code: err.code, message: err.message, status: err.status });
    if (announce) console.warn(`Porchlight: ${err.code}: ${err.message}`);
  }

  /** A problem the agent should see (and a screen reader announces), until dismissed or resolved. */
  #showAlert(text: string): void {
    const dismiss = h('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
    dismiss.addEventListener('click', () => {
      this.#clearAlert();
      this.#input.focus();
    });
    this.#alert.replaceChildren(h('span', {}, text), dismiss);
    this.#alert.hidden = false;
  }

  #clearAlert(): void {
    this.#alert.hidden = true;
    this.#alert.replaceChildren();
  }

  isOpen(): boolean {
    return this.#opened;
  }

  open(focus = true): void {
    if (this.#opened) return;
    this.#opened = true;
    this.#panel.hidden = false;
    this.#wrap.classList.add('open');
    this.#launcher.setAttribute('aria-expanded', 'true');
    void this.boot().catch(() => {});
    if (focus) requestAnimationFrame(() => this.#input.focus());
    this.emit('open', {});
  }

  close(): void {
    if (!this.#opened || this.#opts.mode !== 'floating') return;
    const hadFocus = this.root.activeElement !== null;
    this.#opened = false;
    this.#panel.hidden = true;
    this.#wrap.classList.remove('open');
    this.#launcher.setAttribute('aria-expanded', 'false');
    if (hadFocus) this.#launcher.focus();
    this.emit('close', {});
  }

  toggle(): void {
    if (this.#opened) this.close();
    else this.open();
  }

  focus(): void {
    this.#input.focus();
  }

  setToken(token: string): void {
    this.tokens.set(token);
  }

  setDisabled(disabled: boolean): void {
    this.#disabled = !!disabled;
    this.#input.disabled = this.#disabled;
    this.#sendBtn.disabled = this.#disabled || this.#busy;
    this.#conversation.setDisabled(this.#disabled);
  }

  setLead(lead: Lead | null | undefined): void {
    const next = cleanLead(lead ?? undefined);
    const changed = next?.id !== this.#lead?.id;
    this.#lead = next;
    if (next?.stage) this.#stage = cleanStage(next.stage) ?? this.#stage;
    if (changed) {
      // Another lead is another conversation; an answer still streaming belongs to the old one.
      this.#abort?.abort();
      this.#cid = undefined;
      this.#preview.lastRoute = undefined;
      this.#lastAnswer = undefined;
      this.#guidance.clear();
      this.#conversation.clear();
      this.#conversation.renderEmpty();
      if (this.#booting) {
        this.#booting = undefined;
        void this.boot().catch(() => {});
      }
    }
    this.#renderSub();
    this.#preview.refreshCards();
    this.#preview.refresh();
    if (this.#live.ready && !changed) this.pushEvent({ kind: 'facts' });
  }

  setStage(stage: string): void {
    const s = cleanStage(stage);
    if (!s) return this.#fail(new ApiError('lead.invalid_stage', `unknown stage '${stage}'; expected one of ${STAGES.join(', ')}`));
    const changed = s !== this.#stage;
    this.#stage = s;
    if (this.#lead) this.#lead = { ...this.#lead, stage: s };
    this.#renderSub();
    this.#preview.refreshCards();
    this.#preview.refresh();
    if (changed && this.#live.ready) this.pushEvent({ kind: 'stage_change' });
  }

  getLead(): Lead | undefined {
    return this.#lead ? JSON.parse(JSON.stringify(this.#lead)) : undefined;
  }

  get conversationId(): string | undefined {
    return this.#cid;
  }

  #renderSub(): void {
    const bits = [this.#lead?.name || this.#lead?.id, this.#currentStage() ? label(this.#currentStage()!) : '',
                  this.#profile ? `for ${this.#profile.name}` : ''].filter(Boolean);
    this.#sub.textContent = bits.join(' · ') || 'Coaching for this page';
  }

  destroy(): void {
    this.stopLive();
    this.#abort?.abort();
    this.tokens.stop();
    this.host.remove();
  }
}
