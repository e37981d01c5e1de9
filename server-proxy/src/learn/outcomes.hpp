// learn/outcomes.hpp: recording a lead's outcome (appointment set, buyer or listing agreement
// signed, offer written, under contract, closed won or lost) from wherever it is reported:
// POST /v1/outcomes (a CRM's backend) and the GoHighLevel worker. The store credits it to the
// lead's coaching events within the location's attribution window (store/outcomes.hpp).
//
// For the GoHighLevel worker (ghl/worker.cpp), on its worker-pool thread:
//
//   auto outcome = learning::outcome_of_ghl("OpportunityStatusUpdate", status);  // "won" -> closed_won
//   if (outcome) {
//     auto r = learning::record_outcome(app.store(), scope, {.lead_id = contact_id, .agent_id = agent,
//                                        .outcome = *outcome, .occurred_at = at, .source = "gohighlevel",
//                                        .external_id = webhook_id});
//     // r.ok(): recorded (or recorded before: r->created is false); an error is retryable as any store error
//   }
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace porchlight::proxy::learning {

struct OutcomeReport {
  std::string lead_id;
  std::string agent_id;     // who worked the lead (may be empty)
  Outcome outcome = Outcome::appointment_set;
  std::string occurred_at;  // RFC 3339; empty: now
  std::string source = "api";
  std::string external_id;  // the sender's id for this event (a webhook id): a repeat is recorded once
};

// Blocking (the store): run it on the worker pool. Errors: store.invalid (not a lead outcome, a
// bad id or time), store.unavailable (retryable).
Result<store::RecordedOutcome> record_outcome(store::Store& store, const store::Scope& scope, const OutcomeReport& report);

// The outcome a GoHighLevel event reports, if any: an AppointmentCreate is an appointment set;
// an opportunity's status "won" is closed_won, "lost" and "abandoned" are closed_lost. Stage
// moves within a pipeline are the location's own (its stage_map, docs/ghl.md) and are not read here.
std::optional<Outcome> outcome_of_ghl(std::string_view event_type, std::string_view opportunity_status = "");

}  // namespace porchlight::proxy::learning
