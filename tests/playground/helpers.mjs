// helpers.mjs: what the playground tests share: the binaries, running the playground, the fake
// upstream, temporary folders, and a small PNG reader (to check a screenshot is not blank).
// Paths, processes and scratch folders are tests/support/'s.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { artifacts, binary, binDir, fakeBin, root, tempDir } from '../support/paths.mjs';
import * as processes from '../support/processes.mjs';

export { tempDir };

export const REPO = root;
export const BIN_DIR = binDir;
export const PLAYGROUND = binary('porchlight-playground');
export const SCENARIOS = path.join(REPO, 'tests/playground/scenarios');
export const ARTIFACTS = artifacts;

export function scenarioFile(name) {
  return path.join(SCENARIOS, name);
}

// Runs the playground to completion. A missing binary fails the test (it is never skipped).
export function run(args, { env = {}, timeout = 60_000, command = PLAYGROUND, prefix = [] } = {}) {
  assert.ok(fs.existsSync(PLAYGROUND), `${PLAYGROUND} is missing: build it (npm run build)`);
  const r = spawnSync(command, [...prefix, ...args], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// --dump and parse; asserts the exit status first so a failure shows stderr.
export function dump(args, { status = 0, env } = {}) {
  const r = run([...args, '--dump'], { env });
  assert.equal(r.status, status, `exit ${r.status} (signal ${r.signal}), stderr:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

// A copy of core/data to edit: what a developer does before loading it with --policy.
// `v1: true` switches router v2 off in the copy, for tests that edit router v1's tables (keywords,
// default tiers): those decide only while v2 is off.
export function policyCopy({ v1 = false } = {}) {
  const dir = path.join(tempDir('playground-policy-'), 'data');
  fs.cpSync(path.join(REPO, 'core/data'), dir, { recursive: true });
  if (v1) {
    const file = path.join(dir, 'routing.json');
    const routing = JSON.parse(fs.readFileSync(file, 'utf8'));
    routing.learned.enabled = false;
    fs.writeFileSync(file, JSON.stringify(routing, null, 2));
  }
  return dir;
}

// The fake upstream; control(method, route, body) asserts that it answered 200.
export async function startFake() {
  assert.ok(fs.existsSync(fakeBin), `${fakeBin} is missing: build it`);
  const fake = await processes.startFake();
  const control = async (method, route, body) => {
    const res = await fake.request(method, route, body);
    assert.equal(res.status, 200, `${method} ${route}`);
    return res.json();
  };
  return { url: fake.url, stop: fake.stop, control };
}

// Runs the playground in the background (for tests that talk to the fake meanwhile).
export function runAsync(args, { env = {}, command = PLAYGROUND, prefix = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out; stderr:\n${stderr}`)); }, 90_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
}

// ---- PNG ----------------------------------------------------------------------------------------
// Enough of PNG to read what stb_image_write produces: 8-bit RGB or RGBA, no interlacing.
export function readPng(file) {
  const data = fs.readFileSync(file);
  assert.deepEqual([...data.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < data.length) {
    const length = data.readUInt32BE(pos);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const body = data.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth');
      assert.equal(body[12], 0, 'not interlaced');
      channels = { 2: 3, 6: 4 }[body[9]];
      assert.ok(channels, `color type ${body[9]}`);
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = up[x];
      const c = x >= channels ? up[x - channels] : 0;
      let p;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: assert.fail(`PNG filter ${filter}`);
      }
      out[x] = (src[x] + p) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

export function distinctColors(png, limit = 10_000) {
  const seen = new Set();
  for (let i = 0; i < png.pixels.length && seen.size < limit; i += png.channels)
    seen.add((png.pixels[i] << 16) | (png.pixels[i + 1] << 8) | png.pixels[i + 2]);
  return seen.size;
}
