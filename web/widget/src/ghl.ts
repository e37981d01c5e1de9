// ghl.ts: sign-in from inside GoHighLevel, so a location needs no backend of its own to mint agent
// tokens. GoHighLevel hands the page the signed-in user's context, encrypted with the app's shared
// secret; the proxy (POST /v1/auth/ghl), which holds the secret, answers with the location's
// publishable key and an agent token. Two ways in (docs/ghl.md):
//   Custom JS (on GoHighLevel's own pages):  await window.exposeSessionDetails(APP_ID)
//   a marketplace Custom Page (an iframe):    postMessage REQUEST_USER_DATA to the parent, then
//                                             the REQUEST_USER_DATA_RESPONSE message's payload

export interface GhlCredentials {
  key: string;
  agent_token: string;
  agent_id: string;
  location_id: string;
  lead_id?: string;
  expires_at: number;
}

/** The encrypted user context, by whichever way this page has. */
export async function ghlUserPayload(appId: string, timeoutMs = 10_000): Promise<string> {
  const expose = (window as any).exposeSessionDetails;
  if (typeof expose === 'function') {
    const payload = await expose(appId);
    if (typeof payload === 'string' && payload) return payload;
    throw new Error('exposeSessionDetails gave no user context (is APP_ID the app\'s id?)');
  }
  if (window.parent === window) throw new Error('not inside GoHighLevel: no exposeSessionDetails and no parent window');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      window.removeEventListener('message', onMessage);
      reject(new Error('GoHighLevel did not answer REQUEST_USER_DATA'));
    }, timeoutMs);
    function onMessage(e: MessageEvent): void {
      if (e.source !== window.parent || e.data?.message !== 'REQUEST_USER_DATA_RESPONSE') return;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      if (typeof e.data.payload === 'string' && e.data.payload) resolve(e.data.payload);
      else reject(new Error('REQUEST_USER_DATA_RESPONSE carried no payload'));
    }
    window.addEventListener('message', onMessage);
    window.parent.postMessage({ message: 'REQUEST_USER_DATA' }, '*');
  });
}

/** The contact a GoHighLevel page shows (…/contacts/detail/{id}), if any. */
export function contactOnPage(href: string = location.href): string | undefined {
  const m = /\/contacts\/detail\/([A-Za-z0-9_.:-]{1,64})/.exec(href);
  return m?.[1];
}

/** Signs in with the user context; the token is bound to `leadId` when given. */
export async function ghlSignIn(apiBase: string, appId: string, leadId?: string): Promise<GhlCredentials> {
  const payload = await ghlUserPayload(appId);
  const r = await fetch(`${apiBase}/v1/auth/ghl`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'omit', mode: 'cors', cache: 'no-store',
    body: JSON.stringify(leadId ? { payload, lead_id: leadId } : { payload }),
  });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(body?.error?.message ?? `sign-in from GoHighLevel failed (HTTP ${r.status})`);
  return body as GhlCredentials;
}

/** Calls `onChange` when GoHighLevel's single-page app moves to another contact. */
export function watchContact(onChange: (contactId: string | undefined) => void): () => void {
  let last = contactOnPage();
  const check = () => {
    const now = contactOnPage();
    if (now !== last) {
      last = now;
      onChange(now);
    }
  };
  const timer = setInterval(check, 1000);  // pushState does not fire an event
  window.addEventListener('popstate', check);
  return () => {
    clearInterval(timer);
    window.removeEventListener('popstate', check);
  };
}
