// The WASM module's JS API: the wrapper's contract as callers see it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCore } from './helpers.mjs';

const core = await loadCore();
const profile = { id: 'a1', location_id: 'loc-1', name: 'Dana', role: 'listing_agent', experience: 'novice' };

test('version names core, policy and schema', () => {
  const v = JSON.parse(core.version());
  assert.match(v.core, /^\d+\.\d+\.\d+$/);
  assert.match(v.policy, /^\d{4}\.\d+\.\d+\+[0-9a-f]{12}$/);
});

test('route takes a JSON string or an object and answers specialist, tier, confidence, reasons', () => {
  const request = { query: 'The seller thinks Zillow says the home is worth more', profile, stage: 'appointment_set' };
  const a = core.route(JSON.stringify(request));
  const b = core.route(request);
  assert.equal(a, b);
  const d = JSON.parse(a);
  assert.equal(d.specialist, 'objection_handling');
  assert.ok(['fast', 'balanced', 'deep'].includes(d.tier));
  assert.ok(d.confidence > 0 && d.confidence <= 1);
  assert.ok(d.reasons.length >= 1);
});

test('buildPrompt returns an Anthropic Messages body with cache breakpoints', () => {
  const out = JSON.parse(core.buildPrompt({ query: 'Write the listing description', profile,
    lead: { facts: { beds: 3 } }, history: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }));
  const body = out.request;
  assert.equal(typeof body.model, 'string');
  assert.ok(body.max_tokens > 0);
  assert.ok(Array.isArray(body.system) && body.system.length >= 3);
  const breakpoints = [...body.system, ...body.messages.flatMap((m) => m.content)].filter((b) => b.cache_control).length;
  assert.ok(breakpoints >= 2 && breakpoints <= 4);
  assert.equal(body.messages.at(-1).role, 'user');
  assert.match(body.messages.at(-1).content[0].text, /- beds: 3/);
});

test('errors come back as {"error": {code, message, path}}', () => {
  const e = JSON.parse(core.route({ query: 'x', profile: { ...profile, role: 'buyer' } })).error;
  assert.equal(e.code, 'profile.invalid_role');
  assert.equal(e.path, 'profile.role');
  assert.match(e.message, /expected one of buyer_agent/);
});

test('UTF-8 bytes are accepted as a Uint8Array', () => {
  const bytes = new TextEncoder().encode(JSON.stringify({ usage: { input_tokens: 1000 }, tier: 'balanced' }));
  assert.equal(JSON.parse(core.estimateCost(bytes)).total_usd, 0.002);
});

test('many calls do not leak: memory stays bounded', () => {
  const request = JSON.stringify({ query: 'What deadlines are next?', profile, stage: 'under_contract' });
  const first = core.buildPrompt(request);
  for (let i = 0; i < 3000; i++) core.buildPrompt(request);
  assert.equal(core.buildPrompt(request), first);
});

test('requests cross as UTF-8 bytes both ways: non-ASCII text survives, and answers do not change under one another', () => {
  const name = 'Zoë Ñúñez 🏡';
  const out = JSON.parse(core.buildPrompt({ query: '¿Qué sigue? — next step', profile: { ...profile, name } }));
  const system = out.request.system.map((b) => b.text).join('\n');
  assert.ok(system.includes(`Name: ${name}`));
  assert.match(out.request.messages.at(-1).content[0].text, /¿Qué sigue\? — next step$/);
  // An outsized request grows the module's buffers; a small one after it still answers right.
  const small = core.route({ query: 'Is the earnest money refundable?', profile });
  const big = JSON.parse(core.route('"' + 'x'.repeat(3 << 20) + '"')).error;
  assert.equal(big.code, 'request.too_large');
  assert.equal(core.route({ query: 'Is the earnest money refundable?', profile }), small);
});

test('values with no JSON form get a typed error, not an exception', () => {
  const cyclic = { query: 'x', profile };
  cyclic.self = cyclic;
  for (const value of [undefined, () => 1, 10n, cyclic]) {
    const e = JSON.parse(core.route(value)).error;
    assert.equal(e.code, 'request.malformed_json', String(typeof value));
  }
});
