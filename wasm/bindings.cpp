// Embind bindings: the narrow JSON-in / JSON-out surface of porchlight/api.hpp, nothing else.
// Strings cross the boundary (JS strings or Uint8Array bytes in, JS strings out); no C++ objects
// reach JavaScript, so there is nothing to .delete(). The idiomatic API is porchlight-core.mjs.
#include <emscripten/bind.h>

#include "porchlight/api.hpp"

namespace {
std::string validate_profile(std::string s) { return porchlight::api::validate_profile(s); }
std::string route(std::string s) { return porchlight::api::route(s); }
std::string build_prompt(std::string s) { return porchlight::api::build_prompt(s); }
std::string fit_context(std::string s) { return porchlight::api::fit_context(s); }
std::string estimate_cost(std::string s) { return porchlight::api::estimate_cost(s); }
std::string guidance_cards(std::string s) { return porchlight::api::guidance_cards(s); }
std::string offline_answer(std::string s) { return porchlight::api::offline_answer(s); }
}  // namespace

EMSCRIPTEN_BINDINGS(porchlight_core) {
  emscripten::function("version", &porchlight::api::version);
  emscripten::function("validateProfile", &validate_profile);
  emscripten::function("route", &route);
  emscripten::function("buildPrompt", &build_prompt);
  emscripten::function("fitContext", &fit_context);
  emscripten::function("estimateCost", &estimate_cost);
  emscripten::function("guidanceCards", &guidance_cards);
  emscripten::function("offlineAnswer", &offline_answer);
}
