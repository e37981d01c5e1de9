// secrets.mjs: every credential a test hands out or is given (API keys, agent-token secrets,
// agent tokens, the upstream key), so that the proxies' output can be checked for them: no
// secret may reach a log line at any level (the proxies that tests start log at debug).
const secrets = new Map();  // secret -> what it is

export function rememberSecret(value, what) {
  if (typeof value === 'string' && value.length >= 12) secrets.set(value, what);
  return value;
}

// What of the remembered secrets `text` holds, by kind (never the secret itself).
export function leakedSecrets(text) {
  const found = [];
  for (const [value, what] of secrets) if (text.includes(value)) found.push(what);
  return found;
}
