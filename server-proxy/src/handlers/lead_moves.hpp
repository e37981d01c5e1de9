// handlers/lead_moves.hpp: moving a lead through its stages and recording every move, shared by
// POST /v1/leads/{id}/events and the GoHighLevel worker. The stage machine is the core's
// (advance_stage, core/data/stages.json); the history is the store's (store.lead_stages()).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app.hpp"

namespace porchlight::proxy {

struct LeadMoves {
  ConversationStage from = ConversationStage::new_lead;   // the recorded stage before
  ConversationStage stage = ConversationStage::new_lead;  // where the lead now stands
  std::int64_t after_seq = 0;                              // the last recorded move's seq (0: none)
  std::vector<store::StageChange> changes;                 // to record (as recorded, once appended)
};

// From the lead's last recorded move (or `crm_stage` when none is recorded): first the CRM's
// stage when it differs, then the moves `events` and the lead's facts make. `agent` decides the
// side when the facts do not. Nothing is read or written: append `changes` after `after_seq`.
LeadMoves plan_lead_moves(App& app, const std::optional<store::StageChange>& last, const AgentProfile& agent,
                          const Lead& lead, std::optional<ConversationStage> crm_stage,
                          const std::vector<std::string>& events, const std::string& source);

// Reads the lead's last move, plans, and records the changes. Errors: the store's.
awaitable<Result<LeadMoves>> record_lead_moves(App& app, const store::Scope& scope, const AgentProfile& agent,
                                               const Lead& lead, std::optional<ConversationStage> crm_stage,
                                               const std::vector<std::string>& events, const std::string& source);

}  // namespace porchlight::proxy
