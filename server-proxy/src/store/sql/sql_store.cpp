// store/sql/sql_store.cpp: the SQL store, its aggregates put together over one Database.

#include "store/sql/sql_store.hpp"

#include "store/sql/repository.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

// A Database whose every transaction is one already open (Store::atomically): the aggregates'
// calls run in it instead of beginning their own. Only its tenant's calls may join.
class JoinedDatabase final : public Database {
 public:
  JoinedDatabase(Database& outer, Session& session, std::string tenant)
      : outer_(outer), session_(session), tenant_(std::move(tenant)) {}

  std::string_view backend() const override { return outer_.backend(); }
  std::string day_of(std::string_view column) const override { return outer_.day_of(column); }

  Result<Done> transact(std::string_view tenant, TxMode, const std::function<Result<Done>(Session&)>& work) override {
    if (tenant != tenant_) return joined_elsewhere();
    return work(session_);
  }

  // Admin statements cross tenants: never inside one tenant's transaction.
  Result<Rows> find_api_key(Session&, std::string_view) override { return joined_elsewhere(); }
  Result<std::int64_t> revoke_api_key(Session&, std::string_view, std::string_view) override { return joined_elsewhere(); }
  Result<Rows> claim_webhooks(Session&, std::int64_t, std::string_view, std::string_view) override { return joined_elsewhere(); }
  Result<Rows> list_webhooks(Session&, std::string_view, std::int64_t) override { return joined_elsewhere(); }
  Result<std::int64_t> requeue_webhook(Session&, std::string_view, bool) override { return joined_elsewhere(); }
  Result<Rows> find_ghl_location(Session&, std::string_view) override { return joined_elsewhere(); }

 private:
  Error joined_elsewhere() const {
    return internal("a call inside atomically() for location " + tenant_ + " went to another location or was an admin call");
  }

  Database& outer_;
  Session& session_;
  const std::string tenant_;
};

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Database> db) : SqlStore(*db) { owned_ = std::move(db); }

  explicit SqlStore(Database& db)
      : db_(db),
        admin_(make_sql_admin(db_)),
        profiles_(make_sql_profiles(db_)),
        transcript_(make_sql_transcript(db_)),
        coaching_history_(make_sql_coaching_history(db_)),
        ledger_(make_sql_ledger(db_)),
        experiments_(make_sql_experiments(db_)),
        webhook_inbox_(make_sql_webhook_inbox(db_)),
        lead_stages_(make_sql_lead_stages(db_)),
        analytics_(make_sql_analytics(db_)),
        ghl_links_(make_sql_ghl_links(db_)),
        leads_(make_sql_leads(db_)),
        live_cards_(make_sql_live_cards(db_)),
        outcomes_(make_sql_outcomes(db_)) {}

  std::string_view backend() const override { return db_.backend(); }

  Result<Done> atomically(const Scope& s, const std::function<Result<Done>(Store&)>& work) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    return db_.transact(s.location_id, TxMode::write, [&](Session& session) -> Result<Done> {
      JoinedDatabase joined(db_, session, s.location_id);
      SqlStore inside(joined);
      return work(inside);
    });
  }

  Result<std::vector<Result<Done>>> atomically_each(const Scope& s, const std::vector<Work>& works) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    return in_tx<std::vector<Result<Done>>>(db_, s.location_id, TxMode::write,
                                            [&](Session& session) -> Result<std::vector<Result<Done>>> {
      JoinedDatabase joined(db_, session, s.location_id);
      SqlStore inside(joined);
      std::vector<Result<Done>> out;
      out.reserve(works.size());
      for (const auto& work : works) {
        if (auto begun = session.run("SAVEPOINT porchlight_work"); !begun.ok()) return begun.errors();
        Result<Done> r = work(inside);
        if (!r.ok()) {
          if (auto undone = session.run("ROLLBACK TO SAVEPOINT porchlight_work"); !undone.ok()) return undone.errors();
        }
        if (auto released = session.run("RELEASE SAVEPOINT porchlight_work"); !released.ok()) return released.errors();
        out.push_back(std::move(r));
      }
      return out;
    });
  }

  Result<Done> ping() override {
    return in_tx<Done>(db_, "", TxMode::read, [&](Session& s) -> Result<Done> {
      auto r = s.run("SELECT 1");
      if (!r.ok()) return r.errors();
      return Done{};
    });
  }

  Admin& admin() override { return *admin_; }
  Profiles& profiles() override { return *profiles_; }
  Transcript& transcript() override { return *transcript_; }
  CoachingHistory& coaching_history() override { return *coaching_history_; }
  Ledger& ledger() override { return *ledger_; }
  Experiments& experiments() override { return *experiments_; }
  WebhookInbox& webhook_inbox() override { return *webhook_inbox_; }
  LeadStages& lead_stages() override { return *lead_stages_; }
  Analytics& analytics() override { return *analytics_; }
  GhlLinks& ghl_links() override { return *ghl_links_; }
  Leads& leads() override { return *leads_; }
  LiveCards& live_cards() override { return *live_cards_; }
  Outcomes& outcomes() override { return *outcomes_; }

 private:
  std::unique_ptr<Database> owned_;  // the store's own database (none for a joined one)
  Database& db_;
  std::unique_ptr<Admin> admin_;
  std::unique_ptr<Profiles> profiles_;
  std::unique_ptr<Transcript> transcript_;
  std::unique_ptr<CoachingHistory> coaching_history_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Experiments> experiments_;
  std::unique_ptr<WebhookInbox> webhook_inbox_;
  std::unique_ptr<LeadStages> lead_stages_;
  std::unique_ptr<Analytics> analytics_;
  std::unique_ptr<GhlLinks> ghl_links_;
  std::unique_ptr<Leads> leads_;
  std::unique_ptr<LiveCards> live_cards_;
  std::unique_ptr<Outcomes> outcomes_;
};

}  // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<Database> db) { return std::make_unique<SqlStore>(std::move(db)); }

}  // namespace porchlight::store::detail
