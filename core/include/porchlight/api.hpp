// porchlight/api.hpp: the core's JSON-in / JSON-out surface. The WASM module, the CLI and the parity
// tests call exactly these functions, so the browser and the proxy give byte-identical answers.
//
// Every function takes untrusted JSON text and returns JSON text. Failures come back as
//   {"error": {"code", "message", "path", "errors": [{"code", "message", "path"}, ...]}}
// never as a crash. Request shapes are documented in docs/core-api.md.
#pragma once

#include <string>
#include <string_view>

namespace porchlight::api {

std::string version();                                  // {"core", "policy", "release", "schema_version"}
// The policy every function below decides with: {"files": {"routing.json": "...", ...}} replaces
// the built-in policy's files of the same path (the browser adopts its proxy's policy, router v2's
// weights included, after first paint); {"files": {}} goes back to the built-in policy. Answers
// version()'s object for the policy now in use; a set of files that does not make a policy is an
// error, and the policy in use stays. One per process: its callers are single-threaded.
std::string load_policy(std::string_view request);
// False only in a build that embeds no policy (the widget's WebAssembly module) until load_policy
// has given it one.
bool has_policy();
std::string validate_profile(std::string_view request);  // {"valid", "profile"} or {"valid": false, "errors"}
std::string route(std::string_view request);             // the route decision
std::string build_prompt(std::string_view request);      // {"request", "route", "context", "blocks", ...}
std::string fit_context(std::string_view request);       // the context window
std::string estimate_cost(std::string_view request);     // a cost breakdown, or one per tier
std::string guidance_cards(std::string_view request);    // {"cards": [...], "checklist_score"}
std::string qualify(std::string_view request);           // {"side", "items", "problems", "score", "next", "stage"}
std::string extract_facts(std::string_view request);     // {"proposals": [{"fact", "value", "evidence", "current"?}]}
std::string contract_timeline(std::string_view request); // {"form", "form_name", "counting", "items", "notes", ...}
std::string offline_answer(std::string_view request);    // {"text", "route"}
// Experiments (learn.hpp; docs/learning.md): an agent's variant, the sequential test's decision with
// intervals and the next traffic split, and the sample a test needs.
std::string assign_variant(std::string_view request);      // {"experiment_id", "applies", "variant", "bucket"}
std::string evaluate_experiment(std::string_view request); // {"decision", "winner", "arms", "comparisons", "allocation", ...}
std::string plan_experiment(std::string_view request);     // {"total_sample", "per_variant_low", "difference", ...}
// The enums' JSON spellings, each list in the core's order, for clients that must not copy them:
// {"roles", "experience_levels", "specializations", "tones", "verbosity_levels", "stages",
//  "specialists", "tiers", "guidance_types", "card_types", "item_statuses", "severities", "surfaces",
//  "feedback_ratings", "outcomes", "coach_events"}. Takes no request, cannot fail; native only (`porchlight enums`,
// read by web/gen-enums.mjs at build time, so the WASM module stays as small as it was).
std::string enums();

}  // namespace porchlight::api
