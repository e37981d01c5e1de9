// Router v2 (docs/coaching.md, section 9): the committed model is what the trainer makes from the
// committed data, and the core decides with it byte for byte alike natively and in WebAssembly on
// every labeled request.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCore, nativeBuilds, root, wasmCli } from './helpers.mjs';

const data = join(root, 'tests/data/routing');
const policy = join(root, 'core/data');
const native = nativeBuilds()[0].bin;
const work = mkdtempSync(join(tmpdir(), 'porchlight-router-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

test('the committed model is what porchlight train makes from the committed data (retrain after editing either)', () => {
  const copy = join(work, 'data');
  cpSync(policy, copy, { recursive: true });
  const said = run(native, ['train', data, copy]);
  assert.match(said, /^trained router-\S+ on \d+ of \d+ requests \(seed 2026\)/);
  assert.equal(readFileSync(join(copy, 'router/model.json'), 'utf8'), readFileSync(join(policy, 'router/model.json'), 'utf8'),
    'core/data/router/model.json is stale: run `build/native/bin/porchlight train tests/data/routing core/data`');
  assert.equal(readFileSync(join(copy, 'routing.json'), 'utf8'), readFileSync(join(policy, 'routing.json'), 'utf8'));
  // A different seed gives a different model (the seed is used, not ignored).
  const other = join(work, 'other');
  cpSync(policy, other, { recursive: true });
  run(native, ['train', data, other, '--seed', '7']);
  assert.notEqual(readFileSync(join(other, 'router/model.json'), 'utf8'), readFileSync(join(policy, 'router/model.json'), 'utf8'));
});

test('native and WebAssembly give the same decision for every labeled request', () => {
  const args = ['eval', data, '--policy', policy, '--split', 'all', '--decisions'];
  const nativeLines = run(native, args).trimEnd().split('\n');
  const wasmLines = run(process.execPath, [wasmCli, ...args]).trimEnd().split('\n');
  const labeled = readFileSync(join(data, 'buyers.jsonl'), 'utf8').trim().split('\n').length;
  assert.ok(nativeLines.length >= 800 && nativeLines.length > labeled, `${nativeLines.length} decisions`);
  assert.equal(wasmLines.length, nativeLines.length);
  for (let i = 0; i < nativeLines.length; i++) assert.equal(wasmLines[i], nativeLines[i], `decision ${i + 1}`);
  // They are router v2's decisions, not errors that would trivially agree.
  const decisions = nativeLines.map((l) => JSON.parse(l).route);
  assert.ok(decisions.every((d) => d.tier_adequacy && d.specialist), 'every decision is router v2\'s');
  assert.ok(decisions.some((d) => d.plan?.length >= 2), 'some requests are planned as compound');
});

test('porchlight eval prints every figure, v2 beside v1, from the test split', () => {
  const out = run(native, ['eval', data, '--policy', policy]);
  for (const name of ['specialist_macro_f1', 'specialist_accuracy', 'plan_f1', 'tier_underrouting_rate',
    'tier_overrouting_rate', 'cost_saving_vs_balanced', 'cost_saving_vs_deep']) {
    for (const row of ['eval', 'eval.v1']) {
      const m = out.match(new RegExp(`^BENCH ${row.replace('.', '\\.')}\\.${name}=(-?[0-9.]+) ratio$`, 'm'));
      assert.ok(m, `${row}.${name} missing`);
      assert.ok(Number(m[1]) >= -1 && Number(m[1]) <= 1, `${row}.${name}=${m[1]}`);
    }
  }
  for (const row of ['eval', 'eval.v1']) {
    const share = out.match(new RegExp(`^BENCH ${row.replace('.', '\\.')}\\.cache_read_share_turn2plus=([0-9.]+) ratio$`, 'm'));
    assert.ok(share && Number(share[1]) > 0 && Number(share[1]) <= 1, `${row} cache share`);
    assert.match(out, new RegExp(`^BENCH ${row.replace('.', '\\.')}\\.cache_saving_usd_per_1k_sessions=-?[0-9.]+ usd$`, 'm'));
  }
  assert.match(out, /^BENCH eval\.route_p99_us_native=[0-9.]+ us$/m);
  assert.match(out, /\(test split, seed 2026, \d+ compound\)/);
  assert.match(out, /^confusion \(router v2/m);
});

test('the held-out set is never trained on: none of its requests is in the dataset', () => {
  const read = (dir) => execFileSync('sh', ['-c', `cat ${dir}/*.jsonl`], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  const norm = (q) => q.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const trained = new Set(read(data).map((r) => norm(r.query)));
  const heldout = read(join(root, 'tests/data/routing-heldout'));
  assert.ok(heldout.length >= 100, `${heldout.length} held-out requests`);
  assert.deepEqual(heldout.filter((r) => trained.has(norm(r.query))).map((r) => r.id), []);
});

test('bad arguments and bad data are refused with a reason, not a crash', () => {
  const fails = (args) => {
    try { run(native, args); } catch (e) { return { status: e.status, stderr: String(e.stderr) }; }
    assert.fail(`${args.join(' ')} succeeded`);
  };
  assert.equal(fails(['eval', data, '--split', 'everything']).status, 2);
  assert.equal(fails(['train', data, work, '--seed', 'x']).status, 2);
  assert.match(fails(['eval', join(work, 'nothing-here')]).stderr, /no \.jsonl files/);
  assert.match(fails(['train', data, join(work, 'no-policy-here')]).stderr, /cannot read the policy folder/);
  assert.match(fails(['eval', data, '--policy', join(work, 'no-policy-here')]).stderr, /cannot read the policy folder/);
});

test('the browser\'s module adopts a proxy\'s policy (router v2 and its weights) with loadPolicy, and decides as native does', async () => {
  // A deployment's policy: the built-in one with router v2 on (what --policy-dir would serve).
  const folder = join(work, 'v2');
  cpSync(policy, folder, { recursive: true });
  const routing = JSON.parse(readFileSync(join(folder, 'routing.json'), 'utf8'));
  routing.learned.enabled = true;
  writeFileSync(join(folder, 'routing.json'), JSON.stringify(routing));
  const version = run(native, ['policy', 'check', folder]).match(/^ok: policy (\S+)/)[1];

  const core = await loadCore();
  const builtIn = JSON.parse(core.version()).policy;
  assert.equal(JSON.parse(core.version()).router, 'v2_awaiting_weights', 'the module embeds no weights');
  assert.notEqual(version, builtIn);
  const files = { 'routing.json': readFileSync(join(folder, 'routing.json'), 'utf8'),
                  'router/model.json': readFileSync(join(folder, 'router/model.json'), 'utf8') };
  assert.equal(JSON.parse(core.loadPolicy(JSON.stringify({ files }))).policy, version, 'the same version as the proxy\'s');

  // Decisions as native makes them with that policy (eval --decisions, whose own policy version
  // differs: it switches v2 on itself), for a compound request.
  const query = 'comps for 12 Oak St and how do I answer her commission pushback';
  const dataset = mkdtempSync(join(work, 'one-'));
  writeFileSync(join(dataset, 'x.jsonl'), JSON.stringify({ id: 'x-1', query, role: 'buyer_agent', experience: 'intermediate',
    specializations: [], stage: 'qualifying', specialists: ['market_analysis'], tier: 'balanced' }) + '\n');
  const expected = JSON.parse(run(native, ['eval', dataset, '--policy', folder, '--split', 'all', '--decisions'])).route;
  const decide = () => JSON.parse(core.route(JSON.stringify({ query, stage: 'qualifying',
    profile: { id: 'agent-1', location_id: 'loc-1', name: 'Dana', role: 'buyer_agent', experience: 'intermediate' } })));
  const got = decide();
  for (const key of ['specialist', 'tier', 'plan', 'tier_adequacy', 'confidence', 'reasons'])
    assert.deepEqual(got[key], expected[key], key);
  assert.ok(got.plan.length >= 2, 'planned as compound');

  // Files that do not make a policy are refused, and the policy in use stays.
  const broken = JSON.parse(core.loadPolicy(JSON.stringify({ files: { 'routing.json': '{' } })));
  assert.equal(broken.error.code, 'policy.invalid_file');
  assert.equal(JSON.parse(core.loadPolicy('{"files": 3}')).error.code, 'load_policy.invalid_files');
  assert.deepEqual(decide().plan, got.plan);
  // No files: back to the built-in policy, without its weights (router v1 decides: no plans).
  assert.equal(JSON.parse(core.loadPolicy('{"files": {}}')).policy, builtIn);
  assert.equal(JSON.parse(core.version()).router, 'v2_awaiting_weights');
  assert.equal(decide().plan, undefined);
});

test('the built-in policy\'s weights alone (what the widget fetches after first paint) make the module decide as native does', async () => {
  const core = await loadCore();
  const before = JSON.parse(core.version());
  const loaded = JSON.parse(core.loadPolicy(JSON.stringify({ files: { 'router/model.json': readFileSync(join(policy, 'router/model.json'), 'utf8') } })));
  assert.deepEqual([loaded.policy, loaded.router], [before.policy, 'v2'], 'the same version, now with router v2 deciding');
  const request = { query: 'comps for 12 Oak St and how do I answer her commission pushback', stage: 'qualifying',
    profile: { id: 'agent-1', location_id: 'loc-1', name: 'Dana', role: 'buyer_agent', experience: 'intermediate' } };
  const file = join(work, 'one-request.json');
  writeFileSync(file, JSON.stringify(request));
  const expected = JSON.parse(run(native, ['route', file]));
  assert.ok(expected.tier_adequacy, 'native decides with router v2');
  assert.deepEqual(JSON.parse(core.route(JSON.stringify(request))), expected);
});
