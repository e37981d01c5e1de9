// preview.ts: the instant preview. The WASM core, loaded on first need, routes the question as the
// agent types (the badge above the text box) and computes the lead's guidance cards (checklist,
// deadlines, next step) in the page. The proxy's route event then confirms or corrects the
// badge: the preview is never trusted, it only makes the first answer to a keystroke instant.

import { ApiError } from './api';
import { label } from './cards';
import { callCore, loadCore, today, type Core } from './core';
import { h } from './dom';
import type { Reporter } from './events';
import type { Card, Lead, Profile, RouteInfo } from './types';

type BadgeState = 'idle' | 'loading' | 'preview' | 'confirmed' | 'corrected';

export interface PreviewHooks extends Reporter {
  coreUrl: string;
  /** The question in the text box. */
  query(): string;
  /** Whom and what the core decides for: the agent (a stand-in until the profile loads), the lead, its stage. */
  subject(): { profile: Profile; lead?: Lead; stage?: string };
  cards(cards: Card[], score: number): void;
}

export class InstantPreview {
  readonly badge: HTMLDivElement;
  /** The proxy's last decision (the badge shows it again when the text box empties). */
  lastRoute: RouteInfo | undefined;
  #core: Core | null = null;
  #route: RouteInfo | null = null;  // for the question as typed now
  #policyMismatch = false;
  #hasPolicy = false;
  #adopting?: { version: string; promise: Promise<void> };
  /** The location's policy as /v1/policy publishes it: its version and experiments. */
  policy: { version: string; experiments: Array<{ id: string }> } = { version: '', experiments: [] };
  readonly #hooks: PreviewHooks;

  constructor(id: string, hooks: PreviewHooks) {
    this.#hooks = hooks;
    this.badge = h('div', { class: 'badge', id, 'data-state': 'idle' });
    this.#render();
  }

  /** Starts loading the WASM core (idempotent). */
  warm(): void {
    loadCore(this.#hooks.coreUrl).then((c) => {
      if (this.#core) return;
      this.#core = c;
      this.refresh();
      this.refreshCards();
    }).catch((e) => this.#hooks.fail(new ApiError('core.unavailable', `the instant preview is unavailable: ${e?.message ?? e}`)));
  }

  /** Resolves once the core is loaded. */
  async loaded(): Promise<void> {
    this.#core ??= await loadCore(this.#hooks.coreUrl);
  }

  /**
   * Decides with the proxy's core policy. The widget's core embeds none (its first load is code
   * alone): the proxy's files (core/data, or a deployment's --policy-dir, with router v2's
   * weights) come once per version, after first paint, and are kept in localStorage under it.
   * A core that has a policy already (one given as coreUrl) takes only the files that differ.
   */
  adopt(version: string, fetchFiles: (since: string) => Promise<Record<string, string>>): Promise<void> {
    // One fetch per version: a second call while the first is under way (the boot's and a route
    // event's) waits for it.
    if (this.#adopting?.version !== version) {
      const promise = this.#adopt(version, fetchFiles);
      this.#adopting = { version, promise };
      promise.catch(() => { if (this.#adopting?.promise === promise) this.#adopting = undefined; });
    }
    return this.#adopting!.promise;
  }

  async #adopt(version: string, fetchFiles: (since: string) => Promise<Record<string, string>>): Promise<void> {
    await this.loaded();
    const core = this.#core!;
    const { policy: current, router } = JSON.parse(core.version());
    if (!version || (current === version && router !== 'v2_awaiting_weights')) return;
    const key = `porchlight:policy:${version}`;
    let files: Record<string, string> | null = null;
    try { files = JSON.parse(localStorage.getItem(key) ?? 'null'); } catch { /* blocked or corrupt: fetch */ }
    let loaded = files ? callCore<{ policy: string }>(core, 'loadPolicy', { files }) : null;
    if (loaded?.policy !== version) {  // none kept, or kept for another core: from the proxy
      files = await fetchFiles(current);
      loaded = callCore<{ policy: string }>(core, 'loadPolicy', { files });
    }
    if (loaded?.policy !== version) throw new ApiError('core.policy_unavailable', `the proxy's policy ${version} could not be loaded here`);
    try {  // one version kept: the one in use
      for (const k of Object.keys(localStorage)) if (k.startsWith('porchlight:policy:')) localStorage.removeItem(k);
      localStorage.setItem(key, JSON.stringify(files));
    } catch { /* blocked or over quota: fetched again next time */ }
    this.refresh();
    this.refreshCards();
  }

  /** Whether the core has a policy to decide with (the widget's gets the proxy's after first paint). */
  #decides(): boolean {
    this.#hasPolicy ||= !!this.#core && JSON.parse(this.#core.version()).policy !== 'invalid';
    return this.#hasPolicy;
  }

  /** Routes the question as typed now. */
  refresh(): void {
    const q = this.#hooks.query().trim();
    if (!q) {
      this.#route = null;
      return this.#render(this.lastRoute, this.lastRoute ? this.badge.dataset.state as BadgeState : undefined);
    }
    if (!this.#core) {
      this.warm();
      return this.#render(undefined, 'loading');
    }
    if (!this.#decides()) return this.#render(undefined, 'loading');
    const { profile, lead, stage } = this.#hooks.subject();
    const r = callCore<RouteInfo>(this.#core, 'route', { query: q.slice(0, 8000), profile, stage, lead });
    this.#route = r;
    this.#render(r ?? undefined, r ? 'preview' : 'idle');
    if (r) {
      performance.mark?.('porchlight:badge');
      this.#hooks.emit('route', { source: 'preview', route: r });
    }
  }

  /** Guidance cards for the lead as it is now, and for the question as typed. */
  refreshCards(): void {
    if (!this.#core || !this.#decides()) return;
    const { profile, lead, stage } = this.#hooks.subject();
    const query = this.#hooks.query().trim().slice(0, 8000);
    const out = callCore<{ cards: Card[]; checklist_score: number }>(this.#core, 'guidanceCards',
      { profile, lead, stage, today: today(), ...(query ? { query } : {}) });
    if (out) this.#hooks.cards(out.cards, out.checklist_score);
  }

  /** The preview of the question being sent (the request carries it, for the proxy's metrics). */
  take(): RouteInfo | null {
    const r = this.#route;
    this.#route = null;
    return r;
  }

  /**
   * The agent's variant of each published experiment (the core's assignVariant, as the proxy
   * picks it); with a guidance type, the first experiment that applies to it and the agent's role.
   */
  variants(guidanceType?: string): Record<string, string> & { experiment_id?: string } {
    const out: Record<string, string> = {};
    const { profile } = this.#hooks.subject();
    for (const experiment of this.#core ? this.policy.experiments : []) {
      const r = callCore<{ applies: boolean; variant: string }>(this.#core!, 'assignVariant',
        { experiment, agent_id: profile.id, ...(guidanceType ? { role: profile.role, guidance_type: guidanceType } : {}) });
      if (!r || !r.applies) continue;
      if (guidanceType) return { experiment_id: experiment.id, variant: r.variant, policy_version: this.policy.version };
      out[experiment.id] = r.variant;
    }
    return out;
  }

  /** The proxy's decision for a question sent with `preview`; true when they agree. */
  confirm(r: RouteInfo, preview: RouteInfo | null): boolean {
    this.lastRoute = r;
    const version = this.#core ? JSON.parse(this.#core.version()).policy : undefined;
    this.#policyMismatch = !!version && version !== r.policy_version;
    const same = !preview || (preview.specialist === r.specialist && preview.tier === r.tier);
    this.#render(r, preview ? (same ? 'confirmed' : 'corrected') : 'confirmed');
    return same;
  }

  #render(r?: RouteInfo, state: BadgeState = 'idle'): void {
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
      ...(this.#policyMismatch ? [h('span', { class: 'chip', title: 'the browser\'s core and the proxy use different policy versions' }, 'policy differs')] : []),
    );
    b.title = (r.reasons ?? []).join('\n');
  }
}
