// cards.ts: guidance cards as DOM (text only; a live suggestion goes through the Markdown renderer).
//   next_best_action ........ what to do now (titled "Objection handling" when that specialist decided)
//   qualification_checklist . LPMAMA / seller checklist; items tick as the lead's facts become known
//   deadlines ............... contract dates for transaction coordinators (TRID Closing Disclosure)

import { renderMarkdown } from './markdown';
import type { Card, ChecklistItem, DeadlineItem, Source } from './types';

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

export function renderCard(doc: Document, card: Card, source: Source, previousDone: Set<string> | null): HTMLElement {
  const box = el(doc, 'section', `card card-${card.type.replace(/[^a-z_]/g, '')}`);
  box.dataset.type = card.type;
  box.dataset.source = source;
  const head = el(doc, 'div', 'card-head');
  let title = card.title || label(card.type);
  if (card.type === 'next_best_action' && card.specialist === 'objection_handling') title = 'Objection handling';
  const h = el(doc, 'h3', 'card-title', title);
  head.append(h, el(doc, 'span', 'card-source', SOURCE_LABEL[source]));
  box.appendChild(head);
  box.setAttribute('aria-label', title);

  if (card.type === 'next_best_action') {
    if (card.text) box.appendChild(el(doc, 'p', 'card-text', card.text));
    if (card.suggestion) {
      const s = el(doc, 'div', 'card-suggestion md');
      s.appendChild(renderMarkdown(doc, card.suggestion));
      box.appendChild(s);
    }
  } else if (card.type === 'qualification_checklist') {
    const items = (card.items ?? []) as ChecklistItem[];
    const done = items.filter((i) => i.done).length;
    const score = Math.max(0, Math.min(100, Number(card.score) || 0));
    const meter = el(doc, 'div', 'meter');
    meter.setAttribute('role', 'meter');
    meter.setAttribute('aria-valuemin', '0');
    meter.setAttribute('aria-valuemax', '100');
    meter.setAttribute('aria-valuenow', String(score));
    meter.setAttribute('aria-label', `Qualification ${score} of 100, ${done} of ${items.length} known`);
    const bar = el(doc, 'span', 'meter-bar');
    bar.style.width = `${score}%`;
    meter.appendChild(bar);
    box.append(meter, el(doc, 'p', 'card-note', `${done} of ${items.length} known · score ${score}`));
    const ul = el(doc, 'ul', 'checklist');
    for (const item of items) {
      const li = el(doc, 'li', item.done ? 'done' : item.id === card.next ? 'next' : '');
      li.dataset.id = item.id;
      li.dataset.done = String(!!item.done);
      if (item.done && previousDone && !previousDone.has(item.id)) li.classList.add('ticked');  // just became known
      const mark = el(doc, 'span', 'mark', item.done ? '✓' : '');
      mark.setAttribute('aria-hidden', 'true');
      const text = el(doc, 'span', 'item-label', item.label);
      const sr = el(doc, 'span', 'sr-only', item.done ? 'Known: ' : item.id === card.next ? 'Ask next: ' : 'Not yet known: ');
      li.append(mark, sr, text);
      if (item.done && item.known_as) li.appendChild(el(doc, 'span', 'known', `(${label(item.known_as)})`));
      ul.appendChild(li);
    }
    box.appendChild(ul);
  } else if (card.type === 'deadlines') {
    const ul = el(doc, 'ul', 'deadlines');
    for (const d of (card.items ?? []) as DeadlineItem[]) {
      const li = el(doc, 'li', d.days_left <= 3 ? 'soon' : '');
      const when = el(doc, 'time', 'when', d.date);
      when.dateTime = d.date;
      li.append(when, el(doc, 'span', 'item-label', d.label), el(doc, 'span', 'days', days(d.days_left)));
      if (d.derived) li.appendChild(el(doc, 'span', 'known', '(derived)'));
      ul.appendChild(li);
    }
    box.appendChild(ul);
  } else if (card.text) {
    box.appendChild(el(doc, 'p', 'card-text', card.text));
  }
  return box;
}
