// One corpus through native and WASM: the answers must be byte-identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCore, nativeBuilds, root, runNativeCorpus, wasmCli } from './helpers.mjs';

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
// As the widget does after first paint: router v2's weights, which the module does not embed.
core.loadPolicy(JSON.stringify({ files: { 'router/model.json': readFileSync(join(root, 'core/data/router/model.json'), 'utf8') } }));
// Functions the module leaves out (evaluateExperiment, planExperiment) run through the CLI built to
// WebAssembly: the same core, compiled the same way, in Node.
const inModule = (line) => { const fn = JSON.parse(line).fn; return fn === 'version' || typeof core[fn] === 'function'; };
const cliAnswers = runNativeCorpus(wasmCli, lines.filter((l) => !inModule(l)), { node: true });
const wasmAnswers = lines.map((line) => {
  if (!inModule(line)) return cliAnswers.shift();
  const c = JSON.parse(line);
  const input = typeof c.input === 'string' ? c.input : JSON.stringify(c.input);
  return c.fn === 'version' ? core.version() : core[c.fn](input);
});

test('the module leaves out only the functions the browser does not need', () => {
  for (const fn of ['evaluateExperiment', 'planExperiment']) assert.equal(core[fn], undefined, fn);
  assert.equal(typeof core.assignVariant, 'function');
  assert.ok(lines.filter((l) => !inModule(l)).length >= 40, 'the CLI side has the decision cases');
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
