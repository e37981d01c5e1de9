// The store conformance suite (fixtures.hpp): the store itself (backend() and ping()).

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: ping and the backend's name", B, STORE_BACKENDS) {
  auto db = B::open();
  auto pinged = db->ping();
  CHECK_MESSAGE(pinged.ok(), errors_of(pinged));
  CHECK((db->backend() == "sqlite" || db->backend() == "postgres"));
}
