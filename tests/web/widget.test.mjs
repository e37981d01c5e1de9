// The demo CRM page (served by `porchlight-proxy --demo`, what `npm start` shows) with the widget
// embedded by its script tag, in real headless Chromium against the proxy and the fake upstream:
// the badge at once while typing, the streamed answer, the server's confirmation and cards,
// history after a reload, feedback in the database and on the dashboard, the checklist ticking as
// facts change, live mode, keyboard use and a 320 px viewport. Screenshots go to $PORCHLIGHT_ARTIFACTS.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { pngFile } from '../support/images.mjs';
import { artifactPath, launchBrowser, requireBuilt, sql, startFake, startProxy, stopAll } from './env.mjs';

let fake;
let proxy;
let browser;
let context;
let page;
const pageErrors = [];

const W = 'porchlight-coach';

before(async () => {
  requireBuilt();
  fake = await startFake();
  await fake.defaults({ tokens_per_second: 80 });  // slow enough to see the answer arrive in pieces
  proxy = await startProxy({ upstreamUrl: fake.url });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await stopAll();
});


async function lastAnswerText() {
  return page.locator(`${W} li.msg.assistant .bubble`).last().textContent();
}

describe('the demo page', () => {
  test('shows the lead record and the widget with instant guidance', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .panel`).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#lead-name').textContent(), 'Jordan Lee');
    // The WASM core computes the checklist in the page: budget, motivation and the timeline are known.
    const checklist = page.locator(`${W} .card[data-type=qualification_checklist]`);
    await checklist.waitFor();
    assert.equal(await checklist.getAttribute('data-source'), 'preview');
    assert.equal(await checklist.locator('li[data-done=true]').count(), 3);
    assert.equal(await checklist.locator('li[data-id=location]').getAttribute('data-done'), 'false');
    assert.match(await checklist.locator('li[data-id=timeline]').textContent(), /months/, 'the timeline is read into months');
    // The demo agent is a novice: the next question comes word for word.
    assert.match(await page.locator(`${W} .card[data-type=next_best_action]`).textContent(), /Ask: "Where would you love to live/);
    await page.screenshot({ path: artifactPath('widget-01-demo-open.png') });
  });

  test('typing shows the routing badge at once; sending streams the answer; the server confirms', async () => {
    const input = page.locator(`${W} textarea`);
    await input.click();
    // Record, in the page, when the last keystroke happened and when the preview badge followed.
    await page.evaluate(() => {
      const ta = document.querySelector('porchlight-coach').shadowRoot.querySelector('textarea');
      window.__typing = { lastInput: 0, badges: [] };
      ta.addEventListener('input', () => { window.__typing.lastInput = performance.now(); });
      window.Porchlight.on('route', (e) => { if (e.source === 'preview') window.__typing.badges.push(performance.now()); });
    });
    await input.pressSequentially('The buyer says my commission is too high. How do I respond?', { delay: 15 });
    const badge = page.locator(`${W} .badge`);
    await page.waitForFunction(() => window.__typing.badges.at(-1) >= window.__typing.lastInput, null, { timeout: 2000 });
    const t = await page.evaluate(() => window.__typing);
    const lag = t.badges.at(-1) - t.lastInput;
    assert.ok(lag < 250, `the badge followed the last keystroke after ${lag.toFixed(1)} ms`);
    assert.equal(await badge.getAttribute('data-state'), 'preview');
    assert.equal(await badge.getAttribute('data-specialist'), 'objection_handling');
    assert.match(await badge.textContent(), /Preview.*Objection handling.*tier.*\$/);
    await page.screenshot({ path: artifactPath('widget-02-badge-preview.png') });

    // Watch the answer grow: several distinct renders before it completes.
    await page.evaluate(() => {
      window.__lengths = [];
      const log = document.querySelector('porchlight-coach').shadowRoot.querySelector('.log');
      new MutationObserver(() => {
        const b = log.querySelector('li.msg.assistant:last-child .bubble');
        if (b && b.textContent.length && window.__lengths.at(-1) !== b.textContent.length) window.__lengths.push(b.textContent.length);
      }).observe(log, { childList: true, subtree: true, characterData: true });
    });
    await input.press('Enter');
    await page.locator(`${W} li.msg.assistant.streaming`).waitFor();
    await page.screenshot({ path: artifactPath('widget-03-streaming.png') });
    await page.locator(`${W} li.msg.assistant .fb button[data-rating=helpful]`).last().waitFor({ timeout: 20000 });
    const lengths = await page.evaluate(() => window.__lengths);
    assert.ok(lengths.length >= 3, `the answer arrived in ${lengths.length} renders: ${lengths}`);
    assert.ok(lengths.every((n, i) => i === 0 || n > lengths[i - 1]), `renders only grow: ${lengths}`);
    const answer = await lastAnswerText();
    assert.ok(answer.length > 100, `a whole answer: ${answer}`);
    // Rendered Markdown, not raw markers.
    assert.ok(await page.locator(`${W} li.msg.assistant .bubble :is(strong, li, h3, h4, h5, blockquote)`).count() > 0);
    assert.doesNotMatch(answer, /\*\*/);
    // The server's route event confirmed the preview; its cards replaced the instant ones.
    assert.equal(await badge.getAttribute('data-state'), 'confirmed');
    assert.equal(await page.locator(`${W} .card[data-type=next_best_action]`).getAttribute('data-source'), 'server');
    assert.match(await page.locator(`${W} li.msg.assistant .meta`).last().textContent(), /claude-.*\$/);
    const requests = await fake.requests();
    const sent = requests.data ?? requests.requests ?? requests;
    assert.ok(JSON.stringify(sent).includes('commission is too high'), 'the question reached the upstream');
    await page.screenshot({ path: artifactPath('widget-04-answer.png') });
  });

  test('a reload shows the conversation from /v1/conversations/{id}/messages', async () => {
    const before = await page.evaluate(() => window.Porchlight.conversationId);
    assert.match(before, /^cv_[0-9a-f]{32}$/);
    const history = page.waitForResponse((r) => r.url().includes(`/v1/conversations/${before}/messages`) && r.status() === 200);
    await page.reload();
    await history;
    await page.locator(`${W} li.msg.user`).first().waitFor();
    assert.equal(await page.evaluate(() => window.Porchlight.conversationId), before);
    assert.match(await page.locator(`${W} li.msg.user .bubble`).first().textContent(), /commission is too high/);
    assert.ok((await lastAnswerText()).length > 100, 'the answer came back too');
    assert.equal(await page.locator(`${W} li.msg.assistant .fb button`).count(), 2, 'feedback buttons come back with the history');
    await page.screenshot({ path: artifactPath('widget-05-after-reload.png') });
  });

  test('feedback is stored in the database and shows on the dashboard', async () => {
    const helpful = page.locator(`${W} li.msg.assistant .fb button[data-rating=helpful]`).last();
    const saved = page.waitForResponse((r) => r.url().endsWith('/v1/feedback') && r.request().method() === 'POST');
    await helpful.click();
    assert.equal((await saved).status(), 200);
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelector('.fb button[data-rating=helpful]').getAttribute('aria-pressed') === 'true');
    const rows = sql(proxy.dbPath, "SELECT feedback, guidance_type, agent_id FROM agent_coaching_history WHERE location_id = 'loc_demo'");
    assert.deepEqual(rows, [{ feedback: 'helpful', guidance_type: 'objection_response', agent_id: 'demo-agent' }]);

    // The demo page links an admin sign-in link; the dashboard's analytics count the rating.
    await page.locator('a.dash').click();
    await page.waitForURL(/\/dashboard$/);
    await page.locator('#profiles tbody tr').first().waitFor();
    await page.locator('#tab-analytics').click();
    const kpi = page.locator('.kpi[data-kpi="Helpful (of rated)"] .v');
    await kpi.waitFor();
    await page.waitForFunction(() => document.querySelector('.kpi[data-kpi="Helpful (of rated)"] .v').textContent.includes('of 1'));
    assert.equal(await kpi.textContent(), '100% of 1');
    const table = await page.locator('#t-effectiveness table').textContent();
    assert.match(table, /Objection response · .*1.*1.*0.*100%/);
    await page.screenshot({ path: artifactPath('widget-06-dashboard-feedback.png'), fullPage: true });
    await page.goBack();
    await page.goBack();
  });

  test('a compliance risk in the question as typed is an alert card at once, and goes when the words do', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    const alert = page.locator(`${W} .card[data-type=compliance_alert][data-id=steering_question]`);
    await page.locator(`${W} textarea`).fill('buyer asks is it a safe neighborhood w good schools?');
    await alert.waitFor({ timeout: 3000 });
    assert.match(await alert.textContent(), /Fair housing/);
    assert.equal(await page.locator(`${W} .cards .card`).first().getAttribute('data-id'), 'steering_question', 'first');
    await page.locator(`${W} textarea`).fill('What should I ask a new buyer lead first?');
    await alert.waitFor({ state: 'detached', timeout: 3000 });
  });

  test('the checklist ticks as the CRM learns facts; contract stages list deadlines', async () => {
    await page.goto(proxy.url + '/');
    const item = page.locator(`${W} .card[data-type=qualification_checklist] li[data-id=location]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-done'), 'false');
    await page.fill('input[name=target_area]', 'Northside, near St. Mary\'s');
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelector('li[data-id=location]')?.dataset.done === 'true', null, { timeout: 3000 });
    assert.equal(await page.locator(`${W} li[data-id=location].ticked`).count(), 1, 'the new tick is animated');
    await page.selectOption('select[name=pre_approved]', 'true');
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelector('li[data-id=mortgage]')?.dataset.done === 'true');
    await page.screenshot({ path: artifactPath('widget-07-checklist-ticks.png') });

    await page.selectOption('#stage', 'under_contract');
    const closing = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    await page.fill('input[name=closing_date]', closing);
    const deadlines = page.locator(`${W} .card[data-type=deadlines]`);
    await deadlines.waitFor({ timeout: 3000 });
    const text = await deadlines.textContent();
    assert.match(text, /Closing Disclosure received by the buyer/);  // a pre-approved buyer: a mortgage TRID covers
    assert.match(text, new RegExp(closing));
    assert.match(await page.locator(`${W} .sub`).textContent(), /Under contract/);
    // With the acceptance date, the generic form's typical periods are dated but marked assumed.
    const effective = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    await page.fill('input[name=effective_date]', effective);
    const inspection = deadlines.locator('li[data-id=inspection]');
    await inspection.waitFor({ timeout: 3000 });
    assert.match(await inspection.textContent(), /assumed: check the contract/);
    assert.match(await inspection.locator('.item-label').getAttribute('title'), /ASSUMED.*inspection_days/);
    assert.match(await deadlines.textContent(), /ASSUMED dates: counted from typical periods/);
    // An item's caveat is read beside it.
    assert.match(await deadlines.locator('li[data-id=seller_disclosures] .note').textContent(), /State law sets what is disclosed/);
    await page.screenshot({ path: artifactPath('widget-08-deadlines.png') });
  });

  test('a showing booked without a signed buyer agreement puts a compliance alert first, with the words to say', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    await page.selectOption('select[name=buyer_agreement]', 'not signed');
    await page.fill('input[name=showing_date]', new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10));
    const alert = page.locator(`${W} .card[data-type=compliance_alert]`);
    await alert.waitFor({ timeout: 3000 });
    assert.equal(await page.locator(`${W} .cards > .card`).first().getAttribute('data-type'), 'compliance_alert');
    assert.equal(await alert.getAttribute('data-id'), 'touring_without_agreement');
    assert.match(await alert.textContent(), /Compliance/);
    assert.match(await alert.locator('.card-say').textContent(), /Before we see homes/);
    assert.match(await alert.locator('.card-mistakes').textContent(), /Common mistakes/);
    assert.equal(await page.locator(`${W} li[data-id=agreement]`).getAttribute('data-status'), 'problem');
    await page.screenshot({ path: artifactPath('widget-10-compliance-alert.png') });
  });

  test('facts the conversation states are proposed; accepting one adds it to the lead, and the page hears of it', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    await page.evaluate(() => {
      window.acceptedFacts = [];
      document.querySelector('porchlight-coach').addEventListener('porchlight:fact-accepted', (e) => window.acceptedFacts.push(e.detail));
    });
    await page.locator(`${W} textarea`).fill("She says they're pre-approved for 450 and need to move by June.");
    await page.keyboard.press('Enter');
    const proposed = page.locator(`${W} .card[data-type=proposed_facts]`);
    await proposed.waitFor({ timeout: 10000 });
    assert.match(await proposed.textContent(), /Nothing is saved until you accept it/);
    assert.equal(await page.locator(`${W} li[data-id=mortgage]`).getAttribute('data-done'), 'false', 'not written silently');
    await proposed.locator('li[data-fact=pre_approved] button.accept').click();
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelector('li[data-id=mortgage]')?.dataset.done === 'true', null, { timeout: 3000 });
    const accepted = await page.evaluate(() => window.acceptedFacts);
    assert.deepEqual(accepted.map((f) => [f.fact, f.value]), [['pre_approved', 'yes']]);
    assert.equal(await proposed.locator('li[data-fact=pre_approved]').count(), 0);
    await proposed.locator('li[data-fact=pre_approval_amount] button.dismiss-fact').click();
    await page.screenshot({ path: artifactPath('widget-11-proposed-facts.png') });
  });

  test('listing photos: picked, resized in the browser, sent as image blocks to the listing specialist', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card[data-type=qualification_checklist]`).waitFor();
    const before = (await fake.requests()).length;
    await page.locator(`${W} input[type=file]`).setInputFiles([
      { name: 'front.png', mimeType: 'image/png', buffer: pngFile(2400, 1600) },
      { name: 'kitchen.png', mimeType: 'image/png', buffer: pngFile(1200, 900) },
    ]);
    await page.locator(`${W} .photos .thumb`).nth(1).waitFor({ timeout: 5000 });
    await page.screenshot({ path: artifactPath('widget-12-photos.png') });
    // The page may show earlier answers of this lead's conversation: wait for one more.
    const answered = await page.locator(`${W} li.msg.assistant:not(.streaming)`).count();
    await page.locator(`${W} button.send`).click();  // no words: the photo question is asked
    await page.waitForFunction((n) => document.querySelector('porchlight-coach').shadowRoot
      .querySelectorAll('li.msg.assistant:not(.streaming)').length > n, answered, { timeout: 10000 });
    const sent = (await fake.requests()).slice(before).filter((q) => q.path === '/v1/messages' && JSON.stringify(q.body).includes('"image"')).at(-1).body;
    const images = sent.messages.at(-1).content.filter((b) => b.type === 'image');
    assert.equal(images.length, 2);
    assert.equal(images[0].source.media_type, 'image/jpeg');
    assert.ok(images[0].source.data.length < 400_000, 'resized in the browser');
    assert.match(sent.system[1].text, /^# Listing and Marketing/);
    assert.match(sent.messages.at(-1).content.at(-1).text, /Review these listing photos/);
    assert.equal(await page.locator(`${W} .photos .thumb`).count(), 0, 'the tray empties once sent');
  });

  test('live mode: a message from the lead brings cards over the WebSocket', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card`).first().waitFor();
    const ws = page.waitForEvent('websocket', (w) => w.url().endsWith('/v1/live'));
    await page.fill('#simulate-text', 'Can we see it Saturday? Do we really need a pre-approval first?');
    await page.click('#simulate button');
    await ws;
    const live = page.locator(`${W} .card[data-source=live][data-type=next_best_action]`);
    await live.waitFor({ timeout: 10000 });
    assert.ok((await live.locator('.card-suggestion').textContent()).length > 20, 'a suggestion for the lead\'s message');
    assert.equal(await page.locator(`${W} .live`).getAttribute('aria-pressed'), 'true');
    await page.screenshot({ path: artifactPath('widget-09-live.png') });
  });

  test('keyboard: the launcher opens the panel into the text box; Escape closes it back to the launcher', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .panel`).waitFor({ state: 'visible' });
    const active = () => page.evaluate(() => {
      const root = document.querySelector('porchlight-coach').shadowRoot;
      const a = root.activeElement;
      return a ? `${a.tagName.toLowerCase()}${a.className ? '.' + a.className : ''}` : document.activeElement?.tagName.toLowerCase();
    });
    await page.locator(`${W} textarea`).focus();
    await page.keyboard.press('Escape');
    await page.locator(`${W} .panel`).waitFor({ state: 'hidden' });
    assert.equal(await active(), 'button.launcher');
    assert.equal(await page.locator(`${W} .launcher`).getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('Enter');
    await page.locator(`${W} .panel`).waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot.activeElement?.tagName === 'TEXTAREA');
    // Tab order inside the panel reaches the send button and the feedback buttons.
    await page.keyboard.type('What should I ask next?');
    await page.keyboard.press('Tab');
    assert.equal(await active(), 'button.send');
  });

  test('usable at 320 px: the panel fills the screen with nothing cut off', async () => {
    const small = await context.newPage();
    await small.setViewportSize({ width: 320, height: 640 });
    await small.goto(proxy.url + '/');
    const panel = small.locator(`${W} .panel`);
    await panel.waitFor({ state: 'visible' });
    await small.locator(`${W} .card`).first().waitFor();
    const box = await panel.boundingBox();
    assert.ok(box.x >= 0 && box.width <= 320 && box.width >= 300, `panel box ${JSON.stringify(box)}`);
    const overflow = await small.evaluate(() => {
      const root = document.querySelector('porchlight-coach').shadowRoot;
      return [...root.querySelectorAll('.panel, .body, form, .card, .badge, header')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className);
    });
    assert.deepEqual(overflow, [], 'no part of the panel scrolls sideways');
    const send = await small.locator(`${W} .send`).boundingBox();
    assert.ok(send.x + send.width <= 320, 'the send button is on screen');
    await small.locator(`${W} textarea`).fill('How do I follow up after a showing?');
    const answers = await small.locator(`${W} li.msg.assistant .fb`).count();
    await small.locator(`${W} textarea`).press('Enter');
    await small.waitForFunction((n) => document.querySelector('porchlight-coach').shadowRoot.querySelectorAll('li.msg.assistant .fb').length > n,
      answers, { timeout: 20000 });
    await small.screenshot({ path: artifactPath('widget-10-320px.png') });
    await small.close();
  });

  test('a server decision that differs from the preview corrects the badge (the preview is never trusted)', async () => {
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card`).first().waitFor();
    // The proxy decides the same as the WASM core with one policy; play a proxy whose policy moved on.
    await page.route('**/v1/coach', async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).split('\n\n').map((block) => /^event: route$/m.test(block)
        ? block.replace('"specialist":"objection_handling"', '"specialist":"compliance"') : block).join('\n\n');
      assert.match(body, /"specialist":"compliance"/, 'the route event was rewritten');
      await route.fulfill({ response, body });
    });
    const input = page.locator(`${W} textarea`);
    await input.fill('The seller says my commission is too high. How do I respond?');
    const badge = page.locator(`${W} .badge`);
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot.querySelector('.badge').dataset.state === 'preview');
    assert.equal(await badge.getAttribute('data-specialist'), 'objection_handling');
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot.querySelector('.badge').dataset.state === 'corrected',
      null, { timeout: 20000 });
    assert.equal(await badge.getAttribute('data-specialist'), 'compliance');
    assert.match(await badge.textContent(), /Corrected by the server.*Compliance/);
    await page.locator(`${W} li.msg.assistant .fb button`).last().waitFor({ timeout: 20000 });
    await page.unroute('**/v1/coach');
    await page.screenshot({ path: artifactPath('widget-11-badge-corrected.png') });
  });

  test('a reload in the middle of an answer follows it from the stored part to its end', async () => {
    await fake.defaults({ tokens_per_second: 25 });
    await page.goto(proxy.url + '/');
    await page.locator(`${W} .card`).first().waitFor();
    const input = page.locator(`${W} textarea`);
    await input.fill('Walk me through every contingency deadline we have left on this contract.');
    await input.press('Enter');
    await page.waitForFunction(() => (document.querySelector('porchlight-coach').shadowRoot
      .querySelector('li.msg.assistant.streaming .bubble')?.textContent.length ?? 0) > 60, null, { timeout: 20000 });
    await page.waitForTimeout(400);  // the proxy stores a streaming answer every few hundred ms
    await page.reload();
    const last = page.locator(`${W} li.msg.assistant`).last();
    await last.locator('.fb button[data-rating=helpful]').waitFor({ timeout: 30000 });
    await fake.defaults({ tokens_per_second: 80 });
    const shown = await page.evaluate(() => [...document.querySelector('porchlight-coach').shadowRoot.querySelectorAll('li.msg.assistant')].at(-1).__view.text);
    const [stored] = sql(proxy.dbPath, "SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY created_at DESC, seq DESC LIMIT 1");
    assert.equal(stored.status, 'complete');
    assert.equal(shown, stored.content, 'the whole answer, with nothing repeated or missing');
    assert.equal(await last.locator('.error').count(), 0);
  });

  test('no page errors along the way', () => {
    assert.deepEqual(pageErrors, []);
  });
});
