// porchlight-core.mjs: the Porchlight core in WebAssembly, for browsers and Node >= 20.
//
//   import createCore from './porchlight-core.mjs';
//   const core = await createCore();
//   const decision = JSON.parse(core.route(JSON.stringify({ query, profile })));
//
// Every function takes a JSON string (or an object, which is stringified, or UTF-8 bytes as a
// Uint8Array) and returns a JSON string. Errors come back as {"error": {code, message, path}}.
import createCoreRaw from './porchlight-core-raw.mjs';

const wasmUrl = new URL('./porchlight-core.wasm', import.meta.url);
const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

async function loadOptions(options) {
  if (options.wasmBinary || options.instantiateWasm) return options;
  if (isNode) {
    // Emscripten 3.1.6's own Node loading breaks inside ES modules; hand it the bytes instead.
    const { readFile } = await import(/* webpackIgnore: true */ 'node:fs/promises');
    return { ...options, wasmBinary: await readFile(wasmUrl) };
  }
  const url = options.wasmUrl ?? wasmUrl;
  return {
    ...options,
    instantiateWasm(imports, done) {
      WebAssembly.instantiateStreaming(fetch(url, { credentials: 'same-origin' }), imports)
        .then((r) => done(r.instance, r.module))
        .catch((err) => { throw err; });
      return {};
    },
  };
}

function input(value) {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}

export default async function createCore(options = {}) {
  const raw = await createCoreRaw(await loadOptions(options));
  return Object.freeze({
    version: () => raw.version(),
    validateProfile: (request) => raw.validateProfile(input(request)),
    route: (request) => raw.route(input(request)),
    buildPrompt: (request) => raw.buildPrompt(input(request)),
    fitContext: (request) => raw.fitContext(input(request)),
    estimateCost: (request) => raw.estimateCost(input(request)),
  });
}
