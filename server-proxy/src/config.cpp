// config.cpp: one table of options serves flags, environment, file and --help.

#include "config.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace porchlight::proxy {

namespace {

using Setter = std::function<bool(Config&, const std::string&)>;

struct Option {
  const char* flag;  // --flag; the file key is the same with '_' for '-'
  const char* env;   // "" when none
  const char* help;
  Setter set;
};

bool parse_int(const std::string& s, std::int64_t min, std::int64_t max, std::int64_t& out) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size() || v < min || v > max) return false;
    out = v;
    return true;
  } catch (...) {
    return false;
  }
}

Setter integer(std::int64_t Config::*field, std::int64_t min, std::int64_t max) {
  return [=](Config& c, const std::string& v) { return parse_int(v, min, max, c.*field); };
}

Setter millis(std::chrono::milliseconds Config::*field) {
  return [=](Config& c, const std::string& v) {
    std::int64_t ms;
    if (!parse_int(v, 1, 3'600'000, ms)) return false;
    c.*field = std::chrono::milliseconds(ms);
    return true;
  };
}

Setter text(std::string Config::*field) {
  return [=](Config& c, const std::string& v) { c.*field = v; return true; };
}

// A public key's text, or @FILE holding it (PEM spans lines, awkward in a flag). Its form is
// checked when the proxy starts (config.invalid_ghl_key).
Setter key_text(std::string Config::*field) {
  return [=](Config& c, const std::string& v) {
    if (v.empty() || v.size() > 16 * 1024) return false;
    if (v[0] != '@') {
      c.*field = v;
      return true;
    }
    std::ifstream f(v.substr(1));
    if (!f) return false;
    std::stringstream ss;
    ss << f.rdbuf();
    c.*field = ss.str();
    return !(c.*field).empty() && (c.*field).size() <= 16 * 1024;
  };
}

// The metrics token is a wall between tenants' figures and the network: not a guessable one.
constexpr std::size_t kMinMetricsToken = 16, kMaxSecret = 512;

// A secret's first line in a file (trailing spaces and CR dropped), `min_size` to 512 characters.
bool secret_from_file(const std::string& path, std::size_t min_size, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::string secret;
  std::getline(f, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.size() < min_size || secret.size() > kMaxSecret) return false;
  out = secret;
  return true;
}

bool valid_url(const std::string& v, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes)
    if (v.rfind(s, 0) == 0 && v.size() > std::string(s).size()) return true;
  return false;
}

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      {"listen", "PORCHLIGHT_LISTEN", "HOST:PORT to serve on (default 127.0.0.1:8080)",
       [](Config& c, const std::string& v) {
         const auto colon = v.rfind(':');
         std::int64_t port;
         if (colon == std::string::npos || colon == 0 || !parse_int(v.substr(colon + 1), 0, 65535, port)) return false;
         c.listen = v;
         return true;
       }},
      {"threads", "PORCHLIGHT_THREADS", "event-loop threads (default: one per core)",
       [](Config& c, const std::string& v) {
         std::int64_t n;
         if (!parse_int(v, 0, 256, n)) return false;
         c.threads = static_cast<int>(n);
         return true;
       }},
      {"database-url", "DATABASE_URL", "postgresql://USER:PASS@HOST:PORT/DB or sqlite://PATH (default sqlite://var/porchlight.db)",
       [](Config& c, const std::string& v) {
         if (!valid_url(v, {"postgresql://", "postgres://", "sqlite://"})) return false;
         c.database_url = v;
         return true;
       }},
      {"redis-url", "REDIS_URL", "redis://HOST:PORT[/DB] for the shared cache, limits and pub/sub (default: in-process)",
       [](Config& c, const std::string& v) {
         if (!v.empty() && !valid_url(v, {"redis://"})) return false;
         c.redis_url = v;
         return true;
       }},
      {"upstream-url", "ANTHROPIC_BASE_URL", "the Messages API base URL (default https://api.anthropic.com)",
       [](Config& c, const std::string& v) {
         if (!valid_url(v, {"https://", "http://"})) return false;
         c.upstream_url = v;
         while (!c.upstream_url.empty() && c.upstream_url.back() == '/') c.upstream_url.pop_back();
         return true;
       }},
      {"anthropic-key-file", "ANTHROPIC_API_KEY_FILE", "a file holding the Anthropic API key (or set ANTHROPIC_API_KEY)",
       [](Config& c, const std::string& v) { return secret_from_file(v, 1, c.anthropic_api_key); }},
      {"metrics-token-file", "", "a file holding the token GET /metrics asks of a scraper on another machine "
       "(or set PORCHLIGHT_METRICS_TOKEN); without one, /metrics answers this machine only",
       [](Config& c, const std::string& v) { return secret_from_file(v, kMinMetricsToken, c.metrics_token); }},
      {"anthropic-version", "", "the anthropic-version header sent when a caller gives none",
       text(&Config::anthropic_version)},
      {"model", "", "TIER=MODEL: the model for a tier (fast, balanced, deep); repeatable",
       [](Config& c, const std::string& v) {
         const auto eq = v.find('=');
         if (eq == std::string::npos) return false;
         const std::string tier = v.substr(0, eq);
         if (tier != "fast" && tier != "balanced" && tier != "deep") return false;
         c.tier_models[tier] = v.substr(eq + 1);
         return !c.tier_models[tier].empty();
       }},
      {"fallback", "", "MODEL=NEXT[,NEXT]: models to try when MODEL is failing; repeatable (default: deep -> balanced -> fast tier models)",
       [](Config& c, const std::string& v) {
         const auto eq = v.find('=');
         if (eq == std::string::npos || eq == 0) return false;
         std::vector<std::string> next;
         std::stringstream ss(v.substr(eq + 1));
         for (std::string m; std::getline(ss, m, ',');)
           if (!m.empty()) next.push_back(m);
         if (next.empty()) return false;
         c.fallbacks[v.substr(0, eq)] = next;
         return true;
       }},
      {"upstream-connect-timeout-ms", "", "time allowed to connect to the upstream (default 3000)",
       millis(&Config::upstream_connect_timeout)},
      {"upstream-first-byte-timeout-ms", "", "time from sending a request to the upstream's headers (default 60000)",
       millis(&Config::upstream_first_byte_timeout)},
      {"upstream-idle-timeout-ms", "", "longest silence inside an upstream stream (default 30000)",
       millis(&Config::upstream_idle_timeout)},
      {"policy-dir", "PORCHLIGHT_POLICY_DIR", "a folder of policy files (routing.json, playbooks/*.md, ...) that replace the built-in ones of the same path; checked at start (default: the built-in policy)",
       text(&Config::policy_dir)},
      {"web-root", "PORCHLIGHT_WEB_ROOT", "folder of the web assets (default: dist/web next to the binary)", text(&Config::web_root)},
      {"public-url", "PORCHLIGHT_PUBLIC_URL", "the URL browsers use to reach this proxy", text(&Config::public_url)},
      {"key-requests-per-minute", "", "default request limit per API key", integer(&Config::key_requests_per_minute, 0, 10'000'000)},
      {"agent-requests-per-minute", "", "default request limit per agent", integer(&Config::agent_requests_per_minute, 0, 10'000'000)},
      {"location-requests-per-minute", "", "default request limit per location", integer(&Config::location_requests_per_minute, 0, 10'000'000)},
      {"agent-tokens-per-minute", "", "default token limit per agent", integer(&Config::agent_tokens_per_minute, 0, 1'000'000'000)},
      {"location-tokens-per-minute", "", "default token limit per location", integer(&Config::location_tokens_per_minute, 0, 1'000'000'000)},
      {"default-monthly-budget-usd", "", "monthly budget for locations without one (0: none)",
       [](Config& c, const std::string& v) {
         try {
           std::size_t used = 0;
           const double d = std::stod(v, &used);
           if (used != v.size() || !(d >= 0) || d > 1e9) return false;
           c.default_monthly_budget_usd = d;
           return true;
         } catch (...) {
           return false;
         }
       }},
      {"max-body-bytes", "", "largest request body for /v1/messages (default 8 MiB)",
       [](Config& c, const std::string& v) {
         std::int64_t n;
         if (!parse_int(v, 1024, 64 << 20, n)) return false;
         c.max_body_bytes = static_cast<std::size_t>(n);
         return true;
       }},
      {"header-timeout-ms", "", "time allowed to send request headers (default 10000)", millis(&Config::header_timeout)},
      {"body-timeout-ms", "", "time allowed to send a request body (default 30000)", millis(&Config::body_timeout)},
      {"idle-timeout-ms", "", "keep-alive idle time between requests (default 75000)", millis(&Config::idle_timeout)},
      {"stream-stale-ms", "", "an answer not updated for this long was cut off (default 30000)", millis(&Config::stream_stale_after)},
      {"log-level", "PORCHLIGHT_LOG_LEVEL", "error, warn, info or debug (default info; debug adds a line per request)",
       [](Config& c, const std::string& v) {
         if (v != "error" && v != "warn" && v != "info" && v != "debug") return false;
         c.log_level = v;
         return true;
       }},
      {"shed-lag-ms", "", "shed new requests (503 overloaded) while the event loop runs this late; 0: never (default 100)",
       [](Config& c, const std::string& v) {
         std::int64_t ms;
         if (!parse_int(v, 0, 60'000, ms)) return false;
         c.shed_lag = std::chrono::milliseconds(ms);
         return true;
       }},
      {"max-in-flight", "", "shed new requests while this many (streams included) are in flight; 0: no cap (default 16384)",
       integer(&Config::max_in_flight, 0, 1'000'000)},
      {"ghl-webhook-public-key", "GHL_WEBHOOK_PUBLIC_KEY",
       "GoHighLevel's Ed25519 webhook key (X-GHL-Signature): base64 SPKI DER, PEM, or @FILE holding either",
       key_text(&Config::ghl_webhook_public_key)},
      {"ghl-legacy-public-key", "GHL_LEGACY_PUBLIC_KEY",
       "GoHighLevel's RSA key for the deprecated X-WH-Signature; accepted only when set (PEM, base64 DER or @FILE)",
       key_text(&Config::ghl_legacy_public_key)},
      {"ghl-webhook-max-age-s", "", "refuse webhooks whose timestamp is older than this, as replays (default 300)",
       [](Config& c, const std::string& v) {
         std::int64_t n;
         if (!parse_int(v, 1, 86'400, n)) return false;
         c.ghl_webhook_max_age = std::chrono::seconds(n);
         return true;
       }},
      {"ghl-shared-secret-file", "", "a file holding the GoHighLevel app's shared secret (sign-in from the CRM; or set GHL_APP_SHARED_SECRET)",
       [](Config& c, const std::string& v) { return secret_from_file(v, 1, c.ghl_app_shared_secret); }},
      {"ghl-origin", "", "an origin GoHighLevel's pages come from, e.g. a white-label domain (repeatable; "
       "default https://app.gohighlevel.com and https://app.leadconnectorhq.com)",
       [](Config& c, const std::string& v) {
         if (!valid_url(v, {"https://", "http://"}) || v.back() == '/' || v.size() > 200) return false;
         if (std::find(c.ghl_origins.begin(), c.ghl_origins.end(), v) == c.ghl_origins.end()) c.ghl_origins.push_back(v);
         return true;
       }},
      {"live-card-ttl-s", "", "how long a pushed card waits for an agent who is offline (default 900)",
       [](Config& c, const std::string& v) {
         std::int64_t n;
         if (!parse_int(v, 1, 7 * 86'400, n)) return false;
         c.live_card_ttl = std::chrono::seconds(n);
         return true;
       }},
      {"webhook-max-attempts", "", "attempts before a webhook is dead-lettered (default 6)",
       integer(&Config::webhook_max_attempts, 1, 100)},
      {"webhook-claim-timeout-ms", "", "a webhook claimed this long ago by a worker that died is taken again (default 60000)",
       millis(&Config::webhook_claim_timeout)},
      {"webhook-worker", "", "on (default) or off: whether this instance processes the webhook inbox",
       [](Config& c, const std::string& v) {
         if (v != "on" && v != "off") return false;
         c.webhook_worker = v == "on";
         return true;
       }},
      {"unpriced-models", "PORCHLIGHT_UNPRICED_MODELS",
       "a model the price table does not price: refuse (default: 400 request.unpriced_model) or highest "
       "(allowed, priced at the table's highest rate for each kind of token, so budgets hold)",
       [](Config& c, const std::string& v) {
         if (v != "refuse" && v != "highest") return false;
         c.price_unpriced_at_highest = v == "highest";
         return true;
       }},
  };
  return kOptions;
}

const Option* find_option(const std::string& name) {
  for (const auto& o : options())
    if (name == o.flag) return &o;
  return nullptr;
}

Error invalid(const std::string& name, const std::string& source) {
  std::string key = name;
  for (char& ch : key) if (ch == '-') ch = '_';
  return Error{"config.invalid_" + key, source + ": invalid value for --" + name + " (" + find_option(name)->help + ")", name};
}

}  // namespace

Result<Config> load_config(const std::vector<std::string>& args) {
  Config c;
  Errors errors;
  // Flags first into a list, so that --config can be read before the others apply.
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--demo") { flags.emplace_back("demo", "true"); continue; }
    if (a.rfind("--", 0) != 0) {
      errors.push_back({"config.unexpected_argument", "unexpected argument '" + a + "'; see --help", ""});
      continue;
    }
    a = a.substr(2);
    std::string value;
    if (auto eq = a.find('='); eq != std::string::npos) { value = a.substr(eq + 1); a = a.substr(0, eq); }
    else if (i + 1 < args.size()) value = args[++i];
    else { errors.push_back({"config.missing_value", "--" + a + " needs a value", a}); continue; }
    if (a == "config") { config_file = value; continue; }
    if (!find_option(a)) {
      errors.push_back({"config.unknown_flag", "unknown option --" + a + "; see --help", a});
      continue;
    }
    flags.emplace_back(a, value);
  }

  if (!config_file.empty()) {
    std::ifstream f(config_file);
    std::stringstream ss;
    ss << f.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!f || j.is_discarded() || !j.is_object()) {
      errors.push_back({"config.unreadable_file", config_file + ": not a readable JSON object", "config"});
    } else {
      for (auto it = j.begin(); it != j.end(); ++it) {
        std::string name = it.key();
        for (char& ch : name) if (ch == '_') ch = '-';
        if (name == "demo" && it->is_boolean()) { c.demo = it->get<bool>(); continue; }
        const Option* o = find_option(name);
        if (!o) { errors.push_back({"config.unknown_flag", config_file + ": unknown option " + it.key(), it.key()}); continue; }
        std::vector<std::string> values;
        if (it->is_array()) for (const auto& v : *it) values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        else values.push_back(it->is_string() ? it->get<std::string>() : it->dump());
        for (const auto& v : values)
          if (!o->set(c, v)) errors.push_back(invalid(name, config_file));
      }
    }
  }
  for (const auto& o : options()) {
    if (!*o.env) continue;
    if (const char* v = std::getenv(o.env); v && *v)
      if (!o.set(c, v)) errors.push_back(invalid(o.flag, std::string("environment ") + o.env));
  }
  if (const char* key = std::getenv("ANTHROPIC_API_KEY"); key && *key) c.anthropic_api_key = key;
  if (const char* secret = std::getenv("GHL_APP_SHARED_SECRET"); secret && *secret) c.ghl_app_shared_secret = secret;
  if (const char* token = std::getenv("PORCHLIGHT_METRICS_TOKEN"); token && *token) {
    if (std::strlen(token) < kMinMetricsToken || std::strlen(token) > kMaxSecret) errors.push_back(invalid("metrics-token-file", "environment PORCHLIGHT_METRICS_TOKEN"));
    else c.metrics_token = token;
  }
  for (const auto& [name, value] : flags) {
    if (name == "demo") { c.demo = true; continue; }
    if (!find_option(name)->set(c, value)) errors.push_back(invalid(name, "--" + name));
  }
  if (!errors.empty()) return errors;
  return c;
}

std::string config_help() {
  std::string out =
      "usage: porchlight-proxy [serve] [options]\n"
      "       porchlight-proxy migrate [--database-url URL]\n"
      "       porchlight-proxy locations create NAME\n"
      "       porchlight-proxy keys create --location ID --kind sk|pk [--origin URL]... [--scope S]...\n"
      "       porchlight-proxy keys revoke KEY_ID_OR_PREFIX\n"
      "       porchlight-proxy tokens mint --location ID --agent AGENT_ID [--lead LEAD_ID] [--ttl SECONDS]\n"
      "       porchlight-proxy admin-link --location ID [--public-url URL]\n"
      "       porchlight-proxy webhooks list [--state pending|processing|done|failed] [--limit N]\n"
      "       porchlight-proxy webhooks retry|replay WEBHOOK_ROW_ID\n"
      "       porchlight-proxy ghl link GHL_LOCATION_ID --location ID [--maps FILE]   (docs/ghl.md)\n"
      "       porchlight-proxy routes        (every route the server answers, as METHOD PATTERN)\n"
      "       porchlight-proxy errors        (every error code: HTTP status, type, retryable, meaning; JSON)\n"
      "\n"
      "scopes (--scope; none given: every scope the key's kind may hold): coach, profiles:read, profiles:write,\n"
      "  usage:read, analytics:read; secret keys only: messages, settings:read, settings:write,\n"
      "  experiments:write, outcomes:write\n\n"
      "options (flag > environment > --config FILE > default):\n"
      "  --config FILE                 JSON object with any of the options below (underscores or hyphens)\n"
      "  --demo                        provision the demo location, key and agent; serve the demo page at /\n";
  for (const auto& o : options()) {
    std::string line = "  --" + std::string(o.flag) + " VALUE";
    line.resize(std::max<std::size_t>(line.size() + 1, 32), ' ');  // long flags push their help right
    line += o.help;
    if (*o.env) line += std::string(" [env ") + o.env + "]";
    out += line + "\n";
  }
  out += "  ANTHROPIC_API_KEY             the Anthropic API key (environment only); without one, answers come\n"
         "                                from the offline playbook provider and say so\n"
         "  GHL_APP_SHARED_SECRET         the GoHighLevel app's shared secret (environment only, or --ghl-shared-secret-file)\n"
         "  PORCHLIGHT_METRICS_TOKEN      the token GET /metrics asks of a scraper (16-512 characters; environment only,\n"
         "                                or --metrics-token-file); without one, /metrics answers this machine only\n";
  return out;
}

}  // namespace porchlight::proxy
