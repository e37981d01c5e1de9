// fuzz_policy: policy loading, Policy::from_files (core/src/policy.cpp), with one of the embedded
// data files replaced; and, when the edited policy loads, every decision the core makes with it.
//
// Input: a first line naming a file of core/data ("routing.json", "playbooks/coaching.md"), then
// that file's new content. An input whose first line names no file is skipped.
// A policy that loads must then route, build prompts (every specialist, every tier), fit context,
// price usage, and make cards, deadlines and offline answers without a crash: whatever the
// loader accepts, the core must be able to decide with.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/qualify.hpp"
#include "porchlight/route.hpp"
#include "named_input.hpp"

namespace {

using namespace porchlight;

void decide_with(const Policy& policy) {
  PromptRequest req;
  req.profile.id = "agent-1";
  req.profile.location_id = "loc-1";
  req.profile.name = "Dana";
  req.profile.specializations = {Specialization::luxury};
  req.lead.id = "lead-1";
  req.lead.facts = {{"price_range", "$450-500k"}, {"inspection_deadline", "2026-03-10"},
                    {"closing_date", "2026-04-01"}};
  req.query = "The seller says my commission is too high; what should I ask next before the inspection?";
  req.summary = "They toured three homes.";
  req.history = {{TurnRole::user, "Hi"}, {TurnRole::assistant, "Hello! How can I help?"}};
  req.budget = Budget{100, 99.5};

  RouteRequest r{req.query, req.profile, req.stage, req.budget, 5000, std::nullopt, std::nullopt};
  const RouteDecision decision = route(r, policy);
  for (std::size_t s = 0; s < enum_count<Specialist>(); ++s) {  // the tiers in turn
    req.specialist = static_cast<Specialist>(s);
    req.tier = static_cast<ModelTier>(s % enum_count<ModelTier>());
    (void)build_prompt(req, policy);
  }
  (void)coaching_context(req.profile, req.query, policy);
  (void)fit_context(ContextRequest{0, 3000, 200, req.summary, req.history}, policy);
  const Usage usage{300000, 2000, 1000, 500, 4000};
  for (std::size_t t = 0; t < enum_count<ModelTier>(); ++t)
    (void)cost_of(usage, policy.model_for(static_cast<ModelTier>(t)), policy);
  (void)cost_at_highest_rates(usage, policy);
  for (std::size_t st = 0; st < enum_count<ConversationStage>(); ++st)
    (void)guidance_cards(req.profile, req.lead, static_cast<ConversationStage>(st), decision,
                         "1. Ask about their timeline.", "2026-03-01", policy);
  (void)qualification_checklist(req.profile, req.lead, "2026-03-01", policy);
  if (const auto terms = contract_terms_from(req.lead, policy)) (void)contract_timeline(*terms, "2026-03-01", policy);
  (void)offline_answer(decision, req.query, req.profile, req.lead, policy);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = porchlight::fuzz::named_input(data, size);
  if (!input) return 0;
  std::map<std::string, std::string> files = Policy::embedded().files();
  const auto file = files.find(std::string(input->name));
  if (file == files.end()) return 0;
  file->second = std::string(input->rest);
  const auto policy = Policy::from_files(files);
  if (policy) decide_with(policy.value());
  return 0;
}
