// Safety of what reaches the browser:
//   - an XSS corpus in the model's output (the fake upstream's `text` knob), in lead fields set by
//     the host page, and in profile names, all rendered inert: on a host page WITHOUT a CSP, so a
//     rendering bug would really execute;
//   - no secret (a secret key, the location's agent-token secret, the Anthropic key) in any asset
//     served to the browser nor anywhere in its traffic (requests, responses, WebSocket frames).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ANTHROPIC_KEY, admin, artifactPath, crmHostAssets, crmPage, demoPublishableKey, demoSecret, launchBrowser, mintAgentToken, requireBuilt, root, saveArtifact, startFake, startProxy,
  startStatic, stopAll, webRoot,
} from './env.mjs';

let fake;
let proxy;
let host;
let browser;
let pk;
let sk;
let secret;
const W = 'porchlight-coach';

// Two halves, each well under the fast tier's max_tokens (the fake truncates answers to it).
const XSS_CORPUS = [[
  '### Attack corpus',
  '<img src=x onerror="window.__xss=\'img\'">',
  '<script>window.__xss=\'script\'</script>',
  '<svg onload="window.__xss=\'svg\'"><circle r="5"></circle></svg>',
  '<iframe srcdoc="<script>parent.__xss=\'iframe\'</script>"></iframe>',
  '[click me](javascript:window.__xss=\'js-link\')',
  '[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==)',
  '[vb](vbscript:msgbox(1)) and [spaced]( javascript:window.__xss=1 )',
  '![tracking pixel](https://evil.example/pixel.png)',
  '![x](javascript:window.__xss=\'img-js\')',
  '<a href="javascript:window.__xss=\'a\'">raw anchor</a>',
  '<style>*{display:none!important}</style>',
], [
  '**bold <img src=x onerror="window.__xss=\'nested\'">**',
  '`<img src=x onerror="window.__xss=\'code\'">`',
  '```html\n<script>window.__xss="fence"</script>\n```',
  '- item <b onmouseover="window.__xss=\'li\'">hover</b>',
  '> quote <iframe src="javascript:window.__xss=\'quote\'"></iframe>',
  '<details open ontoggle="window.__xss=\'details\'">x</details>',
  '<math><mi xlink:href="javascript:window.__xss=\'math\'">m</mi></math>',
  '&lt;img src=x onerror=window.__xss=1&gt; and &#60;script&#62;',
  '{{constructor.constructor(\'window.__xss="tpl"\')()}}',
  '| a | b |\n|---|---|\n| <img src=x onerror="window.__xss=\'table\'"> | [t](javascript:1) |',
  '[a safe link](https://example.com/safe "title")',
]].map((half) => half.join('\n\n'));

const ALLOWED = new Set(['P', 'BR', 'STRONG', 'EM', 'DEL', 'CODE', 'PRE', 'A', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'H3', 'H4', 'H5', 'H6', 'HR',
  'DIV', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD']);

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 2000 });
  proxy = await startProxy({ upstreamUrl: fake.url });
  secret = demoSecret(proxy.dbPath);
  sk = admin(['keys', 'create', '--location', 'loc_demo', '--kind', 'sk', '--database-url', proxy.databaseUrl]);
  // A profile whose name is an attack (created by a careless or hostile admin).
  const r = await fetch(proxy.url + '/v1/profiles', {
    method: 'POST', headers: { 'x-api-key': sk, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'evil-agent', name: '<img src=x onerror="window.__xss=\'profile\'">Eve', role: 'listing_agent' }),
  });
  assert.equal(r.status, 201, await r.text());
  // A host page with no CSP at all: the widget's own rendering is the only defence here.
  host = await startStatic({
    ...crmHostAssets,
    '/open': (req, res) => {
      const agent = new URL(req.url, 'http://x').searchParams.get('agent') ?? 'demo-agent';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(crmPage(proxy.url, pk, `data-agent-token="${mintAgentToken(secret, { agentId: agent })}"`));
    },
  });
  pk = demoPublishableKey(proxy, host.url);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
});

// Everything inside answer bubbles, cards and the header: tags and link targets.
async function audit(p) {
  return p.evaluate((allowed) => {
    const root = document.querySelector('porchlight-coach').shadowRoot;
    const bad = [];
    for (const scope of root.querySelectorAll('.bubble, .card, header')) {
      for (const el of scope.querySelectorAll('*')) {
        if (!allowed.includes(el.tagName) && !['SPAN', 'SECTION', 'H2', 'H3', 'UL', 'LI', 'TIME', 'DIV', 'P', 'BUTTON', 'DETAILS', 'SUMMARY'].includes(el.tagName)) bad.push(el.tagName);
        for (const a of el.attributes) if (/^on/i.test(a.name) || a.name === 'srcdoc' || a.name === 'style' && /url\(/.test(a.value)) bad.push(`${el.tagName}[${a.name}]`);
        if (el.tagName === 'A' && !/^(https?:|mailto:)/.test(el.getAttribute('href') ?? '')) bad.push(`a[href=${el.getAttribute('href')}]`);
      }
    }
    return { bad, xss: window.__xss, links: [...root.querySelectorAll('.bubble a')].map((a) => a.href) };
  }, [...ALLOWED]);
}

describe('rendered inert', () => {
  test('an XSS corpus in the model\'s output', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    const dialogs = [];
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await p.goto(host.url + '/open');
    await p.waitForFunction(() => window.Porchlight?.version);
    await p.evaluate(() => window.Porchlight.setLead({ id: 'lead-xss', name: 'Casey', stage: 'qualifying' }));
    await p.evaluate(() => window.Porchlight.open());
    for (const half of XSS_CORPUS) {
      await fake.defaults({ tokens_per_second: 2000, text: half });
      const answer = await p.evaluate(() => window.Porchlight.ask('Show me <b>everything</b> <img src=x onerror="window.__xss=\'question\'">'));
      assert.equal(answer.text, half, 'the corpus came through the proxy untouched');
    }
    await p.waitForTimeout(300);
    let a = await audit(p);
    assert.deepEqual(a.bad, []);
    assert.equal(a.xss, undefined);
    assert.deepEqual(a.links, ['https://example.com/safe']);
    const text = (await p.locator(`${W} li.msg.assistant .bubble`).allTextContents()).join('\n');
    for (const literal of ['<img src=x onerror=', '<script>', '<iframe srcdoc=', '<style>', '{{constructor']) assert.ok(text.includes(literal), `shown as text: ${literal} in ${text}`);
    assert.equal(await p.locator(`${W} li.msg.user .bubble`).last().textContent(), 'Show me <b>everything</b> <img src=x onerror="window.__xss=\'question\'">');
    await p.screenshot({ path: artifactPath('security-01-xss-answer.png') });

    // The same answer, read back from the store after a reload.
    await p.reload();
    await p.waitForFunction(() => window.Porchlight?.version);
    await p.evaluate(() => window.Porchlight.setLead({ id: 'lead-xss', name: 'Casey', stage: 'qualifying' }));
    await p.evaluate(() => window.Porchlight.open());
    await p.locator(`${W} li.msg.assistant`).first().waitFor();
    await p.waitForTimeout(300);
    a = await audit(p);
    assert.deepEqual(a.bad, []);
    assert.equal(a.xss, undefined);
    assert.deepEqual(dialogs, []);
    await fake.defaults({ tokens_per_second: 2000 });
    await context.close();
  });

  test('lead fields from the host page, and a hostile profile name', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(host.url + '/open?agent=evil-agent');
    await p.waitForFunction(() => window.Porchlight?.version);
    await p.evaluate(() => window.Porchlight.setLead({
      id: 'lead-<script>', name: '<img src=x onerror="window.__xss=\'lead-name\'">Robin',
      stage: 'qualifying', facts: { motivation: '<script>window.__xss="fact"</script>', target_area: '"><svg onload=window.__xss=1>' },
    }));
    await p.evaluate(() => window.Porchlight.open());
    await p.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot.querySelector('.sub').textContent.includes('Eve'));
    const sub = await p.locator(`${W} .sub`).textContent();
    assert.ok(sub.includes('<img src=x onerror="window.__xss=\'lead-name\'">Robin'), sub);
    assert.ok(sub.includes('for <img src=x onerror="window.__xss=\'profile\'">Eve'), sub);
    // The lead and profile reach the model too; the fake quotes the prompt back into the answer.
    await p.evaluate(() => window.Porchlight.ask('What do I ask next?'));
    await p.evaluate(() => window.Porchlight.pushEvent({ kind: 'lead_message', text: '<img src=x onerror="window.__xss=\'live\'">' }));
    await p.waitForFunction(() => window.__events.some((e) => e.name === 'guidance' && e.detail.source === 'live'), null, { timeout: 10000 });
    const a = await audit(p);
    assert.deepEqual(a.bad, []);
    assert.equal(a.xss, undefined);
    await p.screenshot({ path: artifactPath('security-02-xss-lead-profile.png') });
    await context.close();
  });
});

describe('no secrets reach the browser', () => {
  const SECRET_PATTERNS = [/sk_[A-Za-z0-9]{16,}/, /sk-ant-[A-Za-z0-9_-]{8,}/];

  function findSecrets(text) {
    const found = [];
    for (const [name, value] of [['secret key', sk], ['agent-token secret', secret], ['Anthropic key', ANTHROPIC_KEY]]) {
      if (value && text.includes(value)) found.push(name);
    }
    for (const re of SECRET_PATTERNS) if (re.test(text)) found.push(`pattern ${re}`);
    return found;
  }

  test('no served asset contains a secret', () => {
    const files = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    walk(webRoot);
    walk(join(root, 'web/streamlit/porchlight_streamlit/frontend'));
    assert.ok(files.length >= 10);
    for (const f of files) assert.deepEqual(findSecrets(readFileSync(f, 'latin1')), [], f);
  });

  test('no request, response or WebSocket frame carries a secret', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const log = [];
    const pending = [];
    const watch = (p) => {
      p.on('request', (r) => log.push({ kind: 'request', url: r.url(), text: `${r.url()}\n${JSON.stringify(r.headers())}\n${r.postData() ?? ''}` }));
      p.on('response', (r) => pending.push((async () => {
        let body = '';
        try {
          body = (await r.body()).toString('latin1');
        } catch { /* redirects and aborted streams have no body */ }
        const headers = await r.allHeaders().catch(() => r.headers());
        log.push({ kind: 'response', url: r.url(), text: `${JSON.stringify(headers)}\n${body}` });
      })()));
      p.on('websocket', (ws) => {
        ws.on('framesent', (f) => log.push({ kind: 'ws-sent', url: ws.url(), text: String(f.payload) }));
        ws.on('framereceived', (f) => log.push({ kind: 'ws-received', url: ws.url(), text: String(f.payload) }));
      });
    };
    const p = await context.newPage();
    watch(p);
    // The demo page: ask, feedback, live mode, reload.
    await p.goto(proxy.url + '/');
    await p.locator(`${W} textarea`).fill('My buyer wants to waive the inspection. What do I say?');
    await p.locator(`${W} textarea`).press('Enter');
    const feedback = p.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
    await p.locator(`${W} li.msg.assistant .fb button[data-rating=not_helpful]`).last().click();
    await feedback;
    await p.locator('#simulate-text').press('Enter');
    await p.locator(`${W} .card[data-source=live]`).first().waitFor({ timeout: 10000 });
    await p.reload();
    await p.locator(`${W} li.msg.assistant`).first().waitFor();
    // The dashboard: profiles and analytics.
    await p.locator('a.dash').click();
    await p.locator('#profiles tbody tr').first().waitFor();
    await p.locator('#tab-analytics').click();
    await p.locator('.kpi').first().waitFor();
    // A cross-origin host page.
    await p.goto(host.url + '/open');
    await p.waitForFunction(() => window.Porchlight?.version);
    await p.evaluate(() => window.Porchlight.ask('One more question from the CRM'));
    await p.waitForTimeout(300);
    await Promise.allSettled(pending);

    saveArtifact('security-traffic.json', JSON.stringify(log.map((e) => ({ kind: e.kind, url: e.url, bytes: e.text.length })), null, 1));
    assert.ok(log.filter((e) => e.kind === 'response').length > 20, 'traffic was recorded');
    assert.ok(log.some((e) => e.kind === 'ws-sent'), 'WebSocket frames were recorded');
    const leaks = log.map((e) => ({ kind: e.kind, url: e.url, found: findSecrets(e.text) })).filter((e) => e.found.length);
    assert.deepEqual(leaks, []);
    // The admin session cookie is HttpOnly: page script cannot read it.
    await p.goto(proxy.url + '/dashboard');
    assert.equal(await p.evaluate(() => document.cookie.includes('porchlight_admin')), false);
    await context.close();
  });
});
