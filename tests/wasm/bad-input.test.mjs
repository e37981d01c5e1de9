// The bad-input corpus: typed errors natively (optimized and ASan/UBSan) and in WASM, never an abort.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badInputs, toCorpusLine } from '../data/bad-inputs.mjs';
import { loadCore, nativeBuilds, runNativeCorpus, wasmCli } from './helpers.mjs';

function check(answerText, c) {
  const answer = JSON.parse(answerText);
  if (c.validation) {
    assert.equal(answer.valid, false);
    assert.ok(answer.errors.some((e) => e.code === c.validation), answerText.slice(0, 300));
    return;
  }
  assert.ok(answer.error, `${c.name}: expected an error, got ${answerText.slice(0, 200)}`);
  assert.equal(answer.error.code, c.code, `${c.name}: ${answer.error.message}`);
  assert.equal(typeof answer.error.message, 'string');
  assert.equal(typeof answer.error.path, 'string');
  assert.ok(answerText.length < 64 * 1024, `${c.name}: the error is ${answerText.length} bytes`);
}

const core = await loadCore();

test('WASM answers every bad input with its typed error', () => {
  for (const c of badInputs.filter((x) => typeof core[x.fn] === 'function')) {
    const input = typeof c.input === 'string' || c.input instanceof Uint8Array ? c.input : JSON.stringify(c.input);
    let answer;
    assert.doesNotThrow(() => { answer = core[c.fn](input); }, c.name);
    check(answer, c);
  }
  // The module still works after all of that.
  assert.equal(JSON.parse(core.version()).schema_version, 1);
});

for (const build of nativeBuilds()) {
  test(`${build.name} answers every bad input with its typed error`, () => {
    const cases = badInputs.filter((c) => !c.wasmOnly);
    const answers = runNativeCorpus(build.bin, cases.map(toCorpusLine));
    assert.equal(answers.length, cases.length);
    cases.forEach((c, i) => check(answers[i], c));
  });
}

test('the CLI built to WebAssembly answers the bad inputs of the functions the module leaves out', () => {
  const cases = badInputs.filter((c) => typeof core[c.fn] !== 'function');
  assert.ok(cases.length >= 4);
  const answers = runNativeCorpus(wasmCli, cases.map(toCorpusLine), { node: true });
  cases.forEach((c, i) => check(answers[i], c));
});
