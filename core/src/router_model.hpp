// router_model.hpp (internal): router v2's learned model (docs/coaching.md, "Router v2").
//
// A request becomes hashed features: its words, word pairs and the letter trigrams of its words
// (typos and Spanish endings still match), plus the agent's role, experience, specializations, the
// lead's stage and the request's length. A linear model gives eleven logits over them: one per
// specialist (each a yes/no, so a compound request can have two or three) and two for the tier
// (the request needs more than fast; more than balanced). Weights are int8 per output with a
// scale; sums are integers until one multiply, so native and WASM decide byte for byte alike.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/error.hpp"
#include "porchlight/route.hpp"

namespace porchlight::detail {

struct PolicyData;


inline constexpr std::size_t kSpecialistOutputs = enum_count<Specialist>();
inline constexpr std::size_t kNeedsBalanced = kSpecialistOutputs;  // P(the request needs more than fast)
inline constexpr std::size_t kNeedsDeep = kSpecialistOutputs + 1;  // P(it needs more than balanced)
inline constexpr std::size_t kRouterOutputs = kSpecialistOutputs + 2;

using Logits = std::array<double, kRouterOutputs>;

// A request's features: hashed buckets of its text and of its context. Text features are
// scaled by 1/sqrt(their count) so that a pasted page does not shout over a one-liner.
struct RouterFeatures {
  std::vector<std::uint32_t> text;
  std::vector<std::uint32_t> context;
  double text_scale = 0;
  // What `reasons` can name: each word's bucket and each pair's (of words as written), with its
  // text in `words` (the request's words, folded).
  static constexpr std::uint32_t kNumber = 0xFFFFFFFF;  // begin of a long number: named "<n>"
  struct Named {
    std::uint32_t bucket, begin, size;
  };
  std::vector<Named> named;
  std::string words;
};

// Router v1's keyword scores (route.cpp): domain words the model reads as features of their own.
using KeywordScores = std::array<double, kSpecialistOutputs>;
KeywordScores keyword_scores(const RouteRequest& request, const PolicyData& policy);

RouterFeatures router_features(const RouteRequest& request, unsigned hash_bits, const KeywordScores& keywords);

struct RouterModel {
  std::string version;  // "router-<release>+<hash of the weights>": named in routing.json
  unsigned hash_bits = 13;
  std::vector<std::int8_t> weights;  // [bucket][output], (1 << hash_bits) * kRouterOutputs
  Logits scale{};                    // an output's weight is its int8 times its scale
  Logits bias{};

  std::int32_t weight(std::uint32_t bucket, std::size_t output) const {
    return weights[static_cast<std::size_t>(bucket) * kRouterOutputs + output];
  }
  Logits logits(const RouterFeatures& f) const;
};

Result<RouterModel> parse_router_model(std::string_view json_text);

// The query's words and word pairs that push `output` up the most (at most `count`, strongest
// first): what `reasons` names.
std::vector<std::string> strongest_words(const RouterFeatures& features, const RouterModel& model, std::size_t output,
                                         std::size_t count);

double sigmoid(double z);

// Router v2's part of route(): the specialist (or plan) with its reasons and confidence, and each
// tier's estimated adequacy; then, unless the caller named a tier, the tier (its reason returned).
void decide_learned(RouteDecision& out, const RouteRequest& request, const PolicyData& policy);
std::string learned_tier(RouteDecision& out, const PolicyData& policy);

}  // namespace porchlight::detail
