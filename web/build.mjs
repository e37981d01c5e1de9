// web/build.mjs: builds everything the proxy serves to browsers into dist/web (run by scripts/build
// after it has copied the WASM core there; `node web/build.mjs` alone works once the core is built).
//
//   dist/web/porchlight.js            the script-tag widget (one minified IIFE, no dependencies)
//   dist/web/porchlight-core*.{mjs,wasm}  the WASM core for Node and integrators (the whole API, core/data embedded)
//   dist/web/porchlight-web-core*.{mjs,wasm}  the widget's core, loaded on first need: its functions only,
//                                     no embedded data (the proxy's policy comes after first paint)
//   dist/web/streamlit/               the Streamlit component frontend, both APIs (also copied into the Python
//                                     package: web/streamlit/porchlight_streamlit/frontend/)
//   dist/web/dashboard/               the admin dashboard (served at /dashboard)
//   dist/web/demo/                    the demo CRM page (served at / with --demo)
//   *.gz beside each of them           what the proxy sends to browsers that accept gzip
//
// Prints each artifact's size and the widget's gzipped total (JS + WASM), which has a budget.

import { build, transformSync } from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const web = join(root, 'web');
const out = join(root, 'dist/web');
const wasmDir = process.env.PORCHLIGHT_WASM ?? join(root, 'build/wasm/wasm');
// The widget's first load: porchlight.js and the widget's core (porchlight-web-core.*), which
// embeds no policy: core/data and router v2's weights come from the proxy after first paint, kept
// by version (issue 17: at most 150 KB, the weights at most 64 KB after first paint). It grew to
// 246 KB in 2026.12 while the browser's core carried the policy (the checklists, contract forms,
// playbooks and their growing content, about 90 KB gzipped with the code only the prompt needs);
// the widget's own module (its five functions, no data, plain C exports instead of Embind, its JS
// minified) brought it to 146 KB (2026-12-05). New policy content no longer counts here.
const BUDGET_KB = 150;

mkdirSync(out, { recursive: true });

// The core: scripts/build copies the wrapper and the .wasm; the wrapper imports the raw module too.
// The widget's core JS (the wrapper and Emscripten's glue) is minified: 2.6 KB less of its first load.
const minified = new Set(['porchlight-web-core.mjs', 'porchlight-web-core-raw.mjs']);
for (const f of ['porchlight-core.mjs', 'porchlight-core-raw.mjs', 'porchlight-core.wasm',
  'porchlight-web-core.mjs', 'porchlight-web-core-raw.mjs', 'porchlight-web-core.wasm']) {
  const src = join(wasmDir, f);
  if (existsSync(src) && (!existsSync(join(out, f)) || statSync(src).mtimeMs > statSync(join(out, f)).mtimeMs)) {
    if (minified.has(f)) writeFileSync(join(out, f), transformSync(readFileSync(src, 'utf8'), { minify: true, format: 'esm', legalComments: 'none' }).code);
    else copyFileSync(src, join(out, f));
  }
  if (!existsSync(join(out, f))) {
    console.error(`web/build: ${f} is missing; build the WASM core first (npm run build)`);
    process.exit(1);
  }
}

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['chrome100', 'firefox100', 'safari15.4'],
  logLevel: 'warning',
  charset: 'utf8',
};

await Promise.all([
  build({ ...common, entryPoints: [join(web, 'widget/src/index.ts')], outfile: join(out, 'porchlight.js'), format: 'iife' }),
  // The Streamlit component: the v1 iframe's script, and the ES module st.components.v2 imports.
  build({ ...common, entryPoints: [join(web, 'streamlit/src/v1.ts')], outfile: join(out, 'streamlit/coach-v1.js'), format: 'iife' }),
  build({ ...common, entryPoints: [join(web, 'streamlit/src/v2.ts')], outfile: join(out, 'streamlit/coach-v2.js'), format: 'esm' }),
  build({ ...common, entryPoints: [join(web, 'dashboard/src/main.ts')], outfile: join(out, 'dashboard/dashboard.js'), format: 'iife' }),
  build({ ...common, entryPoints: [join(web, 'demo/src/demo.ts')], outfile: join(out, 'demo/demo.js'), format: 'iife' }),
]);

// Static files next to the bundles.
const statics = [
  ['streamlit/frontend', 'streamlit'],
  ['dashboard/static', 'dashboard'],
  ['demo/static', 'demo'],
];
for (const [from, to] of statics) cpSync(join(web, from), join(out, to), { recursive: true });

// The Python package ships the same frontend (v1: declare_component(path=...frontend); v2: the
// package's component manifest, porchlight_streamlit/pyproject.toml, names it as the asset_dir).
const pkgFrontend = join(web, 'streamlit/porchlight_streamlit/frontend');
rmSync(pkgFrontend, { recursive: true, force: true });
cpSync(join(out, 'streamlit'), pkgFrontend, { recursive: true, filter: (f) => !f.endsWith('.gz') });

// Sizes.
const kb = (n) => (n / 1024).toFixed(1);
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
}
// Each asset also gets a .gz beside it, which the proxy sends to browsers that accept gzip.
for (const f of walk(out).filter((f) => /\.(js|mjs|wasm|css|html)$/.test(f)).sort()) {
  const packed = gzipSync(readFileSync(f), { level: 9 });
  writeFileSync(`${f}.gz`, packed);
  console.log(`web/build: ${relative(root, f).padEnd(42)} ${kb(statSync(f).size).padStart(7)} KB  (${kb(packed.length)} KB gzip)`);
}
const widget = ['porchlight.js', 'porchlight-web-core.mjs', 'porchlight-web-core-raw.mjs', 'porchlight-web-core.wasm'].map((f) => statSync(join(out, `${f}.gz`)).size);
const total = widget.reduce((a, b) => a + b, 0);
console.log(`web/build: widget JS + WASM, gzipped: ${kb(total)} KB (budget ${BUDGET_KB} KB)`);
if (total > BUDGET_KB * 1024) {
  console.error(`web/build: the widget is over its ${BUDGET_KB} KB budget`);
  process.exit(1);
}
