// fuzz.mjs: the proxy fuzzed from its contract. schemathesis (in .venv, pinned by requirements.txt)
// reads docs/api/openapi.yaml and sends generated requests, valid and invalid, to a running proxy
// with a real secret key; an answer fails when it is a server error, or when its status, content
// type, headers or body are not ones the document lists for that operation.
//
// PUT /v1/settings runs last and alone: it sets the location's budget and rate limits, which would
// turn every later call into a 429. Used by tests/integration/openapi-fuzz.test.mjs (bounded, a
// fixed seed) and bench/api/run (longer, a new seed each run).

import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { root, tempDir } from './paths.mjs';
import { runToEnd, startFake, startProxy } from './processes.mjs';
import { createKey, createLocation } from './provision.mjs';

const schemathesis = join(root, '.venv/bin/schemathesis');
export const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance',
  'response_schema_conformance'];

/** The proxy against the fake upstream, on a scratch SQLite store, with a location, its sk_ key and agent-1. */
export async function startFuzzTarget() {
  const fake = await startFake();
  await fake.defaults({ tokens_per_second: 100000 });
  const databaseUrl = `sqlite://${join(tempDir('porchlight-fuzz-'), 'porchlight.db')}`;
  // Limits far above what the run sends: a 429 here would only hide the operations behind it.
  const unlimited = ['key', 'agent', 'location'].flatMap((b) => [`--${b}-requests-per-minute`, '10000000'])
    .concat(['--agent-tokens-per-minute', '1000000000', '--location-tokens-per-minute', '1000000000']);
  // GoHighLevel's doors open too (a webhook key, a shared secret): fuzzed, they must refuse with 4xx.
  const ghl = ['--ghl-webhook-public-key', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64')];
  const proxy = await startProxy({ databaseUrl, upstreamUrl: fake.url, args: [...unlimited, ...ghl],
    env: { GHL_APP_SHARED_SECRET: 'fuzz-shared-secret-0123456789' } });
  const location = createLocation(databaseUrl, 'Fuzz Realty');
  const key = createKey(databaseUrl, location.id, 'sk');
  const agent = await fetch(proxy.url + '/v1/profiles', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'agent-1', name: 'Dana Whitfield', role: 'buyer_agent' }) });
  if (agent.status !== 201) throw new Error(`create agent-1: ${agent.status}`);
  return { url: proxy.url, key };
}

/**
 * Runs schemathesis on every operation, then on PUT /v1/settings; returns
 * { ok, cases, failures, seconds, output } (output: what schemathesis printed, failures with
 * a curl line to reproduce each, the key filtered out).
 */
export async function fuzz({ url, key, maxExamples, seed }) {
  const started = Date.now();
  const cwd = tempDir('porchlight-schemathesis-');  // where it keeps its .hypothesis folder
  const run = (selection) => runToEnd(schemathesis, ['run', join(root, 'docs/api/openapi.yaml'), '--url', url, '--header', `x-api-key: ${key}`,
    '--checks', CHECKS.join(','), '--max-examples', String(maxExamples), '--seed', String(seed), '--workers', '1', ...selection],
  { cwd, env: { NO_COLOR: '1' } });
  const runs = [await run(['--exclude-method', 'PUT', '--exclude-path', '/v1/settings']),
    await run(['--include-method', 'PUT', '--include-path', '/v1/settings'])];
  const count = (re, text) => Number(text.match(re)?.[1] ?? 0);
  const output = runs.map((r) => `${r.stdout}${r.stderr}`).join('\n').replaceAll(key, 'sk_…');
  return {
    ok: runs.every((r) => r.status === 0),
    cases: runs.reduce((n, r) => n + count(/(\d+) generated/, r.stdout), 0),
    failures: runs.reduce((n, r) => n + count(/found (\d+) unique failure/, r.stdout), 0),
    seconds: (Date.now() - started) / 1000,
    output,
  };
}
