// The widget's client for the coaching stream (web/widget/src/api.ts and coach-stream.ts, bundled
// for Node with esbuild) against the real proxy and the fake upstream: every event the proxy
// sends is one of the core's names with the payload the typed union describes; a stream that
// drops mid-answer is resumed to the same text; a reload's resume goes through the same client.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from 'esbuild';

import { demoCredentials, root, startFake, startProxy, stopAll } from './env.mjs';

let widget;  // the bundled modules: Client, TokenSource, coachEvent and the generated enums
let fake;
let proxy;
let client;
const realFetch = globalThis.fetch;

async function bundle() {
  const src = join(root, 'web/widget/src');
  const entry = ['api', 'coach-stream', 'token', 'generated/enums'].map((m) => `export * from ${JSON.stringify(join(src, m))};`).join('\n');
  const out = await build({ stdin: { contents: entry, resolveDir: src, loader: 'ts' }, bundle: true, format: 'esm', write: false,
                            platform: 'neutral', logLevel: 'warning' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

// Node's fetch sends no Origin; a browser would, and publishable keys are for browsers. `cut`
// may replace a response body (to drop a stream part way).
let cut = null;
function browserFetch(url, init = {}) {
  return realFetch(url, { ...init, headers: { ...init.headers, origin: proxy.url } }).then((r) => (cut ? cut(url, init, r) : r));
}

before(async () => {
  widget = await bundle();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 400 });
  proxy = await startProxy({ upstreamUrl: fake.url });
  globalThis.fetch = browserFetch;
  const { key, token } = await demoCredentials(proxy.url);
  client = new widget.Client(proxy.url, key, new widget.TokenSource({ token }));
});

after(async () => {
  globalThis.fetch = realFetch;
  await stopAll();
});

async function collect(run) {
  const events = [];
  await run((e) => events.push(e));
  return events;
}

const text = (events) => events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
const shape = (events) => events.map((e) => e.event).join(' ').replace(/(delta ?)+/, 'delta* ').replace(/(card ?)+/, 'card* ').trim();

describe('coachEvent', () => {
  test('types an SSE event by the core\'s names, with its JSON data', () => {
    assert.deepEqual(widget.coachEvent({ event: 'delta', data: '{"text":"Hi"}', id: 'msg_1:2' }),
      { event: 'delta', data: { text: 'Hi' }, id: 'msg_1:2' });
    assert.deepEqual(widget.coachEvent({ event: 'done', data: 'not json' }), { event: 'done', data: {}, id: undefined },
      'data that is not a JSON object has no fields');
    assert.deepEqual(widget.coachEvent({ event: 'done', data: 'null' }).data, {});
    assert.equal(widget.coachEvent({ event: 'message', data: '{}' }), null, 'a name the core does not list');
  });
});

describe('the widget\'s client against the proxy', () => {
  let answer;

  test('POST /v1/coach: meta, route, deltas, cards, usage, done, with the typed payloads', async () => {
    // The specialist is named, so the router's choice (a plan would add step events) does not change the shape.
    const events = await collect((on) => client.coach({ query: 'What should I ask a new buyer lead first?', specialist: 'qualification',
                                                        lead: { id: 'lead-jordan-lee' } }, on));
    for (const e of events) assert.ok(widget.COACH_EVENTS.includes(e.event), e.event);
    assert.equal(shape(events), 'meta route delta* card* usage done');
    const [meta, route] = events;
    assert.match(meta.data.conversation_id, /^cv_[0-9a-f]{32}$/);
    assert.match(meta.data.event_id, /^evt_/);
    assert.ok(meta.data.user_message_id && meta.data.message_id && meta.data.request_id);
    assert.ok(widget.SPECIALISTS.includes(route.data.specialist), route.data.specialist);
    assert.ok(widget.TIERS.includes(route.data.tier), route.data.tier);
    for (const card of events.filter((e) => e.event === 'card')) assert.ok(widget.CARD_TYPES.includes(card.data.type), card.data.type);
    const usage = events.at(-2).data;
    assert.match(usage.model, /^claude-/);
    assert.ok(usage.usage.output_tokens > 0 && usage.latency_ms >= 0 && typeof usage.cost_usd === 'number');
    const done = events.at(-1).data;
    assert.deepEqual(done, { status: 'complete', message_id: meta.data.message_id, event_id: meta.data.event_id,
                             conversation_id: meta.data.conversation_id });
    answer = { id: meta.data.message_id, text: text(events) };
    assert.ok(answer.text.length > 100);
  });

  test('a resume from Last-Event-ID (what a reload does) sends the rest through the same client', async () => {
    const half = Buffer.from(answer.text).subarray(0, 40).toString();
    const events = await collect((on) => client.resume(`${answer.id}:${Buffer.byteLength(half)}`, on));
    assert.equal(shape(events), 'meta delta* usage done');
    assert.equal(events[0].data.resumed_from, Buffer.byteLength(half));
    assert.equal(half + text(events), answer.text);
    assert.equal(events.at(-1).data.status, 'complete');
  });

  test('a stream dropped mid-answer resumes from its last event id, with nothing repeated or missing', async () => {
    // Let the first POST's body through until its second delta, then fail it as a dropped connection
    // would. No high-water mark: each chunk goes to a waiting read, none is queued and lost to error().
    cut = (url, init, r) => {
      if (!String(url).endsWith('/v1/coach') || init.method !== 'POST') return r;
      cut = null;
      const reader = r.body.getReader();
      let deltas = 0;
      const body = new ReadableStream({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          deltas += (new TextDecoder().decode(value).match(/^event: delta$/gm) ?? []).length;
          controller.enqueue(value);
          if (deltas >= 2) {
            controller.error(new TypeError('network error'));
            void reader.cancel();
          }
        },
      }, { highWaterMark: 0 });
      return new Response(body, { status: r.status, headers: r.headers });
    };
    const resumes = [];
    const seen = globalThis.fetch;
    globalThis.fetch = (url, init) => {
      if (String(url).endsWith('/v1/coach/resume')) resumes.push(init.headers['last-event-id']);
      return seen(url, init);
    };
    try {
      const events = await collect((on) => client.coach({ query: 'Walk me through the contingency deadlines.', lead: { id: 'lead-jordan-lee' } }, on));
      assert.equal(resumes.length, 1, 'one resume');
      assert.match(resumes[0], /^msg_[0-9a-f]+:\d+$/);
      assert.equal(events.at(-1).event, 'done');
      assert.equal(events.at(-1).data.status, 'complete');
      const id = events[0].data.message_id;
      const whole = await collect((on) => client.resume(`${id}:0`, on));
      assert.equal(text(events), text(whole), 'the text across the drop is the stored answer');
    } finally {
      globalThis.fetch = seen;
    }
  });
});
