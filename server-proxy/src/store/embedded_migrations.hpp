// store/embedded_migrations.hpp (internal): the files of migrations/, compiled in by
// cmake/embed_migrations.cmake so that the proxy ships as one file. Use migrate.hpp instead.
#pragma once

#include <cstddef>
#include <string_view>

namespace porchlight::store::detail {

struct EmbeddedMigration {
  std::string_view backend;  // "postgres" or "sqlite" (the folder name)
  std::string_view name;     // "20261125000000_initial.sql"
  std::string_view sql;
};

extern const EmbeddedMigration kEmbeddedMigrations[];
extern const std::size_t kEmbeddedMigrationCount;

}  // namespace porchlight::store::detail
