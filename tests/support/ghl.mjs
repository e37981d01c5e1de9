// GoHighLevel in tests: its webhook payloads (tests/fixtures/ghl/), signed the way it signs them
// (x-ghl-signature: Ed25519 over the body; the legacy x-wh-signature: RSA-SHA256), and its
// encrypted user context, made with crypto-js exactly as GoHighLevel makes it.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const CryptoJS = createRequire(import.meta.url)('crypto-js');

export const fixturesDir = new URL('../fixtures/ghl/', import.meta.url);
export const LOCATION_ID = 've9EPM428h8vShlRW1KT';
export const CONTACT_ID = 'nmFmQEsNgz6AVpgLVUJ0';
export const USER_ID = 'YlWd2wuCAZQzh2cH1fVZ';

// Fixture names, without ".json": "ContactCreate", "InboundMessage-stop", ...
export function fixtureNames() {
  return readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

// A fixture as an object, with a fresh webhookId and timestamp (now) unless `overrides` set them:
// the proxy dedupes on webhookId and refuses deliveries older than about five minutes.
export function loadFixture(name, overrides = {}) {
  const file = new URL(`${name.replace(/\.json$/, '')}.json`, fixturesDir);
  const payload = JSON.parse(readFileSync(file, 'utf8'));
  return { ...payload, webhookId: randomUUID(), timestamp: new Date().toISOString(), ...overrides };
}

// A key pair of each kind GoHighLevel signs with. Public keys in both forms the proxy reads
// (--ghl-webhook-public-key): PEM and the base64 of the SPKI DER (GoHighLevel publishes its
// Ed25519 key that way, its RSA key as PEM). Private keys as KeyObjects and PEM.
export function makeKeys() {
  const pair = (type, options = {}) => {
    const { publicKey, privateKey } = generateKeyPairSync(type, options);
    return {
      publicKey,
      privateKey,
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
      publicDerBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    };
  };
  return { ed25519: pair('ed25519'), rsa: pair('rsa', { modulusLength: 2048 }) };
}

// The x-ghl-signature of `body` (a string or bytes: sign what is sent, byte for byte), base64.
export function signEd25519(body, privateKey) {
  return sign(null, Buffer.from(body), privateKey).toString('base64');
}

// The legacy x-wh-signature: RSA PKCS#1 v1.5 with SHA-256, base64.
export function signRsa(body, privateKey) {
  return sign('sha256', Buffer.from(body), privateKey).toString('base64');
}

// The webhook route (issue 20). A base URL without a path gets it; a URL with a path is used as is.
export const WEBHOOK_PATH = '/v1/webhooks/ghl';
export function webhookUrl(baseUrl) {
  const url = new URL(baseUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = WEBHOOK_PATH;
  return url.href;
}

// POSTs `body` (a string, sent as is: the signature covers these bytes) to the proxy's webhook
// route, signed with the keys given (private keys: KeyObjects or PEM). `headers` override or add
// headers (to send a wrong signature, say). Returns fetch's Response.
export async function sendWebhook(baseUrl, body, { ed25519Key, rsaKey, headers = {} } = {}) {
  const signed = { 'content-type': 'application/json' };
  if (ed25519Key) signed['x-ghl-signature'] = signEd25519(body, ed25519Key);
  if (rsaKey) signed['x-wh-signature'] = signRsa(body, rsaKey);
  return fetch(webhookUrl(baseUrl), { method: 'POST', headers: { ...signed, ...headers }, body });
}

// The user context as GoHighLevel hands it to a custom page: CryptoJS.AES.encrypt with the app's
// shared secret as a passphrase ("Salted__", EVP_BytesToKey with MD5, AES-256-CBC), base64.
export function ssoPayload(object, sharedSecret) {
  return CryptoJS.AES.encrypt(JSON.stringify(object), sharedSecret).toString();
}

// The reverse, for tests that check a payload: the object, or null when it does not decrypt.
export function ssoDecrypt(payload, sharedSecret) {
  try {
    const text = CryptoJS.AES.decrypt(payload, sharedSecret).toString(CryptoJS.enc.Utf8);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
