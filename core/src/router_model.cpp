// router_model.cpp: router v2's features, its model file and its logits (router_model.hpp).
//
// Sections:
//   [1] words: folding text to ASCII words
//   [2] features
//   [3] the model file and its logits
//   [4] the decision (route.cpp calls it when router v2 is on)

#include "router_model.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "json_reader.hpp"
#include "porchlight/policy.hpp"
#include "policy_data.hpp"
#include "text.hpp"

namespace porchlight::detail {

namespace {

// ---- [1] words ---------------------------------------------------------------------------------

// The Latin-1 letters agents type in Spanish (and accented English), folded to ASCII: the second
// byte after 0xC3, lower and upper case alike.
char fold_latin1(unsigned char second) {
  switch (second | 0x20) {  // 0x80..0x9F (upper) -> 0xA0..0xBF (lower)
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0xA4: return 'a';
    case 0xA7: return 'c';
    case 0xA8: case 0xA9: case 0xAA: case 0xAB: return 'e';
    case 0xAC: case 0xAD: case 0xAE: case 0xAF: return 'i';
    case 0xB1: return 'n';
    case 0xB2: case 0xB3: case 0xB4: case 0xB5: case 0xB6: return 'o';
    case 0xB9: case 0xBA: case 0xBB: case 0xBC: return 'u';
    default: return 0;
  }
}

// The request's words: lowercase ASCII letters and digits, accents folded, apostrophes dropped
// inside a word ("don't" -> "dont"), "$" and "%" kept as words of their own. Read from its excerpt
// (router_excerpt: a pasted page's start and end), at most kMaxWords, held in one buffer (routing
// runs on every request: no allocation per word).
constexpr std::size_t kMaxWords = 160;

struct Words {
  std::string text;                                  // the words, each followed by a space
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // offset and length of each
  std::size_t tail_begin = 0;                        // the first word of the excerpt's tail
  std::string_view operator[](std::size_t i) const { return std::string_view(text).substr(spans[i].first, spans[i].second); }
  std::size_t size() const { return spans.size(); }
};

void append_words(Words& out, std::string_view s) {
  char* const base = out.text.data();
  char* o = base + (out.spans.empty() ? 0 : out.spans.back().first + out.spans.back().second + 1);
  char* start = o;
  auto flush = [&] {
    if (o > start && out.spans.size() < kMaxWords) {
      out.spans.emplace_back(static_cast<std::uint32_t>(start - base), static_cast<std::uint32_t>(o - start));
      *o++ = ' ';
    } else {
      o = start;
    }
    start = o;
  };
  for (std::size_t i = 0; i < s.size() && out.spans.size() < kMaxWords; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool in_word = o > start;
    if (c >= 'A' && c <= 'Z') *o++ = static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) *o++ = static_cast<char>(c);
    else if (c == 0xC3 && i + 1 < s.size() && fold_latin1(static_cast<unsigned char>(s[i + 1]))) {
      *o++ = fold_latin1(static_cast<unsigned char>(s[++i]));
    } else if (c == '\'' && in_word) {
      // an apostrophe inside a word joins it
    } else if (c == 0xE2 && i + 2 < s.size() && s[i + 1] == '\x80' && s[i + 2] == '\x99' && in_word) {
      i += 2;  // a typographic apostrophe, likewise
    } else {
      flush();
      if (c == '$' || c == '%') *o++ = static_cast<char>(c), flush();
    }
  }
  flush();
}

Words words_of(std::string_view query) {
  const Excerpt excerpt = router_excerpt(query);
  Words out;
  // Written through a pointer into a buffer sized for the most it can hold: every byte gives at
  // most one letter, and every word one space after it.
  out.text.resize(2 * (excerpt.head.size() + excerpt.tail.size()) + 2);
  out.spans.reserve(kMaxWords);
  append_words(out, excerpt.head);
  out.tail_begin = out.spans.size();
  append_words(out, excerpt.tail);
  out.text.resize(out.spans.empty() ? 0 : out.spans.back().first + out.spans.back().second + 1);
  return out;
}

bool is_number(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- [2] features ------------------------------------------------------------------------------

// A feature's bucket: FNV-1a over a kind byte and the feature's text (one word, or two with a
// space between).
inline std::uint32_t fold_bucket(std::uint64_t h, unsigned bits) {
  return static_cast<std::uint32_t>((h ^ (h >> 32)) & ((1u << bits) - 1));
}

std::uint32_t bucket(char kind, std::string_view a, unsigned bits, std::string_view b = {}) {
  std::uint64_t h = fnv1a64(std::string_view(&kind, 1));
  h = fnv1a64(a, h);
  if (!b.empty()) h = fnv1a64(b, fnv1a64(" ", h));
  return fold_bucket(h, bits);
}

// The hash after the trigram kind byte 'c', the same for every trigram.
constexpr std::uint64_t kTrigramSeed = fnv1a64("c");

// A digit run is the word "<n>" (prices and dates differ from request to request); short numbers
// that name things ("1031", "3%") also count as themselves.
std::string_view word_feature(std::string_view w) {
  if (w.size() <= 4 || !is_number(w)) return w;
  return "<n>";
}

// The request's length: its words, or "excerpt" for a long one read in part.
const char* length_class(const Words& words) {
  const std::size_t n = words.size();
  if (words.tail_begin < n) return "excerpt";
  return n <= 3 ? "1-3" : n <= 8 ? "4-8" : n <= 20 ? "9-20" : n <= 60 ? "21-60" : "61+";
}

}  // namespace

RouterFeatures router_features(const RouteRequest& req, unsigned bits, const KeywordScores& keywords) {
  RouterFeatures f;
  Words words = words_of(req.query);
  f.text.reserve(words.size() * 8);
  f.named.reserve(words.size() * 2);
  std::string_view prev;
  bool prev_raw = false;  // prev is the word as written (not "<n>")
  char padded[64];
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string_view raw = words[i], w = word_feature(raw);
    const bool is_raw = w.data() == raw.data();
    f.text.push_back(bucket('w', w, bits));
    f.named.push_back({f.text.back(), is_raw ? words.spans[i].first : RouterFeatures::kNumber, static_cast<std::uint32_t>(raw.size())});
    if (i == words.tail_begin) prev = {};  // no pair across the excerpt's cut
    if (!prev.empty()) {
      f.text.push_back(bucket('b', prev, bits, w));
      // A pair names the two words as they stand in the text ("a b"), when neither is "<n>".
      if (prev_raw && is_raw) {
        const auto begin = static_cast<std::uint32_t>(prev.data() - words.text.data());
        f.named.push_back({f.text.back(), begin, words.spans[i].first + words.spans[i].second - begin});
      }
    }
    if (raw.size() <= 4 && is_number(raw)) f.text.push_back(bucket('w', "<n>", bits));
    if (w.size() >= 3 && w.size() + 2 <= sizeof padded && !is_number(w)) {
      padded[0] = '<';
      w.copy(padded + 1, w.size());
      padded[w.size() + 1] = '>';
      for (std::size_t k = 0; k + 3 <= w.size() + 2; ++k)  // bucket('c', the trigram), from the kind's hash
        f.text.push_back(fold_bucket(fnv1a64(std::string_view(padded + k, 3), kTrigramSeed), bits));
    }
    prev = w;
    prev_raw = is_raw;
  }
  f.words = std::move(words.text);
  f.text_scale = f.text.empty() ? 0 : 1.0 / std::sqrt(static_cast<double>(f.text.size()));
  f.context.push_back(bucket('r', name_of(req.profile.role), bits));
  f.context.push_back(bucket('x', name_of(req.profile.experience), bits));
  f.context.push_back(bucket('s', name_of(req.stage), bits));
  f.context.push_back(bucket('l', length_class(words), bits));
  for (Specialization s : req.profile.specializations) f.context.push_back(bucket('p', name_of(s), bits));
  f.context.push_back(bucket('0', "bias", bits));
  // How strongly v1's keywords point at each specialist: none, some (a weak keyword), strong.
  std::size_t best = 0;
  for (std::size_t s = 0; s < keywords.size(); ++s) {
    if (keywords[s] > keywords[best]) best = s;
    if (keywords[s] >= 2) f.context.push_back(bucket('k', name_of(static_cast<Specialist>(s)), bits, keywords[s] >= 4 ? "strong" : "some"));
  }
  if (keywords[best] >= 2) f.context.push_back(bucket('v', name_of(static_cast<Specialist>(best)), bits));
  return f;
}

std::vector<std::string> strongest_words(const RouterFeatures& f, const RouterModel& m, std::size_t output,
                                         std::size_t count) {
  // The words (and word pairs) with the largest positive weights for the output, each once.
  std::vector<std::pair<std::int32_t, std::string_view>> best;  // weight, then the text
  for (const auto& n : f.named) {
    const std::int32_t weight = m.weight(n.bucket, output);
    if (weight <= 0) continue;
    const std::string_view text = n.begin == RouterFeatures::kNumber ? std::string_view("<n>")
                                                                     : std::string_view(f.words).substr(n.begin, n.size);
    bool seen = false;
    for (const auto& b : best) seen = seen || b.second == text;
    if (seen) continue;
    best.emplace_back(weight, text);
    for (std::size_t k = best.size() - 1; k > 0 && best[k].first > best[k - 1].first; --k) std::swap(best[k], best[k - 1]);
    if (best.size() > count) best.pop_back();
  }
  std::vector<std::string> out;
  for (const auto& b : best) out.emplace_back(b.second);
  return out;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// ---- [3] the model file and its logits ---------------------------------------------------------

Logits RouterModel::logits(const RouterFeatures& f) const {
  Logits out{};
  // 32-bit sums: at most kMaxWords words of a few dozen features each, times 127, far from overflow.
  std::array<std::int32_t, kRouterOutputs> text{}, context{};
  const std::int8_t* const w = weights.data();  // rows of kRouterOutputs weights, by bucket
  auto add = [w](std::int32_t* sums, const std::vector<std::uint32_t>& buckets) {
    for (const std::uint32_t* b = buckets.data(), *end = b + buckets.size(); b != end; ++b) {
      const std::int8_t* row = w + static_cast<std::size_t>(*b) * kRouterOutputs;
      for (std::size_t o = 0; o < kRouterOutputs; ++o) sums[o] += row[o];
    }
  };
  add(text.data(), f.text);
  add(context.data(), f.context);
  for (std::size_t o = 0; o < kRouterOutputs; ++o)
    out[o] = bias[o] + scale[o] * (static_cast<double>(text[o]) * f.text_scale + static_cast<double>(context[o]));
  return out;
}

namespace {

std::vector<std::int8_t> base64_bytes(std::string_view in, bool& ok) {
  std::vector<std::int8_t> out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t value = 0;
  int bits = -8;
  ok = true;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    const int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : c == '=' ? -2 : -1;
    if (d == -2) break;
    if (d < 0) { ok = false; return {}; }
    value = (value << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<std::int8_t>(static_cast<std::uint8_t>((value >> bits) & 0xFF)));
      bits -= 8;
    }
  }
  return out;
}

Error model_error(std::string code, std::string message) {
  return Error{"policy." + code, std::move(message), kRouterModelFile};
}

}  // namespace

Result<RouterModel> parse_router_model(std::string_view text) {
  // The core's own parser (json_reader): the browser's core carries no second one.
  auto parsed = parse_untrusted(text, ParseLimits{1u << 20, 8});
  if (!parsed || !parsed->is_object()) return model_error("invalid_router_model", "router/model.json is not a JSON object");
  const nlohmann::json& j = parsed.value();
  RouterModel m;
  const auto outputs = j.value("outputs", nlohmann::json());
  if (!j.contains("version") || !j["version"].is_string() || !j.contains("hash_bits") ||
      !j["hash_bits"].is_number_unsigned() || !outputs.is_array() || outputs.size() != kRouterOutputs ||
      !j.contains("weights_base64") || !j["weights_base64"].is_string())
    return model_error("invalid_router_model", "router/model.json needs version, hash_bits, outputs (" +
                                                   std::to_string(kRouterOutputs) + ") and weights_base64");
  m.version = j["version"].get<std::string>();
  m.hash_bits = j["hash_bits"].get<unsigned>();
  if (m.hash_bits < 8 || m.hash_bits > 18) return model_error("invalid_router_model", "hash_bits must be 8..18");
  for (std::size_t o = 0; o < kRouterOutputs; ++o) {
    const auto& out = outputs[o];
    const std::string expected = o < kSpecialistOutputs ? std::string(name_of(static_cast<Specialist>(o)))
                               : o == kNeedsBalanced ? "needs_balanced" : "needs_deep";
    if (!out.is_object() || out.value("name", "") != expected || !out.contains("scale") ||
        !out["scale"].is_number() || !out.contains("bias") || !out["bias"].is_number())
      return model_error("invalid_router_model", "output " + std::to_string(o) + " must be {name: \"" + expected +
                                                     "\", scale, bias}");
    m.scale[o] = out["scale"].get<double>();
    m.bias[o] = out["bias"].get<double>();
  }
  bool ok = false;
  m.weights = base64_bytes(j["weights_base64"].get<std::string>(), ok);
  if (!ok || m.weights.size() != (std::size_t{1} << m.hash_bits) * kRouterOutputs)
    return model_error("invalid_router_model", "weights_base64 must hold (1 << hash_bits) * " +
                                                   std::to_string(kRouterOutputs) + " bytes");
  return m;
}

// ---- [4] the decision --------------------------------------------------------------------------

namespace {
double two_decimals(double p) { return std::round(p * 100) / 100; }
}  // namespace

// The specialist (or plan) and each tier's adequacy from the model; the tier is chosen below.
void decide_learned(RouteDecision& out, const RouteRequest& req, const PolicyData& d) {
  const auto& m = *d.router_model;
  const auto features = router_features(req, m.hash_bits, keyword_scores(req, d));
  const auto z = m.logits(features);
  out.learned = true;
  const double needs_balanced = sigmoid(z[kNeedsBalanced]);
  const double needs_deep = sigmoid(z[kNeedsDeep]);
  const double fast_ok = 1 - needs_balanced;
  out.tier_adequacy = {two_decimals(fast_ok), two_decimals(std::max(fast_ok, 1 - needs_deep)), 1.0};

  std::array<std::size_t, kSpecialistOutputs> order{};
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Insertion sort, highest first, ties in specialist order (nine entries; no sort template in the WASM).
  for (std::size_t i = 1; i < order.size(); ++i)
    for (std::size_t k = i; k > 0 && z[order[k]] > z[order[k - 1]]; --k) std::swap(order[k], order[k - 1]);
  if (req.specialist) {
    out.specialist = *req.specialist;
    out.confidence = 1;
    out.reasons.push_back("specialist " + std::string(name_of(out.specialist)) + ": chosen by the caller");
    return;
  }
  std::size_t best = order[0];
  // A follow-up stays with the conversation's specialist while the model finds it about as likely
  // (within kStickiness) as its first choice: the cached playbook prefix is worth more than a
  // marginally better fit.
  constexpr double kStickiness = 0.25;
  bool stayed = false;
  if (req.previous_specialist) {
    const auto prev = static_cast<std::size_t>(*req.previous_specialist);
    if (prev != best && sigmoid(z[prev]) >= sigmoid(z[best]) - kStickiness) {
      for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] == prev) { std::swap(order[i], order[0]); break; }
      best = prev;
      stayed = true;
    }
  }
  out.specialist = static_cast<Specialist>(best);
  // Confidence: the chosen specialist's share of all specialists' probabilities (each head alone
  // is a yes/no, and for a vague request every one of them may be low).
  double total = 0;
  for (std::size_t i = 0; i < order.size(); ++i) total += sigmoid(z[i]);
  out.confidence = two_decimals(sigmoid(z[best]) / total);
  for (std::size_t k = 1; k < order.size() && k < d.learned.max_plan; ++k) {
    if (sigmoid(z[order[k]]) < d.learned.plan_threshold) break;
    if (out.plan.empty()) out.plan.push_back(out.specialist);
    out.plan.push_back(static_cast<Specialist>(order[k]));
  }
  // Why: the words that moved the decision most toward the specialist.
  const std::string name(name_of(out.specialist));
  for (const auto& word : strongest_words(features, m, best, 2))
    out.reasons.push_back("'" + word + "' points to " + name);
  if (stayed) out.reasons.push_back("stays with " + name + ", the conversation's specialist (its cached playbook)");
  if (out.plan.size() > 1) {
    std::string also;
    for (std::size_t i = 1; i < out.plan.size(); ++i) also += (i > 1 ? " and " : "") + std::string(name_of(out.plan[i]));
    out.reasons.push_back("a compound request: " + also + " answer too");
  } else {
    out.reasons.push_back("runner-up: " + std::string(name_of(static_cast<Specialist>(order[1]))) + " (" +
                          std::to_string(static_cast<int>(std::lround(sigmoid(z[order[1]]) * 100))) +
                          "% vs " + std::to_string(static_cast<int>(std::lround(sigmoid(z[best]) * 100))) + "%)");
  }
}

// Router v2: the cheapest tier whose estimated adequacy reaches the policy's floor.
std::string learned_tier(RouteDecision& out, const PolicyData& d) {
  const double floor = d.learned.quality_floor;
  std::size_t t = 0;
  while (t + 1 < out.tier_adequacy.size() && out.tier_adequacy[t] < floor) ++t;
  out.tier = static_cast<ModelTier>(t);
  auto percent = [](double p) { return std::to_string(static_cast<int>(std::lround(p * 100))) + "%"; };
  std::string why = "tier " + std::string(name_of(out.tier)) + ": ";
  if (t == 0) return why + "adequate with " + percent(out.tier_adequacy[0]) + " (floor " + percent(floor) + ")";
  return why + std::string(name_of(static_cast<ModelTier>(t - 1))) + " adequate with only " +
         percent(out.tier_adequacy[t - 1]) + " (floor " + percent(floor) + ")";
}

}  // namespace porchlight::detail
