// db.mjs: scratch databases for tests: a SQLite file, or a PostgreSQL database on the test server
// that scripts/services started (its URLs arrive as PORCHLIGHT_TEST_*), and SQL on a SQLite file.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from './paths.mjs';
import { admin } from './processes.mjs';

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through npm test (scripts/test starts PostgreSQL and Redis)`);
  return v;
}

export function sqliteUrl(prefix = 'porchlight-it-') {
  return 'sqlite://' + join(tempDir(prefix), 'porchlight.db');
}

// A new, empty PostgreSQL database: its name, and URLs for the owner role and the app role.
let dbCounter = 0;
export function createPostgresDatabase(prefix = 'it') {
  const owner = requireEnv('PORCHLIGHT_TEST_PG_OWNER_URL');
  const app = requireEnv('PORCHLIGHT_TEST_DATABASE_URL');
  const name = `${prefix}_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
  execFileSync('psql', [owner, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  return { name, ownerUrl: owner.replace(/\/[^/]+$/, '/' + name), appUrl: app.replace(/\/[^/]+$/, '/' + name) };
}

// A scratch PostgreSQL database, migrated as the owner; the app role's URL, as the proxy uses it.
export function postgresUrl() {
  const { ownerUrl, appUrl } = createPostgresDatabase('it');
  admin(['migrate', '--database-url', ownerUrl]);
  return appUrl;
}

// Runs a query on a SQLite file and commits it (Python's sqlite3 module: Debian's Emscripten brings python3).
export function sql(dbPath, query, params = []) {
  const script = 'import json,sqlite3,sys\n' +
    'c=sqlite3.connect(sys.argv[1]); c.row_factory=sqlite3.Row\n' +
    'rows=[dict(r) for r in c.execute(sys.argv[2], json.loads(sys.argv[3]))]; c.commit()\n' +
    'print(json.dumps(rows))';
  return JSON.parse(execFileSync('python3', ['-c', script, dbPath, query, JSON.stringify(params)], { encoding: 'utf8' }));
}
