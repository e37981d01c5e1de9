// The Streamlit component, tested without Streamlit (it cannot be installed here): the real
// `porchlight_streamlit` Python package runs with Streamlit's declare_component played by
// streamlit_host.py, and its built frontend runs in real Chromium inside a host page that plays
// Streamlit's frontend (pages/streamlit-host.js: the iframe, componentReady with apiVersion 1, the
// render message with args/disabled/theme, setFrameHeight, setComponentValue) on the Streamlit
// app's own origin, against the real proxy and the fake upstream.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { artifactPath, demoPublishableKey, demoSecret, launchBrowser, mintAgentToken, requireBuilt, root, sql, startFake, startProxy, startStatic, stopAll } from './env.mjs';

const here = new URL('.', import.meta.url).pathname;
const LEAD = { id: 'lead-jordan-lee', name: 'Jordan Lee', stage: 'qualifying', facts: { budget: '$450k', motivation: 'relocating for a hospital job' } };
const LIGHT = { base: 'light', primaryColor: '#ff4b4b', backgroundColor: '#ffffff', secondaryBackgroundColor: '#f0f2f6', textColor: '#31333f',
  font: '"Source Sans Pro", sans-serif', bodyFont: '"Source Sans Pro", sans-serif' };
const DARK = { base: 'dark', primaryColor: '#ff4b4b', backgroundColor: '#0e1117', secondaryBackgroundColor: '#262730', textColor: '#fafafa',
  font: '"Source Sans Pro", sans-serif', bodyFont: '"Source Sans Pro", sans-serif' };

let fake;
let proxy;
let app;        // the Streamlit app's origin: host page + the component's files, as Streamlit serves them
let browser;
let page;
let frame;
let python;     // what porchlight_coach() declared and passed
let settings;   // the Streamlit server's settings (env in a real app)
const pageErrors = [];

/** porchlight_coach(**kwargs) through Streamlit's Python side (streamlit_host.py). */
function coach(kwargs) {
  return JSON.parse(execFileSync('python3', [join(here, 'streamlit_host.py'), JSON.stringify(kwargs)], { encoding: 'utf8' }));
}

const host = (fn, arg) => page.evaluate(fn, arg);
const values = () => host(() => window.streamlitHost.state.values);

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 400 });
  proxy = await startProxy({ upstreamUrl: fake.url });
  app = await startStatic({
    '/host.js': join(here, 'pages/streamlit-host.js'),
    // Streamlit serves a path-declared component's folder at /component/<module>.<name>/.
    '/component/porchlight_streamlit.porchlight_coach/': (req, res, url) => {
      const file = join(python.path, url.pathname.split('/').slice(3).join('/'));
      if (!file.startsWith(python.path) || !existsSync(file)) return res.writeHead(404).end();
      const type = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' }[file.slice(file.lastIndexOf('.'))];
      res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' }).end(readFileSync(file));
    },
    '/': join(here, 'pages/streamlit-host.html'),  // last: '/' also matches every path as a prefix
  });
  settings = {
    proxy_url: proxy.url,
    publishable_key: demoPublishableKey(proxy, app.url),
    location_id: 'loc_demo',
    token_secret: demoSecret(proxy.dbPath),
  };
  python = coach({ profile: 'demo-agent', lead: LEAD, key: 'coach', height: 640, ...settings });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url + '/');
});

after(async () => {
  await browser?.close();
  await stopAll();
});

describe('porchlight_coach() on the Streamlit server', () => {
  test('declares the built frontend and passes a short-lived token, never the secret', () => {
    assert.equal(python.name, 'porchlight_streamlit.porchlight_coach');
    assert.equal(python.path, join(root, 'web/streamlit/porchlight_streamlit/frontend'));
    assert.ok(existsSync(join(python.path, 'index.html')) && existsSync(join(python.path, 'component.js')), 'npm run build put the frontend in the package');
    assert.equal(python.returned, null, 'no value before the component sends one');
    const args = JSON.parse(python.json_args);
    assert.equal(args.key, 'coach');
    assert.equal(args.default, null);
    assert.equal(args.proxy_url, proxy.url);
    assert.deepEqual(args.lead, LEAD);
    assert.ok(!python.json_args.includes(settings.token_secret), 'the location secret stays on the server');
    const claims = JSON.parse(Buffer.from(args.agent_token.split('.')[1], 'base64url'));
    assert.equal(claims.sub, 'demo-agent');
    assert.equal(claims.location_id, 'loc_demo');
    assert.equal(claims.lead_id, LEAD.id);
    assert.ok(claims.exp - claims.iat <= 3600);
  });

  test('refuses a secret key and missing settings with clear errors', () => {
    const sk = coach({ profile: 'demo-agent', ...settings, publishable_key: 'sk_live_nope' });
    assert.equal(sk.error.type, 'ValueError');
    assert.match(sk.error.message, /pk_ key/);
    const missing = coach({ profile: 'demo-agent', proxy_url: proxy.url, publishable_key: settings.publishable_key });
    assert.match(missing.error.message, /location_id is missing/);
    assert.match(coach({ profile: {}, ...settings }).error.message, /profile must be/);
  });
});

describe('the component frontend in the Streamlit host', () => {
  test('handshake: componentReady (apiVersion 1) first, then render, then the frame height', async () => {
    await host((m) => window.streamlitHost.mount(m), { name: python.name, jsonArgs: python.json_args, theme: LIGHT });
    await page.waitForFunction(() => window.streamlitHost.state.ready, null, { timeout: 15000 });
    frame = page.frameLocator('iframe.stCustomComponentV1');
    await frame.locator('porchlight-coach .card[data-type=qualification_checklist]').waitFor({ timeout: 15000 });
    const state = await host(() => window.streamlitHost.state);
    assert.equal(state.error, null);
    assert.deepEqual(state.warnings, [], 'the component sent nothing the host had to drop');
    const first = state.log[0];
    assert.equal(first.dir, 'in');
    assert.equal(first.type, 'streamlit:componentReady');
    assert.equal(first.data.apiVersion, 1);
    assert.equal(first.data.isStreamlitMessage, true);
    assert.equal(state.log[1].type, 'streamlit:render');
    const heights = state.log.filter((m) => m.type === 'streamlit:setFrameHeight').map((m) => m.data.height);
    assert.ok(heights.length >= 1 && heights.every(Number.isInteger), `integer heights: ${heights}`);
    assert.ok(heights.at(-1) >= 640 && heights.at(-1) < 760, `the frame fits the 640 px coach: ${heights.at(-1)}`);
    assert.equal(await page.locator('iframe.stCustomComponentV1').getAttribute('height'), String(heights.at(-1)));
    // The WASM core ran in the iframe: the checklist from the lead's facts, before any server answer.
    assert.equal(await frame.locator('porchlight-coach .card[data-type=qualification_checklist] li[data-done=true]').count(), 2);
    assert.deepEqual(await values(), [], 'a preview is not a value: Python would rerun on every keystroke');
  });

  test('theme: the CSS variables Streamlit\'s component lib injects, and a switch to dark', async () => {
    const read = () => frame.locator('body').evaluate(() => {
      const s = getComputedStyle(document.documentElement);
      return { primary: s.getPropertyValue('--primary-color').trim(), bg: getComputedStyle(document.body).backgroundColor,
        text: s.getPropertyValue('--text-color').trim(), base: document.documentElement.dataset.base };
    });
    let t = await read();
    assert.equal(t.primary, LIGHT.primaryColor);
    assert.equal(t.bg, 'rgb(255, 255, 255)');
    await host((theme) => window.streamlitHost.setTheme(theme), DARK);
    await frame.locator('html[data-base=dark]').waitFor();
    t = await read();
    assert.equal(t.bg, 'rgb(14, 17, 23)');
    assert.equal(t.text, DARK.textColor);
    await page.screenshot({ path: artifactPath('streamlit-01-dark-theme.png') });
  });

  test('asking streams an answer and sets the component value (json) with the server\'s guidance', async () => {
    const input = frame.locator('porchlight-coach textarea');
    await input.fill('They think the price is too high for the area. What do I say?');
    await input.press('Enter');
    await frame.locator('porchlight-coach li.msg.assistant .fb button[data-rating=helpful]').last().waitFor({ timeout: 20000 });
    await page.waitForFunction(() => window.streamlitHost.state.values.length > 0);
    const [v] = await values();
    assert.equal(v.dataType, 'json');
    assert.equal(v.value.guidance.source, 'server');
    assert.equal(v.value.guidance.route.specialist, 'objection_handling');
    assert.ok(v.value.guidance.cards.length > 0);
    assert.ok(v.value.guidance.answer.text.length > 50);
    assert.equal(v.value.lead_id, LEAD.id);
    assert.match(v.value.conversation_id, /^cv_[0-9a-f]{32}$/);
    assert.equal(v.value.feedback, null);
    const stored = sql(proxy.dbPath, 'SELECT role, status FROM messages WHERE conversation_id = ? ORDER BY seq', [v.value.conversation_id]);
    assert.deepEqual(stored.map((m) => `${m.role}:${m.status}`), ['user:complete', 'assistant:complete']);
    await page.screenshot({ path: artifactPath('streamlit-02-answer.png') });
  });

  test('feedback becomes part of the value and is stored', async () => {
    await frame.locator('porchlight-coach li.msg.assistant .fb button[data-rating=helpful]').last().click();
    await page.waitForFunction(() => window.streamlitHost.state.values.at(-1).value.feedback);
    const v = (await values()).at(-1).value;
    assert.equal(v.feedback.rating, 'helpful');
    assert.match(v.feedback.event_id, /^evt_/);
    assert.equal(v.guidance.source, 'server', 'the guidance stays in the value');
    const rows = sql(proxy.dbPath, 'SELECT feedback FROM agent_coaching_history WHERE id = ?', [v.feedback.event_id]);
    assert.equal(rows[0]?.feedback, 'helpful');
  });

  test('a rerun with new facts updates the checklist in place; identical reruns send nothing', async () => {
    const renders = await host(() => window.streamlitHost.renders());
    const readies = () => host(() => window.streamlitHost.state.log.filter((m) => m.type === 'streamlit:componentReady').length);
    await host((j) => window.streamlitHost.rerun(j), python.json_args);
    assert.equal(await host(() => window.streamlitHost.renders()), renders, 'same args JSON: no render message');
    const next = coach({ profile: 'demo-agent', lead: { ...LEAD, facts: { ...LEAD.facts, location: 'near St. Mary\'s hospital' } },
      key: 'coach', height: 640, ...settings });
    await host((j) => window.streamlitHost.rerun(j), next.json_args);
    await frame.locator('porchlight-coach .card[data-type=qualification_checklist] li[data-id=location][data-done=true]').waitFor();
    assert.equal(await readies(), 1, 'the component was not remounted');
    assert.ok(await frame.locator('porchlight-coach li.msg.user').count() >= 1, 'the conversation is still on screen');
  });

  test('disabled: the host disables the coach and enables it again', async () => {
    await host(() => window.streamlitHost.setDisabled(true));
    await frame.locator('porchlight-coach textarea[disabled]').waitFor();
    assert.equal(await frame.locator('porchlight-coach button[type=submit]').isDisabled(), true);
    await host(() => window.streamlitHost.setDisabled(false));
    await frame.locator('porchlight-coach textarea:not([disabled])').waitFor();
  });

  test('the same lead is the same conversation in the CRM widget (one conversation id across surfaces)', async () => {
    const cid = (await values()).at(-1).value.conversation_id;
    const crm = await browser.newPage();
    await crm.goto(proxy.url + '/');  // the demo CRM page: the same agent and lead, through the script tag
    await crm.waitForFunction(() => window.Porchlight?.conversationId);
    assert.equal(await crm.evaluate(() => window.Porchlight.conversationId), cid);
    await crm.locator('porchlight-coach li.msg.user', { hasText: 'too high for the area' }).waitFor();
    await crm.close();
  });

  test('shortly before the agent token expires, the component asks Python for a rerun (a fresh token)', async () => {
    // A token with 242 s left: the component asks 240 s before expiry, so in about 2 s.
    const token = mintAgentToken(settings.token_secret, { agentId: 'demo-agent', lead: LEAD.id, ttl: 242 });
    const next = coach({ profile: 'demo-agent', lead: LEAD, key: 'coach', height: 640, ...settings, agent_token: token });
    const before = (await values()).length;
    await host((j) => window.streamlitHost.rerun(j), next.json_args);
    await page.waitForFunction((n) => window.streamlitHost.state.values.length > n, before, { timeout: 8000 });
    const v = (await values()).at(-1).value;
    assert.equal(v.token_expires_at, JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp);
    assert.equal(v.guidance.source, 'server', 'the rest of the value is unchanged');
    // The rerun brings a fresh token (the TokenCache's own): the component keeps working with it.
    await host((j) => window.streamlitHost.rerun(j), python.json_args);
    const after = (await values()).length;
    await page.waitForTimeout(500);
    assert.equal((await values()).length, after, 'a fresh token asks for nothing');
  });

  test('live=True: one WebSocket however many renders, and live cards come back as the value', async () => {
    const sockets = [];
    page.on('websocket', (ws) => { if (ws.url().endsWith('/v1/live')) sockets.push(ws); });
    const facts = { ...LEAD.facts, location: 'near St. Mary\'s hospital', pre_approved: true };
    const live = coach({ profile: 'demo-agent', lead: { ...LEAD, facts }, key: 'coach', height: 640, live: true, ...settings });
    const before = (await values()).length;
    await host((j) => window.streamlitHost.rerun(j), live.json_args);
    await frame.locator('porchlight-coach .live[aria-pressed=true]').waitFor();
    // Streamlit re-sends the render message after every frame-height change: each one asks for live mode.
    await host(() => window.streamlitHost.setTheme({ ...window.streamlitHost.state.theme, primaryColor: '#1f5eb8' }));
    await host(() => window.streamlitHost.setDisabled(false));
    // A new fact while live: the proxy answers over the socket, and the value says so.
    const more = coach({ profile: 'demo-agent', lead: { ...LEAD, facts: { ...facts, lender: 'Northside Credit Union' } },
      key: 'coach', height: 640, live: true, ...settings });
    await host((j) => window.streamlitHost.rerun(j), more.json_args);
    await page.waitForFunction((n) => window.streamlitHost.state.values.slice(n).some((v) => v.value.guidance?.source === 'live'),
      before, { timeout: 15000 });
    assert.equal(sockets.length, 1, `one live socket, not ${sockets.length}`);
    const v = (await values()).filter((x) => x.value.guidance?.source === 'live').at(-1).value;
    assert.ok(v.guidance.cards.some((c) => c.type === 'qualification_checklist'));
    await host((j) => window.streamlitHost.rerun(j), python.json_args);  // live off again
    await frame.locator('porchlight-coach .live[aria-pressed=false]').waitFor();
  });

  test('no page errors in the host or the component', () => {
    assert.deepEqual(pageErrors, []);
  });
});
