// store/sql/leads.cpp: leads and their threads (store/leads.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kLeadColumns =
    "location_id, id, name, email, phone, source, tags, facts, agent_id, sms_opt_out, deleted, updated_at";

Result<LeadRecord> decode_lead(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  LeadRecord l;
  l.location_id = d.str();
  l.id = d.str();
  l.name = d.str();
  l.email = d.str();
  l.phone = d.str();
  l.source = d.str();
  l.tags = d.strings();
  l.facts = d.string_map();
  l.agent_id = d.str();
  l.sms_opt_out = d.flag();
  l.deleted = d.flag();
  l.updated_at = d.time();
  if (!d.problem.empty()) return internal("leads: " + d.problem);
  return l;
}

const std::string kLeadMessageColumns = "location_id, id, lead_id, direction, channel, body, agent_id, at";

Result<LeadMessage> decode_lead_message(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  LeadMessage m;
  m.location_id = d.str();
  m.id = d.str();
  m.lead_id = d.str();
  m.direction = d.str();
  m.channel = d.str();
  m.body = d.str();
  m.agent_id = d.str();
  m.at = d.time();
  if (!d.problem.empty()) return internal("lead_messages: " + d.problem);
  return m;
}

class SqlLeads final : public Leads {
 public:
  explicit SqlLeads(Database& db) : db_(db) {}

  Result<std::optional<LeadRecord>> get(const Scope& s, const std::string& id) override {
    return find_by_id<LeadRecord>(db_, s, id, "leads", kLeadColumns, decode_lead);
  }

  Result<Done> put(const Scope& s, const LeadRecord& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    LeadRecord l = input;
    Checks c;
    check_location(c, s, l.location_id, "lead.location_id");
    c.id("lead.id", l.id);
    c.utf8("lead.name", l.name, 200);
    c.utf8("lead.email", l.email, 320);
    c.utf8("lead.phone", l.phone, 64);
    c.utf8("lead.source", l.source, 200);
    c.id("lead.agent_id", l.agent_id, false);
    if (l.tags.size() > 100) c.fail("lead.tags", "at most 100 tags");
    for (const auto& t : l.tags) c.utf8("lead.tags[]", t, 200);
    if (l.facts.size() > 100) c.fail("lead.facts", "at most 100 facts");
    for (const auto& [k, v] : l.facts) {
      c.plain("lead.facts key", k, 64, true);
      c.utf8("lead.facts." + k, v, 2000);
    }
    if (!c.ok()) return c.errors;
    json facts = json::object();
    for (const auto& [k, v] : l.facts) facts[k] = v;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO leads (" + kLeadColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                     "ON CONFLICT (location_id, id) DO UPDATE SET name = excluded.name, email = excluded.email, "
                     "phone = excluded.phone, source = excluded.source, tags = excluded.tags, facts = excluded.facts, "
                     "agent_id = excluded.agent_id, sms_opt_out = excluded.sms_opt_out, deleted = excluded.deleted, "
                     "updated_at = excluded.updated_at",
                     P({text(l.location_id), text(l.id), text(l.name), text(l.email), text(l.phone), text(l.source),
                        text(names_json(l.tags).dump()), text(facts.dump()), text(l.agent_id), boolean(l.sms_opt_out),
                        boolean(l.deleted), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

  Result<bool> append_message(const Scope& s, const LeadMessage& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    LeadMessage m = input;
    Checks c;
    check_location(c, s, m.location_id, "message.location_id");
    c.plain("message.id", m.id, 128, true);
    c.id("message.lead_id", m.lead_id);
    if (m.direction != "inbound" && m.direction != "outbound") c.fail("message.direction", "expected inbound or outbound");
    c.plain("message.channel", m.channel, 40, true);
    c.utf8("message.body", m.body, 64 * 1024);
    c.id("message.agent_id", m.agent_id, false);
    c.time("message.at", m.at);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO lead_messages (" + kLeadMessageColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                     "ON CONFLICT DO NOTHING",
                     P({text(m.location_id), text(m.id), text(m.lead_id), text(m.direction), text(m.channel),
                        text(m.body), text(m.agent_id), text(m.at)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::vector<LeadMessage>> thread(const Scope& s, const std::string& lead_id, std::int64_t limit) override {
    if (auto e = check_scoped_id(s, "lead_id", lead_id); !e.empty()) return e;
    if (limit < 1 || limit > 1000) return invalid("limit", "expected 1..1000");
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kLeadMessageColumns + " FROM (SELECT " + kLeadMessageColumns + " FROM lead_messages "
                     "WHERE location_id = $1 AND lead_id = $2 ORDER BY at DESC, id DESC LIMIT $3) AS newest ORDER BY at, id",
                     P({text(s.location_id), text(lead_id), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<LeadMessage>(r.value(), decode_lead_message);
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Leads> make_sql_leads(Database& db) { return std::make_unique<SqlLeads>(db); }

}  // namespace porchlight::store::detail
