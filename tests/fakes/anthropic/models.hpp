// models.hpp (internal to the fake): the models the fake serves, and what each accepts.
//
// The list of models and their minimum cacheable prompt lengths come from core/data/prices.json
// (compiled into porchlight::core), so the fake, the cost module and the router agree on one table.
// The per-model request rules are the documented ones (checked November 2026):
//   - Sonnet/Opus 5 and later reject non-default temperature/top_p/top_k (API version 2023-06-01;
//     with 2026-10-21 the parameters are removed for every model);
//   - prefill (a final assistant message) is accepted only by the 4.5 generation;
//   - manual thinking ({"type":"enabled","budget_tokens":N}) only by the 4.5 generation;
//   - thinking cannot be disabled on Opus 5.5 and Fable; "between_tools" exists on Sonnet 5.5 only;
//   - the 4.5 generation takes temperature or top_p, not both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace porchlight::fake {

struct ModelInfo {
  std::string id;            // undated id, as in prices.json
  std::string display_name;  // "Claude Sonnet 5.5"
  std::string family;        // opus, sonnet, haiku, fable
  int version_tenths = 0;    // 55 for 5.5, 50 for 5, 45 for 4.5
  std::int64_t min_cacheable_tokens = 1024;
  std::int64_t max_output_tokens = 64000;
  std::int64_t context_window = 200000;
  bool rejects_sampling_params = false;
  bool supports_prefill = false;
  bool supports_manual_thinking = false;
  bool thinking_can_be_disabled = true;
  bool supports_between_tools = false;
  bool sampling_params_exclusive = false;  // temperature and top_p not both
};

class ModelCatalogue {
 public:
  static const ModelCatalogue& instance();
  // An id from the table, or one of them with a date suffix ("claude-sonnet-4-5-20250929").
  const ModelInfo* find(std::string_view requested) const;
  const std::vector<ModelInfo>& all() const { return models_; }

 private:
  ModelCatalogue();
  std::vector<ModelInfo> models_;
};

}  // namespace porchlight::fake
