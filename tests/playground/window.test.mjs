// window.test.mjs: smoke test of the playground's window under Xvfb (Mesa's software renderer).
// Opens the window with a scenario, a regression folder against a baseline and an edited policy
// loaded, sends the scenario to the fake upstream, renders frames, saves a screenshot into
// $PORCHLIGHT_ARTIFACTS and checks what the app says it showed against the scriptable mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, PLAYGROUND, SCENARIOS, distinctColors, dump, policyCopy, readPng, run, runAsync,
  scenarioFile, startFake, tempDir,
} from './helpers.mjs';

const XVFB_RUN = '/usr/bin/xvfb-run';
// A screen larger than the window: pixels off-screen are undefined in an X framebuffer.
const XVFB = ['-a', '-s', '-screen 0 1920x1200x24'];
const SECRET = 'sk_test_WINDOW_SECRET_77aa';

let fake;
before(async () => { fake = await startFake(); });
after(() => fake?.stop());

test('the window renders a loaded scenario, its regression view and a streamed answer', async () => {
  assert.ok(fs.existsSync(XVFB_RUN), `${XVFB_RUN} is missing (Debian package xvfb)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = path.join(ARTIFACTS, 'playground-window.png');
  const stateFile = path.join(ARTIFACTS, 'playground-window-state.json');
  fs.rmSync(screenshot, { force: true });
  fs.rmSync(stateFile, { force: true });

  // A baseline from router v1's policy (v2 off), and an edit of v1's tables that changes two decisions.
  const baseline = path.join(tempDir(), 'baseline.json');
  dump(['--scenarios', SCENARIOS, '--policy', policyCopy({ v1: true }), '--save-baseline', baseline], { status: 1 });
  const policy = policyCopy({ v1: true });
  const routing = JSON.parse(fs.readFileSync(path.join(policy, 'routing.json'), 'utf8'));
  routing.specialists.transaction_timeline.default_tier = 'balanced';
  fs.writeFileSync(path.join(policy, 'routing.json'), JSON.stringify(routing, null, 2));

  await fake.control('POST', '/_fake/reset');
  await fake.control('POST', '/_fake/script', [{ ttft_ms: 100, tokens_per_second: 300 }]);
  const scenario = scenarioFile('long-conversation.json');
  const r = await runAsync([
    '--scenario', scenario, '--scenarios', SCENARIOS, '--baseline', baseline, '--policy', policy,
    '--send', fake.url, '--frames', '6', '--screenshot', screenshot, '--state-out', stateFile,
  ], { command: XVFB_RUN, prefix: [...XVFB, PLAYGROUND], env: { PORCHLIGHT_PLAYGROUND_KEY: SECRET } });
  assert.equal(r.status, 0, `exit ${r.status} (signal ${r.signal}); stderr:\n${r.stderr}`);

  // What the window decided is what the scriptable mode prints for the same inputs.
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  const expected = dump(['--scenario', scenario, '--policy', policy]);
  assert.ok(state.frames_rendered >= 6);
  assert.match(state.gl_renderer, /\S/);
  assert.deepEqual(state.framebuffer, { width: 1600, height: 1000 });
  const loaded = JSON.parse(fs.readFileSync(scenario, 'utf8'));
  assert.deepEqual(state.scenario, { name: expected.scenario, file: scenario, query: loaded.query });
  assert.equal(state.policy.version, expected.policy_version);
  assert.equal(state.policy.folder, policy);
  assert.deepEqual(state.errors, []);
  assert.equal(state.route.specialist, expected.route.specialist);
  assert.equal(state.route.tier, 'balanced');
  assert.deepEqual(state.route.reasons, expected.route.reasons);
  assert.deepEqual(state.blocks, expected.blocks);
  assert.equal(state.breakpoints, expected.breakpoints);
  assert.equal(state.context.folded, expected.context.folded_turns);
  for (const tier of ['fast', 'balanced', 'deep']) assert.equal(state.cost_by_tier[tier], expected.cost_by_tier[tier].cost_usd);

  // The regression view: the two transaction_timeline scenarios changed tier.
  assert.equal(state.regression.rows, fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.json')).length);
  assert.equal(state.regression.changed, 2);
  assert.equal(state.regression.expect_failed, 1);  // luxury-comps: router v1 prices it deeper than expected

  // The send: streamed to the end, with usage; the key was set but never written anywhere.
  assert.equal(state.send.state, 'done', state.send.error);
  assert.equal(state.send.model, expected.route.model);
  assert.ok(state.send.text.length > 20);
  assert.ok(state.send.usage.output_tokens > 0);
  assert.ok(state.send.ttft_ms > 0 && state.send.ttft_ms <= state.send.latency_ms);
  assert.equal(state.proxy.key_set, true);
  for (const text of [fs.readFileSync(stateFile, 'utf8'), r.stdout, r.stderr])
    assert.ok(!text.includes(SECRET), 'the secret key leaked');

  // The screenshot: the window's size, and a real picture (text, tables, colors), not one flat color.
  const stat = fs.statSync(screenshot);
  assert.ok(stat.size > 50_000, `screenshot is only ${stat.size} bytes`);
  const png = readPng(screenshot);
  assert.deepEqual([png.width, png.height], [1600, 1000]);
  const colors = distinctColors(png);
  assert.ok(colors > 200, `only ${colors} distinct colors`);
});

test('typing in the query box re-routes as typed (keystrokes through ImGui\'s input queue)', () => {
  const dir = tempDir();
  const stateFile = path.join(dir, 'state.json');
  const file = scenarioFile('budget-nearly-spent.json');
  const typed = 'Can I say it is a safe neighborhood with good schools? Fair housing worries me.';
  const before = dump(['--scenario', file]);
  assert.notEqual(before.route.specialist, 'compliance');
  const r = run([...XVFB, PLAYGROUND, '--scenario', file, '--frames', '10', '--type-query', typed,
    '--state-out', stateFile], { command: XVFB_RUN });
  assert.equal(r.status, 0, r.stderr);
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  assert.equal(state.scenario.query, typed, 'select-all, delete, then the typed text');
  assert.deepEqual(state.errors, []);
  assert.equal(state.route.specialist, 'compliance');
  assert.ok(state.route.reasons.some((reason) => /points to compliance/.test(reason)), JSON.stringify(state.route.reasons));

  // The window decided exactly what the scriptable mode decides for the edited scenario (the
  // budget cap, the forced tier and the lead facts all survived the editor's round trip).
  const edited = path.join(dir, 'edited.json');
  fs.writeFileSync(edited, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), query: typed }));
  const expected = dump(['--scenario', edited], { status: 1 });  // its expect names market_analysis
  assert.deepEqual(state.route.reasons, expected.route.reasons);
  assert.equal(state.route.tier, 'fast');
  assert.deepEqual(state.blocks, expected.blocks);
  for (const tier of ['fast', 'balanced', 'deep']) assert.equal(state.cost_by_tier[tier], expected.cost_by_tier[tier].cost_usd);
});

test('a scenario the API would reject is refused before a window opens (exit 2)', () => {
  const bad = path.join(tempDir(), 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ name: 'x', profile: { id: 'a', location_id: 'l', name: 'n', role: 'buyer' }, query: 'hi' }));
  const r = run([...XVFB, PLAYGROUND, '--scenario', bad, '--frames', '1'], { command: XVFB_RUN });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /profile\.invalid_role/);
});

test('without a display the window fails with a diagnosis, not a crash (exit 1)', () => {
  const r = run(['--frames', '1'], { env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
  assert.equal(r.status, 1, `exit ${r.status} (signal ${r.signal})`);
  assert.match(r.stderr, /cannot open a window.*\n.*--dump/);
});
