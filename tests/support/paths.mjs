// paths.mjs: where the repository, its built programs and the tests' keepsakes are, for every
// Node suite and bench script. From the environment, relative paths against the repository:
//   PORCHLIGHT_BIN        native programs (default build/native/bin)
//   PORCHLIGHT_ARTIFACTS  screenshots, page dumps and logs that tests keep (default test-artifacts)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(new URL('../..', import.meta.url).pathname);
export const binDir = resolve(root, process.env.PORCHLIGHT_BIN ?? 'build/native/bin');
export const artifacts = resolve(root, process.env.PORCHLIGHT_ARTIFACTS ?? 'test-artifacts');

export const binary = (name) => join(binDir, name);
export const proxyBin = binary('porchlight-proxy');
export const fakeBin = binary('porchlight-fake-anthropic');

// A scratch folder of this process's own, removed when it exits.
const scratch = [];
process.on('exit', () => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }); });
export function tempDir(prefix = 'porchlight-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
