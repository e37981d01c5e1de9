// api_qualify.cpp: the qualification entry points of porchlight/api.hpp (JSON text in and out):
// qualify, extractFacts, contractTimeline and guidanceCards. The envelope is api_support.hpp's.

#include "api_support.hpp"
#include "porchlight/api.hpp"
#include "porchlight/qualify.hpp"

namespace porchlight::api {

namespace {

using detail::api_policy;
using detail::child;
using detail::FieldReader;
using detail::handle;
using detail::Need;

std::optional<AgentProfile> read_profile(FieldReader& r, Need need, Errors& errors) {
  return child<AgentProfile>(r, "profile", need, errors, [](const json& p, const std::string& path) { return profile_from_json(p, path); });
}
std::optional<Lead> read_lead(FieldReader& r, Need need, Errors& errors) {
  return child<Lead>(r, "lead", need, errors, [](const json& l, const std::string& path) { return lead_from_json(l, path); });
}
// "today": required or optional, always a real date when given.
std::string read_today(FieldReader& r, Need need) {
  auto today = r.string("today", need, 10);
  std::int64_t day;
  if (today && !parse_civil_date(*today, day)) {
    r.add("invalid_today", "today", "expected a date as YYYY-MM-DD, got " + detail::in_quotes(*today));
    return {};
  }
  return today.value_or("");
}

json to_json(const Problem& p) {
  json out = {{"id", p.id}, {"item", p.item}, {"severity", name_of(p.severity)}, {"title", p.title}, {"action", p.action},
              {"say", p.say}, {"why", p.why}, {"mistakes", p.mistakes}, {"edge", p.edge}, {"source", p.source}};
  if (!p.ask_by.empty()) out["ask_by"] = p.ask_by;
  return out;
}

json to_json(const Checklist& c) {
  json items = json::array();
  for (const auto& i : c.items) {
    json item = {{"id", i.id}, {"label", i.label}, {"say", i.say}, {"status", name_of(i.status)}, {"known_as", i.known_as},
                 {"value", i.value}, {"reading", i.reading}, {"reads", i.reads}, {"problem", i.problem}, {"shown", i.shown}};
    if (i.months >= 0) item["months"] = i.months;
    items.push_back(std::move(item));
  }
  json problems = json::array();
  for (const auto& p : c.problems) problems.push_back(to_json(p));
  json parts = json::array();
  for (const auto& p : c.score.parts)
    parts.push_back({{"id", p.id}, {"label", p.label}, {"weight", p.weight}, {"points", p.points}, {"reason", p.reason}});
  json score = {{"value", c.score.value}, {"parts", parts}};
  if (!c.score.capped.empty()) score["capped"] = c.score.capped;
  const ChecklistItem* next = c.next();
  return {{"side", c.side}, {"items", items}, {"problems", problems}, {"score", score}, {"next", next ? next->id : ""}};
}

json to_json(const StageResult& s, ConversationStage from) {
  json moves = json::array();
  for (const auto& m : s.moves)
    moves.push_back({{"from", name_of(m.from)}, {"to", name_of(m.to)}, {"trigger", m.trigger}, {"reason", m.reason}});
  return {{"from", name_of(from)}, {"to", name_of(s.stage)}, {"moves", moves}};
}

json to_json(const ContractTimeline& t) {
  json items = json::array();
  for (const auto& x : t.items)
    items.push_back({{"id", x.id}, {"label", x.label}, {"date", x.date}, {"time", x.time}, {"days_left", x.days_left},
                     {"status", x.status}, {"rule", x.rule}, {"owner", x.owner}, {"source", x.source}, {"note", x.note},
                     {"task", x.task}, {"from_lead", x.from_lead}, {"assumed", x.assumed}});
  return {{"form", t.form}, {"form_name", t.form_name}, {"counting", t.counting}, {"source", t.source},
          {"items", items}, {"notes", t.notes}};
}

// A string list field, each at most `max_chars`.
std::vector<std::string> read_names(FieldReader& r, std::string_view key, std::size_t max_items, Errors& errors) {
  std::vector<std::string> out;
  const json* arr = r.array(key, Need::optional, max_items);
  if (!arr) return out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const json& v = (*arr)[i];
    if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 64)
      errors.push_back({r.path().empty() ? "request.invalid_" + std::string(key) : r.path() + ".invalid_" + std::string(key),
                        "expected a name of 1-64 characters", r.child_path(key) + "[" + std::to_string(i) + "]"});
    else out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string qualify(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "qualify", "", errors);
    r.reject_unknown({"profile", "lead", "stage", "today", "events"});
    auto profile = read_profile(r, Need::required, errors);
    auto lead = read_lead(r, Need::optional, errors);
    auto stage = r.enumeration<ConversationStage>("stage", Need::optional);
    const std::string today = read_today(r, Need::optional);
    std::vector<std::string> events;
    if (const json* arr = r.array("events", Need::optional, 20))
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const json& e = (*arr)[i];
        const std::string path = "events[" + std::to_string(i) + "]";
        if (!e.is_string() || !is_stage_event(e.get<std::string>(), api_policy()))
          r.add("invalid_events", path, "unknown event " + (e.is_string() ? detail::in_quotes(e.get<std::string>()) : std::string("(not a string)")) +
                                           "; expected one of stages.json's events (contacted, replied, appointment_set, agreement_signed, ...)");
        else events.push_back(e.get<std::string>());
      }
    if (!errors.empty()) return nullptr;
    const Lead l = lead.value_or(Lead{});
    const ConversationStage from = stage ? *stage : l.stage.value_or(ConversationStage::new_lead);
    const Checklist c = qualification_checklist(*profile, l, today, api_policy());
    json out = to_json(c);
    out["stage"] = to_json(advance_stage(c, l, from, events, api_policy()), from);
    out["policy_version"] = api_policy().version();
    return out;
  });
}

std::string extract_facts(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "extract", "", errors);
    r.reject_unknown({"text", "lead", "today"});
    auto text = r.string("text", Need::required, 32000, true);
    auto lead = read_lead(r, Need::optional, errors);
    const std::string today = read_today(r, Need::optional);
    if (!errors.empty()) return nullptr;
    json proposals = json::array();
    for (const auto& p : porchlight::extract_facts(*text, lead.value_or(Lead{}), today, api_policy())) {
      json one = {{"fact", p.fact}, {"value", p.value}, {"evidence", p.evidence}};
      if (!p.current.empty()) one["current"] = p.current;
      proposals.push_back(std::move(one));
    }
    return json{{"proposals", proposals}};
  });
}

std::string contract_timeline(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "contract", "", errors);
    r.reject_unknown({"lead", "form", "effective_date", "closing_date", "loan_signing_date", "financing", "days", "dates",
                      "conditions", "done", "today"});
    const std::string today = read_today(r, Need::required);
    ContractTerms t;
    if (r.has("lead")) {
      // The terms a CRM lead carries; explicit fields then are not mixed in.
      for (const char* k : {"form", "effective_date", "closing_date", "loan_signing_date", "financing", "days", "dates", "conditions", "done"})
        if (r.has(k)) r.add("invalid_request", k, std::string("give either lead or the contract's fields, not both (") + k + ")");
      auto lead = read_lead(r, Need::required, errors);
      if (!errors.empty()) return nullptr;
      auto terms = contract_terms_from(*lead, api_policy());
      if (!terms) {
        r.add("missing_effective_date", "lead.facts", "the lead has no effective_date (or acceptance_date), closing_date or deadline dates");
        return nullptr;
      }
      t = std::move(*terms);
    } else {
      if (auto v = r.string("form", Need::optional, 64)) t.form = *v;
      if (auto v = r.string("effective_date", Need::optional, 10)) t.effective_date = *v;
      if (auto v = r.string("closing_date", Need::optional, 10)) t.closing_date = *v;
      if (auto v = r.string("loan_signing_date", Need::optional, 10)) t.loan_signing_date = *v;
      if (auto v = r.string("financing", Need::optional, 40)) t.financing = *v;
      if (const json* days = r.object("days", Need::optional))
        for (auto it = days->begin(); it != days->end(); ++it) {
          if (!it->is_number_integer()) r.add("invalid_days", "days." + it.key(), "expected a whole number of days");
          else t.days[it.key()] = static_cast<int>(std::clamp<std::int64_t>(it->get<std::int64_t>(), -1, 100000));
        }
      if (const json* dates = r.object("dates", Need::optional))
        for (auto it = dates->begin(); it != dates->end(); ++it) {
          if (!it->is_string()) r.add("invalid_dates", "dates." + it.key(), "expected a date as YYYY-MM-DD");
          else t.dates[it.key()] = it->get<std::string>();
        }
      t.conditions = read_names(r, "conditions", 20, errors);
      t.done = read_names(r, "done", 60, errors);
      if (t.effective_date.empty() && t.closing_date.empty())
        r.add("missing_effective_date", "effective_date", "give the effective (acceptance) date, the closing date, or both");
    }
    if (!errors.empty()) return nullptr;
    auto timeline = porchlight::contract_timeline(t, today, api_policy());
    if (!timeline) {
      errors = timeline.errors();
      return nullptr;
    }
    return to_json(timeline.value());
  });
}

std::string guidance_cards(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "cards", "", errors);
    r.reject_unknown({"profile", "lead", "stage", "specialist", "answer", "query", "today"});
    auto profile = read_profile(r, Need::required, errors);
    auto lead = read_lead(r, Need::optional, errors);
    auto stage = r.enumeration<ConversationStage>("stage", Need::optional);
    auto specialist = r.enumeration<Specialist>("specialist", Need::optional);
    auto answer = r.string("answer", Need::optional, 64000, true);
    auto query = r.string("query", Need::optional, 32000, true);  // what the agent asked: its compliance risks are cards
    const std::string today = read_today(r, Need::required);
    if (!errors.empty()) return nullptr;
    const Lead l = lead.value_or(Lead{});
    RouteDecision route;
    route.specialist = specialist.value_or(Specialist::coaching);
    const ConversationStage s = stage ? *stage : l.stage.value_or(ConversationStage::new_lead);
    const Checklist checklist = qualification_checklist(*profile, l, today, api_policy());
    return json{{"cards", porchlight::guidance_cards(*profile, l, s, route, answer.value_or(""), today, api_policy(), query.value_or(""))},
                {"checklist_score", checklist.score.value}};
  });
}

}  // namespace porchlight::api
