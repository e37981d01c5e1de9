// Agent tokens bound to what they name: a token minted for one lead's page cannot read, resume or
// coach another lead's conversation, on every path a browser has (coach, transcripts, resume,
// sessions, feedback, live, a lead's stages and events); a token without a lead sees all of its own
// agent's conversations.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CRM_ORIGIN, coachRequest, mintAgentToken, provision, readSse, sqliteUrl, startFake, startProxy } from './harness.mjs';

describe('agent tokens bound to their lead', () => {
  let proxy, loc, tokenA, tokenB, tokenAny, turnA, sessionA;
  const browser = (token) => ({ 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': token, 'content-type': 'application/json' });
  const codeOf = async (r) => (await r.json()).error.code;

  before(async () => {
    const fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);
    tokenA = mintAgentToken(loc.secret, { locationId: loc.id, lead: 'lead-a' });
    tokenB = mintAgentToken(loc.secret, { locationId: loc.id, lead: 'lead-b' });
    tokenAny = mintAgentToken(loc.secret, { locationId: loc.id });
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'Buyer wants to tour Saturday', lead: { id: 'lead-a' } },
      { token: tokenA }));
    turnA = { ...events.find((e) => e.event === 'meta').data, id: events.find((e) => e.event === 'done').id };
    const s = await fetch(proxy.url + '/v1/sessions', { method: 'POST', headers: browser(tokenA), body: JSON.stringify({ surface: 'widget' }) });
    assert.equal(s.status, 201);
    sessionA = await s.json();
    assert.equal(sessionA.lead_id, 'lead-a', "the token's lead is the session's");
  });

  test('coach: another lead in the body is refused; a conversation id of another lead is not found', async () => {
    const other = await coachRequest(proxy.url, loc, { query: 'hi', lead: { id: 'lead-a' } }, { token: tokenB });
    assert.deepEqual([other.status, await codeOf(other)], [403, 'auth.wrong_lead']);
    const borrowed = await coachRequest(proxy.url, loc, { query: 'hi', conversation_id: turnA.conversation_id }, { token: tokenB });
    assert.deepEqual([borrowed.status, await codeOf(borrowed)], [404, 'not_found']);
    // Without a lead in the body the token's lead is the lead: B coaches its own conversation.
    const own = await readSse(await coachRequest(proxy.url, loc, { query: 'What next?' }, { token: tokenB }));
    assert.notEqual(own.find((e) => e.event === 'meta').data.conversation_id, turnA.conversation_id);
  });

  test('transcripts, resume, feedback and sessions of another lead read as not found', async () => {
    const headers = browser(tokenB);
    const transcript = await fetch(`${proxy.url}/v1/conversations/${turnA.conversation_id}/messages`, { headers });
    assert.deepEqual([transcript.status, await codeOf(transcript)], [404, 'not_found']);
    const resume = await fetch(`${proxy.url}/v1/coach/resume`, { headers: { ...headers, 'last-event-id': `${turnA.message_id}:0` } });
    assert.deepEqual([resume.status, await codeOf(resume)], [404, 'not_found']);
    const feedback = await fetch(`${proxy.url}/v1/feedback`, { method: 'POST', headers,
      body: JSON.stringify({ event_id: turnA.event_id, rating: 'helpful' }) });
    assert.deepEqual([feedback.status, await codeOf(feedback)], [404, 'not_found']);
    const session = await fetch(`${proxy.url}/v1/sessions/${sessionA.id}`, { headers });
    assert.deepEqual([session.status, await codeOf(session)], [404, 'not_found']);
    const newSession = await fetch(`${proxy.url}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ lead_id: 'lead-a' }) });
    assert.deepEqual([newSession.status, await codeOf(newSession)], [403, 'auth.wrong_lead']);
  });

  test("a lead's stages and events: its own lead only", async () => {
    const stages = (lead, token) => fetch(`${proxy.url}/v1/leads/${lead}/stages`, { headers: browser(token) });
    const events = (lead, token) => fetch(`${proxy.url}/v1/leads/${lead}/events`, { method: 'POST', headers: browser(token),
      body: JSON.stringify({ events: ['appointment_set'] }) });
    const read = await stages('lead-b', tokenA);
    assert.deepEqual([read.status, await codeOf(read)], [403, 'auth.wrong_lead']);
    const move = await events('lead-b', tokenA);
    assert.deepEqual([move.status, await codeOf(move)], [403, 'auth.wrong_lead']);
    assert.equal((await (await stages('lead-b', tokenB)).json()).data.length, 0, 'the refused event moved nothing');
    assert.equal((await events('lead-a', tokenA)).status, 200);
    assert.equal((await stages('lead-a', tokenA)).status, 200);
    assert.equal((await stages('lead-a', tokenAny)).status, 200, 'a token without a lead reads any');
    for (const limit of ['0', '1001', 'x', '-1']) {
      const bad = await fetch(`${proxy.url}/v1/leads/lead-a/stages?limit=${limit}`, { headers: browser(tokenA) });
      assert.deepEqual([bad.status, await codeOf(bad)], [400, 'request.invalid_query'], `limit=${limit}`);
    }
    const one = await (await fetch(`${proxy.url}/v1/leads/lead-a/stages?limit=1`, { headers: browser(tokenA) })).json();
    assert.equal(one.data.length, 1);
  });

  test("the lead's own token, and a token without a lead, read it all", async () => {
    for (const token of [tokenA, tokenAny]) {
      const headers = browser(token);
      const transcript = await fetch(`${proxy.url}/v1/conversations/${turnA.conversation_id}/messages`, { headers });
      assert.equal(transcript.status, 200);
      assert.equal((await transcript.json()).conversation.lead_id, 'lead-a');
      const resume = await fetch(`${proxy.url}/v1/coach/resume`, { headers: { ...headers, 'last-event-id': `${turnA.message_id}:0` } });
      assert.equal(resume.status, 200);
      await resume.text();
      assert.equal((await fetch(`${proxy.url}/v1/sessions/${sessionA.id}`, { headers })).status, 200);
      const feedback = await fetch(`${proxy.url}/v1/feedback`, { method: 'POST', headers,
        body: JSON.stringify({ event_id: turnA.event_id, rating: 'helpful' }) });
      assert.equal(feedback.status, 200);
    }
  });

  test('live: events about another lead are refused on the socket, which stays open', async () => {
    const ws = new WebSocket(proxy.url.replace('http', 'ws') + '/v1/live', { headers: { origin: CRM_ORIGIN } });
    const messages = [];
    const next = () => new Promise((resolve) => { const check = () => messages.length ? resolve(messages.shift()) : setTimeout(check, 10); check(); });
    ws.onmessage = (m) => messages.push(JSON.parse(m.data));
    await new Promise((r) => { ws.onopen = r; });
    ws.send(JSON.stringify({ type: 'auth', key: loc.pk, agent_token: tokenB }));
    assert.equal((await next()).type, 'ready');
    ws.send(JSON.stringify({ type: 'event', lead: { id: 'lead-a', facts: { timeline: '3 months' } }, event: { kind: 'facts' } }));
    const refused = await next();
    assert.deepEqual([refused.type, refused.code], ['error', 'auth.wrong_lead']);
    ws.send(JSON.stringify({ type: 'event', lead: { id: 'lead-b', facts: { timeline: '3 months' } }, event: { kind: 'facts' } }));
    assert.equal((await next()).type, 'card');
    ws.close();
  });
});
