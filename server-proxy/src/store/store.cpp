// store.cpp: open_store() and the small free functions of records.hpp.

#include "store/store.hpp"

#include <array>

#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store {

namespace {
constexpr std::array<std::string_view, 5> kStatusNames = {"pending", "streaming", "complete", "incomplete", "failed"};
}

std::string_view to_string(MessageStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }

std::optional<MessageStatus> parse_message_status(std::string_view s) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == s) return static_cast<MessageStatus>(i);
  return std::nullopt;
}

Result<std::unique_ptr<Store>> open_store(const std::string& url, int pool_size) {
  auto parsed = detail::parse_store_url(url);
  if (!parsed.ok()) return parsed.errors();
  if (parsed.value().kind == detail::StoreUrl::Kind::postgres)
    return detail::open_postgres_store(parsed.value().target, pool_size);
  return detail::open_sqlite_store(parsed.value().target, pool_size);
}

}  // namespace porchlight::store
