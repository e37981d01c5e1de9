// A compound request in the widget, in real Chromium: with router v2 on (--policy-dir), the demo
// page's question that needs two specialists shows each step under the answer as it runs
// ("preparing…", then "ready"), then the synthesized answer streams in beside them; the page's
// core adopts the proxy's policy after first paint, so its preview decides as the proxy does.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { artifactPath, launchBrowser, requireBuilt, root, sql, startFake, startProxy, stopAll } from './env.mjs';

const W = 'porchlight-coach';
let fake, proxy, browser, page;
const pageErrors = [];

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 60 });  // each step takes a couple of seconds: long enough to see it run
  const policy = mkdtempSync(join(tmpdir(), 'porchlight-policy-'));
  const routing = JSON.parse(readFileSync(join(root, 'core/data/routing.json'), 'utf8'));
  routing.learned.enabled = true;
  writeFileSync(join(policy, 'routing.json'), JSON.stringify(routing));
  proxy = await startProxy({ upstreamUrl: fake.url, args: ['--policy-dir', policy] });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
});

test('the steps of a compound request show as they run, then the answer', async () => {
  await page.goto(proxy.url + '/');
  const input = page.locator(`${W} textarea`);
  await input.waitFor({ state: 'visible' });
  // After first paint the page's core adopts the proxy's policy, its files kept by version.
  const served = await (await fetch(proxy.url + '/v1/policy?files=0')).json();
  await page.waitForFunction((key) => localStorage.getItem(key), `porchlight:policy:${served.core_version}`, { timeout: 10000 });
  await input.fill('comps for 12 Oak St and how do I answer her commission pushback');
  await input.press('Enter');

  const steps = page.locator(`${W} li.msg.assistant ol.steps li`);
  await page.locator(`${W} li.msg.assistant ol.steps li[data-status=running]`).first().waitFor({ timeout: 10000 });
  await page.screenshot({ path: artifactPath('widget-plans-01-steps-running.png') });
  const running = await steps.allTextContents();
  assert.equal(running.length, 2, `two steps: ${running}`);
  assert.ok(running.some((t) => /Market analysis/i.test(t)) && running.some((t) => /Objection handling/i.test(t)), running.join(' | '));
  assert.ok(running.every((t) => /preparing/.test(t)), running.join(' | '));
  assert.equal(await page.locator(`${W} ol.steps`).getAttribute('aria-label'), 'Steps of this answer');

  await page.locator(`${W} li.msg.assistant .fb button[data-rating=helpful]`).last().waitFor({ timeout: 30000 });
  assert.deepEqual(await steps.evaluateAll((els) => els.map((e) => e.dataset.status)), ['done', 'done']);
  assert.ok((await steps.allTextContents()).every((t) => /: ready$/.test(t)));
  const answer = await page.locator(`${W} li.msg.assistant .bubble`).last().textContent();
  assert.ok(answer.length > 100, `the synthesized answer: ${answer}`);
  // The synthesis (the third call) is what streamed: it carried both steps' notes.
  const sent = (await fake.requests()).filter((q) => q.path === '/v1/messages');
  assert.equal(sent.length, 3);
  assert.match(sent.at(-1).body.system.at(-1).text, /## Notes on market analysis[\s\S]*## Notes on objection handling|## Notes on objection handling[\s\S]*## Notes on market analysis/);
  // The cost under the answer is the whole turn's: the steps' and the synthesis's.
  const shown = Number((await page.locator(`${W} li.msg.assistant .meta`).last().textContent()).match(/\$([\d.]+)/)[1]);
  let ledger;  // written in batches: wait for the three calls' rows
  for (const end = Date.now() + 8000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const [row] = sql(proxy.dbPath, "SELECT count(*) AS n, sum(cost_usd) AS total FROM usage_ledger WHERE kind IN ('coach', 'coach_step')");
    if (row.n === 3) { ledger = row.total; break; }
  }
  assert.ok(Math.abs(shown - ledger) < 0.00015, `shown ${shown}, ledger ${ledger}`);
  await page.screenshot({ path: artifactPath('widget-plans-02-answer.png') });

  // The browser's core decided with the proxy's policy (router v2's weights too): the badge
  // confirms the decision with no "policy differs"; one version of the files is kept.
  const badge = page.locator(`${W} .badge`);
  assert.equal(await badge.getAttribute('data-state'), 'confirmed');
  assert.doesNotMatch(await badge.textContent(), /policy differs/);
  const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('porchlight:policy:')));
  assert.deepEqual(kept, [`porchlight:policy:${served.core_version}`]);
  assert.deepEqual(pageErrors, []);
});
