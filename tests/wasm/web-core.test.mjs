// The widget's module (porchlight-web-core.mjs): no embedded policy, the widget's functions only;
// once given the policy's files, as the widget gives it the proxy's, it answers the parity corpus
// exactly as the whole-API module does.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadCore, root, wasmDir } from './helpers.mjs';

const { default: createWebCore } = await import(pathToFileURL(join(wasmDir, 'porchlight-web-core.mjs')).href);
const web = await createWebCore();
const full = await loadCore();

// core/data as files, as GET /v1/policy sends them.
function policyFiles(dir = join(root, 'core/data')) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

test('it has the widget\'s functions only, and no policy until it is given one', () => {
  assert.deepEqual(Object.keys(web).sort(), ['assignVariant', 'guidanceCards', 'loadPolicy', 'route', 'version']);
  assert.equal(JSON.parse(web.version()).policy, 'invalid');
  const profile = { id: 'a', location_id: 'l', name: 'A', role: 'buyer_agent' };
  for (const [fn, input] of [['route', { query: 'hi', profile }], ['guidanceCards', { profile, lead: { id: 'l1' } }],
    ['assignVariant', { experiment: {}, agent_id: 'a' }]])
    assert.equal(JSON.parse(web[fn](input)).error?.code, 'core.policy_not_loaded', fn);
  // Bad input is still a typed error, not a crash, before and after.
  assert.equal(JSON.parse(web.loadPolicy('{"files": 5')).error?.code, 'request.malformed_json');
  assert.ok(JSON.parse(web.loadPolicy({ files: { 'routing.json': '{' } })).error, 'a partial policy is refused');
  assert.equal(JSON.parse(web.version()).policy, 'invalid');
});

test('given the policy\'s files, it decides as the whole-API module does, byte for byte', () => {
  const files = policyFiles();
  const loaded = JSON.parse(web.loadPolicy({ files }));
  full.loadPolicy({ files: { 'router/model.json': files['router/model.json'] } });
  assert.equal(loaded.policy, JSON.parse(full.version()).policy);
  assert.equal(loaded.router, 'v2');
  const lines = readFileSync(join(root, 'tests/data/parity.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l)).filter((c) => ['route', 'guidanceCards', 'assignVariant'].includes(c.fn));
  assert.ok(lines.length >= 60, `${lines.length} cases`);
  for (const c of lines) {
    const input = typeof c.input === 'string' ? c.input : JSON.stringify(c.input);
    assert.equal(web[c.fn](input), full[c.fn](input), `${c.fn} ${input.slice(0, 80)}`);
  }
});
