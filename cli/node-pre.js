// Prepended to the WASM build of the CLI (--pre-js), as bench/core/node-pre.js: Emscripten 3.1.6
// would fetch its .wasm with Node's global fetch, which cannot read files; the bytes are handed over.
Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'porchlight.wasm'));
