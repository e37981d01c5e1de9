# Writes the widget module's wrapper: porchlight-core.mjs with the web module's file names.
# Run as: cmake -DIN=.../porchlight-core.mjs -DOUT=porchlight-web-core.mjs -P web_wrapper.cmake
file(READ "${IN}" text)
string(REPLACE "./porchlight-core-raw.mjs" "./porchlight-web-core-raw.mjs" text "${text}")
string(REPLACE "./porchlight-core.wasm" "./porchlight-web-core.wasm" text "${text}")
string(REPLACE "// porchlight-core.mjs: the Porchlight core in WebAssembly, for browsers and Node >= 20."
               "// porchlight-web-core.mjs (written from porchlight-core.mjs by wasm/web_wrapper.cmake): the widget's core,\n// with no embedded policy: call loadPolicy with the proxy's files (GET /v1/policy) first." text "${text}")
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
