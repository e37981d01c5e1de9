// The qualification orchestrator in the browser's core: the same rules, graded, through WASM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCore } from './helpers.mjs';

const core = await loadCore();
const agent = (role, experience = 'intermediate') => ({ id: 'a1', location_id: 'loc-1', name: 'Dana', role, experience });
const qualify = (facts, extra = {}) =>
  JSON.parse(core.qualify({ profile: agent('buyer_agent'), lead: { facts }, today: '2026-11-25', ...extra }));

test('a showing without a signed buyer agreement is an alert; a lender name is not a pre-approval', () => {
  const q = qualify({ buyer_agreement: 'no', showing_date: '2026-11-27', lender: 'Chase', timeline: '2 years' });
  assert.equal(q.problems[0].id, 'touring_without_agreement');
  assert.equal(q.problems[0].severity, 'alert');
  const mortgage = q.items.find((i) => i.id === 'mortgage');
  assert.equal(mortgage.status, 'unknown');
  assert.equal(mortgage.reading, 'lender_named');
  assert.equal(q.items.find((i) => i.id === 'timeline').months, 24);
});

test('the score ranks a 0-3 month pre-approved buyer above a 2-year browser, with reasons', () => {
  const hot = qualify({ timeline: '60 days', pre_approved: 'yes', motivation: 'new job', buyer_agreement: 'signed' });
  const browser = qualify({ timeline: '2 years', lender: 'Chase' });
  assert.ok(hot.score.value > browser.score.value + 40, `${hot.score.value} vs ${browser.score.value}`);
  assert.equal(hot.score.parts.reduce((sum, p) => sum + p.weight, 0), 100);
  assert.match(hot.score.parts[0].reason, /Urgency/);
});

test('events and facts move the stage, each move with its reason', () => {
  const q = qualify({ effective_date: '2026-11-20' }, { stage: 'qualifying' });
  assert.equal(q.stage.to, 'under_contract');
  assert.equal(q.stage.moves[0].trigger, 'signal:contract_accepted');
  const e = qualify({}, { stage: 'new_lead', events: ['contacted'] });
  assert.equal(e.stage.to, 'contacted');
  assert.match(JSON.parse(core.qualify({ profile: agent('buyer_agent'), events: ['signed'] })).error.code, /invalid_events/);
});

test('extractFacts proposes what the lead said, with the clause it came from', () => {
  const { proposals } = JSON.parse(core.extractFacts({ text: "Pre-approved for 450, need to move by March. Also talking to Redfin.", today: '2026-11-25' }));
  const by = Object.fromEntries(proposals.map((p) => [p.fact, p]));
  assert.equal(by.pre_approval_amount.value, '$450,000');
  assert.equal(by.timeline.value, 'by March');
  assert.equal(by.other_agent.evidence, 'Also talking to Redfin');
});

test('contractTimeline: Texas option period at 5 p.m. without rolling; no Closing Disclosure for cash', () => {
  const tx = JSON.parse(core.contractTimeline({ form: 'texas_trec_resale', effective_date: '2026-11-25', closing_date: '2026-12-23',
    financing: 'va', days: { option_days: 4 }, today: '2026-11-25' }));
  const option = tx.items.find((i) => i.id === 'option');
  assert.deepEqual([option.date, option.time], ['2026-11-29', '17:00']);
  assert.equal(tx.items.find((i) => i.id === 'earnest_money').date, '2026-11-30');
  assert.ok(tx.items.find((i) => i.id === 'closing_disclosure'));
  const cash = JSON.parse(core.contractTimeline({ effective_date: '2026-11-20', closing_date: '2026-12-18', financing: 'cash', today: '2026-11-25' }));
  assert.equal(cash.items.find((i) => i.id === 'closing_disclosure'), undefined);
  assert.ok(cash.notes.some((n) => /Cash purchase/.test(n)));
});

test('guidanceCards differ in substance by experience', () => {
  const facts = { buyer_agreement: 'no', showing_date: '2026-11-27' };
  const cards = (experience) => JSON.parse(core.guidanceCards({ profile: agent('buyer_agent', experience), lead: { facts },
    stage: 'qualifying', today: '2026-11-25' })).cards;
  const novice = cards('novice')[0], expert = cards('expert')[0];
  assert.equal(novice.type, 'compliance_alert');
  assert.ok(novice.say && novice.mistakes && !novice.edge);
  assert.ok(expert.edge && expert.source && !expert.say);
});
