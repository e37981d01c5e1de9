// Trust: keys, origins, agent tokens, admin sessions. Every refusal is a typed error.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { networkInterfaces } from 'node:os';
import { runToEnd } from '../support/processes.mjs';
import { rememberSecret } from '../support/secrets.mjs';
import { CRM_ORIGIN, admin, base64url as b64, coachRequest, createKey, mintAgentToken, provision, proxyBin, signJwt, sqliteUrl, startFake,
  startProxy } from './harness.mjs';

async function errorOf(response) {
  const body = await response.json();
  assert.equal(body.type, 'error');
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.type, 'string');
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe('authentication and authorization', () => {
  let fake, proxy, loc, db;
  before(async () => {
    fake = await startFake();
    db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);
  });
  const query = { query: 'hello' };

  test('no key, an unknown key, a malformed key', async () => {
    const none = await fetch(proxy.url + '/v1/coach', { method: 'POST', body: JSON.stringify(query) });
    assert.deepEqual([none.status, (await errorOf(none)).code], [401, 'auth.missing_key']);
    for (const key of ['sk_' + 'x'.repeat(40), 'nonsense', 'pk_short']) {
      const r = await fetch(proxy.url + '/v1/profiles', { headers: { 'x-api-key': key } });
      assert.deepEqual([r.status, (await errorOf(r)).code], [401, 'auth.invalid_key']);
    }
  });

  test('scopes hold: a usage:read key reads usage and nothing else; the refusal names the scope', async () => {
    const usageOnly = createKey(db, loc.id, 'sk', { scopes: ['usage:read'] });
    const headers = { 'x-api-key': usageOnly, 'content-type': 'application/json' };
    assert.equal((await fetch(proxy.url + '/v1/usage', { headers })).status, 200);
    const attempts = [
      ['POST', '/v1/profiles', { id: 'sneaky', name: 'S', role: 'buyer_agent' }, 'profiles:write'],
      ['GET', '/v1/profiles', undefined, 'profiles:read'],
      ['POST', '/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, 'messages'],
      ['POST', '/v1/coach', { profile_id: 'agent-1', query: 'hi' }, 'coach'],
      ['PUT', '/v1/settings', { monthly_budget_usd: 1 }, 'settings:write'],
      ['GET', '/v1/analytics', undefined, 'analytics:read'],
    ];
    for (const [method, path, body, scope] of attempts) {
      const r = await fetch(proxy.url + path, { method, headers, body: body && JSON.stringify(body) });
      const e = await errorOf(r);
      assert.deepEqual([r.status, e.code], [403, 'auth.scope_missing'], `${method} ${path}`);
      assert.ok(e.message.includes(scope), `${method} ${path}: the refusal names ${scope}`);
    }
    // The profile was not created behind the refusal.
    const check = await fetch(proxy.url + '/v1/profiles/sneaky', { headers: { 'x-api-key': loc.sk } });
    assert.equal(check.status, 404);
  });

  test('scopes at creation: unknown ones and server-only ones on a browser key are refused', () => {
    const refused = (args) => {
      try {
        admin(['keys', 'create', '--location', loc.id, ...args, '--database-url', db]);
      } catch (e) {
        return { status: e.status, stderr: String(e.stderr) };
      }
      return { status: 0, stderr: '' };
    };
    const unknown = refused(['--kind', 'sk', '--scope', 'everything']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /auth\.unknown_scope: .*usage:read/);
    const browser = refused(['--kind', 'pk', '--origin', CRM_ORIGIN, '--scope', 'messages']);
    assert.notEqual(browser.status, 0);
    assert.match(browser.stderr, /auth\.scope_not_for_browsers/);
  });

  test('a publishable key from a wrong origin, or with no origin', async () => {
    const token = mintAgentToken(loc.secret, { locationId: loc.id });
    const wrong = await fetch(proxy.url + '/v1/coach', { method: 'POST', body: JSON.stringify(query),
      headers: { 'x-api-key': loc.pk, origin: 'https://evil.example', 'x-porchlight-agent-token': token } });
    const refusal = await wrong.json();
    assert.deepEqual([wrong.status, refusal.error.code], [403, 'auth.origin_not_allowed']);
    // The page may read why it was refused (the widget says so), and nothing else: no data was served.
    assert.equal(wrong.headers.get('access-control-allow-origin'), 'https://evil.example');
    assert.deepEqual(Object.keys(refusal).sort(), ['error', 'request_id', 'type']);
    const noOrigin = await fetch(proxy.url + '/v1/coach', { method: 'POST', body: JSON.stringify(query),
      headers: { 'x-api-key': loc.pk, 'x-porchlight-agent-token': token } });
    assert.equal((await errorOf(noOrigin)).code, 'auth.origin_not_allowed');
  });

  test('agent tokens: missing, expired, forged, too long-lived, alg none, another location', async () => {
    const cases = [
      [undefined, 'auth.invalid_token'],
      [mintAgentToken(loc.secret, { locationId: loc.id, iat: Math.floor(Date.now() / 1000) - 7200, ttl: 3000 }), 'auth.expired_token'],
      [mintAgentToken('not-the-secret', { locationId: loc.id }), 'auth.invalid_token'],
      [mintAgentToken(loc.secret, { locationId: loc.id, ttl: 86400 }), 'auth.token_lifetime'],
      [mintAgentToken(loc.secret, { locationId: 'loc_other' }), 'auth.invalid_token'],
    ];
    const now = Math.floor(Date.now() / 1000);
    cases.push([`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'agent-1', location_id: loc.id, iat: now, exp: now + 60 })}.`, 'auth.invalid_token']);
    const hs = (alg) => signJwt(loc.secret, { sub: 'agent-1', location_id: loc.id, iat: now, exp: now + 60 }, { alg, typ: 'JWT' });
    cases.push([hs('HS512'), 'auth.invalid_token']);
    for (const [token, code] of cases) {
      const headers = { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'content-type': 'application/json' };
      if (token) headers['x-porchlight-agent-token'] = token;
      const r = await fetch(proxy.url + '/v1/coach', { method: 'POST', headers, body: JSON.stringify(query) });
      const e = await errorOf(r);
      assert.equal(r.status, 401, `${code}: ${e.message}`);
      assert.equal(e.code, code);
      assert.ok(!e.message.includes(loc.secret), 'no secret in an error');
    }
  });

  test('publishable keys cannot use the Anthropic-compatible endpoints; secret keys can', async () => {
    const r = await fetch(proxy.url + '/v1/messages', { method: 'POST',
      headers: { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.deepEqual([r.status, (await errorOf(r)).code], [403, 'auth.secret_key_required']);
    const ok = await fetch(proxy.url + '/v1/messages', { method: 'POST',
      headers: { authorization: `Bearer ${loc.sk}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(ok.status, 200);
  });

  test('a secret key sent from a web page (an Origin header) is refused before anything is spent', async () => {
    const before = (await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json()).totals.requests;
    const r = await fetch(proxy.url + '/v1/messages', { method: 'POST',
      headers: { 'x-api-key': loc.sk, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    const e = await errorOf(r);
    assert.deepEqual([r.status, e.code], [403, 'auth.secret_key_in_browser']);
    assert.ok(!e.message.includes(loc.sk.slice(3, 12)), 'the error does not echo the key');
    await new Promise((res) => setTimeout(res, 200));  // the ledger is written in batches
    const after = (await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json()).totals.requests;
    assert.equal(after, before);
  });

  test('a browser asking for another agent is refused', async () => {
    const r = await coachRequest(proxy.url, loc, { query: 'hi', profile_id: 'someone-else' });
    assert.deepEqual([r.status, (await errorOf(r)).code], [400, 'coach.invalid_profile_id']);
  });

  test('CORS preflight answers without credentials; the real request is what is checked', async () => {
    const r = await fetch(proxy.url + '/v1/coach', { method: 'OPTIONS', headers: { origin: CRM_ORIGIN,
      'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), CRM_ORIGIN);
    assert.match(r.headers.get('access-control-allow-headers'), /x-porchlight-agent-token/);
  });

  test('a revoked key stops working (for proxies started after, and within 30 s for running ones)', async () => {
    const key = admin(['keys', 'create', '--location', loc.id, '--kind', 'sk', '--database-url', db]).trim();
    const before = await fetch(proxy.url + '/v1/profiles', { headers: { 'x-api-key': key } });
    assert.equal(before.status, 200);
    admin(['keys', 'revoke', key.slice(0, 10), '--database-url', db]);
    const fresh = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    const after = await fetch(fresh.url + '/v1/profiles', { headers: { 'x-api-key': key } });
    assert.deepEqual([after.status, (await errorOf(after)).code], [401, 'auth.revoked_key']);
    fresh.stop();
  });

  test('admin sessions: a sign-in link sets an HttpOnly cookie that manages profiles but cannot spend', async () => {
    const link = admin(['admin-link', '--location', loc.id, '--database-url', db, '--public-url', proxy.url]).trim();
    const r = await fetch(link, { redirect: 'manual' });
    assert.equal(r.status, 303);
    const cookie = r.headers.get('set-cookie');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const jar = cookie.split(';')[0];
    const list = await fetch(proxy.url + '/v1/profiles', { headers: { cookie: jar } });
    assert.equal(list.status, 200);
    const noCsrf = await fetch(proxy.url + '/v1/profiles', { method: 'POST', headers: { cookie: jar },
      body: JSON.stringify({ id: 'a9', name: 'A', role: 'team_lead' }) });
    assert.deepEqual([noCsrf.status, (await errorOf(noCsrf)).code], [403, 'auth.csrf']);
    const created = await fetch(proxy.url + '/v1/profiles', { method: 'POST', headers: { cookie: jar, 'x-porchlight-csrf': '1' },
      body: JSON.stringify({ id: 'a9', name: 'A', role: 'team_lead' }) });
    assert.equal(created.status, 201);
    const spend = await fetch(proxy.url + '/v1/coach', { method: 'POST', headers: { cookie: jar }, body: JSON.stringify(query) });
    assert.equal((await errorOf(spend)).code, 'auth.secret_key_required');
    const tampered = jar.slice(0, -3) + 'abc';
    assert.equal((await fetch(proxy.url + '/v1/profiles', { headers: { cookie: tampered } })).status, 401);
  });

  test('admin sessions: a sign-in link opens the dashboard once; a second use is refused', async () => {
    const link = admin(['admin-link', '--location', loc.id, '--database-url', db, '--public-url', proxy.url]).trim();
    const first = await fetch(link, { redirect: 'manual' });
    assert.equal(first.status, 303);
    const again = await fetch(link, { redirect: 'manual' });
    assert.equal(again.status, 401);
    const e = await errorOf(again);
    assert.deepEqual([e.code, /used already/.test(e.message)], ['auth.invalid_token', true]);
    assert.equal(again.headers.get('set-cookie'), null);
    // A new link works: two links minted in the same second are still two links.
    const next = admin(['admin-link', '--location', loc.id, '--database-url', db, '--public-url', proxy.url]).trim();
    assert.notEqual(next, link);
    assert.equal((await fetch(next, { redirect: 'manual' })).status, 303);
  });
});

test('--log-level debug logs a line per request (route pattern, status, request id) and never a key, token or id from the path', async () => {
  const fake = await startFake();
  const db = sqliteUrl();
  const quiet = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, logLevel: null });
  const loc = await provision(db, quiet.url);
  const proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--log-level', 'debug'] });
  const token = mintAgentToken(loc.secret, { locationId: loc.id });
  const r = await fetch(`${proxy.url}/v1/profiles/agent-1`, { headers: { 'x-api-key': loc.sk } });
  assert.equal(r.status, 200);
  const requestId = r.headers.get('request-id');
  const coached = await coachRequest(proxy.url, loc, { query: 'Seller wants to list above comps' }, { token });
  await coached.text();
  assert.equal((await fetch(`${quiet.url}/v1/profiles/agent-1`, { headers: { 'x-api-key': loc.sk } })).status, 200);
  // A stream's line is written when its handler ends, which may be just after the client has read the last byte.
  for (let i = 0; i < 50 && !/POST \/v1\/coach 200 /.test(proxy.process.output()); i++) await new Promise((r) => setTimeout(r, 20));
  const log = proxy.process.output();
  assert.match(log, new RegExp(`porchlight-proxy: debug: GET /v1/profiles/\\* 200 [\\d.]+ ms ${requestId}`));
  assert.match(log, /porchlight-proxy: debug: POST \/v1\/coach 200 /);
  for (const secret of [loc.sk, loc.pk, token, loc.secret, 'agent-1', 'sk-ant-test-key'])
    assert.ok(!log.includes(secret), 'no secret or path id in the log');
  assert.ok(!quiet.process.output().includes('debug:'), 'info (the default) has no per-request lines');
  proxy.stop();
  quiet.stop();
  fake.stop();
});

// /metrics lists tokens and cost per location: another machine needs the metrics token.
test('GET /metrics answers this machine, and with a metrics token only its bearer', async () => {
  const db = sqliteUrl();
  const open = await startProxy({ databaseUrl: db, listen: '0.0.0.0:0' });
  assert.equal((await fetch(`${open.url}/metrics`)).status, 200, 'loopback, no token configured');
  // The same proxy reached through this machine's network address is another machine to it.
  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (external) {
    const port = new URL(open.url).port;
    const far = await errorOf(await fetch(`http://${external.address}:${port}/metrics`));
    assert.equal(far.status, 403);
    assert.equal(far.code, 'auth.metrics_local_only');
    assert.match(far.message, /PORCHLIGHT_METRICS_TOKEN/);
    assert.ok((await fetch(`http://${external.address}:${port}/healthz`)).ok, 'only /metrics is kept to this machine');
  }
  open.stop();

  const token = 'metrics-token-0123456789abcdef';
  rememberSecret(token, 'the metrics token');
  const guarded = await startProxy({ databaseUrl: db, env: { PORCHLIGHT_METRICS_TOKEN: token } });
  for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcd', token, `Basic ${token}`]) {
    const r = await fetch(`${guarded.url}/metrics`, { headers: authorization ? { authorization } : {} });
    const e = await errorOf(r);
    assert.equal(e.status, 401, `authorization ${authorization}`);
    assert.equal(e.code, 'auth.metrics_token');
    assert.ok(!e.message.includes(token), 'the error never names the token');
  }
  const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /porchlight_requests_in_flight/);
  guarded.stop();

  // A token too short to be a wall is refused at start, by name and without its value.
  const tooShort = 'abc123xyz';
  const short = await runToEnd(proxyBin, ['serve', '--database-url', db, '--listen', '127.0.0.1:0'],
    { env: { PORCHLIGHT_METRICS_TOKEN: tooShort }, timeoutMs: 20000 });
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /PORCHLIGHT_METRICS_TOKEN/);
  assert.ok(!short.stderr.includes(tooShort), 'the value is not echoed');
});
