// `porchlight-proxy --demo`: provisions the demo location, key and agent on any fresh database
// (SQLite and PostgreSQL), again without duplicates on a restart, and serves the demo page at /
// with a server-minted agent token. Without --demo nothing is provisioned and / is no demo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { freePort, postgresUrl, requireEnv, sql, sqliteUrl, startProxy } from './harness.mjs';

function count(databaseUrl, query) {
  if (databaseUrl.startsWith('sqlite://')) {
    return Number(Object.values(sql(databaseUrl.slice('sqlite://'.length), query)[0])[0]);
  }
  // Row-level security shows only the scoped tenant's rows, to the owner too: scope to the demo.
  const owner = requireEnv('PORCHLIGHT_TEST_PG_OWNER_URL').replace(/\/[^/]+$/, '/' + databaseUrl.replace(/^.*\//, ''));
  return Number(execFileSync('psql', [owner, '-qtA', '-c', "SET porchlight.location_id = 'loc_demo'", '-c', query], { encoding: 'utf8' }).trim());
}

const exited = (child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));

const demoPage = async (url) => {
  const r = await fetch(url + '/');
  const html = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), csp: r.headers.get('content-security-policy'), html,
    key: html.match(/data-key="(pk_[A-Za-z0-9]+)"/)?.[1], token: html.match(/data-agent-token="([^"]+)"/)?.[1] };
};

for (const [name, fresh] of [['SQLite', sqliteUrl], ['PostgreSQL', postgresUrl]]) {
  describe(`--demo on a fresh ${name} database`, () => {
    test('provisions once, serves the page with a minted token, and a restart finds the same key', async () => {
      const databaseUrl = fresh();
      // The demo key is bound to the origins of the --listen port, so the port is chosen up front.
      const listen = ['--listen', `127.0.0.1:${await freePort()}`];
      const first = await startProxy({ databaseUrl, args: ['--demo', ...listen] });
      const page = await demoPage(first.url);
      assert.equal(page.status, 200);
      assert.match(page.type, /text\/html/);
      assert.match(page.csp, /script-src 'self' 'wasm-unsafe-eval'/);
      assert.ok(page.key, 'a publishable key in the script tag');
      const claims = JSON.parse(Buffer.from(page.token.split('.')[1], 'base64url'));
      assert.equal(claims.sub, 'demo-agent');
      assert.equal(claims.location_id, 'loc_demo');
      assert.ok(claims.exp - claims.iat <= 3600);
      assert.ok(!page.html.includes('{{'), 'every placeholder filled');
      const profile = await fetch(`${first.url}/v1/profiles/demo-agent`, { headers: { 'x-api-key': page.key,
        'x-porchlight-agent-token': page.token, origin: first.url } });
      assert.equal(profile.status, 200, 'the demo key and token work together');
      first.process.kill('SIGKILL');
      await exited(first.process);

      const again = await startProxy({ databaseUrl, args: ['--demo', ...listen] });
      assert.equal((await demoPage(again.url)).key, page.key, 'the same key after a restart');
      assert.equal(count(databaseUrl, "SELECT count(*) FROM locations WHERE id = 'loc_demo'"), 1);
      assert.equal(count(databaseUrl, "SELECT count(*) FROM agent_profiles WHERE location_id = 'loc_demo'"), 1);
      again.stop();
    });
  });
}

test('without --demo nothing is provisioned and there is no demo page; assets are served gzip-encoded', async () => {
  const databaseUrl = sqliteUrl();
  const proxy = await startProxy({ databaseUrl });
  const root = await fetch(proxy.url + '/');
  assert.match(root.headers.get('content-type'), /application\/json/);
  assert.match((await root.json()).demo, /--demo/);
  assert.equal(count(databaseUrl, 'SELECT count(*) FROM locations'), 0);
  // Nor is the page's template, or the dashboard page without its own headers, served as an asset.
  for (const path of ['/web/demo/index.html', '/web/dashboard/index.html']) {
    const r = await fetch(proxy.url + path);
    assert.equal(r.status, 404, path);
    assert.equal((await r.json()).error.code, 'not_found');
  }
  assert.equal((await fetch(proxy.url + '/web/streamlit/index.html')).status, 200, 'the Streamlit frame is an asset');
  // Assets go gzip-encoded to clients that take gzip, and as they are to those that refuse it.
  const zipped = await fetch(proxy.url + '/web/porchlight-core.wasm', { headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(zipped.headers.get('content-encoding'), 'gzip');
  assert.equal(zipped.headers.get('vary'), 'accept-encoding');
  const wasm = Buffer.from(await zipped.arrayBuffer());  // fetch decodes it
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a WebAssembly module');
  const plain = await fetch(proxy.url + '/web/porchlight-core.wasm', { headers: { 'accept-encoding': 'gzip;q=0, identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(Buffer.from(await plain.arrayBuffer()).length, wasm.length);
  proxy.stop();
});
