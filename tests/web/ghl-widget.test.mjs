// The widget inside GoHighLevel, in Chromium: a contact's page whose Custom JS gives the encrypted
// user context (window.exposeSessionDetails, the payload made with crypto-js as GoHighLevel makes
// it); the widget signs in with it (no key or token in the page), takes the contact the URL shows
// as its lead, and shows the live card when that lead texts, pushed from a signed webhook.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CONTACT_ID, LOCATION_ID, USER_ID, loadFixture, makeKeys, sendWebhook, ssoPayload } from '../support/ghl.mjs';
import { launchBrowser, requireBuilt, startFake, startProxy, startStatic, stopAll } from './env.mjs';

const SECRET = 'ghl-widget-shared-secret-5d1c';
const APP_ID = '6650f1c2b3a4d5e6f7a8b9c0';
const keys = makeKeys();
let fake, proxy, host, browser;

const send = (name, overrides) => sendWebhook(proxy.url, JSON.stringify(loadFixture(name, overrides)), { ed25519Key: keys.ed25519.privateKey });

const payloadFor = (userId) => ssoPayload({ userId, companyId: 'Gx9tJ2kLmN4pQ6rS8tUv', role: 'user', type: 'location',
  userName: 'Dana Whitfield', email: 'dana@example.com', activeLocation: LOCATION_ID }, SECRET);

// GoHighLevel's contact page, with its Custom JS: the app's user context and the widget's tag.
function contactPage(contactId) {
  const payload = payloadFor(USER_ID);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contact</title></head><body>
<main><h1>Marcus Reyes</h1></main>
<script>window.exposeSessionDetails = async (appId) => appId === ${JSON.stringify(APP_ID)} ? ${JSON.stringify(payload)} : '';</script>
<script src="${proxy.url}/porchlight.js" data-ghl-app-id="${APP_ID}" data-open async></script>
</body></html>`;
}

before(async () => {
  requireBuilt();
  fake = await startFake();
  host = await startStatic({
    // A marketplace Custom Page: GoHighLevel's frame answers the page's REQUEST_USER_DATA.
    '/custom-page/frame': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><title>GoHighLevel</title></head><body>
<iframe title="Porchlight" src="/custom-page/app" style="width:800px;height:600px"></iframe>
<script>window.requests = 0;
addEventListener('message', (e) => {
  if (e.data?.message !== 'REQUEST_USER_DATA') return;
  window.requests++;
  e.source.postMessage({ message: 'REQUEST_USER_DATA_RESPONSE', payload: ${JSON.stringify(payloadFor(USER_ID))} }, '*');
});</script></body></html>`);
    },
    '/custom-page/app': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><title>App</title></head><body>
<script src="${proxy.url}/porchlight.js" data-ghl-app-id="${APP_ID}" data-open async></script></body></html>`);
    },
    // The same page with a context that does not decrypt (tampered, or another app's secret).
    '/tampered/': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(contactPage(CONTACT_ID)
        .replace(/window\.exposeSessionDetails = async \(appId\) => [^;]+;/, "window.exposeSessionDetails = async () => 'U2FsdGVkX19ub3RyZWFsbHk=';"));
    },
    '/v2/location/': (req, res, url) => {
      const contact = url.pathname.match(/\/contacts\/detail\/([A-Za-z0-9]+)/)?.[1] ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(contactPage(contact));
    },
  });
  proxy = await startProxy({ upstreamUrl: fake.url, demo: false, env: { GHL_APP_SHARED_SECRET: SECRET },
    args: ['--ghl-webhook-public-key', keys.ed25519.publicPem, '--ghl-origin', host.url] });
  for (const name of ['INSTALL', 'ContactCreate']) assert.equal((await send(name)).status, 200);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
});

describe('the widget inside GoHighLevel', () => {
  test('signs in from the user context, follows the contact shown, and shows the card when the lead texts', async () => {
    const page = await browser.newPage();
    const errors = [];
    // (A new lead has no history yet: the widget's read of it is a 404 it expects.)
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    await page.goto(`${host.url}/v2/location/${LOCATION_ID}/contacts/detail/${CONTACT_ID}`);
    await page.waitForFunction(() => window.Porchlight?.getLead?.()?.id, null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => window.Porchlight.getLead().id), CONTACT_ID);
    // Live mode is on inside GoHighLevel by itself: wait for the socket, then the lead texts.
    await page.waitForFunction(() => window.Porchlight.isLive(), null, { timeout: 15000 });
    const pushed = page.evaluate(() => new Promise((resolve) => window.Porchlight.on('live-push', resolve)));
    assert.equal((await send('InboundMessage')).status, 200);
    const push = await pushed;
    assert.equal(push.lead_id, CONTACT_ID);
    assert.equal(push.lead_name, 'Marcus Reyes');
    await page.waitForFunction(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelector('[data-source="live"][data-type="next_best_action"]'), null, { timeout: 10000 });
    const announced = await page.evaluate(() => document.querySelector('porchlight-coach').shadowRoot.textContent);
    assert.match(announced, /Marcus Reyes wrote \(SMS\)/);
    // The widget acknowledged the card: the page reloaded (a new socket) does not get it again.
    await new Promise((r) => setTimeout(r, 300));  // the acknowledgement is written with other small writes
    await page.reload();
    await page.waitForFunction(() => window.Porchlight?.isLive?.(), null, { timeout: 15000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await page.evaluate(() => document.querySelector('porchlight-coach').shadowRoot
      .querySelectorAll('[data-source="live"]').length), 0, 'an acknowledged card is not pushed again');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a page whose user context does not decrypt gets no widget, and says why', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${host.url}/tampered/v2/location/${LOCATION_ID}/contacts/detail/${CONTACT_ID}`);
    await page.waitForFunction(() => false, null, { timeout: 3000 }).catch(() => {});
    assert.equal(await page.evaluate(() => !!document.querySelector('porchlight-coach')), false);
    assert.ok(errors.some((e) => /sign-in from GoHighLevel failed/.test(e)), errors.join('\n'));
    await page.close();
  });

  test('in a Custom Page (an iframe), the widget asks its parent for the user context and signs in', async () => {
    const page = await browser.newPage();
    await page.goto(`${host.url}/custom-page/frame`);
    const frame = page.frames().find((f) => f.url().endsWith('/custom-page/app'));
    await frame.waitForFunction(() => window.Porchlight?.version && document.querySelector('porchlight-coach'), null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => window.requests), 1);
    // Signed in: live mode (on by itself inside GoHighLevel) gets a socket the proxy accepts.
    await frame.waitForFunction(() => window.Porchlight.isLive(), null, { timeout: 15000 });
    await page.close();
  });
});
