// store/sql/sql_store.hpp (internal): the one repository, written once over sql_database.hpp and
// shared by Postgres and SQLite: a file an aggregate in store/sql/, put together by
// make_sql_store. The backends add only their Database (connections and the cross-tenant
// statements).
#pragma once

#include <memory>

#include "store/sql/sql_database.hpp"
#include "store/store.hpp"

namespace porchlight::store::detail {

std::unique_ptr<Store> make_sql_store(std::unique_ptr<Database> db);

// The aggregates, each over the store's Database (which outlives them).
std::unique_ptr<Admin> make_sql_admin(Database& db);
std::unique_ptr<Profiles> make_sql_profiles(Database& db);
std::unique_ptr<Transcript> make_sql_transcript(Database& db);
std::unique_ptr<CoachingHistory> make_sql_coaching_history(Database& db);
std::unique_ptr<Ledger> make_sql_ledger(Database& db);
std::unique_ptr<Experiments> make_sql_experiments(Database& db);
std::unique_ptr<WebhookInbox> make_sql_webhook_inbox(Database& db);
std::unique_ptr<LeadStages> make_sql_lead_stages(Database& db);
std::unique_ptr<Analytics> make_sql_analytics(Database& db);
std::unique_ptr<GhlLinks> make_sql_ghl_links(Database& db);
std::unique_ptr<Leads> make_sql_leads(Database& db);
std::unique_ptr<LiveCards> make_sql_live_cards(Database& db);
std::unique_ptr<Outcomes> make_sql_outcomes(Database& db);

}  // namespace porchlight::store::detail
