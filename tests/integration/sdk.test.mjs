// The official TypeScript SDK (@anthropic-ai/sdk 1.10, unchanged) with the proxy as its base URL.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import { provision, sqliteUrl, startFake, startProxy } from './harness.mjs';

describe('the official SDK through the proxy', () => {
  let fake, proxy, loc;
  before(async () => {
    fake = await startFake();
    const db = sqliteUrl();
    // One event-loop thread: connections without strands (the other suites run two threads).
    proxy = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--threads', '1'] });
    loc = await provision(db, proxy.url);
  });
  const client = (opts = {}) => new Anthropic({ baseURL: proxy.url, apiKey: loc.sk, maxRetries: 0, ...opts });
  const lastRequest = async () => (await fake.requests()).filter((r) => r.path.startsWith('/v1/messages')).at(-1);

  test('messages.create, with the key as Authorization: Bearer (SDK 1.10) and as x-api-key', async () => {
    const msg = await client().messages.create({ model: 'claude-haiku-5-5', max_tokens: 200,
      messages: [{ role: 'user', content: 'Buyer wants to wait for rates to drop' }] });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.match(msg.content[0].text, /wait for rates/);
    assert.ok(msg.usage.input_tokens > 0);
    const sent = await lastRequest();
    assert.equal(sent.headers['anthropic-version'], '2026-10-21', 'the caller\'s version is forwarded');
    const legacy = new Anthropic({ baseURL: proxy.url, apiKey: null, authToken: null, maxRetries: 0,
      defaultHeaders: { 'x-api-key': loc.sk, 'anthropic-version': '2023-06-01' } });
    const m2 = await legacy.messages.create({ model: 'claude-haiku-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(m2.type, 'message');
  });

  test('streaming text, with anthropic-beta forwarded', async () => {
    const stream = client().messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 300,
      messages: [{ role: 'user', content: 'Script for a first call with a relocation lead' }] },
      { headers: { 'anthropic-beta': 'context-management-2025-06-27' } });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    assert.ok(text.length > 20);
    assert.equal(final.content[0].text, text);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal((await lastRequest()).headers['anthropic-beta'], 'context-management-2025-06-27');
  });

  test('streaming tool use with input_json_delta', async () => {
    const stream = client().messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 500,
      tools: [{ name: 'schedule_showing', description: 'Book a showing',
        input_schema: { type: 'object', properties: { address: { type: 'string' }, date: { type: 'string' } }, required: ['address', 'date'] } }],
      tool_choice: { type: 'tool', name: 'schedule_showing' },
      messages: [{ role: 'user', content: 'Book 12 Elm St for Saturday' }] });
    const partials = [];
    stream.on('inputJson', (delta) => partials.push(delta));
    const final = await stream.finalMessage();
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.equal(tool.name, 'schedule_showing');
    assert.equal(typeof tool.input.address, 'string');
    assert.ok(partials.length >= 2, 'the input arrived as several input_json_delta chunks');
    assert.equal(final.stop_reason, 'tool_use');
  });

  test('models.list and models.retrieve come from the Claude API', async () => {
    const page = await client().models.list({ limit: 5 });
    assert.ok(page.data.length > 0 && page.data.length <= 5);
    assert.ok(page.data.every((m) => m.type === 'model' && typeof m.id === 'string'));
    const sent = (await fake.requests()).filter((r) => r.path.startsWith('/v1/models')).at(-1);
    assert.match(sent.path, /^\/v1\/models\?limit=5$/);
    assert.equal(page.data.length, 5);
    const next = await client().models.list({ limit: 5, after_id: page.data.at(-1).id });
    assert.ok(next.data.length > 0 && !page.data.some((m) => m.id === next.data[0].id), 'the next page follows');
    const one = await client().models.retrieve(page.data[0].id);
    assert.equal(one.id, page.data[0].id);
    await assert.rejects(client().models.retrieve('claude-nothing-1'), (e) => e instanceof Anthropic.NotFoundError);
    await assert.rejects(client().models.retrieve('bad id!'), (e) => e instanceof Anthropic.NotFoundError);
  });

  test('countTokens', async () => {
    const r = await client().messages.countTokens({ model: 'claude-sonnet-5-5', messages: [{ role: 'user', content: 'How many tokens is this?' }] });
    assert.ok(r.input_tokens > 0);
  });

  test('agent context injection with x-porchlight-agent', async () => {
    const withAgent = client({ defaultHeaders: { 'x-porchlight-agent': 'agent-1' } });
    await withAgent.messages.create({ model: 'claude-haiku-5-5', max_tokens: 100, system: 'Be brief.',
      messages: [{ role: 'user', content: 'What should I ask a new lead?' }] });
    const sent = (await lastRequest()).body;
    assert.match(sent.system[0].text, /You are Porchlight/);
    assert.match(sent.system.at(-1).text, /Be brief\./);
    const missing = client({ defaultHeaders: { 'x-porchlight-agent': 'nobody' } });
    await assert.rejects(missing.messages.create({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e.status === 404);
    // A header that is no agent id is the caller's typed error naming the header, not the store's.
    const bad = client({ defaultHeaders: { 'x-porchlight-agent': '../etc' } });
    await assert.rejects(bad.messages.create({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.BadRequestError && e.error?.error?.code === 'request.invalid_agent' && /x-porchlight-agent/.test(e.message));
  });

  test('a field of the wrong type is invalid_<field>; an absent one is missing_<field>', async () => {
    const post = async (body) => (await (await fetch(proxy.url + '/v1/messages', { method: 'POST',
      headers: { 'x-api-key': loc.sk, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()).error.code;
    const messages = [{ role: 'user', content: 'x' }];
    assert.equal(await post({ model: 'claude-haiku-5-5', max_tokens: '10', messages }), 'request.invalid_max_tokens');
    assert.equal(await post({ model: 'claude-haiku-5-5', max_tokens: 10.5, messages }), 'request.invalid_max_tokens');
    assert.equal(await post({ model: 'claude-haiku-5-5', messages }), 'request.missing_max_tokens');
    assert.equal(await post({ model: 5, max_tokens: 10, messages }), 'request.invalid_model');
    assert.equal(await post({ model: '', max_tokens: 10, messages }), 'request.invalid_model');
    assert.equal(await post({ max_tokens: 10, messages }), 'request.missing_model');
    assert.equal(await post({ model: 'claude-haiku-5-5', max_tokens: 10, messages: 'hi' }), 'request.invalid_messages');
    assert.equal(await post({ model: 'claude-haiku-5-5', max_tokens: 10 }), 'request.missing_messages');
  });

  test('upstream errors reach the SDK as typed errors', async () => {
    await fake.script([{ status: 400, error_type: 'invalid_request_error', error_message: 'messages: bad' }]);
    await assert.rejects(client().messages.create({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.BadRequestError && /messages: bad/.test(e.message));
    await assert.rejects(new Anthropic({ baseURL: proxy.url, apiKey: 'sk_wrong' + 'x'.repeat(35), maxRetries: 0 })
      .messages.create({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.AuthenticationError);
  });

  test("the API refusing the proxy's own key is the operator's error, not the caller's AuthenticationError", async () => {
    await fake.script([{ status: 401, error_type: 'authentication_error', error_message: 'invalid x-api-key' }]);
    await assert.rejects(client().messages.create({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => !(e instanceof Anthropic.AuthenticationError) && e.status === 502 && e.error?.error?.code === 'upstream.rejected');
  });

  test('a stream cut upstream ends with an error event the SDK raises, naming no host of ours', async () => {
    await fake.script([{ disconnect_after_events: 6 }]);
    const stream = client().messages.stream({ model: 'claude-haiku-5-5', max_tokens: 300,
      messages: [{ role: 'user', content: 'Give me three questions for a relocation lead' }] });
    await assert.rejects(stream.finalMessage(), (e) => /cut off upstream/.test(e.message) && !/127\.0\.0\.1|:\d{4,5}/.test(e.message) &&
      e.error?.error?.code === 'upstream.interrupted' && /^req_/.test(e.error?.request_id ?? ''));
  });

  test('several anthropic-beta lines reach the API as one, comma-joined', async () => {
    // fetch would join them itself: node:http sends raw header lines as given.
    const status = await new Promise((resolve, reject) => {
      const req = http.request(proxy.url + '/v1/messages', { method: 'POST',
        headers: ['x-api-key', loc.sk, 'content-type', 'application/json', 'anthropic-beta', 'beta-one', 'anthropic-beta', 'beta-two'] },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    });
    assert.equal(status, 200);
    assert.equal((await lastRequest()).headers['anthropic-beta'], 'beta-one,beta-two');
  });

  test('a model without a price is refused before any upstream call, naming the priced models', async () => {
    const before = (await fake.requests()).length;
    await assert.rejects(client().messages.create({ model: 'claude-opus-9-9', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.NotFoundError && e.error?.error?.code === 'request.unpriced_model' &&
        /claude-opus-4-7/.test(e.message) && /--unpriced-models highest/.test(e.message));
    assert.equal((await fake.requests()).length, before, 'nothing reached the upstream');
    // Legacy models the API still serves are priced: they pass.
    const legacy = await client().messages.create({ model: 'claude-opus-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(legacy.type, 'message');
  });

  test('with --unpriced-models highest an unpriced model is allowed and labelled as priced at the highest rates', async () => {
    const db = sqliteUrl();
    const lenient = await startProxy({ databaseUrl: db, upstreamUrl: fake.url, args: ['--unpriced-models', 'highest'] });
    const l = await provision(db, lenient.url);
    const r = await fetch(lenient.url + '/v1/messages', { method: 'POST', headers: { 'x-api-key': l.sk, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-9-9', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(r.headers.get('x-porchlight-priced-as'), 'highest-rates');
    assert.equal((await lastRequest()).body.model, 'claude-opus-9-9', 'it went upstream');
    assert.equal(r.status, 404, 'the upstream does not serve it: its answer passes through');
    lenient.stop();
  });

  test('a tier or fallback model without a price stops the proxy at startup, unless allowed', async () => {
    await assert.rejects(startProxy({ databaseUrl: sqliteUrl(), upstreamUrl: fake.url, args: ['--model', 'fast=claude-haiku-9'] }),
      /config\.unpriced_model: --model fast=claude-haiku-9/);
    await assert.rejects(startProxy({ databaseUrl: sqliteUrl(), upstreamUrl: fake.url, args: ['--fallback', 'claude-opus-5-5=claude-next-1'] }),
      /config\.unpriced_model: --fallback/);
    const allowed = await startProxy({ databaseUrl: sqliteUrl(), upstreamUrl: fake.url,
      args: ['--model', 'fast=claude-haiku-9', '--unpriced-models', 'highest'] });
    allowed.stop();
  });

  test("the body goes upstream in the caller's key order, with or without the agent's context", async () => {
    // A schema's properties are read in order ("reason, then answer"): sorting them changes answers.
    const tools = [{ name: 'log_call', description: 'Log a call with a lead',
      input_schema: { type: 'object', properties: { zeta_reasoning: { type: 'string' }, alpha_answer: { type: 'string' } } } }];
    for (const headers of [{}, { 'x-porchlight-agent': 'agent-1' }]) {
      await client({ defaultHeaders: headers }).messages.create({ model: 'claude-haiku-5-5', max_tokens: 50, tools,
        messages: [{ role: 'user', content: 'Log my call with Dana: she wants 3 beds under 400k' }] });
      const sent = (await lastRequest()).body;
      assert.deepEqual(Object.keys(sent.tools[0].input_schema.properties), ['zeta_reasoning', 'alpha_answer'], JSON.stringify(headers));
      assert.deepEqual(Object.keys(sent).slice(0, 2), ['model', 'max_tokens'], 'the top level keeps its order too');
    }
  });

  test("with x-porchlight-agent, the injected breakpoint takes the caller's one-hour lifetime (longer ones first)", async () => {
    const withAgent = client({ defaultHeaders: { 'x-porchlight-agent': 'agent-1' } });
    const msg = await withAgent.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 50,
      system: [{ type: 'text', text: 'Our team rules. '.repeat(300), cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'What do I ask a relocation lead first?' }] });
    assert.equal(msg.type, 'message');
    const sent = (await lastRequest()).body;
    assert.deepEqual(sent.system[2].cache_control, { type: 'ephemeral', ttl: '1h' });
  });

  test('a caller that leaves a stream ends the upstream generation, and its usage counts what came', async () => {
    const haikuOutput = async () => (await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json())
      .data.filter((r) => r.model === 'claude-haiku-5-5').reduce((sum, r) => sum + r.output_tokens, 0);
    const outputBefore = await haikuOutput();
    const before = (await fake.stats()).messages.streams_aborted_by_client;
    await fake.script([{ tokens_per_second: 100, text: 'word '.repeat(1000) }]);
    const ac = new AbortController();
    const stream = client().messages.stream({ model: 'claude-haiku-5-5', max_tokens: 2000,
      messages: [{ role: 'user', content: 'Write me a long farming letter for Maple Heights' }] }, { signal: ac.signal });
    let deltas = 0;
    stream.on('text', () => { if (++deltas === 5) ac.abort(); });
    await stream.finalMessage().catch(() => {});
    let aborted = before;
    for (let i = 0; i < 50 && aborted === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      aborted = (await fake.stats()).messages.streams_aborted_by_client;
    }
    assert.equal(aborted, before + 1, 'the proxy closed its upstream stream within 5 s (the whole answer takes 10 s)');
    let added = 0;  // the ledger is written in the background
    for (let i = 0; i < 50 && added === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      added = (await haikuOutput()) - outputBefore;
    }
    // What came is a few one-word deltas (the caller read 5; a few more were in flight): counted by
    // their text, not by their events' JSON, which is twenty times larger.
    assert.ok(added > 0 && added < 60, `recorded ${added} output tokens for about ${deltas} one-word deltas`);
  });

  test('usage from the compatible endpoints is recorded', async () => {
    const usage = await (await fetch(proxy.url + '/v1/usage', { headers: { 'x-api-key': loc.sk } })).json();
    assert.ok(usage.totals.requests >= 4);
    assert.ok(usage.data.some((r) => r.model === 'claude-sonnet-5-5'));
  });
});
