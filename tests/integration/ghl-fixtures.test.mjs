// The GoHighLevel fixtures and helpers (tests/fixtures/ghl/, tests/support/ghl.mjs) that the
// webhook and SSO tests build on: every payload is well-formed, signatures the helpers make verify
// with node:crypto, and SSO payloads round-trip through crypto-js. (The proxy's route is tested
// where it lives.)
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONTACT_ID, LOCATION_ID, USER_ID, fixtureNames, loadFixture, makeKeys, signEd25519, signRsa, ssoDecrypt,
  ssoPayload, webhookUrl } from '../support/ghl.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EVENTS = ['INSTALL', 'UNINSTALL', 'ContactCreate', 'ContactUpdate', 'ContactDelete', 'ContactTagUpdate',
  'OpportunityCreate', 'OpportunityStageUpdate', 'OpportunityStatusUpdate', 'OpportunityAssignedToUpdate',
  'AppointmentCreate', 'AppointmentUpdate', 'NoteCreate', 'TaskCreate', 'InboundMessage', 'InboundMessage-email',
  'InboundMessage-stop', 'OutboundMessage'];

describe('GoHighLevel fixtures', () => {
  test('one fixture per event type, no more', () => {
    assert.deepEqual(fixtureNames(), [...EVENTS].sort());
  });

  for (const name of EVENTS) {
    test(`${name}: parses, with webhookId, type, locationId and a timestamp`, () => {
      const stored = loadFixture(name, { webhookId: undefined, timestamp: undefined });
      const event = loadFixture(name);
      assert.equal(event.type, name.split('-')[0]);
      assert.equal(event.locationId, LOCATION_ID);
      assert.match(event.webhookId, UUID);
      assert.ok(!Number.isNaN(Date.parse(event.timestamp)));
      assert.ok(Math.abs(Date.now() - Date.parse(event.timestamp)) < 60_000, 'loadFixture stamps now');
      assert.notEqual(loadFixture(name).webhookId, event.webhookId, 'each load is a new delivery');
      assert.equal(stored.webhookId, undefined);  // overrides win
      const contact = event.contactId ?? event.appointment?.contactId ?? (name.startsWith('Contact') ? event.id : undefined);
      if (contact !== undefined) assert.equal(contact, CONTACT_ID);
    });
  }

  test('the committed files carry their own webhookId and timestamp', () => {
    const ids = new Set();
    for (const name of EVENTS) {
      const raw = JSON.parse(readFileSync(new URL(`../fixtures/ghl/${name}.json`, import.meta.url), 'utf8'));
      assert.match(raw.webhookId, UUID, name);
      assert.ok(!Number.isNaN(Date.parse(raw.timestamp)), name);
      ids.add(raw.webhookId);
    }
    assert.equal(ids.size, EVENTS.length, 'webhookIds are distinct');
  });

  test('the shapes the worker reads', () => {
    const sms = loadFixture('InboundMessage');
    assert.equal(sms.messageType, 'SMS');
    assert.equal(sms.direction, 'inbound');
    assert.equal(loadFixture('InboundMessage-stop').body.trim().toUpperCase(), 'STOP');
    const email = loadFixture('InboundMessage-email');
    assert.equal(email.messageType, 'Email');
    assert.ok(email.emailMessageId && email.threadId && Array.isArray(email.to));
    const out = loadFixture('OutboundMessage');
    assert.equal(out.direction, 'outbound');
    assert.equal(out.userId, USER_ID);
    for (const name of EVENTS.filter((n) => n.startsWith('Opportunity'))) {
      const opp = loadFixture(name);
      assert.equal(opp.assignedTo, USER_ID);
      assert.ok(['open', 'won', 'lost', 'abandoned'].includes(opp.status));
      assert.ok(opp.pipelineId && opp.pipelineStageId && typeof opp.monetaryValue === 'number');
    }
    for (const name of ['AppointmentCreate', 'AppointmentUpdate']) {
      const { appointment } = loadFixture(name);
      assert.equal(appointment.assignedUserId, USER_ID);
      assert.ok(appointment.startTime < appointment.endTime);
    }
    const install = loadFixture('INSTALL');
    assert.equal(install.installType, 'Location');
    assert.ok(install.appId && install.companyId);
    for (const name of ['ContactCreate', 'ContactUpdate', 'ContactTagUpdate']) {
      const contact = loadFixture(name);
      assert.equal(contact.assignedTo, USER_ID);
      assert.ok(Array.isArray(contact.tags) && Array.isArray(contact.customFields));
    }
  });
});

describe('GoHighLevel signing helpers', () => {
  const keys = makeKeys();
  const body = JSON.stringify(loadFixture('InboundMessage'));

  test('Ed25519: verifies over the exact bytes, from either public key form', () => {
    const signature = Buffer.from(signEd25519(body, keys.ed25519.privateKey), 'base64');
    assert.equal(signature.length, 64);
    const fromDer = createPublicKey({ key: Buffer.from(keys.ed25519.publicDerBase64, 'base64'), format: 'der', type: 'spki' });
    for (const key of [keys.ed25519.publicKey, createPublicKey(keys.ed25519.publicPem), fromDer]) {
      assert.ok(verify(null, Buffer.from(body), key, signature));
      assert.ok(!verify(null, Buffer.from(`${body} `), key, signature), 'one byte more fails');
    }
    // A private key as PEM (what scripts/ghl-send reads) signs the same.
    assert.equal(signEd25519(body, keys.ed25519.privatePem), signEd25519(body, keys.ed25519.privateKey));
    assert.ok(!verify(null, Buffer.from(body), makeKeys().ed25519.publicKey, signature), 'another key fails');
  });

  test('RSA-SHA256 (the legacy x-wh-signature): verifies, and fails on a changed body', () => {
    const signature = Buffer.from(signRsa(body, keys.rsa.privatePem), 'base64');
    assert.equal(signature.length, 256);
    assert.ok(verify('sha256', Buffer.from(body), createPublicKey(keys.rsa.publicPem), signature));
    assert.ok(!verify('sha256', Buffer.from(body.replace('Saturday', 'Sunday')), keys.rsa.publicKey, signature));
  });

  test('webhookUrl adds the route to a bare base URL only', () => {
    assert.equal(webhookUrl('http://localhost:8080'), 'http://localhost:8080/v1/webhooks/ghl');
    assert.equal(webhookUrl('http://localhost:8080/custom/path'), 'http://localhost:8080/custom/path');
  });
});

describe('GoHighLevel SSO payloads (crypto-js)', () => {
  const context = { userId: USER_ID, companyId: 'Gq8cEm9BmRNMh2vTqcuz', role: 'admin', type: 'location',
    userName: 'Dana Whitfield', email: 'dana@whitfieldhomes.com', isAgencyOwner: false, activeLocation: LOCATION_ID };

  test('CryptoJS format: base64 of "Salted__", an 8-byte salt and whole AES blocks; a fresh salt each time', () => {
    const payload = ssoPayload(context, 'shared-secret');
    const raw = Buffer.from(payload, 'base64');
    assert.equal(raw.subarray(0, 8).toString('latin1'), 'Salted__');
    assert.equal((raw.length - 16) % 16, 0);
    assert.notEqual(ssoPayload(context, 'shared-secret'), payload);
  });

  test('round-trips with the right secret, not with another or when tampered', () => {
    const payload = ssoPayload(context, 'shared-secret');
    assert.deepEqual(ssoDecrypt(payload, 'shared-secret'), context);
    assert.equal(ssoDecrypt(payload, 'another-secret'), null);
    const raw = Buffer.from(payload, 'base64');
    raw[raw.length - 1] ^= 0x01;  // the last block's padding breaks
    assert.equal(ssoDecrypt(raw.toString('base64'), 'shared-secret'), null);
  });

  test('the golden vector in tests/proxy/ghl/sso_test.cpp still decrypts with crypto-js', () => {
    const golden = 'U2FsdGVkX1+aONBMsROEzWlf9UhGf8QStNLop6difXildmPSr2uqlzcnSaTX6xyqGsFhC41fUQAMVIy4F5ukXtTe3kVqaR4Q/X4HK44GXHWG9X2dn3xl'
      + 'HZomPiKrfvqk/vln7z3bg+xnAxAt/rhL3gXEWfqUEvHvZxMoCTcl/X54H6Ckicia9KVk3YbVVsaJauhKFyPH1OWoMXWlnJuD5+vX1XlmVd4sdqlSRdOy'
      + 'Qftmtagi8X26Kcymn++WDuCMa6GLB+XbkhozT6aXcvxtxdWCSOpXDvpBplDMsLXkssMbB3EgmD14pbvgm5kOx7ILf7vWRhdd678wngckwWdOSw==';
    assert.deepEqual(ssoDecrypt(golden, 'ghl-sso-golden-secret'), context);
  });
});
