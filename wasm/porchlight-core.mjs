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
// of its memory, valid until the next call, with the platform's TextEncoder and TextDecoder.
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

// A view of the module's request buffer, at least `capacity` bytes (the memory may have grown).
function requestView(raw, capacity) {
  const at = raw._pl_request_buffer(capacity);
  return raw.HEAPU8.subarray(at, at + capacity);
}

function call(raw, fn, value) {
  const text = requestText(value);
  let length;
  if (typeof text !== 'string') {
    length = text.length;
    requestView(raw, length).set(text);
  } else if (!wellFormed(text)) {
    return invalidUtf8;
  } else if (text.length <= 1 << 20) {
    length = encoder.encodeInto(text, requestView(raw, text.length * 3)).written;  // <= 3 bytes per UTF-16 unit
  } else {  // outsized (the core refuses it): only as many bytes as it takes
    const bytes = encoder.encode(text);
    length = bytes.length;
    requestView(raw, length).set(bytes);
  }
  const size = fn(length);
  const at = raw._pl_answer();
  return decoder.decode(raw.HEAPU8.subarray(at, at + size));
}

const functions = ['loadPolicy', 'validateProfile', 'route', 'buildPrompt', 'fitContext', 'estimateCost', 'guidanceCards',
  'offlineAnswer', 'qualify', 'extractFacts', 'contractTimeline', 'assignVariant'];

export default async function createCore(options = {}) {
  const raw = await createCoreRaw(await loadOptions(options));
  const core = { version: () => call(raw, raw._pl_version, '{}') };
  // The widget's module exports only what the widget calls: the others are absent, not broken.
  for (const name of functions) if (raw[`_pl_${name}`]) core[name] = (request) => call(raw, raw[`_pl_${name}`], request);
  return Object.freeze(core);
}
