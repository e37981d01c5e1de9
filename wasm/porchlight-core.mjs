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

const invalidUtf8 = JSON.stringify({ error: {
  code: 'request.invalid_utf8', message: 'input is not valid UTF-8; send JSON encoded as UTF-8', path: '',
  errors: [{ code: 'request.invalid_utf8', message: 'input is not valid UTF-8; send JSON encoded as UTF-8', path: '' }],
} });

// A JS string with a lone surrogate has no UTF-8 form; Emscripten would mangle it, so it is
// refused here with the error the core gives for invalid bytes.
const wellFormed = String.prototype.isWellFormed
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

function call(fn, value) {
  const text = typeof value === 'string' || value instanceof Uint8Array ? value : JSON.stringify(value);
  if (typeof text === 'string' && !wellFormed(text)) return invalidUtf8;
  return fn(text);
}

export default async function createCore(options = {}) {
  const raw = await createCoreRaw(await loadOptions(options));
  return Object.freeze({
    version: () => raw.version(),
    validateProfile: (request) => call(raw.validateProfile, request),
    route: (request) => call(raw.route, request),
    buildPrompt: (request) => call(raw.buildPrompt, request),
    fitContext: (request) => call(raw.fitContext, request),
    estimateCost: (request) => call(raw.estimateCost, request),
    guidanceCards: (request) => call(raw.guidanceCards, request),
    offlineAnswer: (request) => call(raw.offlineAnswer, request),
  });
}
