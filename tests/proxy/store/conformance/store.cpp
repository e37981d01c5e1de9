// The store conformance suite (fixtures.hpp): the store itself (backend() and ping()).

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: ping and the backend's name", B, STORE_BACKENDS) {
  auto db = B::open();
  auto pinged = db->ping();
  CHECK_MESSAGE(pinged.ok(), errors_of(pinged));
  CHECK((db->backend() == "sqlite" || db->backend() == "postgres"));
}

TEST_CASE_TEMPLATE("store: atomically() commits its writes together, or none of them", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db), other = new_location(*db);
  LeadRecord l;
  l.id = unique("contact_");
  l.name = "Marcus Reyes";
  LeadMessage m;
  m.id = unique("msg_");
  m.lead_id = l.id;
  m.direction = "inbound";
  m.channel = "SMS";
  m.body = "Is the house on Oak St still available?";

  // A failure after the first write: the lead is not there either.
  auto failed = db->atomically(s, [&](Store& tx) -> Result<Done> {
    if (auto put = tx.leads().put(s, l); !put.ok()) return put.errors();
    return Error{"store.conflict", "the test's own failure", ""};
  });
  CHECK(code_of(failed) == "store.conflict");
  CHECK_FALSE(REQUIRE_OK(db->leads().get(s, l.id)));

  // A call for another location inside: refused, and everything rolled back.
  auto crossed = db->atomically(s, [&](Store& tx) -> Result<Done> {
    if (auto put = tx.leads().put(s, l); !put.ok()) return put.errors();
    if (auto put = tx.leads().put(other, l); !put.ok()) return put.errors();
    return Done{};
  });
  CHECK(code_of(crossed) == "store.internal");
  CHECK_FALSE(REQUIRE_OK(db->leads().get(s, l.id)));
  CHECK_FALSE(REQUIRE_OK(db->leads().get(other, l.id)));

  // Both writes, read back inside (the transaction's own view) and after the commit.
  REQUIRE_OK(db->atomically(s, [&](Store& tx) -> Result<Done> {
    if (auto put = tx.leads().put(s, l); !put.ok()) return put.errors();
    auto seen = tx.leads().get(s, l.id);
    if (!seen.ok()) return seen.errors();
    if (!seen.value()) return Error{"store.internal", "a write is not visible inside its own transaction", ""};
    auto appended = tx.leads().append_message(s, m);
    if (!appended.ok()) return appended.errors();
    return Done{};
  }));
  auto got = REQUIRE_OK(db->leads().get(s, l.id));
  REQUIRE(got);
  CHECK(got->name == "Marcus Reyes");
  CHECK(REQUIRE_OK(db->leads().thread(s, l.id, 10)).size() == 1);
  CHECK(code_of(db->atomically(Scope{""}, [](Store&) -> Result<Done> { return Done{}; })) == "store.invalid");
}
