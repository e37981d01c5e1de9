// processes.mjs: the built programs as tests and benches run them: the proxy, the fake Anthropic
// upstream and the admin command line. No node:test here (bench scripts use it too): every child
// is killed by stopProcesses(), which test files call from after(), and at the latest when this
// process exits. The proxies log at debug unless told otherwise, and stopProcesses() fails when
// any of them printed a secret that tests/support/secrets.mjs knows of.
import { execFileSync, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { createServer } from 'node:net';
import { fakeBin, proxyBin } from './paths.mjs';
import { leakedSecrets, rememberSecret } from './secrets.mjs';

const children = new Set();
const proxies = [];  // every proxy started, for the secrets check
export function stopProcesses() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  const leaks = proxies.flatMap((p) => leakedSecrets(p.output()).map((what) => `${what} in the output of proxy ${p.pid}`));
  proxies.length = 0;
  if (leaks.length) throw new Error(`a secret reached the proxy's log: ${[...new Set(leaks)].join('; ')}`);
}
process.on('exit', stopProcesses);

// Runs a program to its end without blocking this process, and resolves with { status, stdout,
// stderr } (status null and signal set when it was killed, e.g. at `timeoutMs`). Use it, never
// spawnSync, while a proxy started here is running: the proxy logs to a pipe that this process
// must keep draining, and a synchronous wait lets the pipe fill and the proxy stall mid-request.
export function runToEnd(bin, args, { cwd, env = {}, timeoutMs = 0 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    child.on('error', (error) => { clearTimeout(timer); resolve({ status: null, signal: null, error, stdout, stderr }); });
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
}

const LISTENING = /listening on (?:http:\/\/)?([\d.]+):(\d+)/;

// Starts a program and resolves with its child process once its output matches `pattern` (its
// first two groups: host and port), with child.url set; child.output() is all it printed so far
// and child.exited its exit ({code, signal}) once it has exited.
export function startListening(bin, args, { env = {}, name = basename(bin), pattern = LISTENING, timeoutMs = 20000 } = {}) {
  return new Promise((resolveChild, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.output = () => out;
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${timeoutMs / 1000} s: ${out}`)), timeoutMs);
    const onData = (d) => {
      out += d;
      if (process.env.PORCHLIGHT_DEBUG) process.stderr.write(d);
      const m = out.match(pattern);
      if (m && !child.url) {
        child.url = `http://${m[1]}:${m[2]}`;
        clearTimeout(timer);
        resolveChild(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${bin} (build it: npm run build): ${e.message}`)); });
    child.on('exit', (code, signal) => {
      children.delete(child);
      child.exited = { code, signal };
      if (!child.url) { clearTimeout(timer); reject(new Error(`${name} exited (${code ?? signal}): ${out}`)); }
    });
  });
}

// A port free a moment ago, for a program that must know its port before it starts.
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

// porchlight-fake-anthropic on a free port, with its control API (tests/fakes/anthropic/README.md).
export async function startFake({ args = [] } = {}) {
  const child = await startListening(fakeBin, ['--listen', '127.0.0.1:0', ...args], { name: 'fake upstream' });
  const request = (method, path, body) => fetch(child.url + path, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const control = async (path, body) => (await request(body === undefined ? 'GET' : 'POST', path, body)).json();
  return {
    url: child.url,
    process: child,
    request,
    script: (behaviours) => control('/_fake/script', behaviours),
    defaults: (behaviour) => control('/_fake/defaults', behaviour),
    reset: () => control('/_fake/reset', {}),
    requests: () => control('/_fake/requests'),
    stats: () => control('/_fake/stats'),
    stop: () => child.kill('SIGKILL'),
  };
}

// porchlight-proxy on `listen` (port 0: any free one). With an upstream URL it gets `apiKey` as
// ANTHROPIC_API_KEY; without one it answers from the offline playbooks. It logs at `logLevel`
// (debug: every line a request can cause; null: the proxy's own default).
export async function startProxy({ databaseUrl, redisUrl, upstreamUrl, apiKey = 'sk-ant-test-key-0123456789', listen = '127.0.0.1:0',
  threads = 2, args = [], env = {}, logLevel = 'debug' } = {}) {
  const argv = ['--listen', listen, '--database-url', databaseUrl, '--threads', String(threads), ...args];
  if (logLevel && !args.includes('--log-level')) argv.push('--log-level', logLevel);
  rememberSecret(apiKey, 'the Anthropic API key');
  if (redisUrl) argv.push('--redis-url', redisUrl);
  if (upstreamUrl) argv.push('--upstream-url', upstreamUrl);
  const child = await startListening(proxyBin, argv, {
    name: 'porchlight-proxy',
    env: { ANTHROPIC_API_KEY: upstreamUrl ? apiKey : '', ...env },
  });
  proxies.push(child);
  return { url: child.url, process: child, stop: () => child.kill('SIGTERM'), kill9: () => child.kill('SIGKILL') };
}

// The proxy's command line (migrate, locations, keys, tokens); returns what it printed on stdout.
export function admin(args, env = {}) {
  return execFileSync(proxyBin, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
