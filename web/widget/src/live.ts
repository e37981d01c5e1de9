// live.ts: live mode. A WebSocket to /v1/live turns what happens in the CRM (the lead wrote, the
// stage or the facts changed) into guidance cards as it happens. It opens on demand, reconnects
// with backoff while wanted, and holds frames sent before the proxy said `ready`.

import { ApiError, type Client } from './api';
import { h } from './dom';
import type { Reporter } from './events';
import type { Card } from './types';

export interface LiveHooks extends Reporter {
  /** Resolves once the widget has its token and conversation. */
  boot(): Promise<void>;
  /** A batch of cards (one `cards_done`); `push` when the CRM's events made it (a lead texted). */
  cards(cards: Card[], push?: LivePush): void;
}

/** What a pushed batch says about its cause: which lead wrote what, on which channel. */
export interface LivePush {
  push: string;
  lead_id?: string;
  lead_name?: string;
  source?: string;
  lead_message?: { channel: string; text: string; may_text: boolean };
  proposed_facts?: Array<{ fact: string; value: string; evidence?: string }>;
}

export class LiveMode {
  /** The header's toggle. */
  readonly button: HTMLButtonElement;
  /** The proxy accepted the socket: frames go out at once. */
  ready = false;
  #ws: WebSocket | null = null;
  #wanted = false;
  #queue: string[] = [];
  #opening?: Promise<void>;
  #batch: Card[] = [];
  /** Pushes already shown: one may arrive twice (another tab, a reconnect). */
  #seen = new Set<string>();
  #retry = 0;
  #timer?: ReturnType<typeof setTimeout>;
  readonly #client: Client;
  readonly #hooks: LiveHooks;

  constructor(client: Client, hooks: LiveHooks) {
    this.#client = client;
    this.#hooks = hooks;
    this.button = h('button', { class: 'live', type: 'button', 'aria-pressed': 'false', title: 'Live mode: guidance as the lead\'s messages arrive' },
                    h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Live');
    this.button.addEventListener('click', () => (this.#wanted ? this.stop() : this.start()));
  }

  /** Opens the socket once: calls while it is open or opening share it. */
  start(): Promise<void> {
    this.#wanted = true;
    this.button.setAttribute('aria-pressed', 'true');
    if (this.#ws) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => { this.#opening = undefined; });
    return this.#opening;
  }

  stop(): void {
    this.#wanted = false;
    clearTimeout(this.#timer);
    this.button.setAttribute('aria-pressed', 'false');
    this.#ws?.close(1000);
    this.#ws = null;
    this.ready = false;
  }

  /** Sends a frame now, or once the socket is ready (opening it if need be). */
  send(frame: string): void {
    if (this.ready && this.#ws) this.#ws.send(frame);
    else {
      this.#queue.push(frame);
      void this.start();
    }
  }

  async #open(): Promise<void> {
    try {
      await this.#hooks.boot();
      if (!this.#wanted || this.#ws) return;
      const ws = await this.#client.live();
      if (!this.#wanted) {  // stopped while connecting
        ws.close(1000);
        return;
      }
      this.#ws = ws;
      ws.addEventListener('message', (m) => { if (this.#ws === ws) this.#receive(m.data); });
      ws.addEventListener('close', () => {
        if (this.#ws !== ws) return;  // an older socket: the current one is not affected
        this.#ws = null;
        this.ready = false;
        this.#hooks.emit('live', { connected: false });
        if (this.#wanted) {
          clearTimeout(this.#timer);
          this.#timer = setTimeout(() => this.start(), Math.min(10_000, 500 * 2 ** this.#retry++));
        }
      });
    } catch (e) {
      this.#hooks.fail(e);
    }
  }

  #receive(raw: string): void {
    let m: any;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (m.type === 'ready') {
      this.ready = true;
      this.#retry = 0;
      for (const f of this.#queue.splice(0)) this.#ws?.send(f);
      this.#hooks.emit('live', { connected: true, policy_version: m.policy_version });
    } else if (m.type === 'card') {
      this.#batch.push(m.card);
    } else if (m.type === 'cards_done') {
      const cards = this.#batch.splice(0);
      if (m.push) {
        // Acknowledged once received (again if it comes again): the proxy keeps a pushed batch
        // for the agent's next connection until its client has it.
        this.#ws?.send(JSON.stringify({ type: 'ack', push: m.push }));
        if (this.#seen.has(m.push)) return;
        this.#seen.add(m.push);
        this.#hooks.cards(cards, m as LivePush);
      } else if (cards.length) {
        this.#hooks.cards(cards);
      }
    } else if (m.type === 'error') {
      this.#hooks.fail(new ApiError(m.code ?? 'live.error', m.message ?? 'live mode failed'));
      if (String(m.code).startsWith('auth.')) this.stop();
    }
  }
}
