// store/sql/live_cards.cpp: cards waiting for an agent's live socket (store/live_cards.hpp), for
// both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kCardColumns = "location_id, id, agent_id, lead_id, card, created_at, expires_at, delivered_at";

Result<LiveCard> decode_card(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  LiveCard c;
  c.location_id = d.str();
  c.id = d.str();
  c.agent_id = d.str();
  c.lead_id = d.str();
  c.card_json = d.structured().dump();
  c.created_at = d.time();
  c.expires_at = d.time();
  c.delivered_at = d.opt_time().value_or("");
  if (!d.problem.empty()) return internal("live_cards: " + d.problem);
  return c;
}

class SqlLiveCards final : public LiveCards {
 public:
  explicit SqlLiveCards(Database& db) : db_(db) {}

  Result<bool> put(const Scope& s, const LiveCard& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    LiveCard card = input;
    Checks c;
    check_location(c, s, card.location_id, "card.location_id");
    c.plain("card.id", card.id, 128, true);
    c.id("card.agent_id", card.agent_id);
    c.id("card.lead_id", card.lead_id, false);
    if (card.card_json.size() > 64 * 1024 || !json::accept(card.card_json)) c.fail("card.card_json", "expected JSON of at most 64 KiB");
    c.time("card.created_at", card.created_at);
    c.time("card.expires_at", card.expires_at);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO live_cards (location_id, id, agent_id, lead_id, card, created_at, expires_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                     P({text(card.location_id), text(card.id), text(card.agent_id), text(card.lead_id),
                        text(card.card_json), text(card.created_at), text(card.expires_at)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::optional<LiveCard>> get(const Scope& s, const std::string& id) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    Checks c;
    c.plain("id", id, 128, true);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kCardColumns + " FROM live_cards WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<LiveCard>(r.value(), decode_card);
  }

  Result<std::vector<LiveCard>> waiting(const Scope& s, const std::string& agent_id, const std::string& now) override {
    if (auto e = check_scoped_id(s, "agent_id", agent_id); !e.empty()) return e;
    Checks c;
    std::string at = now;
    c.time("now", at);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kCardColumns + " FROM live_cards WHERE location_id = $1 AND agent_id = $2 "
                     "AND delivered_at IS NULL AND expires_at > $3 ORDER BY created_at, id LIMIT 100",
                     P({text(s.location_id), text(agent_id), text(at)}));
    if (!r.ok()) return r.errors();
    return decode_all<LiveCard>(r.value(), decode_card);
  }

  Result<Done> mark_delivered(const Scope& s, const std::string& agent_id, const std::vector<std::string>& ids) override {
    if (auto e = check_scoped_id(s, "agent_id", agent_id); !e.empty()) return e;
    if (ids.size() > 100) return invalid("ids", "at most 100 at a time");
    const std::string now = now_rfc3339();
    return in_tx<Done>(db_, s.location_id, TxMode::write, [&](Session& session) -> Result<Done> {
      for (const auto& id : ids) {
        auto r = session.run("UPDATE live_cards SET delivered_at = $3 WHERE location_id = $1 AND id = $2 AND agent_id = $4 "
                             "AND delivered_at IS NULL",
                             P({text(s.location_id), text(id), text(now), text(agent_id)}));
        if (!r.ok()) return r.errors();
      }
      return Done{};
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<LiveCards> make_sql_live_cards(Database& db) { return std::make_unique<SqlLiveCards>(db); }

}  // namespace porchlight::store::detail
