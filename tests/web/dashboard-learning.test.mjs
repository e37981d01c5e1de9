// The dashboard's Learning tab in real Chromium against the proxy, with seeded data: an experiment
// made through the API with rated coaching events (its split, helpful rates, intervals, the test's
// state), outcomes reported through /v1/outcomes (the funnel), and leads, threads and coaching
// whose insights (/v1/insights) give recommendations; each section must show the right numbers,
// and axe finds no serious violations.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { admin, launchBrowser, requireBuilt, saveArtifact, artifactPath, sql, startFake, startProxy, stopAll } from './env.mjs';
import { createKey } from '../support/provision.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DAY = 86_400_000;
const at = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace('Z', '000Z');  // the store's canonical form

let fake;
let proxy;
let browser;
let page;
let sk;
const pageErrors = [];

const api = async (method, path, body) => {
  const r = await fetch(proxy.url + path, { method, headers: { 'x-api-key': sk, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
};

// A coaching event as the proxy records it, `daysAgo` days back.
function event(id, agent, { daysAgo = 2, specialist = 'coaching', guidance = 'coaching_tip', experiment = '', variant = 'control',
  feedback = 'none', edit = -1, sends = 0 } = {}) {
  sql(proxy.dbPath, `INSERT INTO agent_coaching_history (location_id, id, agent_id, guidance_type, approach_variant, specialist,
    feedback, experiment_id, edit_distance, sends, created_at) VALUES ('loc_demo', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  [id, agent, guidance, variant, specialist, feedback, experiment, edit, sends, at(daysAgo * DAY)]);
}

function lead(id, agent, facts, firstInboundDaysAgo, replyMinutes) {
  sql(proxy.dbPath, "INSERT INTO leads (location_id, id, facts, agent_id, updated_at) VALUES ('loc_demo', ?, ?, ?, ?)",
    [id, JSON.stringify(facts), agent, at(0)]);
  const inbound = firstInboundDaysAgo * DAY;
  sql(proxy.dbPath, "INSERT INTO lead_messages (location_id, id, lead_id, direction, channel, body, at) VALUES ('loc_demo', ?, ?, 'inbound', 'SMS', 'Hi, is it still available?', ?)",
    [`${id}-in`, id, at(inbound)]);
  if (replyMinutes !== null)
    sql(proxy.dbPath, "INSERT INTO lead_messages (location_id, id, lead_id, direction, channel, body, agent_id, at) VALUES ('loc_demo', ?, ?, 'outbound', 'SMS', 'Yes!', ?, ?)",
      [`${id}-out`, id, agent, at(inbound - replyMinutes * 60_000)]);
}

before(async () => {
  requireBuilt();
  fake = await startFake();
  proxy = await startProxy({ upstreamUrl: fake.url });
  sk = createKey(proxy.databaseUrl, 'loc_demo', 'sk');
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, bypassCSP: true })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));

  assert.equal((await api('POST', '/v1/profiles', { id: 'marcus', name: 'Marcus Hale', role: 'listing_agent' })).status, 201);

  // The experiment, and its rated results: control 3 of 10 helpful, the variant 9 of 10.
  const made = await api('POST', '/v1/experiments', { id: 'exp-follow-up', name: 'Follow-up tone', guidance_type: 'coaching_tip',
    variants: [{ id: 'control' }, { id: 'short_first' }], min_sample: 10, mixture_sd: 0.5, seed: 3 });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  for (let i = 0; i < 10; i++) {
    event(`ev-c${i}`, 'demo-agent', { experiment: 'exp-follow-up', variant: 'control', feedback: i < 3 ? 'helpful' : 'not_helpful' });
    event(`ev-s${i}`, 'marcus', { experiment: 'exp-follow-up', variant: 'short_first', feedback: i < 9 ? 'helpful' : 'not_helpful' });
  }
  // Marcus's drafts, sent after heavy edits (median 140); Dana's objections.
  [120, 140, 160].forEach((d, i) => event(`ev-e${i}`, 'marcus', { guidance: 'next_best_action', edit: d, sends: 1 }));

  // Dana's buyer leads, first seen three weeks ago: 4 of 5 without pre-approval; first replies
  // after 45, 60 and 90 minutes, one after 5, and one lead not answered.
  lead('lead-1', 'demo-agent', { side: 'buyer' }, 21, 45);
  lead('lead-2', 'demo-agent', { side: 'buyer', pre_approved: 'no' }, 21, 60);
  lead('lead-3', 'demo-agent', { side: 'buyer' }, 20, 90);
  lead('lead-4', 'demo-agent', { side: 'buyer', financing: 'pre-qualified' }, 19, 5);
  lead('lead-5', 'demo-agent', { side: 'buyer', pre_approved: 'yes' }, 18, null);

  // Outcomes through the API: 3 appointments, 2 buyer agreements, 1 offer, 1 closed.
  const outcomes = ['appointment_set', 'appointment_set', 'appointment_set', 'agreement_signed', 'agreement_signed', 'offer_written', 'closed_won'];
  for (const [i, outcome] of outcomes.entries()) {
    const r = await api('POST', '/v1/outcomes', { lead_id: `lead-${i + 1}`, outcome, agent_id: 'demo-agent', external_id: `crm-${i}`,
      occurred_at: new Date(Date.now() - DAY).toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
});

after(async () => {
  await browser?.close();
  await stopAll();
});

async function scan(name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  saveArtifact(`axe-${name}.json`, JSON.stringify(result.violations, null, 2));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`), []);
}

describe('the Learning tab', () => {
  test('opens from a sign-in link and draws every section', async () => {
    const link = admin(['admin-link', '--location', 'loc_demo', '--database-url', proxy.databaseUrl, '--public-url', proxy.url]);
    await page.goto(link.startsWith('http') ? link : proxy.url + link);
    await page.locator('#profiles tbody tr').first().waitFor();
    await page.click('#tab-learning');
    await page.locator('article.experiment[data-experiment="exp-follow-up"] table').waitFor({ state: 'attached' });
    await page.locator('#insight-table').waitFor();
    await page.screenshot({ path: artifactPath('dashboard-04-learning.png'), fullPage: true });
  });

  test('the experiment: split, helpful rates with intervals, the test\'s state and winner', async () => {
    const results = (await api('GET', '/v1/experiments/exp-follow-up')).body.results;
    const card = page.locator('article.experiment[data-experiment="exp-follow-up"]');
    assert.equal(await card.locator('.state').getAttribute('data-state'), results.decision);
    assert.match(await card.locator('.state').textContent(), new RegExp(results.winner ? `winner ${results.winner}` : results.decision.replace('_', ' '), 'i'));
    const rows = await card.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows.length, 2);
    const pct = (x) => `${Math.round(100 * x)}%`;
    for (const [i, arm] of results.arms.entries()) {
      assert.equal(rows[i][0], arm.variant);
      assert.equal(rows[i][1], pct(arm.share));
      assert.equal(rows[i][2], '10');
      assert.equal(rows[i][4], pct(arm.rate));
      assert.equal(rows[i][5], `${pct(arm.interval[0])} to ${pct(arm.interval[1])}`);
    }
    assert.deepEqual(rows.map((r) => [r[2], r[3], r[4]]), [['10', '3', '30%'], ['10', '9', '90%']]);
  });

  test('the outcome funnel', async () => {
    const cells = await page.locator('#t-funnel tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(cells, [['Appointment set', '3'], ['Agreement signed', '2'], ['Offer written', '1'], ['Under contract', '0'],
      ['Closed won', '1'], ['Closed lost', '0']]);
    assert.match(await page.locator('#c-funnel').getAttribute('aria-label'), /Appointment set 3, Agreement signed 2/);
  });

  test('insights per agent, and recommendations computed from them', async () => {
    const row = async (agent) => page.locator(`#insight-table tr[data-agent="${agent}"]`).evaluate((tr) => [...tr.cells].map((c) => c.textContent));
    const marcus = await row('marcus');
    assert.equal(marcus[0], 'Marcus Hale');
    assert.equal(marcus[1], '13');   // answers: 10 rated in the experiment, 3 drafts
    assert.equal(marcus[2], '3');    // used (sent)
    assert.equal(marcus[4], '140');  // median edit distance
    const dana = await row('demo-agent');
    assert.equal(dana[5], '5');      // new leads
    assert.equal(dana[6], '53 min'); // median first reply of 5, 45, 60 and 90 minutes
    assert.equal(dana[7], '1');      // not answered
    assert.equal(dana[8], '7');      // outcomes
    const recs = await page.locator('#recommendations li').evaluateAll((lis) => lis.map((li) => ({ kind: li.dataset.kind, agent: li.dataset.agent, text: li.textContent })));
    const find = (kind, agent) => recs.find((r) => r.kind === kind && r.agent === agent)?.text;
    const stalls = recs.filter((r) => r.kind === 'checklist_stall' && r.agent === 'demo-agent').map((r) => r.text);
    assert.ok(stalls.includes('4 of Dana Whitfield\'s 5 buyer leads have no pre-approval after 14 days'), JSON.stringify(stalls));
    assert.ok(stalls.includes('5 of Dana Whitfield\'s 5 buyer leads have no signed buyer agreement after 14 days'), JSON.stringify(stalls));
    assert.match(find('heavy_edits', 'marcus'), /^Marcus Hale's drafted replies are edited heavily \(median distance 140 over 3 replies\)/);
    assert.match(find('slow_first_reply', 'demo-agent'), /median first reply to a new lead took 52.5 min \(4 leads\); 1 more have no reply yet/);
  });

  test('axe finds no serious violations; no page errors', async () => {
    await scan('dashboard-learning');
    assert.deepEqual(pageErrors, []);
  });
});
