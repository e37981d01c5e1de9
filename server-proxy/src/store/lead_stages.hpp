// store/lead_stages.hpp: each lead's stage history: every move, its trigger and its reason, in
// order (store.lead_stages()). Error codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

struct StageChange {
  std::string id;           // "stg_...", made by the store
  std::string location_id;
  std::string lead_id;
  std::int64_t seq = 0;     // 1, 2, 3... per lead, assigned by the store
  std::optional<ConversationStage> from;  // none for a lead's first recorded stage
  ConversationStage to = ConversationStage::new_lead;
  std::string trigger;      // "event:agreement_signed", "signal:contract_accepted", "crm"
  std::string reason;
  std::string agent_id;     // the agent being coached when it moved, if any
  std::string source;       // "coach", "events" (POST /v1/leads/{id}/events)
  std::string created_at;
};

class LeadStages {
 public:
  virtual ~LeadStages() = default;
  // Appends the moves, in order, after the lead's last one (seq and id are the store's). When
  // `after_seq` is given, it must be the lead's last seq (0: none yet), else store.conflict and
  // nothing is written: two writers that read the same stage cannot both append.
  virtual Result<std::vector<StageChange>> append(const Scope& s, const std::string& lead_id,
                                                  std::optional<std::int64_t> after_seq,
                                                  const std::vector<StageChange>& moves) = 0;
  // The lead's last move (its current stage), or none.
  virtual Result<std::optional<StageChange>> last(const Scope& s, const std::string& lead_id) = 0;
  // The newest `limit` moves, oldest first.
  virtual Result<std::vector<StageChange>> history(const Scope& s, const std::string& lead_id, std::int64_t limit) = 0;
};

}  // namespace porchlight::store
