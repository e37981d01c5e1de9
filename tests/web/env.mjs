// tests/web/env.mjs: what the browser tests and bench/web share: the real proxy (with --demo) and
// the fake Anthropic upstream, a small static server that plays a CRM page on another origin,
// headless Chromium (Debian's, driven by playwright-core), and SQLite look-ups.
// Processes, databases and tokens are tests/support/'s; here is what the browser adds to them.
//
// No node:test dependency here (bench/web/run uses it as a plain script); every process started
// is stopped by stopAll(), which tests call from after().

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { artifacts, binary, root, tempDir } from '../support/paths.mjs';
import * as processes from '../support/processes.mjs';
import { sql } from '../support/db.mjs';
import { rememberSecret } from '../support/secrets.mjs';
import { createKey } from '../support/provision.mjs';
import { mintAgentToken as mint } from '../support/tokens.mjs';

export { artifacts, binDir, root } from '../support/paths.mjs';
export { freePort, startFake } from '../support/processes.mjs';
export { sql } from '../support/db.mjs';

export const webRoot = process.env.PORCHLIGHT_WEB_ROOT ?? join(root, 'dist/web');
export const ANTHROPIC_KEY = 'sk-ant-web-test-0123456789abcdefSECRET';

const servers = new Set();

export async function stopAll() {
  processes.stopProcesses();
  await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
  servers.clear();
}

export function requireBuilt() {
  for (const f of ['porchlight.js', 'porchlight-core.mjs', 'porchlight-core-raw.mjs', 'porchlight-core.wasm',
    'porchlight-web-core.mjs', 'porchlight-web-core-raw.mjs', 'porchlight-web-core.wasm', 'demo/index.html',
    'dashboard/index.html', 'streamlit/index.html']) {
    if (!existsSync(join(webRoot, f))) throw new Error(`${join(webRoot, f)} is missing: run npm run build (scripts/build runs web/build.mjs)`);
  }
  for (const b of ['porchlight-proxy', 'porchlight-fake-anthropic']) {
    if (!existsSync(binary(b))) throw new Error(`${binary(b)} is missing: run npm run build`);
  }
}

/**
 * The proxy with --demo on a known port (the demo key's allowed origins are derived from the
 * --listen port, so port 0 will not do), a fresh SQLite file and, if given, the fake upstream.
 */
export async function startProxy({ upstreamUrl, demo = true, args = [], env = {} } = {}) {
  const dbPath = join(tempDir('porchlight-web-'), 'porchlight.db');
  const databaseUrl = `sqlite://${dbPath}`;
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await processes.freePort();
    try {
      const proxy = await processes.startProxy({ databaseUrl, upstreamUrl, apiKey: ANTHROPIC_KEY, listen: `127.0.0.1:${port}`,
        args: ['--web-root', webRoot, ...(demo ? ['--demo'] : []), ...args], env });
      return { url: proxy.url, port, dbPath, databaseUrl, process: proxy.process, stop: proxy.stop };
    } catch (e) {
      lastError = e;  // the port was taken between the probe and the bind: try another
    }
  }
  throw lastError;
}

export const admin = (args) => processes.admin(args).trim();

/** A publishable key of the demo location for pages on `origin` (a CRM or a Streamlit app). */
export function demoPublishableKey(proxy, origin) {
  return createKey(proxy.databaseUrl, 'loc_demo', 'pk', { origins: [origin] });
}

export function demoSecret(dbPath) {
  return rememberSecret(sql(dbPath, "SELECT agent_token_secret FROM locations WHERE id = 'loc_demo'")[0].agent_token_secret,
    "the demo's agent-token secret");
}

// An agent token for the demo agent (docs/embedding.md's recipe: tests/support/tokens.mjs).
export const mintAgentToken = (secret, { agentId = 'demo-agent', locationId = 'loc_demo', ...claims } = {}) =>
  mint(secret, { agentId, locationId, ...claims });

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
  const port = await processes.freePort();
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
