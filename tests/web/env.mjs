// tests/web/env.mjs: what the browser tests and bench/web share: the real proxy (with --demo) and
// the fake Anthropic upstream, a small static server that plays a CRM page or Streamlit's host on
// another origin, headless Chromium (Debian's, driven by playwright-core), and SQLite look-ups.
//
// No node:test dependency here (bench/web/run uses it as a plain script); every process started
// is stopped by stopAll(), which tests call from after().

import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';

export const root = resolve(new URL('../..', import.meta.url).pathname);
export const binDir = process.env.PORCHLIGHT_BIN ?? join(root, 'build/native/bin');
export const webRoot = process.env.PORCHLIGHT_WEB_ROOT ?? join(root, 'dist/web');
export const artifacts = process.env.PORCHLIGHT_ARTIFACTS ?? join(root, 'test-artifacts');
export const ANTHROPIC_KEY = 'sk-ant-web-test-0123456789abcdefSECRET';

const children = new Set();
const servers = new Set();

export async function stopAll() {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
  servers.clear();
}

export function requireBuilt() {
  for (const f of ['porchlight.js', 'porchlight-core.mjs', 'porchlight-core-raw.mjs', 'porchlight-core.wasm', 'demo/index.html',
    'dashboard/index.html', 'streamlit/index.html']) {
    if (!existsSync(join(webRoot, f))) throw new Error(`${join(webRoot, f)} is missing: run npm run build (scripts/build runs web/build.mjs)`);
  }
  for (const b of ['porchlight-proxy', 'porchlight-fake-anthropic']) {
    if (!existsSync(join(binDir, b))) throw new Error(`${join(binDir, b)} is missing: run npm run build`);
  }
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = netServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

function startListening(bin, args, env = {}) {
  return new Promise((resolveChild, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${out}`)), 20000);
    const onData = (d) => {
      out += d;
      if (process.env.PORCHLIGHT_DEBUG) process.stderr.write(d);
      const m = out.match(/listening on (?:http:\/\/)?([\d.]+):(\d+)/);
      if (m && !child.url) {
        child.url = `http://${m[1]}:${m[2]}`;
        clearTimeout(timer);
        resolveChild(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (!child.url) {
        clearTimeout(timer);
        reject(new Error(`${bin} exited (${code ?? signal}): ${out}`));
      }
    });
    child.output = () => out;
  });
}

export async function startFake() {
  const child = await startListening(join(binDir, 'porchlight-fake-anthropic'), ['--listen', '127.0.0.1:0']);
  const control = async (path, body) => {
    const r = await fetch(child.url + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return r.json();
  };
  return {
    url: child.url,
    defaults: (b) => control('/_fake/defaults', b),
    script: (b) => control('/_fake/script', b),
    reset: () => control('/_fake/reset', {}),
    requests: () => control('/_fake/requests'),
    stop: () => child.kill('SIGKILL'),
  };
}

/**
 * The proxy with --demo on a known port (the demo key's allowed origins are derived from the
 * --listen port, so port 0 will not do), a fresh SQLite file and, if given, the fake upstream.
 */
export async function startProxy({ upstreamUrl, demo = true, args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'porchlight-web-'));
  const dbPath = join(dir, 'porchlight.db');
  const databaseUrl = `sqlite://${dbPath}`;
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const argv = ['--listen', `127.0.0.1:${port}`, '--database-url', databaseUrl, '--web-root', webRoot, '--threads', '2', ...args];
    if (demo) argv.push('--demo');
    if (upstreamUrl) argv.push('--upstream-url', upstreamUrl);
    try {
      const child = await startListening(join(binDir, 'porchlight-proxy'), argv, { ANTHROPIC_API_KEY: upstreamUrl ? ANTHROPIC_KEY : '' });
      return { url: child.url, port, dbPath, databaseUrl, process: child, stop: () => child.kill('SIGTERM') };
    } catch (e) {
      lastError = e;  // the port was taken between the probe and the bind: try another
    }
  }
  throw lastError;
}

export function admin(args) {
  return execFileSync(join(binDir, 'porchlight-proxy'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A publishable key of the demo location for pages on `origin` (a CRM or a Streamlit app). */
export function demoPublishableKey(proxy, origin) {
  return admin(['keys', 'create', '--location', 'loc_demo', '--kind', 'pk', '--origin', origin, '--database-url', proxy.databaseUrl]);
}

/** Runs a query on the SQLite file (Python's sqlite3 module: Debian's Emscripten brings python3). */
export function sql(dbPath, query, params = []) {
  const script = 'import json,sqlite3,sys\n' +
    'c=sqlite3.connect(sys.argv[1]); c.row_factory=sqlite3.Row\n' +
    'print(json.dumps([dict(r) for r in c.execute(sys.argv[2], json.loads(sys.argv[3]))]))';
  return JSON.parse(execFileSync('python3', ['-c', script, dbPath, query, JSON.stringify(params)], { encoding: 'utf8' }));
}

export function demoSecret(dbPath) {
  return sql(dbPath, "SELECT agent_token_secret FROM locations WHERE id = 'loc_demo'")[0].agent_token_secret;
}

// Mints an agent token exactly as docs/embedding.md tells a CRM's backend to (JWT, HS256).
export function mintAgentToken(secret, { agentId = 'demo-agent', locationId = 'loc_demo', ttl = 600, lead } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub: agentId, location_id: locationId, iat: now, exp: now + ttl };
  if (lead) payload.lead_id = lead;
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json' };

/**
 * A static server on its own origin: `routes` maps a path to a file, a directory (prefix match) or
 * a handler (req, res, url) => void. Each response may carry extra headers (e.g. a CSP).
 */
export async function startStatic(routes, { headers = {} } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const hit = Object.entries(routes).find(([p]) => url.pathname === p || (p.endsWith('/') && url.pathname.startsWith(p)));
    if (!hit) {
      res.writeHead(404).end('not found');
      return;
    }
    const [prefix, target] = hit;
    if (typeof target === 'function') return target(req, res, url);
    const file = prefix.endsWith('/') ? join(target, url.pathname.slice(prefix.length)) : target;
    if (!file.startsWith(typeof target === 'string' ? target : '') || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...headers });
    res.end(readFileSync(file));
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  servers.add(server);
  return { url: `http://127.0.0.1:${port}`, port, server };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: process.env.PORCHLIGHT_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

export function artifactPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}

export function saveArtifact(name, text) {
  writeFileSync(artifactPath(name), text);
}

export const pagesDir = join(root, 'tests/web/pages');
// The test CRM page's own script and (hostile) stylesheet, for startStatic.
export const crmHostAssets = { '/host.js': join(pagesDir, 'host.js'), '/host.css': join(pagesDir, 'host.css') };

/** The test CRM page (pages/crm.html) embedding the widget from `proxyUrl` with `key` and extra script-tag attributes. */
export function crmPage(proxyUrl, key, attrs) {
  return readFileSync(join(pagesDir, 'crm.html'), 'utf8').replace('{{PROXY}}', proxyUrl).replace('{{KEY}}', key).replace('{{ATTRS}}', attrs);
}

/** The demo page's publishable key and agent token, as the proxy rendered them into the page. */
export async function demoCredentials(proxyUrl) {
  const html = await (await fetch(proxyUrl + '/')).text();
  const key = html.match(/data-key="(pk_[A-Za-z0-9]+)"/)?.[1];
  const token = html.match(/data-agent-token="([^"]+)"/)?.[1];
  const dashboard = html.match(/href="(\/dashboard\/login\?[^"]+)"/)?.[1]?.replace(/&amp;/g, '&');
  return { key, token, dashboard };
}
