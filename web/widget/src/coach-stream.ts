// coach-stream.ts: the coaching stream's events (POST /v1/coach and GET /v1/coach/resume) as one
// typed union. The names are the core's (CoachEvent in core/include/porchlight/model.hpp, through
// generated/enums.ts); the payloads are what server-proxy/src/handlers/coach.cpp sends, in order:
//
//   meta .... where the answer is stored             route ... the proxy's routing decision
//   step .... a compound request's step, as it starts and as it ends (router v2's plan)
//   delta ... the next piece of the answer's text    notice .. Claude is unavailable: playbooks answer
//   card .... a guidance card for this answer        usage ... tokens, cost and latency
//   error ... what went wrong (text may have come)   done .... last: the answer's final status
//
// A resume sends meta, the deltas it has, usage (or an error) and done.

import { COACH_EVENTS } from './generated/enums';
import type { SseEvent } from './sse';
import type { Card, RouteInfo } from './types';

export type CoachEventName = (typeof COACH_EVENTS)[number];

/** A stored message's status, as `done` reports it. */
export type AnswerStatus = 'streaming' | 'complete' | 'incomplete' | 'failed';

/** Each event's data, by name. */
export interface CoachPayloads {
  /** A resume has `resumed_from` (the bytes the client had) instead of `user_message_id`. */
  meta: { conversation_id: string; message_id: string; event_id: string; request_id: string;
          user_message_id?: string; resumed_from?: number };
  route: RouteInfo;
  step: { index: number; specialist: string; tier: string; status: StepStatus; model?: string; usage?: TokenUsage;
          cost_usd?: number; latency_ms?: number; error?: { type: string; code: string; message: string } };
  delta: { text: string };
  notice: { code: string; message: string };
  card: Card;
  /** A resume leaves out `offline` and `ttft_ms`. */
  usage: { model: string; usage: TokenUsage; cost_usd: number; latency_ms: number; offline?: boolean; ttft_ms?: number };
  error: { type: string; code: string; message: string };
  done: { status: AnswerStatus; message_id: string; event_id: string; conversation_id: string };
}

/** A step runs, then is done, failed (Claude failed it), skipped (over a limit) or cancelled. */
export type StepStatus = 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation_1h_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * One event of the stream. The data is the proxy's, not checked field by field: code reading it
 * keeps a fallback for a missing field (an event whose data is not a JSON object has none).
 */
export type CoachEvent = { [K in CoachEventName]: { event: K; data: CoachPayloads[K]; id?: string } }[CoachEventName];

/** The typed event for an SSE event of the stream; null for a name the core does not list. */
export function coachEvent(e: SseEvent): CoachEvent | null {
  if (!(COACH_EVENTS as readonly string[]).includes(e.event)) return null;
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch { /* no fields */ }
  return { event: e.event, data: data && typeof data === 'object' ? data : {}, id: e.id } as CoachEvent;
}
