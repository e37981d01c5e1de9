// Accessibility: an axe-core scan (WCAG 2.x A and AA rules, shadow DOM included) of everything a
// person sees: the demo CRM page with the widget open and answering, the widget at 320 px, the
// dashboard's profile form with errors and its analytics, and the Streamlit component. Any serious
// or critical violation fails; every report is kept as a test artifact.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { admin, demoCredentials, launchBrowser, requireBuilt, saveArtifact, startFake, startProxy, stopAll } from './env.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const W = 'porchlight-coach';
let fake;
let proxy;
let browser;

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 1000 });
  proxy = await startProxy({ upstreamUrl: fake.url });
  browser = await launchBrowser();
});

// axe is injected as a script: the pages' own CSP (script-src 'self') would block it.
const open = async (viewport) => (await browser.newContext({ viewport, bypassCSP: true })).newPage();

after(async () => {
  await browser?.close();
  await stopAll();
});

/** Runs axe in `target` (a page or a frame) and fails on serious or critical violations. */
async function scan(target, name) {
  await target.addScriptTag({ path: axePath });
  const result = await target.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    resultTypes: ['violations'],
  }));
  const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })) }));
  saveArtifact(`axe-${name}.json`, JSON.stringify({ url: target.url(), violations }, null, 2));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`), [],
    `${name}: see test-artifacts/axe-${name}.json`);
  return violations;
}

describe('axe-core finds no serious violations', () => {
  test('the demo page with the widget open, answering, with feedback given', async () => {
    const page = await open({ width: 1280, height: 860 });
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    await page.locator(`${W} textarea`).fill('How do I explain the written buyer agreement before the first tour?');
    await page.locator(`${W} textarea`).press('Enter');
    await page.locator(`${W} li.msg.assistant .fb button[data-rating=helpful]`).last().waitFor({ timeout: 20000 });
    await page.locator(`${W} li.msg.assistant .fb button[data-rating=helpful]`).last().click();
    await scan(page, 'demo-widget-open');
    // The widget closed: the launcher alone.
    await page.evaluate(() => window.Porchlight.close());
    await page.locator(`${W} .panel`).waitFor({ state: 'hidden' });
    await scan(page, 'demo-widget-closed');
    await page.context().close();
  });

  test('the widget at 320 px', async () => {
    const page = await open({ width: 320, height: 640 });
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card`).first().waitFor();
    await scan(page, 'widget-320px');
    await page.context().close();
  });

  test('the dashboard: profiles with form errors, and analytics', async () => {
    const page = await open({ width: 1280, height: 900 });
    const link = admin(['admin-link', '--location', 'loc_demo', '--database-url', proxy.databaseUrl, '--public-url', proxy.url]);
    await page.goto(link.startsWith('http') ? link : proxy.url + link);
    await page.locator('#profiles tbody tr').first().waitFor();
    await page.click('#new-agent');
    await page.click('#save');
    await page.locator('#error-summary').waitFor({ state: 'visible' });
    await scan(page, 'dashboard-profiles');
    await page.click('#tab-analytics');
    await page.locator('#analytics canvas').first().waitFor();
    await page.waitForTimeout(300);  // charts finish their first draw
    await scan(page, 'dashboard-analytics');
    await page.context().close();
  });

  test('the Streamlit component frontend (as the proxy serves it)', async () => {
    const page = await open({ width: 760, height: 760 });
    await page.goto(proxy.url + '/web/streamlit/index.html');
    const { key, token } = await demoCredentials(proxy.url);
    // The render message Streamlit sends a v1 component (web/streamlit/src/v1.ts has the protocol).
    await page.evaluate(({ url, key, token }) => window.postMessage({ type: 'streamlit:render', dfs: [], disabled: false,
      args: { proxy_url: url, publishable_key: key, agent_token: token, lead: { id: 'lead-a11y', name: 'Sam Park', facts: { budget: '$500k' } },
        height: 600, default: null, key: null },
      theme: { base: 'light', primaryColor: '#ff4b4b', backgroundColor: '#ffffff', secondaryBackgroundColor: '#f0f2f6', textColor: '#31333f', font: 'sans-serif' } }, '*'),
    { url: proxy.url, key, token });
    await page.locator(`${W} .card`).first().waitFor({ timeout: 15000 });
    await scan(page, 'streamlit-component');
    await page.context().close();
  });
});
