// web/build.mjs: builds everything the proxy serves to browsers into dist/web (run by scripts/build
// after it has copied the WASM core there; `node web/build.mjs` alone works once the core is built).
//
//   dist/web/porchlight.js            the script-tag widget (one minified IIFE, no dependencies)
//   dist/web/porchlight-core*.{mjs,wasm}  the WASM core the widget loads on first need
//   dist/web/streamlit/               the Streamlit component frontend, both APIs (also copied into the Python
//                                     package: web/streamlit/porchlight_streamlit/frontend/)
//   dist/web/dashboard/               the admin dashboard (served at /dashboard)
//   dist/web/demo/                    the demo CRM page (served at / with --demo)
//   *.gz beside each of them           what the proxy sends to browsers that accept gzip
//
// Prints each artifact's size and the widget's gzipped total (JS + WASM), which has a budget.

import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const web = join(root, 'web');
const out = join(root, 'dist/web');
const wasmDir = process.env.PORCHLIGHT_WASM ?? join(root, 'build/wasm/wasm');
// 150 KB until the qualification orchestrator (2026.12): its rules and words (checklists, stages,
// five contract forms, the extractor) and the new playbook content are data the browser's core
// decides with, about 60 KB gzipped with their code. The core still loads on first use (the
// launcher's hover or focus), not with the page: the page pays only porchlight.js.
// 244 KB from router v2 (2026.12, issue 17): its decision code is about 11 KB gzipped, of which
// 7 KB was won back by taking nlohmann's serializer (and with it printf) out of the core; its
// weights are not in the first load. Still to win back: strtod's 128-bit float code, the JSON DOM.
// 245 KB from compound plans (issue 17): the widget lists a plan's steps as they run, and the
// briefs are policy data (routing.json "plans", in every core so the versions agree): 1 KB.
// 246 KB from router v2 on by default (2026-12-05): version() says which router decides, the
// widget fetches v2's weights after first paint when its core has none, and a checklist problem
// says how the lead may still be reached (ask_by, an opt-out's): 0.6 KB together.
// 248 KB from a trainer's review of the playbooks (2026-12-05, late): the generic contract form's
// periods marked as assumed, consent read with its negatives, earnest money disputes, insurance,
// property taxes, unrepresented buyers and the buyer's share of broker pay: 2.2 KB, mostly text.
// The way back toward 150 KB: a browser core without the prompt texts (playbooks are 31 KB
// gzipped and only buildPrompt and offlineAnswer read them), then the JSON DOM and strtod.
// 235 KB from link-time optimization of the WebAssembly build (2026-12-05, late): 232.9 KB, 15 KB
// less, and the budget follows it down so the room is not spent unnoticed.
// 238 KB from compliance checks on what is said (2026-12-05, late): six problems' texts (fair
// housing, source of income, disclosure, RESPA, wire fraud, off-MLS) and the checks, 4.1 KB.
// 241 KB from a trainer's second review (2026-12-05): how the next question may be asked when a lead
// opted out of one channel and prefers another, open-ended buyer-agreement pay, payment apps, and
// reworded steering, fraud, disclosure and referral-fee phrases (English and Spanish): 3.5 KB, data.
const BUDGET_KB = 241;

mkdirSync(out, { recursive: true });

// The core: scripts/build copies the wrapper and the .wasm; the wrapper imports the raw module too.
for (const f of ['porchlight-core.mjs', 'porchlight-core-raw.mjs', 'porchlight-core.wasm']) {
  const src = join(wasmDir, f);
  if (existsSync(src) && (!existsSync(join(out, f)) || statSync(src).mtimeMs > statSync(join(out, f)).mtimeMs)) copyFileSync(src, join(out, f));
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
const widget = ['porchlight.js', 'porchlight-core.mjs', 'porchlight-core-raw.mjs', 'porchlight-core.wasm'].map((f) => statSync(join(out, `${f}.gz`)).size);
const total = widget.reduce((a, b) => a + b, 0);
console.log(`web/build: widget JS + WASM, gzipped: ${kb(total)} KB (budget ${BUDGET_KB} KB)`);
if (total > BUDGET_KB * 1024) {
  console.error(`web/build: the widget is over its ${BUDGET_KB} KB budget`);
  process.exit(1);
}
