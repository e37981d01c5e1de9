#include "handlers/json_util.hpp"

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

std::string new_id(std::string_view prefix) { return store::detail::time_ordered_id(prefix); }

}  // namespace porchlight::proxy
