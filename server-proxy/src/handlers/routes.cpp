// handlers/routes.cpp: the route table, in the order routes are listed (`porchlight-proxy routes`).
//
// Access: open (no key), agent (a browser's pk_ key with its agent token, or an sk_ key naming
// the agent), secret (sk_ keys and admin sessions only). Scope: what the key must hold
// (auth/scopes.hpp). /v1/live is open to the HTTP layer because the socket authenticates in its
// first frame, and checks its scope then. Bodies are limited to 1 MiB unless a route says otherwise.

#include "handlers/routes.hpp"

#include "handlers/handlers.hpp"

namespace porchlight::proxy {

std::vector<RouteSpec> route_table(const Config& config) {
  using V = http::verb;
  // A coaching turn may carry up to five listing photos (resized in the browser) as base64.
  constexpr std::size_t kCoachBody = 8 * 1024 * 1024;
  constexpr std::size_t kWebhookBody = 8 * 1024 * 1024;
  const std::size_t messages_body = config.max_body_bytes;
  return {
      // meta
      {V::get, "/healthz", Access::open, "", healthz},
      {V::get, "/readyz", Access::open, "", readyz},
      {V::get, "/metrics", Access::open, "", metrics_page},
      {V::get, "/v1/policy", Access::open, "", policy},
      {V::get, "/v1/version", Access::open, "", version},
      // profiles, sessions, settings
      {V::get, "/v1/profiles", Access::agent, "profiles:read", list_profiles},
      {V::post, "/v1/profiles", Access::agent, "profiles:write", create_profile},
      {V::get, "/v1/profiles/*", Access::agent, "profiles:read", get_profile},
      {V::put, "/v1/profiles/*", Access::agent, "profiles:write", replace_profile},
      {V::delete_, "/v1/profiles/*", Access::secret, "profiles:write", delete_profile},
      {V::get, "/v1/settings", Access::secret, "settings:read", get_settings},
      {V::put, "/v1/settings", Access::secret, "settings:write", put_settings},
      {V::post, "/v1/sessions", Access::agent, "coach", create_session},
      {V::get, "/v1/sessions/*", Access::agent, "coach", get_session},
      // coaching
      {V::post, "/v1/coach", Access::agent, "coach", coach, kCoachBody},
      {V::get, "/v1/coach/resume", Access::agent, "coach", coach_resume},
      {V::post, "/v1/feedback", Access::agent, "coach", feedback},
      {V::get, "/v1/conversations/*/messages", Access::agent, "coach", conversation_messages},
      {V::get, "/v1/agents/*/history", Access::agent, "coach", agent_history},
      {V::get, "/v1/leads/*", Access::agent, "coach", get_lead},
      {V::get, "/v1/leads/*/stages", Access::agent, "coach", lead_stages},
      {V::post, "/v1/leads/*/events", Access::agent, "coach", lead_events, 64 * 1024},
      {V::get, "/v1/usage", Access::agent, "usage:read", usage},
      {V::get, "/v1/analytics", Access::agent, "analytics:read", analytics},
      {V::get, "/v1/insights", Access::agent, "analytics:read", get_insights},
      // the learning loop
      {V::get, "/v1/experiments", Access::agent, "analytics:read", list_experiments},
      {V::post, "/v1/experiments", Access::secret, "experiments:write", create_experiment, 64 * 1024},
      {V::get, "/v1/experiments/*", Access::agent, "analytics:read", get_experiment},
      {V::post, "/v1/experiments/*/pause", Access::secret, "experiments:write", pause_experiment, 1024},
      {V::post, "/v1/experiments/*/resume", Access::secret, "experiments:write", resume_experiment, 1024},
      {V::post, "/v1/experiments/*/stop", Access::secret, "experiments:write", stop_experiment, 1024},
      {V::post, "/v1/outcomes", Access::secret, "outcomes:write", record_outcome, 16 * 1024},
      // the Anthropic-compatible endpoints
      {V::post, "/v1/messages", Access::secret, "messages", messages, messages_body},
      {V::post, "/v1/messages/count_tokens", Access::secret, "messages", count_tokens, messages_body},
      {V::get, "/v1/models", Access::secret, "messages", models},
      {V::get, "/v1/models/*", Access::secret, "messages", models},
      // live mode: the WebSocket authenticates in its first frame (browsers cannot set headers)
      {V::get, "/v1/live", Access::open, "coach", live},
      // GoHighLevel: webhooks prove themselves by signature, sign-in by the app's shared secret
      // (an e-mail's HTML can run to megabytes, and GoHighLevel does not resend what a 413 refused)
      {V::post, "/v1/webhooks/ghl", Access::open, "", ghl_webhook, kWebhookBody},
      {V::post, "/v1/auth/ghl", Access::open, "", ghl_sign_in, 64 * 1024},
      // pages and assets
      {V::get, "/porchlight.js", Access::open, "", widget_script},
      {V::get, "/web/**", Access::open, "", web_asset},
      {V::get, "/dashboard", Access::open, "", dashboard_page},
      {V::get, "/", Access::open, "", demo_page},
      {V::get, "/dashboard/login", Access::open, "", dashboard_login},
  };
}

}  // namespace porchlight::proxy
