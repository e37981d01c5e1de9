// bench/core: route + buildPrompt per call. Prints BENCH lines (p50 and p99 in µs): through the
// JSON API (what the CLI and the WASM module run), and through the C++ API (what the proxy runs).
//   route              route() alone (what the widget's badge runs as the agent types)
//   route_plus_prompt  one buildPrompt call: it routes, builds the request, and returns both
//                      (what the proxy runs per coaching request)
//   route_then_prompt  route(), then buildPrompt(), which routes again (a caller that shows the
//                      decision before it asks for the prompt)
// Built natively (core_native_*) and to WebAssembly, run in Node (core_wasm_*): the same calls on
// the same request, so the two read side by side. bench-wasm.mjs adds the cost of crossing from
// JavaScript (core_wasm_js_*).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "porchlight/api.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/route.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

#ifdef __EMSCRIPTEN__
constexpr const char* kPlatform = "wasm";
#else
constexpr const char* kPlatform = "native";
#endif

template <class F> void measure(const char* name, int iterations, F&& call) {
  for (int i = 0; i < iterations / 10; ++i) call();  // warm up
  std::vector<double> us(static_cast<std::size_t>(iterations));
  for (auto& sample : us) {
    const auto t0 = clock_type::now();
    call();
    sample = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
  }
  std::sort(us.begin(), us.end());
  std::printf("BENCH core_%s_%s_p50=%.2f us\n", kPlatform, name, us[us.size() / 2]);
  std::printf("BENCH core_%s_%s_p99=%.2f us\n", kPlatform, name, us[us.size() * 99 / 100]);
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "bench/core/request.json";
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string request = ss.str();
  if (request.empty()) { std::fprintf(stderr, "bench: cannot read %s\n", path); return 2; }

  std::size_t sink = 0;
  measure("json_route", 50000, [&] { sink += porchlight::api::route(request).size(); });
  measure("json_route_plus_prompt", 20000, [&] { sink += porchlight::api::build_prompt(request).size(); });
  measure("json_route_then_prompt", 20000, [&] {
    sink += porchlight::api::route(request).size();
    sink += porchlight::api::build_prompt(request).size();
  });

  // The same request as structs: parsing and serializing are left out.
  auto j = porchlight::json::parse(request);
  porchlight::PromptRequest pr;
  pr.profile = porchlight::profile_from_json(j["profile"]).value();
  pr.lead = porchlight::lead_from_json(j["lead"]).value();
  pr.stage = porchlight::ConversationStage::under_contract;
  pr.query = j["query"];
  pr.summary = j["summary"];
  for (const auto& t : j["history"])
    pr.history.push_back({t["role"] == "user" ? porchlight::TurnRole::user : porchlight::TurnRole::assistant,
                          t["content"]});
  porchlight::RouteRequest rr;
  rr.query = pr.query;
  rr.profile = pr.profile;
  rr.stage = pr.stage;
  measure("route", 50000, [&] { sink += porchlight::route(rr).reasons.size(); });
  measure("route_plus_prompt", 20000, [&] {
    const porchlight::BuiltPrompt built = porchlight::build_prompt(pr);
    sink += built.route.reasons.size() + built.body.size();
  });
  measure("route_then_prompt", 20000, [&] {
    sink += porchlight::route(rr).reasons.size();
    sink += porchlight::build_prompt(pr).body.size();
  });
  return sink == 0;  // keeps the calls from being optimized away
}
