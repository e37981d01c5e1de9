// One corpus through native and WASM: the answers must be byte-identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCore, nativeBuilds, root, runNativeCorpus } from './helpers.mjs';

const lines = readFileSync(join(root, 'tests/data/parity.jsonl'), 'utf8').split('\n').filter(Boolean);

test('the parity corpus has at least 200 cases covering every function', () => {
  assert.ok(lines.length >= 200, `only ${lines.length} cases`);
  const fns = new Set(lines.map((l) => JSON.parse(l).fn));
  for (const fn of ['version', 'route', 'buildPrompt', 'fitContext', 'estimateCost', 'validateProfile', 'guidanceCards',
    'offlineAnswer', 'qualify', 'extractFacts', 'contractTimeline', 'assignVariant', 'evaluateExperiment',
    'planExperiment'])
    assert.ok(fns.has(fn), `no ${fn} case`);
});

const core = await loadCore();
const wasmAnswers = lines.map((line) => {
  const c = JSON.parse(line);
  const input = typeof c.input === 'string' ? c.input : JSON.stringify(c.input);
  return c.fn === 'version' ? core.version() : core[c.fn](input);
});

for (const build of nativeBuilds()) {
  test(`WASM and ${build.name} answer the corpus byte for byte alike`, () => {
    const native = runNativeCorpus(build.bin, lines);
    assert.equal(native.length, lines.length);
    let errors = 0;
    for (let i = 0; i < lines.length; i++) {
      assert.equal(wasmAnswers[i], native[i], `case ${i + 1}: ${lines[i].slice(0, 120)}`);
      if (native[i].startsWith('{"error":')) errors++;
    }
    // Most of the corpus must be real answers, not errors that would trivially agree.
    assert.ok(errors < lines.length / 10, `${errors} of ${lines.length} answers are errors`);
  });
}
