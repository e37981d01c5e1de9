// GoHighLevel end to end: signed webhooks into the durable inbox (signatures, replays, dedupe,
// the store down), the worker applying them once (leads, threads, stages, a kill -9 mid-event),
// live cards on the agent's socket on whichever instance holds it (STOP ends suggested texts),
// and sign-in from the CRM's encrypted user context, made with crypto-js as GoHighLevel makes it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import http from 'node:http';
import { CONTACT_ID, LOCATION_ID, USER_ID, loadFixture, makeKeys, sendWebhook, signEd25519, signRsa, ssoPayload } from '../support/ghl.mjs';
import { admin, createPostgresDatabase, readSse, requireEnv, root, sleep, sqliteUrl, startFake, startProxy } from './harness.mjs';

const GHL_ORIGIN = 'https://app.gohighlevel.com';
const SHARED_SECRET = 'ghl-app-shared-secret-for-tests-7f3a';
const keys = makeKeys();
const ghlArgs = ['--ghl-webhook-public-key', keys.ed25519.publicDerBase64, '--webhook-claim-timeout-ms', '1500'];
const env = { GHL_APP_SHARED_SECRET: SHARED_SECRET };

const body = (name, overrides = {}) => JSON.stringify(loadFixture(name, overrides));
const send = (proxy, text, options = { ed25519Key: keys.ed25519.privateKey }) => sendWebhook(proxy.url, text, options);
const errorOf = async (r) => (await r.json()).error;

// Polls `check` until it returns a truthy value (or fails after `ms`).
async function eventually(check, what, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Signs in as the fixtures' GoHighLevel user, as the widget does inside GoHighLevel.
async function signIn(proxy, { lead, user = {} } = {}) {
  const context = { userId: USER_ID, companyId: 'Gx9tJ2kLmN4pQ6rS8tUv', role: 'user', type: 'location', userName: 'Dana Whitfield',
    email: 'dana@example.com', isAgencyOwner: false, activeLocation: LOCATION_ID, ...user };
  return fetch(proxy.url + '/v1/auth/ghl', { method: 'POST', headers: { origin: GHL_ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ payload: ssoPayload(context, SHARED_SECRET), ...(lead ? { lead_id: lead } : {}) }) });
}

// A live socket as the widget opens it with sign-in credentials; frames collect in `frames`.
// Like the widget, it acknowledges each pushed batch, unless `ack` is false.
async function openSocket(proxy, creds, { ack = true } = {}) {
  const ws = new WebSocket(proxy.url.replace('http', 'ws') + '/v1/live', { headers: { origin: GHL_ORIGIN } });
  const frames = [];
  ws.on('message', (m) => {
    const f = JSON.parse(String(m));
    frames.push(f);
    if (ack && f.type === 'cards_done' && f.push) ws.send(JSON.stringify({ type: 'ack', push: f.push }));
  });
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ type: 'auth', key: creds.key, agent_token: creds.agent_token }));
  await eventually(() => frames.find((f) => f.type === 'ready'), 'the socket to be ready');
  return { ws, frames, pushes: (id) => frames.filter((f) => f.push === id) };
}

// Closes a socket and waits until the proxy has let it go: a card published to an agent whose
// socket is still closing goes to that socket, not to the next one (which gets it only on
// connecting, as a card that was never acknowledged).
async function closeSocket(socket) {
  if (socket.ws.readyState !== WebSocket.CLOSED) await new Promise((resolve) => { socket.ws.once('close', resolve); socket.ws.close(); });
  await sleep(50);
}

const lead = async (proxy, creds, id = CONTACT_ID) =>
  (await fetch(`${proxy.url}/v1/leads/${id}?thread=50`, { headers: { 'x-api-key': creds.key, origin: GHL_ORIGIN,
    'x-porchlight-agent-token': creds.agent_token } })).json();

// The inbox as an operator sees it (porchlight-proxy webhooks list), by GoHighLevel's webhookId.
const inbox = (databaseUrl, webhookId) => admin(['webhooks', 'list', '--limit', '1000', '--database-url', databaseUrl])
  .trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((w) => w.webhook_id === webhookId);
const processed = (databaseUrl, webhookId) => eventually(() => {
  const w = inbox(databaseUrl, webhookId);
  return w && (w.state === 'done' || w.state === 'failed') && w;
}, `webhook ${webhookId} to be processed`);

describe('GoHighLevel on one instance (SQLite)', () => {
  let fake, proxy, db, creds;
  before(async () => {
    fake = await startFake();
    db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ghlArgs, env });
  });

  test('a signed event is acknowledged only once stored; unsigned, tampered or wrongly signed ones get 401', async () => {
    const install = body('INSTALL');
    const ok = await send(proxy, install);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).status, 'accepted');
    assert.ok(inbox(db, JSON.parse(install).webhookId), 'the acknowledged event is in the inbox');
    // A long e-mail (5 MB of HTML) is one event like any other: GoHighLevel would not resend a 413.
    const long = body('InboundMessage', { messageId: 'long-email-1', messageType: 'TYPE_EMAIL', body: `<div>${'Lorem ipsum. '.repeat(400_000)}</div>` });
    const longAck = await send(proxy, long);
    assert.equal(longAck.status, 200, await longAck.clone().text());
    assert.equal((await longAck.json()).status, 'accepted');

    const text = body('ContactCreate');
    const refusals = [
      await send(proxy, text, {}),  // no signature
      await send(proxy, text.replace('Marcus', 'Markus'), { headers: { 'x-ghl-signature': signEd25519(text, keys.ed25519.privateKey) } }),  // tampered
      await send(proxy, text, { ed25519Key: makeKeys().ed25519.privateKey }),  // another key
      await send(proxy, text, { headers: { 'x-ghl-signature': 'not base64 at all!' } }),
    ];
    for (const r of refusals) {
      assert.equal(r.status, 401);
      assert.equal((await errorOf(r)).code, 'webhook.invalid_signature');
    }
    // Raw header lines (fetch would join them): a signature sent twice, good one first, is refused;
    // an empty X-GHL-Signature does not fall back to the legacy header.
    const good = signEd25519(text, keys.ed25519.privateKey);
    const raw = (headers) => new Promise((resolve, reject) => {
      const req = http.request(proxy.url + '/v1/webhooks/ghl', { method: 'POST', headers: ['content-type', 'application/json', ...headers] },
        (res) => { let data = ''; res.on('data', (d) => { data += d; }); res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(data) })); });
      req.on('error', reject);
      req.end(text);
    });
    for (const headers of [['x-ghl-signature', good, 'x-ghl-signature', 'AAAA'], ['x-ghl-signature', '', 'x-wh-signature', signRsa(text, keys.rsa.privateKey)]]) {
      const r = await raw(headers);
      assert.equal(r.status, 401, JSON.stringify(headers.filter((_, i) => i % 2 === 0)));
      assert.equal(r.body.error.code, 'webhook.invalid_signature');
    }
    assert.equal(inbox(db, JSON.parse(text).webhookId), undefined, 'nothing refused was stored');
  });

  test('a signed event that cannot be read is kept as failed and answered with why; a resend is not kept twice', async () => {
    const cases = [
      ['invalid UTF-8', Buffer.concat([Buffer.from('{"type":"ContactCreate","locationId":"' + LOCATION_ID + '","firstName":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'request.invalid_utf8'],
      ['nested too deep', JSON.stringify({ type: 'ContactCreate', locationId: LOCATION_ID, customFields: JSON.parse('['.repeat(40) + ']'.repeat(40)) }), 'request.too_deep'],
      ['no type', JSON.stringify({ locationId: LOCATION_ID, webhookId: 'no-type-1', id: 'c1' }), 'webhook.missing_type'],
      ['a timestamp that is no date', JSON.stringify({ type: 'NoteCreate', locationId: LOCATION_ID, timestamp: 'yesterday' }), 'webhook.invalid_timestamp'],
      ['an array', '[1,2]', 'request.not_object'],
    ];
    for (const [what, payload, code] of cases) {
      for (const attempt of [1, 2]) {
        const r = await send(proxy, payload);
        const error = await errorOf(r);
        assert.equal(r.status, 400, `${what} (${attempt}): ${JSON.stringify(error)}`);
        assert.equal(error.code, code, what);
        assert.match(error.message, /kept in the inbox as failed: sha256:[0-9a-f]{64}/, what);
      }
      const id = 'sha256:' + createHash('sha256').update(payload).digest('hex');
      const kept = admin(['webhooks', 'list', '--state', 'failed', '--limit', '1000', '--database-url', db])
        .trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((w) => w.webhook_id === id);
      assert.equal(kept.length, 1, `${what}: kept once`);
      assert.match(kept[0].error, new RegExp(`^unreadable: ${code.replace('.', '\\.')}`), what);
    }
    // Unsigned, the same bytes are refused and not kept: only the sender's own events are.
    const unsigned = await send(proxy, '[3]', {});
    assert.equal(unsigned.status, 401);
    const id = 'sha256:' + createHash('sha256').update('[3]').digest('hex');
    assert.equal(inbox(db, id), undefined);
  });

  test('the legacy X-WH-Signature: refused unless its key is set; with it, accepted alone, never over a bad X-GHL-Signature', async () => {
    const text = body('ContactCreate');
    const legacyOnly = await send(proxy, text, { rsaKey: keys.rsa.privateKey });
    assert.equal(legacyOnly.status, 401, 'no legacy key configured here');
    assert.match((await errorOf(legacyOnly)).message, /deprecated/);

    const legacy = await startProxy({ databaseUrl: sqliteUrl(), upstreamUrl: fake.url, env,
      args: [...ghlArgs, '--ghl-legacy-public-key', keys.rsa.publicPem] });
    assert.equal((await send(legacy, text, { rsaKey: keys.rsa.privateKey })).status, 200, 'RSA alone, key configured');
    const other = body('ContactUpdate');
    const wrongRsa = await send(legacy, other, { rsaKey: makeKeys().rsa.privateKey });
    assert.equal(wrongRsa.status, 401);
    // Both headers: only X-GHL-Signature counts (GoHighLevel's rule), so a bad one is refused
    // even beside a good RSA signature.
    const both = await send(legacy, other, { rsaKey: keys.rsa.privateKey, headers: { 'x-ghl-signature': signEd25519(other, makeKeys().ed25519.privateKey) } });
    assert.equal(both.status, 401);
    assert.equal((await send(legacy, other, { ed25519Key: keys.ed25519.privateKey, rsaKey: makeKeys().rsa.privateKey })).status, 200,
      'a good X-GHL-Signature is enough; the RSA one is not checked');
    legacy.stop();
  });

  test('replays: a webhookId seen before is a duplicate, a stale timestamp is refused', async () => {
    const text = body('ContactCreate');
    assert.equal((await (await send(proxy, text)).json()).status, 'accepted');
    const again = await send(proxy, text);
    assert.equal(again.status, 200);
    assert.equal((await again.json()).status, 'duplicate');
    const stale = await send(proxy, body('ContactUpdate', { timestamp: new Date(Date.now() - 6 * 60_000).toISOString() }));
    assert.equal(stale.status, 401);
    assert.equal((await errorOf(stale)).code, 'webhook.stale');
    const future = await send(proxy, body('ContactUpdate', { timestamp: new Date(Date.now() + 60 * 60_000).toISOString() }));
    assert.equal(future.status, 401);
    const malformed = await send(proxy, JSON.stringify({ locationId: LOCATION_ID }));
    assert.equal(malformed.status, 400);
  });

  test('sign-in from GoHighLevel: the encrypted user context gives a key and an agent token; tampered ones are refused', async () => {
    const r = await signIn(proxy, { lead: CONTACT_ID });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('access-control-allow-origin'), GHL_ORIGIN);
    creds = await r.json();
    assert.match(creds.key, /^pk_/);
    assert.equal(creds.agent_id, USER_ID);
    assert.equal(creds.location_id, LOCATION_ID);
    const profile = await fetch(`${proxy.url}/v1/profiles/${USER_ID}`, { headers: { 'x-api-key': creds.key, origin: GHL_ORIGIN,
      'x-porchlight-agent-token': creds.agent_token } });
    assert.equal(profile.status, 200);
    assert.equal((await profile.json()).name, 'Dana Whitfield');
    // The same key on another origin is refused: it is bound to GoHighLevel's pages.
    const elsewhere = await fetch(`${proxy.url}/v1/profiles/${USER_ID}`, { headers: { 'x-api-key': creds.key, origin: 'https://evil.example',
      'x-porchlight-agent-token': creds.agent_token } });
    assert.equal(elsewhere.status, 403);

    const payload = ssoPayload({ userId: USER_ID, activeLocation: LOCATION_ID }, SHARED_SECRET);
    const tampered = payload.slice(0, 30) + (payload[30] === 'A' ? 'B' : 'A') + payload.slice(31);
    for (const bad of [tampered, ssoPayload({ userId: USER_ID, activeLocation: LOCATION_ID }, 'another-secret'), 'U2FsdGVkX1+notreally']) {
      const refused = await fetch(proxy.url + '/v1/auth/ghl', { method: 'POST', body: JSON.stringify({ payload: bad }) });
      assert.equal(refused.status, 401);
      assert.equal((await errorOf(refused)).code, 'auth.invalid_sso');
    }
    const noLocation = await signIn(proxy, { user: { activeLocation: undefined } });
    assert.equal(noLocation.status, 401);
    const otherLocation = await signIn(proxy, { user: { activeLocation: 'NotInstalledLoc123' } });
    assert.equal(otherLocation.status, 403);
    assert.equal((await errorOf(otherLocation)).code, 'ghl.unknown_location');
  });

  test("GoHighLevel's admin role is applied at every sign-in; a white-label origin added later gets a fresh key", async () => {
    const accessAfter = async (role) => {
      const r = await signIn(proxy, { user: { role } });
      assert.equal(r.status, 200);
      const c = await r.json();
      const me = await fetch(`${proxy.url}/v1/profiles/${USER_ID}`, { headers: { 'x-api-key': c.key, origin: GHL_ORIGIN,
        'x-porchlight-agent-token': c.agent_token } });
      return (await me.json()).access;
    };
    assert.equal(await accessAfter('admin'), 'location_admin', 'the profile existed already (made at the first sign-in)');
    assert.equal(await accessAfter('user'), 'agent', 'demoted in GoHighLevel, demoted here');
    // The same database behind a proxy that also serves a white-label domain.
    const whiteLabel = 'https://app.whitfieldhomes.example';
    const wl = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, env, args: [...ghlArgs, '--ghl-origin', whiteLabel, '--webhook-worker', 'off'] });
    try {
      const r = await fetch(wl.url + '/v1/auth/ghl', { method: 'POST', headers: { origin: whiteLabel, 'content-type': 'application/json' },
        body: JSON.stringify({ payload: ssoPayload({ userId: USER_ID, role: 'user', type: 'location', activeLocation: LOCATION_ID }, SHARED_SECRET) }) });
      assert.equal(r.status, 200, await r.clone().text());
      const c = await r.json();
      const me = await fetch(`${wl.url}/v1/profiles/${USER_ID}`, { headers: { 'x-api-key': c.key, origin: whiteLabel, 'x-porchlight-agent-token': c.agent_token } });
      assert.equal(me.status, 200, 'the key takes the white-label origin');
    } finally {
      wl.stop();
    }
    // Back on the first proxy (its origins differ again): sign in again for the tests that follow.
    const again = await signIn(proxy, { lead: CONTACT_ID });
    assert.equal(again.status, 200);
    creds = await again.json();
  });

  test("a lead's text reaches the agent's socket as cards with Claude's suggestion; thread and stage are recorded once", async () => {
    const socket = await openSocket(proxy, creds);
    const text = body('InboundMessage');
    const { webhookId } = JSON.parse(text);
    const sent = Date.now();
    assert.equal((await send(proxy, text)).status, 200);
    const done = await eventually(() => socket.frames.find((f) => f.type === 'cards_done' && f.source === 'gohighlevel'), 'a pushed card');
    assert.ok(Date.now() - sent < 3000, 'the card arrived within seconds');
    const cards = socket.pushes(done.push).filter((f) => f.type === 'card');
    const next = cards.find((f) => f.card.type === 'next_best_action');
    assert.ok(next?.card.suggestion, 'the next-best-action card carries a suggestion');
    assert.equal(next.card.offline, false, 'from Claude (the fake upstream), not the playbooks');
    assert.equal(done.lead_id, CONTACT_ID);
    assert.equal(done.lead_message.channel, 'SMS');
    assert.ok(done.proposed_facts?.some((f) => f.fact === 'pre_approved' || f.fact === 'price_range' || f.fact === 'budget'),
      'facts the lead stated are proposed');
    const prompt = JSON.stringify((await fake.requests()).filter((r) => r.path === '/v1/messages').at(-1).body);
    assert.match(prompt, /Saw 1418 Juniper Ln/);

    // The same delivery again changes nothing.
    assert.equal((await (await send(proxy, text)).json()).status, 'duplicate');
    await processed(db, webhookId);
    const l = await lead(proxy, creds);
    assert.equal(l.thread.filter((m) => m.text.startsWith('Hi! Saw 1418')).length, 1);
    // The contact's city is where they live now, not an answer to "where do you want to live".
    assert.equal(l.facts.current_area, 'Boise, ID');
    assert.equal(l.facts.area, undefined);
    // Coaching in GoHighLevel's page sends only the contact's id: what the CRM told us comes along.
    const coach = await fetch(proxy.url + '/v1/coach', { method: 'POST', headers: { 'x-api-key': creds.key, origin: GHL_ORIGIN,
      'x-porchlight-agent-token': creds.agent_token, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What should I ask her next?', lead: { id: CONTACT_ID } }) });
    assert.equal(coach.status, 200);
    const events = await readSse(coach);
    assert.equal(events.at(-1).event, 'done', JSON.stringify(events.at(-1)));
    const coachPrompt = JSON.stringify((await fake.requests()).filter((r) => r.path === '/v1/messages').at(-1).body);
    assert.match(coachPrompt, /Boise, ID/);
    assert.equal(l.stage, 'qualifying', 'the reply moved the lead on');
    assert.equal(l.agent_id, USER_ID);
    await closeSocket(socket);
    // Delivered live, so not again to the next connection.
    const next2 = await openSocket(proxy, creds);
    await sleep(300);
    assert.equal(next2.pushes(done.push).length, 0);
    await closeSocket(next2);
  });

  test('STOP: the lead opts out, the card says not to text, and later suggestions are told so', async () => {
    const socket = await openSocket(proxy, creds);
    assert.equal((await send(proxy, body('InboundMessage-stop'))).status, 200);
    const done = await eventually(() => socket.frames.find((f) => f.type === 'cards_done' && f.lead_message?.text?.trim().toUpperCase() === 'STOP'), 'the STOP card');
    assert.equal(done.lead_message.may_text, false);
    const next = socket.pushes(done.push).find((f) => f.type === 'card' && f.card.type === 'next_best_action');
    assert.match(next.card.suggestion, /opted out of texts/);
    assert.equal((await lead(proxy, creds)).sms_opt_out, true);

    const before = (await fake.requests()).length;
    assert.equal((await send(proxy, body('InboundMessage', { messageId: 'later-sms-1', body: 'Actually can you text me the address?' }))).status, 200);
    await eventually(async () => (await fake.requests()).length > before, 'the next suggestion');
    const prompt = JSON.stringify((await fake.requests()).filter((r) => r.path === '/v1/messages').at(-1).body);
    assert.match(prompt, /opted out of text messages/);
    await closeSocket(socket);
  });

  test('a message from a contact deleted in GoHighLevel joins its thread, with no card and no call to Claude', async () => {
    const contact = 'CDEL0000000000000001';
    for (const [type, fields] of [['ContactCreate', { id: contact }], ['ContactDelete', { id: contact }]]) {
      const text = body(type, fields);
      assert.equal((await send(proxy, text)).status, 200);
      await processed(db, JSON.parse(text).webhookId);
    }
    const socket = await openSocket(proxy, creds);
    const before = (await fake.requests()).length;
    const text = body('InboundMessage', { contactId: contact, messageId: 'deleted-sms-1', body: 'Is the house on Elm still available?' });
    assert.equal((await send(proxy, text)).status, 200);
    await processed(db, JSON.parse(text).webhookId);
    await sleep(300);
    assert.equal(socket.frames.filter((f) => f.lead_message?.text === 'Is the house on Elm still available?').length, 0);
    assert.equal((await fake.requests()).length, before, 'Claude was not asked');
    await closeSocket(socket);
  });

  test('an agent who is offline gets the card on connecting', async () => {
    const text = body('InboundMessage-email');
    await send(proxy, text);
    await processed(db, JSON.parse(text).webhookId);
    const socket = await openSocket(proxy, creds);
    const done = await eventually(() => socket.frames.find((f) => f.type === 'cards_done' && f.lead_message?.channel === 'Email'), 'the waiting card');
    assert.ok(done.push);
    await closeSocket(socket);
    // Delivered once: a new connection does not get it again.
    const second = await openSocket(proxy, creds);
    await sleep(300);
    assert.equal(second.frames.filter((f) => f.push === done.push).length, 0);
    await closeSocket(second);
  });

  test('a pushed card that is not acknowledged comes again on the next connection, and not once acknowledged', async () => {
    const silent = await openSocket(proxy, creds, { ack: false });
    const text = body('InboundMessage', { messageId: 'unacked-sms-1', body: 'Is the Juniper house still available?' });
    assert.equal((await send(proxy, text)).status, 200);
    const done = await eventually(() => silent.frames.find((f) => f.type === 'cards_done' && f.lead_message?.text?.startsWith('Is the Juniper')), 'the pushed card');
    await closeSocket(silent);  // as a tab closed before it showed the card
    const again = await openSocket(proxy, creds, { ack: false });
    await eventually(() => again.frames.find((f) => f.type === 'cards_done' && f.push === done.push), 'the card again, on connecting');
    // An acknowledgement of a card that is not this agent's, or of no card, changes nothing and is not an error.
    again.ws.send(JSON.stringify({ type: 'ack', push: 'card_not_a_real_one' }));
    again.ws.send(JSON.stringify({ type: 'ack', push: done.push }));
    again.ws.send(JSON.stringify({ type: 'ack' }));
    const refused = await eventually(() => again.frames.find((f) => f.type === 'error'), 'an ack without its push refused');
    assert.match(refused.code, /missing_push/);
    await sleep(300);  // the acknowledgement is written with other small writes
    await closeSocket(again);
    const third = await openSocket(proxy, creds);
    await sleep(300);
    assert.equal(third.pushes(done.push).length, 0, 'acknowledged: not sent again');
    await closeSocket(third);
  });

  test('events of a location not linked yet are kept, reported, and run once it installs', async () => {
    const other = 'Zz9OtherLocation01';
    const contact = body('ContactCreate', { locationId: other, id: 'contactOfOther01' });
    assert.equal((await send(proxy, contact)).status, 200);
    const kept = await processed(db, JSON.parse(contact).webhookId);
    assert.equal(kept.state, 'failed');
    assert.match(kept.error, /ghl\.unknown_location/);
    assert.equal((await send(proxy, body('INSTALL', { locationId: other }))).status, 200);
    await eventually(() => inbox(db, JSON.parse(contact).webhookId)?.state === 'done', 'the kept event to run');
    const r = await signIn(proxy, { user: { activeLocation: other } });
    assert.equal(r.status, 200);
    assert.equal((await lead(proxy, await r.json(), 'contactOfOther01')).name, 'Marcus Reyes');
  });

  test('operators retry a dead-lettered event and replay a done one (nothing applied twice)', async () => {
    const text = body('InboundMessage', { messageId: 'replayed-sms-1', body: 'Is the Juniper house still available?' });
    const { webhookId } = JSON.parse(text);
    await send(proxy, text);
    const w = await processed(db, webhookId);
    assert.equal(w.state, 'done');
    assert.match(admin(['webhooks', 'replay', w.id, '--database-url', db]), /pending again/);
    await eventually(() => inbox(db, webhookId).state === 'done' && inbox(db, webhookId).attempts === 1, 'the replay');
    const l = await lead(proxy, creds);
    assert.equal(l.thread.filter((m) => m.id === 'replayed-sms-1').length, 1);
    assert.throws(() => admin(['webhooks', 'retry', w.id, '--database-url', db]), /not_found/, 'retry takes failed events only');
    assert.throws(() => admin(['webhooks', 'list', '--state', 'nonsense', '--database-url', db]));
  });

  test("an UNINSTALL revokes the widget's key: its agent tokens stop working (last: the location is gone after it)", async () => {
    const text = body('UNINSTALL');
    assert.equal((await send(proxy, text)).status, 200);
    await processed(db, JSON.parse(text).webhookId);
    // A proxy with no cached keys (this one may trust its cache for 30 s) sees the revocation.
    const fresh = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, env, args: [...ghlArgs, '--webhook-worker', 'off'] });
    try {
      const r = await fetch(`${fresh.url}/v1/profiles/${USER_ID}`, { headers: { 'x-api-key': creds.key, origin: GHL_ORIGIN,
        'x-porchlight-agent-token': creds.agent_token } });
      assert.equal(r.status, 401);
      assert.equal((await errorOf(r)).code, 'auth.revoked_key');
    } finally {
      fresh.stop();
    }
  });
});

describe('GoHighLevel on two instances (PostgreSQL and Redis)', () => {
  let fake, a, b, owner, app;
  const redisUrl = () => requireEnv('PORCHLIGHT_TEST_REDIS_URL');
  const services = (verb) => execFileSync(`${root}/scripts/services`, [verb, requireEnv('PORCHLIGHT_TEST_SERVICES_DIR')], { stdio: 'pipe' });
  // Rows of a tenant table, as its owner sees them through RLS.
  const rows = (query) => execFileSync('psql', [owner, '-qAt', '-c', `SET porchlight.location_id = '${LOCATION_ID}'; ${query}`], { encoding: 'utf8' })
    .trim().split('\n').filter(Boolean);

  before(async () => {
    fake = await startFake();
    ({ ownerUrl: owner, appUrl: app } = createPostgresDatabase('ghl'));
    admin(['migrate', '--database-url', owner]);
    a = await startProxy({ databaseUrl: app, redisUrl: redisUrl(), upstreamUrl: fake.url, args: ghlArgs, env });
    // b receives and holds sockets but leaves the inbox to a: its card must cross by Redis.
    b = await startProxy({ databaseUrl: app, redisUrl: redisUrl(), upstreamUrl: fake.url, args: [...ghlArgs, '--webhook-worker', 'off'], env });
    assert.equal((await send(a, body('INSTALL'))).status, 200);
    await eventually(() => rows('SELECT 1 FROM ghl_locations WHERE installed').length === 1, 'the install');
    assert.equal((await send(a, body('ContactCreate'))).status, 200);  // assigns the lead to the user
    await eventually(() => rows(`SELECT 1 FROM leads WHERE agent_id = '${USER_ID}'`).length === 1, 'the contact');
  });

  test('a card made by one instance reaches the socket held by the other', async () => {
    const creds = await (await signIn(b)).json();
    const socket = await openSocket(b, creds);
    const sent = Date.now();
    assert.equal((await send(b, body('InboundMessage', { messageId: 'cross-1' }))).status, 200);
    const done = await eventually(() => socket.frames.find((f) => f.type === 'cards_done' && f.source === 'gohighlevel'), 'the card across instances');
    assert.ok(Date.now() - sent < 3000);
    assert.ok(socket.pushes(done.push).some((f) => f.type === 'card'));
    await closeSocket(socket);
  });

  test('kill -9 mid-event, then a restart: every side effect is applied exactly once', async () => {
    await fake.script([{ latency_ms: 2500 }]);  // the suggestion call is in flight when a dies
    const before = (await fake.requests()).length;
    const text = body('InboundMessage', { messageId: 'crash-sms-1', body: 'We want to offer on Juniper tonight, can you call me?' });
    const { webhookId } = JSON.parse(text);
    assert.equal((await send(a, text)).status, 200);
    await eventually(async () => (await fake.requests()).length > before, 'the upstream call');
    a.kill9();
    const c = await startProxy({ databaseUrl: app, redisUrl: redisUrl(), upstreamUrl: fake.url, args: ghlArgs, env });
    const w = await processed(app, webhookId);
    assert.equal(w.state, 'done');
    assert.ok(w.attempts >= 2, 'taken again after the first worker died');
    const id = inbox(app, webhookId).id;
    assert.equal(rows(`SELECT count(*) FROM lead_messages WHERE id = 'crash-sms-1'`)[0], '1');
    assert.equal(rows(`SELECT count(*) FROM live_cards WHERE id = 'card_${id}'`)[0], '1');
    assert.ok(Number(rows(`SELECT count(*) FROM lead_stage_changes WHERE source = 'ghl:${id}'`)[0]) <= 1);
    // The suggestion's usage, from the call that completed (the ledger writes in batches).
    await eventually(() => rows(`SELECT count(*) FROM usage_ledger WHERE request_id = 'req_ghl_${id}'`)[0] === '1', 'the usage record');
    await sleep(1500);
    assert.equal(rows(`SELECT count(*) FROM usage_ledger WHERE request_id = 'req_ghl_${id}'`)[0], '1', 'counted once');
    c.stop();
  });

  test('a won opportunity closes the lead and is one outcome for the learning loop, replayed or not', async () => {
    const worker = await startProxy({ databaseUrl: app, redisUrl: redisUrl(), upstreamUrl: fake.url, args: ghlArgs, env });  // (a died above)
    const text = body('OpportunityStatusUpdate', { status: 'won' });
    const { webhookId } = JSON.parse(text);
    assert.equal((await send(b, text)).status, 200);
    const w = await processed(app, webhookId);
    assert.equal(w.state, 'done', w.error);
    const outcomes = () => rows(`SELECT outcome || ' ' || source || ' ' || lead_id FROM lead_outcomes WHERE external_id = '${webhookId}'`);
    assert.deepEqual(outcomes(), [`closed_won gohighlevel ${CONTACT_ID}`]);
    assert.equal(rows(`SELECT to_stage FROM lead_stage_changes WHERE lead_id = '${CONTACT_ID}' ORDER BY seq DESC LIMIT 1`)[0], 'closed_won');
    assert.match(admin(['webhooks', 'replay', w.id, '--database-url', app]), /pending again/);
    await eventually(() => inbox(app, webhookId).state === 'done' && inbox(app, webhookId).attempts === 1, 'the replay');
    assert.equal(outcomes().length, 1, 'recorded once');
    assert.equal(rows(`SELECT count(*) FROM lead_stage_changes WHERE source = 'ghl:${w.id}'`)[0], '1', 'moved once');
    worker.stop();
  });

  test('the store down: 429 with retry-after (GoHighLevel retries), then 200 once it is back', async () => {
    services('stop-pg');
    let text;
    try {
      text = body('ContactUpdate');
      const r = await send(b, text);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.equal((await errorOf(r)).code, 'webhook.retry_later');
    } finally {
      services('start-pg');
    }
    const again = await eventually(async () => { const r = await send(b, text); return r.status === 200 && r; }, 'the retry to be stored', 20000);
    assert.equal((await again.json()).status, 'accepted');
  });
});
