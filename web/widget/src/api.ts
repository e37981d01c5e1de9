// api.ts: the proxy's browser API: publishable key + agent token on every call, JSON errors as
// ApiError, the coaching stream (POST /v1/coach, read with fetch) with resume after a dropped
// connection (GET /v1/coach/resume with Last-Event-ID), and the live-mode WebSocket.

import { readSse, type SseEvent } from './sse';
import type { TokenSource } from './token';
import type { ApiErrorBody } from './types';

export class ApiError extends Error {
  constructor(public code: string, message: string, public status = 0,
              public errors: Array<{ code: string; message: string; path: string }> = [], public retryAfter = 0) {
    super(message);
  }
}

export interface CoachHandlers {
  onEvent(e: SseEvent, data: any): void;
}

const RESUME_DELAYS = [200, 800, 2000];

export class Client {
  constructor(public base: string, public key: string, public tokens: TokenSource) {}

  private async headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    return { 'x-api-key': this.key, 'x-porchlight-agent-token': await this.tokens.get(), ...extra };
  }

  private async fail(r: Response): Promise<never> {
    let body: ApiErrorBody | null = null;
    try {
      body = await r.json();
    } catch { /* not JSON */ }
    const e = body?.error;
    throw new ApiError(e?.code ?? `http.${r.status}`, e?.message ?? `the proxy answered HTTP ${r.status}`, r.status,
                       e?.errors ?? [], Number(r.headers.get('retry-after')) || 0);
  }

  private async send(method: string, path: string, body?: unknown, extra: Record<string, string> = {},
                     signal?: AbortSignal): Promise<Response> {
    const headers = await this.headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra });
    let r: Response;
    try {
      r = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                           credentials: 'omit', mode: 'cors', cache: 'no-store', signal });
    } catch (err) {
      if (signal?.aborted) throw new ApiError('aborted', 'the question was cancelled');
      throw new ApiError('network', `cannot reach Porchlight at ${this.base} (${(err as Error).message}); check the network, ` +
                                    'the publishable key\'s allowed origins and the page\'s Content-Security-Policy (connect-src)');
    }
    if (!r.ok) await this.fail(r);
    return r;
  }

  async json<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.send(method, path, body);
    return r.json();
  }

  /** POST /v1/coach; reconnects with Last-Event-ID if the stream drops before `done`. */
  async coach(body: unknown, h: CoachHandlers, signal?: AbortSignal): Promise<void> {
    let last: string | undefined;
    let done = false;
    const pump = async (r: Response) => {
      for await (const e of readSse(r.body!)) {
        if (e.id) last = e.id;
        let data: any = e.data;
        try {
          data = JSON.parse(e.data);
        } catch { /* keep text */ }
        if (e.event === 'done') done = true;
        h.onEvent(e, data);
      }
    };
    try {
      await pump(await this.send('POST', '/v1/coach', body, {}, signal));
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof ApiError || !last) throw err;  // refused, or dropped before anything arrived
    }
    for (let attempt = 0; !done && last && attempt < RESUME_DELAYS.length; attempt++) {
      if (signal?.aborted) return;
      await new Promise((r) => setTimeout(r, RESUME_DELAYS[attempt]));
      try {
        await pump(await this.send('GET', '/v1/coach/resume', undefined, { 'last-event-id': last }, signal));
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
