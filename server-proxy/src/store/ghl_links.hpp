// store/ghl_links.hpp: which GoHighLevel location each Porchlight location is (store.ghl_links()).
// Error codes and threading: store.hpp.
#pragma once

#include <optional>
#include <string>

#include "store/records.hpp"

namespace porchlight::store {

class GhlLinks {
 public:
  virtual ~GhlLinks() = default;
  // Admin (a webhook names its GoHighLevel location before any tenant is known): the link, if any.
  virtual Result<std::optional<GhlLink>> find(const std::string& ghl_location_id) = 0;
  // Links (or relinks, or marks uninstalled) a GoHighLevel location to the scope's location. A
  // GoHighLevel location linked to another Porchlight location is store.conflict.
  virtual Result<GhlLink> put(const Scope& s, const GhlLink& link) = 0;
};

}  // namespace porchlight::store
