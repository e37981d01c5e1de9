#include "handlers/json_util.hpp"

#include "porchlight/qualify.hpp"
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
              {"agent_id", m.agent_id},
              {"created_at", m.created_at},
              {"updated_at", m.updated_at}};
}

json to_json(const store::Conversation& c) {
  return json{{"id", c.id},           {"agent_id", c.agent_id},   {"lead_id", c.lead_id},
              {"stage", name_of(c.stage)}, {"summary", c.summary}, {"created_at", c.created_at},
              {"updated_at", c.updated_at}};
}

namespace {
std::int64_t epoch_ms(const std::string& rfc3339) {
  std::int64_t days;
  if (rfc3339.size() < 19 || !parse_civil_date(rfc3339.substr(0, 10), days)) return 0;
  auto num = [&](std::size_t at) { return (rfc3339[at] - '0') * 10 + (rfc3339[at + 1] - '0'); };
  std::int64_t ms = ((days * 24 + num(11)) * 60 + num(14)) * 60000 + num(17) * 1000;
  if (rfc3339.size() > 23 && rfc3339[19] == '.') ms += (rfc3339[20] - '0') * 100 + (rfc3339[21] - '0') * 10 + (rfc3339[22] - '0');
  return ms;
}
}  // namespace

bool stream_went_stale(const store::Message& m, std::chrono::milliseconds after) {
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return now_ms - epoch_ms(m.updated_at) > after.count();
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

std::string string_field(const json& j, std::string_view key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

awaitable<std::optional<DayRange>> read_day_range(App& app, Exchange& ex, std::int64_t max_days) {
  DayRange r{ex.query_param("from"), ex.query_param("to")};
  if (r.to.empty()) r.to = app.today();
  if (r.from.empty()) r.from = r.to.substr(0, 8) + "01";
  std::int64_t from = 0, to = 0;
  if (!parse_civil_date(r.from, from) || !parse_civil_date(r.to, to)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_query", "from and to are dates as YYYY-MM-DD"));
    co_return std::nullopt;
  }
  if (from > to) {
    co_await app.fail(ex, ApiError::from_code("request.range_reversed", "from (" + r.from + ") is after to (" + r.to +
                                                                            "): swap them"));
    co_return std::nullopt;
  }
  if (max_days > 0 && to - from + 1 > max_days) {
    co_await app.fail(ex, ApiError::from_code("request.range_too_long",
                                              "from " + r.from + " to " + r.to + " is " + std::to_string(to - from + 1) +
                                                  " days; this endpoint reads at most " + std::to_string(max_days) +
                                                  ": ask for a shorter range"));
    co_return std::nullopt;
  }
  co_return r;
}

bool parse_count(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  if (text.empty()) return true;
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::int64_t v = std::stoll(text);
  if (v < min || v > max) return false;
  out = v;
  return true;
}

}  // namespace porchlight::proxy
