// policy_data.hpp (internal): the parsed form of core/data/, shared by route, prompt, context and
// cost. Built once per Policy by policy.cpp; read-only afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/model.hpp"
#include "qualify_data.hpp"

namespace porchlight::detail {

struct Keyword {
  std::string phrase;  // normalized, with a leading space: matches at a word start
  std::string label;   // as written in the data file, for reasons
  double weight = 0;
};

struct SpecialistRules {
  ModelTier default_tier = ModelTier::balanced;
  GuidanceType guidance_type = GuidanceType::coaching_tip;
  std::int64_t expected_output_tokens = 400;
  std::array<double, enum_count<ConversationStage>()> stage_weight{};
  std::array<double, enum_count<AgentRole>()> role_weight{};
  std::vector<Keyword> keywords;
  // The playbook as an agent of each experience level reads it: the common sections plus the
  // section for that level ("## For newer agents", "## For seasoned agents"; adaptation.json maps
  // levels to sections). Agents of one level share the bytes, so they share the prompt cache.
  struct Playbook {
    std::string text;  // markdown
    std::int64_t tokens = 0;
    std::string block_json;  // the playbook as a JSON text block, with a cache breakpoint (prompt_parts.hpp)
  };
  std::array<Playbook, enum_count<ExperienceLevel>()> playbooks;
  const Playbook& playbook(ExperienceLevel e) const { return playbooks[static_cast<std::size_t>(e)]; }
};

struct TierRule {
  std::string reason;
  int shift = 0;  // +1 raises the tier, -1 lowers it
  std::vector<Specialist> specialists;  // empty: any
  std::vector<ExperienceLevel> experience;
  std::vector<Specialization> specializations;
  std::int64_t query_tokens_over = -1;   // -1: not a condition
  std::int64_t query_tokens_under = -1;
  std::int64_t context_tokens_over = -1;
  std::vector<Keyword> keywords;  // any of them
};

// Every keyword of routing.json in one index: for a word start in a normalized text, only the
// keywords that begin with the same two characters are compared. Owners below kTierRuleOwner are
// specialists; kTierRuleOwner + i is tier rule i.
struct KeywordIndex {
  static constexpr std::uint16_t kTierRuleOwner = 1000;
  struct Entry {
    const Keyword* keyword;
    std::uint16_t owner;
  };
  std::vector<Entry> entries;
  // Entries by their phrase's first two characters (a normalized phrase holds letters, digits,
  // '$', '%' and spaces: 39 symbols): slot k's entries are by_slot[first[k] .. first[k + 1]).
  // A flat table, not a map: routing looks a slot up at every word of the request.
  static constexpr int kSymbols = 39;
  std::vector<std::uint32_t> first;    // kSymbols * kSymbols + 1 offsets
  std::vector<std::uint32_t> by_slot;  // entry indices, grouped by slot
  static int symbol(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '0' && c <= '9') return 26 + (c - '0');
    return c == '$' ? 36 : c == '%' ? 37 : c == ' ' ? 38 : -1;
  }
  static int slot(char a, char b) {
    const int x = symbol(a), y = symbol(b);
    return x < 0 || y < 0 ? -1 : x * kSymbols + y;
  }
};

struct TierConfig {
  std::string model;
  std::int64_t max_output_tokens = 1024;
};

struct PriceBand {
  double input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
};

struct ModelPrice {
  PriceBand base;
  std::optional<PriceBand> long_context;  // applies when the prompt exceeds the threshold
  std::int64_t long_context_above_tokens = 0;
  std::int64_t min_cacheable_tokens = 1024;
};

struct RouterModel;  // router_model.hpp

// Router v2's settings (routing.json "learned"): whether it decides, the model it decides with,
// and the rules that turn its probabilities into a decision (docs/coaching.md, section 9).
struct LearnedRouting {
  bool enabled = false;
  std::string model_version;     // must equal the version inside router/model.json
  double quality_floor = 0.8;    // the cheapest tier whose estimated adequacy reaches it
  double plan_threshold = 0.5;   // a second or third specialist joins the plan from this probability
  std::size_t max_plan = 3;
};

// How a compound request's plan is asked (routing.json "plans"; porchlight/plan.hpp): each
// specialist's brief, and the synthesis that merges their notes into the answer.
struct PlanTexts {
  std::int64_t step_max_tokens = 700;
  std::string step;       // {area}: the step's specialist; {others}: the rest of the plan
  std::string synthesis;  // before the notes
  std::string missing;    // in place of a step's notes when the step failed; {area}
};

struct PolicyData {
  // Out of line (policy.cpp): built and destroyed once per policy, not inlined at every use.
  PolicyData();
  ~PolicyData();
  PolicyData(const PolicyData&) = delete;
  PolicyData& operator=(const PolicyData&) = delete;

  std::string release;
  std::string version;
  std::map<std::string, std::string> files;

  std::array<TierConfig, enum_count<ModelTier>()> tiers;
  std::int64_t context_budget_tokens = 16000;
  std::int64_t fold_chunk_turns = 4;
  std::int64_t summary_max_tokens = 1200;
  std::string summary_instructions;  // the system prompt of the fast-tier call that writes summaries
  std::int64_t message_overhead_tokens = 4;
  std::array<std::int64_t, enum_count<Verbosity>()> verbosity_output_percent{60, 100, 160};

  std::string house_rules;
  std::int64_t house_rules_tokens = 0;
  std::array<std::string, 2> house_rules_json;  // as a JSON text block, without and with a cache breakpoint
  std::array<SpecialistRules, enum_count<Specialist>()> specialists;
  Specialist fallback_specialist = Specialist::coaching;
  Specialist specialist_with_images = Specialist::listing_marketing;  // a request that carries photos
  double min_score = 1.0;  // below it, the fallback specialist answers
  std::vector<TierRule> tier_rules;
  KeywordIndex keyword_index;  // built from specialists and tier_rules once they are loaded
  LearnedRouting learned;
  PlanTexts plans;
  // Router v2's model: compiled in natively; the browser's core gets it after first paint
  // (router/model.json is not embedded in the WebAssembly build, and not part of the version:
  // routing.json names its version).
  std::shared_ptr<const RouterModel> router_model;
  double budget_downgrade_below = 0.2;
  double budget_fast_only_below = 0.05;

  // Adaptation texts (adaptation.json), each with its token estimate and its JSON-escaped form,
  // made once at load: routing sizes the adaptation block on every call without writing it, and
  // the prompt writer copies it into the request body without escaping it again.
  struct Text {
    std::string text;
    std::int64_t tokens = 0;
    std::string json;  // the characters of a JSON string, without quotes
  };
  std::array<Text, enum_count<AgentRole>()> role_text;
  std::array<Text, enum_count<ExperienceLevel>()> experience_text;
  std::array<Text, enum_count<Specialization>()> specialization_text;
  std::array<Text, enum_count<Tone>()> tone_text;
  std::array<Text, enum_count<Verbosity>()> verbosity_text;
  std::array<std::string, enum_count<ExperienceLevel>()> experience_section;  // the playbook section per level

  std::map<std::string, ModelPrice> prices;  // by model id
  double web_search_per_search = 0;          // prices.json server_tools: USD a search

  QualifyData qualify;        // qualification.json
  StageData stages;           // stages.json
  ExtractData extraction;     // extraction.json
  ContractData contracts;     // contract_forms.json
  SituationData situations;   // situations.json and playbooks/situations.md

  const SpecialistRules& rules(Specialist s) const {
    return specialists[static_cast<std::size_t>(s)];
  }
  // The price entry for a model id; dated ids ("claude-sonnet-5-5-20261001") use their family.
  const ModelPrice* price_for(std::string_view model, std::string* matched = nullptr) const;
};

}  // namespace porchlight::detail
