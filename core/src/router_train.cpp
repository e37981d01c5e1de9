// router_train.cpp: `porchlight train` (porchlight/router_train.hpp): logistic regression by
// AdaGrad over router_model.hpp's features, then int8 weights. Deterministic: our own shuffle, a
// fixed order of floating-point operations, integer quantization.

#include "porchlight/router_train.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "json_reader.hpp"
#include "router_model.hpp"
#include "text.hpp"

namespace porchlight {

using detail::kRouterOutputs;
using detail::kSpecialistOutputs;

Split split_of(const std::string& id, std::uint64_t seed) {
  const std::uint64_t h = detail::fnv1a64(id, detail::fnv1a64(std::to_string(seed)));
  const auto r = (h ^ (h >> 29)) % 100;
  return r < 70 ? Split::train : r < 85 ? Split::dev : Split::test;
}

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string base64(const std::vector<std::int8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::array<double, kRouterOutputs> targets(const LabeledRequest& e) {
  std::array<double, kRouterOutputs> y{};
  for (Specialist s : e.specialists) y[static_cast<std::size_t>(s)] = 1;
  y[detail::kNeedsBalanced] = e.tier >= ModelTier::balanced ? 1 : 0;
  y[detail::kNeedsDeep] = e.tier == ModelTier::deep ? 1 : 0;
  return y;
}

}  // namespace

std::string train_router(const std::vector<LabeledRequest>& examples, const TrainOptions& opt, const Policy& policy) {
  const std::size_t buckets = std::size_t{1} << opt.hash_bits;
  std::vector<double> w(buckets * kRouterOutputs, 0.0), g(buckets * kRouterOutputs, 0.0);
  std::array<double, kRouterOutputs> bias{}, gbias{};
  std::vector<detail::RouterFeatures> features;
  features.reserve(examples.size());
  for (const auto& e : examples)
    features.push_back(detail::router_features(e.request, opt.hash_bits, detail::keyword_scores(e.request, policy.data())));

  std::vector<std::size_t> order(examples.size());
  std::uint64_t rng = opt.seed;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[splitmix64(rng) % i]);
    for (std::size_t k : order) {
      const auto& f = features[k];
      const auto y = targets(examples[k]);
      std::array<double, kRouterOutputs> z = bias;
      for (std::uint32_t b : f.text)
        for (std::size_t o = 0; o < kRouterOutputs; ++o) z[o] += w[b * kRouterOutputs + o] * f.text_scale;
      for (std::uint32_t b : f.context)
        for (std::size_t o = 0; o < kRouterOutputs; ++o) z[o] += w[b * kRouterOutputs + o];
      for (std::size_t o = 0; o < kRouterOutputs; ++o) {
        const double err = detail::sigmoid(z[o]) - y[o];
        auto step = [&](double& weight, double& sum_sq, double x, double l2) {
          const double grad = err * x + l2 * weight;
          sum_sq += grad * grad;
          weight -= opt.learning_rate * grad / std::sqrt(sum_sq + 1e-8);
        };
        for (std::uint32_t b : f.text) step(w[b * kRouterOutputs + o], g[b * kRouterOutputs + o], f.text_scale, opt.l2);
        for (std::uint32_t b : f.context) step(w[b * kRouterOutputs + o], g[b * kRouterOutputs + o], 1.0, opt.l2);
        step(bias[o], gbias[o], 1.0, 0.0);
      }
    }
  }

  // int8 per output: the largest weight maps to 127.
  std::vector<std::int8_t> q(w.size());
  std::array<double, kRouterOutputs> scale{};
  for (std::size_t o = 0; o < kRouterOutputs; ++o) {
    double largest = 0;
    for (std::size_t b = 0; b < buckets; ++b) largest = std::max(largest, std::fabs(w[b * kRouterOutputs + o]));
    scale[o] = largest > 0 ? largest / 127.0 : 1.0;
    for (std::size_t b = 0; b < buckets; ++b)
      q[b * kRouterOutputs + o] = static_cast<std::int8_t>(std::clamp(std::lround(w[b * kRouterOutputs + o] / scale[o]), -127L, 127L));
  }

  nlohmann::json outputs = nlohmann::json::array();
  std::string hashed;
  for (std::size_t o = 0; o < kRouterOutputs; ++o) {
    const std::string name = o < kSpecialistOutputs ? std::string(name_of(static_cast<Specialist>(o)))
                           : o == detail::kNeedsBalanced ? "needs_balanced" : "needs_deep";
    outputs.push_back({{"name", name}, {"scale", scale[o]}, {"bias", bias[o]}});
  }
  const std::string weights = base64(q);
  const std::uint64_t h = detail::fnv1a64(weights, detail::fnv1a64(outputs.dump()));
  nlohmann::json model = nlohmann::json::object();
  model["about"] = "Router v2's model, written by `porchlight train` from tests/data/routing (docs/coaching.md, section 9). Do not edit: retrain.";
  model["version"] = "router-" + opt.release + "+" + detail::hex64(h).substr(0, 12);
  model["trained_on"] = examples.size();
  model["seed"] = opt.seed;
  model["epochs"] = opt.epochs;
  model["hash_bits"] = opt.hash_bits;
  model["outputs"] = std::move(outputs);
  model["weights_base64"] = weights;
  return model.dump(1) + "\n";
}

Result<LabeledRequest> read_labeled_request(std::string_view line) {
  auto bad = [](std::string field, std::string message) {
    return Error{"routing_data.invalid_" + field, std::move(message), field};
  };
  auto parsed = detail::parse_untrusted(line, detail::ParseLimits{1u << 20, 8});
  if (!parsed || !parsed->is_object()) return bad("line", "a line must be one JSON object");
  const nlohmann::json& j = parsed.value();
  LabeledRequest e;
  auto text = [&](const char* key) -> const std::string* {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* id = text("id");
  const std::string* query = text("query");
  if (!id || id->empty()) return bad("id", "id must be a non-empty string");
  if (!query || query->empty()) return bad("query", *id + ": query must be a non-empty string");
  e.id = *id;
  e.request.query = *query;
  auto one = [&]<class E>(const char* key, E& out) -> bool {
    const std::string* v = text(key);
    const auto parsed = v ? parse_enum<E>(*v) : std::nullopt;
    if (parsed) out = *parsed;
    return parsed.has_value();
  };
  if (!one("role", e.request.profile.role)) return bad("role", *id + ": role must be one of the roles");
  if (!one("experience", e.request.profile.experience)) return bad("experience", *id + ": experience must be one of the levels");
  if (!one("stage", e.request.stage)) return bad("stage", *id + ": stage must be one of the stages");
  if (!one("tier", e.tier)) return bad("tier", *id + ": tier must be fast, balanced or deep");
  if (const auto it = j.find("specializations"); it != j.end()) {
    if (!it->is_array()) return bad("specializations", *id + ": specializations must be a list");
    for (const auto& s : *it) {
      const auto v = s.is_string() ? parse_enum<Specialization>(s.get<std::string>()) : std::nullopt;
      if (!v) return bad("specializations", *id + ": unknown specialization");
      e.request.profile.specializations.push_back(*v);
    }
  }
  const auto specs = j.find("specialists");
  if (specs == j.end() || !specs->is_array() || specs->empty() || specs->size() > 3)
    return bad("specialists", *id + ": specialists must list one to three specialists");
  for (const auto& s : *specs) {
    const auto v = s.is_string() ? parse_enum<Specialist>(s.get<std::string>()) : std::nullopt;
    if (!v || std::find(e.specialists.begin(), e.specialists.end(), *v) != e.specialists.end())
      return bad("specialists", *id + ": specialists must be distinct specialist names");
    e.specialists.push_back(*v);
  }
  return e;
}

}  // namespace porchlight
