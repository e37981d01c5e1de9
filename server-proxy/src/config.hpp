// config.hpp: the proxy's configuration from flags, environment and a JSON file.
// Precedence: flag > environment > file > default. `porchlight-proxy --help` lists every option.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "porchlight/error.hpp"

namespace porchlight::proxy {

struct Config {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0: one per core
  std::string database_url = "sqlite://var/porchlight.db";
  std::string redis_url;  // empty: in-process cache and limits
  std::string upstream_url = "https://api.anthropic.com";
  std::string anthropic_api_key;  // empty: the offline playbook provider answers
  std::string anthropic_version = "2023-06-01";
  std::map<std::string, std::string> tier_models;             // tier -> model override
  // model -> next models; none given: each tier's model falls back to the next faster tier's.
  std::map<std::string, std::vector<std::string>> fallbacks;
  std::chrono::milliseconds upstream_connect_timeout{3000};
  std::chrono::milliseconds upstream_first_byte_timeout{60000};  // request sent -> response headers
  std::chrono::milliseconds upstream_idle_timeout{30000};        // between chunks of a stream
  // A folder of policy files (routing.json, playbooks/*.md, ...) that replace the built-in ones of
  // the same path: a team's reviewed edits, or router v2 switched on, without a rebuild.
  std::string policy_dir;
  std::string web_root;       // static web assets (dist/web); empty: next to the binary
  bool demo = false;          // provision and serve the demo CRM page at /
  std::string public_url;     // how browsers reach this proxy (demo links); default from listen

  // Limits applied when a location has none of its own (per minute; 0: unlimited).
  std::int64_t key_requests_per_minute = 600;
  std::int64_t agent_requests_per_minute = 60;
  std::int64_t location_requests_per_minute = 1200;
  std::int64_t agent_tokens_per_minute = 200000;
  std::int64_t location_tokens_per_minute = 2000000;
  double default_monthly_budget_usd = 0;  // 0: no budget unless a location sets one

  std::size_t max_body_bytes = 8u << 20;  // /v1/messages; other endpoints take 1 MiB
  std::chrono::milliseconds header_timeout{10000};  // slow-header clients are cut off
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{75000};    // keep-alive between requests
  std::chrono::seconds agent_token_max_age{3600};
  // A streaming answer is touched every third of this; one untouched for this long was cut off
  // (its proxy died) and is marked incomplete when someone resumes or reads it.
  std::chrono::milliseconds stream_stale_after{30000};
  std::string log_level = "info";
  // Overload: new requests are shed (503 overloaded) while the event loop runs this late, or
  // while this many requests (streams included) are in flight. 0 turns a signal off.
  std::chrono::milliseconds shed_lag{100};
  std::int64_t max_in_flight = 16384;
  // A model prices.json does not price is refused (false), or allowed and priced at the table's
  // highest rates (true): spend is never counted at $0 either way.
  bool price_unpriced_at_highest = false;

  // GoHighLevel (docs/ghl.md). Without a webhook key, POST /v1/webhooks/ghl refuses every event.
  // GET /metrics: with a token, only `Authorization: Bearer <token>`; without, only this machine.
  std::string metrics_token;  // never logged
  std::string ghl_webhook_public_key;  // Ed25519, X-GHL-Signature: base64 SPKI DER or PEM
  std::string ghl_legacy_public_key;   // RSA, X-WH-Signature (deprecated 2026-07-01): only if set
  std::chrono::seconds ghl_webhook_max_age{300};  // older deliveries are refused as replays
  std::string ghl_app_shared_secret;   // decrypts the CRM's user context (sign-in); never logged
  // Where GoHighLevel's pages are served from: the sign-in answer and its publishable key allow
  // these origins (add a white-label domain with --ghl-origin).
  std::vector<std::string> ghl_origins = {"https://app.gohighlevel.com", "https://app.leadconnectorhq.com"};
  std::chrono::seconds live_card_ttl{900};        // an offline agent gets a card this long
  // The inbox worker: attempts before an event is dead-lettered, and how long a claim may run
  // before another instance takes the event again (its worker died).
  std::int64_t webhook_max_attempts = 6;
  std::chrono::milliseconds webhook_claim_timeout{60000};
  bool webhook_worker = true;  // false: this instance only receives (another one processes)
};

// Parses argv (without the program name and subcommand), the environment and --config FILE.
// Errors: config.unknown_flag, config.invalid_<option>, config.unreadable_file.
Result<Config> load_config(const std::vector<std::string>& args);
std::string config_help();

}  // namespace porchlight::proxy
