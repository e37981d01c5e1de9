// Types for porchlight-core.mjs. Requests and answers are JSON text; the shapes are documented in
// docs/core-api.md. Every answer may instead be an ErrorAnswer.

export type JsonInput = string | Uint8Array | object;

export interface CoreError { code: string; message: string; path: string }
export interface ErrorAnswer { error: CoreError & { errors: CoreError[] } }

export interface RouteAnswer {
  specialist: 'coaching' | 'qualification' | 'objection_handling' | 'market_analysis' |
    'action_planning' | 'compliance' | 'listing_marketing' | 'transaction_timeline' | 'negotiation';
  tier: 'fast' | 'balanced' | 'deep';
  model: string;
  guidance_type: string;
  confidence: number;
  reasons: string[];
  estimate: { input_tokens: number; output_tokens: number; cost_usd: number; cost_usd_cached: number };
  budget_exhausted: boolean;
  policy_version: string;
}

export type ItemStatus = 'unknown' | 'ok' | 'problem';
export type Severity = 'alert' | 'tip';

export interface ChecklistItem {
  id: string; label: string; say: string; status: ItemStatus; known_as: string; value: string;
  reading: string; reads: string; problem: string; shown: boolean; months?: number;
}
export interface Problem {
  id: string; item: string; severity: Severity; title: string; action: string; say: string;
  why: string; mistakes: string; edge: string; source: string;
}
export interface StageMove { from: string; to: string; trigger: string; reason: string }
export interface QualifyAnswer {
  side: 'buyer' | 'seller';
  items: ChecklistItem[];
  problems: Problem[];
  score: { value: number; parts: { id: string; label: string; weight: number; points: number; reason: string }[]; capped?: string };
  next: string;
  stage: { from: string; to: string; moves: StageMove[] };
  policy_version: string;
}
export interface ProposedFact { fact: string; value: string; evidence: string; current?: string }
export interface ContractDeadline {
  id: string; label: string; date: string; time: string; days_left: number;
  status: 'overdue' | 'due_today' | 'upcoming' | 'done'; rule: string; owner: string; source: string;
  note: string; task: boolean; from_lead: boolean;
}
export interface ContractTimelineAnswer {
  form: string; form_name: string; counting: string; source: string; items: ContractDeadline[]; notes: string[];
}

export interface AssignAnswer { experiment_id: string; applies: boolean; variant: string; bucket: number }
export interface Core {
  /** {"core", "policy", "release", "schema_version"} */
  version(): string;
  /**
   * {"files": {path: text}}: decide from now on with the built-in policy's files replaced by these
   * (the proxy's /v1/policy files, router v2's weights among them); {"files": {}} goes back to the
   * built-in policy. The version() object of the policy in use, or an error (the policy stays).
   */
  loadPolicy(request: JsonInput): string;
  /** {"valid": true, "profile"} or {"valid": false, "errors": [...]} */
  validateProfile(request: JsonInput): string;
  /** RouteAnswer */
  route(request: JsonInput): string;
  /** {"request", "route", "context", "blocks", "policy_version"} */
  buildPrompt(request: JsonInput): string;
  /** the context window */
  fitContext(request: JsonInput): string;
  /** a cost breakdown, or {"by_tier": {...}} */
  estimateCost(request: JsonInput): string;
  /** {"cards": [...], "checklist_score"}: checklist, deadlines, next best action */
  guidanceCards(request: JsonInput): string;
  /** {"text", "route", "offline": true}: playbook guidance when Claude is unreachable */
  offlineAnswer(request: JsonInput): string;
  /** QualifyAnswer: the checklist read from the facts' values, problems, the score, the stage */
  qualify(request: JsonInput): string;
  /** {"proposals": ProposedFact[]}: facts a text states, for the agent to accept */
  extractFacts(request: JsonInput): string;
  /** ContractTimelineAnswer: every deadline and TC task, soonest first */
  contractTimeline(request: JsonInput): string;
  /** AssignAnswer: the agent's variant of an experiment (the same one the proxy picks) */
  assignVariant(request: JsonInput): string;
}

export interface CoreOptions {
  /** The module's bytes (Node) — loaded next to this file when omitted. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the browser fetches porchlight-core.wasm from. */
  wasmUrl?: string | URL;
}

export default function createCore(options?: CoreOptions): Promise<Core>;
