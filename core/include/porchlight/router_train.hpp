// porchlight/router_train.hpp: training router v2 from labeled requests (`porchlight train`).
//
// Deterministic: the same examples, options and seed give the same model file, byte for byte, on
// every platform (its own shuffle and integer quantization; no library randomness).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"

namespace porchlight {

// One line of tests/data/routing/*.jsonl, read (docs/coaching.md, section 8).
struct LabeledRequest {
  std::string id;
  RouteRequest request;
  std::vector<Specialist> specialists;  // one, or two or three for a compound request
  ModelTier tier = ModelTier::balanced;  // the cheapest adequate tier
};

enum class Split { train, dev, test };
// The split of an example, fixed by its id and the seed (70% train, 15% dev, 15% test).
Split split_of(const std::string& id, std::uint64_t seed);

struct TrainOptions {
  std::uint64_t seed = 2026;
  unsigned hash_bits = 12;
  int epochs = 30;
  double learning_rate = 0.5;  // AdaGrad's base rate
  double l2 = 1e-4;
  std::string release;          // the model's version starts with it
};

// The model file (JSON) trained on `examples`. The policy's keywords are features: retrain after
// editing routing.json's keywords.
std::string train_router(const std::vector<LabeledRequest>& examples, const TrainOptions& options,
                         const Policy& policy);

// Reads one labeled line; errors name the field.
Result<LabeledRequest> read_labeled_request(std::string_view json_line);

}  // namespace porchlight
