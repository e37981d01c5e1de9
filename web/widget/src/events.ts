// events.ts: the widget's events for the host page (docs/embedding.md lists them): handlers
// registered with on() (window.Porchlight.on), and a `porchlight:<name>` DOM event on the
// widget's element for pages that prefer addEventListener.

type Handler = (detail: any) => void;

/** What every part of the widget reports through: an event, or a failure (shown in the panel unless `announce` is false). */
export interface Reporter {
  emit(name: string, detail: unknown): void;
  fail(e: unknown, announce?: boolean): void;
}

export class Emitter {
  #handlers = new Map<string, Set<Handler>>();

  constructor(readonly host: HTMLElement) {}

  on(name: string, fn: Handler): () => void {
    if (!this.#handlers.has(name)) this.#handlers.set(name, new Set());
    this.#handlers.get(name)!.add(fn);
    return () => this.off(name, fn);
  }

  off(name: string, fn: Handler): void {
    this.#handlers.get(name)?.delete(fn);
  }

  emit(name: string, detail: unknown): void {
    for (const fn of this.#handlers.get(name) ?? []) {
      try {
        fn(detail);
      } catch (e) {
        console.error('Porchlight: a handler for', name, 'threw', e);
      }
    }
    // On the element only (window's `porchlight:ready` is the script tag's: it carries the API).
    this.host.dispatchEvent(new CustomEvent(`porchlight:${name}`, { detail }));
  }
}
