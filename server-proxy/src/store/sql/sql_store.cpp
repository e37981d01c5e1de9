// store/sql/sql_store.cpp: the SQL store, its aggregates put together over one Database.

#include "store/sql/sql_store.hpp"

#include "store/sql/repository.hpp"

namespace porchlight::store::detail {

namespace {

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Database> db)
      : db_(std::move(db)),
        admin_(make_sql_admin(*db_)),
        profiles_(make_sql_profiles(*db_)),
        transcript_(make_sql_transcript(*db_)),
        coaching_history_(make_sql_coaching_history(*db_)),
        ledger_(make_sql_ledger(*db_)),
        experiments_(make_sql_experiments(*db_)),
        webhook_inbox_(make_sql_webhook_inbox(*db_)),
        lead_stages_(make_sql_lead_stages(*db_)),
        analytics_(make_sql_analytics(*db_)),
        ghl_links_(make_sql_ghl_links(*db_)),
        leads_(make_sql_leads(*db_)),
        live_cards_(make_sql_live_cards(*db_)),
        outcomes_(make_sql_outcomes(*db_)) {}

  std::string_view backend() const override { return db_->backend(); }

  Result<Done> ping() override {
    return in_tx<Done>(*db_, "", TxMode::read, [&](Session& s) -> Result<Done> {
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
  std::unique_ptr<Database> db_;  // first: the aggregates hold a reference to it
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
