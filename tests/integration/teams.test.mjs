// Teams and hand-offs: a lead's conversation belongs to the lead, so the TC handed the lead (an
// agent token minted for it) continues the thread and sees the earlier turns labelled by whose
// they were; Claude sees them too. A team lead reads the team's coaching history and usage,
// not another team's; an agent reads only its own.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CRM_ORIGIN, coachRequest, createAgent, mintAgentToken, provision, readSse, sqliteUrl, startFake, startProxy } from './harness.mjs';

describe('teams and hand-offs', () => {
  let fake, proxy, loc, db;
  const browser = (agentId, lead) => ({ 'x-api-key': loc.pk, origin: CRM_ORIGIN,
    'x-porchlight-agent-token': mintAgentToken(loc.secret, { agentId, locationId: loc.id, ...(lead && { lead }) }) });
  const coachAs = async (agentId, lead, query) => {
    const events = await readSse(await coachRequest(proxy.url, loc, { query, lead: { id: lead } },
      { token: mintAgentToken(loc.secret, { agentId, locationId: loc.id, lead }) }));
    assert.equal(events.at(-1).event, 'done', JSON.stringify(events.at(-1)));
    return events.find((e) => e.event === 'meta').data;
  };

  before(async () => {
    fake = await startFake();
    db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);  // agent-1: a buyer's agent
    await createAgent(proxy.url, loc.sk, 'tc-1', { role: 'transaction_coordinator', name: 'Terry Chen' });
    await createAgent(proxy.url, loc.sk, 'lead-sarah', { role: 'team_lead', name: 'Sarah Lopez', access: 'team_lead', team_id: 'north' });
    await createAgent(proxy.url, loc.sk, 'agent-2', { name: 'Ravi Patel', team_id: 'south' });
    const put = await fetch(`${proxy.url}/v1/profiles/agent-1`, { method: 'PUT', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Dana Whitfield', role: 'buyer_agent', team_id: 'north' }) });
    assert.equal(put.status, 200);
    assert.equal((await put.json()).team_id, 'north');
  });

  test('the TC handed the lead continues its thread, with the earlier turns labelled and in the prompt', async () => {
    const first = await coachAs('agent-1', 'lead-oak', 'Buyers want to write an offer on 12 Oak St tonight');
    const handed = await coachAs('tc-1', 'lead-oak', 'Offer accepted. What deadlines do I calendar?');
    assert.equal(handed.conversation_id, first.conversation_id, "one thread per lead, whoever works it");
    const r = await fetch(`${proxy.url}/v1/conversations/${first.conversation_id}/messages`, { headers: browser('tc-1', 'lead-oak') });
    assert.equal(r.status, 200);
    const turns = (await r.json()).data.map((m) => [m.role, m.agent_id]);
    assert.deepEqual(turns, [['user', 'agent-1'], ['assistant', 'agent-1'], ['user', 'tc-1'], ['assistant', 'tc-1']]);
    const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
    const earlier = sent.messages.find((m) => JSON.stringify(m.content).includes('12 Oak St'));
    assert.match(JSON.stringify(earlier.content), /Asked earlier by agent-1/);
  });

  test('without a token for the lead, another agent cannot open the thread', async () => {
    const r = await coachRequest(proxy.url, loc, { query: 'hi', lead: { id: 'lead-oak' } },
      { token: mintAgentToken(loc.secret, { agentId: 'agent-2', locationId: loc.id }) });
    assert.equal(r.status, 404);
  });

  test("a team lead reads the team's coaching history, page by page, and not another team's", async () => {
    await coachAs('agent-2', 'lead-pine', 'Seller wants to list at their number');
    for (let i = 0; i < 2; i++) await coachAs('agent-1', `lead-elm-${i}`, `Question ${i} about financing`);
    const history = (agent, viewer, query = '') => fetch(`${proxy.url}/v1/agents/${agent}/history${query}`, { headers: browser(viewer) });
    const page1 = await history('agent-1', 'lead-sarah', '?limit=2');
    assert.equal(page1.status, 200);
    const p1 = await page1.json();
    assert.equal(p1.data.length, 2);
    assert.ok(p1.data.every((e) => e.agent_id === 'agent-1'));
    assert.ok(p1.data[0].id > p1.data[1].id, 'newest first');
    const p2 = await (await history('agent-1', 'lead-sarah', `?limit=2&before=${p1.next}`)).json();
    assert.equal(p2.data.length, 1);
    assert.ok(p2.data[0].id < p1.data[1].id);
    assert.equal((await history('agent-2', 'lead-sarah')).status, 404, 'another team');
    assert.equal((await history('agent-1', 'agent-2')).status, 404, 'an agent reads only its own');
    assert.equal((await history('agent-2', 'agent-2')).status, 200);
    assert.equal((await fetch(`${proxy.url}/v1/agents/agent-2/history`, { headers: { 'x-api-key': loc.sk } })).status, 200);
    // The team's usage too: agent-1's rows, not agent-2's.
    const usage = await (await fetch(`${proxy.url}/v1/usage`, { headers: browser('lead-sarah') })).json();
    const agents = new Set(usage.data.map((r) => r.agent_id));
    assert.ok(agents.has('agent-1'));
    assert.ok(!agents.has('agent-2'));
    // And the team's analytics: its coaching events and usage summed, no other team's.
    const analytics = async (headers) => {
      const r = await fetch(`${proxy.url}/v1/analytics`, { headers });
      assert.equal(r.status, 200);
      const a = await r.json();
      return { events: a.effectiveness.reduce((n, e) => n + e.events, 0), agents: new Set(a.usage.map((u) => u.agent_id)),
        answers: a.latency_ms.count };
    };
    const team = await analytics(browser('lead-sarah'));
    const everyone = await analytics({ 'x-api-key': loc.sk });
    const own = await analytics(browser('agent-2'));
    assert.deepEqual([...team.agents].sort(), ['agent-1']);
    assert.deepEqual([...own.agents], ['agent-2']);
    assert.ok(everyone.agents.has('agent-1') && everyone.agents.has('agent-2') && everyone.agents.has('tc-1'));
    assert.ok(team.events >= 2 && own.events >= 1, JSON.stringify({ team, own }));
    assert.equal(everyone.events, team.events + own.events + 1, "the location's: the team's, agent-2's and tc-1's one turn");
    assert.equal(everyone.answers, team.answers + own.answers + 1);
  });

  test("a team lead reads a team member's conversation; a location admin any", async () => {
    const own = await coachAs('agent-1', 'lead-maple', 'What should I ask next?');
    const lead = await fetch(`${proxy.url}/v1/conversations/${own.conversation_id}/messages`, { headers: browser('lead-sarah') });
    assert.equal(lead.status, 200);
    const pine = await coachAs('agent-2', 'lead-pine', 'Follow-up on the listing price');
    assert.equal((await fetch(`${proxy.url}/v1/conversations/${pine.conversation_id}/messages`, { headers: browser('lead-sarah') })).status, 404);
    await createAgent(proxy.url, loc.sk, 'admin-ann', { name: 'Ann Admin', access: 'location_admin' });
    assert.equal((await fetch(`${proxy.url}/v1/conversations/${pine.conversation_id}/messages`, { headers: browser('admin-ann') })).status, 200);
  });

  test("an agent's own token cannot grant itself access, another team or other locations; what it does not send is kept", async () => {
    const put = (agentId, body) => fetch(`${proxy.url}/v1/profiles/${agentId}`, { method: 'PUT',
      headers: { ...browser(agentId), 'content-type': 'application/json' }, body: JSON.stringify({ id: agentId, ...body }) });
    for (const [agentId, grab] of [['agent-2', { access: 'location_admin' }], ['lead-sarah', { team_id: 'south' }],
      ['agent-2', { shared_pool: true, served_locations: [loc.id] }]]) {
      const r = await put(agentId, { name: 'Me', role: 'buyer_agent', ...grab });
      assert.equal(r.status, 403, JSON.stringify(grab));
      assert.equal((await r.json()).error.code, 'auth.not_your_profile');
    }
    assert.equal((await fetch(`${proxy.url}/v1/agents/agent-1/history`, { headers: browser('agent-2') })).status, 404, 'still an agent');
    // The team lead saves its own name and role: its access and team stay as the location set them.
    const saved = await put('lead-sarah', { name: 'Sarah L.', role: 'team_lead' });
    assert.equal(saved.status, 200);
    const after = await saved.json();
    assert.equal(after.access, 'team_lead');
    assert.equal(after.team_id, 'north');
    // Sending back what it read is fine.
    assert.equal((await put('lead-sarah', { ...after })).status, 200);
    // Not even the location's secret key lists a profile in another location's roster (no consent).
    const other = await fetch(`${proxy.url}/v1/profiles/agent-2`, { method: 'PUT', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ravi Patel', role: 'buyer_agent', shared_pool: true, served_locations: [loc.id, 'loc_someone_else'] }) });
    assert.equal(other.status, 403);
    assert.equal((await other.json()).error.code, 'auth.cross_location');
  });

  test("a shared pool serves another location only while that location accepts the pool's home", async () => {
    const other = await provision(db, proxy.url);
    const json = (sk, method, path, body) => fetch(proxy.url + path, { method,
      headers: { 'x-api-key': sk, 'content-type': 'application/json' }, ...(body && { body: JSON.stringify(body) }) });
    const pool = { name: 'Ivy Santos', role: 'buyer_agent', shared_pool: true, served_locations: [loc.id, other.id] };
    const roster = async () => (await (await json(other.sk, 'GET', '/v1/profiles')).json()).data.map((p) => `${p.location_id}/${p.id}`);

    const refused = await json(loc.sk, 'PUT', '/v1/profiles/isa-1', pool);
    assert.equal(refused.status, 403);
    const error = (await refused.json()).error;
    assert.equal(error.code, 'auth.cross_location');
    assert.match(error.message, /has not accepted/);

    // The other location accepts this one's pools (its own settings, its own secret key).
    for (const [bad, code] of [[[other.id], 'settings.invalid_shared_pool_from'], [['loc_nowhere'], 'store.invalid'], ['x', 'settings.invalid_shared_pool_from']]) {
      const r = await json(other.sk, 'PUT', '/v1/settings', { shared_pool_from: bad });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal((await r.json()).error.code, code, JSON.stringify(bad));
    }
    assert.equal((await json(other.sk, 'PUT', '/v1/settings', { shared_pool_from: [loc.id] })).status, 200);
    assert.deepEqual((await (await json(other.sk, 'GET', '/v1/settings')).json()).shared_pool_from, [loc.id]);
    const saved = await json(loc.sk, 'PUT', '/v1/profiles/isa-1', pool);
    assert.equal(saved.status, 200, await saved.clone().text());
    assert.ok((await roster()).includes(`${loc.id}/isa-1`), 'the pool agent is in the accepting location\'s roster');
    // Only the home edits it.
    assert.equal((await json(other.sk, 'PUT', '/v1/profiles/isa-1', pool)).status, 403);

    // Taken back: gone from the roster at once; the home keeps its profile.
    assert.equal((await json(other.sk, 'PUT', '/v1/settings', { shared_pool_from: [] })).status, 200);
    assert.ok(!(await roster()).includes(`${loc.id}/isa-1`), 'not in the roster once the consent is withdrawn');
    assert.equal((await json(loc.sk, 'GET', '/v1/profiles/isa-1')).status, 200);
  });

  test('a team lead without a team is refused with the field named', async () => {
    const r = await fetch(`${proxy.url}/v1/profiles`, { method: 'POST', headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'lonely', name: 'L', role: 'team_lead', access: 'team_lead' }) });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.code, 'profile.missing_team_id');
  });
});
