// demo.ts: the demo CRM page's own script. It does what a CRM's front end would: renders the lead
// record and the message thread (as text, never HTML), and tells the widget about the lead
// through the host API (Porchlight.setLead / pushEvent / ask).

import { STAGES } from '../../widget/src/generated/enums';

type Fact = string | number | boolean;
interface DemoLead {
  id: string;
  name: string;
  stage: string;
  email: string;
  phone: string;
  source: string;
  facts: Record<string, Fact>;
  thread: Array<{ from: 'lead' | 'agent'; at: string; text: string }>;
}
interface PorchlightApi {
  on(event: string, fn: (detail: any) => void): () => void;
  setLead(lead: unknown): void;
  pushEvent(e: { kind: string; text?: string }): void;
  open(): void;
  ask(q: string): Promise<unknown>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const lead: DemoLead = JSON.parse($('demo-lead').textContent || '{}');

function withPorchlight(fn: (p: PorchlightApi) => void): void {
  const p = (window as any).Porchlight;
  if (p?.version) fn(p);
  else window.addEventListener('porchlight:ready', (e) => fn((e as CustomEvent).detail), { once: true });
}

function nice(s: string): string {
  return s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

// ---- the lead record ----------------------------------------------------------------------------

$('lead-name').textContent = lead.name;
$('lead-initials').textContent = lead.name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase();
$('lead-source').textContent = lead.source;
$('lead-contact').textContent = `${lead.email} · ${lead.phone}`;

const form = $<HTMLFormElement>('lead-form');
const stage = $<HTMLSelectElement>('stage');
for (const s of STAGES) stage.add(new Option(nice(s), s, false, s === lead.stage));
for (const [k, v] of Object.entries(lead.facts)) {
  const field = form.elements.namedItem(k) as HTMLInputElement | HTMLSelectElement | null;
  if (field) field.value = String(v);
}

// Facts the agent accepted in the coach that this form has no field for: kept, as a CRM would.
const accepted: Record<string, Fact> = {};

function currentLead() {
  const facts: Record<string, Fact> = { ...accepted };
  for (const el of Array.from(form.elements) as Array<HTMLInputElement | HTMLSelectElement>) {
    if (!el.name || el.name === 'stage' || !el.value.trim()) continue;
    facts[el.name] = el.dataset.type === 'boolean' ? el.value === 'true' : el.value.trim();
  }
  return { id: lead.id, name: lead.name, stage: stage.value, facts };
}

let timer: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => withPorchlight((p) => p.setLead(currentLead())), 120);
});
form.addEventListener('submit', (e) => e.preventDefault());
withPorchlight((p) => p.setLead(currentLead()));
// A fact the agent accepted in the coach is saved to the record, as a CRM would store it.
withPorchlight((p) => p.on('fact-accepted', ({ fact, value }: { fact: string; value: string }) => {
  const field = form.elements.namedItem(fact) as HTMLInputElement | HTMLSelectElement | null;
  if (field && !(field instanceof HTMLSelectElement)) field.value = String(value);
  else accepted[fact] = value;
}));

// ---- the message thread -------------------------------------------------------------------------

const list = $<HTMLOListElement>('messages');

function addMessage(m: DemoLead['thread'][number]): void {
  const li = document.createElement('li');
  li.className = m.from;
  const from = document.createElement('span');
  from.className = 'from';
  from.textContent = `${m.from === 'lead' ? lead.name : 'Dana (you)'} · ${m.at}`;
  const text = document.createElement('span');
  text.textContent = m.text;
  li.append(from, text);
  if (m.from === 'lead') {
    const ask = document.createElement('button');
    ask.type = 'button';
    ask.className = 'ask';
    ask.textContent = 'Ask the coach how to reply';
    ask.addEventListener('click', () => withPorchlight((p) => {
      p.open();
      void p.ask(`${lead.name} wrote: "${m.text}" How should I reply?`);
    }));
    li.appendChild(ask);
  }
  list.appendChild(li);
}
lead.thread.forEach(addMessage);

$<HTMLFormElement>('simulate').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('simulate-text');
  const text = input.value.trim();
  if (!text) return;
  addMessage({ from: 'lead', at: 'just now', text });
  input.value = '';
  // Live mode: the proxy answers with cards (checklist, next move) as the lead's messages arrive.
  withPorchlight((p) => p.pushEvent({ kind: 'lead_message', text }));
});
