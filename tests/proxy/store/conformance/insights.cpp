// The store conformance suite (fixtures.hpp): the insights' aggregates (analytics.hpp): guidance
// use and edits, objections by the topic of the agent's question, speed to lead, leads as they
// stand, outcomes per agent.

#include "store/conformance/fixtures.hpp"

namespace {

// A coaching event of `agent` on `day`, answered in a conversation after the agent's `question`.
void coached(store::Store& db, const Scope& s, const std::string& id, const std::string& agent, const std::string& at,
             Specialist specialist, const std::string& question) {
  CoachingEvent e = make_event(s, id, at);
  e.agent_id = agent;
  e.specialist = specialist;
  e.guidance_type = specialist == Specialist::objection_handling ? GuidanceType::objection_response : GuidanceType::next_best_action;
  REQUIRE_OK(db.coaching_history().record(s, e, EventContext{}));
  if (question.empty()) return;
  store::Conversation c = make_conversation(s);
  c.agent_id = agent;
  c = REQUIRE_OK(db.transcript().open_conversation(s, c));
  REQUIRE_OK(db.transcript().append_message(s, make_message(c.id, "user", "an earlier question about price")));
  REQUIRE_OK(db.transcript().append_message(s, make_message(c.id, "assistant", "an earlier answer")));
  REQUIRE_OK(db.transcript().append_message(s, make_message(c.id, "user", question)));
  store::Message answer = make_message(c.id, "assistant", "the answer");
  answer.event_id = id;
  REQUIRE_OK(db.transcript().append_message(s, answer));
}

store::LeadMessage lead_message(const std::string& id, const std::string& lead, const std::string& direction,
                                const std::string& at, const std::string& agent = "") {
  store::LeadMessage m;
  m.id = id;
  m.lead_id = lead;
  m.direction = direction;
  m.channel = "SMS";
  m.body = "hi";
  m.agent_id = agent;
  m.at = at;
  return m;
}

}  // namespace

TEST_CASE_TEMPLATE("store: insights count what agents did with guidance, and their edits", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string day = "2026-11-20T10:00:00Z";
  for (const char* id : {"g1", "g2", "g3", "g4"}) coached(*db, s, id, "dana", day, Specialist::action_planning, "");
  coached(*db, s, "g5", "marcus", day, Specialist::action_planning, "");
  coached(*db, s, "g6", "dana", "2026-11-25T10:00:00Z", Specialist::action_planning, "");  // outside
  FeedbackUpdate copied;
  copied.copied = true;
  REQUIRE_OK(db->coaching_history().add_feedback(s, "g1", copied));
  FeedbackUpdate edited;
  edited.sent = true;
  edited.edit_distance = 140;
  REQUIRE_OK(db->coaching_history().add_feedback(s, "g2", edited));
  FeedbackUpdate rated;
  rated.rating = Feedback::not_helpful;
  REQUIRE_OK(db->coaching_history().add_feedback(s, "g3", rated));
  edited.edit_distance = 20;
  REQUIRE_OK(db->coaching_history().add_feedback(s, "g5", edited));

  auto use = REQUIRE_OK(db->analytics().guidance_use(s, "2026-11-20", "2026-11-21"));
  REQUIRE(use.size() == 2);
  CHECK(use[0].agent_id == "dana");
  CHECK(use[0].guidance_type == "next_best_action");
  CHECK(use[0].events == 4);
  CHECK(use[0].used == 2);         // copied, and sent
  CHECK(use[0].edited == 1);
  CHECK(use[0].not_helpful == 1);
  CHECK(use[0].ignored == 1);      // g4: nothing at all
  CHECK(use[1].agent_id == "marcus");
  CHECK(use[1].events == 1);

  auto edits = REQUIRE_OK(db->analytics().edit_distances(s, "2026-11-20", "2026-11-21"));
  REQUIRE(edits.size() == 2);
  CHECK(edits[0].agent_id == "dana");
  CHECK(edits[0].distance == 140);
  CHECK(edits[1].distance == 20);

  const Scope other = new_location(*db);  // another location sees none of it
  CHECK(REQUIRE_OK(db->analytics().guidance_use(other, "2026-11-20", "2026-11-21")).empty());
}

TEST_CASE_TEMPLATE("store: insights read an objection's topic from the agent's question", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string day = "2026-11-20T10:00:00Z";
  coached(*db, s, "o1", "dana", day, Specialist::objection_handling, "They want me to cut my COMMISSION to 2%");
  coached(*db, s, "o2", "dana", day, Specialist::objection_handling, "the seller says the fee is too much");
  coached(*db, s, "o3", "dana", day, Specialist::objection_handling, "buyers want to wait until spring");
  coached(*db, s, "o4", "dana", day, Specialist::objection_handling, "something else entirely");
  coached(*db, s, "o5", "dana", day, Specialist::objection_handling, "");  // no question kept (live mode)
  coached(*db, s, "o6", "dana", day, Specialist::action_planning, "my commission");  // not an objection
  const std::vector<store::ObjectionTopic> topics{{"commission", {"commission", "fee"}}, {"timing", {"wait"}}};
  auto rows = REQUIRE_OK(db->analytics().objections(s, "2026-11-20", "2026-11-20", topics));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].topic == "commission");
  CHECK(rows[0].events == 2);
  CHECK(rows[1].topic == "other");
  CHECK(rows[1].events == 2);
  CHECK(rows[2].topic == "timing");
  CHECK(rows[2].events == 1);
}

TEST_CASE_TEMPLATE("store: insights time a lead's first reply after its first inbound message", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  store::LeadRecord lead;
  lead.id = "lead_a";
  lead.agent_id = "dana";
  REQUIRE_OK(db->leads().put(s, lead));
  for (const auto& m : {lead_message("m1", "lead_a", "outbound", "2026-11-19T08:00:00Z", "dana"),  // before: not a reply
                        lead_message("m2", "lead_a", "inbound", "2026-11-20T10:00:00Z"),
                        lead_message("m3", "lead_a", "inbound", "2026-11-20T10:05:00Z"),
                        lead_message("m4", "lead_a", "outbound", "2026-11-20T10:42:00Z", "dana"),
                        lead_message("m5", "lead_b", "inbound", "2026-11-21T09:00:00Z"),  // no lead record, no reply
                        lead_message("m6", "lead_c", "inbound", "2026-11-21T09:00:00Z"),
                        lead_message("m7", "lead_c", "outbound", "2026-11-21T09:03:00+00:00", "marcus"),
                        lead_message("m8", "lead_d", "inbound", "2026-11-25T09:00:00Z")})  // outside
    REQUIRE_OK(db->leads().append_message(s, m));
  auto rows = REQUIRE_OK(db->analytics().first_responses(s, "2026-11-20", "2026-11-21"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].lead_id == "lead_a");
  CHECK(rows[0].agent_id == "dana");
  CHECK(rows[0].first_inbound_at == "2026-11-20T10:00:00.000000Z");
  CHECK(rows[0].first_response_at == "2026-11-20T10:42:00.000000Z");
  CHECK(rows[1].lead_id == "lead_b");
  CHECK(rows[1].agent_id == "");
  CHECK(rows[1].first_response_at == "");
  CHECK(rows[2].agent_id == "marcus");  // no assigned agent: the one who answered
  CHECK(rows[2].first_response_at == "2026-11-21T09:03:00.000000Z");
}

TEST_CASE_TEMPLATE("store: insights read leads as they stand, first seen by the range's end", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto put = [&](const std::string& id, std::map<std::string, std::string> facts, bool deleted = false) {
    store::LeadRecord l;
    l.id = id;
    l.agent_id = "dana";
    l.facts = std::move(facts);
    l.deleted = deleted;
    REQUIRE_OK(db->leads().put(s, l));
  };
  put("lead_a", {{"pre_approved", "no"}});
  put("lead_b", {});
  put("lead_c", {});  // first seen after the range
  put("lead_d", {}, true);
  auto move = [](ConversationStage to, const std::string& at, std::optional<ConversationStage> from = std::nullopt) {
    StageChange c;
    c.from = from;
    c.to = to;
    c.trigger = "crm";
    c.reason = "test";
    c.source = "events";
    c.created_at = at;
    return c;
  };
  REQUIRE_OK(db->lead_stages().append(s, "lead_a", std::nullopt,
                                      {move(ConversationStage::new_lead, "2026-11-01T09:00:00Z"),
                                       move(ConversationStage::qualifying, "2026-11-05T09:00:00Z", ConversationStage::new_lead)}));
  REQUIRE_OK(db->leads().append_message(s, lead_message("m1", "lead_b", "inbound", "2026-11-10T09:00:00Z")));
  REQUIRE_OK(db->leads().append_message(s, lead_message("m2", "lead_c", "inbound", "2026-12-02T09:00:00Z")));
  REQUIRE_OK(db->leads().append_message(s, lead_message("m3", "lead_d", "inbound", "2026-11-10T09:00:00Z")));
  REQUIRE_OK(db->leads().append_message(s, lead_message("m4", "lead_a", "inbound", "2026-10-30T09:00:00Z")));

  auto rows = REQUIRE_OK(db->analytics().open_leads(s, "2026-11-30"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].lead_id == "lead_a");
  CHECK(rows[0].agent_id == "dana");
  CHECK(rows[0].facts.at("pre_approved") == "no");
  CHECK(rows[0].stage == "qualifying");
  CHECK(rows[0].stage_since == "2026-11-05T09:00:00.000000Z");
  CHECK(rows[0].first_seen_at == "2026-10-30T09:00:00.000000Z");  // its first message came before its first stage
  CHECK(rows[1].lead_id == "lead_b");
  CHECK(rows[1].stage == "");
  CHECK(rows[1].stage_since == "");
  CHECK(rows[1].first_seen_at == "2026-11-10T09:00:00.000000Z");
}

TEST_CASE_TEMPLATE("store: insights count outcomes per agent over the range", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto outcome = [&](const std::string& agent, Outcome o, const std::string& at, const std::string& external) {
    LeadOutcome out;
    out.lead_id = "lead_" + external;
    out.agent_id = agent;
    out.outcome = o;
    out.occurred_at = at;
    out.external_id = external;
    REQUIRE_OK(db->outcomes().record(s, out));
  };
  outcome("dana", Outcome::appointment_set, "2026-11-20T10:00:00Z", "1");
  outcome("dana", Outcome::appointment_set, "2026-11-21T10:00:00Z", "2");
  outcome("dana", Outcome::closed_won, "2026-11-21T11:00:00Z", "3");
  outcome("marcus", Outcome::appointment_set, "2026-11-21T11:00:00Z", "4");
  outcome("marcus", Outcome::appointment_set, "2026-11-29T11:00:00Z", "5");  // outside
  auto rows = REQUIRE_OK(db->analytics().outcomes_by_agent(s, "2026-11-20", "2026-11-21"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].agent_id == "dana");
  CHECK(rows[0].outcome == "appointment_set");
  CHECK(rows[0].count == 2);
  CHECK(rows[1].outcome == "closed_won");
  CHECK(rows[2].agent_id == "marcus");
  CHECK(rows[2].count == 1);
}
