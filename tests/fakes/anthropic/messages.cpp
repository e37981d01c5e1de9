// messages.cpp: the Messages API of the fake.
//
// Sections:
//   helpers · request validation (top level, sampling, thinking, tools, system, messages, cache
//   breakpoints) · prompt cache · the answer · JSON and SSE forms
//
// Error messages follow the real API's wording where it is known ("model: claude-x",
// "A maximum of 4 blocks with cache_control may be provided. Found 5.", "x: Extra inputs are not
// permitted"); elsewhere they diagnose what is wrong and how to fix it.
#include "messages.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "generate.hpp"
#include "images.hpp"
#include "porchlight/context.hpp"

namespace porchlight::fake {

// ---- Helpers ------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMaxCacheBreakpoints = 4;
constexpr std::size_t kCacheLookbackBlocks = 20;
// The tool-use system prompt the API adds when tools are present (documented per model; these are
// the Claude 4 figures: 346 tokens for auto/none, 313 for any/tool).
constexpr std::int64_t kToolPromptAuto = 346;
constexpr std::int64_t kToolPromptForced = 313;
constexpr std::int64_t kPromptFramingTokens = 3;   // start of the prompt
constexpr std::int64_t kMessageFramingTokens = 3;  // per message: the role marker

std::string at(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
std::string at(const std::string& path, std::size_t index) {
  return path + "." + std::to_string(index);
}

ApiError field_required(const std::string& path) {
  return invalid_request(path + ": Field required");
}

bool is_integer(const json& v) {
  return v.is_number_integer() || v.is_number_unsigned();
}

json without_cache_control(const json& block) {
  if (!block.is_object() || !block.contains("cache_control")) return block;
  json copy = block;
  copy.erase("cache_control");
  return copy;
}

bool contains_word_tool(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t pos = lower.find("tool"); pos != std::string::npos; pos = lower.find("tool", pos + 1)) {
    bool start_ok = pos == 0 || !std::isalpha(static_cast<unsigned char>(lower[pos - 1]));
    std::size_t end = pos + 4;
    if (end < lower.size() && lower[end] == 's') ++end;
    bool end_ok = end >= lower.size() || !std::isalpha(static_cast<unsigned char>(lower[end]));
    if (start_ok && end_ok) return true;
  }
  return false;
}

// The text of a tool_result's content (a string, or text blocks).
std::string tool_result_text(const json& block) {
  if (!block.contains("content")) return {};
  const json& content = block["content"];
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string()) {
        if (!text.empty()) text += '\n';
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

// Tokens of one content block as the model sees it.
std::int64_t block_tokens(const json& block) {
  const std::string type = block.value("type", "");
  if (type == "text") return estimate_tokens(block.value("text", ""));
  if (type == "image") return image_tokens(block);
  if (type == "document") {
    const json& source = block.contains("source") ? block["source"] : json::object();
    if (source.is_object() && source.value("type", "") == "text" && source.contains("data") &&
        source["data"].is_string())
      return estimate_tokens(source["data"].get<std::string>()) + 10;
    if (source.is_object() && source.contains("data") && source["data"].is_string())
      return static_cast<std::int64_t>(source["data"].get_ref<const std::string&>().size() / 4) + 10;
    return estimate_tokens(dump(source)) + 10;
  }
  if (type == "tool_use")
    return estimate_tokens(block.value("name", "")) +
           estimate_tokens(dump(block.value("input", json::object()))) + 8;
  if (type == "tool_result") {
    std::int64_t tokens = 8 + estimate_tokens(tool_result_text(block));
    if (block.contains("content") && block["content"].is_array())
      for (const auto& part : block["content"])
        if (part.is_object() && part.value("type", "") == "image") tokens += image_tokens(part);
    return tokens;
  }
  if (type == "thinking") return estimate_tokens(block.value("thinking", ""));
  if (type == "redacted_thinking") return 16;
  return estimate_tokens(dump(without_cache_control(block)));
}

// One unit of the prompt with its path (for messages), before hashing.
struct RawBlock {
  std::string canonical;
  std::int64_t tokens = 0;
  std::optional<json> cache_control;  // the block's own marker (a copy: blocks may be temporaries)
  std::string path;
  bool cacheable = true;  // thinking blocks and empty text cannot carry a breakpoint
};

const std::set<std::string>& messages_fields() {
  static const std::set<std::string> fields = {
      "model",       "messages",       "max_tokens",      "cache_control", "container",
      "diagnostics", "inference_geo",  "metadata",        "output_config", "service_tier",
      "speed",       "stop_sequences", "stream",          "system",        "thinking",
      "tool_choice", "tools",          "user_profile_id", "workspace_id"};
  return fields;
}

const std::set<std::string>& count_tokens_fields() {
  static const std::set<std::string> fields = {"model", "messages",        "cache_control", "output_config",
                                               "speed", "system",          "thinking",      "tool_choice",
                                               "tools", "user_profile_id", "workspace_id"};
  return fields;
}

const std::set<std::string>& content_block_types() {
  static const std::set<std::string> types = {"text",
                                              "image",
                                              "document",
                                              "search_result",
                                              "thinking",
                                              "redacted_thinking",
                                              "tool_use",
                                              "tool_result",
                                              "server_tool_use",
                                              "web_search_tool_result",
                                              "web_fetch_tool_result",
                                              "code_execution_tool_result",
                                              "bash_code_execution_tool_result",
                                              "text_editor_code_execution_tool_result",
                                              "tool_search_tool_result",
                                              "container_upload"};
  return types;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// Validates a cache_control value; the TTL it asks for.
std::optional<ApiError> check_cache_control(const json& value, const std::string& path,
                                            std::chrono::seconds& ttl) {
  if (!value.is_object()) return invalid_request(path + ": Input should be a valid dictionary");
  if (!value.contains("type")) return field_required(path + ".type");
  if (value["type"] != "ephemeral") return invalid_request(path + ".type: Input should be 'ephemeral'");
  ttl = std::chrono::minutes(5);
  for (const auto& [key, v] : value.items()) {
    if (key == "type") continue;
    if (key == "ttl") {
      if (v == "5m")
        ttl = std::chrono::minutes(5);
      else if (v == "1h")
        ttl = std::chrono::hours(1);
      else
        return invalid_request(path + ".ttl: Input should be '5m' or '1h'");
    } else {
      return invalid_request(at(path, key) + ": Extra inputs are not permitted");
    }
  }
  return std::nullopt;
}

}  // namespace

// ---- Request validation -------------------------------------------------------------------------

std::variant<ParsedRequest, ApiError> parse_request(const json& body, Endpoint endpoint,
                                                    const RequestContext& context) {
  if (!body.is_object()) return invalid_request("The request body must be a JSON object.");
  const bool v2026 = context.anthropic_version >= "2026-10-21";
  const bool messages_endpoint = endpoint == Endpoint::messages;
  ParsedRequest req;

  // -- Top level: allowed fields, required fields.
  const auto& allowed = messages_endpoint ? messages_fields() : count_tokens_fields();
  for (const auto& [key, value] : body.items()) {
    if (allowed.count(key)) continue;
    const bool sampling = key == "temperature" || key == "top_p" || key == "top_k";
    if (sampling && messages_endpoint && !v2026) continue;
    if (context.beta && !sampling) continue;  // beta features add fields the fake does not model
    return invalid_request(key + ": Extra inputs are not permitted");
  }
  if (!body.contains("model")) return field_required("model");
  if (!body["model"].is_string()) return invalid_request("model: Input should be a valid string");
  req.model_requested = body["model"].get<std::string>();
  if (!body.contains("messages")) return field_required("messages");
  if (!body["messages"].is_array()) return invalid_request("messages: Input should be a valid list");
  if (messages_endpoint) {
    if (!body.contains("max_tokens")) return field_required("max_tokens");
    if (!is_integer(body["max_tokens"]))
      return invalid_request("max_tokens: Input should be a valid integer");
    if (body["max_tokens"].is_number_unsigned() && body["max_tokens"].get<std::uint64_t>() > (1ULL << 40))
      return invalid_request("max_tokens: Input should be less than or equal to 1099511627776");
    req.max_tokens = body["max_tokens"].get<std::int64_t>();
    if (req.max_tokens < 0) return invalid_request("max_tokens: Input should be greater than or equal to 0");
    if (body.contains("stream")) {
      if (!body["stream"].is_boolean()) return invalid_request("stream: Input should be a valid boolean");
      req.stream = body["stream"].get<bool>();
    }
  }

  // -- Model: unknown ids are a 404, like the real API.
  req.model = ModelCatalogue::instance().find(req.model_requested);
  if (!req.model) return ApiError{404, "not_found_error", "model: " + req.model_requested, {}};
  const ModelInfo& model = *req.model;
  if (messages_endpoint && req.max_tokens > model.max_output_tokens) {
    return invalid_request("max_tokens: " + std::to_string(req.max_tokens) + " > " +
                           std::to_string(model.max_output_tokens) +
                           ", which is the maximum allowed number of output tokens for " + model.id);
  }

  // -- Sampling parameters (API version 2023-06-01 only; rejected above for 2026-10-21).
  const bool has_temperature = body.contains("temperature"), has_top_p = body.contains("top_p"),
             has_top_k = body.contains("top_k");
  if (has_temperature) {
    const json& t = body["temperature"];
    if (!t.is_number()) return invalid_request("temperature: Input should be a valid number");
    if (t.get<double>() < 0)
      return invalid_request("temperature: Input should be greater than or equal to 0");
    if (t.get<double>() > 1) return invalid_request("temperature: Input should be less than or equal to 1");
    if (model.rejects_sampling_params && t.get<double>() != 1.0)
      return invalid_request("`temperature` is deprecated for this model.");
  }
  if (has_top_p) {
    const json& p = body["top_p"];
    if (!p.is_number()) return invalid_request("top_p: Input should be a valid number");
    if (p.get<double>() < 0 || p.get<double>() > 1)
      return invalid_request("top_p: Input should be between 0 and 1");
    if (model.rejects_sampling_params && p.get<double>() != 1.0)
      return invalid_request("`top_p` is deprecated for this model.");
  }
  if (has_top_k) {
    if (!is_integer(body["top_k"])) return invalid_request("top_k: Input should be a valid integer");
    if (body["top_k"].get<std::int64_t>() < 0)
      return invalid_request("top_k: Input should be greater than or equal to 0");
    if (model.rejects_sampling_params) return invalid_request("`top_k` is deprecated for this model.");
  }
  if (has_temperature && has_top_p && model.sampling_params_exclusive)
    return invalid_request(
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one.");

  // -- Tools.
  std::set<std::string> tool_names;
  if (body.contains("tools")) {
    const json& tools = body["tools"];
    if (!tools.is_array()) return invalid_request("tools: Input should be a valid list");
    for (std::size_t i = 0; i < tools.size(); ++i) {
      const json& tool = tools[i];
      const std::string path = at("tools", i);
      if (!tool.is_object()) return invalid_request(path + ": Input should be a valid dictionary");
      if (!tool.contains("name")) return field_required(path + ".name");
      if (!tool["name"].is_string()) return invalid_request(path + ".name: Input should be a valid string");
      const std::string name = tool["name"].get<std::string>();
      const bool custom = !tool.contains("type") || tool["type"] == "custom" || tool["type"].is_null();
      if (custom) {
        bool name_ok =
            !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
            });
        if (!name_ok)
          return invalid_request(path + ".custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
        if (!tool.contains("input_schema")) return field_required(path + ".custom.input_schema");
        if (!tool["input_schema"].is_object())
          return invalid_request(path + ".custom.input_schema: Input should be a valid dictionary");
        if (tool["input_schema"].value("type", "") != "object")
          return invalid_request(path + ".custom.input_schema.type: Input should be 'object'");
        if (tool.contains("description") && !tool["description"].is_string())
          return invalid_request(path + ".custom.description: Input should be a valid string");
        req.tools.push_back(ToolSpec{name, tool["input_schema"]});
      }
      if (!tool_names.insert(name).second) return invalid_request("tools: Tool names must be unique.");
    }
  }
  if (body.contains("tool_choice")) {
    const json& choice = body["tool_choice"];
    if (!choice.is_object()) return invalid_request("tool_choice: Input should be a valid dictionary");
    if (!choice.contains("type")) return field_required("tool_choice.type");
    const std::string type = choice["type"].is_string() ? choice["type"].get<std::string>() : "";
    if (type == "auto")
      req.tool_choice = ToolChoice::auto_;
    else if (type == "any")
      req.tool_choice = ToolChoice::any;
    else if (type == "none")
      req.tool_choice = ToolChoice::none;
    else if (type == "tool") {
      req.tool_choice = ToolChoice::tool;
      if (!choice.contains("name") || !choice["name"].is_string())
        return field_required("tool_choice.tool.name");
      req.tool_choice_name = choice["name"].get<std::string>();
    } else {
      return invalid_request(
          "tool_choice: Input tag '" + type +
          "' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
    }
    if ((req.tool_choice == ToolChoice::any || req.tool_choice == ToolChoice::tool) && tool_names.empty())
      return invalid_request("tool_choice may only be specified while providing tools.");
    if (req.tool_choice == ToolChoice::tool && !tool_names.count(req.tool_choice_name))
      return invalid_request("tool_choice.tool.name: Tool '" + req.tool_choice_name +
                             "' not found in the provided tools.");
  }

  // -- Thinking.
  if (body.contains("thinking")) {
    const json& thinking = body["thinking"];
    if (!thinking.is_object()) return invalid_request("thinking: Input should be a valid dictionary");
    if (!thinking.contains("type")) return field_required("thinking.type");
    const std::string type = thinking["type"].is_string() ? thinking["type"].get<std::string>() : "";
    const std::string unsupported = "thinking.type." + type +
                                    " is not supported for this model. Use thinking.type.adaptive and "
                                    "output_config.effort to control thinking behavior.";
    if (type == "enabled") {
      if (!model.supports_manual_thinking) return invalid_request(unsupported);
      if (!thinking.contains("budget_tokens")) return field_required("thinking.enabled.budget_tokens");
      if (!is_integer(thinking["budget_tokens"]))
        return invalid_request("thinking.enabled.budget_tokens: Input should be a valid integer");
      std::int64_t budget = thinking["budget_tokens"].get<std::int64_t>();
      if (budget < 1024)
        return invalid_request(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
      if (messages_endpoint && budget >= req.max_tokens)
        return invalid_request(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
            "https://docs.claude.com/en/docs/build-with-claude/"
            "extended-thinking#max-tokens-and-context-window-size");
      req.thinking = Thinking::enabled;
    } else if (type == "adaptive") {
      if (model.version_tenths < 46) return invalid_request(unsupported);
      req.thinking = Thinking::adaptive;
    } else if (type == "disabled") {
      if (!model.thinking_can_be_disabled) return invalid_request(unsupported);
      req.thinking = Thinking::off;
    } else if (type == "between_tools") {
      if (!model.supports_between_tools) return invalid_request(unsupported);
      req.thinking = Thinking::between_tools;
    } else {
      return invalid_request("thinking: Input tag '" + type +
                             "' found using 'type' does not match any of the expected tags: 'enabled', "
                             "'disabled', 'adaptive', 'between_tools'");
    }
    if (thinking.contains("display")) {
      if (thinking["display"] == "omitted")
        req.thinking_omitted = true;
      else if (thinking["display"] != "summarized" && !thinking["display"].is_null())
        return invalid_request("thinking.display: Input should be 'summarized' or 'omitted'");
    }
    if ((req.thinking == Thinking::enabled || req.thinking == Thinking::adaptive) &&
        (req.tool_choice == ToolChoice::any || req.tool_choice == ToolChoice::tool))
      return invalid_request("Thinking may not be enabled when tool_choice forces tool use.");
    if (req.thinking != Thinking::off && has_temperature && body["temperature"].get<double>() != 1.0)
      return invalid_request(
          "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
          "https://docs.claude.com/en/docs/build-with-claude/extended-thinking");
  }

  // -- Other top-level fields.
  if (body.contains("stop_sequences")) {
    const json& stops = body["stop_sequences"];
    if (!stops.is_array()) return invalid_request("stop_sequences: Input should be a valid list");
    for (std::size_t i = 0; i < stops.size(); ++i) {
      if (!stops[i].is_string())
        return invalid_request(at("stop_sequences", i) + ": Input should be a valid string");
      const std::string s = stops[i].get<std::string>();
      if (std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
        return invalid_request("stop_sequences: each stop sequence must contain non-whitespace");
      req.stop_sequences.push_back(s);
    }
  }
  if (body.contains("metadata")) {
    const json& metadata = body["metadata"];
    if (!metadata.is_object()) return invalid_request("metadata: Input should be a valid dictionary");
    for (const auto& [key, v] : metadata.items()) {
      if (key != "user_id") return invalid_request("metadata." + key + ": Extra inputs are not permitted");
      if (!v.is_null() && (!v.is_string() || v.get_ref<const std::string&>().size() > 256))
        return invalid_request("metadata.user_id: Input should be a string of at most 256 characters");
    }
  }
  if (body.contains("service_tier") && body["service_tier"] != "auto" &&
      body["service_tier"] != "standard_only")
    return invalid_request("service_tier: Input should be 'auto' or 'standard_only'");
  if (body.contains("speed") && !body["speed"].is_null() && body["speed"] != "standard" &&
      body["speed"] != "fast")
    return invalid_request("speed: Input should be 'standard' or 'fast'");
  if (body.contains("output_config")) {
    const json& config = body["output_config"];
    if (!config.is_object()) return invalid_request("output_config: Input should be a valid dictionary");
    if (config.contains("effort") && !config["effort"].is_null()) {
      static const std::set<std::string> efforts = {"low", "medium", "high", "xhigh", "max"};
      if (!config["effort"].is_string() || !efforts.count(config["effort"].get<std::string>()))
        return invalid_request(
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
    }
    if (config.contains("format") && !config["format"].is_null()) {
      const json& format = config["format"];
      if (!format.is_object() || format.value("type", "") != "json_schema")
        return invalid_request("output_config.format.type: Input should be 'json_schema'");
      if (!format.contains("schema") || !format["schema"].is_object())
        return field_required("output_config.format.json_schema.schema");
      req.output_schema = format["schema"];
    }
  }

  // -- The prompt, in cache order: tools, system, messages.
  std::vector<RawBlock> raw;
  if (body.contains("tools")) {
    const json& tools = body["tools"];
    for (std::size_t i = 0; i < tools.size(); ++i) {
      RawBlock b;
      const std::string tool = dump(without_cache_control(tools[i]));
      b.canonical = "tool|" + tool;
      b.tokens = estimate_tokens(tool);
      if (i == 0) {
        bool forced = req.tool_choice == ToolChoice::any || req.tool_choice == ToolChoice::tool;
        b.tokens += forced ? kToolPromptForced : kToolPromptAuto;
      }
      if (tools[i].contains("cache_control") && !tools[i]["cache_control"].is_null())
        b.cache_control = tools[i]["cache_control"];
      b.path = at("tools", i) + ".cache_control";
      raw.push_back(std::move(b));
    }
  }
  if (body.contains("system")) {
    const json& system = body["system"];
    if (system.is_string()) {
      if (!system.get_ref<const std::string&>().empty()) {
        RawBlock b;
        b.canonical = "system|" + dump(json{{"type", "text"}, {"text", system}});
        b.tokens = estimate_tokens(system.get<std::string>());
        raw.push_back(std::move(b));
      }
    } else if (system.is_array()) {
      for (std::size_t i = 0; i < system.size(); ++i) {
        const json& block = system[i];
        const std::string path = at("system", i);
        if (!block.is_object()) return invalid_request(path + ": Input should be a valid dictionary");
        if (block.value("type", "") != "text") return invalid_request(path + ".type: Input should be 'text'");
        if (!block.contains("text") || !block["text"].is_string()) return field_required(path + ".text");
        if (block["text"].get_ref<const std::string&>().empty())
          return invalid_request("system: text content blocks must be non-empty");
        RawBlock b;
        b.canonical = "system|" + dump(without_cache_control(block));
        b.tokens = estimate_tokens(block["text"].get<std::string>());
        if (block.contains("cache_control") && !block["cache_control"].is_null())
          b.cache_control = block["cache_control"];
        b.path = path + ".cache_control";
        raw.push_back(std::move(b));
      }
    } else {
      return invalid_request("system: Input should be a valid string or a list of text blocks");
    }
  }

  const json& messages = body["messages"];
  if (messages.empty()) return invalid_request("messages: at least one message is required");
  std::map<std::string, std::string> tool_use_names;  // id → name, for tool results
  std::vector<std::string> pending_tool_uses;         // ids the next user message must answer
  std::size_t pending_from = 0;
  const std::size_t first_message_block = raw.size();
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const json& message = messages[m];
    const std::string path = at("messages", m);
    if (!message.is_object()) return invalid_request(path + ": Input should be a valid dictionary");
    if (!message.contains("role")) return field_required(path + ".role");
    if (!message.contains("content")) return field_required(path + ".content");
    const std::string role = message["role"].is_string() ? message["role"].get<std::string>() : "";
    const bool system_role_ok = model.version_tenths >= 48;
    if (role != "user" && role != "assistant" && !(role == "system" && system_role_ok))
      return invalid_request(path + ".role: Input should be " +
                             (system_role_ok ? "'user', 'assistant' or 'system'" : "'user' or 'assistant'"));
    for (const auto& [key, v] : message.items())
      if (key != "role" && key != "content")
        return invalid_request(at(path, key) + ": Extra inputs are not permitted");

    // Normalize string content to one text block: both forms cache alike.
    json blocks;
    const json& content = message["content"];
    if (content.is_string()) {
      blocks = json::array({json{{"type", "text"}, {"text", content}}});
    } else if (content.is_array()) {
      blocks = content;
    } else {
      return invalid_request(path + ".content: Input should be a valid string or a list of content blocks");
    }
    const bool last = m + 1 == messages.size();
    if (blocks.empty() && !(last && role == "assistant"))
      return invalid_request(path + ".content: List should have at least 1 item after validation, not 0");

    // Tool results must answer the tool uses of the message before, and only those.
    std::vector<std::string> results;
    std::string user_text, result_name, result_text;
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      const json& block = blocks[k];
      const std::string bpath = content.is_array() ? at(at(path, "content"), k) : at(path, "content");
      if (!block.is_object()) return invalid_request(bpath + ": Input should be a valid dictionary");
      if (!block.contains("type") || !block["type"].is_string()) return field_required(bpath + ".type");
      const std::string type = block["type"].get<std::string>();
      if (!content_block_types().count(type))
        return invalid_request(
            bpath + ": Input tag '" + type +
            "' found using 'type' does not match any of the expected tags: " + join(content_block_types()));
      if (type == "image") {
        if (auto bad = check_image(block, bpath)) return invalid_request(*bad);
      } else if (type == "text") {
        if (!block.contains("text") || !block["text"].is_string()) return field_required(bpath + ".text");
        const std::string& text = block["text"].get_ref<const std::string&>();
        if (text.empty() && !(last && role == "assistant"))
          return invalid_request("messages: text content blocks must be non-empty");
        if (v2026 && role == "user" && block.contains("citations") && block["citations"].is_array() &&
            !block["citations"].empty())
          return invalid_request(bpath +
                                 ".citations: citations on text blocks in user messages are not supported in "
                                 "API version 2026-10-21");
        if (role == "user") user_text += (user_text.empty() ? "" : "\n") + text;
      } else if (type == "document" && role == "assistant" && v2026) {
        return invalid_request(
            bpath + ": document blocks are not allowed in assistant messages in API version 2026-10-21");
      } else if (type == "tool_use") {
        if (role != "assistant")
          return invalid_request(bpath + ": tool_use blocks are only allowed in assistant messages");
        if (!block.contains("id") || !block["id"].is_string()) return field_required(bpath + ".id");
        if (!block.contains("name") || !block["name"].is_string()) return field_required(bpath + ".name");
        if (!block.contains("input") || !block["input"].is_object())
          return invalid_request(bpath + ".input: Input should be a valid dictionary");
        tool_use_names[block["id"].get<std::string>()] = block["name"].get<std::string>();
      } else if (type == "tool_result") {
        if (role != "user")
          return invalid_request(bpath + ": tool_result blocks are only allowed in user messages");
        if (!block.contains("tool_use_id") || !block["tool_use_id"].is_string())
          return field_required(bpath + ".tool_use_id");
        const std::string id = block["tool_use_id"].get<std::string>();
        results.push_back(id);
        result_name = tool_use_names.count(id) ? tool_use_names[id] : "";
        result_text = tool_result_text(block);
        if (block.contains("content") && block["content"].is_array())
          for (std::size_t part = 0; part < block["content"].size(); ++part) {
            const json& p = block["content"][part];
            if (p.is_object() && p.value("type", "") == "image")
              if (auto bad = check_image(p, bpath + ".tool_result.content." + std::to_string(part))) return invalid_request(*bad);
          }
      } else if (type == "thinking" || type == "redacted_thinking") {
        if (role != "assistant")
          return invalid_request(bpath + ": " + type + " blocks are only allowed in assistant messages");
        const std::vector<std::string> fields = type == "thinking"
                                                    ? std::vector<std::string>{"thinking", "signature"}
                                                    : std::vector<std::string>{"data"};
        for (const auto& field : fields)
          if (!block.contains(field) || !block[field].is_string()) return field_required(bpath + "." + field);
      }

      RawBlock b;
      b.canonical = "message|" + role + "|" + dump(without_cache_control(block));
      b.tokens = block_tokens(block) + (k == 0 ? kMessageFramingTokens : 0);
      b.cacheable = !(type == "thinking" || type == "redacted_thinking") &&
                    !(type == "text" && block.value("text", "").empty());
      if (block.contains("cache_control") && !block["cache_control"].is_null()) {
        if (!b.cacheable)
          return invalid_request(type == "text" ? "cache_control cannot be set for empty text blocks"
                                                : bpath + ".cache_control: Extra inputs are not permitted");
        b.cache_control = block["cache_control"];
      }
      b.path = bpath + ".cache_control";
      raw.push_back(std::move(b));
    }

    if (!pending_tool_uses.empty()) {
      std::vector<std::string> missing;
      for (const auto& id : pending_tool_uses)
        if (role != "user" || std::find(results.begin(), results.end(), id) == results.end())
          missing.push_back(id);
      if (!missing.empty()) {
        std::string ids;
        for (const auto& id : missing) ids += (ids.empty() ? "" : ", ") + id;
        return invalid_request(
            "messages." + std::to_string(pending_from) +
            ": `tool_use` ids were found without `tool_result` blocks immediately after: " + ids +
            ". Each `tool_use` block must have a corresponding `tool_result` block in the next message.");
      }
    }
    for (const auto& id : results) {
      if (std::find(pending_tool_uses.begin(), pending_tool_uses.end(), id) == pending_tool_uses.end())
        return invalid_request(
            path + ".content: unexpected `tool_use_id` found in `tool_result` blocks: " + id +
            ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.");
    }
    pending_tool_uses.clear();
    if (role == "assistant") {
      for (const auto& block : blocks)
        if (block.value("type", "") == "tool_use")
          pending_tool_uses.push_back(block["id"].get<std::string>());
      pending_from = m;
    }
    if (role == "user") {
      req.last_user_text = user_text;
      req.last_tool_result_name = result_name;
      req.last_tool_result_text = result_text;
    }

    if (last && role == "assistant") {
      if (!model.supports_prefill)
        return invalid_request(
            "This model does not support assistant message prefill. The conversation must end with a user "
            "message.");
      std::string prefill;
      for (const auto& block : blocks)
        if (block.value("type", "") == "text") prefill += block.value("text", "");
      if (!prefill.empty() && std::isspace(static_cast<unsigned char>(prefill.back())))
        return invalid_request("messages: final assistant content cannot end with trailing whitespace");
    }
  }

  // -- Cache breakpoints: at most 4, 1h before 5m; a top-level marker goes on the last cacheable block.
  std::size_t breakpoints = 0;
  bool seen_5m = false;
  std::vector<std::optional<std::chrono::seconds>> ttls(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!raw[i].cache_control) continue;
    std::chrono::seconds ttl{};
    if (auto error = check_cache_control(*raw[i].cache_control, raw[i].path, ttl)) return *error;
    ttls[i] = ttl;
  }
  if (body.contains("cache_control") && !body["cache_control"].is_null()) {
    std::chrono::seconds ttl{};
    if (auto error = check_cache_control(body["cache_control"], "cache_control", ttl)) return *error;
    for (std::size_t i = raw.size(); i-- > 0;) {
      if (!raw[i].cacheable) continue;
      if (!ttls[i]) ttls[i] = ttl;
      break;
    }
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!ttls[i]) continue;
    ++breakpoints;
    if (*ttls[i] == std::chrono::minutes(5))
      seen_5m = true;
    else if (seen_5m)
      return invalid_request(
          "A cache_control block with ttl='1h' must not come after a cache_control block with ttl='5m'. "
          "Blocks are processed in this order: `tools`, `system`, `messages`.");
  }
  if (breakpoints > kMaxCacheBreakpoints)
    return invalid_request("A maximum of 4 blocks with cache_control may be provided. Found " +
                           std::to_string(breakpoints) + ".");

  // -- Hash the prefixes. Caches are per model and organization; tool_choice and thinking settings
  // are part of the messages' prefix (changing them invalidates cached messages, not tools/system).
  std::uint64_t hash = fnv1a("model:" + model.id + "\nns:" + context.cache_namespace + "\n");
  req.input_tokens_total = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i == first_message_block) {
      hash = fnv1a(
          "tool_choice:" + (body.contains("tool_choice") ? dump(body["tool_choice"]) : std::string("null")),
          hash);
      hash = fnv1a("thinking:" + (body.contains("thinking") ? dump(body["thinking"]) : std::string("null")),
                   hash);
    }
    hash = fnv1a(raw[i].canonical, fnv1a("\x1e", hash));
    PromptBlock block;
    block.prefix_hash = hash;
    block.tokens = raw[i].tokens + (i == 0 ? kPromptFramingTokens : 0);
    block.breakpoint_ttl = ttls[i];
    req.input_tokens_total += block.tokens;
    req.blocks.push_back(block);
  }
  // A prompt longer than the model's context window is refused, as the API refuses it.
  if (messages_endpoint && req.input_tokens_total > model.context_window)
    return invalid_request("prompt is too long: " + std::to_string(req.input_tokens_total) + " tokens > " +
                           std::to_string(model.context_window) + " maximum");
  // The phrasing depends on the request, not on whether it streams: both forms answer alike.
  // The prompt's blocks count by their canonical text, written above (cache_control aside, as for
  // the model), so that a long prompt is not written out twice.
  std::uint64_t seed = kFnvOffset;
  for (const auto& [key, value] : body.items())
    if (key != "stream" && key != "tools" && key != "system" && key != "messages") seed = fnv1a(dump(value), fnv1a(key, seed));
  for (const auto& b : raw) seed = fnv1a(b.canonical, fnv1a("\x1e", seed));
  req.content_seed = seed;
  return req;
}

// ---- Prompt cache -------------------------------------------------------------------------------

CacheOutcome apply_prompt_cache(const ParsedRequest& request, PromptCache& cache,
                                PromptCache::clock::time_point now) {
  CacheOutcome out;
  const auto& blocks = request.blocks;
  std::vector<std::int64_t> cumulative(blocks.size());
  std::int64_t sum = 0;
  std::vector<std::size_t> breakpoints;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    sum += blocks[i].tokens;
    cumulative[i] = sum;
    if (blocks[i].breakpoint_ttl) breakpoints.push_back(i);
  }
  if (breakpoints.empty()) return out;

  // The furthest cached prefix, at a breakpoint or up to 20 blocks before one.
  std::optional<std::size_t> hit;
  for (auto it = breakpoints.rbegin(); it != breakpoints.rend() && !hit; ++it) {
    const std::size_t b = *it;
    const std::size_t lowest = b + 1 >= kCacheLookbackBlocks ? b + 1 - kCacheLookbackBlocks : 0;
    for (std::size_t j = b + 1; j-- > lowest;) {
      if (cache.contains(blocks[j].prefix_hash, now)) {
        hit = j;
        break;
      }
    }
  }
  std::int64_t covered = 0;
  if (hit) {
    cache.hit(blocks[*hit].prefix_hash, now);  // refreshes the TTL
    out.read_tokens = cumulative[*hit];
    covered = out.read_tokens;
  }
  for (std::size_t b : breakpoints) {
    if (hit && b <= *hit) continue;
    if (cumulative[b] < request.model->min_cacheable_tokens) continue;  // too short: not cached, no error
    const auto ttl = *blocks[b].breakpoint_ttl;
    const std::int64_t tokens = cumulative[b] - covered;
    (ttl == std::chrono::hours(1) ? out.write_1h_tokens : out.write_5m_tokens) += tokens;
    covered = cumulative[b];
    cache.put(blocks[b].prefix_hash, cumulative[b], ttl, now);
    ++out.writes;
  }
  return out;
}

// ---- The answer ---------------------------------------------------------------------------------

std::string IdSource::next(std::string_view prefix, std::size_t length) {
  static constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string id(prefix);
  for (std::size_t i = 0; i < length; ++i) {
    // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    id += kAlphabet[z % (sizeof(kAlphabet) - 1)];
  }
  return id;
}

namespace {

std::string signature_for(std::string_view text) {
  static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string signature = "EqQB";
  std::uint64_t h = fnv1a(text);
  for (int i = 0; i < 96; ++i) {
    h = fnv1a(std::string_view(reinterpret_cast<const char*>(&h), sizeof h), h);
    signature += kBase64[h % 64];
  }
  return signature + "==";
}

const ToolSpec* pick_tool(const ParsedRequest& req) {
  if (req.tool_choice == ToolChoice::tool) {
    for (const auto& t : req.tools)
      if (t.name == req.tool_choice_name) return &t;
    return nullptr;
  }
  for (const auto& t : req.tools)
    if (!t.name.empty() && req.last_user_text.find(t.name) != std::string::npos) return &t;
  return req.tools.empty() ? nullptr : &req.tools.front();
}

}  // namespace

Plan plan_answer(const ParsedRequest& req, const Behaviour& behaviour, const CacheOutcome& cache,
                 IdSource& ids) {
  Plan plan;
  plan.id = ids.next("msg_01", 22);
  plan.model = req.model_requested;
  plan.stop_reason = "end_turn";
  const std::int64_t budget = req.max_tokens;
  std::int64_t used = 0;

  // Thinking first, when the request asks for it.
  if ((req.thinking == Thinking::enabled || req.thinking == Thinking::adaptive) && budget > 0) {
    std::string thought = thinking_text(req.last_user_text);
    std::int64_t tokens = std::min<std::int64_t>(estimate_tokens(thought), budget);
    PlannedBlock block;
    block.kind = PlannedBlock::Kind::thinking;
    block.text = req.thinking_omitted ? std::string() : truncate_to_tokens(thought, tokens);
    block.signature = signature_for(thought);
    plan.content.push_back(std::move(block));
    plan.usage.thinking_tokens = tokens;
    used += tokens;
  }

  // Tool use: forced by tool_choice, or the user mentions a tool (and is not answering one).
  const bool forced = req.tool_choice == ToolChoice::any || req.tool_choice == ToolChoice::tool;
  const bool wants_tool =
      !req.tools.empty() && req.tool_choice != ToolChoice::none &&
      (forced || (req.last_tool_result_name.empty() && req.last_tool_result_text.empty() &&
                  contains_word_tool(req.last_user_text)));
  const ToolSpec* tool = wants_tool ? pick_tool(req) : nullptr;

  std::string text;
  if (behaviour.text) {
    text = *behaviour.text;
  } else if (tool) {
    text = forced ? "" : "I'll use the `" + tool->name + "` tool for that.";
  } else if (req.output_schema) {
    text = dump(instance_for_schema(*req.output_schema, *req.output_schema));
  } else if (!req.last_tool_result_name.empty() || !req.last_tool_result_text.empty()) {
    text = tool_result_answer(req.last_tool_result_name, req.last_tool_result_text, req.content_seed);
  } else {
    text = coaching_answer(req.last_user_text, req.content_seed);
  }
  if (behaviour.text && tool && !forced) tool = nullptr;  // scripted text wins over an optional tool call

  // Stop sequences cut the text where they first appear.
  std::size_t cut = std::string::npos;
  for (const auto& stop : req.stop_sequences) {
    auto pos = text.find(stop);
    if (pos != std::string::npos && (cut == std::string::npos || pos < cut)) {
      cut = pos;
      plan.stop_sequence = stop;
    }
  }
  if (cut != std::string::npos) {
    text.resize(cut);
    plan.stop_reason = "stop_sequence";
    tool = nullptr;
  }

  // max_tokens cuts the rest.
  std::int64_t text_tokens = estimate_tokens(text);
  if (used + text_tokens > budget) {
    text = truncate_to_tokens(text, budget - used);
    text_tokens = estimate_tokens(text);
    plan.stop_reason = "max_tokens";
    plan.stop_sequence.reset();
    tool = nullptr;
  }
  if (!text.empty()) {
    PlannedBlock block;
    block.kind = PlannedBlock::Kind::text;
    block.text = text;
    plan.content.push_back(std::move(block));
  }
  used += text_tokens;

  if (tool) {
    json input = instance_for_schema(tool->input_schema, tool->input_schema);
    std::int64_t tokens = estimate_tokens(tool->name) + estimate_tokens(dump(input)) + 10;
    if (used + tokens > budget) {
      plan.stop_reason = "max_tokens";
    } else {
      PlannedBlock block;
      block.kind = PlannedBlock::Kind::tool_use;
      block.tool_id = ids.next("toolu_01", 22);
      block.tool_name = tool->name;
      block.tool_input = std::move(input);
      plan.content.push_back(std::move(block));
      used += tokens;
      plan.stop_reason = "tool_use";
    }
  }
  if (budget == 0) plan.stop_reason = "max_tokens";

  plan.usage.output_tokens = used;
  plan.usage.cache_read_input_tokens = cache.read_tokens;
  plan.usage.ephemeral_5m_input_tokens = cache.write_5m_tokens;
  plan.usage.ephemeral_1h_input_tokens = cache.write_1h_tokens;
  plan.usage.cache_creation_input_tokens = cache.write_5m_tokens + cache.write_1h_tokens;
  plan.usage.input_tokens =
      req.input_tokens_total - plan.usage.cache_read_input_tokens - plan.usage.cache_creation_input_tokens;
  return plan;
}

// ---- JSON and SSE forms -------------------------------------------------------------------------

namespace {

json usage_json(const Usage& u, std::int64_t output_tokens) {
  json usage = {{"input_tokens", u.input_tokens},
                {"cache_creation_input_tokens", u.cache_creation_input_tokens},
                {"cache_read_input_tokens", u.cache_read_input_tokens},
                {"cache_creation",
                 {{"ephemeral_5m_input_tokens", u.ephemeral_5m_input_tokens},
                  {"ephemeral_1h_input_tokens", u.ephemeral_1h_input_tokens}}},
                {"output_tokens", output_tokens},
                {"service_tier", "standard"},
                {"inference_geo", "global"}};
  if (u.thinking_tokens > 0) usage["output_tokens_details"] = {{"thinking_tokens", u.thinking_tokens}};
  return usage;
}

json block_json(const PlannedBlock& b, bool start) {
  switch (b.kind) {
    case PlannedBlock::Kind::text:
      return {{"type", "text"}, {"text", start ? "" : b.text}};
    case PlannedBlock::Kind::thinking:
      return {
          {"type", "thinking"}, {"thinking", start ? "" : b.text}, {"signature", start ? "" : b.signature}};
    case PlannedBlock::Kind::tool_use:
      return {{"type", "tool_use"},
              {"id", b.tool_id},
              {"name", b.tool_name},
              {"input", start ? json::object() : b.tool_input},
              {"caller", {{"type", "direct"}}}};
  }
  return json::object();
}

json message_object(const Plan& plan, bool start) {
  json content = json::array();
  if (!start)
    for (const auto& b : plan.content) content.push_back(block_json(b, false));
  return {{"id", plan.id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", plan.model},
          {"content", content},
          {"stop_reason", start ? json(nullptr) : json(plan.stop_reason)},
          {"stop_sequence", start || !plan.stop_sequence ? json(nullptr) : json(*plan.stop_sequence)},
          {"stop_details", nullptr},
          {"usage", usage_json(plan.usage, start ? std::min<std::int64_t>(plan.usage.output_tokens, 1)
                                                 : plan.usage.output_tokens)}};
}

}  // namespace

json message_json(const Plan& plan) {
  return message_object(plan, false);
}

std::vector<SseEvent> stream_events(const Plan& plan) {
  std::vector<SseEvent> events;
  auto add = [&](std::string name, const json& data, std::int64_t tokens = 0, bool delta = false) {
    events.push_back(SseEvent{std::move(name), dump(data), tokens, delta});
  };
  add("message_start", {{"type", "message_start"}, {"message", message_object(plan, true)}});
  for (std::size_t i = 0; i < plan.content.size(); ++i) {
    const PlannedBlock& b = plan.content[i];
    add("content_block_start",
        {{"type", "content_block_start"}, {"index", i}, {"content_block", block_json(b, true)}});
    if (i == 0) events.push_back(SseEvent{"ping", R"({"type": "ping"})", 0, false});
    auto delta = [&](const json& d, std::int64_t tokens) {
      add("content_block_delta", {{"type", "content_block_delta"}, {"index", i}, {"delta", d}}, tokens, true);
    };
    switch (b.kind) {
      case PlannedBlock::Kind::text:
        for (const auto& piece : split_text(b.text, 4))
          delta({{"type", "text_delta"}, {"text", piece}}, estimate_tokens(piece));
        break;
      case PlannedBlock::Kind::thinking:
        for (const auto& piece : split_text(b.text, 6))
          delta({{"type", "thinking_delta"}, {"thinking", piece}}, estimate_tokens(piece));
        delta({{"type", "signature_delta"}, {"signature", b.signature}}, 0);
        break;
      case PlannedBlock::Kind::tool_use: {
        delta({{"type", "input_json_delta"}, {"partial_json", ""}}, 0);
        for (const auto& piece : split_json(dump(b.tool_input), 24))
          delta({{"type", "input_json_delta"}, {"partial_json", piece}}, estimate_tokens(piece));
        break;
      }
    }
    add("content_block_stop", {{"type", "content_block_stop"}, {"index", i}});
  }
  json usage = {{"input_tokens", plan.usage.input_tokens},
                {"cache_creation_input_tokens", plan.usage.cache_creation_input_tokens},
                {"cache_read_input_tokens", plan.usage.cache_read_input_tokens},
                {"output_tokens", plan.usage.output_tokens}};
  if (plan.usage.thinking_tokens > 0)
    usage["output_tokens_details"] = {{"thinking_tokens", plan.usage.thinking_tokens}};
  add("message_delta", {{"type", "message_delta"},
                        {"delta",
                         {{"stop_reason", plan.stop_reason},
                          {"stop_sequence", plan.stop_sequence ? json(*plan.stop_sequence) : json(nullptr)},
                          {"stop_details", nullptr}}},
                        {"usage", usage}});
  add("message_stop", {{"type", "message_stop"}});
  return events;
}

std::string format_sse(const SseEvent& event) {
  return "event: " + event.name + "\ndata: " + event.data + "\n\n";
}

}  // namespace porchlight::fake
