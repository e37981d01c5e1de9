// docs/api/openapi.yaml against the proxy's own route table (`porchlight-proxy routes`): every
// route the server answers is documented, and every documented operation is served. The demo page,
// the dashboard page and the static assets are pages, not API, and are listed here by name. Each
// operation names the scope a key needs for it (`x-scope`, none for open routes), as the route
// table does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyBin, root } from './harness.mjs';

const PAGES = ['GET / -', 'GET /dashboard -', 'GET /porchlight.js -', 'GET /web/** -'];

// The operations under `paths:`, as "METHOD /path scope" with {params} written as the router's "*"
// and "-" for an operation without x-scope.
function documented() {
  const ops = [];
  let inPaths = false, path = null, op = null;
  const flush = () => { if (op) ops.push(`${op.name} ${op.scope ?? '-'}`); op = null; };
  for (const line of readFileSync(join(root, 'docs/api/openapi.yaml'), 'utf8').split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) { flush(); inPaths = false; }
    if (!inPaths) continue;
    const p = line.match(/^ {2}(\/\S*):\s*$/);
    if (p) { flush(); path = p[1]; continue; }
    const m = line.match(/^ {4}(get|put|post|delete|patch):/);
    if (m && path) { flush(); op = { name: `${m[1].toUpperCase()} ${path.replace(/\{[^}/]+\}/g, '*')}` }; continue; }
    const scope = line.match(/^ {6}x-scope:\s*"?([a-z:]+)"?\s*$/);
    if (scope && op) op.scope = scope[1];
  }
  flush();
  return ops;
}

function served() {
  const db = `sqlite://${mkdtempSync(join(tmpdir(), 'porchlight-routes-'))}/unused.db`;
  return execFileSync(proxyBin, ['routes', '--database-url', db], { encoding: 'utf8' }).trim().split('\n');
}

test('the OpenAPI document and the route table name the same operations', () => {
  const docs = documented(), routes = served();
  assert.ok(docs.length >= 20, `read ${docs.length} operations from openapi.yaml`);
  assert.ok(routes.length >= docs.length, `the proxy lists ${routes.length} routes`);
  const api = routes.filter((r) => !PAGES.includes(r));
  assert.deepEqual(api.filter((r) => !docs.includes(r)), [], 'served but not documented, or documented with another x-scope');
  assert.deepEqual(docs.filter((d) => !routes.includes(d)), [], 'documented but not served, or served with another scope');
  for (const page of PAGES) assert.ok(routes.includes(page), `${page} is still served`);
});
