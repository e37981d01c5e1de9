// lead.ts: the lead and stage as the host page hands them over, cleaned into what the core
// accepts (core/include/porchlight/model.hpp: ids, snake_case facts, the stages it lists).

import { STAGES } from './generated/enums';
import type { FactValue, Lead } from './types';

const FACT_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Ids from CRMs are opaque; the core accepts 1-64 of A-Z a-z 0-9 _ . : - */
export function isId(id: string | undefined): id is string {
  return !!id && ID.test(id);
}

// Facts of strings, numbers and booleans; others are dropped with a warning so one odd CRM
// field does not break the coaching.
export function cleanLead(lead?: Lead): Lead | undefined {
  if (!lead || typeof lead !== 'object' || lead.id === undefined || lead.id === null) return undefined;
  const out: Lead = { id: String(lead.id).slice(0, 64) };
  if (!ID.test(out.id)) {
    console.warn(`Porchlight: lead.id '${out.id}' is not a valid id (1-64 of A-Z a-z 0-9 _ . : -); replaced`);
    out.id = out.id.replace(/[^A-Za-z0-9_.:-]/g, '_') || 'lead';
  }
  if (lead.name !== undefined) out.name = String(lead.name).slice(0, 120);
  const stage = cleanStage(lead.stage);
  if (stage) out.stage = stage;
  if (lead.facts && typeof lead.facts === 'object') {
    const facts: Record<string, FactValue> = {};
    for (const [k, v] of Object.entries(lead.facts).slice(0, 40)) {
      const ok = FACT_KEY.test(k) && (typeof v === 'boolean' || (typeof v === 'number' && isFinite(v)) || typeof v === 'string');
      if (ok) facts[k] = typeof v === 'string' ? v.slice(0, 500) : v;
      else if (v !== null && v !== undefined && v !== '') console.warn(`Porchlight: lead fact '${k}' dropped (snake_case keys; string, number or boolean values)`);
    }
    out.facts = facts;
  }
  return out;
}

export function cleanStage(stage?: string): string | undefined {
  return stage && (STAGES as readonly string[]).includes(stage) ? stage : undefined;
}
