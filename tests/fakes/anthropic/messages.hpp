// messages.hpp (internal to the fake): the Messages API itself: request validation, token
// counting, prompt caching, the planned answer, and its JSON and SSE forms.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.hpp"
#include "knobs.hpp"
#include "models.hpp"
#include "prompt_cache.hpp"

namespace porchlight::fake {

enum class Endpoint { messages, count_tokens };

struct RequestContext {
  std::string anthropic_version;  // "2023-06-01" or "2026-10-21"
  std::string cache_namespace;    // prompt caches are per organization: here, per API key
  bool beta = false;              // an anthropic-beta header: beta-only fields are let through
};

// One prompt unit that can carry a cache breakpoint: a tool definition, a system block, or a
// content block of a message. Tokens include the unit's share of the prompt's framing.
struct PromptBlock {
  std::uint64_t prefix_hash = 0;  // hash of the prompt up to and including this block
  std::int64_t tokens = 0;
  std::optional<std::chrono::seconds> breakpoint_ttl;
};

struct ToolSpec {
  std::string name;
  json input_schema;
};

enum class ToolChoice { auto_, any, tool, none };
enum class Thinking { off, enabled, adaptive, between_tools };

struct ParsedRequest {
  const ModelInfo* model = nullptr;
  std::string model_requested;  // echoed back as given (dated ids stay dated)
  std::int64_t max_tokens = 0;
  bool stream = false;
  std::vector<PromptBlock> blocks;
  std::int64_t input_tokens_total = 0;
  std::vector<ToolSpec> tools;  // client tools with an input_schema
  ToolChoice tool_choice = ToolChoice::auto_;
  std::string tool_choice_name;
  std::vector<std::string> stop_sequences;
  Thinking thinking = Thinking::off;
  bool thinking_omitted = false;
  std::string last_user_text;         // the text blocks of the last user message
  std::string last_tool_result_name;  // the tool whose result the last user message carries
  std::string last_tool_result_text;
  std::optional<json> output_schema;  // output_config.format json_schema: answer with JSON
  std::uint64_t content_seed = 0;     // a hash of the whole request: picks among phrasings
};

std::variant<ParsedRequest, ApiError> parse_request(const json& body, Endpoint endpoint,
                                                    const RequestContext& context);

// ---- The answer ---------------------------------------------------------------------------------

struct PlannedBlock {
  enum class Kind { text, tool_use, thinking } kind = Kind::text;
  std::string text;       // text, or thinking
  std::string signature;  // thinking
  std::string tool_id, tool_name;
  json tool_input;
};

struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  std::int64_t ephemeral_5m_input_tokens = 0;
  std::int64_t ephemeral_1h_input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t thinking_tokens = 0;
};

struct Plan {
  std::string id;
  std::string model;
  std::vector<PlannedBlock> content;
  std::string stop_reason;
  std::optional<std::string> stop_sequence;
  Usage usage;
};

struct CacheOutcome {
  std::int64_t read_tokens = 0;
  std::int64_t write_5m_tokens = 0;
  std::int64_t write_1h_tokens = 0;
  int writes = 0;
};

// Reads and writes the prompt cache for the request's breakpoints (tools → system → messages):
// the longest cached prefix at or up to 20 blocks before a breakpoint is read; every later
// breakpoint whose prefix reaches the model's minimum cacheable length is written.
CacheOutcome apply_prompt_cache(const ParsedRequest& request, PromptCache& cache,
                                PromptCache::clock::time_point now);

struct IdSource {
  std::uint64_t state;
  std::string next(std::string_view prefix, std::size_t length);
};

Plan plan_answer(const ParsedRequest& request, const Behaviour& behaviour, const CacheOutcome& cache,
                 IdSource& ids);

json message_json(const Plan& plan);

// One server-sent event: the `event:` name, its JSON data, and the output tokens it carries
// (for pacing).
struct SseEvent {
  std::string name;
  std::string data;
  std::int64_t tokens = 0;
  bool content_delta = false;
};
std::vector<SseEvent> stream_events(const Plan& plan);
std::string format_sse(const SseEvent& event);

}  // namespace porchlight::fake
