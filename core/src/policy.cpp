// policy.cpp: loads core/data (embedded or given as files) into PolicyData.
//
// Sections:
//   [1] helpers
//   [2] policy.json (tiers, context, verbosity)
//   [3] routing.json
//   [4] prices.json
//   [5] adaptation.json and playbooks
//   [6] Policy

#include "porchlight/policy.hpp"

#include <algorithm>

#include "porchlight/json_output.hpp"

#include "embedded_data.hpp"
#include "json_reader.hpp"
#include "policy_data.hpp"
#include "router_model.hpp"
#include "policy_qualify.hpp"
#include "prompt_parts.hpp"
#include "porchlight/context.hpp"
#include "text.hpp"

namespace porchlight {

using detail::FieldReader;
using detail::Need;
using detail::PolicyData;

namespace {

// ---- [1] helpers -------------------------------------------------------------------------------

// Data files are trusted more than requests but still checked: a bad edit must fail the build's
// tests with a clear message, never crash.
const detail::ParseLimits kDataLimits{4u << 20, 16};

const std::string* file(const std::map<std::string, std::string>& files, const std::string& name,
                        Errors& errors) {
  auto it = files.find(name);
  if (it == files.end()) {
    errors.push_back({"policy.missing_file", name + ": file is missing from core/data", name});
    return nullptr;
  }
  return &it->second;
}

const json* parse_file(const std::map<std::string, std::string>& files, const std::string& name,
                       json& storage, Errors& errors) {
  const std::string* text = file(files, name, errors);
  if (!text) return nullptr;
  auto parsed = detail::parse_untrusted(*text, kDataLimits);
  if (!parsed) {
    for (auto e : parsed.errors())
      errors.push_back({"policy.invalid_file", name + ": " + e.message, name});
    return nullptr;
  }
  storage = std::move(parsed).value();
  return &storage;
}

std::vector<detail::Keyword> keywords_from(const json& list_or_map, const std::string& path,
                                           FieldReader& r) {
  std::vector<detail::Keyword> out;
  auto add = [&](const std::string& label, double weight) {
    std::string phrase = detail::normalize_for_matching(label);
    phrase.pop_back();  // keep the leading space only: prefix match at a word start
    if (phrase.size() < 3) {  // a space and at least two characters: the index keys on two
      r.add("invalid_keyword", path, "keyword " + detail::in_quotes(label) + " needs two letters or digits");
      return;
    }
    out.push_back({std::move(phrase), label, weight});
  };
  if (list_or_map.is_object()) {
    for (auto it = list_or_map.begin(); it != list_or_map.end(); ++it) {
      if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 100)
        r.add("invalid_keyword", path + "." + it.key(), "weight must be a number from 0 to 100");
      else add(it.key(), it->get<double>());
    }
  } else if (list_or_map.is_array()) {
    for (const json& k : list_or_map) {
      if (!k.is_string()) r.add("invalid_keyword", path, "keywords must be strings");
      else add(k.get<std::string>(), 1.0);
    }
  }
  return out;
}

template <class E, std::size_t N>
void weights_from(const json* obj, std::array<double, N>& out, const std::string& path,
                  FieldReader& r) {
  if (!obj) return;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    auto e = parse_enum<E>(it.key());
    if (!e) { r.add("invalid_weight", path + "." + it.key(), "unknown " + std::string(EnumNames<E>::kind)); continue; }
    if (!it->is_number()) { r.add("invalid_weight", path + "." + it.key(), "expected a number"); continue; }
    out[static_cast<std::size_t>(*e)] = it->get<double>();
  }
}

template <class E>
std::vector<E> enums_from(FieldReader& r, std::string_view key) {
  return r.enum_list<E>(key, enum_count<E>());
}

// ---- [2] policy.json ---------------------------------------------------------------------------

void load_policy_json(const json& j, PolicyData& d, Errors& errors) {
  FieldReader r(j, "policy", "policy.json", errors);
  if (auto v = r.string("release", Need::required, 40)) d.release = *v;
  if (const json* tiers = r.object("tiers", Need::required)) {
    FieldReader tr(*tiers, "policy", r.child_path("tiers"), errors);
    for (std::size_t i = 0; i < enum_count<ModelTier>(); ++i) {
      const std::string_view name = EnumNames<ModelTier>::names[i];
      if (const json* t = tr.object(name, Need::required)) {
        FieldReader one(*t, "policy", tr.child_path(name), errors);
        if (auto v = one.string("model", Need::required, 100)) d.tiers[i].model = *v;
        if (auto v = one.integer("max_output_tokens", Need::required, 16, 128000))
          d.tiers[i].max_output_tokens = *v;
      }
    }
  }
  if (const json* c = r.object("context", Need::required)) {
    FieldReader cr(*c, "policy", r.child_path("context"), errors);
    if (auto v = cr.integer("budget_tokens", Need::required, 1000, 1000000)) d.context_budget_tokens = *v;
    if (auto v = cr.integer("fold_chunk_turns", Need::required, 2, 64)) d.fold_chunk_turns = *v;
    if (auto v = cr.integer("summary_max_tokens", Need::required, 100, 100000)) d.summary_max_tokens = *v;
    if (auto v = cr.string("summary_instructions", Need::required, 4000)) d.summary_instructions = *v;
    if (auto v = cr.integer("message_overhead_tokens", Need::required, 0, 100)) d.message_overhead_tokens = *v;
  }
  if (const json* vb = r.object("verbosity_output_percent", Need::required)) {
    FieldReader vr(*vb, "policy", r.child_path("verbosity_output_percent"), errors);
    for (std::size_t i = 0; i < enum_count<Verbosity>(); ++i)
      if (auto v = vr.integer(EnumNames<Verbosity>::names[i], Need::required, 10, 1000))
        d.verbosity_output_percent[i] = *v;
  }
}

// ---- [3] routing.json --------------------------------------------------------------------------

void load_routing(const json& j, PolicyData& d, Errors& errors) {
  FieldReader r(j, "policy", "routing.json", errors);
  r.reject_unknown({"about", "min_score", "fallback_specialist", "with_images", "specialists", "tier_rules", "budget",
                    "learned", "plans"});
  if (auto v = r.enumeration<Specialist>("fallback_specialist", Need::required)) d.fallback_specialist = *v;
  if (auto v = r.enumeration<Specialist>("with_images", Need::required)) d.specialist_with_images = *v;
  if (auto v = r.number("min_score", Need::required, 0, 100)) d.min_score = *v;
  if (const json* specs = r.object("specialists", Need::required)) {
    FieldReader sr(*specs, "policy", r.child_path("specialists"), errors);
    for (std::size_t i = 0; i < enum_count<Specialist>(); ++i) {
      const std::string_view name = EnumNames<Specialist>::names[i];
      const json* s = sr.object(name, Need::required);
      if (!s) continue;
      auto& rules = d.specialists[i];
      FieldReader one(*s, "policy", sr.child_path(name), errors);
      one.reject_unknown({"about", "default_tier", "guidance_type", "expected_output_tokens", "stages",
                          "roles", "keywords"});
      if (auto v = one.enumeration<ModelTier>("default_tier", Need::required)) rules.default_tier = *v;
      if (auto v = one.enumeration<GuidanceType>("guidance_type", Need::required)) rules.guidance_type = *v;
      if (auto v = one.integer("expected_output_tokens", Need::required, 16, 100000))
        rules.expected_output_tokens = *v;
      weights_from<ConversationStage>(one.object("stages", Need::optional), rules.stage_weight,
                                      one.child_path("stages"), one);
      weights_from<AgentRole>(one.object("roles", Need::optional), rules.role_weight,
                              one.child_path("roles"), one);
      if (const json* k = one.object("keywords", Need::required))
        rules.keywords = keywords_from(*k, one.child_path("keywords"), one);
    }
  }
  if (const json* rules = r.array("tier_rules", Need::optional, 100)) {
    for (std::size_t i = 0; i < rules->size(); ++i) {
      FieldReader rr((*rules)[i], "policy", r.child_path("tier_rules") + "[" + std::to_string(i) + "]", errors);
      if (!rr.valid()) continue;
      detail::TierRule rule;
      if (auto v = rr.string("reason", Need::required, 200)) rule.reason = *v;
      if (auto v = rr.integer("shift", Need::required, -2, 2)) rule.shift = static_cast<int>(*v);
      if (const json* w = rr.object("when", Need::required)) {
        FieldReader wr(*w, "policy", rr.child_path("when"), errors);
        wr.reject_unknown({"specialists", "experience", "specializations", "query_tokens_over",
                           "query_tokens_under", "context_tokens_over", "keywords"});
        rule.specialists = enums_from<Specialist>(wr, "specialists");
        rule.experience = enums_from<ExperienceLevel>(wr, "experience");
        rule.specializations = enums_from<Specialization>(wr, "specializations");
        if (auto v = wr.integer("query_tokens_over", Need::optional, 0, 1000000)) rule.query_tokens_over = *v;
        if (auto v = wr.integer("query_tokens_under", Need::optional, 0, 1000000)) rule.query_tokens_under = *v;
        if (auto v = wr.integer("context_tokens_over", Need::optional, 0, 10000000)) rule.context_tokens_over = *v;
        if (const json* k = wr.array("keywords", Need::optional, 500))
          rule.keywords = keywords_from(*k, wr.child_path("keywords"), wr);
      }
      d.tier_rules.push_back(std::move(rule));
    }
  }
  if (const json* l = r.object("learned", Need::optional)) {
    FieldReader lr(*l, "policy", r.child_path("learned"), errors);
    lr.reject_unknown({"about", "enabled", "model_version", "quality_floor", "plan_threshold", "max_plan"});
    auto& learned = d.learned;
    if (auto v = lr.boolean("enabled", Need::required)) learned.enabled = *v;
    if (auto v = lr.string("model_version", Need::required, 200)) learned.model_version = *v;
    if (auto v = lr.number("quality_floor", Need::required, 0, 1)) learned.quality_floor = *v;
    if (auto v = lr.number("plan_threshold", Need::required, 0, 1)) learned.plan_threshold = *v;
    if (auto v = lr.integer("max_plan", Need::optional, 1, 3)) learned.max_plan = static_cast<std::size_t>(*v);
  }
  if (const json* p = r.object("plans", Need::required)) {
    FieldReader pr(*p, "policy", r.child_path("plans"), errors);
    pr.reject_unknown({"about", "step_max_tokens", "step", "synthesis", "missing"});
    auto& plans = d.plans;
    if (auto v = pr.integer("step_max_tokens", Need::required, 64, 8192)) plans.step_max_tokens = *v;
    if (auto v = pr.string("step", Need::required, 4000)) plans.step = *v;
    if (auto v = pr.string("synthesis", Need::required, 4000)) plans.synthesis = *v;
    if (auto v = pr.string("missing", Need::required, 1000)) plans.missing = *v;
  }
  if (const json* b = r.object("budget", Need::required)) {
    FieldReader br(*b, "policy", r.child_path("budget"), errors);
    if (auto v = br.number("downgrade_below_fraction", Need::required, 0, 1)) d.budget_downgrade_below = *v;
    if (auto v = br.number("fast_only_below_fraction", Need::required, 0, 1)) d.budget_fast_only_below = *v;
  }
}

// ---- [4] prices.json ---------------------------------------------------------------------------

detail::PriceBand read_band(FieldReader& r) {
  detail::PriceBand b;
  if (auto v = r.number("input", Need::required, 0, 10000)) b.input = *v;
  if (auto v = r.number("output", Need::required, 0, 10000)) b.output = *v;
  if (auto v = r.number("cache_write_5m", Need::required, 0, 10000)) b.cache_write_5m = *v;
  if (auto v = r.number("cache_write_1h", Need::required, 0, 10000)) b.cache_write_1h = *v;
  if (auto v = r.number("cache_read", Need::required, 0, 10000)) b.cache_read = *v;
  return b;
}

void load_prices(const json& j, PolicyData& d, Errors& errors) {
  FieldReader r(j, "policy", "prices.json", errors);
  const json* models = r.object("models", Need::required);
  if (!models) return;
  for (auto it = models->begin(); it != models->end(); ++it) {
    FieldReader mr(*it, "policy", r.child_path("models") + "." + it.key(), errors);
    if (!mr.valid()) continue;
    detail::ModelPrice price;
    price.base = read_band(mr);
    if (auto v = mr.integer("min_cacheable_tokens", Need::required, 0, 1000000)) price.min_cacheable_tokens = *v;
    if (const json* lc = mr.object("long_context", Need::optional)) {
      FieldReader lr(*lc, "policy", mr.child_path("long_context"), errors);
      price.long_context = read_band(lr);
      if (auto v = lr.integer("above_input_tokens", Need::required, 1, 100000000))
        price.long_context_above_tokens = *v;
    }
    d.prices[it.key()] = price;
  }
  if (const json* tools = r.object("server_tools", Need::required)) {
    FieldReader tr(*tools, "policy", r.child_path("server_tools"), errors);
    if (auto v = tr.number("web_search_per_search", Need::required, 0, 100)) d.web_search_per_search = *v;
  }
  for (std::size_t i = 0; i < d.tiers.size(); ++i)
    if (!d.tiers[i].model.empty() && !d.price_for(d.tiers[i].model))
      errors.push_back({"policy.unpriced_model",
                        "policy.json: tier " + std::string(EnumNames<ModelTier>::names[i]) +
                            " uses model '" + d.tiers[i].model + "', which prices.json does not price",
                        "policy.json"});
}

// ---- [5] adaptation.json and playbooks ---------------------------------------------------------

template <class E, std::size_t N>
void texts_from(FieldReader& r, std::string_view key, std::array<detail::PolicyData::Text, N>& out) {
  const json* obj = r.object(key, Need::required);
  if (!obj) return;
  for (std::size_t i = 0; i < N; ++i) {
    const std::string_view name = EnumNames<E>::names[i];
    auto it = obj->find(name);
    if (it == obj->end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      r.add("missing_text", r.child_path(key) + "." + std::string(name), "needs a non-empty text");
    else {
      const auto& text = it->get_ref<const std::string&>();
      out[i] = {text, estimate_tokens(text), {}};
      append_json_escaped(out[i].json, text);
    }
  }
}

// A playbook as one experience level reads it: every section, except that of the level sections
// ("## For newer agents", "## For seasoned agents") only the level's own is kept, where they stood.
std::string playbook_for_level(const std::string& text, const std::array<std::string, enum_count<ExperienceLevel>()>& sections,
                               std::size_t level, const std::string& file_name, Errors& errors) {
  std::vector<std::size_t> starts;  // of every "## " line
  for (std::size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, 3, "## ") == 0) starts.push_back(pos);
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  struct Span { std::size_t begin, end; std::string heading; };
  std::vector<Span> spans;  // the level sections, in order
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::size_t end = k + 1 < starts.size() ? starts[k + 1] : text.size();
    const std::size_t line_end = std::min(text.find('\n', starts[k]), text.size());
    std::string heading = text.substr(starts[k] + 3, line_end - starts[k] - 3);
    if (std::find(sections.begin(), sections.end(), heading) != sections.end()) spans.push_back({starts[k], end, std::move(heading)});
  }
  if (spans.empty()) return text;
  for (std::size_t k = 1; k < spans.size(); ++k)
    if (spans[k].begin != spans[k - 1].end) {
      errors.push_back({"policy.invalid_file", file_name + ": the experience sections must stand together", file_name});
      return text;
    }
  std::string out = text.substr(0, spans.front().begin);
  for (const auto& span : spans)
    if (span.heading == sections[level]) out += text.substr(span.begin, span.end - span.begin);
  out += text.substr(spans.back().end);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void load_texts(const std::map<std::string, std::string>& files, PolicyData& d, Errors& errors) {
  json storage;
  if (const json* j = parse_file(files, "adaptation.json", storage, errors)) {
    FieldReader r(*j, "policy", "adaptation.json", errors);
    texts_from<AgentRole>(r, "roles", d.role_text);
    texts_from<ExperienceLevel>(r, "experience", d.experience_text);
    texts_from<Specialization>(r, "specializations", d.specialization_text);
    texts_from<Tone>(r, "tone", d.tone_text);
    texts_from<Verbosity>(r, "verbosity", d.verbosity_text);
    if (const json* sec = r.object("playbook_section", Need::required)) {
      FieldReader sr(*sec, "policy", r.child_path("playbook_section"), errors);
      for (std::size_t i = 0; i < enum_count<ExperienceLevel>(); ++i)
        if (auto v = sr.string(EnumNames<ExperienceLevel>::names[i], Need::required, 80)) d.experience_section[i] = *v;
    }
  }
  auto playbook = [&](std::string_view id) -> std::string {
    const std::string name = "playbooks/" + std::string(id) + ".md";
    const std::string* text = file(files, name, errors);
    if (!text) return {};
    if (!detail::is_valid_utf8(*text) || text->size() < 200) {
      errors.push_back({"policy.invalid_file", name + ": a playbook must be UTF-8 text of 200 bytes or more", name});
      return {};
    }
    // Trailing newlines are trimmed so that editors' habits do not change the prompt bytes.
    std::string out = *text;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    return out;
  };
  d.house_rules = playbook("house_rules");
  d.house_rules_tokens = estimate_tokens(d.house_rules);
  d.house_rules_json = {detail::text_block_json(d.house_rules, false), detail::text_block_json(d.house_rules, true)};
  for (std::size_t i = 0; i < enum_count<Specialist>(); ++i) {
    const std::string name = "playbooks/" + std::string(EnumNames<Specialist>::names[i]) + ".md";
    const std::string text = playbook(EnumNames<Specialist>::names[i]);
    for (std::size_t level = 0; level < enum_count<ExperienceLevel>(); ++level) {
      auto& p = d.specialists[i].playbooks[level];
      p.text = playbook_for_level(text, d.experience_section, level, name, errors);
      p.tokens = estimate_tokens(p.text);
      p.block_json = detail::text_block_json(p.text, true);
    }
  }
}

void index_keywords(PolicyData& d) {
  auto& index = d.keyword_index;
  std::vector<int> slots;  // by entry
  auto add = [&](const detail::Keyword& k, std::uint16_t owner) {
    slots.push_back(detail::KeywordIndex::slot(k.phrase[1], k.phrase[2]));  // keywords_from checked the length
    index.entries.push_back({&k, owner});
  };
  for (std::size_t s = 0; s < d.specialists.size(); ++s)
    for (const auto& k : d.specialists[s].keywords) add(k, static_cast<std::uint16_t>(s));
  for (std::size_t r = 0; r < d.tier_rules.size(); ++r)
    for (const auto& k : d.tier_rules[r].keywords)
      add(k, static_cast<std::uint16_t>(detail::KeywordIndex::kTierRuleOwner + r));
  // Counting sort by slot: first[k] is where slot k's entries begin.
  constexpr int kSlots = detail::KeywordIndex::kSymbols * detail::KeywordIndex::kSymbols;
  // (A phrase is normalized text, so its first two bytes are symbols; one that is not is never
  // looked up rather than misplaced.)
  index.first.assign(kSlots + 1, 0);
  for (int k : slots)
    if (k >= 0) ++index.first[static_cast<std::size_t>(k) + 1];
  for (int k = 0; k < kSlots; ++k) index.first[k + 1] += index.first[k];
  index.by_slot.assign(index.first[kSlots], 0);
  std::vector<std::uint32_t> next(index.first.begin(), index.first.end() - 1);
  for (std::size_t e = 0; e < slots.size(); ++e)
    if (slots[e] >= 0) index.by_slot[next[static_cast<std::size_t>(slots[e])]++] = static_cast<std::uint32_t>(e);
}

// Router v2's model, when the files hold it (the browser's core attaches it later).
void load_router_model(const std::map<std::string, std::string>& files, PolicyData& d, Errors& errors) {
  const auto it = files.find(kRouterModelFile);
  if (it == files.end()) return;
  auto model = detail::parse_router_model(it->second);
  if (!model) {
    errors.insert(errors.end(), model.errors().begin(), model.errors().end());
    return;
  }
  if (model->version != d.learned.model_version) {
    errors.push_back(Error{"policy.router_model_stale",
                           "router/model.json is version " + model->version + " but routing.json's learned.model_version is \"" +
                               d.learned.model_version + "\": retrain (porchlight train writes both)",
                           "routing.json.learned.model_version"});
    return;
  }
  d.router_model = std::make_shared<const detail::RouterModel>(std::move(model).value());
}

Result<std::shared_ptr<const PolicyData>> load(const std::map<std::string, std::string>& files) {
  auto d = std::make_shared<PolicyData>();
  Errors errors;
  d->files = files;
  json storage;
  if (const json* j = parse_file(files, "policy.json", storage, errors)) load_policy_json(*j, *d, errors);
  if (const json* j = parse_file(files, "routing.json", storage, errors)) load_routing(*j, *d, errors);
  if (const json* j = parse_file(files, "prices.json", storage, errors)) load_prices(*j, *d, errors);
  detail::load_qualify_files(files, *d, errors, &parse_file);
  load_texts(files, *d, errors);
  load_router_model(files, *d, errors);
  if (!errors.empty()) return errors;
  index_keywords(*d);

  // The version names the release and the exact bytes of every file (FNV-1a over path and content).
  std::uint64_t h = detail::fnv1a64("");
  for (const auto& [path, content] : files) {
    if (path == kRouterModelFile) continue;  // routing.json names its version
    h = detail::fnv1a64(path, h);
    h = detail::fnv1a64(std::string_view("\0", 1), h);
    h = detail::fnv1a64(content, h);
  }
  d->version = d->release + "+" + detail::hex64(h).substr(0, 12);
  return std::shared_ptr<const PolicyData>(std::move(d));
}

}  // namespace

PolicyData::PolicyData() = default;
PolicyData::~PolicyData() = default;

const detail::ModelPrice* PolicyData::price_for(std::string_view model, std::string* matched) const {
  // Exact id first, then the longest known id that the model starts with followed by "-".
  if (auto it = prices.find(std::string(model)); it != prices.end()) {
    if (matched) *matched = it->first;
    return &it->second;
  }
  const ModelPrice* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [id, price] : prices) {
    if (model.size() > id.size() && model.substr(0, id.size()) == id && model[id.size()] == '-' &&
        id.size() > best_len) {
      // "claude-opus-5-5" must not price as "claude-opus-5": the rest must be a date.
      const std::string_view rest = model.substr(id.size() + 1);
      if (rest.size() != 8 || rest.find_first_not_of("0123456789") != std::string_view::npos) continue;
      best = &price;
      best_len = id.size();
      if (matched) *matched = id;
    }
  }
  return best;
}

// ---- [6] Policy --------------------------------------------------------------------------------

const Policy& Policy::embedded() {
  static const Policy policy = [] {
    std::map<std::string, std::string> files;
    for (std::size_t i = 0; i < detail::kEmbeddedFileCount; ++i)
      files.emplace(std::string(detail::kEmbeddedFiles[i].path),
                    std::string(detail::kEmbeddedFiles[i].content));
    auto loaded = load(files);
    // The embedded data is checked by the test suite (tests/core/policy); a build whose data does
    // not load still answers, with an empty policy whose version says so.
    if (!loaded) {
      auto empty = std::make_shared<PolicyData>();
      empty->version = "invalid";
      empty->files = std::move(files);
      return Policy(std::move(empty));
    }
    return Policy(std::move(loaded).value());
  }();
  return policy;
}

Result<Policy> Policy::from_files(const std::map<std::string, std::string>& files) {
  auto loaded = load(files);
  if (!loaded) return loaded.errors();
  return Policy(std::move(loaded).value());
}

const std::string& Policy::version() const { return data_->version; }
const std::string& Policy::release() const { return data_->release; }
std::string_view Policy::router() const {
  if (!data_->learned.enabled) return "v1";
  return data_->router_model ? "v2" : "v2_awaiting_weights";
}
const std::map<std::string, std::string>& Policy::files() const { return data_->files; }
const std::string& Policy::model_for(ModelTier tier) const {
  return data_->tiers[static_cast<std::size_t>(tier)].model;
}

}  // namespace porchlight
