// The store conformance suite (fixtures.hpp): leads and their threads (leads.hpp), GoHighLevel
// links (ghl_links.hpp) and live cards (live_cards.hpp): what the GoHighLevel worker keeps.

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: a lead is put, read back and kept to its location", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db), other = new_location(*db);
  LeadRecord l;
  l.id = unique("contact_");
  l.name = "Marcus Reyes";
  l.email = "marcus@example.com";
  l.tags = {"buyer", "pre-approved"};
  l.facts = {{"area", "Boise, ID"}, {"pre_approved", "yes"}};
  l.agent_id = "agent_1";
  REQUIRE_OK(db->leads().put(s, l));
  auto got = REQUIRE_OK(db->leads().get(s, l.id));
  REQUIRE(got);
  CHECK(got->name == "Marcus Reyes");
  CHECK(got->tags == l.tags);
  CHECK(got->facts == l.facts);
  CHECK(got->location_id == s.location_id);
  CHECK(is_canonical_time(got->updated_at));
  CHECK_FALSE(REQUIRE_OK(db->leads().get(other, l.id)));  // another tenant sees nothing

  l.sms_opt_out = true;
  l.facts.erase("pre_approved");
  REQUIRE_OK(db->leads().put(s, l));  // replaces
  got = REQUIRE_OK(db->leads().get(s, l.id));
  CHECK(got->sms_opt_out);
  CHECK(got->facts.size() == 1);

  LeadRecord bad = l;
  bad.id = "not a valid id";
  CHECK(code_of(db->leads().put(s, bad)) == "store.invalid");
  bad = l;
  bad.location_id = other.location_id;
  CHECK(code_of(db->leads().put(s, bad)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: a lead's thread keeps each CRM message once, oldest first", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string lead = unique("contact_");
  LeadMessage m;
  m.lead_id = lead;
  m.direction = "inbound";
  m.channel = "SMS";
  m.id = unique("msg_b_");
  m.body = "second";
  m.at = "2026-11-14T16:06:00Z";
  CHECK(REQUIRE_OK(db->leads().append_message(s, m)));
  CHECK_FALSE(REQUIRE_OK(db->leads().append_message(s, m)));  // the same message again
  m.id = unique("msg_a_");
  m.body = "first";
  m.at = "2026-11-14T16:05:00Z";
  CHECK(REQUIRE_OK(db->leads().append_message(s, m)));
  auto thread = REQUIRE_OK(db->leads().thread(s, lead, 10));
  REQUIRE(thread.size() == 2);
  CHECK(thread[0].body == "first");
  CHECK(thread[1].body == "second");
  CHECK(REQUIRE_OK(db->leads().thread(s, lead, 1)).at(0).body == "second");  // the newest
  m.direction = "sideways";
  m.id = unique("msg_c_");
  CHECK(code_of(db->leads().append_message(s, m)) == "store.invalid");
  CHECK(code_of(db->leads().thread(s, lead, 0)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: a GoHighLevel location links to one Porchlight location", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db), other = new_location(*db);
  GhlLink l;
  l.ghl_location_id = unique("ghl");
  l.config_json = R"({"stage_map":{"stg1":"appointment_set"}})";
  auto put = REQUIRE_OK(db->ghl_links().put(s, l));
  CHECK(put.location_id == s.location_id);
  auto found = REQUIRE_OK(db->ghl_links().find(l.ghl_location_id));  // no tenant needed
  REQUIRE(found);
  CHECK(found->location_id == s.location_id);
  CHECK(found->installed);
  CHECK(json::parse(found->config_json)["stage_map"]["stg1"] == "appointment_set");
  CHECK_FALSE(REQUIRE_OK(db->ghl_links().find(unique("nobody"))));

  l.installed = false;
  l.publishable_key = "pk_test0123456789";
  REQUIRE_OK(db->ghl_links().put(s, l));
  found = REQUIRE_OK(db->ghl_links().find(l.ghl_location_id));
  CHECK_FALSE(found->installed);
  CHECK(found->publishable_key == "pk_test0123456789");
  CHECK(code_of(db->ghl_links().put(other, l)) == "store.conflict");  // linked elsewhere already
  l.config_json = "[1]";
  CHECK(code_of(db->ghl_links().put(s, l)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: live cards wait for their agent until delivered or expired", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  LiveCard c;
  c.id = unique("card_");
  c.agent_id = "agent_1";
  c.lead_id = "contact_1";
  c.card_json = R"([{"type":"cards_done"}])";
  c.expires_at = "2999-01-01T00:00:00Z";
  CHECK(REQUIRE_OK(db->live_cards().put(s, c)));
  CHECK_FALSE(REQUIRE_OK(db->live_cards().put(s, c)));  // stored once
  LiveCard old = c;
  old.id = unique("card_old_");
  old.expires_at = "2020-01-01T00:00:00Z";
  CHECK(REQUIRE_OK(db->live_cards().put(s, old)));
  const std::string now = porchlight::store::detail::now_rfc3339();
  auto waiting = REQUIRE_OK(db->live_cards().waiting(s, "agent_1", now));
  REQUIRE(waiting.size() == 1);  // the expired one is not
  CHECK(waiting[0].id == c.id);
  CHECK(json::parse(waiting[0].card_json).is_array());
  CHECK(REQUIRE_OK(db->live_cards().waiting(s, "agent_2", now)).empty());
  REQUIRE_OK(db->live_cards().mark_delivered(s, "agent_2", {c.id}));  // another agent's ack changes nothing
  CHECK(REQUIRE_OK(db->live_cards().waiting(s, "agent_1", now)).size() == 1);
  REQUIRE_OK(db->live_cards().mark_delivered(s, "agent_1", {c.id}));
  CHECK(REQUIRE_OK(db->live_cards().waiting(s, "agent_1", now)).empty());
  CHECK_FALSE(REQUIRE_OK(db->live_cards().get(s, c.id))->delivered_at.empty());
  c.id = unique("card_bad_");
  c.card_json = "{not json";
  CHECK(code_of(db->live_cards().put(s, c)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: webhook retries wait their turn; operators list, retry and replay", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  WebhookRecord w;
  w.provider = "gohighlevel";
  w.dedupe_key = unique("evt_");
  w.body = "{}";
  w.event_type = "InboundMessage";
  w.external_location = "ghlLoc1";
  REQUIRE(REQUIRE_OK(db->webhook_inbox().insert(s, w)));
  auto claim_mine = [&] {
    std::vector<WebhookRecord> mine;
    for (auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000)))
      if (c.location_id == s.location_id) mine.push_back(c);
    return mine;
  };
  auto mine = claim_mine();
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].event_type == "InboundMessage");
  CHECK(mine[0].external_location == "ghlLoc1");
  const std::string id = mine[0].id;
  REQUIRE_OK(db->webhook_inbox().retry_later(s, id, "upstream down", "2999-01-01T00:00:00Z"));
  CHECK(claim_mine().empty());  // not before its time
  REQUIRE_OK(db->webhook_inbox().retry_later(s, id, "upstream down", "2020-01-01T00:00:00Z"));
  mine = claim_mine();
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].attempts == 2);

  REQUIRE_OK(db->webhook_inbox().finish(s, id, false, "dead letter"));
  bool listed = false;
  for (const auto& l : REQUIRE_OK(db->webhook_inbox().list("failed", 1000))) listed = listed || l.id == id;
  CHECK(listed);
  CHECK_FALSE(REQUIRE_OK(db->webhook_inbox().requeue("wh_missing", false)));
  CHECK(REQUIRE_OK(db->webhook_inbox().requeue(id, false)));  // failed -> pending
  mine = claim_mine();
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].attempts == 1);
  REQUIRE_OK(db->webhook_inbox().finish(s, id, true, ""));
  CHECK_FALSE(REQUIRE_OK(db->webhook_inbox().requeue(id, false)));  // a done one only by replay
  CHECK(REQUIRE_OK(db->webhook_inbox().requeue(id, true)));
  CHECK(claim_mine().size() == 1);
  REQUIRE_OK(db->webhook_inbox().finish(s, id, false, "ghl.unknown_location"));
  CHECK(REQUIRE_OK(db->webhook_inbox().requeue_location(s, "ghlLoc1")) == 1);
  CHECK(code_of(db->webhook_inbox().list("bogus", 10)) == "store.invalid");
}
