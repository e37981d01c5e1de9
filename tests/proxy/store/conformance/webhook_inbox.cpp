// The store conformance suite (fixtures.hpp): the webhook inbox (webhook_inbox.hpp).

#include <vector>

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: webhooks are deduplicated, claimed once and finished", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  WebhookRecord w;
  w.provider = "gohighlevel";
  w.dedupe_key = unique("evt_");
  w.body = std::string("{\"type\":\"ContactCreate\"}\0\xff\xfe raw", 31);
  w.headers_json = R"({"x-wh-signature":"abc"})";
  w.signature_valid = true;
  CHECK(REQUIRE_OK(db->webhook_inbox().insert(s, w)));
  CHECK_FALSE(REQUIRE_OK(db->webhook_inbox().insert(s, w)));  // the same delivery again

  // The worker serves every location: other tests' webhooks may be claimed too.
  std::vector<WebhookRecord> mine;
  for (int round = 0; round < 50 && mine.empty(); ++round)
    for (auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000)))
      if (c.location_id == s.location_id) mine.push_back(c);
  REQUIRE(mine.size() == 1);
  const WebhookRecord& got = mine[0];
  CHECK(got.body == w.body);
  CHECK(got.headers_json == w.headers_json);
  CHECK(got.signature_valid);
  CHECK(got.state == "processing");
  CHECK(got.attempts == 1);
  CHECK(got.dedupe_key == w.dedupe_key);
  CHECK(is_canonical_time(got.received_at));
  CHECK(got.processed_at.empty());
  for (auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000))) CHECK(c.id != got.id);  // claimed once

  REQUIRE_OK(db->webhook_inbox().finish(s, got.id, false, "contact not found"));
  CHECK(code_of(db->webhook_inbox().finish(s, "wh_missing", true, "")) == "store.not_found");
  CHECK(code_of(db->webhook_inbox().claim(0)) == "store.invalid");
  WebhookRecord bad = w;
  bad.headers_json = "{not json";
  bad.dedupe_key = "other";
  CHECK(code_of(db->webhook_inbox().insert(s, bad)) == "store.invalid");
  bad = w;
  bad.dedupe_key = "";
  CHECK(code_of(db->webhook_inbox().insert(s, bad)) == "store.invalid");
}
