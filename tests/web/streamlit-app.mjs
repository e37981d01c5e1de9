// streamlit-app.mjs: the Streamlit component in real Streamlit. `streamlit run
// web/streamlit/example_app.py` (.venv's Streamlit, with the package installed there as
// scripts/python-env installs it) runs headless on a free port, against the real proxy (--demo)
// and the fake upstream, and Chromium drives the app as an agent would. streamlit-v1.test.mjs and
// streamlit-v2.test.mjs run these checks on each of Streamlit's component APIs (the example app
// picks one through PORCHLIGHT_STREAMLIT_COMPONENT_API): one Streamlit server per file.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startListening } from '../support/processes.mjs';
import { artifactPath, demoPublishableKey, demoSecret, freePort, launchBrowser, requireBuilt, root, sql, startFake, startProxy,
  stopAll } from './env.mjs';

const streamlitBin = join(root, '.venv/bin/streamlit');
const exampleApp = join(root, 'web/streamlit/example_app.py');

/** The example app on its own origin, with the settings a team would export; returns its URL. */
async function startApp(api, proxy) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = {
    PORCHLIGHT_URL: proxy.url,
    PORCHLIGHT_PUBLISHABLE_KEY: demoPublishableKey(proxy, url),
    PORCHLIGHT_LOCATION_ID: 'loc_demo',
    PORCHLIGHT_AGENT_TOKEN_SECRET: demoSecret(proxy.dbPath),
    PORCHLIGHT_STREAMLIT_COMPONENT_API: api,
  };
  const server = await startListening(streamlitBin, ['run', exampleApp, '--server.headless', 'true', '--server.address', '127.0.0.1',
    '--server.port', String(port), '--browser.gatherUsageStats', 'false', '--server.fileWatcherType', 'none'],
  { name: 'streamlit', env: settings, pattern: /URL: http:\/\/([\d.]+):(\d+)/, timeoutMs: 60000 });
  return { url, settings, server };
}

export function testComponentApi(api) {
  let fake, proxy, app, browser, page;
  let coach;  // where the coach's elements are: the v1 iframe, or the page (v2; locators pierce shadow roots)
  const pageErrors = [];
  const frames = [];  // what Streamlit's server sent the browser over its WebSocket
  const sent = [];    // what the browser sent Streamlit's server (a rerun carries the widgets' values)
  const inApp = (text) => page.locator('[data-testid=stMainBlockContainer]').getByText(text, { exact: false });
  const coachElement = () => coach.locator('porchlight-coach');

  before(async () => {
    requireBuilt();
    fake = await startFake();
    await fake.defaults({ tokens_per_second: 120 });  // slow enough to see the answer grow
    proxy = await startProxy({ upstreamUrl: fake.url });
    app = await startApp(api, proxy);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 }, colorScheme: 'light' });
    await context.clock.install();  // time flows as usual until a test jumps it forward
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => frames.push(Buffer.from(f.payload)));
      ws.on('framesent', (f) => sent.push(Buffer.from(f.payload).toString('latin1')));
    });
    await page.goto(app.url + '/');
    coach = api === 'v1' ? page.frameLocator('iframe[title="porchlight_streamlit.porchlight_coach"]') : page;
  });

  after(async () => {
    await browser?.close();
    await stopAll();
  });

  describe(`porchlight_coach() in Streamlit, component API ${api}`, () => {
    test('the coach renders in the app, mounted through the API asked for', async () => {
      await coach.locator('porchlight-coach .card[data-type=qualification_checklist]').waitFor({ timeout: 30000 });
      const iframes = await page.locator('iframe').count();
      const mounted = await page.locator('[data-testid=stBidiComponentIsolated]').count();
      if (api === 'v1') assert.deepEqual([iframes, mounted], [1, 0], 'an iframe');
      else assert.deepEqual([iframes, mounted], [0, 1], 'in the page, in a shadow root');
      // The WASM core ran in the browser: the checklist from the lead's facts, before any answer.
      await coach.locator('porchlight-coach .card[data-type=qualification_checklist] li[data-id=motivation][data-done=true]').waitFor();
      await page.screenshot({ path: artifactPath(`streamlit-${api}-01-rendered.png`) });
    });

    test('the location\'s secret never reaches the browser, only a short-lived token', async () => {
      const secret = app.settings.PORCHLIGHT_AGENT_TOKEN_SECRET;
      const received = Buffer.concat(frames).toString('latin1');
      assert.ok(received.includes('agent_token'), 'the component\'s arguments came over the WebSocket');
      assert.ok(!received.includes(secret), 'the secret is not among them');
      assert.ok(!(await page.content()).includes(secret));
    });

    test('its height fits its content', async () => {
      const outer = await page.locator(api === 'v1' ? 'iframe' : '[data-testid=stBidiComponentIsolated]').boundingBox();
      const inner = await coachElement().evaluate((el) => el.parentElement.getBoundingClientRect().height);
      assert.equal(inner, 640, 'the coach is as tall as porchlight_coach(height=640) says');
      assert.ok(Math.abs(outer.height - inner) <= 1, `the ${api === 'v1' ? 'iframe' : 'component'} is ${outer.height} px for ${inner} px`);
    });

    test('the routing badge appears as the agent types', async () => {
      await coach.locator('porchlight-coach textarea').fill('They think the price is too high for the area. What do I say?');
      const badge = coach.locator('porchlight-coach .badge[data-state=preview]');
      await badge.waitFor({ timeout: 5000 });
      assert.equal(await badge.getAttribute('data-specialist'), 'objection_handling');
      assert.match(await badge.textContent(), /Preview.*Objection handling/);
    });

    test('the answer streams in; the value Python gets is what the app shows', async () => {
      await coachElement().evaluate((el) => {
        const log = el.shadowRoot.querySelector('.log');
        el.lengths = [];
        new MutationObserver(() => {
          const n = log.querySelector('li.msg.assistant:last-child .bubble')?.textContent.length ?? 0;
          if (n && el.lengths.at(-1) !== n) el.lengths.push(n);
        }).observe(log, { childList: true, subtree: true, characterData: true });
      });
      await coach.locator('porchlight-coach textarea').press('Enter');
      await coach.locator('porchlight-coach li.msg.assistant .fb button[data-rating=helpful]').last().waitFor({ timeout: 20000 });
      const lengths = await coachElement().evaluate((el) => el.lengths);
      assert.ok(lengths.length >= 3 && lengths.every((n, i) => i === 0 || n > lengths[i - 1]), `the answer grew: ${lengths}`);
      // The server's cards in the coach, and the same cards in the app, through the value.
      const suggestion = (await coach.locator('porchlight-coach .card[data-type=next_best_action][data-source=server] p').first().textContent()).trim();
      const score = (await coach.locator('porchlight-coach .card[data-type=qualification_checklist]').textContent()).match(/score (\d+)/)[1];
      await inApp("From the coach's answer").waitFor({ timeout: 10000 });
      await inApp(suggestion).first().waitFor();
      await inApp(`Checklist score ${score}`).waitFor();
      const stored = sql(proxy.dbPath, "SELECT m.role, m.status FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.lead_id = 'lead-jordan-lee' ORDER BY m.seq");
      assert.deepEqual(stored.map((m) => `${m.role}:${m.status}`).slice(-2), ['user:complete', 'assistant:complete']);
      await page.screenshot({ path: artifactPath(`streamlit-${api}-02-answer.png`) });
    });

    test('feedback reaches Python and the proxy', async () => {
      await coach.locator('porchlight-coach li.msg.assistant .fb button[data-rating=helpful]').last().click();
      await inApp('Feedback recorded: helpful').waitFor({ timeout: 10000 });
      const rows = sql(proxy.dbPath, "SELECT feedback FROM agent_coaching_history WHERE feedback = 'helpful'");
      assert.equal(rows.length, 1);
    });

    test('a rerun keeps the coach and its conversation, and brings the new facts', async () => {
      await coachElement().evaluate((el) => { el.mountedBefore = true; });
      const area = page.getByLabel('Target area');
      await area.fill('near St. Mary\'s hospital');
      await area.press('Enter');  // Streamlit reruns the script with the new value
      await coach.locator('porchlight-coach .card[data-type=qualification_checklist] li[data-id=location][data-done=true]').waitFor({ timeout: 10000 });
      assert.equal(await coachElement().evaluate((el) => el.mountedBefore), true, 'the same coach, not a new one');
      assert.equal(await coach.locator('porchlight-coach li.msg.user').count(), 1, 'the conversation is still on screen');
      assert.equal(await coach.locator('porchlight-coach li.msg.assistant .fb button[data-rating=helpful][aria-pressed=true]').count(), 1);
    });

    test('the theme follows Streamlit\'s, light and then dark', async () => {
      const appColors = () => page.locator('[data-testid=stApp]').evaluate((el) => {
        const s = getComputedStyle(el);
        return { background: s.backgroundColor, text: s.color };
      });
      const coachColors = () => coachElement().evaluate((el) => {
        const panel = getComputedStyle(el.shadowRoot.querySelector('.panel'));
        return { background: panel.backgroundColor, text: panel.color, base: el.parentElement.dataset.base };
      });
      const light = await appColors();
      assert.deepEqual(await coachColors(), { ...light, base: 'light' });
      // Streamlit follows the system's setting unless the app sets a theme: the agent's OS turns dark.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForFunction((bg) => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor !== bg, light.background);
      const dark = await appColors();
      await coach.locator('porchlight-coach').evaluate((el, bg) => new Promise((resolve) => {
        const poll = () => getComputedStyle(el.shadowRoot.querySelector('.panel')).backgroundColor === bg ? resolve() : setTimeout(poll, 50);
        poll();
      }), dark.background);
      assert.deepEqual(await coachColors(), { ...dark, base: 'dark' });
      await page.screenshot({ path: artifactPath(`streamlit-${api}-03-dark.png`) });
      await page.emulateMedia({ colorScheme: 'light' });
    });

    test('live mode: the agent\'s Live button holds across reruns, and live cards come back as the value', async () => {
      const sockets = [];
      page.on('websocket', (ws) => { if (ws.url().endsWith('/v1/live')) sockets.push(ws); });
      await coach.locator('porchlight-coach button.live').click();
      await coach.locator('porchlight-coach button.live[aria-pressed=true]').waitFor();
      await page.getByLabel('Pre-approved').check({ force: true });  // a rerun with a new fact
      await inApp('From live mode').waitFor({ timeout: 15000 });
      assert.equal(await coach.locator('porchlight-coach button.live').getAttribute('aria-pressed'), 'true');
      assert.equal(sockets.length, 1, `one live socket, not ${sockets.length}`);
    });

    test('the same lead is the same conversation in the CRM widget', async () => {
      const crm = await browser.newPage();
      await crm.goto(proxy.url + '/');  // the demo CRM page: the same agent and lead, through the script tag
      await crm.locator('porchlight-coach li.msg.user', { hasText: 'too high for the area' }).waitFor({ timeout: 15000 });
      await crm.close();
    });

    test('a page left open: before its agent token expires, the component asks Python for a rerun, once', async () => {
      const asked = () => sent.filter((f) => f.includes('token_expires_at')).length;
      assert.equal(asked(), 0);
      await page.clock.fastForward('57:00');  // the laptop's lid was closed for 57 minutes (tokens live 60)
      const deadline = Date.now() + 10000;
      while (asked() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(asked(), 1, 'the value asked for a rerun');
      // Python's token cache, on the server's clock, gives the same token back: no rerun loop.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(asked(), 1, 'asked once per token');
      await coach.locator('porchlight-coach textarea').fill('Still here?');
      await coach.locator('porchlight-coach .badge[data-state=preview]').waitFor();
    });

    if (api === 'v1') {
      test('Streamlit disables the component when it loses its server', async () => {
        app.server.kill('SIGTERM');
        await coach.locator('porchlight-coach textarea[disabled]').waitFor({ timeout: 20000 });
      });
    }

    test('no page errors', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
