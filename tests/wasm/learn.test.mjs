// The learn module in WebAssembly: the browser's core picks the variant the proxy's would from the
// split the proxy publishes. The decisions (evaluateExperiment, planExperiment) are the proxy's:
// they run through the CLI, natively and built to WebAssembly (byte parity: parity.test.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCore, nativeBuilds, runNativeCorpus, wasmCli } from './helpers.mjs';

const core = await loadCore();
const native = nativeBuilds()[0].bin;
// The proxy's side: one call of the native core's JSON API.
const decide = (fn, input) => JSON.parse(runNativeCorpus(native, [JSON.stringify({ fn, input })])[0]);
const experiment = { id: 'exp-objection-tone', guidance_type: 'objection_response', min_sample: 100,
  variants: [{ id: 'control' }, { id: 'empathy_first' }] };

test('assignVariant: an agent keeps its variant, and agents spread over the split', () => {
  const withSplit = { ...experiment, allocation: [{ variant: 'control', share: 0.25 }, { variant: 'empathy_first', share: 0.75 }] };
  let challenger = 0;
  for (let i = 0; i < 2000; i++) {
    const a = JSON.parse(core.assignVariant({ experiment: withSplit, agent_id: `agent-${i}` }));
    const b = JSON.parse(core.assignVariant({ experiment: withSplit, agent_id: `agent-${i}` }));
    assert.equal(a.variant, b.variant);
    assert.equal(a.variant === 'empathy_first', a.bucket >= 0.25);
    challenger += a.variant === 'empathy_first';
  }
  assert.ok(challenger > 1400 && challenger < 1600, `${challenger} of 2000 got the challenger`);
});

test('evaluateExperiment: a winner only once the interval against the control lies above zero', () => {
  const close = decide('evaluateExperiment', { experiment, counts: [
    { variant: 'control', trials: 800, successes: 240 }, { variant: 'empathy_first', trials: 800, successes: 250 }] });
  assert.equal(close.decision, 'exploring');
  assert.equal(close.winner, '');
  assert.ok(close.comparisons[0].interval[0] < 0 && close.comparisons[0].interval[1] > 0);
  const clear = decide('evaluateExperiment', { experiment, counts: [
    { variant: 'control', trials: 2000, successes: 600 }, { variant: 'empathy_first', trials: 2000, successes: 760 }] });
  assert.equal(clear.decision, 'winner');
  assert.equal(clear.winner, 'empathy_first');
  // Published back, the winner takes every agent.
  const decided = { ...experiment, winner: clear.winner, allocation: clear.allocation };
  assert.equal(JSON.parse(core.assignVariant({ experiment: decided, agent_id: 'agent-1' })).variant, 'empathy_first');
});

test('planExperiment: a 20% lift on a 30% rate needs thousands of results, a 50% lift far fewer', () => {
  const twenty = decide('planExperiment', { baseline_rate: 0.3, relative_lift: 0.2 });
  const fifty = decide('planExperiment', { baseline_rate: 0.3, relative_lift: 0.5 });
  assert.ok(twenty.total_sample > 3000, JSON.stringify(twenty));
  assert.ok(fifty.total_sample < twenty.total_sample / 3, JSON.stringify(fifty));
});

test("the loop: the browser core assigns, the proxy's core evaluates and publishes, until the test names the better variant", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const truth = { control: 0.3, empathy_first: 0.45 };
  let published = { ...experiment, allocation: [] };
  const counts = { control: { trials: 0, successes: 0 }, empathy_first: { trials: 0, successes: 0 } };
  const asList = () => Object.entries(counts).map(([variant, c]) => ({ variant, ...c }));
  let evaluation;
  for (let t = 0; t < 20000 && !published.winner; t++) {
    const { variant } = JSON.parse(core.assignVariant({ experiment: published, agent_id: `agent-${t}` }));
    counts[variant].trials++;
    if (rand() < truth[variant]) counts[variant].successes++;
    if (t % 500 === 499) {  // the proxy publishes a new policy version
      evaluation = decide('evaluateExperiment', { experiment, counts: asList() });
      assert.ok(!evaluation.error, JSON.stringify(evaluation));
      published = { ...experiment, allocation: evaluation.allocation, ...(evaluation.winner ? { winner: evaluation.winner } : {}) };
    }
  }
  assert.equal(evaluation.winner, 'empathy_first', JSON.stringify(evaluation));
  for (let i = 0; i < 50; i++)
    assert.equal(JSON.parse(core.assignVariant({ experiment: published, agent_id: `new-agent-${i}` })).variant, 'empathy_first');
  // The core built to WebAssembly reaches the same decision on the same counts, byte for byte.
  const line = JSON.stringify({ fn: 'evaluateExperiment', input: { experiment, counts: asList() } });
  const wasmAnswer = runNativeCorpus(wasmCli, [line], { node: true })[0];
  for (const build of nativeBuilds()) assert.equal(runNativeCorpus(build.bin, [line])[0], wasmAnswer, build.name);
});
