// Never lose what was said: the agent's turn is stored before Claude is asked; an answer cut off
// by kill -9 stays, marked incomplete; a client resuming with Last-Event-ID gets the stored part
// and a clear end. And with the store down, coaching is refused before any upstream call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coachRequest, mintAgentToken, postgresUrl, provision, readSse, requireEnv, sleep, sqliteUrl, startFake, startProxy,
  CRM_ORIGIN } from './harness.mjs';

const backends = [
  ['SQLite', () => ({ databaseUrl: sqliteUrl() })],
  ['PostgreSQL and Redis', () => ({ databaseUrl: postgresUrl(), redisUrl: requireEnv('PORCHLIGHT_TEST_REDIS_URL') })],
];

for (const [name, stores] of backends) test(`kill -9 mid-stream (${name}): the partial answer survives, marked incomplete, and a resume ends it clearly`, async () => {
  const fake = await startFake();
  const s = stores();
  const db = s.databaseUrl;
  const args = ['--stream-stale-ms', '1500'];
  let proxy = await startProxy({ ...s, upstreamUrl: fake.url, args });
  const loc = await provision(db, proxy.url);
  await fake.defaults({ tokens_per_second: 40 });  // slow enough to be killed mid-answer

  const response = await coachRequest(proxy.url, loc, { query: 'Walk me through the whole contract-to-close timeline in detail please' });
  let deltas = 0;
  const seen = await readSse(response, { until: (e) => e.event === 'delta' && ++deltas >= 6 }).catch(() => []);
  const meta = seen.find((e) => e.event === 'meta').data;
  const lastId = seen.filter((e) => e.event === 'delta').at(-1).id;
  const received = seen.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
  await sleep(700);  // let the proxy persist what it streamed (every 500 ms)
  proxy.kill9();
  await sleep(200);

  proxy = await startProxy({ ...s, upstreamUrl: fake.url, args });
  const transcript = await (await fetch(`${proxy.url}/v1/conversations/${meta.conversation_id}/messages`, {
    headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(transcript.data[0].role, 'user', 'the question was stored before Claude was asked');
  assert.equal(transcript.data[0].status, 'complete');
  const answer = transcript.data[1];
  assert.equal(answer.id, meta.message_id);
  assert.ok(answer.content.length > 0, 'part of the answer was stored');
  await sleep(1600);  // past the stale threshold: nobody is writing it any more
  const stale = await (await fetch(`${proxy.url}/v1/conversations/${meta.conversation_id}/messages`, {
    headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(stale.data[1].status, 'incomplete', 'the transcript marks the cut answer, before any resume');
  assert.equal(stale.data[1].content, answer.content);

  const headers = { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }),
    'last-event-id': lastId };
  const resumed = await readSse(await fetch(proxy.url + '/v1/coach/resume', { headers }));
  const rest = resumed.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
  assert.equal(received + rest, answer.content.slice(0, received.length + rest.length));
  assert.ok(resumed.some((e) => e.event === 'error' && e.data.code === 'upstream.interrupted'));
  assert.equal(resumed.at(-1).event, 'done');
  assert.equal(resumed.at(-1).data.status, 'incomplete');
  const after = await (await fetch(`${proxy.url}/v1/conversations/${meta.conversation_id}/messages`, {
    headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(after.data[1].status, 'incomplete');
  await fake.defaults({});
});

test('a client that reconnects while the answer is still streaming gets all of it', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
  const loc = await provision(db, proxy.url);
  await fake.defaults({ tokens_per_second: 60 });
  const controller = new AbortController();
  const response = await coachRequest(proxy.url, loc, { query: 'Explain the appraisal contingency and the financing contingency' },
    { headers: {} });
  let deltas = 0;
  const seen = await readSse(response, { until: (e) => e.event === 'delta' && ++deltas >= 3 });
  controller.abort();
  await response.body.cancel().catch(() => {});
  const lastId = seen.filter((e) => e.event === 'delta').at(-1).id;
  const received = seen.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
  const resumed = await readSse(await fetch(proxy.url + '/v1/coach/resume', { headers: {
    'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }),
    'last-event-id': lastId } }));
  assert.equal(resumed.at(-1).data.status, 'complete');
  const full = received + resumed.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
  const stored = await (await fetch(`${proxy.url}/v1/conversations/${resumed.at(-1).data.conversation_id}/messages`, {
    headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(full, stored.data[1].content);
  // The same resume through POST /v1/coach with Last-Event-ID (a client re-sending its request):
  // the rest of the stored answer, and no new turn.
  const again = await readSse(await fetch(proxy.url + '/v1/coach', { method: 'POST', headers: {
    'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }),
    'content-type': 'application/json', 'last-event-id': lastId }, body: JSON.stringify({ query: 'Explain the appraisal contingency and the financing contingency' }) }));
  assert.equal(again.at(-1).data.status, 'complete');
  assert.equal(received + again.filter((e) => e.event === 'delta').map((e) => e.data.text).join(''), stored.data[1].content);
  const after = await (await fetch(`${proxy.url}/v1/conversations/${resumed.at(-1).data.conversation_id}/messages`, {
    headers: { 'x-api-key': loc.sk } })).json();
  assert.equal(after.data.length, 2, 'a resume adds no turn');
  await fake.defaults({});
});
