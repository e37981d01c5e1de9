// The Python suites: pytest (tests/python/test_*.py, run by .venv's Python) against the real proxy
// and the fake Anthropic upstream, which this file starts and provisions as every Node suite does
// (tests/support/), and hands to pytest as PORCHLIGHT_TEST (JSON, read by conftest.py). Each
// pytest test is reported here as a test of its own; a skipped one fails, because a test that did
// not run has not passed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { provision, root, sqliteUrl, startFake, startProxy } from '../integration/harness.mjs';
import { tempDir } from '../support/paths.mjs';
import { runToEnd } from '../support/processes.mjs';

const python = join(root, '.venv/bin/python');

test('pytest tests/python', async (t) => {
  assert.ok(existsSync(python), `${python} is missing: run scripts/python-env (npm test does)`);
  const fake = await startFake();
  await fake.defaults({ tokens_per_second: 2000 });
  const databaseUrl = sqliteUrl('porchlight-python-');
  const proxy = await startProxy({ databaseUrl, upstreamUrl: fake.url });
  // One location per concern: the limits and budget tests change their location's settings.
  const locations = {};
  for (const name of ['main', 'limits', 'budget']) locations[name] = await provision(databaseUrl, proxy.url);
  const report = join(tempDir('porchlight-pytest-'), 'report.jsonl');
  const run = await runToEnd(python, ['-m', 'pytest', join(root, 'tests/python'), '-q', '-p', 'no:cacheprovider', '-W', 'error::pytest.PytestUnraisableExceptionWarning'], {
    cwd: root, timeoutMs: 15 * 60 * 1000,
    env: { PORCHLIGHT_PYTEST_REPORT: report,
      PORCHLIGHT_TEST: JSON.stringify({ proxy_url: proxy.url, fake_url: fake.url, database_url: databaseUrl, locations }) },
  });
  if (run.status !== 0) t.diagnostic(`${run.stdout}\n${run.stderr}`);
  const results = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  assert.ok(results.length >= 10, `pytest reported ${results.length} tests (exit ${run.status}): ${run.stdout}\n${run.stderr}`);
  for (const r of results) {
    await t.test(r.nodeid, () => {
      assert.notEqual(r.outcome, 'skipped', `skipped: ${r.longrepr}`);
      assert.equal(r.outcome, 'passed', r.longrepr);
    });
  }
  assert.equal(run.status, 0, `pytest exited with ${run.status}`);
});
