#include "handlers/json_util.hpp"

#include <ctime>

#include "store/store_util.hpp"

namespace porchlight::proxy {

json to_json(const store::Message& m) {
  return json{{"id", m.id},
              {"conversation_id", m.conversation_id},
              {"seq", m.seq},
              {"role", m.role},
              {"content", m.content},
              {"status", store::to_string(m.status)},
              {"surface", m.surface},
              {"specialist", m.specialist},
              {"model", m.model},
              {"usage", porchlight::to_json(m.usage)},
              {"cost_usd", m.cost_usd},
              {"latency_ms", m.latency_ms},
              {"event_id", m.event_id},
              {"created_at", m.created_at},
              {"updated_at", m.updated_at}};
}

json to_json(const store::Conversation& c) {
  return json{{"id", c.id},           {"agent_id", c.agent_id},   {"lead_id", c.lead_id},
              {"stage", name_of(c.stage)}, {"summary", c.summary}, {"created_at", c.created_at},
              {"updated_at", c.updated_at}};
}

awaitable<std::optional<json>> read_json_body(App& app, Exchange& ex, std::size_t max_bytes) {
  json_input::ParseLimits limits;
  limits.max_bytes = max_bytes;
  auto parsed = json_input::parse_untrusted(ex.request().body(), limits);
  if (!parsed) {
    co_await app.fail(ex, parsed.errors());
    co_return std::nullopt;
  }
  if (!parsed.value().is_object()) {
    co_await app.fail(ex, ApiError::from_code("request.not_object", "the request body must be a JSON object"));
    co_return std::nullopt;
  }
  co_return std::move(parsed).value();
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string new_id(std::string_view prefix) { return store::detail::time_ordered_id(prefix); }

}  // namespace porchlight::proxy
