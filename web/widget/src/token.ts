// token.ts: the agent token the CRM's backend signs (JWT, HS256, with the location's secret).
//
// It arrives in the script tag (data-agent-token), from a token endpoint the host provides
// (data-token-url, fetched with the page's cookies), or from a fetcher (sign-in from inside
// GoHighLevel: ghl.ts). Fetched tokens are refreshed before they expire. The widget reads the token's claims (agent, location, lead,
// expiry) for display and scheduling only; the proxy is what verifies the signature.

export interface Claims {
  sub: string;
  location_id: string;
  exp?: number;
  iat?: number;
  lead_id?: string;
}

export function decodeClaims(token: string): Claims | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims.sub === 'string' ? claims : null;
  } catch {
    return null;
  }
}

// A token from the host's endpoint: the token as text, or JSON {token} / {agent_token}.
async function fromEndpoint(url: string): Promise<string> {
  const r = await fetch(url, { credentials: 'include', headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!r.ok) throw new Error(`the token endpoint answered ${r.status}`);
  const text = (await r.text()).trim();
  if (!text.startsWith('{')) return text;
  const j = JSON.parse(text);
  return j.token ?? j.agent_token ?? '';
}

export class TokenSource {
  #token = '';
  #fetch?: () => Promise<string>;
  #pending?: Promise<string>;
  #timer?: ReturnType<typeof setTimeout>;
  #waiters: Array<(t: string) => void> = [];
  onChange?: (token: string) => void;

  constructor(opts: { token?: string; url?: string; fetch?: () => Promise<string> }) {
    this.#fetch = opts.fetch ?? (opts.url ? () => fromEndpoint(opts.url!) : undefined);
    if (opts.token) this.set(opts.token);
  }

  get claims(): Claims | null {
    return this.#token ? decodeClaims(this.#token) : null;
  }

  /** A token valid for at least the next 30 s (fetching or waiting for one if needed). */
  async get(): Promise<string> {
    const c = this.claims;
    const fresh = c && (!c.exp || c.exp * 1000 - Date.now() > 30_000);
    if (this.#token && fresh) return this.#token;
    if (this.#fetch) return this.refresh();
    if (this.#token) return this.#token;  // the host sets a new one with setToken()
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  set(token: string): void {
    const t = String(token || '').trim();
    if (!t || t === this.#token) return;
    this.#token = t;
    for (const w of this.#waiters.splice(0)) w(t);
    this.#schedule();
    this.onChange?.(t);
  }

  refresh(): Promise<string> {
    if (!this.#fetch) return Promise.resolve(this.#token);
    this.#pending ??= (async () => {
      try {
        const token = await this.#fetch!();
        if (!decodeClaims(token)) throw new Error('no agent token came back');
        this.set(token);
        return token;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const c = this.claims;
    if (!this.#fetch || !c?.exp) return;
    const life = c.iat ? (c.exp - c.iat) * 1000 : 600_000;
    // Refresh at 80% of the lifetime, and at least a minute before expiry.
    const at = Math.min(c.exp * 1000 - 60_000, (c.iat ?? c.exp - life / 1000) * 1000 + life * 0.8);
    const delay = Math.max(1_000, at - Date.now());
    this.#timer = setTimeout(() => this.refresh().catch(() => this.#retryLater()), Math.min(delay, 2 ** 31 - 1));
  }

  #retryLater(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.refresh().catch(() => this.#retryLater()), 15_000);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
