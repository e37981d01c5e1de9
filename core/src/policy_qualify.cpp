// policy_qualify.cpp: loads the qualification data (qualify_data.hpp) for policy.cpp. A bad edit
// fails the policy's load with every problem and its file and field, never a crash.
//
// Sections:
//   [1] helpers
//   [2] qualification.json
//   [3] stages.json
//   [4] extraction.json
//   [5] contract_forms.json
//   [6] situations.json and playbooks/situations.md

#include "policy_qualify.hpp"

#include <algorithm>
#include <set>

#include "json_reader.hpp"
#include "porchlight/context.hpp"

namespace porchlight::detail {

namespace {

using json_input::FieldReader;
using json_input::Need;

// ---- [1] helpers -------------------------------------------------------------------------------

std::string at(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::vector<std::string> strings(FieldReader& r, std::string_view key, Need need = Need::optional,
                                 std::size_t max = 200) {
  std::vector<std::string> out;
  const json* arr = r.array(key, need, max);
  if (!arr) return out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    if (!(*arr)[i].is_string() || (*arr)[i].get_ref<const std::string&>().empty())
      r.add("invalid_" + std::string(key), at(r.child_path(key), i), "expected a non-empty string");
    else out.push_back((*arr)[i].get<std::string>());
  }
  return out;
}

std::vector<Phrase> phrases(FieldReader& r, std::string_view key, Need need = Need::optional) {
  std::vector<Phrase> out;
  for (const auto& text : strings(r, key, need, 500)) {
    if (auto p = make_phrase(text)) out.push_back(std::move(*p));
    else r.add("invalid_" + std::string(key), r.child_path(key), "phrase '" + text + "' has no words");
  }
  return out;
}

template <class F> void each_object(FieldReader& r, std::string_view key, Need need, std::size_t max, Errors& errors, F&& f) {
  const json* arr = r.array(key, need, max);
  if (!arr) return;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    FieldReader one((*arr)[i], "policy", at(r.child_path(key), i), errors);
    if (one.valid()) f(one);
  }
}

std::vector<ConversationStage> stages(FieldReader& r, std::string_view key) {
  return r.enum_list<ConversationStage>(key, enum_count<ConversationStage>());
}

// ---- [2] qualification.json --------------------------------------------------------------------

void load_items(FieldReader& r, QualifyData& q, Errors& errors) {
  const json* items = r.object("items", Need::required);
  if (!items) return;
  for (auto it = items->begin(); it != items->end(); ++it) {
    FieldReader ir(*it, "policy", r.child_path("items") + "." + it.key(), errors);
    if (!ir.valid()) continue;
    ir.reject_unknown({"side", "label", "label_seller", "say", "say_seller", "facts", "reader", "classes", "otherwise", "outcomes",
                       "answered_by"});
    ItemRule item;
    item.id = it.key();
    const auto side = ir.string("side", Need::required, 10).value_or("");
    item.sides = {side == "buyer" || side == "both", side == "seller" || side == "both"};
    if (!item.sides[0] && !item.sides[1]) ir.add("invalid_side", ir.child_path("side"), "expected buyer, seller or both");
    const std::string label = ir.string("label", Need::required, 200).value_or("");
    const std::string say = ir.string("say", Need::optional, 400).value_or("");
    item.label = {label, ir.string("label_seller", Need::optional, 200).value_or(label)};
    item.say = {say, ir.string("say_seller", Need::optional, 400).value_or(say)};
    each_object(ir, "facts", Need::required, 20, errors, [&](FieldReader& fr) {
      fr.reject_unknown({"fact", "yes", "no", "otherwise"});
      FactRead f;
      f.fact = fr.string("fact", Need::required, 48).value_or("");
      f.yes = fr.string("yes", Need::optional, 48).value_or("");
      f.no = fr.string("no", Need::optional, 48).value_or("");
      f.otherwise = fr.string("otherwise", Need::optional, 48).value_or("");
      item.facts.push_back(std::move(f));
    });
    const std::string reader = ir.string("reader", Need::optional, 20).value_or("classes");
    item.timeline = reader == "timeline";
    if (reader != "classes" && reader != "timeline") ir.add("invalid_reader", ir.child_path("reader"), "expected classes or timeline");
    each_object(ir, "classes", Need::optional, 20, errors, [&](FieldReader& cr) {
      cr.reject_unknown({"class", "phrases", "alone"});
      ValueClass c;
      c.name = cr.string("class", Need::required, 48).value_or("");
      c.phrases = phrases(cr, "phrases", Need::required);
      c.alone = phrases(cr, "alone");
      item.classes.push_back(std::move(c));
    });
    item.otherwise = ir.string("otherwise", item.timeline ? Need::optional : Need::required, 48).value_or("");
    each_object(ir, "outcomes", Need::required, 20, errors, [&](FieldReader& orr) {
      orr.reject_unknown({"class", "status", "problem", "reads"});
      ItemOutcome o;
      o.reading = orr.string("class", Need::required, 48).value_or("");
      if (auto s = orr.enumeration<ItemStatus>("status", Need::required)) o.status = *s;
      o.problem = orr.string("problem", Need::optional, 64).value_or("");
      o.reads = orr.string("reads", Need::required, 200).value_or("");
      if ((o.status == ItemStatus::problem) != !o.problem.empty())
        orr.add("invalid_problem", orr.child_path("problem"), "a problem outcome names its problem, and only it");
      item.outcomes.push_back(std::move(o));
    });
    each_object(ir, "answered_by", Need::optional, 4, errors, [&](FieldReader& ar) {
      ar.reject_unknown({"item", "reading", "reads"});
      item.answered_by.push_back({ar.string("item", Need::required, 48).value_or(""), ar.string("reading", Need::required, 48).value_or(""),
                                  ar.string("reads", Need::required, 200).value_or("")});
    });
    q.items.push_back(std::move(item));
  }
}

void load_qualification_json(const json& j, QualifyData& q, Errors& errors) {
  FieldReader r(j, "policy", "qualification.json", errors);
  r.reject_unknown({"about", "sides", "answers", "timeline_words", "items", "cross_checks", "reach", "said_checks", "problems",
                    "card_detail", "score"});
  if (const json* a = r.object("answers", Need::required)) {
    FieldReader ar(*a, "policy", r.child_path("answers"), errors);
    q.yes = phrases(ar, "yes", Need::required);
    q.no = phrases(ar, "no", Need::required);
  }
  if (const json* t = r.object("timeline_words", Need::required)) {
    FieldReader tr(*t, "policy", r.child_path("timeline_words"), errors);
    q.timeline_words.now = phrases(tr, "now", Need::required);
    q.timeline_words.browsing = phrases(tr, "browsing", Need::required);
  }
  load_items(r, q, errors);

  if (const json* p = r.object("problems", Need::required))
    for (auto it = p->begin(); it != p->end(); ++it) {
      FieldReader pr(*it, "policy", r.child_path("problems") + "." + it.key(), errors);
      if (!pr.valid()) continue;
      pr.reject_unknown({"severity", "title", "action", "say", "why", "mistakes", "edge", "source", "ask_by", "closes", "because"});
      ProblemText t;
      if (auto s = pr.enumeration<Severity>("severity", Need::required)) t.severity = *s;
      t.title = pr.string("title", Need::required, 200).value_or("");
      t.action = pr.string("action", Need::required, 800).value_or("");
      t.say = pr.string("say", Need::optional, 800).value_or("");  // none: say nothing to the lead
      t.why = pr.string("why", Need::required, 800).value_or("");
      t.mistakes = pr.string("mistakes", Need::required, 800).value_or("");
      t.edge = pr.string("edge", Need::required, 1000).value_or("");
      t.source = pr.string("source", Need::required, 400).value_or("");
      t.ask_by = pr.string("ask_by", Need::optional, 200).value_or("");
      t.closes = strings(pr, "closes", Need::optional, 3);
      t.because = pr.string("because", Need::optional, 120).value_or("");
      if (!t.closes.empty() && t.because.empty()) pr.add("missing_field", pr.child_path("because"), "a problem that closes channels says why");
      q.problems[it.key()] = std::move(t);
    }

  if (const json* s = r.object("sides", Need::required)) {
    FieldReader sr(*s, "policy", r.child_path("sides"), errors);
    for (int side : {kBuyer, kSeller}) {
      const char* name = side == kBuyer ? "buyer" : "seller";
      const json* one = sr.object(name, Need::required);
      if (!one) continue;
      FieldReader o(*one, "policy", sr.child_path(name), errors);
      for (const char* list : {"items", "checks"})
        for (const auto& id : strings(o, list, Need::required, 20)) {
          const ItemRule* item = q.item(id);
          if (!item || !item->sides[static_cast<std::size_t>(side)]) {
            o.add("unknown_item", o.child_path(list), "no " + std::string(name) + " item '" + id + "' in items");
            continue;
          }
          (std::string_view(list) == "items" ? q.shown : q.checks)[static_cast<std::size_t>(side)].push_back(
              static_cast<std::size_t>(item - q.items.data()));
        }
    }
  }
  // Every outcome's problem is written, and every item's classes have outcomes.
  for (const auto& item : q.items)
    for (const auto& o : item.outcomes)
      if (!o.problem.empty() && !q.problems.count(o.problem))
        r.add("unknown_problem", r.child_path("items") + "." + item.id, "outcome names problem '" + o.problem + "', which problems does not define");

  if (const json* c = r.object("cross_checks", Need::required)) {
    FieldReader cr(*c, "policy", r.child_path("cross_checks"), errors);
    auto check = [&](const char* name, auto&& read) {
      const json* one = cr.object(name, Need::required);
      if (!one) return;
      FieldReader o(*one, "policy", cr.child_path(name), errors);
      const std::string item = o.string("item", Need::required, 48).value_or("");
      if (!q.item(item)) o.add("unknown_item", o.child_path("item"), "no item '" + item + "'");
      if (!q.problems.count(name)) o.add("unknown_problem", o.path(), "problems has no '" + std::string(name) + "'");
      read(o, item);
    };
    check("touring_without_agreement", [&](FieldReader& o, const std::string& item) {
      auto& t = q.cross.touring;
      t.item = item;
      t.unless = o.string("unless_class", Need::required, 48).value_or("");
      t.tour_facts = strings(o, "tour_facts", Need::required);
      t.appointment_facts = strings(o, "appointment_facts", Need::required);
      t.tour_words = phrases(o, "tour_words", Need::required);
    });
    check("price_above_approval", [&](FieldReader& o, const std::string& item) {
      q.cross.approval = {item, strings(o, "price_facts", Need::required), strings(o, "approval_facts", Need::required)};
    });
    check("price_above_cma", [&](FieldReader& o, const std::string& item) {
      q.cross.cma = {item, strings(o, "price_facts", Need::required), strings(o, "cma_facts", Need::required),
                     static_cast<int>(o.integer("tolerance_percent", Need::required, 0, 100).value_or(5))};
    });
    // Past the likely price, thin equity is "underwater", a problem of its own.
    if (!q.problems.count("underwater")) r.add("missing_field", "problems.underwater", "thin_equity's check raises 'underwater' past the price");
    check("thin_equity", [&](FieldReader& o, const std::string& item) {
      q.cross.equity = {item, strings(o, "payoff_facts", Need::required), strings(o, "price_facts", Need::required),
                        static_cast<int>(o.integer("selling_cost_percent", Need::required, 0, 50).value_or(8))};
    });
  }

  if (const json* reach = r.object("reach", Need::required)) {
    FieldReader o(*reach, "policy", r.child_path("reach"), errors);
    o.reject_unknown({"about", "channels", "preference_facts", "preferences"});
    q.reach.channels = strings(o, "channels", Need::required, 8);
    q.reach.preference_facts = strings(o, "preference_facts", Need::required, 8);
    if (const json* prefs = o.object("preferences", Need::required)) {
      FieldReader pr(*prefs, "policy", o.child_path("preferences"), errors);
      for (const auto& channel : q.reach.channels)
        q.reach.preferences.emplace_back(channel, phrases(pr, channel, Need::required));
    }
    for (const auto& [id, t] : q.problems)
      for (const auto& channel : t.closes)
        if (std::find(q.reach.channels.begin(), q.reach.channels.end(), channel) == q.reach.channels.end())
          o.add("unknown_channel", "problems." + id + ".closes", "reach.channels has no '" + channel + "'");
  }

  each_object(r, "said_checks", Need::optional, 40, errors, [&](FieldReader& o) {
    o.reject_unknown({"problem", "phrases"});
    SaidCheck check{o.string("problem", Need::required, 48).value_or(""), phrases(o, "phrases", Need::required)};
    if (!q.problems.count(check.problem)) o.add("unknown_problem", o.child_path("problem"), "problems has no '" + check.problem + "'");
    q.said_checks.push_back(std::move(check));
  });

  if (const json* c = r.object("card_detail", Need::required)) {
    FieldReader cr(*c, "policy", r.child_path("card_detail"), errors);
    for (std::size_t i = 0; i < enum_count<ExperienceLevel>(); ++i) {
      const std::string_view level = EnumNames<ExperienceLevel>::names[i];
      for (const auto& field : strings(cr, level, Need::required, 8)) {
        static const std::set<std::string> known = {"action", "say", "why", "mistakes", "edge", "source"};
        if (!known.count(field)) cr.add("invalid_field", cr.child_path(level), "unknown card field '" + field + "'");
        else q.card_detail[i].push_back(field);
      }
    }
  }

  if (const json* s = r.object("score", Need::required)) {
    FieldReader sr(*s, "policy", r.child_path("score"), errors);
    for (int side : {kBuyer, kSeller}) {
      int total = 0;
      const char* name = side == kBuyer ? "buyer" : "seller";
      each_object(sr, name, Need::required, 12, errors, [&](FieldReader& o) {
        o.reject_unknown({"id", "label", "weight", "item", "months", "points", "unknown", "problem_points"});
        ScoreRule rule;
        rule.id = o.string("id", Need::required, 48).value_or("");
        rule.label = o.string("label", Need::required, 80).value_or("");
        rule.item = o.string("item", Need::required, 48).value_or("");
        if (!q.item(rule.item)) o.add("unknown_item", o.child_path("item"), "no item '" + rule.item + "'");
        rule.weight = static_cast<int>(o.integer("weight", Need::required, 0, 100).value_or(0));
        rule.unknown = static_cast<int>(o.integer("unknown", Need::required, 0, 100).value_or(0));
        total += rule.weight;
        each_object(o, "months", Need::optional, 12, errors, [&](FieldReader& m) {
          const int within = static_cast<int>(m.integer("within", Need::optional, 0, 1200).value_or(-1));
          rule.months.emplace_back(within, static_cast<int>(m.integer("points", Need::required, 0, 100).value_or(0)));
        });
        for (const char* key : {"points", "problem_points"})
          if (const json* pts = o.object(key, Need::optional))
            for (auto it = pts->begin(); it != pts->end(); ++it) {
              if (!it->is_number_integer() || it->get<int>() < 0 || it->get<int>() > 100)
                o.add("invalid_points", o.child_path(key) + "." + it.key(), "expected 0-100");
              else (std::string_view(key) == "points" ? rule.points : rule.problem_points)[it.key()] = it->get<int>();
            }
        q.score[static_cast<std::size_t>(side)].push_back(std::move(rule));
      });
      if (total != 100) sr.add("invalid_weights", sr.child_path(name), "weights add up to " + std::to_string(total) + ", not 100");
    }
    each_object(sr, "caps", Need::optional, 12, errors, [&](FieldReader& o) {
      ScoreCap cap;
      cap.item = o.string("item", Need::required, 48).value_or("");
      cap.reading = o.string("class", Need::required, 48).value_or("");
      cap.reason = o.string("reason", Need::required, 200).value_or("");
      cap.max = static_cast<int>(o.integer("max", Need::required, 0, 100).value_or(0));
      q.caps.push_back(std::move(cap));
    });
  }
}

// ---- [3] stages.json ---------------------------------------------------------------------------

void load_stages_json(const json& j, StageData& s, const QualifyData& q, Errors& errors) {
  FieldReader r(j, "policy", "stages.json", errors);
  r.reject_unknown({"about", "events", "signals", "moves"});
  if (const json* e = r.object("events", Need::required)) {
    for (auto it = e->begin(); it != e->end(); ++it) {
      if (it->is_string()) s.events[it.key()] = it->get<std::string>();
      else r.add("invalid_events", r.child_path("events") + "." + it.key(), "expected what the event means");
    }
  }
  if (const json* sig = r.object("signals", Need::required))
    for (auto it = sig->begin(); it != sig->end(); ++it) {
      FieldReader o(*it, "policy", r.child_path("signals") + "." + it.key(), errors);
      if (!o.valid()) continue;
      o.reject_unknown({"facts", "item", "classes", "months_over", "known_items"});
      StageSignal one;
      one.name = it.key();
      one.facts = strings(o, "facts");
      one.item = o.string("item", Need::optional, 48).value_or("");
      if (!one.item.empty() && !q.item(one.item)) o.add("unknown_item", o.child_path("item"), "no item '" + one.item + "'");
      one.readings = strings(o, "classes");
      one.months_over = static_cast<int>(o.integer("months_over", Need::optional, 0, 1200).value_or(-1));
      one.known_items = static_cast<int>(o.integer("known_items", Need::optional, 1, 20).value_or(0));
      s.signals.push_back(std::move(one));
    }
  if (const json* m = r.object("moves", Need::required)) {
    FieldReader mr(*m, "policy", r.child_path("moves"), errors);
    for (int side : {kBuyer, kSeller})
      each_object(mr, side == kBuyer ? "buyer" : "seller", Need::required, 40, errors, [&](FieldReader& o) {
        o.reject_unknown({"to", "from", "when", "reason"});
        StageRule rule;
        if (auto to = o.enumeration<ConversationStage>("to", Need::required)) rule.to = *to;
        rule.from = stages(o, "from");
        rule.reason = o.string("reason", Need::required, 200).value_or("");
        for (const auto& w : strings(o, "when", Need::required, 12)) {
          const auto colon = w.find(':');
          const std::string kind = w.substr(0, colon), name = colon == std::string::npos ? "" : w.substr(colon + 1);
          bool known = false;
          if (kind == "event") known = s.events.count(name) > 0, rule.events.push_back(name);
          else if (kind == "signal") {
            for (const auto& sg : s.signals) known = known || sg.name == name;
            rule.signals.push_back(name);
          }
          if (!known) o.add("invalid_when", o.child_path("when"), "'" + w + "' is neither event:<an event> nor signal:<a signal>");
        }
        s.rules[static_cast<std::size_t>(side)].push_back(std::move(rule));
      });
  }
}

// ---- [4] extraction.json -----------------------------------------------------------------------

void load_extraction_json(const json& j, ExtractData& x, Errors& errors) {
  FieldReader r(j, "policy", "extraction.json", errors);
  r.reject_unknown({"about", "negations", "day_words", "time_words", "max_proposals", "rules"});
  x.negations = phrases(r, "negations", Need::required);
  x.day_words = phrases(r, "day_words", Need::required);
  x.time_words = phrases(r, "time_words", Need::required);
  x.max_proposals = static_cast<std::size_t>(r.integer("max_proposals", Need::required, 1, 40).value_or(12));
  each_object(r, "rules", Need::required, 200, errors, [&](FieldReader& o) {
    o.reject_unknown({"fact", "value", "negated", "capture", "phrases", "alone"});
    ExtractRule rule;
    rule.fact = o.string("fact", Need::required, 48).value_or("");
    rule.value = o.string("value", Need::optional, 200).value_or("");
    rule.negated = o.string("negated", Need::optional, 200).value_or("");
    rule.capture = o.string("capture", Need::optional, 20).value_or("");
    static const std::set<std::string> captures = {"", "money", "timeline", "count_before", "clause", "day"};
    if (!captures.count(rule.capture)) o.add("invalid_capture", o.child_path("capture"), "expected money, timeline, count_before, clause or day");
    if (rule.capture.empty() && rule.value.empty()) o.add("missing_value", o.path(), "a rule without a capture gives a value");
    rule.phrases = phrases(o, "phrases", Need::required);
    rule.alone = o.boolean("alone", Need::optional).value_or(false);
    x.rules.push_back(std::move(rule));
  });
}

// ---- [5] contract_forms.json -------------------------------------------------------------------

std::optional<DayCount> day_count(FieldReader& r, std::string_view key) {
  const auto v = r.string(key, Need::optional, 20);
  if (!v) return std::nullopt;
  if (*v == "calendar") return DayCount::calendar;
  if (*v == "business") return DayCount::business;
  if (*v == "trid_business") return DayCount::trid_business;
  r.add("invalid_" + std::string(key), r.child_path(key), "expected calendar, business or trid_business");
  return std::nullopt;
}

std::optional<Roll> roll(FieldReader& r, std::string_view key) {
  const auto v = r.string(key, Need::optional, 20);
  if (!v) return std::nullopt;
  if (*v == "none") return Roll::none;
  if (*v == "forward") return Roll::forward;
  if (*v == "backward") return Roll::backward;
  r.add("invalid_" + std::string(key), r.child_path(key), "expected none, forward or backward");
  return std::nullopt;
}

DeadlineRule deadline_rule(FieldReader& o, bool task) {
  o.reject_unknown({"id", "label", "owner", "source", "note", "after", "before", "term", "days", "typical", "tax_day_cap", "count", "roll", "time", "when", "facts"});
  DeadlineRule d;
  d.task = task;
  d.id = o.string("id", Need::required, 48).value_or("");
  d.label = o.string("label", Need::required, 300).value_or("");
  d.owner = o.string("owner", Need::optional, 80).value_or("");
  d.source = o.string("source", Need::optional, 300).value_or("");
  d.note = o.string("note", Need::optional, 600).value_or("");
  const auto after = o.string("after", Need::optional, 64), before = o.string("before", Need::optional, 64);
  if (after.has_value() == before.has_value()) o.add("invalid_anchor", o.path(), "give exactly one of after and before");
  d.anchor = after ? *after : before.value_or("effective");
  d.sign = before ? -1 : 1;
  d.term = o.string("term", Need::optional, 48).value_or("");
  if (auto v = o.integer("days", Need::optional, 0, 3650)) d.days = static_cast<int>(*v);
  d.typical = o.boolean("typical", Need::optional).value_or(false);
  d.tax_day_cap = o.boolean("tax_day_cap", Need::optional).value_or(false);
  if (d.typical && (!d.days || d.term.empty())) o.add("invalid_typical", o.path(), "a typical period needs days and the term that replaces it");
  d.count = day_count(o, "count");
  d.roll = roll(o, "roll");
  d.time = o.string("time", Need::optional, 5).value_or("");
  d.when = o.string("when", Need::optional, 48).value_or("");
  d.facts = strings(o, "facts");
  return d;
}

void load_contract_json(const json& j, ContractData& c, Errors& errors) {
  FieldReader r(j, "policy", "contract_forms.json", errors);
  r.reject_unknown({"about", "financing", "conditions", "forms", "tasks"});
  if (const json* f = r.object("financing", Need::required)) {
    FieldReader fr(*f, "policy", r.child_path("financing"), errors);
    c.trid_loans = strings(fr, "trid", Need::required);
    c.other_loans = strings(fr, "not_trid", Need::required);
  }
  c.conditions = strings(r, "conditions", Need::required);
  each_object(r, "tasks", Need::required, 60, errors, [&](FieldReader& o) { c.tasks.push_back(deadline_rule(o, true)); });
  each_object(r, "forms", Need::required, 40, errors, [&](FieldReader& o) {
    o.reject_unknown({"id", "aliases", "name", "source", "counting", "base", "count", "day_one", "roll", "time", "rolled_time",
                      "holidays", "deadlines", "omit"});
    ContractForm form;
    form.id = o.string("id", Need::required, 48).value_or("");
    if (auto base = o.string("base", Need::optional, 48)) {
      if (const ContractForm* b = c.form(*base)) {
        form = *b;
        form.id = o.string("id", Need::required, 48).value_or("");
      } else {
        o.add("unknown_base", o.child_path("base"), "no earlier form '" + *base + "'");
      }
    }
    form.aliases = strings(o, "aliases");
    form.name = o.string("name", Need::required, 200).value_or("");
    form.source = o.string("source", Need::required, 400).value_or("");
    form.counting = o.string("counting", Need::required, 800).value_or("");
    if (auto v = day_count(o, "count")) form.count = *v;
    if (auto v = o.string("day_one", Need::optional, 20)) {
      if (*v != "day_after" && *v != "acceptance") o.add("invalid_day_one", o.child_path("day_one"), "expected day_after or acceptance");
      form.acceptance_is_day_one = *v == "acceptance";
    }
    if (auto v = roll(o, "roll")) form.roll = *v;
    if (auto v = o.string("time", Need::optional, 5)) form.time = *v;
    if (auto v = o.string("rolled_time", Need::optional, 5)) form.rolled_time = *v;
    each_object(o, "holidays", Need::optional, 30, errors, [&](FieldReader& h) {
      h.reject_unknown({"name", "month", "day", "weekday", "nth", "days_after"});
      HolidayRule rule;
      rule.name = h.string("name", Need::required, 80).value_or("");
      rule.month = static_cast<unsigned>(h.integer("month", Need::required, 1, 12).value_or(1));
      rule.day = static_cast<unsigned>(h.integer("day", Need::optional, 1, 31).value_or(0));
      rule.weekday = static_cast<int>(h.integer("weekday", Need::optional, 0, 6).value_or(0));
      rule.nth = static_cast<int>(h.integer("nth", Need::optional, -1, 5).value_or(0));
      rule.days_after = static_cast<int>(h.integer("days_after", Need::optional, 1, 6).value_or(0));
      if (!rule.day && !rule.nth) h.add("invalid_holiday", h.path(), "give a day, or a weekday and nth");
      form.holidays.push_back(std::move(rule));
    });
    for (const auto& id : strings(o, "omit"))
      std::erase_if(form.deadlines, [&](const DeadlineRule& d) { return d.id == id; });
    each_object(o, "deadlines", Need::optional, 60, errors, [&](FieldReader& d) {
      DeadlineRule rule = deadline_rule(d, false);
      auto same = std::find_if(form.deadlines.begin(), form.deadlines.end(), [&](const DeadlineRule& x) { return x.id == rule.id; });
      if (same != form.deadlines.end()) *same = std::move(rule);
      else form.deadlines.push_back(std::move(rule));
    });
    c.forms.push_back(std::move(form));
  });
  if (!c.form("generic")) r.add("missing_form", r.child_path("forms"), "needs a 'generic' form");
  // Conditions and anchors must name something that exists.
  auto check = [&](const DeadlineRule& d, const ContractForm* form, const std::string& path) {
    if (!d.when.empty() && std::find(c.conditions.begin(), c.conditions.end(), d.when) == c.conditions.end())
      r.add("unknown_condition", path, d.id + ": condition '" + d.when + "' is not in conditions");
    const bool fixed = d.anchor == "effective" || d.anchor == "closing" || d.anchor == "consummation" || d.anchor.rfind("date:", 0) == 0;
    bool deadline = false;
    if (form) for (const auto& x : form->deadlines) deadline = deadline || x.id == d.anchor;
    if (!fixed && !deadline) r.add("unknown_anchor", path, d.id + ": anchor '" + d.anchor + "' is not effective, closing, consummation, date:<name> or a deadline");
    if (!d.days && d.term.empty()) r.add("missing_days", path, d.id + ": give days, a term, or both");
  };
  for (const auto& form : c.forms)
    for (const auto& d : form.deadlines) check(d, &form, r.child_path("forms") + "." + form.id);
  for (const auto& t : c.tasks) check(t, c.form("generic"), r.child_path("tasks"));
}

// ---- [6] situations.json and playbooks/situations.md --------------------------------------------

void load_situations(const json& j, const std::string* markdown, SituationData& sd, Errors& errors) {
  FieldReader r(j, "policy", "situations.json", errors);
  r.reject_unknown({"about", "max_per_request", "situations"});
  sd.max_per_request = static_cast<std::size_t>(r.integer("max_per_request", Need::required, 1, 8).value_or(3));
  // "## id: Title" sections of the markdown, by id.
  std::map<std::string, std::pair<std::string, std::string>> sections;
  if (markdown) {
    const std::string& md = *markdown;
    std::size_t at = md.find("\n## ");
    while (at != std::string::npos) {
      const std::size_t start = at + 1, next = md.find("\n## ", start);
      const std::size_t line_end = md.find('\n', start);
      const std::string heading = md.substr(start + 3, line_end - start - 3);
      const std::size_t colon = heading.find(": ");
      std::string body = md.substr(start, (next == std::string::npos ? md.size() : next) - start);
      while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
      if (colon == std::string::npos) r.add("invalid_section", "playbooks/situations.md", "heading '" + heading + "' needs 'id: Title'");
      else sections[heading.substr(0, colon)] = {heading.substr(colon + 2), "## " + heading.substr(colon + 2) + body.substr(line_end - start)};
      at = next;
    }
  }
  each_object(r, "situations", Need::required, 30, errors, [&](FieldReader& o) {
    o.reject_unknown({"id", "facts", "values", "query"});
    Situation s;
    s.id = o.string("id", Need::required, 48).value_or("");
    auto it = sections.find(s.id);
    if (it == sections.end()) { o.add("missing_section", o.child_path("id"), "playbooks/situations.md has no section '" + s.id + ": ...'"); return; }
    s.title = it->second.first;
    s.text = it->second.second;
    s.tokens = estimate_tokens(s.text);
    s.facts = strings(o, "facts");
    if (const json* v = o.object("values", Need::optional)) {
      FieldReader vr(*v, "policy", o.child_path("values"), errors);
      for (auto f = v->begin(); f != v->end(); ++f) s.values.emplace_back(f.key(), phrases(vr, f.key()));
    }
    s.query = phrases(o, "query");
    sd.list.push_back(std::move(s));
  });
}

}  // namespace

void load_qualify_files(const std::map<std::string, std::string>& files, PolicyData& d, Errors& errors,
                        const ParseFile& parse) {
  json storage;
  if (const json* j = parse(files, "qualification.json", storage, errors)) load_qualification_json(*j, d.qualify, errors);
  if (const json* j = parse(files, "stages.json", storage, errors)) load_stages_json(*j, d.stages, d.qualify, errors);
  if (const json* j = parse(files, "extraction.json", storage, errors)) load_extraction_json(*j, d.extraction, errors);
  if (const json* j = parse(files, "contract_forms.json", storage, errors)) load_contract_json(*j, d.contracts, errors);
  if (const json* j = parse(files, "situations.json", storage, errors)) {
    auto md = files.find("playbooks/situations.md");
    if (md == files.end()) errors.push_back({"policy.missing_file", "playbooks/situations.md: file is missing from core/data", "playbooks/situations.md"});
    load_situations(*j, md == files.end() ? nullptr : &md->second, d.situations, errors);
  }
}

}  // namespace porchlight::detail
