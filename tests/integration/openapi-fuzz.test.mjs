// docs/api/openapi.yaml against the running proxy, by schemathesis (tests/support/fuzz.mjs): a
// bounded run with a fixed seed, so that a failure here reproduces; npm run bench runs longer ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz, startFuzzTarget } from '../support/fuzz.mjs';
import '../integration/harness.mjs';  // stops the proxy and the fake when the file ends

test('every answer to generated requests is documented and no server error', async () => {
  const target = await startFuzzTarget();
  const run = await fuzz({ ...target, maxExamples: 25, seed: 21 });
  assert.ok(run.cases >= 1000, `schemathesis ran ${run.cases} cases:\n${run.output}`);
  assert.equal(run.failures, 0, run.output);
  assert.ok(run.ok, run.output);
});
