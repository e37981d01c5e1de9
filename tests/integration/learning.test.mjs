// The learning loop end to end (docs/learning.md), on PostgreSQL and Redis with the fake upstream:
// an experiment made from data, coaching turns that each get the agent's variant, ratings and
// outcomes recorded through the API, the sequential test declaring a winner, and the widget in
// Chromium receiving the new policy version and picking the winner as the proxy does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { CRM_ORIGIN, createAgent, createKey, mintAgentToken, postgresUrl, provision, readSse, requireEnv, root, startFake,
  startProxy } from './harness.mjs';
import { crmHostAssets, crmPage, launchBrowser, startStatic, stopAll } from '../web/env.mjs';

const webRoot = process.env.PORCHLIGHT_WEB_ROOT ?? join(root, 'dist/web');
const QUERY = 'The seller says our commission is too high and they want to list with a discount broker. How do I respond?';

// Small enough to decide in a test: 10 rated results per variant, and a mixture over large
// differences (the test is still the always-valid mSPRT; only its prior is wide).
const EXPERIMENT = {
  id: 'exp-objection-tone', name: 'Objection tone', guidance_type: 'objection_response',
  variants: [{ id: 'control' }, { id: 'empathy_first', description: 'acknowledge, then reframe',
    approach: 'Acknowledge the seller\'s concern in one sentence before reframing the value of full service.' }],
  min_sample: 10, mixture_sd: 0.5, seed: 7,
};

describe('the learning loop', () => {
  let fake, proxy, loc;
  const sk = (extra = {}) => ({ 'x-api-key': loc.sk, 'content-type': 'application/json', ...extra });
  const call = async (method, path, body) => {
    const r = await fetch(proxy.url + path, { method, headers: sk(), body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };

  before(async () => {
    fake = await startFake();
    const db = postgresUrl();
    proxy = await startProxy({ databaseUrl: db, redisUrl: requireEnv('PORCHLIGHT_TEST_REDIS_URL'), upstreamUrl: fake.url,
      args: ['--web-root', webRoot] });
    loc = await provision(db, proxy.url);
    loc.db = db;
  });
  after(stopAll);

  test('an experiment is created from data; bad definitions are typed errors', async () => {
    const made = await call('POST', '/v1/experiments', EXPERIMENT);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.status, 'running');
    assert.equal(made.body.variants[1].approach, EXPERIMENT.variants[1].approach);
    assert.equal((await call('POST', '/v1/experiments', EXPERIMENT)).body.error.code, 'experiment.exists');
    const bad = await call('POST', '/v1/experiments', { ...EXPERIMENT, id: 'exp-bad', variants: [{ id: 'control', tier: 'huge' }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.type, 'invalid_request_error');
    const list = await call('GET', '/v1/experiments');
    assert.deepEqual(list.body.experiments.map((e) => e.id), ['exp-objection-tone']);
    assert.match(list.body.policy_version, /\+x[0-9a-f]{12}$/);
  });

  test('turns get the agent\'s variant; ratings and outcomes lead the test to a winner', async () => {
    const byVariant = { control: [], empathy_first: [] };
    for (let i = 0; byVariant.control.length < 10 || byVariant.empathy_first.length < 10; i++) {
      assert.ok(i < 80, 'the assignment should split agents between the variants');
      const agent = `agent-x${i}`;
      await createAgent(proxy.url, loc.sk, agent, { role: 'listing_agent' });
      const r = await fetch(proxy.url + '/v1/coach', { method: 'POST', headers: sk(),
        body: JSON.stringify({ profile_id: agent, query: QUERY, lead: { id: `lead-${i}`, stage: 'qualifying' } }) });
      assert.equal(r.status, 200);
      const events = await readSse(r);
      const route = events.find((e) => e.event === 'route').data;
      assert.equal(route.guidance_type, 'objection_response');
      assert.equal(route.experiment.id, EXPERIMENT.id);
      const done = events.at(-1).data;
      byVariant[route.experiment.variant].push({ agent, event: done.event_id, lead: `lead-${i}` });
      if (route.experiment.variant === 'empathy_first') {  // the approach reached Claude, after the cached prefix
        const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages').at(-1).body;
        assert.match(sent.system.at(-1).text, /Acknowledge the seller's concern/);
      }
    }
    // The agents' actions: copies, sends, an edit, then ratings (the variant helps, the control does not).
    const first = byVariant.empathy_first[0];
    assert.equal((await call('POST', '/v1/feedback', { event_id: first.event, action: 'copy' })).status, 200);
    const edited = await call('POST', '/v1/feedback', { event_id: first.event, action: 'send', edit_distance: 12, edited_text: 'Hi Pat, ...' });
    assert.equal(edited.body.edited_text_kept, false);  // the location did not opt in
    assert.equal((await call('POST', '/v1/feedback', { event_id: first.event, action: 'print' })).body.error.code, 'feedback.invalid_action');
    for (const [variant, rating] of [['control', 'not_helpful'], ['empathy_first', 'helpful']])
      for (const e of byVariant[variant].slice(0, 10)) {
        const r = await call('POST', '/v1/feedback', { event_id: e.event, rating, reason: rating === 'helpful' ? '' : 'too_pushy' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }

    const results = await call('GET', `/v1/experiments/${EXPERIMENT.id}`);
    assert.equal(results.status, 200);
    assert.equal(results.body.results.decision, 'winner', results.body.results.reason);
    assert.equal(results.body.results.winner, 'empathy_first');
    assert.equal(results.body.winner, 'empathy_first');  // published
    const arm = results.body.results.arms.find((a) => a.variant === 'empathy_first');
    assert.equal(arm.trials, 10);
    assert.ok(arm.interval[0] > 0.5 && arm.interval[1] <= 1.0001);
    const actions = results.body.results.actions.find((a) => a.variant === 'empathy_first');
    assert.deepEqual([actions.copied, actions.sent], [1, 1]);

    // An outcome from the CRM's backend is credited to the lead's coaching, once.
    const outcome = { lead_id: first.lead, outcome: 'appointment_set', source: 'crm', external_id: 'opp-1' };
    const recorded = await call('POST', '/v1/outcomes', outcome);
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    assert.deepEqual(recorded.body.attributed, [first.event]);
    assert.equal((await call('POST', '/v1/outcomes', outcome)).status, 200);  // the same report again: recorded once
    assert.equal((await call('POST', '/v1/outcomes', { ...outcome, outcome: 'pending' })).body.error.code, 'outcome.invalid_outcome');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const future = await call('POST', '/v1/outcomes', { ...outcome, external_id: 'opp-2', occurred_at: tomorrow });
    assert.equal(future.status, 400);
    assert.equal(future.body.error.code, 'outcome.invalid_occurred_at');
    const browserOutcome = await fetch(proxy.url + '/v1/outcomes', { method: 'POST', body: JSON.stringify(outcome),
      headers: { 'x-api-key': loc.pk, origin: CRM_ORIGIN, 'x-porchlight-agent-token': mintAgentToken(loc.secret, { locationId: loc.id }) } });
    assert.equal(browserOutcome.status, 403);  // a CRM's backend records outcomes, never a browser
    const after = await call('GET', `/v1/experiments/${EXPERIMENT.id}`);
    assert.equal(after.body.results.actions.find((a) => a.variant === 'empathy_first').with_outcome, 1);
  });

  test('the widget receives the new policy version and picks the winner, as the proxy does', async () => {
    const policy = await (await fetch(proxy.url + '/v1/policy?files=0', { headers: sk() })).json();
    assert.match(policy.version, /\+x[0-9a-f]{12}$/);
    assert.notEqual(policy.version, policy.core_version);
    assert.equal(policy.experiments[0].winner, 'empathy_first');
    assert.equal(policy.files, undefined);

    const token = mintAgentToken(loc.secret, { locationId: loc.id });
    let page;
    const site = await startStatic({ ...crmHostAssets, '/': (req, res) => {  // the assets first: '/' matches every path
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    } });
    const key = createKey(loc.db, loc.id, 'pk', { origins: [site.url] });
    page = crmPage(proxy.url, key, `data-agent-token="${token}" data-open="true"`);
    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage();
      const console = [];
      tab.on('console', (m) => console.push(m.text()));
      await tab.goto(site.url + '/');
      await tab.waitForFunction(() => window.__events?.some((e) => e.name === 'policy' || e.name === 'error'), null, { timeout: 30000 })
        .catch(async (e) => {
          const state = await tab.evaluate(() => JSON.stringify({ events: window.__events, widget: !!window.Porchlight }));
          throw new Error(`${e.message}; page: ${state}; console: ${console.join(' | ')}`);
        });
      assert.deepEqual(await tab.evaluate(() => window.__events.filter((e) => e.name === 'error')), []);
      const seen = await tab.evaluate(() => window.__events.filter((e) => e.name === 'policy').at(-1).detail);
      assert.equal(seen.version, policy.version);
      assert.equal(seen.variants[EXPERIMENT.id], 'empathy_first');
      // A question the agent types carries the variant the widget's core picks; the proxy agrees
      // (counted, never trusted).
      await tab.locator('porchlight-coach textarea').fill(QUERY);
      await tab.waitForFunction(() => window.__events.some((e) => e.name === 'route' && e.detail.source === 'preview'));
      await tab.locator('porchlight-coach button.send').click();
      await tab.waitForFunction(() => window.__events.some((e) => e.name === 'answer'), null, { timeout: 30000 });
      const metrics = await (await fetch(proxy.url + '/metrics')).text();
      assert.match(metrics, /porchlight_variant_match_total\{policy="same"\} 1/);
      assert.doesNotMatch(metrics, /porchlight_variant_mismatch_total/);
    } finally {
      await browser.close();
    }
  });
});
