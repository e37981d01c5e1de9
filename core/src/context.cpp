// context.cpp: token estimates, fitting history into a budget, conversation ids.

#include "porchlight/context.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "policy_data.hpp"
#include "porchlight/json_output.hpp"
#include "text.hpp"

namespace porchlight {

namespace {

// estimate_tokens as a state machine: the state says what run the last byte left (a letter run's
// length mod 6, a digit run's mod 3, inside a multi-byte character, or none), and each byte's
// class moves it and may add a token. Three bytes go per step through a table made once from the
// one-byte machine, so the loop's only dependency is one look-up every three bytes (a loop over
// runs mispredicted a branch at every word's end: 1.35 ns a byte).
enum ByteClass : std::uint8_t { kSpace, kLetter, kDigit, kOther, kLead, kContinuation, kClasses };

constexpr auto kByteClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t k = kOther;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = kLetter;
    else if (c >= '0' && c <= '9') k = kDigit;
    else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') k = kSpace;
    else if (c >= 0xC0) k = kLead;
    else if (c >= 0x80) k = kContinuation;
    t[static_cast<std::size_t>(c)] = k;
  }
  return t;
}();

// States: 0 none; 1-6 the letters of a run so far (mod 6); 7-9 its digits (mod 3); 10 in a character.
constexpr std::uint8_t kNone = 0, kLetters = 1, kDigits = 7, kInCharacter = 10, kStates = 11;

struct Step {
  std::uint8_t state, tokens;
};

constexpr Step step(std::uint8_t s, std::uint8_t byte_class) {
  switch (byte_class) {
    case kSpace: return {kNone, 0};
    case kOther: return {kNone, 1};
    case kLead: return {kInCharacter, 1};
    case kContinuation: return {kInCharacter, static_cast<std::uint8_t>(s == kInCharacter ? 0 : 1)};  // a stray one counts
    case kLetter:  // a token every 6 letters
      return s >= kLetters && s < kLetters + 5 ? Step{static_cast<std::uint8_t>(s + 1), 0} : Step{kLetters, 1};
    default:  // kDigit: a token every 3 digits
      return s >= kDigits && s < kDigits + 2 ? Step{static_cast<std::uint8_t>(s + 1), 0} : Step{kDigits, 1};
  }
}

// Three bytes' classes from each state: the next state's row (state * kTriples) << 2 | tokens.
constexpr std::uint32_t kTriples = kClasses * kClasses * kClasses;

const std::array<std::uint16_t, kStates * kTriples>& triple_steps() {
  static const auto table = [] {
    std::array<std::uint16_t, kStates * kTriples> t{};
    for (std::uint8_t s = 0; s < kStates; ++s)
      for (std::uint32_t triple = 0; triple < kTriples; ++triple) {
        Step a = step(s, static_cast<std::uint8_t>(triple / (kClasses * kClasses)));
        Step b = step(a.state, static_cast<std::uint8_t>(triple / kClasses % kClasses));
        Step c = step(b.state, static_cast<std::uint8_t>(triple % kClasses));
        t[s * kTriples + triple] = static_cast<std::uint16_t>((c.state * kTriples) << 2 | (a.tokens + b.tokens + c.tokens));
      }
    return t;
  }();
  return table;
}

}  // namespace

// Letter runs cost one token per 6 letters, digit runs one per 3 digits, whitespace nothing, any
// other character (a code point: its continuation bytes are skipped) one.
std::int64_t estimate_tokens(std::string_view text) {
  const auto& table = triple_steps();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::int64_t tokens = 0;
  std::uint32_t row = 0;  // the state times kTriples
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint16_t e = table[row + (kByteClass[s[i]] * kClasses + kByteClass[s[i + 1]]) * kClasses + kByteClass[s[i + 2]]];
    tokens += e & 3;
    row = e >> 2;
  }
  for (auto state = static_cast<std::uint8_t>(row / kTriples); i < n; ++i) {
    const Step x = step(state, kByteClass[s[i]]);
    tokens += x.tokens;
    state = x.state;
  }
  return tokens;
}

namespace {

constexpr std::string_view kDigestHeader = "Earlier in this conversation (condensed):";
constexpr std::size_t kDigestLineBytes = 240;

std::string digest_line(const Turn& t) {
  return std::string(t.role == TurnRole::user ? "- Agent: " : "- Coach: ") +
         detail::truncate_utf8(detail::collapse_whitespace(t.content), kDigestLineBytes);
}

// The summary slot for turns[0, folded): the prior summary, then one line per folded turn, newest
// lines kept when they exceed the slot's budget.
std::string make_summary(const std::string& prior, const std::vector<std::string>& lines,
                         const std::vector<std::int64_t>& line_tokens, std::size_t folded,
                         std::int64_t max_tokens) {
  if (folded == 0) return prior;
  std::int64_t room = max_tokens - estimate_tokens(prior) - estimate_tokens(kDigestHeader) - 8;
  std::size_t first = folded;
  while (first > 0 && line_tokens[first - 1] <= room) {
    room -= line_tokens[first - 1];
    --first;
  }
  std::string out = prior;
  if (!out.empty()) out += "\n\n";
  out += kDigestHeader;
  if (first > 0) out += "\n- (" + std::to_string(first) + " earlier turns omitted)";
  for (std::size_t i = first; i < folded; ++i) {
    out += '\n';
    out += lines[i];
  }
  return out;
}

}  // namespace

ContextWindow fit_context(const ContextRequest& req, const Policy& policy) {
  const auto& d = policy.data();
  ContextWindow w;
  w.budget_tokens = req.budget_tokens > 0 ? req.budget_tokens : d.context_budget_tokens;
  w.system_tokens = req.system_tokens;
  w.pinned_tokens = req.pinned_tokens;
  const std::int64_t overhead = d.message_overhead_tokens;
  const std::size_t n = req.turns.size();

  // kept_tokens[i]: tokens of turns[i..n) sent verbatim.
  std::vector<std::int64_t> kept_tokens(n + 1, 0);
  for (std::size_t i = n; i-- > 0;)
    kept_tokens[i] = kept_tokens[i + 1] + estimate_tokens(req.turns[i].content) + overhead;
  auto summary_cost = [&](const std::string& s) {
    return s.empty() ? 0 : estimate_tokens(s) + overhead;
  };
  const std::int64_t fixed = w.system_tokens + w.pinned_tokens;

  w.summary = req.summary;
  w.summary_tokens = summary_cost(req.summary);
  w.turn_tokens = kept_tokens[0];
  if (fixed + w.summary_tokens + w.turn_tokens <= w.budget_tokens) return w;

  std::vector<std::string> lines(n);
  std::vector<std::int64_t> line_tokens(n);
  for (std::size_t i = 0; i < n; ++i) {
    lines[i] = digest_line(req.turns[i]);
    line_tokens[i] = estimate_tokens(lines[i]);
  }
  // The summary slot may take at most half of what the system prompt and pinned text leave.
  const std::int64_t summary_room =
      std::min(d.summary_max_tokens, std::max<std::int64_t>(0, (w.budget_tokens - fixed) / 2));
  // Fold whole chunks of turns from the oldest. The fold point only moves when a chunk no longer
  // fits, so the summary, which sits in the cached prefix, changes once per chunk, not per turn.
  const auto chunk = static_cast<std::size_t>(d.fold_chunk_turns);
  for (std::size_t k = chunk;; k += chunk) {
    std::size_t first = k < n ? k : n;
    while (first < n && req.turns[first].role != TurnRole::user) ++first;  // start on an agent turn
    w.first_kept = first;
    w.summary = make_summary(req.summary, lines, line_tokens, first, summary_room);
    w.summary_tokens = summary_cost(w.summary);
    w.turn_tokens = kept_tokens[first];
    if (fixed + w.summary_tokens + w.turn_tokens <= w.budget_tokens) return w;
    if (first >= n) break;
  }
  w.over_budget = true;
  return w;
}

json to_json(const ContextWindow& w, const std::vector<Turn>& turns) {
  // Built by emplace, not from an initializer list (which copies every value twice).
  json kept = json::array();
  for (std::size_t i = w.first_kept; i < turns.size(); ++i) kept.push_back(i);
  json tokens = json::object();
  tokens.emplace("system", w.system_tokens);
  tokens.emplace("pinned", w.pinned_tokens);
  tokens.emplace("summary", w.summary_tokens);
  tokens.emplace("turns", w.turn_tokens);
  tokens.emplace("total", w.total_tokens());
  json out = json::object();
  out.emplace("budget_tokens", w.budget_tokens);
  out.emplace("first_kept", w.first_kept);
  out.emplace("kept", std::move(kept));
  out.emplace("folded_turns", w.first_kept);
  out.emplace("summary", w.summary);
  out.emplace("over_budget", w.over_budget);
  out.emplace("tokens", std::move(tokens));
  return out;
}

std::string conversation_id(std::string_view location_id, std::string_view lead_id) {
  std::string key;
  key.reserve(location_id.size() + lead_id.size() + 6);
  key.append("lead").append(1, '\x1f').append(location_id).append(1, '\x1f').append(lead_id);
  return "cv_" + detail::hex64(detail::fnv1a64(key)) +
         detail::hex64(detail::fnv1a64(key, 0x84222325cbf29ce4ULL));
}

bool is_valid_conversation_id(std::string_view id) {
  if (id.size() != 35 || id.substr(0, 3) != "cv_") return false;
  for (char c : id.substr(3))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string summary_request_body(std::string_view previous_summary, const std::vector<Turn>& folded, std::string_view model,
                                 const Policy& policy) {
  const auto& d = policy.data();
  std::string text = "Summary so far:\n" + (previous_summary.empty() ? std::string("(none)") : std::string(previous_summary)) +
                     "\n\nTurns to fold in, oldest first:\n";
  for (const auto& t : folded)
    if (!detail::is_blank(t.content)) text += (t.role == TurnRole::user ? "\nAgent: " : "\nPorchlight: ") + t.content + "\n";
  // Keys in dump()'s (sorted) order, like every body the core writes.
  std::string body = R"({"max_tokens":)" + std::to_string(d.summary_max_tokens) + R"(,"messages":[{"content":)";
  append_json_string(body, text);
  body += R"(,"role":"user"}],"model":)";
  append_json_string(body, model);
  body += R"(,"system":)";
  append_json_string(body, d.summary_instructions);
  body += "}";
  return body;
}

}  // namespace porchlight
