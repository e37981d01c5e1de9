// api.cpp: JSON text in, JSON text out, for WASM, the CLI and tests.
//
// Sections (the envelope every entry point shares is api_support.hpp):
//   [1] request readers
//   [2] the entry points

#include "porchlight/api.hpp"

#include <type_traits>

#include "api_support.hpp"
#include "json_reader.hpp"
#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/qualify.hpp"
#include "porchlight/route.hpp"

#ifndef PORCHLIGHT_VERSION
#define PORCHLIGHT_VERSION "0.0.0"
#endif

namespace porchlight::detail {

namespace {
std::optional<Policy>& loaded_policy() {
  static std::optional<Policy> loaded;
  return loaded;
}
}  // namespace

const Policy& api_policy() {
  const auto& loaded = loaded_policy();
  return loaded ? *loaded : Policy::embedded();
}

}  // namespace porchlight::detail

namespace porchlight::api {

namespace {

using detail::api_policy;
using detail::child;
using detail::dump;
using detail::FieldReader;
using detail::handle;
using detail::Need;

// ---- [1] request readers -----------------------------------------------------------------------

std::optional<Budget> read_budget(FieldReader& r, Errors& errors) {
  const json* b = r.object("budget", Need::optional);
  if (!b) return std::nullopt;
  FieldReader br(*b, "budget", r.child_path("budget"), errors);
  br.reject_unknown({"monthly_usd", "spent_usd"});
  Budget budget;
  if (auto v = br.number("monthly_usd", Need::required, 0, 1e9)) budget.monthly_usd = *v;
  if (auto v = br.number("spent_usd", Need::optional, 0, 1e12)) budget.spent_usd = *v;
  return budget;
}

std::vector<Turn> read_turns(FieldReader& r, std::string_view key, Need need, Errors& errors) {
  std::vector<Turn> turns;
  const json* arr = r.array(key, need, 1000);
  if (!arr) return turns;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    FieldReader tr((*arr)[i], "turn", r.child_path(key) + "[" + std::to_string(i) + "]", errors);
    if (!tr.valid()) continue;
    tr.reject_unknown({"role", "content"});
    Turn t;
    if (auto role = tr.string("role", Need::required, 16)) {
      if (*role == "user") t.role = TurnRole::user;
      else if (*role == "assistant") t.role = TurnRole::assistant;
      else tr.add("invalid_role", tr.child_path("role"),
                  "unknown value " + detail::in_quotes(*role) + "; expected one of user, assistant");
    }
    if (auto c = tr.string("content", t.role == TurnRole::user ? Need::required : Need::optional,
                           32000, true))
      t.content = *c;
    turns.push_back(std::move(t));
  }
  return turns;
}

// Fields shared by route and buildPrompt.
struct Common {
  AgentProfile profile;
  std::string query;
  ConversationStage stage = ConversationStage::new_lead;
  Lead lead;
  std::optional<Budget> budget;
  std::optional<Specialist> specialist;
  std::optional<ModelTier> tier;
};

Common read_common(FieldReader& r, Errors& errors) {
  Common c;
  if (auto p = child<AgentProfile>(r, "profile", Need::required, errors,
                                   [](const json& j, const std::string& path) { return profile_from_json(j, path); }))
    c.profile = std::move(*p);
  if (auto q = r.string("query", Need::required, 8000, true)) c.query = *q;
  if (auto l = child<Lead>(r, "lead", Need::optional, errors,
                           [](const json& j, const std::string& path) { return lead_from_json(j, path); }))
    c.lead = std::move(*l);
  if (auto s = r.enumeration<ConversationStage>("stage", Need::optional)) c.stage = *s;
  else if (c.lead.stage) c.stage = *c.lead.stage;
  c.budget = read_budget(r, errors);
  c.specialist = r.enumeration<Specialist>("specialist", Need::optional);
  c.tier = r.enumeration<ModelTier>("tier", Need::optional);
  return c;
}

template <class E> json names_of() {
  json names = json::array();
  for (const std::string_view name : EnumNames<E>::names) names.push_back(name);
  return names;
}

}  // namespace

// ---- [2] the entry points ------------------------------------------------------------------

std::string load_policy(std::string_view request) {
  auto result = handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "load_policy", "", errors);
    r.reject_unknown({"files"});
    const json* given = r.object("files", Need::required);
    if (!given || !errors.empty()) return nullptr;
    if (given->size() > 200) r.add("invalid_files", "files", "at most 200 files");
    auto files = Policy::embedded().files();
    for (const auto& [path, content] : given->items()) {
      if (!content.is_string()) r.add("invalid_files", "files." + path, "expected the file's text");
      else files[path] = content.get<std::string>();
    }
    if (!errors.empty()) return nullptr;
    auto policy = given->empty() ? Result<Policy>(Policy::embedded()) : Policy::from_files(files);
    if (!policy) {
      errors = policy.errors();
      return nullptr;
    }
    detail::loaded_policy() = std::move(policy).value();
    return json::object();
  });
  return result.rfind("{\"error\"", 0) == 0 ? result : version();
}

bool has_policy() { return api_policy().version() != "invalid"; }

std::string version() {
  const Policy& p = api_policy();
  return dump(json{{"core", PORCHLIGHT_VERSION},
                   {"policy", p.version()},
                   {"release", p.release()},
                   {"router", p.router()},
                   {"schema_version", kSchemaVersion}});
}

std::string validate_profile(std::string_view request) {
  return handle(request, [](const json& j, Errors&) {
    auto p = profile_from_json(j, "profile");
    if (!p) {
      json list = json::array();
      for (const auto& e : p.errors()) list.push_back({{"code", e.code}, {"message", e.message}, {"path", e.path}});
      return json{{"valid", false}, {"errors", list}};
    }
    return json{{"valid", true}, {"profile", to_json(p.value())}};
  });
}

std::string route(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "route", "", errors);
    r.reject_unknown({"profile", "query", "stage", "lead", "budget", "specialist", "tier", "context_tokens"});
    Common c = read_common(r, errors);
    auto context_tokens = r.integer("context_tokens", Need::optional, 0, 10'000'000);
    if (!errors.empty()) return nullptr;
    RouteRequest req;
    req.query = std::move(c.query);
    req.profile = std::move(c.profile);
    req.stage = c.stage;
    req.budget = c.budget;
    req.specialist = c.specialist;
    req.tier = c.tier;
    req.context_tokens = context_tokens.value_or(0);
    return to_json(porchlight::route(req, api_policy()));
  });
}

std::string build_prompt(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> std::string {
    FieldReader r(j, "prompt", "", errors);
    r.reject_unknown({"profile", "query", "stage", "lead", "budget", "specialist", "tier", "summary",
                      "history", "context_budget_tokens", "stream"});
    Common c = read_common(r, errors);
    PromptRequest req;
    if (auto s = r.string("summary", Need::optional, 20000, true)) req.summary = *s;
    req.history = read_turns(r, "history", Need::optional, errors);
    if (auto b = r.integer("context_budget_tokens", Need::optional, 1000, 1'000'000)) req.context_budget_tokens = *b;
    if (auto s = r.boolean("stream", Need::optional)) req.stream = *s;
    if (!errors.empty()) return {};
    req.profile = std::move(c.profile);
    req.query = std::move(c.query);
    req.stage = c.stage;
    req.lead = std::move(c.lead);
    req.budget = c.budget;
    req.specialist = c.specialist;
    req.tier = c.tier;
    BuiltPrompt built = porchlight::build_prompt(req, api_policy());
    json blocks = json::array();
    for (const auto& b : built.blocks) {
      json& block = blocks.emplace_back(json::object());
      block.emplace("cache_breakpoint", b.cache_breakpoint);
      block.emplace("name", b.name);
      block.emplace("tokens", b.tokens);
    }
    // The request is JSON text already: spliced in, not parsed and written again. Keys sorted, as
    // dump() would order them.
    std::string out;
    out.reserve(built.body.size() + 2048);
    out += R"({"blocks":)";
    append_json_text(out, blocks);
    out += R"(,"context":)";
    append_json_text(out, to_json(built.context, req.history));
    out += R"(,"policy_version":)";
    append_json_string(out, built.route.policy_version);
    out += R"(,"request":)";
    out += built.body;
    out += R"(,"route":)";
    append_json_text(out, to_json(built.route));
    out += '}';
    return out;
  });
}

std::string fit_context(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "context", "", errors);
    r.reject_unknown({"budget_tokens", "system_tokens", "pinned_tokens", "summary", "turns"});
    ContextRequest req;
    if (auto v = r.integer("budget_tokens", Need::optional, 100, 10'000'000)) req.budget_tokens = *v;
    if (auto v = r.integer("system_tokens", Need::optional, 0, 10'000'000)) req.system_tokens = *v;
    if (auto v = r.integer("pinned_tokens", Need::optional, 0, 10'000'000)) req.pinned_tokens = *v;
    if (auto s = r.string("summary", Need::optional, 20000, true)) req.summary = *s;
    req.turns = read_turns(r, "turns", Need::required, errors);  // documented as required: no silent default
    if (!errors.empty()) return nullptr;
    return to_json(porchlight::fit_context(req, api_policy()), req.turns);
  });
}

std::string estimate_cost(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "cost", "", errors);
    r.reject_unknown({"usage", "model", "tier"});
    auto usage = child<Usage>(r, "usage", Need::required, errors,
                              [](const json& u, const std::string& path) { return usage_from_json(u, path); });
    auto model = r.string("model", Need::optional, 100);
    auto tier = r.enumeration<ModelTier>("tier", Need::optional);
    if (!errors.empty()) return nullptr;
    const Policy& policy = api_policy();
    auto one = [&](const std::string& m) -> json {
      auto c = cost_of(*usage, m, policy);
      if (!c) { errors.insert(errors.end(), c.errors().begin(), c.errors().end()); return nullptr; }
      return to_json(c.value());
    };
    if (model) return one(*model);
    if (tier) return one(policy.model_for(*tier));
    json by_tier = json::object();
    for (std::size_t i = 0; i < enum_count<ModelTier>(); ++i) {
      const auto t = static_cast<ModelTier>(i);
      by_tier[std::string(name_of(t))] = one(policy.model_for(t));
    }
    return json{{"by_tier", by_tier}};
  });
}

std::string offline_answer(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "offline", "", errors);
    r.reject_unknown({"profile", "query", "stage", "lead", "budget", "specialist", "tier"});
    Common c = read_common(r, errors);
    if (!errors.empty()) return nullptr;
    RouteRequest req;
    req.query = c.query;
    req.profile = c.profile;
    req.stage = c.stage;
    req.specialist = c.specialist;
    req.tier = c.tier;
    req.budget = c.budget;
    const RouteDecision decision = porchlight::route(req, api_policy());
    return json{{"text", porchlight::offline_answer(decision, c.query, c.profile, c.lead, api_policy())},
                {"route", to_json(decision)},
                {"offline", true}};
  });
}

std::string enums() {
  return dump(json{{"roles", names_of<AgentRole>()},
                   {"access_roles", names_of<AccessRole>()},
                   {"experience_levels", names_of<ExperienceLevel>()},
                   {"specializations", names_of<Specialization>()},
                   {"tones", names_of<Tone>()},
                   {"verbosity_levels", names_of<Verbosity>()},
                   {"stages", names_of<ConversationStage>()},
                   {"specialists", names_of<Specialist>()},
                   {"tiers", names_of<ModelTier>()},
                   {"guidance_types", names_of<GuidanceType>()},
                   {"card_types", names_of<CardType>()},
                   {"item_statuses", names_of<ItemStatus>()},
                   {"severities", names_of<Severity>()},
                   {"surfaces", names_of<Surface>()},
                   {"feedback_ratings", names_of<Feedback>()},
                   {"outcomes", names_of<Outcome>()},
                   {"coach_events", names_of<CoachEvent>()}});
}

}  // namespace porchlight::api
