// tokens.mjs: agent tokens, minted exactly as docs/embedding.md tells a CRM's backend to (a JWT
// signed with HS256 by the location's agent-token secret), and the signing itself for tests that
// forge tokens the proxy must refuse.
import { createHmac } from 'node:crypto';
import { rememberSecret } from './secrets.mjs';

export const base64url = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');

export function signJwt(secret, payload, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function mintAgentToken(secret, { agentId, locationId, ttl = 600, iat, lead } = {}) {
  const now = iat ?? Math.floor(Date.now() / 1000);
  const payload = { sub: agentId, location_id: locationId, iat: now, exp: now + ttl };
  if (lead) payload.lead_id = lead;
  rememberSecret(secret, 'an agent-token secret');
  return rememberSecret(signJwt(secret, payload), 'an agent token');
}
