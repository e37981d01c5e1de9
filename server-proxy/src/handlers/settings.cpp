// handlers/settings.cpp: a location's settings (secret keys and admin sessions): its monthly
// budget, a default budget for every agent, agents' and API keys' own budgets, where budget
// alerts are posted, its rate limits, learning's (how far back an outcome credits coaching,
// whether the text of agents' edits is kept), and which locations' shared pools may serve it
// (`shared_pool_from`: its consent). A PUT changes only the fields it names.

#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;

// The alert webhook is a credential (anyone who holds the URL can post to it): settings show its
// origin only.
json alert_webhook_json(const std::string& url) {
  if (url.empty()) return json{{"set", false}};
  const auto scheme = url.find("://");
  const auto path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  return json{{"set", true}, {"origin", path == std::string::npos ? url : url.substr(0, path)}};
}

json budgets_json(const std::map<std::string, double>& by) {
  json out = json::object();
  for (const auto& [id, usd] : by) out[id] = usd;
  return out;
}

// {"id": usd, ...}: ids as ids, amounts 0 (remove) to 1e9.
std::map<std::string, double> read_budgets(FieldReader& r, std::string_view key) {
  std::map<std::string, double> out;
  const json* by = r.object(key, Need::optional);
  if (!by) return out;
  if (by->size() > 1000) r.add("too_many_budgets", r.child_path(key), "at most 1000 budgets at once");
  for (const auto& [id, usd] : by->items()) {
    const std::string path = r.child_path(key) + "." + id;
    if (!is_valid_id(id)) r.add("invalid_budget_id", path, path + ": not a valid id");
    else if (!usd.is_number() || usd.get<double>() < 0 || usd.get<double>() > 1e9)
      r.add("invalid_budget", path, path + ": expected a number of USD from 0 (none) to 1e9");
    else out[id] = usd.get<double>();
  }
  return out;
}

}  // namespace

awaitable<void> get_settings(App& app, Exchange& ex, const Principal& p) {
  auto query_1 = [&app, scope = p.scope] { return app.store().ledger().get_budget(scope); };
  auto budget = co_await app.blocking(query_1);
  auto query_2 = [&app, scope = p.scope] { return app.store().ledger().get_rate_limits(scope); };
  auto limits = co_await app.blocking(query_2);
  auto query_learning = [&app, scope = p.scope] { return app.store().outcomes().settings(scope); };
  auto learning = co_await app.blocking(query_learning);
  auto query_pools = [&app, scope = p.scope] { return app.store().profiles().accepted_pools(scope); };
  auto pools = co_await app.blocking(query_pools);
  if (!budget || !limits || !learning || !pools) {
    const Errors errors = !budget ? budget.errors() : !limits ? limits.errors() : !learning ? learning.errors() : pools.errors();
    co_await app.fail(ex, errors);
    co_return;
  }
  const auto& l = limits.value();
  const json body{{"location_id", p.scope.location_id},
                  {"monthly_budget_usd", budget->monthly_usd},
                  {"agent_monthly_budget_usd", budget->agent_monthly_usd},
                  {"agent_budgets", budgets_json(budget->agents)},
                  {"key_budgets", budgets_json(budget->keys)},
                  {"alert_webhook", alert_webhook_json(budget->alert_webhook_url)},
                  {"rate_limits", {{"key_requests", l.key_requests}, {"key_tokens", l.key_tokens},
                                   {"agent_requests", l.agent_requests}, {"agent_tokens", l.agent_tokens},
                                   {"location_requests", l.location_requests}, {"location_tokens", l.location_tokens}}},
                  {"learning", {{"attribution_days", learning->attribution_days},
                                {"keep_edited_text", learning->keep_edited_text}}},
                  {"shared_pool_from", pools.value()}};
  co_await app.send_json(ex, 200, body);
}

awaitable<void> put_settings(App& app, Exchange& ex, const Principal& p) {
  auto body = co_await read_json_body(app, ex, 64 * 1024);
  if (!body) co_return;
  Errors errors;
  FieldReader r(*body, "settings", "", errors);
  r.reject_unknown({"monthly_budget_usd", "agent_monthly_budget_usd", "alert_webhook_url", "agent_budgets", "key_budgets",
                    "rate_limits", "learning", "shared_pool_from"});
  auto monthly = r.number("monthly_budget_usd", Need::optional, 0, 1e9);
  auto agent_monthly = r.number("agent_monthly_budget_usd", Need::optional, 0, 1e9);
  auto alert_url = r.string("alert_webhook_url", Need::optional, 2048);
  if (alert_url && !alert_url->empty() && alert_url->rfind("https://", 0) != 0 && alert_url->rfind("http://", 0) != 0)
    r.add("invalid_alert_webhook_url", "alert_webhook_url", "expected an http(s):// URL, or \"\" for none");
  const auto agent_budgets = read_budgets(r, "agent_budgets");
  const auto key_budgets = read_budgets(r, "key_budgets");
  std::optional<store::RateLimits> limits;
  if (const json* rl = r.object("rate_limits", Need::optional)) {
    FieldReader lr(*rl, "settings", "rate_limits", errors);
    lr.reject_unknown({"key_requests", "key_tokens", "agent_requests", "agent_tokens", "location_requests", "location_tokens"});
    store::RateLimits l;
    const std::pair<const char*, std::int64_t store::RateLimits::*> fields[] = {
        {"key_requests", &store::RateLimits::key_requests}, {"key_tokens", &store::RateLimits::key_tokens},
        {"agent_requests", &store::RateLimits::agent_requests}, {"agent_tokens", &store::RateLimits::agent_tokens},
        {"location_requests", &store::RateLimits::location_requests}, {"location_tokens", &store::RateLimits::location_tokens}};
    for (const auto& [name, field] : fields)
      if (auto v = lr.integer(name, Need::optional, 0, 1'000'000'000)) l.*field = *v;
    limits = l;
  }
  std::optional<std::int64_t> attribution_days;
  std::optional<bool> keep_edited_text;
  if (const json* lj = r.object("learning", Need::optional)) {
    FieldReader lr(*lj, "settings", "learning", errors);
    lr.reject_unknown({"attribution_days", "keep_edited_text"});
    attribution_days = lr.integer("attribution_days", Need::optional, 1, 365);
    keep_edited_text = lr.boolean("keep_edited_text", Need::optional);
  }
  // The locations whose shared-pool agents may serve this one (they appear in its roster and are
  // coached with its leads): the whole list, replacing the one before.
  std::optional<std::vector<std::string>> pool_homes;
  if (const json* homes = r.array("shared_pool_from", Need::optional, 100)) {
    pool_homes.emplace();
    for (std::size_t i = 0; i < homes->size(); ++i) {
      const json& h = (*homes)[i];
      const std::string path = r.child_path("shared_pool_from") + "[" + std::to_string(i) + "]";
      if (!h.is_string() || !is_valid_id(h.get<std::string>())) r.add("invalid_shared_pool_from", path, "expected a location id");
      else if (h.get<std::string>() == p.scope.location_id) r.add("invalid_shared_pool_from", path, "this location's own agents need no consent");
      else pool_homes->push_back(h.get<std::string>());
    }
  }
  if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }

  // The location's row: what the body does not name stays as it is.
  auto save = [&app, scope = p.scope, monthly, agent_monthly, alert_url, agent_budgets, key_budgets]() -> Result<store::Done> {
    auto& ledger = app.store().ledger();
    if (monthly || agent_monthly || alert_url) {
      auto b = ledger.get_budget(scope);
      if (!b) return b.errors();
      store::Budget next = b.value();
      if (monthly) next.monthly_usd = *monthly;
      if (agent_monthly) next.agent_monthly_usd = *agent_monthly;
      if (alert_url) next.alert_webhook_url = *alert_url;
      if (auto saved = ledger.set_budget(scope, next); !saved) return saved.errors();
    }
    for (const auto& [kind, by] : {std::pair{"agent", &agent_budgets}, std::pair{"key", &key_budgets}})
      for (const auto& [id, usd] : *by)
        if (auto saved = ledger.set_scoped_budget(scope, kind, id, usd); !saved) return saved.errors();
    return store::Done{};
  };
  auto saved = co_await app.blocking(save);
  if (!saved) { co_await app.fail(ex, saved.errors()); co_return; }
  app.budgets().forget(p.scope.location_id);
  if (limits) {
    auto query_3 = [&app, scope = p.scope, l = *limits] { return app.store().ledger().set_rate_limits(scope, l); };
    auto limited = co_await app.blocking(query_3);
    if (!limited) { co_await app.fail(ex, limited.errors()); co_return; }
  }
  if (attribution_days || keep_edited_text) {
    auto save_learning = [&app, scope = p.scope, attribution_days, keep_edited_text]() -> Result<store::Done> {
      auto current = app.store().outcomes().settings(scope);
      if (!current) return current.errors();
      store::LearningSettings next = current.value();
      if (attribution_days) next.attribution_days = *attribution_days;
      if (keep_edited_text) next.keep_edited_text = *keep_edited_text;
      return app.store().outcomes().put_settings(scope, next);
    };
    auto learned = co_await app.blocking(save_learning);
    if (!learned) { co_await app.fail(ex, learned.errors()); co_return; }
  }
  if (pool_homes) {
    auto save_pools = [&app, scope = p.scope, homes = *pool_homes] { return app.store().profiles().accept_pools(scope, homes); };
    auto accepted = co_await app.blocking(save_pools);
    if (!accepted) { co_await app.fail(ex, accepted.errors()); co_return; }
  }
  const json ok{{"saved", true}};
  co_await app.send_json(ex, 200, ok);
}

}  // namespace porchlight::proxy
