// The test CRM page's own script: records every widget event for the tests to inspect.
window.__events = [];
window.__xss = undefined;
window.addEventListener('porchlight:ready', (e) => {
  const p = e.detail;
  for (const name of ['ready', 'open', 'close', 'route', 'guidance', 'token', 'answer', 'feedback', 'error', 'live', 'policy']) {
    p.on(name, (detail) => window.__events.push({ name, detail: JSON.parse(JSON.stringify(detail ?? null)), at: performance.now() }));
  }
});
