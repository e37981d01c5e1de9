// sdk-fidelity: the official Anthropic SDK, unchanged, against porchlight-fake-anthropic.
//
// If the SDK accepts the fake's answers, its errors and its streams, the fake is faithful enough
// to stand in for the real API in every other test. Run:
//   PORCHLIGHT_BIN=build/native/bin node --test tests/fakes/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import Anthropic from '@anthropic-ai/sdk';
import { pngHeader } from '../support/images.mjs';
import { startFake } from '../support/processes.mjs';

const API_KEY = 'sk-ant-fidelity-0123456789';
const MODEL = 'claude-sonnet-5-5';

let fake;
let baseURL;

before(async () => {
  fake = await startFake({ args: ['--api-key', API_KEY] });
  baseURL = fake.url;
});
after(() => fake?.stop());  // and tests/support/processes.mjs stops it at exit, whatever fails

beforeEach(async () => {
  await control('POST', '/_fake/reset');
});

async function control(method, route, body) {
  const res = await fetch(baseURL + route, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

function client(options = {}) {
  return new Anthropic({ apiKey: API_KEY, baseURL, maxRetries: 0, ...options });
}

// A raw request, as an older or hand-written client would send it.
async function raw(route, body, headers = {}) {
  const res = await fetch(baseURL + route, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const QUESTION = 'How do I follow up with a cold lead from Sunday open house?';
const ask = (extra = {}) => ({
  model: MODEL,
  max_tokens: 400,
  messages: [{ role: 'user', content: QUESTION }],
  ...extra,
});

// A system prompt well above every model's minimum cacheable length.
const LONG_SYSTEM = Array.from({ length: 700 }, (_, i) =>
  `Rule ${i + 1}: answer the agent briefly, quote the lead's words, and end with one next step.`).join('\n');

test('messages.create returns a text message that quotes the prompt', async () => {
  const message = await client().messages.create(ask());
  assert.match(message.id, /^msg_01/);
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.model, MODEL);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.content.length, 1);
  assert.equal(message.content[0].type, 'text');
  assert.ok(message.content[0].text.includes('How do I follow up with a cold'), message.content[0].text);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
  assert.equal(message.usage.cache_read_input_tokens, 0);
  assert.match(message._request_id, /^req_/);

  // The SDK's own headers arrived: Bearer auth (redacted in the log) and the new API version.
  const [logged] = await control('GET', '/_fake/requests');
  assert.equal(logged.headers['anthropic-version'], '2026-10-21');
  assert.equal(logged.headers.authorization, `Bearer ${API_KEY.slice(0, 6)}...`);
  assert.equal(logged.body.messages[0].content, QUESTION);
});

test('messages.stream() helpers assemble the final message from text deltas', async () => {
  const stream = client().messages.stream(ask());
  let text = '';
  let deltas = 0;
  stream.on('text', (delta) => { text += delta; deltas += 1; });
  const final = await stream.finalMessage();
  assert.ok(deltas > 3, `expected several text deltas, got ${deltas}`);
  assert.equal(final.content[0].text, text);
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0);

  // The same request without streaming gives the same answer.
  const whole = await client().messages.create(ask());
  assert.equal(whole.content[0].text, final.content[0].text);
  assert.equal(whole.usage.output_tokens, final.usage.output_tokens);
});

test('stream: true yields the documented event sequence', async () => {
  const stream = await client().messages.create(ask({ stream: true }));
  const types = [];
  let text = '';
  let stopReason = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason;
      assert.ok(event.usage.output_tokens > 0);
    }
    if (event.type === 'message_start') {
      assert.equal(event.message.stop_reason, null);
      assert.deepEqual(event.message.content, []);
    }
  }
  assert.equal(types[0], 'message_start');
  assert.equal(types[1], 'content_block_start');
  assert.ok(types.slice(2, -3).every((t) => t === 'content_block_delta'), types.join(','));
  assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
  assert.equal(stopReason, 'end_turn');
  assert.ok(text.includes('How do I follow up with a cold'), text);
});

test('tool use streams input_json_delta chunks that parse to a valid tool input', async () => {
  const tools = [{
    name: 'schedule_showing',
    description: 'Book a showing for a lead.',
    input_schema: {
      type: 'object',
      properties: {
        lead_id: { type: 'string' },
        date: { type: 'string', format: 'date' },
        attendees: { type: 'integer', minimum: 1, maximum: 6 },
        channel: { type: 'string', enum: ['sms', 'email', 'call'] },
        notes: { type: 'array', items: { type: 'string' } },
      },
      required: ['lead_id', 'date', 'attendees'],
    },
  }];
  const stream = client().messages.stream(ask({ tools, tool_choice: { type: 'tool', name: 'schedule_showing' } }));
  const partials = [];
  stream.on('inputJson', (partial) => partials.push(partial));
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  const toolUse = final.content.find((block) => block.type === 'tool_use');
  assert.ok(toolUse, JSON.stringify(final.content));
  assert.match(toolUse.id, /^toolu_01/);
  assert.equal(toolUse.name, 'schedule_showing');
  assert.ok(partials.filter((p) => p.length > 0).length >= 2, `expected chunked JSON, got ${JSON.stringify(partials)}`);
  assert.deepEqual(JSON.parse(partials.join('')), toolUse.input);
  assert.equal(typeof toolUse.input.lead_id, 'string');
  assert.match(toolUse.input.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(Number.isInteger(toolUse.input.attendees) && toolUse.input.attendees >= 1 && toolUse.input.attendees <= 6);
  assert.ok(['sms', 'email', 'call'].includes(toolUse.input.channel));

  // With tool_choice auto, saying "tool" is enough; the model announces it first.
  const auto = await client().messages.create({
    ...ask(), tools, messages: [{ role: 'user', content: 'Please use the tool to book Saturday.' }],
  });
  assert.equal(auto.stop_reason, 'tool_use');
  assert.deepEqual(auto.content.map((b) => b.type), ['text', 'tool_use']);

  // Answering with the tool result gets a text answer that names the tool.
  const next = await client().messages.create({
    ...ask(), tools,
    messages: [
      { role: 'user', content: 'Please use the tool to book Saturday.' },
      { role: 'assistant', content: auto.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: auto.content[1].id, content: 'Booked for Saturday 10am' }] },
    ],
  });
  assert.equal(next.stop_reason, 'end_turn');
  assert.ok(next.content[0].text.includes('schedule_showing'), next.content[0].text);
});

test('adaptive thinking streams a thinking block (thinking_delta, signature_delta) before the text', async () => {
  const stream = client().messages.stream(ask({ thinking: { type: 'adaptive' } }));
  let thinking = '';
  stream.on('thinking', (delta) => { thinking += delta; });
  const final = await stream.finalMessage();
  assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal(final.content[0].thinking, thinking);
  assert.ok(thinking.length > 0);
  assert.ok(final.content[0].signature.length > 20);
  assert.ok(final.usage.output_tokens_details.thinking_tokens > 0);

  // Manual thinking budgets are gone on the 5 generation: a 400, like the real API.
  await assert.rejects(client().messages.create(ask({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 4096 })),
    (err) => err instanceof Anthropic.BadRequestError && /thinking\.type\.enabled is not supported/.test(err.message));
});

test('countTokens counts what messages.create bills as input', async () => {
  const params = { model: MODEL, system: 'You coach real-estate agents.', messages: [{ role: 'user', content: QUESTION }] };
  const counted = await client().messages.countTokens(params);
  assert.deepEqual(Object.keys(counted), ['input_tokens']);
  assert.ok(counted.input_tokens > 10);
  const message = await client().messages.create({ ...params, max_tokens: 100 });
  assert.equal(message.usage.input_tokens, counted.input_tokens);
});

test('prompt caching: the second identical call reads the cached system prompt', async () => {
  const params = ask({ system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral' } }] });
  const first = await client().messages.create(params);
  const second = await client().messages.create(params);
  assert.ok(first.usage.cache_creation_input_tokens >= 1024, JSON.stringify(first.usage));
  assert.equal(first.usage.cache_read_input_tokens, 0);
  assert.equal(first.usage.cache_creation.ephemeral_5m_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(first.usage.cache_creation.ephemeral_1h_input_tokens, 0);
  assert.equal(second.usage.cache_creation_input_tokens, 0);
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(second.usage.input_tokens, first.usage.input_tokens);

  // Below the model's minimum cacheable length nothing is cached, and it is not an error.
  const short = ask({ system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }] });
  for (let i = 0; i < 2; i += 1) {
    const m = await client().messages.create(short);
    assert.equal(m.usage.cache_creation_input_tokens, 0);
    assert.equal(m.usage.cache_read_input_tokens, 0);
  }

  // More than 4 breakpoints is a 400.
  const five = Array.from({ length: 5 }, (_, i) => ({ type: 'text', text: `part ${i}`, cache_control: { type: 'ephemeral' } }));
  await assert.rejects(client().messages.create(ask({ system: five })), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError, String(err));
    assert.match(err.message, /A maximum of 4 blocks with cache_control may be provided\. Found 5\./);
    return true;
  });
});

test('an error event mid-stream surfaces as an SDK APIError', async () => {
  await control('POST', '/_fake/script', [{ error_event_after_events: 4 }, { error_event_after_events: 4 }]);
  const stream = await client().messages.create(ask({ stream: true }));
  const seen = [];
  await assert.rejects((async () => { for await (const event of stream) seen.push(event.type); })(), (err) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.type, 'overloaded_error');
    assert.equal(err.error.error.type, 'overloaded_error');
    return true;
  });
  assert.equal(seen[0], 'message_start');
  assert.ok(!seen.includes('message_stop'));

  await assert.rejects(client().messages.stream(ask()).finalMessage(), (err) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.type, 'overloaded_error');
    return true;
  });
});

test('a connection cut mid-stream surfaces as an SDK error', async () => {
  await control('POST', '/_fake/script', [{ disconnect_after_events: 5 }]);
  await assert.rejects(client().messages.stream(ask()).finalMessage());
  const stats = await control('GET', '/_fake/stats');
  assert.equal(stats.injected.disconnects, 1);
});

test('429 with retry-after is retried by the SDK after the advertised delay', async () => {
  await control('POST', '/_fake/script', [{ status: 429, retry_after: 1 }]);
  const started = Date.now();
  const message = await client({ maxRetries: 1 }).messages.create(ask());
  const elapsed = Date.now() - started;
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(elapsed >= 950, `the SDK retried after ${elapsed} ms; retry-after said 1 s`);
  const log = await control('GET', '/_fake/requests');
  assert.deepEqual(log.map((r) => r.headers['x-stainless-retry-count']), ['0', '1']);
  const stats = await control('GET', '/_fake/stats');
  assert.equal(stats.by_status['429'], 1);
  assert.equal(stats.by_status['200'], 1);

  // retry-after-ms takes precedence over retry-after.
  await control('POST', '/_fake/script', [{ status: 429, retry_after: 30, retry_after_ms: 200 }]);
  const again = Date.now();
  await client({ maxRetries: 1 }).messages.create(ask());
  const waited = Date.now() - again;
  assert.ok(waited >= 180 && waited < 5000, `waited ${waited} ms; retry-after-ms said 200`);
});

test('529 with maxRetries 0 is an APIError with status 529', async () => {
  await control('POST', '/_fake/script', [{ status: 529 }]);
  await assert.rejects(client({ maxRetries: 0 }).messages.create(ask()), (err) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.status, 529);
    assert.equal(err.type, 'overloaded_error');
    assert.match(err.requestID, /^req_/);
    assert.equal(err.error.type, 'error');
    return true;
  });
});

test('a wrong API key is a 401 authentication_error; x-api-key still works', async () => {
  await assert.rejects(client({ apiKey: 'sk-ant-wrong' }).messages.create(ask()), (err) => {
    assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.type, 'authentication_error');
    return true;
  });
  const older = await raw('/v1/messages', ask());
  assert.equal(older.status, 200, JSON.stringify(older.body));
  const none = await raw('/v1/messages', ask(), { 'x-api-key': '' });
  assert.equal(none.status, 401);
});

test('an unknown model is a 404 not_found_error', async () => {
  await assert.rejects(client().messages.create(ask({ model: 'claude-nonexistent-9' })), (err) => {
    assert.ok(err instanceof Anthropic.NotFoundError, String(err));
    assert.equal(err.status, 404);
    assert.equal(err.type, 'not_found_error');
    assert.match(err.message, /model: claude-nonexistent-9/);
    return true;
  });
  // Dated variants of known models are accepted.
  const dated = await client().messages.create(ask({ model: 'claude-haiku-4-5-20251001' }));
  assert.equal(dated.model, 'claude-haiku-4-5-20251001');
});

test('a prompt longer than the model\'s context window is a 400 "prompt is too long"', async () => {
  const long = 'word '.repeat(210000);  // about 210,000 tokens
  await assert.rejects(client().messages.create(ask({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: long }] })), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError, String(err));
    assert.match(err.message, /prompt is too long: \d+ tokens > 200000 maximum/);
    return true;
  });
  // count_tokens still counts it.
  const counted = await client().messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: long }] });
  assert.ok(counted.input_tokens > 200000);
});

test('sampling parameters: removed in 2026-10-21, non-default rejected by Sonnet/Opus 5+', async () => {
  const withTemperature = ask({ temperature: 0.3 });
  const v2026 = await raw('/v1/messages', withTemperature, { 'anthropic-version': '2026-10-21' });
  assert.equal(v2026.status, 400);
  assert.equal(v2026.body.error.message, 'temperature: Extra inputs are not permitted');
  const sonnet5 = await raw('/v1/messages', withTemperature);
  assert.equal(sonnet5.status, 400);
  assert.equal(sonnet5.body.error.type, 'invalid_request_error');
  const opus5 = await raw('/v1/messages', { ...withTemperature, model: 'claude-opus-5' });
  assert.equal(opus5.status, 400);
  const sonnet45 = await raw('/v1/messages', { ...withTemperature, model: 'claude-sonnet-4-5' });
  assert.equal(sonnet45.status, 200, JSON.stringify(sonnet45.body));
});

test('bad input gets typed errors and the fake keeps serving', async () => {
  const malformed = await raw('/v1/messages', '{"model": "claude-sonnet-5-5", "messages": [');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.type, 'error');
  assert.equal(malformed.body.error.type, 'invalid_request_error');
  assert.match(malformed.body.request_id, /^req_/);
  assert.match(malformed.headers.get('request-id'), /^req_/);

  const deep = await raw('/v1/messages', '['.repeat(100000) + ']'.repeat(100000));
  assert.equal(deep.status, 400);

  const huge = await raw('/v1/messages', new Uint8Array(33 * 1024 * 1024).fill(0x61));
  assert.equal(huge.status, 413);
  assert.equal(huge.body.error.type, 'request_too_large');

  const missing = await raw('/v1/messages', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.message, 'max_tokens: Field required');

  const health = await control('GET', '/_fake/health');
  assert.deepEqual(health, { ok: true });
  const message = await client().messages.create(ask());
  assert.equal(message.stop_reason, 'end_turn');
});

const imageMessage = (source) => ({ role: 'user', content: [{ type: 'image', source }, { type: 'text', text: 'Write MLS remarks' }] });

test('image blocks: accepted as base64 with their media type, counted by size, refused as the API refuses them', async () => {
  const c = client();
  const small = await c.messages.countTokens({ model: MODEL, messages: [imageMessage({ type: 'base64', media_type: 'image/png', data: pngHeader(750, 100) })] });
  const large = await c.messages.countTokens({ model: MODEL, messages: [imageMessage({ type: 'base64', media_type: 'image/png', data: pngHeader(4000, 3000) })] });
  assert.ok(large.input_tokens - small.input_tokens > 1000, `${small.input_tokens} vs ${large.input_tokens}`);  // downscaled, ~1.15 MP
  const answer = await c.messages.create({ model: MODEL, max_tokens: 64,
    messages: [imageMessage({ type: 'base64', media_type: 'image/png', data: pngHeader(1200, 800) })] });
  assert.equal(answer.type, 'message');

  const refused = async (source, pattern) => {
    const r = await raw('/v1/messages', { model: MODEL, max_tokens: 16, messages: [imageMessage(source)] });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.type, 'invalid_request_error');
    assert.match(r.body.error.message, pattern);
  };
  await refused({ type: 'base64', media_type: 'image/bmp', data: pngHeader(10, 10) },
    /^messages\.0\.content\.0\.image\.source\.base64\.media_type: Input should be 'image\/jpeg', 'image\/png', 'image\/gif' or 'image\/webp'$/);
  await refused({ type: 'base64', media_type: 'image/jpeg', data: pngHeader(10, 10) },
    /specified using the image\/jpeg media type, but the image appears to be a image\/png image/);
  await refused({ type: 'base64', media_type: 'image/png', data: 'A'.repeat(5 * 1024 * 1024 + 4) },
    /image exceeds 5 MB maximum: 5242884 bytes > 5242880 bytes/);
  await refused({ type: 'base64', media_type: 'image/png', data: 'not base64!!' }, /invalid base64 data/);
  await refused({ type: 'base64', media_type: 'image/png', data: pngHeader(9000, 100) }, /exceed max allowed size: 8000 pixels/);
});

test('control knobs: defaults, per-request headers and scripted text', async () => {
  await control('POST', '/_fake/defaults', { text: 'Default answer.' });
  const byDefault = await client().messages.create(ask());
  assert.equal(byDefault.content[0].text, 'Default answer.');
  const byHeader = await client().messages.create(ask(), { headers: { 'x-fake-text': 'Header answer.' } });
  assert.equal(byHeader.content[0].text, 'Header answer.');
  await control('POST', '/_fake/script', [{ text: 'Scripted answer.', ttft_ms: 50 }]);
  const scripted = await client().messages.create(ask());
  assert.equal(scripted.content[0].text, 'Scripted answer.');
  await control('POST', '/_fake/reset');
  const plain = await client().messages.create(ask());
  assert.ok(plain.content[0].text.includes('How do I follow up'), plain.content[0].text);
  const stats = await control('GET', '/_fake/stats');
  assert.equal(stats.messages.total, 1);
});

test('the request log keeps a large body by its head only, with its size', async () => {
  const long = 'Seller wants to list at 650k, comps say 610k. '.repeat(30000);  // about 1.4 MB
  const message = await client().messages.create(ask({ messages: [{ role: 'user', content: long }] }));
  assert.equal(message.stop_reason, 'end_turn');
  const small = await client().messages.create(ask());
  assert.equal(small.stop_reason, 'end_turn');
  const [large, whole] = await control('GET', '/_fake/requests');
  assert.equal(large.body_truncated, true);
  assert.ok(large.body_bytes > long.length, `body_bytes ${large.body_bytes}`);
  assert.equal(typeof large.body, 'string');
  assert.equal(large.body.length, 4096);
  assert.ok(large.body.startsWith('{'), large.body.slice(0, 40));
  assert.equal(whole.body_truncated, undefined);
  assert.equal(whole.body.messages[0].content, QUESTION);
});
