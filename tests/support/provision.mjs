// provision.mjs: locations and keys made with the proxy's admin command line, as an operator does.
import { admin } from './processes.mjs';
import { rememberSecret } from './secrets.mjs';

// A new location: its id and its agent-token secret (printed once, on the second line).
export function createLocation(databaseUrl, name) {
  const [id, secretLine] = admin(['locations', 'create', name, '--database-url', databaseUrl]).trim().split('\n');
  return { id, secret: rememberSecret(secretLine.replace('agent-token-secret: ', ''), 'an agent-token secret') };
}

// A secret (sk) or publishable (pk) key of a location; publishable keys name their page origins.
// `scopes`: what it may do (none: every scope its kind may hold).
export function createKey(databaseUrl, locationId, kind, { origins = [], scopes = [] } = {}) {
  const key = admin(['keys', 'create', '--location', locationId, '--kind', kind, ...origins.flatMap((o) => ['--origin', o]),
    ...scopes.flatMap((s) => ['--scope', s]), '--database-url', databaseUrl]).trim();
  return rememberSecret(key, kind === 'sk' ? 'a secret key' : 'a publishable key');
}
