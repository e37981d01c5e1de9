// GET /v1/insights on PostgreSQL: typed errors for bad ranges, and each caller sees the agents it
// may (an agent its own, a team lead its team, a secret key the location), per agent and per team.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CRM_ORIGIN, createAgent, mintAgentToken, postgresUrl, provision, requireEnv, startFake, startProxy } from './harness.mjs';

describe('GET /v1/insights', () => {
  let proxy, loc;
  const get = async (query, headers = { 'x-api-key': loc.sk }) => {
    const r = await fetch(`${proxy.url}/v1/insights${query}`, { headers });
    return { status: r.status, body: await r.json() };
  };
  const browser = (agentId) => ({ 'x-api-key': loc.pk, origin: CRM_ORIGIN,
    'x-porchlight-agent-token': mintAgentToken(loc.secret, { agentId, locationId: loc.id }) });

  before(async () => {
    const fake = await startFake();
    const db = postgresUrl();
    proxy = await startProxy({ databaseUrl: db, redisUrl: requireEnv('PORCHLIGHT_TEST_REDIS_URL'), upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);
    await createAgent(proxy.url, loc.sk, 'lead-sarah', { name: 'Sarah Lopez', role: 'team_lead', access: 'team_lead', team_id: 'north' });
    await createAgent(proxy.url, loc.sk, 'agent-n', { name: 'Nina Park', team_id: 'north' });
    await createAgent(proxy.url, loc.sk, 'agent-s', { name: 'Sam Ortiz', team_id: 'south' });
    const outcomes = [['agent-n', 'appointment_set'], ['agent-n', 'agreement_signed'], ['agent-s', 'appointment_set'], ['lead-sarah', 'closed_won']];
    for (const [i, [agent, outcome]] of outcomes.entries()) {
      const r = await fetch(`${proxy.url}/v1/outcomes`, { method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
        body: JSON.stringify({ lead_id: `lead-${i}`, outcome, agent_id: agent, external_id: `x-${i}`, occurred_at: '2026-11-10T15:00:00Z' }) });
      assert.equal(r.status, 201);
    }
  });

  test('bad ranges are typed errors', async () => {
    for (const [query, code] of [['?from=2026-11-31&to=2026-12-01', 'request.invalid_query'], ['?from=yesterday', 'request.invalid_query'],
      ['?from=2026-11-20&to=2026-11-10', 'request.range_reversed'], ['?from=2026-01-01&to=2026-11-30', 'request.range_too_long']]) {
      const r = await get(query);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.type, 'invalid_request_error');
      assert.equal(r.body.error.code, code, query);
    }
    assert.equal((await get('?from=2026-09-01&to=2026-11-30')).status, 200, '91 days is within the limit');
  });

  test('a secret key sees the location, per agent and per team', async () => {
    const r = await get('?from=2026-11-01&to=2026-11-30');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.agents.map((a) => a.agent_id), ['agent-n', 'agent-s', 'lead-sarah']);
    assert.equal(r.body.location.outcomes.appointment_set, 2);
    assert.equal(r.body.location.cost.outcomes, 4);
    const north = r.body.teams.find((t) => t.team_id === 'north');
    assert.deepEqual(north.agents, ['agent-n', 'lead-sarah']);
    assert.deepEqual([north.outcomes.appointment_set, north.outcomes.agreement_signed, north.outcomes.closed_won], [1, 1, 1]);
    assert.equal(r.body.thresholds.stall_days, 14);
    assert.equal((await get('?from=2026-12-01&to=2026-12-02')).body.location.cost.outcomes, 0, 'outside the range');
  });

  test('an agent sees its own figures; a team lead its team\'s', async () => {
    const own = await get('?from=2026-11-01&to=2026-11-30', browser('agent-s'));
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual(own.body.agents.map((a) => a.agent_id), ['agent-s']);
    assert.equal(own.body.location.cost.outcomes, 1);
    const team = await get('?from=2026-11-01&to=2026-11-30', browser('lead-sarah'));
    assert.deepEqual(team.body.agents.map((a) => a.agent_id), ['agent-n', 'lead-sarah']);
    assert.deepEqual(team.body.teams.map((t) => t.team_id), ['north']);
    assert.equal(team.body.location.cost.outcomes, 3);
  });
});
