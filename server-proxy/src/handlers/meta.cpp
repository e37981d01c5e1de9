// handlers/meta.cpp: /healthz, /readyz, /metrics, /v1/policy, /v1/version.

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "handlers/learning.hpp"
#include "http/gzip.hpp"
#include "auth/credentials.hpp"
#include "auth/scopes.hpp"
#include "porchlight/api.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/policy.hpp"

namespace porchlight::proxy {

// Liveness: the process serves requests.
awaitable<void> healthz(App& app, Exchange& ex, const Principal&) {
  co_await app.send_json(ex, 200, JSON_OBJ({{"status", "ok"}}));
}

// Readiness: the store answers (Redis being down is a degradation, not unreadiness).
awaitable<void> readyz(App& app, Exchange& ex, const Principal&) {
  if (!app.ready) {
    co_await app.send_json(ex, 503, JSON_OBJ({{"status", "starting or stopping"}}));
    co_return;
  }
  auto query_1 = [&app] { return app.store().ping(); };
  auto ping = co_await app.blocking(query_1);
  const bool cache_ok = app.cache().healthy();
  json body{{"status", ping ? "ready" : "degraded"},
            {"store", ping ? "ok" : ping.errors().front().code},
            {"cache", std::string(app.cache().backend()) + (cache_ok ? " ok" : " down (in-process fallback)")},
            {"upstream", app.upstream() ? "anthropic" : "offline playbooks (no ANTHROPIC_API_KEY)"}};
  co_await app.send_json(ex, ping ? 200 : 503, body);
}

// Tokens and cost per location are the tenants' business: a scraper on another machine must hold
// the metrics token; without one configured, only this machine is answered.
awaitable<void> metrics_page(App& app, Exchange& ex, const Principal&) {
  if (const std::string& token = app.config().metrics_token; !token.empty()) {
    const std::string_view authorization = ex.header("authorization");
    const bool bearer = authorization.size() > 7 && authorization.substr(0, 7) == "Bearer ";
    if (!bearer || !secure_equals(authorization.substr(7), token)) {
      co_await ex.send_error(ApiError::from_code("auth.metrics_token", "GET /metrics needs Authorization: Bearer <the metrics token>"));
      co_return;
    }
  } else if (!ex.from_loopback()) {
    co_await ex.send_error(ApiError::from_code("auth.metrics_local_only",
                                    "GET /metrics answers this machine only; set PORCHLIGHT_METRICS_TOKEN to scrape it from another"));
    co_return;
  }
  auto& m = app.metrics();
  const auto cs = app.cache().stats();
  m.set("porchlight_cache_hits", {{"backend", std::string(app.cache().backend())}}, static_cast<double>(cs.hits));
  m.set("porchlight_cache_misses", {{"backend", std::string(app.cache().backend())}}, static_cast<double>(cs.misses));
  m.set("porchlight_cache_errors", {{"backend", std::string(app.cache().backend())}}, static_cast<double>(cs.errors));
  const double lookups = static_cast<double>(cs.hits + cs.misses);
  m.set("porchlight_cache_hit_ratio", {{"backend", std::string(app.cache().backend())}},
        lookups > 0 ? static_cast<double>(cs.hits) / lookups : 0);
  if (auto* up = app.upstream()) {
    const auto us = up->stats();
    m.set("porchlight_upstream_requests", {}, static_cast<double>(us.requests));
    m.set("porchlight_upstream_retries", {}, static_cast<double>(us.retries));
    m.set("porchlight_upstream_fallbacks", {}, static_cast<double>(us.fallbacks));
    m.set("porchlight_upstream_breaker_opens", {}, static_cast<double>(us.breaker_opens));
    m.set("porchlight_upstream_pool_reuses", {}, static_cast<double>(us.pool_reuses));
  }
  m.set("porchlight_prompt_cache_read_share", {}, app.admission().cache_read_share());
  m.set("porchlight_unregistered_error_codes", {}, static_cast<double>(ApiError::unregistered_codes()));
  m.set("porchlight_event_loop_lag_seconds", {}, static_cast<double>(app.shedder().lag().count()) / 1e6);
  m.set("porchlight_requests_in_flight", {}, static_cast<double>(requests_in_flight()));
  co_await ex.send(200, m.render(), "text/plain; version=0.0.4");
}

namespace {

// /v1/policy's bodies by what makes them: the published version (the policy's, or a location's,
// which changes with its experiments), the core's version and which files. What a version holds
// never changes, so each body is written and gzipped once (about 270 KB of JSON with the router's
// weights) instead of on every widget's load. A small table, emptied when full.
class PolicyBodies {
 public:
  struct Body {
    std::string json, gzipped;  // gzipped: empty when too small to be worth it
  };

  template <class Make>
  std::shared_ptr<const Body> get(const std::string& key, const Make& make) {
    {
      std::lock_guard lock(mu_);
      if (auto it = bodies_.find(key); it != bodies_.end()) return it->second;
    }
    auto body = std::make_shared<Body>();
    body->json = make();
    if (body->json.size() > 1024) body->gzipped = gzip(body->json);
    std::lock_guard lock(mu_);
    if (bodies_.size() >= kMaxBodies) bodies_.clear();
    return bodies_.emplace(key, std::move(body)).first->second;
  }

 private:
  static constexpr std::size_t kMaxBodies = 256;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Body>> bodies_;
};

}  // namespace

// The core's data, so the browser (WASM) and the proxy decide with the same policy. A caller
// with credentials (a browser's key and agent token) also gets its location's experiments, and
// the version is then the location's (learn/experiments.hpp: it changes when they do);
// `core_version` stays the core policy's. ?files=0 leaves the data files out (the widget asks for
// the version first, and the files only when it does not keep that version's); ?since=VERSION, when
// VERSION is this build's built-in policy, sends only the files that differ from it and router
// v2's weights (a whole-API core, which embeds the rest); any other VERSION gets every file (the
// widget's core embeds none: "invalid"). Gzipped to clients that take it (about 117 KB in all).
awaitable<void> policy(App& app, Exchange& ex, const Principal&) {
  const Policy& p = app.policy();
  json out = JSON_OBJ({{"version", p.version()}, {"core_version", p.version()}, {"release", p.release()},
                       {"experiments", json::array()}});
  if (!ex.header("x-api-key").empty() || !ex.header("authorization").empty()) {
    auto caller = co_await app.auth().authenticate(ex, Access::agent);
    if (caller && !key_allows(caller->key, "coach")) caller = scope_missing("coach");
    if (!caller) { co_await app.fail(ex, caller.errors()); co_return; }
    auto published = co_await location_policy(app, caller->scope);
    if (!published) { co_await app.fail(ex, published.errors()); co_return; }
    out["version"] = published->version;
    out["experiments"] = published->experiments;
  }
  const Policy& built_in = Policy::embedded();
  std::string since = ex.query_param("since");
  std::replace(since.begin(), since.end(), ' ', '+');  // a "+" sent unencoded reads as a space
  const std::string files = ex.query_param("files") == "0" ? "none" : since == built_in.version() ? "since" : "all";
  static PolicyBodies bodies;
  const auto body = bodies.get(out["version"].get<std::string>() + '\n' + p.version() + '\n' + files, [&] {
    if (files == "since") {
      json changed = json::object();
      for (const auto& [path, text] : p.files()) {
        const auto same = built_in.files().find(path);
        if (path == kRouterModelFile || same == built_in.files().end() || same->second != text) changed[path] = text;
      }
      out["files"] = std::move(changed);
    } else if (files == "all") {
      out["files"] = p.files();
    }
    return to_json_text(out);
  });
  Headers headers{{"vary", "accept-encoding"}};
  // Without credentials it is the core policy, public like the whole-API module that embeds it: any
  // page's widget may fetch it while its core loads.
  if (ex.header("x-api-key").empty() && ex.header("authorization").empty()) headers.emplace_back("access-control-allow-origin", "*");
  if (!body->gzipped.empty() && accepts_gzip(ex.header("accept-encoding"))) {
    headers.emplace_back("content-encoding", "gzip");
    co_await ex.send(200, std::string(body->gzipped), "application/json", headers);
  } else {
    co_await ex.send(200, std::string(body->json), "application/json", headers);
  }
}

awaitable<void> version(App& app, Exchange& ex, const Principal&) {
  json v = json::parse(api::version());
  v["proxy"] = "0.1.0";
  v["upstream"] = app.upstream() ? "anthropic" : "offline";
  co_await app.send_json(ex, 200, v);
}

}  // namespace porchlight::proxy
