// fuzz_core_api: the core's JSON boundary (porchlight/api.hpp, what WASM, the CLI and the proxy
// call) and the record readers behind the proxy's handlers (porchlight/model.hpp).
//
// Input: a first line naming the function, then its request, as in tests/data/parity.jsonl:
//   validateProfile route buildPrompt fitContext estimateCost guidanceCards offlineAnswer
//   assignVariant evaluateExperiment planExperiment
//     -> porchlight::api, whose answer must be a JSON object, the same twice over;
//   profile session event usage lead experiment
//     -> <record>_from_json on the parsed request; what it accepts, written with to_json, must
//        read back and write the same JSON again.
// An input whose first line names nothing is skipped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "porchlight/api.hpp"
#include "porchlight/json_input.hpp"
#include "porchlight/learn.hpp"
#include "porchlight/model.hpp"
#include "named_input.hpp"

namespace {

using porchlight::json;

[[noreturn]] void fail(std::string_view function, const char* what) {
  std::fprintf(stderr, "fuzz_core_api: %.*s: %s\n", static_cast<int>(function.size()), function.data(), what);
  std::abort();
}

struct ApiFunction {
  std::string_view name;
  std::string (*call)(std::string_view);
};
constexpr ApiFunction kApi[] = {
    {"validateProfile", porchlight::api::validate_profile}, {"route", porchlight::api::route},
    {"buildPrompt", porchlight::api::build_prompt},         {"fitContext", porchlight::api::fit_context},
    {"estimateCost", porchlight::api::estimate_cost},       {"guidanceCards", porchlight::api::guidance_cards},
    {"offlineAnswer", porchlight::api::offline_answer},     {"assignVariant", porchlight::api::assign_variant},
    {"evaluateExperiment", porchlight::api::evaluate_experiment}, {"planExperiment", porchlight::api::plan_experiment},
};

// from_json, then to_json, then both again: the canonical form is a fixed point.
template <class Read> void round_trip(std::string_view name, std::string_view request, Read read) {
  const auto parsed = porchlight::json_input::parse_untrusted(request);
  if (!parsed) return;
  const auto record = read(parsed.value());
  if (!record) return;
  const json written = to_json(record.value());
  const auto again = read(written);
  if (!again) fail(name, "its own to_json does not read back");
  if (to_json(again.value()) != written) fail(name, "to_json, read back, writes different JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = porchlight::fuzz::named_input(data, size);
  if (!input) return 0;
  const auto [name, request] = *input;

  for (const auto& f : kApi) {
    if (f.name != name) continue;
    const std::string answer = f.call(request);
    const json parsed = json::parse(answer, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) fail(name, "answered something that is not a JSON object");
    if (const auto e = parsed.find("error");
        e != parsed.end() && !(e->is_object() && e->contains("code") && e->at("code").is_string()))
      fail(name, "answered an error without a code");
    if (f.call(request) != answer) fail(name, "answered the same request differently");
    return 0;
  }
  using namespace porchlight;
  if (name == "profile") round_trip(name, request, [](const json& j) { return profile_from_json(j); });
  else if (name == "session") round_trip(name, request, [](const json& j) { return session_from_json(j); });
  else if (name == "event") round_trip(name, request, [](const json& j) { return event_from_json(j); });
  else if (name == "usage") round_trip(name, request, [](const json& j) { return usage_from_json(j); });
  else if (name == "lead") round_trip(name, request, [](const json& j) { return lead_from_json(j); });
  else if (name == "experiment") round_trip(name, request, [](const json& j) { return learn::experiment_from_json(j); });
  return 0;
}
