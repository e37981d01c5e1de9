// store/leads.hpp: leads as the CRM keeps them, and the real thread with each (store.leads()).
// Error codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Leads {
 public:
  virtual ~Leads() = default;
  virtual Result<std::optional<LeadRecord>> get(const Scope& s, const std::string& id) = 0;
  // Creates or replaces the lead (updated_at is the store's).
  virtual Result<Done> put(const Scope& s, const LeadRecord& lead) = 0;
  // Appends one message of the thread; false (and nothing written) when its id is there already.
  virtual Result<bool> append_message(const Scope& s, const LeadMessage& m) = 0;
  // The newest `limit` messages with the lead, oldest first.
  virtual Result<std::vector<LeadMessage>> thread(const Scope& s, const std::string& lead_id, std::int64_t limit) = 0;
};

}  // namespace porchlight::store
