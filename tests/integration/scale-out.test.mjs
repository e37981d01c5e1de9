// Two proxy instances on one PostgreSQL and one Redis: a conversation continues across them,
// limits are shared, cache invalidations cross. Then faults: Redis killed, PostgreSQL stopped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { coachRequest, createAgent, postgresUrl, provision, readSse, requireEnv, root, sleep, startFake, startProxy } from './harness.mjs';

const services = (verb) => execFileSync(`${root}/scripts/services`, [verb, requireEnv('PORCHLIGHT_TEST_SERVICES_DIR')], { stdio: 'pipe' });

describe('scale-out: two instances, one Postgres, one Redis', () => {
  let fake, a, b, loc, db;
  const redisUrl = () => requireEnv('PORCHLIGHT_TEST_REDIS_URL');
  before(async () => {
    fake = await startFake();
    db = postgresUrl();
    const args = ['--agent-requests-per-minute', '4'];
    a = await startProxy({ databaseUrl: db, redisUrl: redisUrl(), upstreamUrl: fake.url, args });
    b = await startProxy({ databaseUrl: db, redisUrl: redisUrl(), upstreamUrl: fake.url, args });
    loc = await provision(db, a.url);
  });
  after(() => { services('start-redis'); });
  const messagesCall = (url, text) => fetch(`${url}/v1/messages`, { method: 'POST',
    headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 32, messages: [{ role: 'user', content: text }] }) });

  test('a conversation started on one instance continues on the other', async () => {
    const lead = { id: 'lead-42', facts: { area: 'Denver' } };
    const one = await readSse(await coachRequest(a.url, loc, { query: 'First question about Denver', lead }));
    const two = await readSse(await coachRequest(b.url, loc, { query: 'Follow-up question', lead }));
    assert.equal(one.at(-1).data.conversation_id, two.at(-1).data.conversation_id);
    const sent = (await fake.requests()).filter((r) => r.path === '/v1/messages').at(-1).body;
    assert.equal(sent.messages.length, 3);
    assert.equal(sent.messages[0].content[0].text, 'First question about Denver');
  });

  test('rate limits are shared across instances (Redis)', async () => {
    // Two requests were spent above; the limit is 4 per minute for the agent, across both.
    const third = await coachRequest(a.url, loc, { query: 'three' });
    assert.equal(third.status, 200);
    await readSse(third);
    const fourth = await coachRequest(b.url, loc, { query: 'four' });
    assert.equal(fourth.status, 200);
    await readSse(fourth);
    const fifth = await coachRequest(a.url, loc, { query: 'five' });
    assert.equal(fifth.status, 429);
    const sixth = await coachRequest(b.url, loc, { query: 'six' });
    assert.equal(sixth.status, 429);
  });

  test('a profile change on one instance is seen at once on the other', async () => {
    await createAgent(a.url, loc.sk, 'agent-9');
    const get = async (proxy) => (await fetch(`${proxy.url}/v1/profiles/agent-9`, { headers: { 'x-api-key': loc.sk } })).json();
    assert.equal((await get(b)).name, 'Dana Whitfield');  // now cached on b
    const put = await fetch(`${a.url}/v1/profiles/agent-9`, { method: 'PUT', headers: { 'x-api-key': loc.sk },
      body: JSON.stringify({ name: 'Dana W. Renamed', role: 'listing_agent' }) });
    assert.equal(put.status, 200);
    await sleep(100);  // the pub/sub message is on its way
    assert.equal((await get(b)).name, 'Dana W. Renamed');
  });

  test('Redis killed: requests keep working on the in-process fallback, and recover', async () => {
    await createAgent(a.url, loc.sk, 'agent-r');
    services('stop-redis');
    const r = await fetch(`${a.url}/v1/profiles/agent-r`, { headers: { 'x-api-key': loc.sk } });
    assert.equal(r.status, 200);
    const events = await readSse(await coachRequest(b.url, loc, { query: 'still there?', profile_id: 'agent-r' }, { browser: false }));
    assert.equal(events.at(-1).data.status, 'complete');
    const metrics = await (await fetch(b.url + '/metrics')).text();
    assert.match(metrics, /porchlight_limiter_fallbacks_total/);
    services('start-redis');
    await sleep(500);
    const again = await fetch(`${a.url}/v1/profiles/agent-r`, { headers: { 'x-api-key': loc.sk } });
    assert.equal(again.status, 200);
  });

  test('Postgres stopped: coaching is refused before any upstream call, with a retryable error', async () => {
    await createAgent(a.url, loc.sk, 'agent-p');
    const before = (await fake.stats()).messages.total;
    services('stop-pg');
    try {
      const r = await coachRequest(a.url, loc, { query: 'does this get lost?', profile_id: 'agent-p' }, { browser: false });
      assert.equal(r.status, 503);
      const body = await r.json();
      assert.equal(body.error.code, 'store.unavailable');
      assert.equal(r.headers.get('x-should-retry'), 'true');
      assert.equal((await fake.stats()).messages.total, before, 'nothing unrecorded was sent to Claude');
      const ready = await fetch(a.url + '/readyz');
      assert.equal(ready.status, 503);
    } finally {
      services('start-pg');
    }
    await sleep(1000);
    const ok = await coachRequest(a.url, loc, { query: 'back?', profile_id: 'agent-p' }, { browser: false });
    assert.equal(ok.status, 200);
    await readSse(ok);
  });

  test('Postgres stopped: /v1/messages usage is kept and written when it returns; new calls wait for it', async () => {
    const call = (id) => messagesCall(a.url, `usage check ${id}`);
    const recorded = async () => (await (await fetch(`${a.url}/v1/usage`, { headers: { 'x-api-key': loc.sk } })).json()).totals.requests;
    assert.equal((await call('warm')).status, 200);  // the key and the location's state are cached now
    await sleep(300);  // its usage is written (batches go every 50 ms)
    const before = await recorded();
    services('stop-pg');
    try {
      // The store's loss is noticed by the usage writer: this call is answered (its key is cached)
      // and its usage waits in memory...
      assert.equal((await call('during')).status, 200);
      await sleep(300);
      // ...and from then on calls are refused before reaching Claude, retryably.
      const sent = (await fake.stats()).messages.total;
      const refused = await call('refused');
      assert.equal(refused.status, 503);
      assert.equal((await refused.json()).error.code, 'store.unavailable');
      assert.equal(refused.headers.get('x-should-retry'), 'true');
      assert.equal((await fake.stats()).messages.total, sent, 'the refused call did not reach Claude');
    } finally {
      services('start-pg');
    }
    // Back: the kept record is written within the retry interval, and calls are taken again.
    let now = before;
    for (let i = 0; i < 60 && now < before + 1; i++) {
      await sleep(250);
      now = await recorded().catch(() => before);
    }
    assert.equal(now, before + 1, 'the answered call\'s usage was recorded once the store came back');
    assert.equal((await call('after')).status, 200);
  });

  test('Postgres still stopped at shutdown: usage that cannot be written is reported, not dropped silently', async () => {
    const c = await startProxy({ databaseUrl: db, redisUrl: redisUrl(), upstreamUrl: fake.url });
    const call = (id) => messagesCall(c.url, `shutdown check ${id}`);
    assert.equal((await call('warm')).status, 200);
    await sleep(300);
    services('stop-pg');
    try {
      assert.equal((await call('last')).status, 200);
      await sleep(300);  // the usage writer has found the store down and kept the record
      const exited = new Promise((resolve) => c.process.on('exit', resolve));
      c.stop();
      await exited;
      assert.match(c.process.output(), /exiting with 1 usage records not written/);
    } finally {
      services('start-pg');
    }
  });
});
