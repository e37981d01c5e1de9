// The store conformance suite (fixtures.hpp): conversations and messages (transcript.hpp).

#include <atomic>
#include <thread>
#include <vector>

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: conversations open once and their summary is updated", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Conversation c = make_conversation(s);
  Conversation opened = REQUIRE_OK(db->transcript().open_conversation(s, c));
  CHECK(opened.id == c.id);
  CHECK(opened.stage == ConversationStage::qualifying);
  CHECK(is_canonical_time(opened.created_at));

  c.stage = ConversationStage::closed_won;  // opening again returns the stored one, unchanged
  Conversation again = REQUIRE_OK(db->transcript().open_conversation(s, c));
  CHECK(again.stage == ConversationStage::qualifying);
  CHECK(again.created_at == opened.created_at);

  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "hello")));
  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "hi")));
  REQUIRE_OK(db->transcript().update_conversation(s, c.id, ConversationStage::appointment_set, "They met.", 2));
  auto got = REQUIRE_OK(db->transcript().get_conversation(s, c.id));
  REQUIRE(got.has_value());
  CHECK(got->stage == ConversationStage::appointment_set);
  CHECK(got->summary == "They met.");
  CHECK(got->summary_through_seq == 2);

  CHECK(code_of(db->transcript().update_conversation(s, c.id, ConversationStage::active, "x", 3)) == "store.invalid");
  CHECK(code_of(db->transcript().update_conversation(s, "cv_missing", ConversationStage::active, "x", 0)) == "store.not_found");
  CHECK_FALSE(REQUIRE_OK(db->transcript().get_conversation(s, "cv_missing")).has_value());
  c.id = "not valid!";
  CHECK(code_of(db->transcript().open_conversation(s, c)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: the transcript appends with dense seqs and updates streaming answers", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));

  Message u = REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "The seller says 6% is too high")));
  Message a = REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "")));
  CHECK(u.seq == 1);
  CHECK(a.seq == 2);
  CHECK(u.id.rfind("msg_", 0) == 0);
  CHECK(u.location_id == s.location_id);
  CHECK(is_canonical_time(u.created_at));

  a.content = "Acknowledge, then show the net sheet.";
  a.status = MessageStatus::complete;
  a.model = "claude-sonnet-4-5";
  a.specialist = "objection_handling";
  a.usage.input_tokens = 900;
  a.usage.output_tokens = 120;
  a.usage.cache_creation_input_tokens = 50;
  a.usage.cache_creation_1h_input_tokens = 20;
  a.usage.cache_read_input_tokens = 800;
  a.cost_usd = 0.00123456;
  a.latency_ms = 1234;
  a.event_id = "ev_1";
  a.conversation_id.clear();  // not needed to update
  REQUIRE_OK(db->transcript().update_message(s, a));

  auto got = REQUIRE_OK(db->transcript().get_message(s, a.id));
  REQUIRE(got.has_value());
  CHECK(got->content == a.content);
  CHECK(got->status == MessageStatus::complete);
  CHECK(got->model == "claude-sonnet-4-5");
  CHECK(got->specialist == "objection_handling");
  CHECK(got->usage.cache_creation_1h_input_tokens == 20);
  CHECK(got->usage.cache_read_input_tokens == 800);
  CHECK(got->cost_usd == doctest::Approx(0.00123456).epsilon(1e-12));
  CHECK(got->latency_ms == 1234);
  CHECK(got->event_id == "ev_1");
  CHECK(got->seq == 2);
  CHECK(got->created_at == a.created_at);

  for (int i = 0; i < 5; ++i) REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "m" + std::to_string(i))));
  auto page = REQUIRE_OK(db->transcript().list_messages(s, c.id, 2, 3));
  REQUIRE(page.size() == 3);
  CHECK(page[0].seq == 3);
  CHECK(page[0].content == "m0");
  CHECK(page[2].seq == 5);
  CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 100)).size() == 7);
  CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 7, 100)).empty());

  SUBCASE("bad input") {
    CHECK(code_of(db->transcript().append_message(s, make_message("cv_missing", "user", "x"))) == "store.not_found");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "system", "x"))) == "store.invalid");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "user", std::string("bad \xff utf-8")))) == "store.invalid");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "user", std::string("nul \0 byte", 10)))) == "store.invalid");
    Message m = make_message(c.id, "assistant", "x");
    m.surface = "fax";
    CHECK(code_of(db->transcript().append_message(s, m)) == "store.invalid");
    m = make_message(c.id, "assistant", "x");
    m.cost_usd = -1;
    CHECK(code_of(db->transcript().append_message(s, m)) == "store.invalid");
    m.id = "msg_missing";
    m.cost_usd = 0;
    CHECK(code_of(db->transcript().update_message(s, m)) == "store.not_found");
    Message wrong = a;
    wrong.conversation_id = "cv_other";
    CHECK(code_of(db->transcript().update_message(s, wrong)) == "store.not_found");
    CHECK(code_of(db->transcript().list_messages(s, c.id, 0, 0)) == "store.invalid");
    CHECK(code_of(db->transcript().list_messages(s, c.id, -1, 10)) == "store.invalid");
    CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 100)).size() == 7);  // nothing was added
  }
}

TEST_CASE_TEMPLATE("store: concurrent appends get distinct, dense seqs", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));
  constexpr int kThreads = 4, kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (!db->transcript().append_message(s, make_message(c.id, "user", std::to_string(t) + ":" + std::to_string(i))).ok())
          ++failures;
    });
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  auto all = REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 1000));
  REQUIRE(all.size() == kThreads * kEach);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == static_cast<std::int64_t>(i + 1));
}

TEST_CASE_TEMPLATE("store: each message keeps whose turn it was", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));
  for (const char* agent : {"agent_1", "tc_1"}) {
    Message m;
    m.conversation_id = c.id;
    m.location_id = s.location_id;
    m.role = "user";
    m.content = std::string("from ") + agent;
    m.agent_id = agent;
    REQUIRE_OK(db->transcript().append_message(s, m));
  }
  const auto all = REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 10));
  REQUIRE(all.size() == 2);
  CHECK(all[0].agent_id == "agent_1");
  CHECK(all[1].agent_id == "tc_1");
}
