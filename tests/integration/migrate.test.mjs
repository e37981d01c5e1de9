// `porchlight-proxy migrate` from two processes at once, on SQLite and on PostgreSQL: both succeed,
// each migration is applied once, and a third run has nothing to do.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPostgresDatabase, proxyBin, root, sql } from './harness.mjs';

function migrate(databaseUrl) {
  return new Promise((resolve) => {
    const child = spawn(proxyBin, ['migrate', '--database-url', databaseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));  // not 'exit': its output may still be unread then
  });
}

async function twoAtOnce(databaseUrl, backend) {
  const files = readdirSync(join(root, 'migrations', backend)).filter((f) => f.endsWith('.sql'));
  const runs = await Promise.all([migrate(databaseUrl), migrate(databaseUrl)]);
  for (const r of runs) assert.equal(r.code, 0, r.out);
  const applied = runs.map((r) => Number(r.out.match(/migrations: (\d+) applied/)?.[1]));
  assert.equal(applied[0] + applied[1], files.length, `each migration applied by exactly one process: ${runs.map((r) => r.out)}`);
  const third = await migrate(databaseUrl);
  assert.equal(third.code, 0, third.out);
  assert.match(third.out, new RegExp(`0 applied, ${files.length} already applied`));
}

test('SQLite: two migrators at once, then a third', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'porchlight-migrate-')), 'p.db');
  await twoAtOnce(`sqlite://${file}`, 'sqlite');
  const [{ rows }] = sql(file, 'SELECT count(*) AS rows FROM schema_migrations');
  assert.equal(rows, readdirSync(join(root, 'migrations/sqlite')).filter((f) => f.endsWith('.sql')).length);
});

test('PostgreSQL: two migrators at once (as the owner), then a third', async () => {
  const { ownerUrl: url } = createPostgresDatabase('mig');
  await twoAtOnce(url, 'postgres');
  const rows = execFileSync('psql', [url, '-tA', '-c', 'SELECT count(*) FROM schema_migrations'], { encoding: 'utf8' }).trim();
  assert.equal(Number(rows), readdirSync(join(root, 'migrations/postgres')).filter((f) => f.endsWith('.sql')).length);
});
