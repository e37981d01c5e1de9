// The widget embedded the way a real CRM embeds it: on another origin, under the CSP that
// docs/embedding.md documents (no 'unsafe-inline' styles, so the widget's constructable stylesheet
// must do), with the agent token from a host token endpoint (fetched with the CRM's cookies and
// refreshed before expiry), the host JS API, live mode across origins, and hostile host CSS.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { artifactPath, crmHostAssets, crmPage, demoPublishableKey, demoSecret, launchBrowser, mintAgentToken, requireBuilt, startFake, startProxy, startStatic, stopAll } from './env.mjs';

let fake;
let proxy;
let host;
let browser;
let pk;
let otherPk;
let secret;
let tokenTtl = 600;
const tokenHits = [];
const W = 'porchlight-coach';

// The CSP docs/embedding.md gives hosts, filled in for this proxy.
function documentedCsp(proxyUrl) {
  const ws = proxyUrl.replace(/^http/, 'ws');
  return `default-src 'self'; script-src 'self' ${proxyUrl} 'wasm-unsafe-eval'; connect-src 'self' ${proxyUrl} ${ws}; ` +
    "style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
}

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 400 });
  proxy = await startProxy({ upstreamUrl: fake.url });
  secret = demoSecret(proxy.dbPath);
  host = await startStatic({
    ...crmHostAssets,
    // The CRM's backend: mints the agent token for its signed-in user (here: a cookie).
    '/crm/porchlight-token': (req, res) => {
      tokenHits.push({ at: Date.now(), cookie: req.headers.cookie ?? '' });
      if (!(req.headers.cookie ?? '').includes('crm_session=dana')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"not signed in"}');
        return;
      }
      const token = mintAgentToken(secret, { agentId: 'demo-agent', ttl: tokenTtl, lead: 'lead-embed-1' });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ token }));
    },
    '/theme.css': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end('porchlight-coach { --porchlight-accent: rgb(11, 92, 173); --porchlight-accent-text: rgb(250, 250, 250); --porchlight-radius: 3px; }');
    },
    '/other-origin': (req, res) => {  // a key made for another origin than this page's
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': documentedCsp(proxy.url) });
      res.end(crmPage(proxy.url, otherPk, `data-agent-token="${mintAgentToken(secret, { agentId: 'demo-agent' })}"`));
    },
    '/no-token': (req, res) => {  // a page whose backend forgot the agent token
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': documentedCsp(proxy.url) });
      res.end(crmPage(proxy.url, pk, ''));
    },
    '/': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': documentedCsp(proxy.url) });
      res.end(crmPage(proxy.url, pk, 'data-token-url="/crm/porchlight-token" data-lead=\'{"id":"lead-embed-1","name":"Morgan Diaz","stage":"qualifying","facts":{"budget":"$600k"}}\''));
    },
  });
  pk = demoPublishableKey(proxy, host.url);
  otherPk = demoPublishableKey(proxy, 'https://crm.other.example');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
});

// The CRM page as its signed-in agent sees it (the CRM's session cookie feeds the token endpoint).
async function signedInHost(options = {}) {
  const context = await browser.newContext(options);
  await context.addCookies([{ name: 'crm_session', value: 'dana', url: host.url }]);
  return { context, ...(await openHost(context)) };
}

async function openHost(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(host.url + '/');
  await page.waitForFunction(() => window.Porchlight?.version);
  return { page, problems };
}

describe('a CRM page on another origin', () => {
  test('loads the widget under the documented CSP, with the token from the host endpoint', async () => {
    const { context, page, problems } = await signedInHost({ viewport: { width: 1100, height: 800 } });
    await page.evaluate(() => window.Porchlight.open());
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    assert.ok(tokenHits.length >= 1 && tokenHits[0].cookie.includes('crm_session=dana'), 'the token endpoint got the CRM cookie');

    // The host API: ask, and the events a host listens to.
    const answer = await page.evaluate(() => window.Porchlight.ask('What should I ask Morgan next?'));
    assert.equal(answer.status, 'complete');
    assert.match(answer.event_id, /^evt_/);
    const events = await page.evaluate(() => window.__events.map((e) => e.name));
    for (const name of ['open', 'ready', 'route', 'token', 'guidance', 'answer']) assert.ok(events.includes(name), `event ${name}: ${events}`);
    const guidance = await page.evaluate(() => window.__events.filter((e) => e.name === 'guidance').at(-1).detail);
    assert.equal(guidance.source, 'server');
    assert.equal(guidance.lead_id, 'lead-embed-1');
    assert.match(guidance.conversation_id, /^cv_/);
    assert.ok(guidance.cards.some((c) => c.type === 'qualification_checklist'));

    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
    assert.deepEqual(problems, []);
    await page.screenshot({ path: artifactPath('embed-01-cross-origin-csp.png') });
    await context.close();
  });

  test('setLead ticks the checklist at once (WASM), and on("guidance") tells the host', async () => {
    const { context, page } = await signedInHost();
    await page.evaluate(() => window.Porchlight.open());
    await page.locator(`${W} li[data-id=mortgage]`).waitFor();
    assert.equal(await page.locator(`${W} li[data-id=mortgage]`).getAttribute('data-done'), 'false');
    const elapsed = await page.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      const off = window.Porchlight.on('guidance', (g) => {
        const item = g.cards.find((c) => c.type === 'qualification_checklist')?.items.find((i) => i.id === 'mortgage');
        if (item?.done) {
          off();
          resolve(performance.now() - t0);
        }
      });
      window.Porchlight.setLead({ id: 'lead-embed-1', name: 'Morgan Diaz', stage: 'qualifying', facts: { budget: '$600k', pre_approved: true, lender: 'First Harbor' } });
    }));
    assert.ok(elapsed < 50, `the checklist updated ${elapsed.toFixed(1)} ms after setLead`);
    assert.equal(await page.locator(`${W} li[data-id=mortgage]`).getAttribute('data-done'), 'true');
    await context.close();
  });

  test('host CSS does not reach the widget, and the widget\'s does not leak out', async () => {
    const { context, page } = await signedInHost();
    await page.evaluate(() => window.Porchlight.open());
    await page.locator(`${W} .send`).waitFor({ state: 'visible' });
    const inside = await page.evaluate(() => {
      const root = document.querySelector('porchlight-coach').shadowRoot;
      const send = getComputedStyle(root.querySelector('.send'));
      return { bg: send.backgroundColor, font: send.fontFamily, textarea: getComputedStyle(root.querySelector('textarea')).display,
               launcher: getComputedStyle(root.querySelector('.launcher')).display };
    });
    assert.notEqual(inside.bg, 'rgb(255, 0, 0)');
    assert.doesNotMatch(inside.font, /Comic/);
    assert.notEqual(inside.textarea, 'none');
    assert.notEqual(inside.launcher, 'none');
    const outside = await page.evaluate(() => getComputedStyle(document.getElementById('host-button')).backgroundColor);
    assert.equal(outside, 'rgb(255, 0, 0)', 'the host keeps its own button style');
    await page.screenshot({ path: artifactPath('embed-02-hostile-css.png') });
    await context.close();
  });

  test('hosts theme the widget with --porchlight-* custom properties', async () => {
    const { context, page, problems } = await signedInHost();
    await page.addStyleTag({ url: host.url + '/theme.css' });  // a stylesheet link: the page's CSP allows 'self'
    await page.evaluate(() => window.Porchlight.open());
    await page.locator(`${W} .send`).waitFor({ state: 'visible' });
    const themed = await page.evaluate(() => {
      const root = document.querySelector('porchlight-coach').shadowRoot;
      const send = getComputedStyle(root.querySelector('.send'));
      const user = root.querySelector('textarea');
      return { bg: send.backgroundColor, color: send.color, radius: getComputedStyle(user).borderRadius };
    });
    assert.deepEqual(themed, { bg: 'rgb(11, 92, 173)', color: 'rgb(250, 250, 250)', radius: '10px' });
    const badge = await page.evaluate(() => getComputedStyle(document.querySelector('porchlight-coach').shadowRoot.querySelector('.panel')).borderRadius);
    assert.equal(badge, '3px', 'the radius reaches the panel');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a page that gives no agent token: the panel says what is missing; setToken recovers', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url + '/no-token');
    await page.waitForFunction(() => window.Porchlight?.version);
    await page.evaluate(() => window.Porchlight.open());
    const alert = page.locator(`${W} .alert`);
    await alert.waitFor({ state: 'visible', timeout: 8000 });
    assert.match(await alert.textContent(), /agent token.*data-agent-token, data-token-url or Porchlight\.setToken/);
    assert.equal(await alert.getAttribute('role'), 'alert');
    const token = mintAgentToken(secret, { agentId: 'demo-agent', lead: 'lead-embed-1' });
    await page.evaluate((t) => window.Porchlight.setToken(t), token);
    await alert.waitFor({ state: 'hidden' });
    await page.locator(`${W} .card`).first().waitFor();
    await context.close();
  });

  test("a key made for another origin: the panel says the origin is not allowed (not that Porchlight is unreachable)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url + '/other-origin');
    await page.waitForFunction(() => window.Porchlight?.version);
    await page.evaluate(() => window.Porchlight.open());
    await page.evaluate(() => window.Porchlight.ask('What should I ask this lead next?').catch(() => {}));
    // Where the agent looks: the alert, or the answer that could not be given.
    const said = page.locator(W).getByText(/origin http:\/\/\S+ is not allowed for this key/).first();
    await said.waitFor({ state: 'visible', timeout: 8000 });
    assert.equal(await page.locator(W).getByText(/cannot reach Porchlight/).count(), 0);
    await context.close();
  });

  test('tokens from the endpoint are refreshed before they expire', async () => {
    tokenTtl = 65;  // refreshed at 80% of its life, and at least a minute early: after ~5 s
    const sent = [];
    const { context, page } = await signedInHost();
    page.on('request', (r) => {
      const t = r.headers()['x-porchlight-agent-token'];
      if (t) sent.push(t);
    });
    // Counted as the page receives them: the server sees a fetch before the widget has its answer.
    let fetched = 0;
    page.on('requestfinished', (r) => { if (r.url().includes('/crm/porchlight-token')) fetched += 1; });
    await page.evaluate(() => window.Porchlight.open());
    await page.locator(`${W} .card`).first().waitFor();
    const deadline = Date.now() + 15000;
    while (fetched < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.ok(fetched >= 2, `the token was fetched ${fetched} times`);
    await page.waitForTimeout(200);  // the widget reads the finished response's body
    await page.evaluate(() => window.Porchlight.ask('Quick check after a refresh'));
    assert.ok(new Set(sent).size >= 2, 'requests after the refresh carry the new token');
    tokenTtl = 600;
    await context.close();
  });

  test('live mode works across origins (WebSocket auth frame)', async () => {
    const { context, page } = await signedInHost();
    const frames = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    await page.evaluate(() => window.Porchlight.open());
    await page.evaluate(() => window.Porchlight.pushEvent({ kind: 'lead_message', text: 'Is the price negotiable at all?' }));
    await page.waitForFunction(() => window.__events.some((e) => e.name === 'guidance' && e.detail.source === 'live'), null, { timeout: 10000 });
    assert.ok(frames.some((f) => f.includes('"ready"')));
    assert.ok(frames.some((f) => f.includes('"cards_done"')));
    const live = await page.evaluate(() => window.__events.filter((e) => e.name === 'guidance' && e.detail.source === 'live').at(-1).detail);
    assert.ok(live.cards.find((c) => c.type === 'next_best_action')?.suggestion, 'the live card carries a suggestion');
    await page.evaluate(() => window.Porchlight.stopLive());
    await context.close();
  });
});
