// Prepended to the WASM build of porchlight-bench-core (--pre-js). Emscripten 3.1.6 fetches its
// .wasm whenever a global fetch exists, which Node >= 18 has and which cannot read files: the bytes
// are handed over instead.
Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'porchlight-bench-core.wasm'));
