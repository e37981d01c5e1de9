// bench/core (WASM in Node): route + buildPrompt per call through the public JS module (JSON text
// in and out, encoded and decoded at the boundary), and the module's size raw and gzipped. Prints
// BENCH lines. The same calls inside WebAssembly, without the JS boundary, are
// build/wasm/bin/porchlight-bench-core.cjs (core_wasm_*).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

const root = new URL('../..', import.meta.url).pathname;
const wasmDir = process.env.PORCHLIGHT_WASM ?? join(root, 'build/wasm/wasm');
const { default: createCore } = await import(pathToFileURL(join(wasmDir, 'porchlight-core.mjs')).href);
const core = await createCore();
const request = readFileSync(join(root, 'bench/core/request.json'), 'utf8');

function measure(name, iterations, fn) {
  for (let i = 0; i < iterations / 10; i++) fn();
  const us = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  us.sort();
  console.log(`BENCH ${name}_p50=${us[Math.floor(iterations / 2)].toFixed(2)} us`);
  console.log(`BENCH ${name}_p99=${us[Math.floor(iterations * 0.99)].toFixed(2)} us`);
}

let sink = 0;
// buildPrompt routes too: its answer carries the decision ("route") beside the request.
measure('core_wasm_js_route_plus_prompt', 20000, () => { sink += core.buildPrompt(request).length; });
measure('core_wasm_js_route_then_prompt', 20000, () => {
  sink += core.route(request).length + core.buildPrompt(request).length;
});
measure('core_wasm_js_route', 50000, () => { sink += core.route(request).length; });
const wasm = readFileSync(join(wasmDir, 'porchlight-core.wasm'));
console.log(`BENCH core_wasm_size_raw=${(statSync(join(wasmDir, 'porchlight-core.wasm')).size / 1024).toFixed(1)} KB`);
console.log(`BENCH core_wasm_size_gzip=${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(1)} KB`);
if (sink === 0) process.exit(1);
