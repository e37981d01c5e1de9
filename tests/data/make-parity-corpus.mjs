// Writes tests/data/parity.jsonl: requests that native and WASM must answer byte for byte alike.
// Deterministic (a seeded generator), so the file only changes when this script does.
//   node tests/data/make-parity-corpus.mjs
import { writeFileSync } from 'node:fs';

let seed = 20261125;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];

const roles = ['buyer_agent', 'listing_agent', 'transaction_coordinator', 'team_lead'];
const levels = ['novice', 'intermediate', 'experienced', 'expert'];
const specs = ['luxury', 'first_time_buyers', 'investors', 'relocation', 'new_construction',
  'military_veterans', 'seniors_downsizing', 'distressed_properties', 'condos_townhomes', 'land_rural'];
const stages = ['new_lead', 'contacted', 'qualifying', 'nurturing', 'appointment_set', 'agreement_signed',
  'active', 'offer_negotiation', 'under_contract', 'clear_to_close', 'closed_won', 'closed_lost'];
const tones = ['friendly', 'direct', 'formal', 'encouraging'];
const verbosity = ['brief', 'standard', 'detailed'];
const languages = ['en', 'es', 'pt-BR', 'zh-Hans', 'en-US'];
const queries = [
  'The seller says my commission is too high. How do I respond?',
  'What should I ask next to qualify this buyer?',
  'Can you pull together comps and the months of supply for this zip?',
  'Is it OK to tell them the schools are great for families?',
  'Write an MLS listing description for a renovated 3-bed craftsman with a big yard.',
  'When is the closing disclosure due and what deadlines are coming up?',
  'I get nervous on cold calls, can we role play?',
  'The lead went cold after two showings. What should I do next?',
  'We have multiple offers with escalation clauses. How do I counter?',
  'Why do buyers have to sign a buyer agreement before touring now?',
  'They want to wait for rates to drop.',
  'What is a good follow-up cadence for a new Zillow lead?',
  'Help me plan an open house and social media posts.',
  'Cap rate and cash on cash for a duplex at $640,000 renting for $2,400 per side?',
  'The appraisal came in low, $15k under contract price. Options?',
  'hello',
  'What now?',
  'FSBO seller says they will sell it themselves.',
  'Can I pay a referral fee to the lender?',
  'Draft a text to remind the buyer about the final walk-through on Friday.',
  'Our inspection period ends Monday; the repair request is not signed yet.',
  'How do I set goals and time block my week as a new agent?',
  'Préstamo FHA: ¿cuánto necesita de enganche?',
  '買家想知道交易流程',
  'The buyer is relocating from Denver for a job in March, how should I plan the search? ' +
    'They need a 4-bed near transit, pre-approved for $800k with a VA loan, and want to see ' +
    'homes virtually first before flying in for a weekend of tours.',
  'Price reduction after 21 days with 14 showings and no offers?',
  'Is a pocket listing allowed under clear cooperation?',
  'What are LPMAMA questions?',
  'Earnest money is due in 3 business days — what do I tell the buyer about wiring it?',
  'Team lead here: how do I run a weekly accountability one on one?',
];

const profile = (i) => {
  const p = {
    id: `agent-${i}`,
    location_id: `loc-${i % 3}`,
    name: pick(['Dana Whitfield', 'Sam Ortiz', 'Priya Natarajan', 'Lee Chen', 'Jordan O\'Brien']),
    role: roles[i % roles.length],
    experience: levels[Math.floor(i / 4) % levels.length],
    specializations: [...new Set([pick(specs), pick(specs)])].slice(0, 1 + (i % 2)),
    preferences: { tone: pick(tones), verbosity: pick(verbosity), language: pick(languages) },
  };
  if (i % 7 === 0) { p.shared_pool = true; p.served_locations = ['loc-0', 'loc-1', 'loc-2']; }
  return p;
};
const lead = (i) => ({
  id: `lead-${i}`,
  name: pick(['Jordan Lee', 'Avery Brooks', 'Morgan <b>Blake</b>', 'Casey Nguyen']),
  stage: pick(stages),
  facts: Object.fromEntries([
    ['price_range', pick(['$450-500k', '$1.2M-1.5M', 'under $300k'])],
    ['pre_approved', pick([true, false, 'in progress'])],
    ['timeline', pick(['30 days', 'spring', '6+ months'])],
    ['beds', pick([2, 3, 4])],
  ].slice(0, 1 + (i % 4))),
});
const history = (n) => Array.from({ length: n }, (_, k) => ({
  role: k % 2 ? 'assistant' : 'user',
  content: k % 2 ? `Coach answer ${k}: ${pick(queries)} Suggest a next step and a script.` : pick(queries),
}));

const cases = [{ fn: 'version', input: {} }];
for (let i = 0; i < 120; i++) {
  const req = { query: queries[i % queries.length], profile: profile(i), stage: stages[i % stages.length] };
  if (i % 5 === 0) req.budget = { monthly_usd: 100, spent_usd: pick([0, 50, 85, 97, 100, 140]) };
  if (i % 11 === 0) req.specialist = pick(['compliance', 'coaching']);
  if (i % 13 === 0) req.tier = pick(['fast', 'deep']);
  if (i % 3 === 0) req.context_tokens = Math.floor(rand() * 9000);
  cases.push({ fn: 'route', input: req });
}
for (let i = 0; i < 50; i++) {
  const req = { query: pick(queries), profile: profile(i + 200), lead: lead(i) };
  if (i % 2) req.history = history(Math.floor(rand() * 30));
  if (i % 3 === 0) req.summary = 'The lead saw two homes last weekend and liked the one on Elm Street.';
  if (i % 4 === 0) req.context_budget_tokens = pick([4000, 6000, 16000]);
  if (i % 6 === 0) req.stream = true;
  if (i % 9 === 0) req.budget = { monthly_usd: 50, spent_usd: 45 };
  cases.push({ fn: 'buildPrompt', input: req });
}
for (let i = 0; i < 20; i++) {
  cases.push({ fn: 'fitContext', input: {
    budget_tokens: pick([300, 800, 2000, 16000]), system_tokens: pick([0, 100, 500]),
    pinned_tokens: pick([0, 40]), summary: i % 2 ? 'Earlier: buyer wants a yard.' : '',
    turns: history(Math.floor(rand() * 60)),
  } });
}
const models = ['claude-haiku-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5', 'claude-sonnet-5-5-20261001',
  'claude-haiku-4-5', 'claude-fable-5-1'];
for (let i = 0; i < 20; i++) {
  const usage = { input_tokens: Math.floor(rand() * 200000), output_tokens: Math.floor(rand() * 4000),
    cache_creation_input_tokens: Math.floor(rand() * 5000), cache_read_input_tokens: Math.floor(rand() * 50000) };
  usage.cache_creation_1h_input_tokens = Math.floor(usage.cache_creation_input_tokens / 3);
  cases.push({ fn: 'estimateCost', input: i % 4 === 3 ? { usage } : { usage, model: pick(models) } });
}
for (let i = 0; i < 15; i++) cases.push({ fn: 'validateProfile', input: profile(i + 400) });
const invalid = [
  { id: 'x y', role: 'buyer', experience: 'guru', name: '' },
  { id: 'a', location_id: 'l', name: 'N', role: 'buyer_agent', specializations: ['luxury', 'luxury', 'boats'] },
  { id: 'a', location_id: 'l', name: 'N', role: 'listing_agent', shared_pool: true },
  { id: 'a', location_id: 'l', name: 'N', role: 'team_lead', preferences: { language: 'klingon!' } },
  { id: 'a', location_id: 'l', name: 'N\u0007', role: 'team_lead', extra: 1 },
];
for (const p of invalid) cases.push({ fn: 'validateProfile', input: p });
const dated = { ...lead(0), facts: { closing_date: '2026-12-18', inspection_deadline: '2026-12-01', area: 'Austin' } };
for (let i = 0; i < 12; i++) {
  cases.push({ fn: 'guidanceCards', input: { profile: profile(i + 500), lead: i % 2 ? dated : lead(i),
    stage: stages[(i * 5) % stages.length], today: pick(['2026-11-25', '2026-12-14', '2027-01-01']),
    answer: i % 3 ? '## Next\n\n1. **Call the lender** to confirm the pre-approval letter.' : '' } });
  cases.push({ fn: 'offlineAnswer', input: { query: queries[(i * 7) % queries.length], profile: profile(i + 600), lead: lead(i) } });
}
// Qualification: graded leads, both sides, every experience level; stage events.
const buyerLeads = [
  {},
  { buyer_agreement: 'no', showing_date: '2026-11-27', lender: 'Chase', timeline: '2 years' },
  { area: 'Round Rock', timeline: '60 days', pre_approved: 'yes', motivation: 'new job', buyer_agreement: 'signed', appointment: 'Tuesday' },
  { pre_approved: 'pre-qualified', max_price: '$550k', pre_approval_amount: '450', timeline: 'by March' },
  { other_agent: 'signed exclusive with Compass', timeline: 'ASAP' },
  { other_agent: 'also talking to Redfin', texting_opt_out: 'yes', timeline: 'just looking' },
  { on_dnc: 'yes', timeline: 'spring 2028', cash_buyer: 'yes', appointment: 'Tour Saturday 10am' },
  { effective_date: '2026-11-20', closing_date: '2026-12-18', financing: 'FHA', state: 'TX', option_days: 7 },
];
const sellerLeads = [
  { side: 'seller', price_expectation: '$650,000', cma_value: '590k', timeline: '30 days' },
  { side: 'seller', mortgage_payoff: '$560,000', cma_value: '$590,000', decision_makers: 'divorcing' },
  { side: 'seller', listed_with: 'listed with ABC Realty', motivation: 'relocating' },
  { side: 'seller', listing_agreement: 'signed', mls_number: 'TX1234567', on_title: 'Estate of Mary Lee' },
];
const events = [[], ['contacted'], ['appointment_set', 'agreement_signed'], ['offer_accepted'], ['lost'], ['reactivated']];
let k = 0;
for (const facts of [...buyerLeads, ...sellerLeads]) {
  for (const level of ['novice', 'expert']) {
    const p = { ...profile(700 + k), experience: level };
    cases.push({ fn: 'qualify', input: { profile: p, lead: { id: `q-${k}`, facts }, stage: stages[k % 7],
      today: pick(['2026-11-25', '2027-03-02']), events: events[k % events.length] } });
    cases.push({ fn: 'guidanceCards', input: { profile: p, lead: { facts }, stage: stages[(k * 3) % stages.length],
      today: '2026-11-25' } });
    k++;
  }
}
const said = [
  "She said they're pre-approved for 450 and need to move by March. We're also talking to Redfin.",
  'We are not pre-approved yet, just pre-qualified. 3 bedrooms, 2 baths, budget is $600k.',
  'STOP',
  'please stop texting me, and do not call',
  'We owe about 310k and want to list it at 499,900. Zillow says 520.',
  "We haven't signed the agreement; our lease ends in June. Paying cash. Relocating for a new job.",
  'The house is within walking distance of the park.',
  'Approved up to $1.25M with a VA loan, we need to sell our house first.',
  '¿Podemos ver la casa el sábado? Pre-approved for 380k.',
];
for (let i = 0; i < said.length; i++)
  cases.push({ fn: 'extractFacts', input: { text: said[i], today: '2026-11-25', lead: i % 2 ? lead(i) : undefined } });
const forms = ['generic', 'texas_trec_resale', 'california_car_rpa', 'florida_as_is', 'new_jersey'];
const financing = ['conventional', 'cash', 'va', 'fha', 'heloc', 'business_purpose', 'portfolio'];
for (let i = 0; i < 20; i++) {
  const effective = pick(['2026-11-20', '2026-11-25', '2026-12-24', '2026-07-03', '2027-03-13']);
  const req = { form: forms[i % forms.length], effective_date: effective, financing: financing[i % financing.length],
    today: pick(['2026-11-25', '2026-12-20', '2027-04-01']) };
  if (i % 4 !== 3) req.closing_date = pick(['2026-12-18', '2027-01-15', '2027-06-30', '2027-04-20']);
  if (i % 3 === 0) req.loan_signing_date = '2026-12-15';
  if (i % 2) req.days = { inspection_days: 5 + i, earnest_money_days: 3, ...(i % 5 === 1 ? { option_days: 7 } : {}) };
  if (i % 5 === 2) req.conditions = ['hoa', 'pre_1978', 'seller_foreign', 'home_sale_contingency'];
  if (i % 6 === 1) req.dates = { rate_lock_expires: '2026-12-10', hoa_docs_received: '2026-11-28', kick_out_notice: '2026-12-01' };
  if (i % 7 === 3) req.done = ['earnest_money', 'open_escrow'];
  cases.push({ fn: 'contractTimeline', input: req });
}
cases.push({ fn: 'contractTimeline', input: { today: '2026-11-25', lead: { facts: { effective_date: '2026-11-20', state: 'California', financing: 'jumbo' } } } });
cases.push({ fn: 'contractTimeline', input: { form: 'ohio', effective_date: '2026-11-31', today: '2026-11-25', days: { optoin_days: 3 } } });
cases.push({ fn: 'qualify', input: { profile: profile(1), events: ['signed'], today: '11/25/2026' } });
cases.push({ fn: 'extractFacts', input: { text: 7 } });
// Errors must match too.
cases.push({ fn: 'route', input: '{"query":' });
cases.push({ fn: 'route', input: { query: 7, profile: {} } });
cases.push({ fn: 'buildPrompt', input: { query: 'x', profile: profile(1), history: [{ role: 'system', content: 'x' }] } });
cases.push({ fn: 'estimateCost', input: { usage: { input_tokens: -1 } } });

// Experiments: assignment, the test's decision and Thompson sampling's split must be the same bits
// natively and in WASM (learn.cpp computes its logs and exps without libm for this). A generator of
// its own, so the cases above stay as they were.
{
  let s = 20261204;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const experiments = [
    { id: 'exp-objection-tone', guidance_type: 'objection_response', min_sample: 100,
      variants: [{ id: 'control' }, { id: 'empathy_first', description: 'acknowledge, then reframe' }] },
    { id: 'exp-next-question', guidance_type: 'next_question', roles: ['buyer_agent', 'team_lead'], min_sample: 50,
      alpha: 0.01, seed: 42, variants: [{ id: 'control' }, { id: 'lpmama' }, { id: 'open_ended', max_share: 0.2 }] },
    { id: 'exp-tier', guidance_type: 'coaching_tip', min_sample: 200, mixture_sd: 0.03, floor_share: 0.05,
      variants: [{ id: 'control' }, { id: 'tier_fast' }, { id: 'tier_deep' }, { id: 'playbook_v2', max_share: 0.1 }] },
  ];
  for (let i = 0; i < 36; i++) {
    const e = experiments[i % experiments.length];
    const rate = [0.3, 0.25 + r() * 0.2, 0.3 + (i % 4 === 0 ? 0.15 : 0), 0.2];
    const counts = e.variants.map((v, k) => {
      const trials = Math.floor(r() * (i < 6 ? 120 : 3000));
      return { variant: v.id, trials, successes: Math.floor(trials * rate[k] + r() * 10) % (trials + 1) };
    });
    const experiment = { ...e, ...(i % 9 === 4 ? { status: 'paused' } : {}), ...(i % 11 === 7 ? { winner: e.variants[1].id } : {}) };
    cases.push({ fn: 'evaluateExperiment', input: { experiment, counts: i % 10 === 9 ? counts.slice(1) : counts } });
  }
  for (let i = 0; i < 36; i++) {
    const e = experiments[i % experiments.length];
    const weights = e.variants.map(() => r());
    const total = weights.reduce((x, y) => x + y, 0);
    const allocation = i % 3 === 0 ? [] : e.variants.map((v, k) => ({ variant: v.id, share: weights[k] / total }));
    const req = { experiment: { ...e, allocation }, agent_id: `agent-${Math.floor(r() * 100000)}` };
    if (i % 4 === 1) req.role = pick(roles);
    if (i % 5 === 2) req.guidance_type = e.guidance_type;
    cases.push({ fn: 'assignVariant', input: req });
  }
  for (let i = 0; i < 12; i++)
    cases.push({ fn: 'planExperiment', input: { baseline_rate: 0.05 + r() * 0.5, relative_lift: 0.05 + r() * 0.4,
      ...(i % 2 ? { alpha: 0.01 } : {}), ...(i % 3 ? { best_share: 0.5 + r() * 0.4 } : {}), ...(i % 4 === 3 ? { mixture_sd: 0.02 } : {}) } });
  cases.push({ fn: 'evaluateExperiment', input: { experiment: { id: 'x', guidance_type: 'coaching_tip', variants: [{ id: 'a' }] } } });
  cases.push({ fn: 'assignVariant', input: { experiment: experiments[0], agent_id: 'bad id' } });
}

writeFileSync(new URL('./parity.jsonl', import.meta.url), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
console.log(`wrote ${cases.length} cases`);
