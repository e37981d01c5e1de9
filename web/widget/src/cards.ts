// cards.ts: guidance cards as DOM (text only; a live suggestion goes through the Markdown renderer).
//   compliance_alert ........ a rule the lead's facts break (a tour without a signed agreement, a
//                             represented buyer, an opt-out): what to do, and (by the agent's
//                             experience) the words to say, why, the common mistakes or the edge cases
//   next_best_action ........ what to do now (titled "Objection handling" when that specialist decided)
//   coaching_tip ............ a problem that is coaching, not compliance (pre-qualified only, ...)
//   qualification_checklist . LPMAMA / seller checklist read from the facts' values, the score and why
//   deadlines ............... every contract deadline and TC task, overdue flagged
//   stage_change ............ where the lead moved, and why
//   proposed_facts .......... facts the conversation states, each for the agent to accept

import { renderMarkdown } from './markdown';
import type { Card, ChecklistItem, DeadlineItem, ProposedFact, Source } from './types';

export function label(id: string): string {
  const s = (id || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const SOURCE_LABEL: Record<Source, string> = { preview: 'instant', server: 'from the coach', live: 'live' };

function days(n: number): string {
  if (n === 0) return 'today';
  if (n === 1) return 'tomorrow';
  if (n === -1) return 'yesterday';
  return n > 0 ? `in ${n} days` : `${-n} days ago`;
}

/** What a card can ask of the widget: accepting a proposed fact (the agent's click, never automatic). */
export interface CardActions {
  acceptFact(fact: ProposedFact): void;
  dismissFact(fact: ProposedFact): void;
}

// The parts of a problem card the proxy or the core chose for this agent's experience.
const PROBLEM_PARTS: Array<[keyof Card, string]> = [
  ['action', ''], ['say', 'Say: '], ['why', 'Why: '], ['mistakes', 'Common mistakes: '], ['edge', 'Edge cases: '], ['source', 'Source: '],
];

function problem(doc: Document, box: HTMLElement, card: Card): void {
  for (const [key, lead] of PROBLEM_PARTS) {
    const text = card[key];
    if (typeof text !== 'string' || !text) continue;
    const p = el(doc, key === 'say' ? 'blockquote' : 'p', `card-${key}`);
    if (lead) p.appendChild(el(doc, 'strong', '', lead));
    p.append(text);
    box.appendChild(p);
  }
}

function checklist(doc: Document, box: HTMLElement, card: Card, previousDone: Set<string> | null): void {
  const items = (card.items ?? []) as ChecklistItem[];
  const done = items.filter((i) => i.done).length;
  const score = Math.max(0, Math.min(100, Number(card.score) || 0));
  const meter = el(doc, 'div', 'meter');
  meter.setAttribute('role', 'meter');
  meter.setAttribute('aria-valuemin', '0');
  meter.setAttribute('aria-valuemax', '100');
  meter.setAttribute('aria-valuenow', String(score));
  meter.setAttribute('aria-label', `Lead score ${score} of 100, ${done} of ${items.length} known`);
  const bar = el(doc, 'span', 'meter-bar');
  bar.style.width = `${score}%`;
  meter.appendChild(bar);
  box.append(meter, el(doc, 'p', 'card-note', `${done} of ${items.length} known · score ${score}`));
  if (card.score_capped) box.appendChild(el(doc, 'p', 'card-note capped', `Score capped: ${card.score_capped}`));
  const ul = el(doc, 'ul', 'checklist');
  for (const item of items) {
    const status = item.status ?? (item.done ? 'ok' : 'unknown');
    const li = el(doc, 'li', item.done ? 'done' : status === 'problem' ? 'problem' : item.id === card.next ? 'next' : '');
    li.dataset.id = item.id;
    li.dataset.done = String(!!item.done);
    li.dataset.status = status;
    if (item.done && previousDone && !previousDone.has(item.id)) li.classList.add('ticked');  // just became known
    const mark = el(doc, 'span', 'mark', item.done ? '✓' : status === 'problem' ? '!' : '');
    mark.setAttribute('aria-hidden', 'true');
    const sr = el(doc, 'span', 'sr-only',
                  item.done ? 'Known: ' : status === 'problem' ? 'Problem: ' : item.id === card.next ? 'Ask next: ' : 'Not yet known: ');
    const text = el(doc, 'span', 'item-label', item.label);
    li.append(mark, sr, text);
    if (item.reads) li.appendChild(el(doc, 'span', 'known', `(${item.reads})`));
    else if (item.done && item.known_as) li.appendChild(el(doc, 'span', 'known', `(${label(item.known_as)})`));
    if (item.say) li.appendChild(el(doc, 'span', 'say', `“${item.say}”`));
    ul.appendChild(li);
  }
  box.appendChild(ul);
  const parts = card.score_parts ?? [];
  if (parts.length) {
    const why = el(doc, 'details', 'score-why');
    why.appendChild(el(doc, 'summary', '', 'Why this score'));
    const list = el(doc, 'ul', 'reasons');
    for (const p of parts) list.appendChild(el(doc, 'li', '', p.reason));
    why.appendChild(list);
    box.appendChild(why);
  }
}

function deadlines(doc: Document, box: HTMLElement, card: Card): void {
  if (card.form) box.appendChild(el(doc, 'p', 'card-note', card.form));
  const ul = el(doc, 'ul', 'deadlines');
  for (const d of (card.items ?? []) as DeadlineItem[]) {
    const status = d.status ?? (d.days_left < 0 ? 'overdue' : 'upcoming');
    const li = el(doc, 'li', [status, d.days_left >= 0 && d.days_left <= 3 && status !== 'done' ? 'soon' : '', d.task ? 'task' : ''].filter(Boolean).join(' '));
    li.dataset.id = d.id ?? d.fact ?? '';
    li.dataset.status = status;
    const when = el(doc, 'time', 'when', d.time ? `${d.date} ${d.time}` : d.date);
    when.dateTime = d.date;
    const name = el(doc, 'span', 'item-label', d.task ? `Task: ${d.label}` : d.label);
    if (d.rule) name.title = d.rule;
    const state = status === 'overdue' ? `overdue, ${days(d.days_left)}` : status === 'done' ? 'done' : days(d.days_left);
    li.append(when, name, el(doc, 'span', 'days', state));
    if (d.derived) li.appendChild(el(doc, 'span', 'known', '(derived)'));
    // A typical period, not the contract's number: say so beside the date.
    if (d.assumed) li.appendChild(el(doc, 'span', 'known assumed', '(assumed: check the contract)'));
    // What the date does not do ("does not extend for weekends or holidays") is read with it.
    if (d.note) li.appendChild(el(doc, 'span', 'known note', d.note));
    ul.appendChild(li);
  }
  box.appendChild(ul);
  const notes = card.notes ?? [];
  if (notes.length) {
    const list = el(doc, 'ul', 'notes');
    for (const n of notes) list.appendChild(el(doc, 'li', 'card-note', n));
    box.appendChild(list);
  }
}

function proposed(doc: Document, box: HTMLElement, card: Card, actions: CardActions | undefined): void {
  box.appendChild(el(doc, 'p', 'card-note', 'From what was said. Nothing is saved until you accept it.'));
  const ul = el(doc, 'ul', 'facts');
  for (const f of card.facts ?? []) {
    const li = el(doc, 'li');
    li.dataset.fact = f.fact;
    const what = el(doc, 'span', 'fact', `${label(f.fact)}: `);
    what.appendChild(el(doc, 'strong', '', f.value));
    if (f.current) what.appendChild(el(doc, 'span', 'known', ` (now: ${f.current})`));
    li.append(what, el(doc, 'q', 'evidence', f.evidence));
    if (actions) {
      const accept = el(doc, 'button', 'accept', 'Accept');
      accept.type = 'button';
      accept.setAttribute('aria-label', `Accept ${label(f.fact)}: ${f.value}`);
      accept.addEventListener('click', () => actions.acceptFact(f));
      const dismiss = el(doc, 'button', 'dismiss-fact', 'Dismiss');
      dismiss.type = 'button';
      dismiss.setAttribute('aria-label', `Dismiss ${label(f.fact)}`);
      dismiss.addEventListener('click', () => actions.dismissFact(f));
      li.append(accept, dismiss);
    }
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

export function renderCard(doc: Document, card: Card, source: Source, previousDone: Set<string> | null, actions?: CardActions): HTMLElement {
  const box = el(doc, 'section', `card card-${card.type.replace(/[^a-z_]/g, '')}`);
  box.dataset.type = card.type;
  box.dataset.source = source;
  if (card.id) box.dataset.id = card.id;
  const head = el(doc, 'div', 'card-head');
  let title = card.title || label(card.type);
  if (card.type === 'next_best_action' && card.specialist === 'objection_handling') title = 'Objection handling';
  const h = el(doc, 'h3', 'card-title', title);
  head.append(h);
  if (card.type === 'compliance_alert') head.appendChild(el(doc, 'span', 'flag', 'Compliance'));
  head.append(el(doc, 'span', 'card-source', SOURCE_LABEL[source]));
  box.appendChild(head);
  box.setAttribute('aria-label', card.type === 'compliance_alert' ? `Compliance alert: ${title}` : title);

  if (card.type === 'next_best_action') {
    if (card.text) box.appendChild(el(doc, 'p', 'card-text', card.text));
    if (card.suggestion) {
      const s = el(doc, 'div', 'card-suggestion md');
      s.appendChild(renderMarkdown(doc, card.suggestion));
      box.appendChild(s);
    }
  } else if (card.type === 'compliance_alert' || card.type === 'coaching_tip') {
    problem(doc, box, card);
  } else if (card.type === 'qualification_checklist') {
    checklist(doc, box, card, previousDone);
  } else if (card.type === 'deadlines') {
    deadlines(doc, box, card);
  } else if (card.type === 'stage_change') {
    box.appendChild(el(doc, 'p', 'card-text', `${label(card.from ?? '')} → ${label(card.to ?? '')}`));
    const ul = el(doc, 'ul', 'reasons');
    for (const m of card.moves ?? []) ul.appendChild(el(doc, 'li', '', `${label(m.to)}: ${m.reason}`));
    box.appendChild(ul);
  } else if (card.type === 'proposed_facts') {
    proposed(doc, box, card, actions);
  } else if (card.text) {
    box.appendChild(el(doc, 'p', 'card-text', card.text));
  }
  return box;
}
