// WebAssembly exports: the narrow JSON-in / JSON-out surface of porchlight/api.hpp, nothing else,
// as plain C functions (no Embind: its glue was a third of the widget module's JS).
// Not exported: evaluateExperiment and planExperiment (the proxy decides and publishes the split;
// the browser only follows it with assignVariant), which would add ~9 KB gzipped to every widget.
// Their WASM build is the CLI's, for the parity tests (build/wasm/bin/porchlight.cjs).
//
// UTF-8 bytes cross the boundary through two buffers: the wrapper (porchlight-core.mjs) encodes a
// request straight into the one pl_request_buffer(capacity) returns, calls pl_<function>(length),
// which answers the answer's length, and decodes pl_answer()'s bytes before the next call can
// replace them (JS is single-threaded). No C++ objects reach JavaScript.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "porchlight/api.hpp"

namespace {

std::string g_request, g_answer;

std::string_view request(std::size_t length) {
  return std::string_view(g_request.data(), std::min(length, g_request.size()));
}

std::size_t answer(std::string text) {
  g_answer = std::move(text);
  return g_answer.size();
}

#ifdef PORCHLIGHT_WEB_CORE
// The widget's module embeds no policy: until load_policy gives it the proxy's, a call that needs
// one says so instead of deciding with nothing.
constexpr std::string_view kNoPolicy =
    R"json({"error":{"code":"core.policy_not_loaded","message":"the core has no policy yet: call loadPolicy with the proxy's files (GET /v1/policy)","path":"",)json"
    R"json("errors":[{"code":"core.policy_not_loaded","message":"the core has no policy yet: call loadPolicy with the proxy's files (GET /v1/policy)","path":""}]}})json";
template <std::string (*F)(std::string_view)> std::size_t call(std::size_t n) {
  return answer(porchlight::api::has_policy() ? F(request(n)) : std::string(kNoPolicy));
}
#else
template <std::string (*F)(std::string_view)> std::size_t call(std::size_t n) { return answer(F(request(n))); }
#endif

}  // namespace

extern "C" {

// A buffer of at least `capacity` bytes for the next request (it grows, or shrinks after an
// outsized request).
EMSCRIPTEN_KEEPALIVE char* pl_request_buffer(std::size_t capacity) {
  if (g_request.size() < capacity || g_request.size() > 2 * capacity + (1 << 20)) g_request = std::string(capacity, '\0');
  return g_request.data();
}
EMSCRIPTEN_KEEPALIVE const char* pl_answer() { return g_answer.data(); }

EMSCRIPTEN_KEEPALIVE std::size_t pl_version(std::size_t) { return answer(porchlight::api::version()); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_loadPolicy(std::size_t n) { return answer(porchlight::api::load_policy(request(n))); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_route(std::size_t n) { return call<porchlight::api::route>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_guidanceCards(std::size_t n) { return call<porchlight::api::guidance_cards>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_assignVariant(std::size_t n) { return call<porchlight::api::assign_variant>(n); }

// The widget's module has the functions above (porchlight-web-core.mjs); the whole API has these too.
#ifndef PORCHLIGHT_WEB_CORE
EMSCRIPTEN_KEEPALIVE std::size_t pl_validateProfile(std::size_t n) { return call<porchlight::api::validate_profile>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_buildPrompt(std::size_t n) { return call<porchlight::api::build_prompt>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_fitContext(std::size_t n) { return call<porchlight::api::fit_context>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_estimateCost(std::size_t n) { return call<porchlight::api::estimate_cost>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_offlineAnswer(std::size_t n) { return call<porchlight::api::offline_answer>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_qualify(std::size_t n) { return call<porchlight::api::qualify>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_extractFacts(std::size_t n) { return call<porchlight::api::extract_facts>(n); }
EMSCRIPTEN_KEEPALIVE std::size_t pl_contractTimeline(std::size_t n) { return call<porchlight::api::contract_timeline>(n); }
#endif

}  // extern "C"
