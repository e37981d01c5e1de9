// types.ts: the shapes the widget exchanges with the proxy and the WASM core (docs/core-api.md).

import type { CARD_TYPES } from './generated/enums';

export type FactValue = string | number | boolean;

export interface Lead {
  id: string;
  name?: string;
  stage?: string;
  facts?: Record<string, FactValue>;
}

export interface Profile {
  id: string;
  location_id: string;
  name: string;
  role: string;
  experience?: string;
  specializations?: string[];
  [key: string]: unknown;
}

export interface RouteInfo {
  specialist: string;
  tier: string;
  model: string;
  guidance_type: string;
  confidence: number;
  reasons: string[];
  estimate: { input_tokens: number; output_tokens: number; cost_usd: number; cost_usd_cached: number };
  policy_version: string;
  location_policy_version?: string;
  offline?: boolean;
  budget_exhausted?: boolean;
}

export interface ChecklistItem {
  id: string; label: string; done: boolean; known_as: string;
  status?: 'unknown' | 'ok' | 'problem'; reads?: string; say?: string;
}
export interface DeadlineItem {
  id?: string; fact?: string; label: string; date: string; time?: string; days_left: number;
  status?: 'overdue' | 'due_today' | 'upcoming' | 'done'; rule?: string; owner?: string; task?: boolean; derived?: boolean;
  assumed?: boolean;  // counted from a typical period, not the contract's number
  note?: string;      // a caveat of the form's ("does not extend for weekends or holidays")
}
export interface ProposedFact { fact: string; value: string; evidence: string; current?: string }
export interface StageMove { from: string; to: string; trigger: string; reason: string }

export interface Card {
  type: (typeof CARD_TYPES)[number] | string;  // the core's card types (a newer proxy may send more)
  id?: string;
  title?: string;
  text?: string;
  specialist?: string;
  suggestion?: string;
  items?: Array<ChecklistItem | DeadlineItem>;
  score?: number;
  score_parts?: Array<{ id: string; label: string; weight: number; points: number; reason: string }>;
  score_capped?: string;
  next?: string;
  side?: string;
  today?: string;
  // compliance_alert, coaching_tip: the parts the agent's experience calls for
  severity?: string;
  action?: string;
  say?: string;
  why?: string;
  mistakes?: string;
  edge?: string;
  source?: string;
  // deadlines
  form?: string;
  notes?: string[];
  // stage_change
  from?: string;
  to?: string;
  moves?: StageMove[];
  recorded?: boolean;
  // proposed_facts
  lead_id?: string;
  facts?: ProposedFact[];
}

/** Where a piece of guidance came from: the WASM core at once, the proxy's answer, or live mode. */
export type Source = 'preview' | 'server' | 'live';

export interface Guidance {
  source: Source;
  cards: Card[];
  checklist_score?: number;
  route?: RouteInfo;
  answer?: { text: string; message_id: string; event_id: string; status: string };
  conversation_id?: string;
  lead_id?: string;
}

export interface StoredMessage {
  id: string;
  seq: number;
  role: 'user' | 'assistant' | string;
  content: string;
  status: string;
  specialist?: string;
  model?: string;
  event_id?: string;
  agent_id?: string;
  cost_usd?: number;
  latency_ms?: number;
  created_at?: string;
}

export interface ApiErrorBody {
  type: 'error';
  error: { type: string; code: string; message: string; errors?: Array<{ code: string; message: string; path: string }> };
  request_id?: string;
}
