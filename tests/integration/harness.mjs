// Integration harness: the real proxy, the fake Anthropic upstream, real PostgreSQL and Redis
// (started by scripts/test through scripts/services; their URLs arrive as PORCHLIGHT_TEST_*).
// The work is done in tests/support/; here is what the integration tests add to it: a CRM origin,
// a provisioned location with its keys and agent, and coaching requests as that CRM's page sends.
//
// Every process a test starts is stopped when the test file ends, also on failure.
import { after } from 'node:test';
import { stopProcesses } from '../support/processes.mjs';
import { createKey, createLocation } from '../support/provision.mjs';
import { mintAgentToken as mint } from '../support/tokens.mjs';

export { binDir, fakeBin, proxyBin, root } from '../support/paths.mjs';
export { admin, freePort, startFake, startProxy } from '../support/processes.mjs';
export { createKey } from '../support/provision.mjs';
export { createPostgresDatabase, postgresUrl, requireEnv, sql, sqliteUrl } from '../support/db.mjs';
export { readSse } from '../support/sse.mjs';
export { base64url, signJwt } from '../support/tokens.mjs';

export const CRM_ORIGIN = 'http://crm.example.test';

after(stopProcesses);

// A location with a secret key, a publishable key for CRM_ORIGIN and an agent profile.
export async function provision(databaseUrl, proxyUrl) {
  const { id, secret } = createLocation(databaseUrl, 'Test Realty');
  const sk = createKey(databaseUrl, id, 'sk');
  const pk = createKey(databaseUrl, id, 'pk', { origins: [CRM_ORIGIN] });
  const location = { id, secret, sk, pk };
  if (proxyUrl) await createAgent(proxyUrl, sk, 'agent-1');
  return location;
}

export async function createAgent(proxyUrl, sk, id, extra = {}) {
  const r = await fetch(proxyUrl + '/v1/profiles', {
    method: 'POST',
    headers: { 'x-api-key': sk, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: 'Dana Whitfield', role: 'buyer_agent', experience: 'novice',
      specializations: ['first_time_buyers'], ...extra }),
  });
  if (r.status !== 201) throw new Error(`create agent: ${r.status} ${await r.text()}`);
  return r.json();
}

// An agent token for agent-1 (docs/embedding.md's recipe: tests/support/tokens.mjs).
export const mintAgentToken = (secret, { agentId = 'agent-1', ...claims } = {}) => mint(secret, { agentId, ...claims });

export function coachRequest(proxyUrl, location, body, { browser = true, token, headers = {}, signal } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (browser) {
    h['x-api-key'] = location.pk;
    h.origin = CRM_ORIGIN;
    h['x-porchlight-agent-token'] = token ?? mintAgentToken(location.secret, { locationId: location.id });
  } else {
    h['x-api-key'] = location.sk;
  }
  return fetch(proxyUrl + '/v1/coach', { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body), signal });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
