// handlers/handlers.hpp: every endpoint's handler, by file. handlers/routes.cpp puts them in the
// route table with their methods, paths, access and body limits.
#pragma once

#include "app.hpp"

namespace porchlight::proxy {

// meta.cpp: health, readiness, metrics, the policy the browser decides with, versions
awaitable<void> healthz(App& app, Exchange& ex, const Principal& caller);
awaitable<void> readyz(App& app, Exchange& ex, const Principal& caller);
awaitable<void> metrics_page(App& app, Exchange& ex, const Principal& caller);
awaitable<void> policy(App& app, Exchange& ex, const Principal& caller);
awaitable<void> version(App& app, Exchange& ex, const Principal& caller);

// profiles.cpp: agent profiles and agent sessions
awaitable<void> list_profiles(App& app, Exchange& ex, const Principal& caller);
awaitable<void> create_profile(App& app, Exchange& ex, const Principal& caller);
awaitable<void> get_profile(App& app, Exchange& ex, const Principal& caller);
awaitable<void> replace_profile(App& app, Exchange& ex, const Principal& caller);
awaitable<void> delete_profile(App& app, Exchange& ex, const Principal& caller);
awaitable<void> create_session(App& app, Exchange& ex, const Principal& caller);
awaitable<void> get_session(App& app, Exchange& ex, const Principal& caller);

// settings.cpp: the location's budgets, alert webhook and rate limits
awaitable<void> get_settings(App& app, Exchange& ex, const Principal& caller);
awaitable<void> put_settings(App& app, Exchange& ex, const Principal& caller);

// coach.cpp: a coaching turn (SSE), and resuming one
awaitable<void> coach(App& app, Exchange& ex, const Principal& caller);
awaitable<void> coach_resume(App& app, Exchange& ex, const Principal& caller);

// conversations.cpp: transcripts, feedback and outcomes, an agent's coaching history
awaitable<void> conversation_messages(App& app, Exchange& ex, const Principal& caller);
awaitable<void> feedback(App& app, Exchange& ex, const Principal& caller);
awaitable<void> agent_history(App& app, Exchange& ex, const Principal& caller);

// leads.cpp: a lead and its thread as the CRM reports them, its stage history, and events that move it
awaitable<void> get_lead(App& app, Exchange& ex, const Principal& caller);
awaitable<void> lead_stages(App& app, Exchange& ex, const Principal& caller);
awaitable<void> lead_events(App& app, Exchange& ex, const Principal& caller);

// learning.cpp: experiments (list, create from data, results, pause, resume, stop) and leads' outcomes
awaitable<void> list_experiments(App& app, Exchange& ex, const Principal& caller);
awaitable<void> create_experiment(App& app, Exchange& ex, const Principal& caller);
awaitable<void> get_experiment(App& app, Exchange& ex, const Principal& caller);
awaitable<void> pause_experiment(App& app, Exchange& ex, const Principal& caller);
awaitable<void> resume_experiment(App& app, Exchange& ex, const Principal& caller);
awaitable<void> stop_experiment(App& app, Exchange& ex, const Principal& caller);
awaitable<void> record_outcome(App& app, Exchange& ex, const Principal& caller);

// usage.cpp: usage and analytics over a range of days
awaitable<void> usage(App& app, Exchange& ex, const Principal& caller);
awaitable<void> analytics(App& app, Exchange& ex, const Principal& caller);
// insights.cpp: what a team lead acts on (GET /v1/insights)
awaitable<void> get_insights(App& app, Exchange& ex, const Principal& caller);

// messages.cpp: the Anthropic-compatible endpoints
awaitable<void> messages(App& app, Exchange& ex, const Principal& caller);
awaitable<void> count_tokens(App& app, Exchange& ex, const Principal& caller);
awaitable<void> models(App& app, Exchange& ex, const Principal& caller);

// live.cpp: the live-mode WebSocket
awaitable<void> live(App& app, Exchange& ex, const Principal& caller);

// ghl.cpp: GoHighLevel's signed webhooks into the inbox, and sign-in from inside the CRM
awaitable<void> ghl_webhook(App& app, Exchange& ex, const Principal& caller);
awaitable<void> ghl_sign_in(App& app, Exchange& ex, const Principal& caller);
// 429 webhook.retry_later with retry-after: the only failure GoHighLevel retries.
ApiError webhook_retry_later(const std::string& why);

// web.cpp: the widget, web assets and the dashboard page
awaitable<void> widget_script(App& app, Exchange& ex, const Principal& caller);
awaitable<void> web_asset(App& app, Exchange& ex, const Principal& caller);
awaitable<void> dashboard_page(App& app, Exchange& ex, const Principal& caller);

// demo.cpp: the demo CRM page and the dashboard's sign-in link
awaitable<void> demo_page(App& app, Exchange& ex, const Principal& caller);
awaitable<void> dashboard_login(App& app, Exchange& ex, const Principal& caller);

}  // namespace porchlight::proxy
