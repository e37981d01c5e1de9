// The admin dashboard (/dashboard) in real Chromium against the proxy: sign-in by a 10-minute link,
// agent profile management (list, create, edit, delete) with the core's validation messages shown
// at once in the browser and the proxy's own errors when it refuses, and the analytics charts
// drawn from real coaching events and usage.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { admin, artifactPath, demoCredentials, launchBrowser, requireBuilt, sql, startFake, startProxy, stopAll } from './env.mjs';

let fake;
let proxy;
let browser;
let page;
const pageErrors = [];

const profileRow = (id) => sql(proxy.dbPath, 'SELECT id, name, role, experience, specializations FROM agent_profiles WHERE id = ?', [id])[0];

before(async () => {
  requireBuilt();
  fake = await startFake();
  proxy = await startProxy({ upstreamUrl: fake.url });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
});

async function signIn() {
  const link = admin(['admin-link', '--location', 'loc_demo', '--database-url', proxy.databaseUrl, '--public-url', proxy.url]);
  assert.match(link, /\/dashboard\/login\?location=loc_demo&token=/);
  await page.goto(link.startsWith('http') ? link : proxy.url + link);
  await page.waitForURL(/\/dashboard$/);
  await page.locator('#profiles tbody tr').first().waitFor();
}

async function openNew() {
  await page.click('#new-agent');
  await page.locator('#profile-form').waitFor({ state: 'visible' });
}

describe('agent profiles', () => {
  test('without a session the dashboard asks for a sign-in link and shows no data', async () => {
    await page.goto(proxy.url + '/dashboard');
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#profiles tbody tr').count(), 0);
    const r = await page.request.get(proxy.url + '/v1/profiles');
    assert.equal(r.status(), 401);
    assert.equal((await r.json()).error.type, 'authentication_error');
  });

  test('a sign-in link opens the list with the demo agent', async () => {
    await signIn();
    assert.match(await page.locator('tr[data-id=demo-agent]').textContent(), /Dana Whitfield.*Buyer agent/);
    assert.equal(await page.locator('#where').textContent(), 'Location loc_demo');
  });

  test('an empty form shows every field error at once, from the core in the browser', async () => {
    await openNew();
    await page.fill('#f-language', '');
    await page.click('#save');
    const summary = page.locator('#error-summary');
    await summary.waitFor({ state: 'visible' });
    const codes = await summary.locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.code));
    for (const code of ['profile.missing_id', 'profile.missing_name', 'profile.missing_role']) assert.ok(codes.includes(code), `codes: ${codes}`);
    assert.equal(await page.locator('#f-id').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-role').getAttribute('aria-invalid'), 'true');
    assert.notEqual(await page.locator('#e-name').textContent(), '');
    assert.equal(await page.locator('#validated-by').textContent(), 'Checked in your browser by the Porchlight core.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary', 'focus moves to the summary');
    // A summary link takes the keyboard to its field.
    await page.locator('#error-summary a[href="#f-id"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-id');
    await page.screenshot({ path: artifactPath('dashboard-01-validation.png'), fullPage: true });
  });

  test('a field is checked as it is typed', async () => {
    await page.fill('#f-id', 'bad id with spaces!');
    await page.waitForFunction(() => document.getElementById('e-id').textContent.length > 0);
    assert.match(await page.locator('#e-id').textContent(), /./);
    await page.fill('#f-id', 'agent-ana');
    await page.waitForFunction(() => document.getElementById('e-id').textContent === '');
    assert.equal(await page.locator('#f-id').getAttribute('aria-invalid'), null);
  });

  test('create: the new agent is listed and stored', async () => {
    await page.fill('#f-name', 'Ana Ortiz');
    await page.selectOption('#f-role', 'listing_agent');
    await page.selectOption('#f-experience', 'novice');
    await page.check('#spec-luxury');
    await page.check('#spec-relocation');
    await page.fill('#f-language', 'es');
    await page.click('#save');
    await page.locator('tr[data-id=agent-ana]').waitFor();
    assert.equal(await page.locator('#profile-form').isHidden(), true);
    assert.match(await page.locator('#status').textContent(), /Saved Ana Ortiz/);
    const row = profileRow('agent-ana');
    assert.equal(row.name, 'Ana Ortiz');
    assert.equal(row.role, 'listing_agent');
    assert.equal(row.experience, 'novice');
    assert.deepEqual(JSON.parse(row.specializations).sort(), ['luxury', 'relocation']);
  });

  test('the proxy\'s own refusal shows too: an id that is taken', async () => {
    await openNew();
    await page.fill('#f-id', 'agent-ana');
    await page.fill('#f-name', 'Another Ana');
    await page.selectOption('#f-role', 'buyer_agent');
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/profiles') && r.request().method() === 'POST');
    await page.click('#save');
    assert.equal((await answer).status(), 409);
    await page.locator('#error-summary li').first().waitFor();
    assert.equal(await page.locator('#validated-by').textContent(), 'The server refused this profile.');
    assert.equal(await page.locator('#f-id').getAttribute('aria-invalid'), 'true');
    assert.equal(profileRow('agent-ana').name, 'Ana Ortiz', 'the stored agent is untouched');
    await page.click('#cancel');
  });

  test('with the WASM core unavailable, the proxy validates with the same codes and messages', async () => {
    const blocked = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await blocked.route('**/porchlight-core*', (r) => r.abort());
    const p2 = await blocked.newPage();
    const link = admin(['admin-link', '--location', 'loc_demo', '--database-url', proxy.databaseUrl, '--public-url', proxy.url]);
    await p2.goto(link.startsWith('http') ? link : proxy.url + link);
    await p2.locator('#profiles tbody tr').first().waitFor();
    await p2.click('#new-agent');
    await p2.fill('#f-id', 'agent-zed');
    await p2.fill('#f-name', 'Zed');
    await p2.selectOption('#f-role', 'buyer_agent');
    await p2.fill('#f-language', 'not a language tag!');
    const answer = p2.waitForResponse((r) => r.url().endsWith('/v1/profiles') && r.request().method() === 'POST');
    await p2.click('#save');
    const body = await (await answer).json();
    assert.equal(body.error.type, 'invalid_request_error', JSON.stringify(body));
    await p2.locator('#e-language').filter({ hasText: /./ }).waitFor();
    assert.equal(await p2.locator('#validated-by').textContent(), 'The server refused this profile.');
    const serverMessage = body.error.errors.find((e) => /language/.test(e.path)).message;
    assert.equal(await p2.locator('#e-language').textContent(), serverMessage);
    assert.equal(profileRow('agent-zed'), undefined, 'nothing stored');
    // The same input, checked by the core in the other page, gives the same message.
    await openNew();
    await page.fill('#f-id', 'agent-zed');
    await page.fill('#f-name', 'Zed');
    await page.selectOption('#f-role', 'buyer_agent');
    await page.fill('#f-language', 'not a language tag!');
    await page.click('#save');
    await page.locator('#e-language').filter({ hasText: /./ }).waitFor();
    assert.equal(await page.locator('#e-language').textContent(), serverMessage);
    assert.equal(await page.locator('#validated-by').textContent(), 'Checked in your browser by the Porchlight core.');
    await page.click('#cancel');
    await blocked.close();
  });

  test('edit: a change is saved; the id cannot change', async () => {
    await page.click('tr[data-id=agent-ana] button:has-text("Edit")');
    await page.locator('#profile-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#form-title').textContent(), 'Edit Ana Ortiz');
    assert.equal(await page.locator('#f-id').getAttribute('readonly'), '');
    assert.equal(await page.locator('#f-name').inputValue(), 'Ana Ortiz');
    assert.equal(await page.locator('#spec-luxury').isChecked(), true);
    await page.selectOption('#f-experience', 'experienced');
    await page.uncheck('#spec-luxury');
    await page.click('#save');
    await page.locator('#profile-form').waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.querySelector('tr[data-id=agent-ana]').textContent.includes('Experienced'));
    const row = profileRow('agent-ana');
    assert.equal(row.experience, 'experienced');
    assert.deepEqual(JSON.parse(row.specializations), ['relocation']);
  });

  test('delete asks first; Keep keeps, Delete deletes', async () => {
    await page.click('tr[data-id=agent-ana] button:has-text("Delete")');
    await page.click('tr[data-id=agent-ana] button:has-text("Keep")');
    assert.ok(profileRow('agent-ana'), 'kept');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delete', 'focus returns to the trigger');
    await page.click('tr[data-id=agent-ana] button:has-text("Delete")');
    await page.click('tr[data-id=agent-ana] button:has-text("Delete Ana Ortiz")');
    await page.locator('tr[data-id=agent-ana]').waitFor({ state: 'detached' });
    assert.equal(profileRow('agent-ana'), undefined);
  });

  test('a hostile profile name is shown as text', async () => {
    const name = '<img src=x onerror="window.__pwned=1">';
    await openNew();
    await page.fill('#f-id', 'agent-x');
    await page.fill('#f-name', name);
    await page.selectOption('#f-role', 'team_lead');
    await page.click('#save');
    await page.locator('tr[data-id=agent-x]').waitFor();
    assert.equal(await page.locator('tr[data-id=agent-x] td').first().textContent(), name);
    assert.equal(await page.locator('#profiles img').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });
});

describe('analytics', () => {
  test('charts and tables from real coaching events and usage', async () => {
    // Some coaching through the API as the demo agent, one rated.
    const { token, key } = await demoCredentials(proxy.url);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-porchlight-agent-token': token, origin: proxy.url };
    let eventId;
    for (const query of ['What should I ask a new buyer lead first?', 'They said the price is too high, how do I respond?']) {
      const r = await fetch(proxy.url + '/v1/coach', { method: 'POST', headers, body: JSON.stringify({ query, lead: { id: 'lead-jordan-lee' } }) });
      assert.equal(r.status, 200);
      const text = await r.text();
      eventId ??= text.match(/"event_id":"(evt_[^"]+)"/)?.[1];
    }
    assert.match(eventId, /^evt_/);
    const fb = await fetch(proxy.url + '/v1/feedback', { method: 'POST', headers, body: JSON.stringify({ event_id: eventId, rating: 'not_helpful' }) });
    assert.equal(fb.status, 200);

    await page.click('#tab-analytics');
    await page.locator('#analytics').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('.kpi[data-kpi="Helpful (of rated)"] .v')?.textContent.includes('of 1'));
    assert.equal(await page.locator('.kpi[data-kpi="Helpful (of rated)"] .v').textContent(), '0% of 1');
    // Every chart drew something: non-background pixels on its canvas.
    const drawn = await page.evaluate(() => [...document.querySelectorAll('#analytics canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
      return { id: c.id, ink };
    }));
    assert.ok(drawn.length >= 3, `charts: ${JSON.stringify(drawn)}`);
    for (const c of drawn) assert.ok(c.ink > 500, `chart ${c.id} drew: ${c.ink} px`);
    // Each chart has its data as a table too (screen readers, copy-paste).
    assert.match(await page.locator('#t-usage table').textContent(), /demo-agent/);
    const latency = await page.locator('#analytics').textContent();
    assert.match(latency, /p99/);
    await page.screenshot({ path: artifactPath('dashboard-02-analytics.png'), fullPage: true });
  });

  test('a banner on every tab from 80% of a budget, naming who is over', async () => {
    assert.equal(await page.locator('#budget-banner').isHidden(), true, 'no budget, no banner');
    // The demo agent has spent a little above; a budget it has already passed, set as an admin would.
    const put = await page.evaluate(async () => (await fetch('/v1/settings', { method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-porchlight-csrf': '1' },
      body: JSON.stringify({ agent_budgets: { 'demo-agent': 0.000001 } }) })).status);
    assert.equal(put, 200);
    await page.reload();
    const banner = page.locator('#budget-banner');
    await banner.waitFor({ state: 'visible' });
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.match(await banner.textContent(), /Agent demo-agent: \d+% of \$/);
    assert.match(await banner.textContent(), /refused until the month ends/);
    assert.match(await banner.getAttribute('class'), /over/);
    await page.screenshot({ path: artifactPath('dashboard-03-budget-banner.png'), fullPage: true });
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
