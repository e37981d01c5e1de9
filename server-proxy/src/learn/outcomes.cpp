// learn/outcomes.cpp: recording a lead's outcome from any source (learn/outcomes.hpp).

#include "learn/outcomes.hpp"

namespace porchlight::proxy::learning {

Result<store::RecordedOutcome> record_outcome(store::Store& store, const store::Scope& scope, const OutcomeReport& report) {
  store::LeadOutcome o;
  o.location_id = scope.location_id;
  o.lead_id = report.lead_id;
  o.agent_id = report.agent_id;
  o.outcome = report.outcome;
  o.occurred_at = report.occurred_at;
  o.source = report.source;
  o.external_id = report.external_id;
  return store.outcomes().record(scope, o);
}

std::optional<Outcome> outcome_of_ghl(std::string_view event_type, std::string_view status) {
  if (event_type == "AppointmentCreate") return Outcome::appointment_set;
  if (event_type == "OpportunityStatusUpdate" || event_type == "OpportunityUpdate") {
    if (status == "won") return Outcome::closed_won;
    if (status == "lost" || status == "abandoned") return Outcome::closed_lost;
  }
  return std::nullopt;
}

}  // namespace porchlight::proxy::learning
