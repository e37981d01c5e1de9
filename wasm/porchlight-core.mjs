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

// Requests are encoded straight into the module's request buffer and answers decoded from a view
// of its memory, valid until the next call, with the platform's TextEncoder and TextDecoder
// (Embind's own string conversions go a character at a time).
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// undefined, functions, BigInt, cycles: '' has no JSON form either, and the core says so (request.malformed_json).
function requestText(value) {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function call(raw, fn, value) {
  const text = requestText(value);
  let length;
  if (typeof text !== 'string') {
    length = text.length;
    raw.requestBuffer(length).set(text);
  } else if (!wellFormed(text)) {
    return invalidUtf8;
  } else if (text.length <= 1 << 20) {
    length = encoder.encodeInto(text, raw.requestBuffer(text.length * 3)).written;  // <= 3 bytes per UTF-16 unit
  } else {  // outsized (the core refuses it): only as many bytes as it takes
    const bytes = encoder.encode(text);
    length = bytes.length;
    raw.requestBuffer(length).set(bytes);
  }
  return decoder.decode(fn(length));
}

export default async function createCore(options = {}) {
  const raw = await createCoreRaw(await loadOptions(options));
  return Object.freeze({
    version: () => decoder.decode(raw.version()),
    loadPolicy: (request) => call(raw, raw.loadPolicy, request),
    validateProfile: (request) => call(raw, raw.validateProfile, request),
    route: (request) => call(raw, raw.route, request),
    buildPrompt: (request) => call(raw, raw.buildPrompt, request),
    fitContext: (request) => call(raw, raw.fitContext, request),
    estimateCost: (request) => call(raw, raw.estimateCost, request),
    guidanceCards: (request) => call(raw, raw.guidanceCards, request),
    offlineAnswer: (request) => call(raw, raw.offlineAnswer, request),
    qualify: (request) => call(raw, raw.qualify, request),
    extractFacts: (request) => call(raw, raw.extractFacts, request),
    contractTimeline: (request) => call(raw, raw.contractTimeline, request),
    assignVariant: (request) => call(raw, raw.assignVariant, request),
  });
}
