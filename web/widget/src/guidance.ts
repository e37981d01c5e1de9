// guidance.ts: the guidance panel: one card of each type, from the WASM core as the lead changes,
// from an answer (the proxy's) or from live mode, with a toggle that folds them away.

import { renderCard } from './cards';
import { h } from './dom';
import type { CARD_TYPES } from './generated/enums';
import type { Card, Source } from './types';

// What to do now first, then what is due, then what is still unknown.
const ORDER: readonly string[] = ['next_best_action', 'deadlines', 'qualification_checklist'] satisfies Array<(typeof CARD_TYPES)[number]>;

export class GuidancePanel {
  readonly element: HTMLElement;
  /** The qualification checklist's score, kept while a source sends no checklist. */
  score = 0;
  #toggle: HTMLButtonElement;
  #box: HTMLDivElement;
  #cards = new Map<string, { card: Card; source: Source }>();
  #doneBefore: Set<string> | null = null;  // checklist items known at the last render (for the tick animation)

  constructor(id: (s: string) => string) {
    this.#toggle = h('button', { class: 'guidance-toggle', type: 'button', 'aria-expanded': 'true', 'aria-controls': id('cards') }, 'Guidance');
    this.#box = h('div', { class: 'cards', id: id('cards') });
    this.element = h('section', { class: 'guidance', 'aria-labelledby': id('gh') },
                     h('div', { class: 'guidance-head', id: id('gh') }, this.#toggle), this.#box);
    this.#toggle.addEventListener('click', () => {
      const open = this.#toggle.getAttribute('aria-expanded') !== 'true';
      this.#toggle.setAttribute('aria-expanded', String(open));
      this.#box.hidden = !open;
    });
  }

  set(cards: Card[], source: Source, score?: number): void {
    for (const card of cards) {
      const had = this.#cards.get(card.type);
      // An answer's or a live card's next step outranks the checklist's generic one until the lead changes.
      if (source === 'preview' && card.type === 'next_best_action' && had && had.source !== 'preview') continue;
      this.#cards.set(card.type, { card, source });
    }
    if (source === 'preview') {
      for (const [type, v] of this.#cards) if (v.source === 'preview' && !cards.some((c) => c.type === type)) this.#cards.delete(type);
    }
    const checklist = this.#cards.get('qualification_checklist')?.card;
    this.score = score ?? checklist?.score ?? this.score;
    this.#render();
  }

  /** Forgets the cards (another lead); they stay on screen until the next set(). */
  clear(): void {
    this.#cards.clear();
    this.#doneBefore = null;
  }

  list(): Card[] {
    return [...this.#cards.values()].map((v) => v.card);
  }

  #render(): void {
    const list = [...this.#cards.values()].sort((a, b) => ORDER.indexOf(a.card.type) - ORDER.indexOf(b.card.type));
    const checklist = this.#cards.get('qualification_checklist')?.card;
    const nowDone = new Set(((checklist?.items ?? []) as Array<{ id: string; done: boolean }>).filter((i) => i.done).map((i) => i.id));
    this.#box.replaceChildren(...list.map(({ card, source }) => renderCard(document, card, source, this.#doneBefore)));
    if (checklist) this.#doneBefore = nowDone;
    this.#toggle.textContent = `Guidance (${list.length})`;
  }
}
