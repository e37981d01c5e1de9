// Degradation: retries, fallback to another model, the circuit breaker, an unreachable upstream.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { coachRequest, provision, readSse, sqliteUrl, startFake, startProxy } from './harness.mjs';

// The fallback chain starts from the tier a turn was routed to: these turns name theirs (and their
// specialist, so no plan runs), whatever the router would choose.
const ON_BALANCED = { specialist: 'objection_handling', tier: 'balanced' };

const text = (events) => events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');

describe('when Claude is failing', () => {
  let fake, proxy, loc;
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url,
      args: ['--fallback', 'claude-sonnet-5-5=claude-haiku-5-5'] });
    loc = await provision(db, proxy.url);
  });

  test('overloaded answers are retried (honouring retry-after) and the turn completes', async () => {
    await fake.reset();
    await fake.script([{ status: 529, retry_after: 1 }, { status: 500 }]);
    const t0 = Date.now();
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'How do I handle the commission objection?', ...ON_BALANCED }));
    assert.equal(events.at(-1).data.status, 'complete');
    assert.ok(Date.now() - t0 >= 900, 'waited for retry-after');
    assert.equal(events.find((e) => e.event === 'route').data.offline, false);
    const stats = await fake.stats();
    assert.equal(stats.messages.total, 3);
  });

  test("/v1/messages passes the upstream's own error on with its retry-after and request id", async () => {
    await fake.reset();
    await fake.defaults({ status: 429, error_type: 'rate_limit_error', retry_after: 120 });  // too long to wait here
    try {
      const r = await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(r.status, 429);
      assert.equal((await r.json()).error.type, 'rate_limit_error');
      assert.equal(r.headers.get('retry-after'), '120');
      assert.equal(r.headers.get('retry-after-ms'), '120000');
      assert.match(r.headers.get('x-upstream-request-id') ?? '', /^req_/);
    } finally {
      await fake.defaults({});
    }
  });

  test('a model that keeps failing falls back to the next one', async () => {
    await fake.reset();
    await fake.script([{ status: 529 }, { status: 529 }, { status: 529 }]);
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'How do I handle the commission objection?', ...ON_BALANCED }));
    assert.equal(events.at(-1).data.status, 'complete');
    assert.equal(events.find((e) => e.event === 'usage').data.model, 'claude-haiku-5-5');
    const models = (await fake.requests()).filter((r) => r.path === '/v1/messages').map((r) => r.body.model);
    assert.deepEqual(models, ['claude-sonnet-5-5', 'claude-sonnet-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']);
  });

  test('/v1/messages answers for the model it was asked for: no fallback model stands in', async () => {
    await fake.reset();
    await fake.script([{ status: 529 }, { status: 529 }, { status: 529 }]);
    const r = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 529);
    assert.equal((await r.json()).error.type, 'overloaded_error');
    const models = (await fake.requests()).filter((q) => q.path === '/v1/messages').map((q) => q.body.model);
    // Passed on at once, never another model: the caller's SDK retries, as against the API (the
    // proxy retrying too made each SDK try three upstream calls).
    assert.deepEqual(models, ['claude-sonnet-5-5']);
    assert.notEqual(r.headers.get('x-should-retry'), 'false');
  });

  test("an upstream error body that names this proxy's Anthropic key reaches the caller without it", async () => {
    await fake.reset();
    await fake.script([{ status: 400, error_type: 'invalid_request_error', error_message: 'key sk-ant-test-key-0123456789 is not allowed here' }]);
    const r = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(r.status, 400);
    const text = await r.text();
    assert.doesNotMatch(text, /sk-ant-test-key/);
    assert.match(JSON.parse(text).error.message, /key \[redacted\] is not allowed here/);
  });

  test('an open circuit answers 503 upstream.circuit_open with retry-after, its cool-down (the SDKs wait that long)', async () => {
    await fake.reset();
    await fake.defaults({ status: 529 });
    // A model no other test here uses: its circuit stays open for the cool-down.
    const post = () => fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) });
    let r;
    for (let i = 0; i < 8; i++) {
      r = await post();
      if (r.status === 503) break;
      await r.arrayBuffer();
    }
    await fake.defaults({});
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.code, 'upstream.circuit_open');
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 30, `retry-after ${r.headers.get('retry-after')}`);
  });

  test('an error mid-stream keeps what arrived, marks it incomplete and says so', async () => {
    await fake.reset();
    await fake.script([{ error_event_after_events: 5 }]);
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'Give me a plan for this week' }));
    assert.equal(events.at(-1).data.status, 'incomplete');
    assert.ok(events.some((e) => e.event === 'error' && e.data.code === 'upstream.stream_error'));
  });

  test('with every attempt failing, the answer comes from the playbooks, labelled', async () => {
    await fake.reset();
    await fake.defaults({ status: 529 });
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'When is the closing disclosure due?' }));
    assert.ok(events.some((e) => e.event === 'notice'));
    assert.match(text(events), /^\*\*Offline guidance\*\*/);
    assert.equal(events.at(-1).data.status, 'complete');
    await fake.defaults({});
  });
});

test('an unreachable upstream: offline answers, readiness unaffected', async () => {
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: 'http://127.0.0.1:9' });
  const loc = await provision(db, proxy.url);
  const events = await readSse(await coachRequest(proxy.url, loc, { query: 'What should I ask next?' }));
  assert.match(text(events), /Offline guidance/);
  assert.equal((await fetch(proxy.url + '/readyz')).status, 200);
});

describe('with a short first-byte timeout', () => {
  let fake, proxy, loc;
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--upstream-first-byte-timeout-ms', '1000'] });
    loc = await provision(db, proxy.url);
  });
  const post = (body) => fetch(`${proxy.url}/v1/messages`, {
    method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }], ...body }) });

  test("a non-streaming /v1/messages waits for its whole answer (the SDKs' ten minutes), not the first-byte timeout", async () => {
    await fake.reset();
    await fake.script([{ latency_ms: 2000 }]);
    const r = await post({});
    assert.equal(r.status, 200);
    assert.equal((await r.json()).type, 'message');
  });

  test('a request sent and not answered in time is not sent again (the upstream may be generating it, billed)', async () => {
    await fake.reset();
    await fake.script([{ latency_ms: 3000 }]);
    const r = await post({ stream: true });
    assert.equal(r.status, 504);
    assert.equal((await r.json()).error.code, 'upstream.timeout');
    assert.equal((await fake.stats()).messages.total, 1);
  });
});

describe('with no fallback configured', () => {
  let fake, proxy, loc;
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--upstream-first-byte-timeout-ms', '400'] });
    loc = await provision(db, proxy.url);
  });

  test('a failing tier model hands over to the next faster tier\'s by default', async () => {
    await fake.reset();
    await fake.script([{ status: 529 }, { status: 529 }, { status: 529 }]);
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'How do I handle the commission objection?', ...ON_BALANCED }));
    assert.equal(events.find((e) => e.event === 'route').data.tier, 'balanced');
    assert.equal(events.at(-1).data.status, 'complete');
    assert.equal(events.find((e) => e.event === 'usage').data.model, 'claude-haiku-5-5');
  });

  test('--upstream-first-byte-timeout-ms: a silent upstream is given up on in time, and the playbooks answer', async () => {
    await fake.reset();
    await fake.defaults({ latency_ms: 5000 });
    const t0 = Date.now();
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'When is the closing disclosure due?' }));
    const took = Date.now() - t0;
    await fake.defaults({});
    assert.match(text(events), /Offline guidance/);
    // Three attempts per model on two models, 400 ms each plus backoff: far less than one 5 s wait each.
    assert.ok(took < 6000, `gave up after ${took} ms`);
    assert.ok(events.some((e) => e.event === 'notice'));
  });
});
