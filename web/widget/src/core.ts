// core.ts: loads the Porchlight core (WebAssembly) on first need, once per page.
// The core comes from the same proxy that answers, so the browser's instant preview and the
// proxy's decision use the same policy (the route event says which version decided).

// The widget's module (porchlight-web-core.mjs) has these, and no embedded policy: loadPolicy
// first, with the proxy's files (preview.ts adopt).
export interface Core {
  version(): string;
  loadPolicy(request: unknown): string;
  route(request: unknown): string;
  guidanceCards(request: unknown): string;
  assignVariant(request: unknown): string;
}

const loading = new Map<string, Promise<Core>>();

export function loadCore(url: string): Promise<Core> {
  let p = loading.get(url);
  if (!p) {
    p = import(/* webpackIgnore: true */ url).then((m) => m.default() as Promise<Core>);
    p.catch(() => loading.delete(url));  // a later call may try again
    loading.set(url, p);
  }
  return p;
}

/** Calls a core function and parses its JSON answer; null for an error answer. */
export function callCore<T>(core: Core, fn: keyof Core, request: unknown): T | null {
  try {
    const out = JSON.parse((core[fn] as (r: unknown) => string)(request));
    return out && typeof out === 'object' && !('error' in out) ? out : null;
  } catch {
    return null;
  }
}

export function today(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
