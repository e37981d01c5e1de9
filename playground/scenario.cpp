// scenario.cpp: scenario JSON (the buildPrompt request's fields plus name and expect), files and
// policy folders.
//
// Sections:
//   [1] reading a scenario
//   [2] writing a scenario
//   [3] files and policy folders

#include "scenario.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "porchlight/json_input.hpp"

namespace porchlight::playground {

namespace {
using json_input::FieldReader;
using json_input::Need;
}  // namespace

// ---- [1] reading a scenario --------------------------------------------------------------------

namespace {

// The same limits as the core's buildPrompt reader, so a scenario that loads here is one the
// API accepts.
std::vector<Turn> read_history(FieldReader& r, Errors& errors) {
  std::vector<Turn> turns;
  const json* arr = r.array("history", Need::optional, 1000);
  if (!arr) return turns;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    FieldReader tr((*arr)[i], "turn", r.child_path("history") + "[" + std::to_string(i) + "]", errors);
    if (!tr.valid()) continue;
    tr.reject_unknown({"role", "content"});
    Turn t;
    if (auto role = tr.string("role", Need::required, 16)) {
      if (*role == "user") t.role = TurnRole::user;
      else if (*role == "assistant") t.role = TurnRole::assistant;
      else tr.add("invalid_role", tr.child_path("role"),
                  "unknown value " + json_input::in_quotes(*role) + "; expected one of user, assistant");
    }
    const Need content_need = t.role == TurnRole::user ? Need::required : Need::optional;
    if (auto c = tr.string("content", content_need, 32000, true)) t.content = *c;
    turns.push_back(std::move(t));
  }
  return turns;
}

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

std::optional<Expectation> read_expect(FieldReader& r, Errors& errors) {
  const json* e = r.object("expect", Need::optional);
  if (!e) return std::nullopt;
  FieldReader er(*e, "expect", r.child_path("expect"), errors);
  er.reject_unknown({"specialist", "tier"});
  Expectation out;
  out.specialist = er.enumeration<Specialist>("specialist", Need::optional);
  out.tier = er.enumeration<ModelTier>("tier", Need::optional);
  return out;
}

}  // namespace

Result<Scenario> scenario_from_json(const json& j, std::string_view default_name) {
  Errors errors;
  FieldReader r(j, "scenario", "", errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"name", "expect", "profile", "lead", "stage", "query", "summary", "history",
                    "specialist", "tier", "budget", "context_budget_tokens"});
  Scenario s;
  s.name = std::string(default_name);
  if (auto v = r.string("name", Need::optional, 120)) s.name = *v;
  if (s.name.empty()) r.add("invalid_name", "name", "a scenario needs a name: set \"name\"");
  s.expect = read_expect(r, errors);

  PromptRequest& req = s.request;
  if (const json* p = r.object("profile", Need::required)) {
    auto profile = profile_from_json(*p, "profile");
    if (profile) req.profile = std::move(profile).value();
    else errors.insert(errors.end(), profile.errors().begin(), profile.errors().end());
  }
  if (const json* l = r.object("lead", Need::optional)) {
    auto lead = lead_from_json(*l, "lead");
    if (lead) req.lead = std::move(lead).value();
    else errors.insert(errors.end(), lead.errors().begin(), lead.errors().end());
  }
  if (auto q = r.string("query", Need::required, 8000, true)) req.query = *q;
  // As in buildPrompt: the request's stage wins, else the lead's.
  if (auto st = r.enumeration<ConversationStage>("stage", Need::optional)) req.stage = *st;
  else if (req.lead.stage) req.stage = *req.lead.stage;
  if (auto v = r.string("summary", Need::optional, 20000, true)) req.summary = *v;
  req.history = read_history(r, errors);
  req.specialist = r.enumeration<Specialist>("specialist", Need::optional);
  req.tier = r.enumeration<ModelTier>("tier", Need::optional);
  req.budget = read_budget(r, errors);
  if (auto b = r.integer("context_budget_tokens", Need::optional, 1000, 1'000'000))
    req.context_budget_tokens = *b;
  if (!errors.empty()) return errors;
  return s;
}

// ---- [2] writing a scenario --------------------------------------------------------------------

json to_json(const Scenario& s) {
  const PromptRequest& req = s.request;
  json profile = to_json(req.profile);
  // Keep files short: drop what only shared-pool agents use, and the schema stamp.
  profile.erase("schema_version");
  if (!req.profile.shared_pool) { profile.erase("shared_pool"); profile.erase("served_locations"); }

  json out{{"name", s.name}, {"profile", profile}, {"stage", name_of(req.stage)}, {"query", req.query}};
  json lead = json::object();
  if (!req.lead.id.empty()) lead["id"] = req.lead.id;
  if (!req.lead.name.empty()) lead["name"] = req.lead.name;
  if (req.lead.stage) lead["stage"] = name_of(*req.lead.stage);
  if (!req.lead.facts.empty()) lead["facts"] = req.lead.facts;
  if (!lead.empty()) out["lead"] = lead;
  if (!req.summary.empty()) out["summary"] = req.summary;
  if (!req.history.empty()) {
    json turns = json::array();
    for (const Turn& t : req.history)
      turns.push_back({{"role", t.role == TurnRole::user ? "user" : "assistant"}, {"content", t.content}});
    out["history"] = turns;
  }
  if (req.specialist) out["specialist"] = name_of(*req.specialist);
  if (req.tier) out["tier"] = name_of(*req.tier);
  if (req.budget) out["budget"] = {{"monthly_usd", req.budget->monthly_usd}, {"spent_usd", req.budget->spent_usd}};
  if (req.context_budget_tokens > 0) out["context_budget_tokens"] = req.context_budget_tokens;
  if (s.expect) {
    json e = json::object();
    if (s.expect->specialist) e["specialist"] = name_of(*s.expect->specialist);
    if (s.expect->tier) e["tier"] = name_of(*s.expect->tier);
    out["expect"] = e;
  }
  return out;
}

Scenario example_scenario() {
  Scenario s;
  s.name = "first-time buyer, pre-approval";
  AgentProfile& p = s.request.profile;
  p.id = "agent-1";
  p.location_id = "loc-1";
  p.name = "Dana Reyes";
  p.role = AgentRole::buyer_agent;
  p.experience = ExperienceLevel::novice;
  p.specializations = {Specialization::first_time_buyers};
  s.request.lead.id = "lead-1";
  s.request.lead.name = "Sam Carter";
  s.request.lead.facts = {{"price_range", "$350-400k"}, {"pre_approved", "no"}};
  s.request.stage = ConversationStage::qualifying;
  s.request.query = "The buyer is not pre-approved yet. What should I ask on the next call?";
  return s;
}

// ---- [3] files and policy folders --------------------------------------------------------------

Result<std::string> read_text_file(const std::filesystem::path& file, std::size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return Error{"file.cannot_read", file.string() + " is a folder; expected a file", file.string()};
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return Error{"file.cannot_read", "cannot open " + file.string() + ": no such file or no permission",
                 file.string()};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return Error{"file.too_large",
                   file.string() + " is larger than " + std::to_string(max_bytes) + " bytes", file.string()};
  }
  if (in.bad()) return Error{"file.cannot_read", "error while reading " + file.string(), file.string()};
  return text;
}

Result<Scenario> load_scenario(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) return text.errors();
  auto parsed = json_input::parse_untrusted(text.value());
  if (!parsed) {
    Errors errors = parsed.errors();
    for (auto& e : errors) e.message = file.string() + ": " + e.message;
    return errors;
  }
  return scenario_from_json(parsed.value(), file.stem().string());
}

Errors write_text_file(const std::filesystem::path& file, const std::string& text) {
  // Write a sibling then rename, so a failed save never leaves half a file behind.
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !out.flush())
      return {Error{"file.cannot_write", "cannot write " + tmp.string(), file.string()}};
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return {Error{"file.cannot_write", "cannot replace " + file.string(), file.string()}};
  }
  return {};
}

Errors save_scenario(const Scenario& scenario, const std::filesystem::path& file) {
  return write_text_file(file, to_json(scenario).dump(2) + "\n");
}

Result<Policy> load_policy_folder(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{"policy.cannot_read", dir.string() + " is not a folder; expected a copy of core/data",
                 dir.string()};
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto text = read_text_file(it->path(), 4u << 20);
    if (!text) return text.errors();
    files[fs::relative(it->path(), dir).generic_string()] = std::move(text).value();
  }
  if (ec) return Error{"policy.cannot_read", "cannot list " + dir.string() + ": " + ec.message(), dir.string()};
  return Policy::from_files(files);
}

std::string describe(const Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += "  " + e.code + ": " + e.message + "\n";  // messages already name the field
  }
  return out;
}

}  // namespace porchlight::playground
