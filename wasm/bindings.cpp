// Embind bindings: the narrow JSON-in / JSON-out surface of porchlight/api.hpp, nothing else.
// Not bound: evaluateExperiment and planExperiment (the proxy decides and publishes the split; the
// browser only follows it with assignVariant), which would add ~9 KB gzipped to every widget. Their
// WASM build is the CLI's, for the parity tests (build/wasm/bin/porchlight.cjs).
// UTF-8 bytes cross the boundary in both directions through two buffers (below); no C++ objects
// reach JavaScript, so there is nothing to .delete(). The public API is porchlight-core.mjs, which
// takes and returns JS strings.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "porchlight/api.hpp"

namespace {

emscripten::val bytes_view(const std::string& s, std::size_t size) {
  return emscripten::val(emscripten::typed_memory_view(size, reinterpret_cast<const unsigned char*>(s.data())));
}

// Embind's std::string conversions copy and decode a byte at a time in JS, which cost more than
// building a prompt. Requests and answers cross as bytes instead: the wrapper encodes the request
// straight into g_request (TextEncoder.encodeInto) and passes its length; the answer is handed out
// as a view of g_answer, which the wrapper decodes with TextDecoder before the next call can
// replace it (JS is single-threaded).
std::string g_request, g_answer;

emscripten::val request_buffer(std::size_t capacity) {
  if (g_request.size() < capacity || g_request.size() > 2 * capacity + (1 << 20))
    g_request = std::string(capacity, '\0');  // grows, or shrinks after an outsized request
  return bytes_view(g_request, capacity);
}

std::string_view request(std::size_t length) {
  return std::string_view(g_request.data(), std::min(length, g_request.size()));
}

emscripten::val answer(std::string text) {
  g_answer = std::move(text);
  return bytes_view(g_answer, g_answer.size());
}

emscripten::val version() { return answer(porchlight::api::version()); }
emscripten::val load_policy(std::size_t n) { return answer(porchlight::api::load_policy(request(n))); }
emscripten::val validate_profile(std::size_t n) { return answer(porchlight::api::validate_profile(request(n))); }
emscripten::val route(std::size_t n) { return answer(porchlight::api::route(request(n))); }
emscripten::val build_prompt(std::size_t n) { return answer(porchlight::api::build_prompt(request(n))); }
emscripten::val fit_context(std::size_t n) { return answer(porchlight::api::fit_context(request(n))); }
emscripten::val estimate_cost(std::size_t n) { return answer(porchlight::api::estimate_cost(request(n))); }
emscripten::val guidance_cards(std::size_t n) { return answer(porchlight::api::guidance_cards(request(n))); }
emscripten::val offline_answer(std::size_t n) { return answer(porchlight::api::offline_answer(request(n))); }
emscripten::val qualify(std::size_t n) { return answer(porchlight::api::qualify(request(n))); }
emscripten::val extract_facts(std::size_t n) { return answer(porchlight::api::extract_facts(request(n))); }
emscripten::val contract_timeline(std::size_t n) { return answer(porchlight::api::contract_timeline(request(n))); }
emscripten::val assign_variant(std::size_t n) { return answer(porchlight::api::assign_variant(request(n))); }

}  // namespace

EMSCRIPTEN_BINDINGS(porchlight_core) {
  emscripten::function("requestBuffer", &request_buffer);
  emscripten::function("version", &version);
  emscripten::function("loadPolicy", &load_policy);
  emscripten::function("validateProfile", &validate_profile);
  emscripten::function("route", &route);
  emscripten::function("buildPrompt", &build_prompt);
  emscripten::function("fitContext", &fit_context);
  emscripten::function("estimateCost", &estimate_cost);
  emscripten::function("guidanceCards", &guidance_cards);
  emscripten::function("offlineAnswer", &offline_answer);
  emscripten::function("qualify", &qualify);
  emscripten::function("extractFacts", &extract_facts);
  emscripten::function("contractTimeline", &contract_timeline);
  emscripten::function("assignVariant", &assign_variant);
}
