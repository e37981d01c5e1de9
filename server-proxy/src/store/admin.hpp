// store/admin.hpp: locations and API keys, the store's cross-tenant part (store.admin()). Error
// codes and threading: store.hpp.
#pragma once

#include <optional>
#include <string>

#include "store/records.hpp"

namespace porchlight::store {

// Cross-tenant by nature: operators, provisioning and authentication use it before any tenant is
// known. In the database only find_api_key_by_hash and revoke_api_key cross tenants; the others
// run scoped to the location they create or read.
class Admin {
 public:
  virtual ~Admin() = default;
  virtual Result<Location> create_location(const std::string& name) = 0;
  virtual Result<std::optional<Location>> find_location(const std::string& id) = 0;
  // The location with this id, created (with a fresh secret) if it does not exist: for fixed,
  // well-known locations such as the demo's.
  virtual Result<Location> ensure_location(const std::string& id, const std::string& name) = 0;
  virtual Result<ApiKey> create_api_key(const ApiKey& key) = 0;  // id and created_at assigned
  // Looks a presented key up by its hash, before any tenant is known.
  virtual Result<std::optional<ApiKey>> find_api_key_by_hash(const std::string& key_hash) = 0;
  // False when no live key has this id or prefix; store.conflict when a prefix matches several
  // (nothing is revoked then).
  virtual Result<bool> revoke_api_key(const std::string& id_or_prefix) = 0;
};

}  // namespace porchlight::store
