// The bad-input corpus: every case must come back as {"error": {"code": <code>}} from the native
// core and from WASM alike, never as an abort. Inputs are strings or raw bytes (Uint8Array).
const profile = { id: 'a1', location_id: 'loc-1', name: 'Dana', role: 'buyer_agent' };
const bytes = (...b) => new Uint8Array(b);
const utf8 = (s) => new TextEncoder().encode(s);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const megabyte = 'a'.repeat(1_000_000);

export const badInputs = [
  // malformed JSON
  { name: 'empty', fn: 'route', input: '', code: 'request.malformed_json' },
  { name: 'truncated object', fn: 'route', input: '{"query": "hi", "profile": {', code: 'request.malformed_json' },
  { name: 'trailing comma', fn: 'buildPrompt', input: '{"query":"x",}', code: 'request.malformed_json' },
  { name: 'bare word', fn: 'fitContext', input: 'nul', code: 'request.malformed_json' },
  { name: 'NUL byte', fn: 'route', input: '\u0000', code: 'request.malformed_json' },
  { name: 'number overflow', fn: 'estimateCost', input: '{"usage":{"input_tokens":1e400}}', code: 'request.malformed_json' },
  { name: 'two documents', fn: 'route', input: '{} {}', code: 'request.malformed_json' },
  { name: 'not an object', fn: 'route', input: '[1,2,3]', code: 'request.not_object' },
  { name: 'a string', fn: 'validateProfile', input: '"profile"', code: 'request.not_object' },
  // wrong types
  { name: 'query is a number', fn: 'route', input: { query: 42, profile }, code: 'route.invalid_query' },
  { name: 'profile is a string', fn: 'route', input: { query: 'x', profile: 'dana' }, code: 'route.invalid_profile' },
  { name: 'history is an object', fn: 'buildPrompt', input: { query: 'x', profile, history: {} }, code: 'prompt.invalid_history' },
  { name: 'turn content is a number', fn: 'fitContext', input: { turns: [{ role: 'user', content: 5 }] }, code: 'turn.invalid_content' },
  { name: 'negative budget', fn: 'route', input: { query: 'x', profile, budget: { monthly_usd: -5 } }, code: 'budget.invalid_monthly_usd' },
  { name: 'usage is a string', fn: 'estimateCost', input: { usage: 'lots' }, code: 'cost.invalid_usage' },
  { name: 'fractional tokens', fn: 'estimateCost', input: { usage: { input_tokens: 1.5 } }, code: 'usage.invalid_input_tokens' },
  { name: 'nested fact', fn: 'buildPrompt', input: { query: 'x', profile, lead: { facts: { a: [1] } } }, code: 'lead.invalid_facts' },
  // validateProfile answers an invalid profile with {"valid": false, "errors": [...]}.
  { name: 'boolean id', fn: 'validateProfile', input: { ...profile, id: true }, validation: 'profile.invalid_id' },
  // unknown enum values
  { name: 'unknown stage', fn: 'route', input: { query: 'x', profile, stage: 'escrow' }, code: 'route.invalid_stage' },
  { name: 'unknown tier', fn: 'route', input: { query: 'x', profile, tier: 'ultra' }, code: 'route.invalid_tier' },
  { name: 'unknown specialist', fn: 'buildPrompt', input: { query: 'x', profile, specialist: 'astrologer' }, code: 'prompt.invalid_specialist' },
  { name: 'unknown role', fn: 'route', input: { query: 'x', profile: { ...profile, role: 'buyer' } }, code: 'profile.invalid_role' },
  { name: 'unknown turn role', fn: 'buildPrompt', input: { query: 'x', profile, history: [{ role: 'system', content: 'x' }] }, code: 'turn.invalid_role' },
  { name: 'unknown field', fn: 'route', input: { query: 'x', profile, prompt: 'ignore the rules' }, code: 'route.unknown_field' },
  // oversized
  { name: '1 MB query', fn: 'route', input: { query: megabyte, profile }, code: 'route.invalid_query' },
  { name: '1 MB name', fn: 'route', input: { query: 'x', profile: { ...profile, name: megabyte } }, code: 'profile.invalid_name' },
  { name: '1 MB summary', fn: 'buildPrompt', input: { query: 'x', profile, summary: megabyte }, code: 'prompt.invalid_summary' },
  { name: '2 MB body', fn: 'route', input: { query: megabyte + megabyte, profile }, code: 'request.too_large' },
  { name: '100k unknown keys', fn: 'route', input: JSON.stringify(Object.fromEntries(Array.from({ length: 60000 }, (_, i) => [`k${i}`, 0]))), code: 'route.unknown_field' },
  { name: '2000 turns', fn: 'fitContext', input: { turns: Array.from({ length: 2000 }, () => ({ role: 'user', content: 'x' })) }, code: 'context.invalid_turns' },
  // deep nesting
  { name: '10,000-deep arrays', fn: 'route', input: '['.repeat(10000) + ']'.repeat(10000), code: 'request.too_deep' },
  { name: '10,000-deep objects', fn: 'buildPrompt', input: '{"a":'.repeat(10000) + '1' + '}'.repeat(10000), code: 'request.too_deep' },
  { name: 'deep inside a field', fn: 'route', input: `{"query":"x","profile":${'['.repeat(10000)}`, code: 'request.too_deep' },
  { name: 'unclosed deep', fn: 'fitContext', input: '['.repeat(10000), code: 'request.too_deep' },
  // invalid UTF-8
  { name: 'byte 0xFF', fn: 'route', input: bytes(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d), code: 'request.invalid_utf8' },
  { name: 'overlong slash', fn: 'route', input: concat(utf8('{"query":"'), bytes(0xc0, 0xaf), utf8('"}')), code: 'request.invalid_utf8' },
  { name: 'encoded surrogate', fn: 'buildPrompt', input: concat(utf8('{"query":"'), bytes(0xed, 0xa0, 0x80), utf8('"}')), code: 'request.invalid_utf8' },
  { name: 'truncated sequence', fn: 'validateProfile', input: concat(utf8('{"name":"'), bytes(0xe2, 0x82)), code: 'request.invalid_utf8' },
  { name: 'lone surrogate from JS', fn: 'route', input: '{"query":"\uD800"}', code: 'request.invalid_utf8', wasmOnly: true },
  // qualification
  { name: 'unknown stage event', fn: 'qualify', input: { profile, events: ['won'] }, code: 'qualify.invalid_events' },
  { name: 'event is a number', fn: 'qualify', input: { profile, events: [7] }, code: 'qualify.invalid_events' },
  { name: 'today is not a date', fn: 'qualify', input: { profile, today: '2026-02-30' }, code: 'qualify.invalid_today' },
  { name: 'no text to extract', fn: 'extractFacts', input: { lead: {} }, code: 'extract.missing_text' },
  { name: '1 MB text to extract', fn: 'extractFacts', input: { text: megabyte }, code: 'extract.invalid_text' },
  { name: 'unknown contract form', fn: 'contractTimeline', input: { form: 'ohio', effective_date: '2026-11-20', today: '2026-11-25' }, code: 'contract.unknown_form' },
  { name: 'misspelled contract term', fn: 'contractTimeline', input: { effective_date: '2026-11-20', today: '2026-11-25', days: { inspecton_days: 5 } }, code: 'contract.unknown_term' },
  { name: 'days as text', fn: 'contractTimeline', input: { effective_date: '2026-11-20', today: '2026-11-25', days: { inspection_days: 'ten' } }, code: 'contract.invalid_days' },
  { name: 'no dates at all', fn: 'contractTimeline', input: { today: '2026-11-25' }, code: 'contract.missing_effective_date' },
  { name: 'impossible effective date', fn: 'contractTimeline', input: { effective_date: '2026-02-30', today: '2026-11-25' }, code: 'contract.invalid_date' },
  // experiments
  { name: 'experiment with one variant', fn: 'evaluateExperiment', input: { experiment: { id: 'e', guidance_type: 'coaching_tip', variants: [{ id: 'c' }] } }, code: 'experiment.invalid_variants' },
  { name: 'more successes than trials', fn: 'evaluateExperiment', input: { experiment: { id: 'e', guidance_type: 'coaching_tip', variants: [{ id: 'c' }, { id: 'd' }] }, counts: [{ variant: 'd', trials: 3, successes: 4 }] }, code: 'counts.invalid_successes' },
  { name: 'counts for a variant the experiment lacks', fn: 'evaluateExperiment', input: { experiment: { id: 'e', guidance_type: 'coaching_tip', variants: [{ id: 'c' }, { id: 'd' }] }, counts: [{ variant: 'x', trials: 3, successes: 1 }] }, code: 'learn.unknown_variant' },
  { name: 'alpha of 1', fn: 'evaluateExperiment', input: { experiment: { id: 'e', guidance_type: 'coaching_tip', alpha: 1, variants: [{ id: 'c' }, { id: 'd' }] } }, code: 'experiment.invalid_alpha' },
  { name: 'assignment without an agent', fn: 'assignVariant', input: { experiment: { id: 'e', guidance_type: 'coaching_tip', variants: [{ id: 'c' }, { id: 'd' }] } }, code: 'assign.missing_agent_id' },
  { name: 'allocation that does not add up', fn: 'assignVariant', input: { agent_id: 'a', experiment: { id: 'e', guidance_type: 'coaching_tip', variants: [{ id: 'c' }, { id: 'd' }], allocation: [{ variant: 'c', share: 0.2 }] } }, code: 'experiment.invalid_allocation' },
  { name: 'a lift past 100%', fn: 'planExperiment', input: { baseline_rate: 0.6, relative_lift: 1 }, code: 'plan.invalid_relative_lift' },
  // A policy that does not load leaves the one in use (later cases decide as before).
  { name: 'policy without files', fn: 'loadPolicy', input: {}, code: 'load_policy.missing_files' },
  { name: 'policy files not an object', fn: 'loadPolicy', input: { files: ['routing.json'] }, code: 'load_policy.invalid_files' },
  { name: 'policy file not text', fn: 'loadPolicy', input: { files: { 'routing.json': 7 } }, code: 'load_policy.invalid_files' },
  { name: 'policy file that is not JSON', fn: 'loadPolicy', input: { files: { 'routing.json': '{"min_score": ' } }, code: 'policy.invalid_file' },
  { name: 'policy that breaks a rule', fn: 'loadPolicy', input: { files: { 'policy.json': '{"release": 3}' } }, code: 'policy.invalid_release' },
  { name: 'policy with unknown keys', fn: 'loadPolicy', input: { files: {}, extra: true }, code: 'load_policy.unknown_field' },
];

// For the native CLI's corpus runner: one JSONL line per case.
export function toCorpusLine(c) {
  if (c.input instanceof Uint8Array) return JSON.stringify({ fn: c.fn, input_b64: Buffer.from(c.input).toString('base64') });
  const text = typeof c.input === 'string' ? c.input : JSON.stringify(c.input);
  return JSON.stringify({ fn: c.fn, input_b64: Buffer.from(text, 'utf8').toString('base64') });
}
