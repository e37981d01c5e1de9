// Rate limits and budgets: 429 with Retry-After and rate-limit headers, nothing recorded when refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { createServer } from 'node:http';
import { admin, coachRequest, createAgent, CRM_ORIGIN, mintAgentToken, postgresUrl, provision, readSse, requireEnv, sleep, sqliteUrl, startFake,
  startProxy } from './harness.mjs';

const countTokens = (proxy, key) => fetch(`${proxy.url}/v1/messages/count_tokens`, {
  method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
  body: JSON.stringify({ model: 'claude-haiku-5-5', messages: [{ role: 'user', content: 'How many tokens is this?' }] }) });

test('an agent over its request limit gets 429 with Retry-After and rate-limit headers', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--agent-requests-per-minute', '2'] });
  const loc = await provision(db, proxy.url);
  for (let i = 0; i < 2; i++) {
    const r = await coachRequest(proxy.url, loc, { query: `question ${i}` });
    assert.equal(r.status, 200);
    assert.ok(Number(r.headers.get('ratelimit-limit')) >= 1);
    await readSse(r);
  }
  const before = (await fake.stats()).messages.total;
  const refused = await coachRequest(proxy.url, loc, { query: 'one too many' });
  assert.equal(refused.status, 429);
  const body = await refused.json();
  assert.equal(body.error.type, 'rate_limit_error');
  assert.equal(body.error.code, 'limits.agent_requests');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.equal(refused.headers.get('ratelimit-remaining'), '0');
  assert.equal((await fake.stats()).messages.total, before, 'nothing was sent upstream');
  // A different agent of the same location is not limited by this agent's bucket.
  const other = await coachRequest(proxy.url, loc, { query: 'hi', profile_id: 'agent-1' }, { browser: false });
  assert.equal(other.status, 429, 'the secret key names the same agent');
});

test('a location over its monthly budget is refused until the month ends', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
  const loc = await provision(db, proxy.url);
  const set = await fetch(proxy.url + '/v1/settings', { method: 'PUT', headers: { 'x-api-key': loc.sk },
    body: JSON.stringify({ monthly_budget_usd: 0.0001 }) });
  assert.equal(set.status, 200);
  const first = await readSse(await coachRequest(proxy.url, loc, { query: 'Write a listing description for a 3-bed ranch' }));
  assert.equal(first.at(-1).data.status, 'complete');
  assert.ok(first.find((e) => e.event === 'usage').data.cost_usd > 0.0001, 'the first answer spends the budget');
  const refused = await coachRequest(proxy.url, loc, { query: 'and another?' });
  assert.equal(refused.status, 429);
  const body = await refused.json();
  assert.equal(body.error.code, 'budget.exhausted');
  assert.match(body.error.message, /\(\$0\.0001\)/);
  const retry = Number(refused.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 31 * 86400, 'retry after the month ends');
  const settings = await (await fetch(proxy.url + '/v1/settings', { headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(settings.monthly_budget_usd, 0.0001);
  // Counting tokens costs nothing: the budget does not stop it.
  const count = await countTokens(proxy, loc.sk);
  assert.equal(count.status, 200);
  assert.ok((await count.json()).input_tokens > 0);
});

test('live mode: a lead message is admitted and accounted like any call to Claude; a refused one still gets its cards', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--agent-requests-per-minute', '1'] });
  const loc = await provision(db, proxy.url);
  const ws = new WebSocket(proxy.url.replace('http', 'ws') + '/v1/live', { headers: { origin: CRM_ORIGIN } });
  const frames = [];
  ws.onmessage = (m) => frames.push(JSON.parse(m.data));
  const until = (type) => new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const at = frames.findIndex((f) => f.type === type);
      if (at >= 0) resolve(frames.splice(0, at + 1));
      else if (Date.now() - started > 10000) reject(new Error(`no ${type} frame: ${JSON.stringify(frames)}`));
      else setTimeout(check, 10);
    };
    check();
  });
  await new Promise((r) => { ws.onopen = r; });
  ws.send(JSON.stringify({ type: 'auth', key: loc.pk, agent_token: mintAgentToken(loc.secret, { locationId: loc.id }) }));
  await until('ready');
  const leadSays = (text) => ws.send(JSON.stringify({ type: 'event', stage: 'qualifying', lead: { facts: { price_range: '$450-500k' } },
    event: { kind: 'lead_message', text } }));
  const requests = async () => (await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json()).totals.requests;

  leadSays('Is the seller open to offers below asking?');
  const first = await until('cards_done');
  assert.equal(first.filter((f) => f.type === 'error').length, 0);
  assert.equal(first.find((f) => f.type === 'card' && f.card.type === 'next_best_action')?.card.offline, false, "Claude's suggestion");
  assert.equal((await fake.stats()).messages.total, 1, 'Claude was asked');
  assert.equal(await requests(), 1, 'its usage is in the ledger');

  leadSays('Can we close in two weeks?');
  const second = await until('cards_done');
  const refusal = second.find((f) => f.type === 'error');
  assert.equal(refusal?.code, 'limits.agent_requests');
  assert.ok(refusal.retry_after >= 1);
  const action = second.find((f) => f.type === 'card' && f.card.type === 'next_best_action');
  assert.ok(action?.card.suggestion, 'the playbooks still suggest a next move');
  assert.equal(action.card.offline, true, 'labelled as the playbooks');
  assert.equal(refusal.seq, action.seq, 'the refusal names the event it answers');
  assert.equal((await fake.stats()).messages.total, 1, 'nothing more was sent to Claude');
  assert.equal(await requests(), 1);
  ws.close();
  proxy.stop();
  fake.stop();
});

test('token counting is a request for the request limits', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--key-requests-per-minute', '2'] });
  const loc = await provision(db, proxy.url);
  const count = () => countTokens(proxy, loc.sk);
  for (let i = 0; i < 2; i++) assert.equal((await count()).status, 200);
  const refused = await count();
  assert.equal(refused.status, 429);
  assert.equal((await refused.json()).error.code, 'limits.key_requests');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  proxy.stop();
  fake.stop();
});

test('a call refused for the budget takes nothing from the rate limits', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--agent-requests-per-minute', '2'] });
  const loc = await provision(db, proxy.url);
  const budget = (usd) => fetch(proxy.url + '/v1/settings', { method: 'PUT', headers: { 'x-api-key': loc.sk },
    body: JSON.stringify({ monthly_budget_usd: usd }) });
  assert.equal((await budget(0.0001)).status, 200);
  const first = await coachRequest(proxy.url, loc, { query: 'Write a listing description for a 3-bed ranch' });
  assert.equal(first.status, 200);  // the first of the agent's two requests; it spends the budget
  await readSse(first);
  const refused = await coachRequest(proxy.url, loc, { query: 'and another?' });
  assert.equal((await refused.json()).error.code, 'budget.exhausted');
  assert.equal((await budget(100)).status, 200);
  // Had the refusal taken the second request, this one would be over the agent's limit.
  const second = await coachRequest(proxy.url, loc, { query: 'one more, with budget' });
  assert.equal(second.status, 200);
  await readSse(second);
  proxy.stop();
  fake.stop();
});

// The same buckets in-process (SQLite default) and in Redis (atomic Lua) with PostgreSQL.
const backends = [
  ['in-process limits, SQLite', () => ({ databaseUrl: sqliteUrl() })],
  ['Redis limits (Lua), PostgreSQL', () => ({ databaseUrl: postgresUrl(), redisUrl: requireEnv('PORCHLIGHT_TEST_REDIS_URL') })],
];

for (const [name, stores] of backends) {
  describe(`key and token buckets: ${name}`, () => {
    const messages = (proxy, key, maxTokens, text = 'Quick tip for a first call?') => fetch(`${proxy.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: maxTokens, messages: [{ role: 'user', content: text }] }) });

    test('a secret key over its request limit gets 429 limits.key_requests; another key is not limited', async () => {
      const fake = await startFake();
      const s = stores();
      const proxy = await startProxy({ ...s, upstreamUrl: fake.url, args: ['--key-requests-per-minute', '3'] });
      const loc = await provision(s.databaseUrl, proxy.url);
      for (let i = 0; i < 3; i++) {
        const r = await messages(proxy, loc.sk, 32);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('ratelimit-remaining'), String(2 - i));
      }
      const sent = (await fake.stats()).messages.total;
      const refused = await messages(proxy, loc.sk, 32);
      assert.equal(refused.status, 429);
      assert.equal((await refused.json()).error.code, 'limits.key_requests');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal((await fake.stats()).messages.total, sent, 'nothing was sent upstream');
      const second = admin(['keys', 'create', '--location', loc.id, '--kind', 'sk', '--database-url', s.databaseUrl]).trim();
      assert.equal((await messages(proxy, second, 32)).status, 200);
      proxy.stop();
      fake.stop();
    });

    test('the location token bucket: an estimate that does not fit is refused; actual usage settles it', async () => {
      const fake = await startFake();
      const s = stores();
      const proxy = await startProxy({ ...s, upstreamUrl: fake.url, args: ['--location-tokens-per-minute', '3000'] });
      const loc = await provision(s.databaseUrl, proxy.url);
      // Reserves its estimate (prompt + max_tokens), then gives back what it did not use.
      assert.equal((await messages(proxy, loc.sk, 2000)).status, 200);
      const refused = await messages(proxy, loc.sk, 2940);  // fits the bucket, not what is left of it
      assert.equal(refused.status, 429);
      const body = await refused.json();
      assert.equal(body.error.code, 'limits.location_tokens');
      assert.equal(body.error.type, 'rate_limit_error');
      // What the first call really used was settled: a smaller call fits at once.
      assert.equal((await messages(proxy, loc.sk, 500)).status, 200);
      // More than the bucket holds: no wait would admit it, so it is a 400, not a 429 to retry.
      const never = await messages(proxy, loc.sk, 5000);
      assert.equal(never.status, 400);
      const error = (await never.json()).error;
      assert.equal(error.code, 'request.over_token_limit');
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /location_tokens allows in a minute \(3000\)/);
      assert.equal(never.headers.get('retry-after'), null);
      proxy.stop();
      fake.stop();
    });

    test("a key's token bucket (a location setting) is settled to real usage too", async () => {
      const fake = await startFake();
      const s = stores();
      const proxy = await startProxy({ ...s, upstreamUrl: fake.url });
      const loc = await provision(s.databaseUrl, proxy.url);
      const set = await fetch(proxy.url + '/v1/settings', { method: 'PUT', headers: { 'x-api-key': loc.sk },
        body: JSON.stringify({ rate_limits: { key_tokens: 3000 } }) });
      assert.equal(set.status, 200);
      assert.equal((await messages(proxy, loc.sk, 2000)).status, 200);
      const refused = await messages(proxy, loc.sk, 2940);  // fits the bucket, not what is left of it
      assert.equal(refused.status, 429);
      assert.equal((await refused.json()).error.code, 'limits.key_tokens');
      // Unsettled, the first call's estimate (over 2,000) would leave under 1,000 tokens.
      assert.equal((await messages(proxy, loc.sk, 1500)).status, 200);
      proxy.stop();
      fake.stop();
    });
  });
}

test('overload: past --max-in-flight new requests are shed at once with 503 and retry-after; probes still answer; it recovers', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--max-in-flight', '2'] });
  const loc = await provision(db, proxy.url);
  await fake.defaults({ ttft_ms: 1500 });  // two answers that hold their streams open
  const held = [coachRequest(proxy.url, loc, { query: 'first' }), coachRequest(proxy.url, loc, { query: 'second' })];
  await sleep(300);
  const before = (await fake.stats()).messages.total;
  const shed = await coachRequest(proxy.url, loc, { query: 'third' });
  assert.equal(shed.status, 503);
  const body = await shed.json();
  assert.deepEqual([body.error.type, body.error.code], ['overloaded_error', 'overloaded']);
  assert.equal(shed.headers.get('retry-after'), '1');
  assert.equal((await fake.stats()).messages.total, before, 'a shed request reaches nothing');
  assert.equal((await fetch(proxy.url + '/healthz')).status, 200, 'probes answer while it sheds');
  const metrics = await (await fetch(proxy.url + '/metrics')).text();
  assert.match(metrics, /porchlight_shed_total\{reason="in_flight"\} [1-9]/);
  for (const r of await Promise.all(held)) { assert.equal(r.status, 200); await readSse(r); }
  await fake.defaults({ ttft_ms: 0 });
  const after = await coachRequest(proxy.url, loc, { query: 'fourth' });
  assert.equal(after.status, 200, 'served again once the load is gone');
  await readSse(after);
});

test("budgets per agent and per key: refused past their own, alerts at 80% and 100% posted once to the location's webhook", async () => {
  const received = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { received.push({ path: req.url, body: JSON.parse(body) }); res.writeHead(204).end(); });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${hook.address().port}/hooks/T000/secret-path`;
  try {
    const fake = await startFake();
    const db = sqliteUrl();
    const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    const loc = await provision(db, proxy.url);
    await createAgent(proxy.url, loc.sk, 'agent-2');
    const settings = (body) => fetch(`${proxy.url}/v1/settings`, { method: 'PUT', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify(body) });
    assert.equal((await settings({ agent_budgets: { 'agent-1': 0.00001 }, alert_webhook_url: hookUrl })).status, 200);
    const shown = await (await fetch(`${proxy.url}/v1/settings`, { headers: { 'x-api-key': loc.sk } })).json();
    assert.deepEqual(shown.agent_budgets, { 'agent-1': 0.00001 });
    assert.deepEqual(shown.alert_webhook, { set: true, origin: `http://127.0.0.1:${hook.address().port}` }, 'the URL is a credential: origin only');

    const first = await coachRequest(proxy.url, loc, { query: 'How do I handle a low appraisal?' });
    assert.equal(first.status, 200);
    await readSse(first);
    const refused = await coachRequest(proxy.url, loc, { query: 'And the next step?' });
    const body = await refused.json();
    assert.deepEqual([refused.status, body.error.code], [429, 'budget.agent_exhausted']);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const other = await coachRequest(proxy.url, loc, { query: 'hi', profile_id: 'agent-2' }, { browser: false });
    assert.equal(other.status, 200, "another agent is not held by agent-1's budget");
    await readSse(other);

    for (let i = 0; i < 50 && received.length < 2; i++) await sleep(100);
    assert.deepEqual(received.map((r) => [r.body.scope.kind, r.body.scope.id, r.body.threshold]).sort(),
      [['agent', 'agent-1', 100], ['agent', 'agent-1', 80]]);
    assert.equal(received[0].path, '/hooks/T000/secret-path');
    assert.match(received.find((r) => r.body.threshold === 100).body.text, /Agent agent-1 .* has used 100% of its monthly Claude budget/);
    const usage = await (await fetch(`${proxy.url}/v1/usage`, { headers: { 'x-api-key': loc.sk } })).json();
    const near = usage.budget.near_or_over.find((u) => u.id === 'agent-1');
    assert.ok(near && near.used >= 1, 'the dashboard learns who is over');
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    assert.match(metrics, /porchlight_budget_alerts_total\{kind="agent",threshold="100"\} 1/);
    await sleep(300);
    assert.equal(received.length, 2, 'each alert once');
  } finally {
    hook.close();
  }
});
