// api.ts: the proxy's browser API: publishable key + agent token on every call, JSON errors as
// ApiError, the coaching stream (POST /v1/coach, read with fetch, as typed events) with resume
// after a dropped connection or a reload (GET /v1/coach/resume with Last-Event-ID), and the
// live-mode WebSocket. Every request goes through send(): one place for the headers.

import { coachEvent, type CoachEvent } from './coach-stream';
import { readSse } from './sse';
import type { TokenSource } from './token';
import type { ApiErrorBody, StoredMessage } from './types';

export class ApiError extends Error {
  constructor(public code: string, message: string, public status = 0,
              public errors: Array<{ code: string; message: string; path: string }> = [], public retryAfter = 0) {
    super(message);
  }
}

const RESUME_DELAYS = [200, 800, 2000];

export class Client {
  constructor(public base: string, public key: string, public tokens: TokenSource) {}

  async #headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    return { 'x-api-key': this.key, 'x-porchlight-agent-token': await this.tokens.get(), ...extra };
  }

  async #fail(r: Response): Promise<never> {
    let body: ApiErrorBody | null = null;
    try {
      body = await r.json();
    } catch { /* not JSON */ }
    const e = body?.error;
    throw new ApiError(e?.code ?? `http.${r.status}`, e?.message ?? `the proxy answered HTTP ${r.status}`, r.status,
                       e?.errors ?? [], Number(r.headers.get('retry-after')) || 0);
  }

  async #send(method: string, path: string, body?: unknown, extra: Record<string, string> = {},
              signal?: AbortSignal): Promise<Response> {
    const headers = await this.#headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra });
    let r: Response;
    try {
      r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                           credentials: 'omit', mode: 'cors', cache: 'no-store', signal });
    } catch (err) {
      if (signal?.aborted) throw new ApiError('aborted', 'the question was cancelled');
      throw new ApiError('network', `cannot reach Porchlight at ${this.base} (${(err as Error).message}); check the network, ` +
                                    'the publishable key\'s allowed origins and the page\'s Content-Security-Policy (connect-src)');
    }
    if (!r.ok) await this.#fail(r);
    return r;
  }

  async json<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.#send(method, path, body);
    return r.json();
  }

  /** A conversation's stored messages, oldest first (up to 1000; none for a conversation not stored yet). */
  async messages(conversationId: string): Promise<StoredMessage[]> {
    let after = 0;
    const all: StoredMessage[] = [];
    try {
      for (let page = 0; page < 5; page++) {
        const r = await this.json<{ data: StoredMessage[] }>('GET', `/v1/conversations/${conversationId}/messages?after=${after}&limit=200`);
        all.push(...r.data);
        if (r.data.length < 200) break;
        after = r.data[r.data.length - 1].seq;
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'not_found')) throw e;  // a new conversation has no messages yet
    }
    return all;
  }

  /** POST /v1/coach; reconnects with Last-Event-ID if the stream drops before `done`. */
  coach(body: unknown, onEvent: (e: CoachEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.#follow(() => this.#send('POST', '/v1/coach', body, {}, signal), undefined, onEvent, signal);
  }

  /** An answer from `lastEventId` ("<message id>:<bytes the client has>") to its end, as coach() follows one. */
  resume(lastEventId: string, onEvent: (e: CoachEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.#follow(() => this.#resumeFrom(lastEventId, signal), lastEventId, onEvent, signal);
  }

  #resumeFrom(lastEventId: string, signal?: AbortSignal): Promise<Response> {
    return this.#send('GET', '/v1/coach/resume', undefined, { 'last-event-id': lastEventId }, signal);
  }

  // Reads the stream `first` answers, then resumes from the last event id until `done`.
  async #follow(first: () => Promise<Response>, last: string | undefined, onEvent: (e: CoachEvent) => void,
                signal?: AbortSignal): Promise<void> {
    let done = false;
    const pump = async (r: Response) => {
      for await (const sse of readSse(r.body!)) {
        if (sse.id) last = sse.id;
        const e = coachEvent(sse);
        if (!e) continue;  // an event this widget does not know
        if (e.event === 'done') done = true;
        onEvent(e);
      }
    };
    try {
      await pump(await first());
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError || !last) throw err;  // refused, or dropped before anything arrived
    }
    for (let attempt = 0; !done && last && attempt < RESUME_DELAYS.length; attempt++) {
      if (signal?.aborted) return;
      await new Promise((r) => setTimeout(r, RESUME_DELAYS[attempt]));
      try {
        await pump(await this.#resumeFrom(last, signal));
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof ApiError && err.code !== 'network') throw err;
      }
    }
    if (!done) throw new ApiError('stream.interrupted', 'the answer was interrupted; what arrived is shown');
  }

  /** Opens the live-mode socket and authenticates (browsers cannot set headers on WebSockets). */
  async live(): Promise<WebSocket> {
    const url = this.base.replace(/^http/, 'ws') + '/v1/live';
    const token = await this.tokens.get();
    const ws = new WebSocket(url);
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', key: this.key, agent_token: token })));
    return ws;
  }
}
