// Integration harness: the real proxy, the fake Anthropic upstream, real PostgreSQL and Redis
// (started by scripts/test through scripts/services; their URLs arrive as PORCHLIGHT_TEST_*).
//
// Every process a test starts is stopped when the test file ends, also on failure.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';

export const root = resolve(new URL('../..', import.meta.url).pathname);
export const binDir = process.env.PORCHLIGHT_BIN ?? join(root, 'build/native/bin');
export const proxyBin = join(binDir, 'porchlight-proxy');
export const fakeBin = join(binDir, 'porchlight-fake-anthropic');
export const CRM_ORIGIN = 'http://crm.example.test';

const children = new Set();
after(() => { for (const c of children) c.kill('SIGKILL'); });

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through npm test (scripts/test starts PostgreSQL and Redis)`);
  return v;
}

// Starts a program that prints "... listening on [http://]HOST:PORT"; resolves with the URL.
function startListening(bin, args, { env = {}, name = bin } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}${err}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (?:http:\/\/)?([\d.]+):(\d+)/);
      if (m && !child.url) {
        child.url = `http://${m[1]}:${m[2]}`;
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
    child.stderr.on('data', (d) => { err += d; if (process.env.PORCHLIGHT_DEBUG) process.stderr.write(d); });
    child.on('exit', (code, signal) => {
      children.delete(child);
      child.exited = { code, signal };
      if (!child.url) { clearTimeout(timer); reject(new Error(`${name} exited (${code ?? signal}): ${out}${err}`)); }
    });
    child.output = () => out + err;
  });
}

export async function startFake() {
  const child = await startListening(fakeBin, ['--listen', '127.0.0.1:0'], { name: 'fake upstream' });
  const control = async (path, body) => {
    const r = await fetch(child.url + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return r.json();
  };
  return {
    url: child.url,
    process: child,
    script: (behaviours) => control('/_fake/script', behaviours),
    defaults: (behaviour) => control('/_fake/defaults', behaviour),
    reset: () => control('/_fake/reset', {}),
    requests: () => control('/_fake/requests'),
    stats: () => control('/_fake/stats'),
    stop: () => child.kill('SIGKILL'),
  };
}

// A scratch SQLite file, or a scratch PostgreSQL database (created and migrated as the owner).
let dbCounter = 0;
export function sqliteUrl() {
  return 'sqlite://' + join(mkdtempSync(join(tmpdir(), 'porchlight-it-')), 'porchlight.db');
}
export function postgresUrl() {
  const owner = requireEnv('PORCHLIGHT_TEST_PG_OWNER_URL');
  const app = requireEnv('PORCHLIGHT_TEST_DATABASE_URL');
  const name = `it_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
  execFileSync('psql', [owner, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const ownerUrl = owner.replace(/\/[^/]+$/, '/' + name);
  admin(['migrate', '--database-url', ownerUrl]);
  return app.replace(/\/[^/]+$/, '/' + name);
}

export function admin(args, env = {}) {
  return execFileSync(proxyBin, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A location with a secret key, a publishable key for CRM_ORIGIN and an agent profile.
export async function provision(databaseUrl, proxyUrl) {
  const [locationId, secretLine] = admin(['locations', 'create', 'Test Realty', '--database-url', databaseUrl]).trim().split('\n');
  const secret = secretLine.replace('agent-token-secret: ', '');
  const sk = admin(['keys', 'create', '--location', locationId, '--kind', 'sk', '--database-url', databaseUrl]).trim();
  const pk = admin(['keys', 'create', '--location', locationId, '--kind', 'pk', '--origin', CRM_ORIGIN,
    '--database-url', databaseUrl]).trim();
  const location = { id: locationId, secret, sk, pk };
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

// Mints an agent token exactly as docs/embedding.md tells a CRM's backend to (JWT, HS256).
export function mintAgentToken(secret, { agentId = 'agent-1', locationId, ttl = 600, iat, lead } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = iat ?? Math.floor(Date.now() / 1000);
  const payload = { sub: agentId, location_id: locationId, iat: now, exp: now + ttl };
  if (lead) payload.lead_id = lead;
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export async function startProxy({ databaseUrl, redisUrl, upstreamUrl, apiKey = 'sk-ant-test-key', args = [], env = {} } = {}) {
  const argv = ['--listen', '127.0.0.1:0', '--database-url', databaseUrl, '--threads', '2', ...args];
  if (redisUrl) argv.push('--redis-url', redisUrl);
  if (upstreamUrl) argv.push('--upstream-url', upstreamUrl);
  const child = await startListening(proxyBin, argv, {
    name: 'porchlight-proxy',
    env: { ANTHROPIC_API_KEY: upstreamUrl ? apiKey : '', ...env },
  });
  return { url: child.url, process: child, stop: () => child.kill('SIGTERM'), kill9: () => child.kill('SIGKILL') };
}

// Reads a text/event-stream response into [{event, data, id}] (data parsed as JSON when it is).
export async function readSse(response, { until } = {}) {
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const e = { event: 'message', data: '', id: undefined };
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') e.id = value;
      }
      if (!data.length) continue;
      e.data = data.join('\n');
      try { e.data = JSON.parse(e.data); } catch { /* keep text */ }
      events.push(e);
      if (until && until(e, events)) return events;
    }
  }
  return events;
}

export function coachRequest(proxyUrl, location, body, { browser = true, token, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (browser) {
    h['x-api-key'] = location.pk;
    h.origin = CRM_ORIGIN;
    h['x-porchlight-agent-token'] = token ?? mintAgentToken(location.secret, { locationId: location.id });
  } else {
    h['x-api-key'] = location.sk;
  }
  return fetch(proxyUrl + '/v1/coach', { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
