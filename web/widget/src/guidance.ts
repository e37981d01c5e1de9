// guidance.ts: the guidance panel: one card of each type, from the WASM core as the lead changes,
// from an answer (the proxy's) or from live mode, with a toggle that folds them away.

import { renderCard, type CardActions } from './cards';
import { h } from './dom';
import type { CARD_TYPES } from './generated/enums';
import type { Card, Source } from './types';

// A rule being broken first, then what to do now, where the lead moved, what was said, what is
// due, coaching, then what is still unknown.
const ORDER: readonly string[] = ['compliance_alert', 'next_best_action', 'stage_change', 'proposed_facts', 'deadlines', 'coaching_tip',
  'qualification_checklist'] satisfies Array<(typeof CARD_TYPES)[number]>;
// Several cards of one type (alerts, tips) are told apart by their id.
const keyOf = (card: Card) => (card.id ? `${card.type}:${card.id}` : card.type);

export class GuidancePanel {
  readonly element: HTMLElement;
  /** The qualification checklist's score, kept while a source sends no checklist. */
  score = 0;
  #toggle: HTMLButtonElement;
  #box: HTMLDivElement;
  #cards = new Map<string, { card: Card; source: Source }>();
  #doneBefore: Set<string> | null = null;  // checklist items known at the last render (for the tick animation)

  #actions?: CardActions;

  constructor(id: (s: string) => string, actions?: CardActions) {
    this.#actions = actions;
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
      const key = keyOf(card);
      const had = this.#cards.get(key);
      // An answer's or a live card's next step outranks the checklist's generic one until the lead changes.
      if (source === 'preview' && card.type === 'next_best_action' && had && had.source !== 'preview') continue;
      this.#cards.set(key, { card, source });
    }
    if (source === 'preview') {
      for (const [key, v] of this.#cards) if (v.source === 'preview' && !cards.some((c) => keyOf(c) === key)) this.#cards.delete(key);
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

  /** Takes one proposed fact off its card (accepted or dismissed); the card goes when it is empty. */
  settleFact(fact: string): void {
    const entry = this.#cards.get('proposed_facts');
    if (!entry) return;
    const facts = (entry.card.facts ?? []).filter((f) => f.fact !== fact);
    if (facts.length) this.#cards.set('proposed_facts', { ...entry, card: { ...entry.card, facts } });
    else this.#cards.delete('proposed_facts');
    this.#render();
  }

  #render(): void {
    const list = [...this.#cards.values()].sort((a, b) => ORDER.indexOf(a.card.type) - ORDER.indexOf(b.card.type));
    const checklist = this.#cards.get('qualification_checklist')?.card;
    const nowDone = new Set(((checklist?.items ?? []) as Array<{ id: string; done: boolean }>).filter((i) => i.done).map((i) => i.id));
    this.#box.replaceChildren(...list.map(({ card, source }) => renderCard(document, card, source, this.#doneBefore, this.#actions)));
    if (checklist) this.#doneBefore = nowDone;
    this.#toggle.textContent = `Guidance (${list.length})`;
  }
}
