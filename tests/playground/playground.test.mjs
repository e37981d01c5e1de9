// playground.test.mjs: the playground's scriptable mode (--dump): what the panels show for the
// sample scenarios, the regression view against a baseline, sending to a (fake) proxy, and bad
// input. The window itself is covered by window.test.mjs (under Xvfb). Run:
//   PORCHLIGHT_BIN=build/native/bin node --test tests/playground/
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BIN_DIR, SCENARIOS, dump, policyCopy, run, scenarioFile, startFake, tempDir,
} from './helpers.mjs';
import { provision, sqliteUrl, startFake as startHarnessFake, startProxy } from '../integration/harness.mjs';

const scenarioNames = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.json')).sort();
const readScenario = (name) => JSON.parse(fs.readFileSync(scenarioFile(name), 'utf8'));
const TIERS = ['fast', 'balanced', 'deep'];

function cacheControls(body) {
  let n = 0;
  for (const b of body.system ?? []) if (b.cache_control) n++;
  for (const m of body.messages ?? []) for (const b of m.content ?? []) if (b.cache_control) n++;
  return n;
}

describe('--scenario FILE --dump', () => {
  test('there are sample scenarios to run', () => {
    assert.ok(scenarioNames.length >= 5, `only ${scenarioNames.length} scenarios in ${SCENARIOS}`);
  });

  for (const name of scenarioNames) {
    test(`${name}: route, blocks with breakpoints, cost by tier`, () => {
      const scenario = readScenario(name);
      const out = dump(['--scenario', scenarioFile(name)]);
      assert.equal(out.scenario, scenario.name);
      if (scenario.expect) {
        assert.equal(out.route.specialist, scenario.expect.specialist, JSON.stringify(out.route.reasons));
        if (scenario.expect.tier) assert.equal(out.route.tier, scenario.expect.tier, JSON.stringify(out.route.reasons));
        assert.equal(out.expect.met, true);
      } else {
        assert.equal(out.expect, null);
      }
      assert.ok(out.route.confidence > 0 && out.route.confidence <= 1);
      assert.ok(out.route.reasons.length >= 1);

      // The blocks, most stable first, each with tokens; breakpoints counted from the body itself.
      assert.deepEqual(out.blocks.slice(0, 3).map((b) => b.name), ['house_rules', 'playbook', 'adaptation']);
      for (const b of out.blocks) assert.ok(b.tokens > 0, `${b.name} has ${b.tokens} tokens`);
      assert.equal(out.blocks.length, out.request.system.length);
      out.blocks.forEach((b, i) => assert.equal(b.cache_breakpoint, Boolean(out.request.system[i].cache_control)));
      assert.equal(out.breakpoints, cacheControls(out.request));
      assert.ok(out.breakpoints >= 1 && out.breakpoints <= 4, `${out.breakpoints} breakpoints`);

      // Same prompt, three prices: strictly cheaper on a cheaper tier, cold and cached.
      const cost = out.cost_by_tier;
      assert.deepEqual(Object.keys(cost).sort(), [...TIERS].sort());
      assert.ok(cost.fast.cost_usd < cost.balanced.cost_usd && cost.balanced.cost_usd < cost.deep.cost_usd,
        JSON.stringify(cost));
      assert.ok(cost.fast.cost_usd_cached < cost.balanced.cost_usd_cached &&
        cost.balanced.cost_usd_cached < cost.deep.cost_usd_cached, JSON.stringify(cost));
      for (const t of TIERS) assert.ok(cost[t].cost_usd_cached <= cost[t].cost_usd);
      const routed = TIERS.filter((t) => cost[t].routed);
      assert.deepEqual(routed, [out.route.tier]);
      assert.equal(cost[out.route.tier].model, out.route.model);
      assert.equal(cost[out.route.tier].cost_usd, out.route.estimate.cost_usd);
      assert.equal(out.request.model, out.route.model);
      assert.equal(out.request.stream, undefined, 'the dump shows the body as built, not streamed');
    });
  }

  test('the long conversation folds old turns into the summary and keeps the latest', () => {
    const scenario = readScenario('long-conversation.json');
    const out = dump(['--scenario', scenarioFile('long-conversation.json')]);
    const folded = out.context.folded_turns;
    assert.ok(folded > 0 && folded < scenario.history.length, `folded ${folded}`);
    assert.equal(out.turns.length, scenario.history.length);
    out.turns.forEach((t, i) => assert.equal(t.kept, i >= folded, `turn ${i}`));
    assert.ok(out.context.summary.startsWith(scenario.summary), 'the prior summary leads the slot');
    assert.ok(out.context.tokens.total <= scenario.context_budget_tokens);
    assert.equal(out.blocks.at(-1).name, 'summary');
    assert.equal(out.blocks.at(-1).cache_breakpoint, true);
    assert.equal(out.breakpoints, 4, 'playbook, adaptation, summary and the last kept turn');
    // Kept turns verbatim, then the query.
    assert.equal(out.request.messages.length, scenario.history.length - folded + 1);
  });

  test('shows exactly what the core API builds (porchlight prompt)', () => {
    const scenario = readScenario('long-conversation.json');
    const { name, expect, ...request } = scenario;
    const cli = spawnSync(path.join(BIN_DIR, 'porchlight'), ['prompt'], { input: JSON.stringify(request), encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const api = JSON.parse(cli.stdout);
    const out = dump(['--scenario', scenarioFile('long-conversation.json')]);
    assert.deepEqual(out.request, api.request);
    assert.deepEqual(out.route, api.route);
    assert.deepEqual(out.blocks, api.blocks);
    assert.deepEqual(out.context, api.context);
  });

  test('an unmet expectation exits 1 and says what differed', () => {
    const dir = tempDir();
    const scenario = readScenario('short-hello.json');
    scenario.expect = { specialist: 'compliance' };
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(scenario));
    const out = dump(['--scenario', path.join(dir, 's.json')], { status: 1 });
    assert.equal(out.expect.met, false);
    assert.match(out.expect.failures[0], /^specialist: expected compliance, got /);
  });

  test('--policy decides with an edited copy of core/data', () => {
    const policy = policyCopy({ v1: true });
    const routing = JSON.parse(fs.readFileSync(path.join(policy, 'routing.json'), 'utf8'));
    routing.specialists.qualification.default_tier = 'deep';
    fs.writeFileSync(path.join(policy, 'routing.json'), JSON.stringify(routing, null, 2));
    const before = dump(['--scenario', scenarioFile('first-time-buyer-preapproval.json')]);
    const after = dump(['--scenario', scenarioFile('first-time-buyer-preapproval.json'), '--policy', policy], { status: 1 });
    assert.equal(before.route.tier, 'fast');
    assert.equal(after.route.tier, 'deep');
    assert.notEqual(after.policy_version, before.policy_version, 'an edit is a new policy version');
  });
});

describe('--scenarios DIR --dump: the regression view', () => {
  let baseline;
  before(() => {
    baseline = path.join(tempDir(), 'baseline.json');
    const out = dump(['--scenarios', SCENARIOS, '--save-baseline', baseline]);
    assert.equal(out.summary.new, scenarioNames.length, 'without a baseline every row is new');
  });

  test('the baseline holds every decision, and the same policy compares as unchanged', () => {
    const saved = JSON.parse(fs.readFileSync(baseline, 'utf8'));
    assert.equal(Object.keys(saved).length, scenarioNames.length);
    for (const d of Object.values(saved)) assert.deepEqual(Object.keys(d).sort(), ['confidence', 'input_tokens', 'model', 'specialist', 'tier']);
    const out = dump(['--scenarios', SCENARIOS, '--baseline', baseline, '--fail-on-change']);
    assert.deepEqual(out.summary, { scenarios: scenarioNames.length, changed: 0, new: 0, missing: 0, invalid: 0, expect_failed: 0 });
    for (const row of out.rows) {
      assert.equal(row.status, 'same', row.name);
      assert.deepEqual(row.now, row.baseline);
    }
  });

  test('issue: a routing edit changes decisions: highlighted against the baseline, expectations checked', () => {
    // Router v1's tables are edited, so the baseline is router v1's too (v2 off in both copies).
    const v1Baseline = path.join(tempDir(), 'v1-baseline.json');
    dump(['--scenarios', SCENARIOS, '--policy', policyCopy({ v1: true }), '--save-baseline', v1Baseline], { status: 1 });
    const policy = policyCopy({ v1: true });
    const routing = JSON.parse(fs.readFileSync(path.join(policy, 'routing.json'), 'utf8'));
    routing.specialists.transaction_timeline.default_tier = 'balanced';
    fs.writeFileSync(path.join(policy, 'routing.json'), JSON.stringify(routing, null, 2));
    const out = dump(['--scenarios', SCENARIOS, '--baseline', v1Baseline, '--policy', policy], { status: 1 });
    const changed = out.rows.filter((r) => r.status === 'changed');
    assert.deepEqual(changed.map((r) => r.file).sort(), ['long-conversation.json', 'tc-closing-disclosure.json']);
    for (const row of changed) {
      const tier = row.changes.find((c) => c.field === 'tier');
      assert.deepEqual(tier, { field: 'tier', was: 'fast', now: 'balanced', decision: true });
      assert.ok(row.changes.some((c) => c.field === 'model' && c.decision));
    }
    // The edit makes router v1 give the closing-disclosure question the tier its scenario expects;
    // v1 still prices the luxury comps deeper than expected (balanced), which router v2 gets right.
    assert.equal(changed.find((r) => r.file === 'tc-closing-disclosure.json').expect.met, true);
    assert.deepEqual(out.rows.filter((r) => r.expect && !r.expect.met).map((r) => r.file), ['luxury-comps.json']);
    assert.equal(out.summary.changed, 2);
    assert.equal(out.summary.expect_failed, 1);
    for (const row of out.rows.filter((r) => r.status !== 'changed')) assert.equal(row.status, 'same', row.name);
  });

  test('a playbook edit moves token counts only: shown, and fails only with --fail-on-change', () => {
    const policy = policyCopy();
    fs.appendFileSync(path.join(policy, 'playbooks/qualification.md'),
      '\nAlways end with the one question the agent should ask next, word for word.\n');
    const args = ['--scenarios', SCENARIOS, '--baseline', baseline, '--policy', policy];
    const out = dump(args);
    const changed = out.rows.filter((r) => r.status === 'changed');
    assert.ok(changed.length >= 1);
    for (const row of changed) {
      assert.equal(row.now.specialist, 'qualification');
      assert.deepEqual(row.changes.map((c) => [c.field, c.decision]), [['input_tokens', false]]);
      assert.ok(Number(row.changes[0].now) > Number(row.changes[0].was));
    }
    dump([...args, '--fail-on-change'], { status: 1 });
  });

  test('scenarios added to or removed from the folder show as new and missing', () => {
    const dir = tempDir();
    for (const f of scenarioNames.filter((f) => f !== 'short-hello.json')) fs.copyFileSync(scenarioFile(f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'extra.json'), JSON.stringify({ ...readScenario('short-hello.json'), name: 'brand new' }));
    const out = dump(['--scenarios', dir, '--baseline', baseline]);
    assert.deepEqual(out.missing, ['short hello']);
    assert.equal(out.rows.find((r) => r.file === 'extra.json').status, 'new');
    assert.equal(out.summary.new, 1);
    dump(['--scenarios', dir, '--baseline', baseline, '--fail-on-change'], { status: 1 });
  });
});

describe('--send URL: a running proxy (here the fake upstream, the same API)', () => {
  let fake;
  const SECRET = 'sk_test_DO_NOT_PRINT_4f1c9a';
  before(async () => { fake = await startFake(); });
  after(() => fake?.stop());
  beforeEach(async () => { await fake.control('POST', '/_fake/reset'); });

  test('streams the answer and reports usage, cost, latency, TTFT and cache reads; the key is never printed', async () => {
    await fake.control('POST', '/_fake/script', [{ ttft_ms: 150, tokens_per_second: 400 }]);
    const args = ['--scenario', scenarioFile('first-time-buyer-preapproval.json'), '--send', fake.url, '--dump'];
    const first = run(args, { env: { PORCHLIGHT_PLAYGROUND_KEY: SECRET } });
    assert.equal(first.status, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    const send = out.send;
    assert.equal(send.state, 'done', send.error);
    assert.equal(send.http_status, 200);
    assert.equal(send.model, out.route.model);
    assert.ok(send.text.length > 20);
    assert.equal(send.stop_reason, 'end_turn');
    assert.ok(send.usage.output_tokens > 0 && send.usage.input_tokens > 0);
    assert.ok(send.usage.cache_creation_input_tokens > 0, 'the first call writes the cached prefix');
    assert.ok(send.ttft_ms >= 140 && send.ttft_ms < send.latency_ms, `ttft ${send.ttft_ms} latency ${send.latency_ms}`);
    assert.ok(send.cost.total_usd > 0);
    assert.match(send.request_id, /^req_/);
    for (const text of [first.stdout, first.stderr]) assert.ok(!text.includes(SECRET), 'the secret key leaked');

    // What went over the wire: the built body, streamed, with the key and version headers.
    const [logged] = await fake.control('GET', '/_fake/requests');
    assert.equal(logged.path, '/v1/messages');
    assert.equal(logged.headers['anthropic-version'], '2023-06-01');
    assert.equal(logged.headers['x-api-key'], `${SECRET.slice(0, 6)}...`);
    assert.equal(logged.body.stream, true);
    assert.deepEqual(logged.body.system, out.request.system);

    const second = JSON.parse(run(args, { env: { PORCHLIGHT_PLAYGROUND_KEY: SECRET } }).stdout).send;
    assert.ok(second.usage.cache_read_input_tokens > 0, 'the second call reads the prefix from the cache');
  });

  test('an upstream error is reported with its type, and exits 1', async () => {
    await fake.control('POST', '/_fake/script', [{ status: 529, error_type: 'overloaded_error', error_message: 'Overloaded' }]);
    const out = dump(['--scenario', scenarioFile('short-hello.json'), '--send', fake.url], { status: 1 });
    assert.equal(out.send.state, 'failed');
    assert.equal(out.send.http_status, 529);
    assert.match(out.send.error, /overloaded_error/);
  });

  test('a stream cut before message_stop is reported as incomplete', async () => {
    await fake.control('POST', '/_fake/script', [{ disconnect_after_events: 4 }]);
    const out = dump(['--scenario', scenarioFile('short-hello.json'), '--send', fake.url], { status: 1 });
    assert.equal(out.send.state, 'failed');
    assert.match(out.send.error, /broke|before message_stop/);
  });

  test('nothing listening, or an https URL: a diagnosis, not a crash', () => {
    let out = dump(['--scenario', scenarioFile('short-hello.json'), '--send', 'http://127.0.0.1:1'], { status: 1 });
    assert.match(out.send.error, /cannot connect to 127\.0\.0\.1:1/);
    out = dump(['--scenario', scenarioFile('short-hello.json'), '--send', 'https://proxy.example'], { status: 1 });
    assert.match(out.send.error, /http:\/\//);
  });
});

describe('--send URL: through porchlight-proxy itself, with a secret key', () => {
  let upstream;
  let proxy;
  let loc;
  before(async () => {
    upstream = await startHarnessFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: upstream.url });
    loc = await provision(db, proxy.url);
  });
  after(() => {
    proxy?.stop();
    upstream?.stop();
  });

  test('the answer streams through the proxy, which records the usage against the key\'s location', async () => {
    const first = run(['--scenario', scenarioFile('first-time-buyer-preapproval.json'), '--send', proxy.url, '--dump'],
      { env: { PORCHLIGHT_PLAYGROUND_KEY: loc.sk } });
    assert.equal(first.status, 0, first.stderr);
    const send = JSON.parse(first.stdout).send;
    assert.equal(send.state, 'done', send.error);
    assert.equal(send.http_status, 200);
    assert.ok(send.text.length > 20);
    assert.ok(send.usage.input_tokens > 0 && send.usage.output_tokens > 0);
    assert.ok(send.cost.total_usd > 0);
    assert.ok(!first.stdout.includes(loc.sk) && !first.stderr.includes(loc.sk), 'the secret key leaked');
    // Usage is written off the request path: give the writer a moment.
    let totals;
    for (let i = 0; i < 50 && !(totals?.requests >= 1); i++) {
      totals = (await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json()).totals;
      if (!(totals?.requests >= 1)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(totals.requests, 1);
    assert.ok(totals.cost_usd > 0);
  });

  test('a wrong key is the proxy\'s 401, reported with its type', () => {
    const out = dump(['--scenario', scenarioFile('short-hello.json'), '--send', proxy.url],
      { status: 1, env: { PORCHLIGHT_PLAYGROUND_KEY: 'sk_not_a_real_key_000000000000' } });
    assert.equal(out.send.state, 'failed');
    assert.equal(out.send.http_status, 401);
    assert.match(out.send.error, /authentication_error/);
  });
});

describe('bad input: exit 2 and a diagnosis, never a crash', () => {
  const dir = tempDir();
  const write = (name, text) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
  const valid = readScenario('short-hello.json');
  const cases = [
    ['a missing file', ['--scenario', path.join(dir, 'nope.json')], /file\.cannot_read/],
    ['malformed JSON', ['--scenario', write('broken.json', '{"name": "x", "profile": {')], /request\.malformed_json/],
    ['not an object', ['--scenario', write('array.json', '[1, 2]')], /scenario\.invalid_type/],
    ['an unknown role', ['--scenario', write('role.json', JSON.stringify({ ...valid, profile: { ...valid.profile, role: 'buyer' } }))],
      /profile\.invalid_role.*expected one of buyer_agent/],
    ['an unknown field', ['--scenario', write('field.json', JSON.stringify({ ...valid, temperature: 1 }))], /scenario\.unknown_field/],
    ['a bad expectation', ['--scenario', write('expect.json', JSON.stringify({ ...valid, expect: { tier: 'huge' } }))], /expect\.invalid_tier/],
    ['a missing query', ['--scenario', write('query.json', JSON.stringify({ ...valid, query: undefined }))], /scenario\.missing_query/],
    ['invalid UTF-8', ['--scenario', write('utf8.json', Buffer.from([0x7b, 0xff, 0x7d]))], /request\.invalid_utf8/],
    ['a folder as the scenario', ['--scenario', dir], /is a folder/],
    ['a missing scenarios folder', ['--scenarios', path.join(dir, 'none')], /scenarios\.cannot_read/],
    ['a malformed baseline', ['--scenarios', SCENARIOS, '--baseline', write('baseline.json', '{"a": {"tier": 1}}')],
      /baseline\.missing_specialist|baseline\.invalid_tier/],
    ['a missing policy folder', ['--scenario', scenarioFile('short-hello.json'), '--policy', path.join(dir, 'none')], /policy\.cannot_read/],
  ];
  for (const [what, args, message] of cases) {
    test(what, () => {
      const r = run([...args, '--dump']);
      assert.equal(r.status, 2, `exit ${r.status} (signal ${r.signal}); stderr:\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('a broken file in a scenarios folder names the file', () => {
    const folder = tempDir();
    fs.copyFileSync(scenarioFile('short-hello.json'), path.join(folder, 'ok.json'));
    fs.writeFileSync(path.join(folder, 'broken.json'), '{');
    const r = run(['--scenarios', folder, '--dump']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /broken\.json/);
    const table = JSON.parse(r.stdout);
    assert.equal(table.rows.find((row) => row.file === 'broken.json').status, 'invalid');
  });

  test('two scenarios with one name are rejected (baselines are keyed by name)', () => {
    const folder = tempDir();
    fs.copyFileSync(scenarioFile('short-hello.json'), path.join(folder, 'a.json'));
    fs.copyFileSync(scenarioFile('short-hello.json'), path.join(folder, 'b.json'));
    const r = run(['--scenarios', folder, '--dump']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /scenarios\.duplicate_name/);
  });

  test('a policy folder with a broken file lists the policy errors', () => {
    const policy = policyCopy();
    fs.writeFileSync(path.join(policy, 'routing.json'), '{"specialists": ');
    const r = run(['--scenario', scenarioFile('short-hello.json'), '--policy', policy, '--dump']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /routing\.json/);
  });

  for (const args of [['--dump'], ['--frobnicate'], ['--scenario'], ['--frames', 'x'],
    ['--scenario', 'a.json', '--scenarios', 'b', '--dump'], ['--screenshot', 'x.png']]) {
    test(`usage: ${args.join(' ')}`, () => {
      const r = run(args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /usage: porchlight-playground/);
    });
  }
});
