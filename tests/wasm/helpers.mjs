// Where the built artifacts are, and how to run them. Paths come from the environment so the same
// tests run against build trees and against dist/:
//   PORCHLIGHT_BIN       native programs (default build/native/bin)
//   PORCHLIGHT_ASAN_BIN  the same built with ASan + UBSan (optional; scripts/test sets it)
//   PORCHLIGHT_WASM      porchlight-core.mjs and .wasm (default build/wasm/wasm)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { binDir, root } from '../support/paths.mjs';

export { binDir, root };
export const asanBinDir = process.env.PORCHLIGHT_ASAN_BIN;
export const wasmDir = process.env.PORCHLIGHT_WASM ?? join(root, 'build/wasm/wasm');
// The CLI built to WebAssembly for Node: the WASM side for functions the module leaves out
// (evaluateExperiment, planExperiment: the proxy decides, the browser follows).
export const wasmCli = process.env.PORCHLIGHT_WASM_CLI ?? join(wasmDir, '../bin/porchlight.cjs');

export async function loadCore() {
  const { default: createCore } = await import(pathToFileURL(join(wasmDir, 'porchlight-core.mjs')).href);
  return createCore();
}

// Native builds to compare against: optimized, and ASan/UBSan when available.
export function nativeBuilds() {
  const builds = [{ name: 'native', bin: join(binDir, 'porchlight') }];
  if (asanBinDir) builds.push({ name: 'native-asan', bin: join(asanBinDir, 'porchlight') });
  return builds;
}

// Runs JSONL corpus lines through a native CLI (or, with `node`, the WASM one); one answer per line.
export function runNativeCorpus(bin, lines, { node = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'porchlight-corpus-'));
  const file = join(dir, 'corpus.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const [cmd, args] = node ? [process.execPath, [bin, 'corpus', file]] : [bin, ['corpus', file]];
  const out = execFileSync(cmd, args, { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' });
  return out.split('\n').slice(0, -1);
}

export const fnName = { version: 'version', route: 'route', buildPrompt: 'buildPrompt',
  fitContext: 'fitContext', estimateCost: 'estimateCost', validateProfile: 'validateProfile' };
