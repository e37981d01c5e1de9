// Qualification through the proxy: a turn's cards read the lead's values (a compliance alert
// first), facts the agent's text states are proposed, the lead's stage moves and is recorded,
// events move it too; listing photos reach Claude as image blocks; folded turns are summarized by
// the fast tier. Proxy on SQLite, the fake upstream.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { pngHeader } from '../support/images.mjs';
import { CRM_ORIGIN, coachRequest, mintAgentToken, provision, readSse, sqliteUrl, startFake, startProxy } from './harness.mjs';

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);


const cardsOf = (events) => events.filter((e) => e.event === 'card').map((e) => e.data);
const textOf = (events) => events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');

describe('qualification through the proxy', () => {
  let fake, proxy, loc;
  const api = (path, init = {}) => fetch(proxy.url + path, { ...init, headers: { 'x-api-key': loc.sk, 'content-type': 'application/json', ...init.headers } });
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url });
    loc = await provision(db, proxy.url);
  });

  test('a turn carries the compliance alert first, proposes stated facts, and records where the lead moved', async () => {
    const lead = { id: 'lead-q1', name: 'Avery Brooks', facts: { buyer_agreement: 'no', showing_date: day(2), lender: 'Chase' } };
    const events = await readSse(await coachRequest(proxy.url, loc, {
      query: "She said they're pre-approved for 450 and need to move by March. They're also talking to Redfin.", lead }));
    assert.equal(events.at(-1).data.status, 'complete');
    const cards = cardsOf(events);
    assert.equal(cards[0].type, 'compliance_alert');
    assert.equal(cards[0].id, 'touring_without_agreement');
    assert.ok(cards[0].say && cards[0].mistakes, 'agent-1 is a novice: the words to say and the common mistakes');
    const checklist = cards.find((c) => c.type === 'qualification_checklist');
    assert.equal(checklist.items.find((i) => i.id === 'mortgage').status, 'unknown', 'a lender name is not a pre-approval');
    const proposed = cards.find((c) => c.type === 'proposed_facts');
    const facts = Object.fromEntries(proposed.facts.map((f) => [f.fact, f.value]));
    assert.equal(facts.pre_approval_amount, '$450,000');
    assert.equal(facts.timeline, 'by March');
    assert.ok(facts.other_agent);
    const stage = cards.find((c) => c.type === 'stage_change');
    assert.equal(stage.to, 'appointment_set');
    assert.equal(stage.recorded, true);

    const history = await (await api('/v1/leads/lead-q1/stages')).json();
    assert.equal(history.stage, 'appointment_set');
    assert.equal(history.data.at(-1).trigger, 'signal:appointment_booked');
    assert.match(history.data.at(-1).reason, /showing_date/);
    // The same facts again move nothing and record nothing new.
    await readSse(await coachRequest(proxy.url, loc, { query: 'What next?', lead: { ...lead, stage: 'appointment_set' } }));
    assert.equal((await (await api('/v1/leads/lead-q1/stages')).json()).data.length, history.data.length);
  });

  test('events move a lead, each move recorded with its reason; unknown events are refused', async () => {
    let r = await api('/v1/leads/lead-q2/events', { method: 'POST', body: JSON.stringify({ events: ['contacted'] }) });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).stage, 'contacted');
    r = await api('/v1/leads/lead-q2/events', { method: 'POST', body: JSON.stringify({ events: ['agreement_signed'] }) });
    assert.equal((await r.json()).stage, 'agreement_signed');
    r = await api('/v1/leads/lead-q2/events', { method: 'POST',
      body: JSON.stringify({ events: ['offer_accepted'], lead: { facts: { effective_date: day(-1) } } }) });
    const moved = await r.json();
    assert.equal(moved.stage, 'under_contract');
    assert.equal(moved.moves.length, 1);
    const history = (await (await api('/v1/leads/lead-q2/stages')).json()).data;
    assert.deepEqual(history.map((c) => c.to), ['contacted', 'agreement_signed', 'under_contract']);
    assert.equal(history[0].from, 'new_lead');
    assert.equal(history[2].trigger, 'event:offer_accepted');

    r = await api('/v1/leads/lead-q2/events', { method: 'POST', body: JSON.stringify({ events: ['won'] }) });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.code, 'lead_events.invalid_events');
    r = await api('/v1/leads/lead%20q2/stages');
    assert.equal((await r.json()).error.code, 'lead.invalid_id');
    // A browser records events as its own agent only.
    r = await fetch(proxy.url + '/v1/leads/lead-q2/events', { method: 'POST', headers: {
      'x-api-key': loc.pk, origin: CRM_ORIGIN, 'content-type': 'application/json',
      'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }) },
      body: JSON.stringify({ events: ['lost'], profile_id: 'someone-else' }) });
    assert.equal((await r.json()).error.code, 'lead_events.invalid_profile_id');
  });

  test('listing photos reach Claude as image blocks for the listing specialist; bad ones are refused at the door', async () => {
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'Write MLS remarks from these photos',
      images: [{ media_type: 'image/png', data: pngHeader(1200, 800) }, { media_type: 'image/png', data: pngHeader(800, 1200) }] }));
    assert.equal(events.find((e) => e.event === 'route').data.specialist, 'listing_marketing');
    const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
    const content = sent.messages.at(-1).content;
    assert.deepEqual(content.map((b) => b.type), ['image', 'image', 'text']);
    assert.equal(content[0].source.type, 'base64');
    assert.equal(content[0].source.media_type, 'image/png');
    assert.match(sent.system[1].text, /Reviewing listing photos/);

    const bad = await coachRequest(proxy.url, loc, { query: 'x', images: [{ media_type: 'image/jpeg', data: pngHeader(10, 10) }] });
    assert.equal(bad.status, 400);
    const error = (await bad.json()).error;
    assert.equal(error.code, 'coach.invalid_images');
    assert.match(error.message, /image\/png, not image\/jpeg/);
  });

  test('a compliance risk in the agent\'s question is an alert card on the turn, first', async () => {
    const events = await readSse(await coachRequest(proxy.url, loc, { query: 'my landlord seller says no section 8, can I put that in the ad?',
      lead: { id: 'lead-q-soi' } }));
    const cards = cardsOf(events);
    assert.equal(cards[0]?.type, 'compliance_alert');
    assert.equal(cards[0]?.id, 'source_of_income');
    const plain = cardsOf(await readSse(await coachRequest(proxy.url, loc, { query: 'How should I price a 3/2 ranch?', lead: { id: 'lead-q-soi2' } })));
    assert.ok(!plain.some((c) => c.id === 'source_of_income'), 'an ordinary question raises nothing');
  });

  test('folded turns are summarized by the fast tier, and the summary is stored for later turns', async () => {
    const lead = { id: 'lead-long', facts: { area: 'Round Rock' } };
    const long = 'The buyer walked through the third house and loved the kitchen but worried about the roof age. '.repeat(70);
    let done;
    // Enough turns to fold, well within the agent's 200,000 tokens a minute (the earlier tests spend some).
    // One specialist named, so each turn is one call whatever the router makes of the repeated text.
    for (let i = 0; i < 10; i++)
      done = (await readSse(await coachRequest(proxy.url, loc, { query: `Turn ${i}: ${long}`.slice(0, 7900), lead, specialist: 'coaching' }))).at(-1);
    const summaries = (await fake.requests()).filter((q) => q.path === '/v1/messages' && !q.body.stream);
    assert.ok(summaries.length >= 1, 'a non-streamed summary call');
    const call = summaries.at(-1).body;
    assert.equal(call.model, 'claude-haiku-5-5');
    assert.match(call.system, /running summary/);
    assert.match(call.messages[0].content, /Turns to fold in/);
    const t = await (await api(`/v1/conversations/${done.data.conversation_id}/messages`)).json();
    assert.ok(t.conversation.summary.length > 0);
    assert.doesNotMatch(t.conversation.summary, /^Earlier in this conversation/, 'written by Claude, not the digest');
    const metrics = await (await fetch(proxy.url + '/metrics')).text();
    assert.match(metrics, /porchlight_summaries_total\{result="written"\} [1-9]/);
  });

  test('offline, attached photos get a clear message instead of a review', async () => {
    const db = sqliteUrl();
    const offline = await startProxy({ databaseUrl: db });  // no upstream: the playbooks answer
    const l = await provision(db, offline.url);
    const events = await readSse(await coachRequest(offline.url, l, { query: 'Review my listing photos',
      images: [{ media_type: 'image/png', data: pngHeader(1200, 800) }] }));
    assert.match(textOf(events), /^\*\*Offline guidance\*\*/);
    assert.match(textOf(events), /Your photos were not reviewed/);
    assert.equal(events.at(-1).data.status, 'complete');
    offline.stop();
  });
});
