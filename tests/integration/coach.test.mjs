// The coaching flow end to end: proxy (SQLite default) + fake upstream. Streaming events, the
// durable transcript, feedback, usage, profiles, the policy endpoint and the offline provider.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CRM_ORIGIN, coachRequest, createAgent, mintAgentToken, provision, readSse, sqliteUrl, startFake, startProxy } from './harness.mjs';

describe('coaching through the proxy', () => {
  let fake, proxy, loc;
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);
  });

  test('health, readiness, metrics and the policy answer', async () => {
    assert.equal((await fetch(proxy.url + '/healthz')).status, 200);
    const ready = await (await fetch(proxy.url + '/readyz')).json();
    assert.equal(ready.status, 'ready');
    const response = await fetch(proxy.url + '/v1/policy');
    const policy = await response.json();
    assert.match(policy.version, /^\d{4}\.\d+\.\d+\+[0-9a-f]{12}$/);
    assert.ok(policy.files['routing.json'] && policy.files['playbooks/house_rules.md']);
    // Public without credentials (the core policy): any page's widget may fetch it while its core loads.
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    // The widget's core, which embeds none ("invalid"), gets every file, router v2's weights too.
    const all = await (await fetch(proxy.url + '/v1/policy?since=invalid')).json();
    assert.deepEqual(Object.keys(all.files).sort(), Object.keys(policy.files).sort());
    assert.ok(all.files['router/model.json']);
    const metrics = await (await fetch(proxy.url + '/metrics')).text();
    assert.match(metrics, /porchlight_http_request_duration_seconds_bucket\{route="\/v1\/policy"/);
  });

  test('a coaching turn streams route, deltas, cards, usage and done, in that order', async () => {
    const r = await coachRequest(proxy.url, loc, {
      query: 'The buyer says the commission is too high. How do I respond?',
      lead: { id: 'lead-1', name: 'Jordan Lee', stage: 'qualifying', facts: { price_range: '$450-500k' } },
      surface: 'widget',
      client_route: { specialist: 'objection_handling', tier: 'balanced', policy_version: 'x' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), CRM_ORIGIN);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const events = await readSse(r);
    const names = events.map((e) => e.event);
    assert.deepEqual(names.slice(0, 2), ['meta', 'route']);
    assert.equal(names.at(-1), 'done');
    assert.ok(names.includes('delta') && names.includes('usage') && names.includes('card'));
    assert.ok(names.indexOf('usage') > names.lastIndexOf('delta'));
    const route = events.find((e) => e.event === 'route').data;
    assert.equal(route.specialist, 'objection_handling');
    assert.equal(route.offline, false);
    const text = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    assert.ok(text.length > 50);
    const usage = events.find((e) => e.event === 'usage').data;
    assert.ok(usage.usage.input_tokens > 0 && usage.usage.output_tokens > 0);
    assert.ok(usage.cost_usd > 0);
    const done = events.at(-1).data;
    assert.equal(done.status, 'complete');
    // Every delta carries an event id a client can resume from.
    for (const e of events.filter((x) => x.event === 'delta')) assert.match(e.id, /^[\w.:-]+:\d+$/);

    // What reached Claude was built by the proxy: house rules, playbook, adaptation; the lead in the last message.
    const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
    assert.equal(sent.stream, true);
    assert.match(sent.system[0].text, /You are Porchlight/);
    assert.ok(sent.system.filter((b) => b.cache_control).length >= 2);
    assert.match(sent.messages.at(-1).content[0].text, /price_range: \$450-500k/);
    assert.match(sent.messages.at(-1).content[0].text, /commission is too high\. How do I respond\?$/);

    // The transcript is durable: the agent's turn and the complete answer.
    const t = await (await fetch(`${proxy.url}/v1/conversations/${done.conversation_id}/messages`, {
      headers: { 'x-api-key': loc.sk } })).json();
    assert.equal(t.data.length, 2);
    assert.equal(t.data[0].role, 'user');
    assert.equal(t.data[1].status, 'complete');
    assert.equal(t.data[1].content, text);
  });

  test('the same lead continues the same conversation, and history reaches Claude', async () => {
    const lead = { id: 'lead-cont', facts: { area: 'Austin' } };
    const first = await readSse(await coachRequest(proxy.url, loc, { query: 'What should I ask first?', lead }));
    const second = await readSse(await coachRequest(proxy.url, loc, { query: 'And after that?', lead, surface: 'streamlit' }));
    assert.equal(first.at(-1).data.conversation_id, second.at(-1).data.conversation_id);
    const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
    assert.equal(sent.messages.length, 3, 'two earlier turns and the new question');
    assert.equal(sent.messages[0].content[0].text, 'What should I ask first?');
  });

  test('/metrics: upstream TTFT and duration, tokens (cache reads too) and cost per location, mismatches, cache', async () => {
    const counted = async (name) => Number((await (await fetch(proxy.url + '/metrics')).text())
      .match(new RegExp(`^porchlight_route_${name}_total\\{policy="different"\\} (\\d+)`, 'm'))?.[1] ?? 0);
    const mismatchesBefore = await counted('mismatch');
    // A browser preview that agrees with the proxy (the route the proxy gave the same question).
    const query = 'What should I ask a new lead?';
    const given = (await readSse(await coachRequest(proxy.url, loc, { query }))).find((e) => e.event === 'route').data;
    const matchesBefore = await counted('match');
    await readSse(await coachRequest(proxy.url, loc, { query,
      client_route: { specialist: given.specialist, tier: given.tier, policy_version: 'old' } }));
    assert.equal(await counted('match'), matchesBefore + 1);
    // A browser preview that disagrees with the proxy (an outdated policy, say).
    await readSse(await coachRequest(proxy.url, loc, { query,
      client_route: { specialist: given.specialist === 'listing_marketing' ? 'compliance' : 'listing_marketing', tier: 'deep', policy_version: 'old' } }));
    const metrics = await (await fetch(proxy.url + '/metrics')).text();
    const value = (re) => {
      const m = metrics.match(re);
      assert.ok(m, `no line matching ${re}`);
      return Number(m[1]);
    };
    // Summed over models (each turn's route picks its own).
    const total = (name) => [...metrics.matchAll(new RegExp(`^${name}\\{model="claude-[^"]+"\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    // One per call to Claude so far in this suite, this turn's included (a compound request's plan
    // makes several: its steps and the synthesis).
    const turns = (await fake.requests()).filter((q) => q.path === '/v1/messages').length;
    assert.ok(turns >= 4, `${turns} calls`);
    assert.equal(total('porchlight_upstream_ttft_seconds_count'), turns);
    assert.equal(total('porchlight_upstream_ttfb_seconds_count'), turns);
    assert.equal(total('porchlight_upstream_duration_seconds_count'), turns);
    const loc_ = loc.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.ok(value(new RegExp(`^porchlight_tokens_total\\{[^}]*location="${loc_}"[^}]*kind="input"[^}]*\\} (\\d+)`, 'm')) > 0);
    // The second turn of a conversation reads the cached system prompt (the fake's prompt cache).
    assert.ok(value(new RegExp(`^porchlight_tokens_total\\{[^}]*location="${loc_}"[^}]*kind="cache_read"[^}]*\\} (\\d+)`, 'm')) > 0);
    assert.ok(value(new RegExp(`^porchlight_cost_usd_total\\{[^}]*location="${loc_}"[^}]*\\} ([\\d.e-]+)`, 'm')) > 0);
    // The share of prompt tokens read from the cache, over every call: what the token counters say.
    const tokens = (kind) => [...metrics.matchAll(new RegExp(`^porchlight_tokens_total\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)`, 'gm'))]
      .reduce((a, m) => a + Number(m[1]), 0);
    const share = value(/^porchlight_prompt_cache_read_share (\S+)/m);
    assert.ok(share > 0 && share < 1, `share ${share}`);
    assert.ok(Math.abs(share - tokens('cache_read') / (tokens('input') + tokens('cache_read') + tokens('cache_write'))) < 1e-6);
    // Browser previews are compared, never trusted: this one's did not agree.
    assert.equal(value(/^porchlight_route_mismatch_total\{policy="different"\} (\d+)/m), mismatchesBefore + 1);
    assert.match(metrics, /^porchlight_cache_hit_ratio\{backend="[a-z]+"\} [\d.]+/m);
  });

  test('feedback is recorded against the coaching event; usage shows the spend', async () => {
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'Next step for a cold lead?' }));
    const { event_id } = events.at(-1).data;
    const headers = { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }),
      'content-type': 'application/json' };
    const ok = await fetch(proxy.url + '/v1/feedback', { method: 'POST', headers, body: JSON.stringify({ event_id, rating: 'helpful' }) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { event_id, rating: 'helpful', outcome: 'unchanged', saved: true, edited_text_kept: false });
    // An outcome alone leaves the rating as it was, and says so.
    const later = await fetch(proxy.url + '/v1/feedback', { method: 'POST', headers, body: JSON.stringify({ event_id, outcome: 'lead_advanced' }) });
    assert.deepEqual(await later.json(), { event_id, rating: 'unchanged', outcome: 'lead_advanced', saved: true, edited_text_kept: false });
    const bad = await fetch(proxy.url + '/v1/feedback', { method: 'POST', headers, body: JSON.stringify({ event_id, rating: 'meh' }) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'feedback.invalid_rating');
    const usage = await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json();
    assert.ok(usage.totals.requests >= 3);
    assert.ok(usage.totals.cost_usd > 0);
  });

  test('analytics count an answer the moment it ends, though its usage is written in batches', async () => {
    const requests = async () => (await (await fetch(proxy.url + '/v1/analytics', { headers: { 'x-api-key': loc.sk } })).json())
      .usage.reduce((n, row) => n + row.requests, 0);
    const before = await requests();
    for (let i = 0; i < 5; i++) {
      const events = await readSse(await coachRequest(proxy.url, loc, { query: `What should I ask first? (${i})` }));
      assert.equal(events.at(-1).data.status, 'complete');
      assert.equal(await requests(), before + i + 1);
    }
  });

  test('profiles: create, read, validation errors listed, browsers see only themselves', async () => {
    const created = await createAgent(proxy.url, loc.sk, 'agent-2', { role: 'listing_agent' });
    assert.equal(created.role, 'listing_agent');
    assert.equal(created.location_id, loc.id);
    const bad = await fetch(proxy.url + '/v1/profiles', { method: 'POST', headers: { 'x-api-key': loc.sk },
      body: JSON.stringify({ id: 'agent 3', name: '', role: 'buyer' }) });
    assert.equal(bad.status, 400);
    const err = (await bad.json()).error;
    assert.equal(err.type, 'invalid_request_error');
    assert.ok(err.errors.length >= 3);
    assert.ok(err.errors.some((e) => e.code === 'profile.invalid_role' && e.path === 'profile.role'));
    const dup = await fetch(proxy.url + '/v1/profiles', { method: 'POST', headers: { 'x-api-key': loc.sk },
      body: JSON.stringify({ id: 'agent-2', name: 'X', role: 'buyer_agent' }) });
    assert.equal(dup.status, 409);
    const browser = { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }) };
    const list = await (await fetch(proxy.url + '/v1/profiles', { headers: browser })).json();
    assert.deepEqual(list.data.map((p) => p.id), ['agent-1']);
    assert.equal((await fetch(proxy.url + '/v1/profiles/agent-2', { headers: browser })).status, 404);
  });

  test('a conversation id from another agent is not found', async () => {
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'hello there' }));
    const cid = events.at(-1).data.conversation_id;
    const other = mintAgentToken(loc.secret, { locationId: loc.id, agentId: 'agent-2' });
    const r = await coachRequest(proxy.url, loc, { query: 'hi', conversation_id: cid }, { token: other });
    assert.equal(r.status, 404);
  });
});

describe('without an Anthropic key: the offline playbook provider', () => {
  test('answers from the playbooks and says so in the answer and the route', async () => {
    const db = sqliteUrl();
    const proxy = await startProxy({ databaseUrl: db });
    const loc = await provision(db, proxy.url);
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'What LPMAMA question should I ask next?',
      lead: { facts: { area: 'Round Rock' } } }));
    assert.equal(events.find((e) => e.event === 'route').data.offline, true);
    const text = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    assert.match(text, /^\*\*Offline guidance\*\*/);
    assert.match(text, /Ask next:\*\* Price/);
    assert.equal(events.find((e) => e.event === 'usage').data.offline, true);
    assert.equal(events.at(-1).data.status, 'complete');
    const ready = await (await fetch(proxy.url + '/readyz')).json();
    assert.match(ready.upstream, /offline/);
    // The Anthropic-compatible endpoint, offline: labelled, and cut to the caller's max_tokens as the API cuts.
    const r = await fetch(proxy.url + '/v1/messages', { method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 20, messages: [{ role: 'user', content: 'How do I answer a commission objection?' }] }) });
    assert.equal(r.headers.get('x-porchlight-offline'), 'true');
    const msg = await r.json();
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.ok(msg.content[0].text.length > 0 && msg.content[0].text.length <= 80, msg.content[0].text);
  });
});

describe('--model TIER=MODEL', () => {
  test('the configured model is the one Claude is asked for, priced, and reported', async () => {
    const fake = await startFake();
    const db = sqliteUrl();
    const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--model', 'balanced=claude-sonnet-5'] });
    const loc = await provision(db, proxy.url);
    // The tier asked for, so that the test is about the configured model, not the router's choice.
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'The buyer says the commission is too high. How do I respond?', tier: 'balanced' }));
    const route = events.find((e) => e.event === 'route').data;
    assert.equal(route.tier, 'balanced');
    assert.equal(route.model, 'claude-sonnet-5');
    const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
    assert.equal(sent.model, 'claude-sonnet-5');
    assert.equal(sent.stream, true);
    assert.equal(events.find((e) => e.event === 'usage').data.model, 'claude-sonnet-5');
    proxy.stop();
    fake.stop();
  });
});
