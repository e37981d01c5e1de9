// ghl/links.cpp: GoHighLevel location links through the cache (ghl/links.hpp).

#include "ghl/links.hpp"

namespace porchlight::proxy::ghl {

namespace {

constexpr auto kTtl = std::chrono::seconds(5);
std::string cache_key(const std::string& id) { return "ghl_link:" + id; }

json to_json(const std::optional<store::GhlLink>& l) {
  if (!l) return json{{"linked", false}};
  return {{"linked", true}, {"ghl_location_id", l->ghl_location_id}, {"location_id", l->location_id}, {"installed", l->installed},
          {"config", l->config_json}, {"publishable_key", l->publishable_key}, {"created_at", l->created_at},
          {"updated_at", l->updated_at}};
}

// The cached answer: a link, or "not linked"; nullopt when the entry is not one of ours.
std::optional<std::optional<store::GhlLink>> from_cache(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("linked") || !j["linked"].is_boolean()) return std::nullopt;
  if (!j["linked"].get<bool>()) return std::optional<store::GhlLink>{};
  store::GhlLink l;
  l.ghl_location_id = j.value("ghl_location_id", "");
  l.location_id = j.value("location_id", "");
  l.installed = j.value("installed", false);
  l.config_json = j.value("config", "{}");
  l.publishable_key = j.value("publishable_key", "");
  l.created_at = j.value("created_at", "");
  l.updated_at = j.value("updated_at", "");
  if (l.location_id.empty()) return std::nullopt;
  return std::optional<store::GhlLink>(l);
}

}  // namespace

awaitable<Result<std::optional<store::GhlLink>>> find_link(App& app, const std::string& ghl_location_id) {
  // One trip to the pool: the cache, and on a miss the store and the cache again.
  auto find = [&app, ghl_location_id]() -> Result<std::optional<store::GhlLink>> {
    const std::string key = cache_key(ghl_location_id);
    if (auto hit = app.cache().get(key))
      if (auto link = from_cache(*hit)) return *link;
    auto found = app.store().ghl_links().find(ghl_location_id);
    if (found) app.cache().set(key, to_json(found.value()).dump(), kTtl);
    return found;
  };
  co_return co_await app.blocking(find);
}

awaitable<Result<store::GhlLink>> put_link(App& app, const store::GhlLink& link) {
  auto put = [&app, link] {
    auto r = app.store().ghl_links().put(store::Scope{link.location_id}, link);
    app.cache().invalidate(cache_key(link.ghl_location_id));
    return r;
  };
  co_return co_await app.blocking(put);
}

}  // namespace porchlight::proxy::ghl
