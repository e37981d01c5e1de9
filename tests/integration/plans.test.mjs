// Compound requests end to end (issue 17, item 4): with router v2 switched on through
// --policy-dir, a request that needs two specialists runs as parallel steps, then a synthesis that
// streams the answer. Each step is a call of its own (sent, accounted in the ledger, reported as
// `step` events); a step that fails leaves the others to answer (labelled); a client that leaves
// stops every step and no synthesis is asked for.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import { runToEnd } from '../support/processes.mjs';
import { binDir, coachRequest, provision, proxyBin, readSse, root, sleep, sql, sqliteUrl, startFake, startProxy } from './harness.mjs';

const COMPOUND = 'comps for 12 Oak St and how do I answer her commission pushback';  // the issue's own example
const BRIEF = /you are preparing only the ([a-z ]+) part of it/;

// routing.json as built in, with router v2 on: the folder --policy-dir reads.
function policyWithRouterV2() {
  const dir = mkdtempSync(join(tmpdir(), 'porchlight-policy-'));
  const routing = JSON.parse(readFileSync(join(root, 'core/data/routing.json'), 'utf8'));
  routing.learned.enabled = true;
  writeFileSync(join(dir, 'routing.json'), JSON.stringify(routing, null, 2));
  return dir;
}

async function eventually(check, what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('compound requests run as plans', () => {
  let fake, proxy, loc, dbFile;
  const messages = async () => (await fake.requests()).filter((q) => q.path === '/v1/messages');
  // The turn's rows: the answer's under the request id, each step's under "<request id>:step<n>".
  const ledger = (requestId) => sql(dbFile, "SELECT request_id, kind, model, input_tokens, cost_usd FROM usage_ledger " +
    "WHERE request_id = ? OR request_id LIKE ? ORDER BY request_id", [requestId, requestId + ':%']);

  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    dbFile = db.slice('sqlite://'.length);
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--policy-dir', policyWithRouterV2()] });
    loc = await provision(db, proxy.url);
  });

  test('the policy folder replaces the built-in routing, and /v1/policy serves it', async () => {
    const policy = await (await fetch(proxy.url + '/v1/policy')).json();
    assert.equal(JSON.parse(policy.files['routing.json']).learned.enabled, true);
    const builtIn = JSON.parse(readFileSync(join(root, 'core/data/policy.json'), 'utf8')).release;
    assert.equal(policy.release, builtIn);
    assert.ok(policy.files['playbooks/house_rules.md'], 'every file');
  });

  test('a browser with the built-in policy gets only what differs, and router v2\'s weights, gzipped within 64 KB', async () => {
    const builtIn = JSON.parse(execFileSync(join(binDir, 'porchlight'), ['version'], { encoding: 'utf8' })).policy;
    const raw = await new Promise((resolve, reject) => {
      http.get(`${proxy.url}/v1/policy?since=${encodeURIComponent(builtIn)}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    assert.equal(raw.headers['content-encoding'], 'gzip');
    assert.match(raw.headers.vary, /accept-encoding/);
    assert.ok(raw.body.length <= 64 * 1024, `${raw.body.length} bytes gzipped`);
    const answer = JSON.parse(gunzipSync(raw.body));
    assert.deepEqual(Object.keys(answer.files).sort(), ['router/model.json', 'routing.json']);
    assert.equal(answer.files['router/model.json'], readFileSync(join(root, 'core/data/router/model.json'), 'utf8'));
    // Any other version (or none) gets every file; a client that takes no gzip gets plain JSON.
    const all = await fetch(`${proxy.url}/v1/policy?since=2020.1.1+000000000000`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(all.headers.get('content-encoding'), null);
    assert.ok((await all.json()).files['playbooks/house_rules.md']);
  });

  test('a policy folder that is not one, or that breaks the policy, stops the start with the reason', async () => {
    const start = (dir) => runToEnd(proxyBin, ['--listen', '127.0.0.1:0', '--database-url', sqliteUrl(), '--policy-dir', dir], { timeoutMs: 20000 });
    const missing = await start('/nonexistent/porchlight-policy');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr + missing.stdout, /config\.invalid_policy_dir/);
    const broken = mkdtempSync(join(tmpdir(), 'porchlight-policy-'));
    const routing = JSON.parse(readFileSync(join(root, 'core/data/routing.json'), 'utf8'));
    routing.plans.step_max_tokens = 'many';
    writeFileSync(join(broken, 'routing.json'), JSON.stringify(routing));
    const bad = await start(broken);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr + bad.stdout, /routing\.json\.plans\.step_max_tokens/);
  });

  test('steps run in parallel, each accounted, then the synthesis streams the answer', async () => {
    await fake.reset();
    const r = await coachRequest(proxy.url, loc, { query: COMPOUND, lead: { id: 'lead-plan-1', stage: 'qualifying' } });
    assert.equal(r.status, 200);
    const events = await readSse(r);
    const names = events.map((e) => e.event);
    const route = events.find((e) => e.event === 'route').data;
    assert.ok(route.plan?.length >= 2, `a plan: ${JSON.stringify(route)}`);
    const steps = events.filter((e) => e.event === 'step').map((e) => e.data);
    assert.equal(steps.length, route.plan.length * 2, 'a running and an ending event per step');
    for (const [i, p] of route.plan.entries()) {
      const mine = steps.filter((s) => s.index === i);
      assert.deepEqual(mine.map((s) => s.status), ['running', 'done']);
      assert.equal(mine[0].specialist, p.specialist);
      assert.ok(mine[1].usage.input_tokens > 0 && mine[1].cost_usd > 0 && mine[1].model);
    }
    assert.ok(names.lastIndexOf('step') < names.indexOf('delta'), 'the answer streams after every step ended');
    assert.equal(events.at(-1).data.status, 'complete');

    // What reached Claude: a brief per specialist (the steps), then the synthesis with their notes.
    const sent = await messages();
    assert.equal(sent.length, route.plan.length + 1);
    const briefs = sent.slice(0, -1).map((q) => q.body.system.at(-1).text.match(BRIEF)?.[1]).sort();
    assert.deepEqual(briefs, route.plan.map((p) => p.specialist.replaceAll('_', ' ')).sort());
    const synthesis = sent.at(-1).body;
    assert.equal(synthesis.stream, true);
    for (const p of route.plan) assert.match(synthesis.system.at(-1).text, new RegExp(`## Notes on ${p.specialist.replaceAll('_', ' ')}`));
    assert.match(synthesis.messages.at(-1).content.at(-1).text, /12 Oak St/);

    // Every call is in the ledger under the request: the steps and the answer.
    const requestId = events[0].data.request_id;
    const rows = await eventually(() => { const x = ledger(requestId); return x.length === route.plan.length + 1 && x; }, 'the ledger rows');
    assert.deepEqual(rows.map((x) => [x.request_id, x.kind]),
      [[requestId, 'coach'], ...route.plan.map((_, i) => [`${requestId}:step${i + 1}`, 'coach_step'])]);
    for (const row of rows) assert.ok(row.input_tokens > 0 && row.cost_usd > 0);

    // The transcript holds the synthesized answer, as streamed.
    const text = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    const t = await (await fetch(`${proxy.url}/v1/conversations/${events.at(-1).data.conversation_id}/messages`, {
      headers: { 'x-api-key': loc.sk } })).json();
    assert.equal(t.data.at(-1).content, text);
    assert.equal(t.data.at(-1).status, 'complete');
  });

  test('a step that fails leaves the others to answer, and the answer says which part is missing', async () => {
    await fake.reset();
    const probe = await readSse(await coachRequest(proxy.url, loc, { query: COMPOUND, lead: { id: 'lead-plan-2', stage: 'qualifying' } }));
    const plan = probe.find((e) => e.event === 'route').data.plan;
    const failing = plan[1].specialist;
    await fake.reset();
    await fake.script([{ match: `preparing only the ${failing.replaceAll('_', ' ')} part`, status: 400,
      error_type: 'invalid_request_error', error_message: 'scripted failure' }]);
    const events = await readSse(await coachRequest(proxy.url, loc, { query: COMPOUND, lead: { id: 'lead-plan-3', stage: 'qualifying' } }));
    const ended = events.filter((e) => e.event === 'step' && e.data.status !== 'running').map((e) => e.data);
    assert.equal(ended.find((s) => s.specialist === failing).status, 'failed');
    assert.ok(ended.find((s) => s.specialist === failing).error.code);
    assert.ok(ended.filter((s) => s.specialist !== failing).every((s) => s.status === 'done'));
    const notice = events.find((e) => e.event === 'notice').data;
    assert.equal(notice.code, 'upstream.plan_step_failed');
    assert.match(notice.message, new RegExp(`^The ${failing.replaceAll('_', ' ')} part could not be prepared`));
    const synthesis = (await messages()).at(-1).body;
    assert.match(synthesis.system.at(-1).text, /notes could not be prepared/);
    assert.equal(events.at(-1).data.status, 'complete');
    assert.ok(events.filter((e) => e.event === 'delta').length > 0);
  });

  test('a client that leaves during the steps stops all of them, and no synthesis is asked for', async () => {
    await fake.reset();
    await fake.defaults({ tokens_per_second: 20 });  // each step streams for several seconds, an event a second
    try {
      const abort = new AbortController();
      const r = await coachRequest(proxy.url, loc, { query: COMPOUND, lead: { id: 'lead-plan-4', stage: 'qualifying' } },
        { signal: abort.signal });
      // Read until every step is running (reading on by hand: ending a for-await over the body
      // would cancel it before the abort does).
      const reader = r.body.getReader();
      let seen = '';
      while ((seen.match(/event: step/g) ?? []).length < 2) seen += new TextDecoder().decode((await reader.read()).value);
      const meta = JSON.parse(seen.match(/event: meta\ndata: (.*)\n/)[1]);
      const planned = JSON.parse(seen.match(/event: route\ndata: (.*)\n/)[1]).plan.length;
      await sleep(300);  // the steps are streaming now
      abort.abort();
      const streaming = (await fake.stats()).messages;
      assert.equal(streaming.active_streams, planned, 'the steps are streaming');
      assert.equal(streaming.streams_completed, 0);
      // Every step's upstream stream is closed at its next event, long before it would end.
      await eventually(async () => (await fake.stats()).messages.streams_aborted_by_client === planned, 'the steps to stop', 4000);
      assert.equal((await fake.stats()).messages.streams_completed, 0);
      assert.equal((await messages()).length, planned, 'the steps only: no synthesis');
      const message = await eventually(async () => {
        const t = await (await fetch(`${proxy.url}/v1/conversations/${meta.conversation_id}/messages`, { headers: { 'x-api-key': loc.sk } })).json();
        const m = t.data.find((x) => x.id === meta.message_id);
        return m?.status === 'incomplete' && m;
      }, 'the answer stored as incomplete');
      assert.equal(message.content, '');
      // What the steps used before they stopped is still accounted.
      const rows = await eventually(() => { const x = ledger(meta.request_id); return x.length === planned && x; }, 'the steps\' ledger rows');
      assert.ok(rows.every((x) => x.kind === 'coach_step' && x.input_tokens > 0));
    } finally {
      await fake.defaults({});
    }
  });
});

describe('the built-in policy plans compound requests, and an agent\'s question counts as one request', () => {
  test('under --agent-requests-per-minute 2, a planned turn runs every step and leaves room for one more question', async () => {
    const fake = await startFake();
    const db = sqliteUrl();
    const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--agent-requests-per-minute', '2'] });
    const loc = await provision(db, proxy.url);
    const first = await readSse(await coachRequest(proxy.url, loc, { query: COMPOUND }));
    const plan = first.find((e) => e.event === 'route').data.plan;
    assert.ok(plan?.length >= 2, 'router v2 is on in the built-in policy, and plans the issue\'s example');
    const ended = first.filter((e) => e.event === 'step' && e.data.status !== 'running').map((e) => e.data.status);
    assert.deepEqual(ended, plan.map(() => 'done'), 'no step was refused by the request limit');
    assert.equal(first.at(-1).data.status, 'complete');
    const second = await coachRequest(proxy.url, loc, { query: 'What should I ask her next?' });
    assert.equal(second.status, 200);
    await readSse(second);
    const third = await coachRequest(proxy.url, loc, { query: 'And after that?' });
    assert.equal(third.status, 429);
    assert.equal((await third.json()).error.code, 'limits.agent_requests');
    proxy.stop();
    fake.stop();
  });
});
