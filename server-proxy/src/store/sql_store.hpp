// store/sql_store.hpp (internal): the one repository implementation, written once over
// sql_database.hpp and shared by Postgres and SQLite. The backends add only their connection
// handling and the three cross-tenant admin operations, which differ (SECURITY DEFINER functions
// on Postgres, plain statements on SQLite).
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "store/sql_database.hpp"
#include "store/store.hpp"

namespace porchlight::store::detail {

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  std::string_view backend() const override { return db_->backend(); }
  Result<Done> ping() override;

  Result<Location> create_location(const std::string& name) override;
  Result<std::optional<Location>> find_location(const std::string& id) override;
  Result<Location> ensure_location(const std::string& id, const std::string& name) override;
  Result<ApiKey> create_api_key(const ApiKey& key) override;

  Result<AgentProfile> put_profile(const Scope& s, const AgentProfile& p) override;
  Result<std::optional<AgentProfile>> get_profile(const Scope& s, const std::string& id) override;
  Result<std::vector<AgentProfile>> list_profiles(const Scope& s) override;
  Result<bool> delete_profile(const Scope& s, const std::string& id) override;

  Result<AgentSession> put_session(const Scope& s, const AgentSession& session) override;
  Result<std::optional<AgentSession>> get_session(const Scope& s, const std::string& id) override;

  Result<Conversation> open_conversation(const Scope& s, const Conversation& c) override;
  Result<std::optional<Conversation>> get_conversation(const Scope& s, const std::string& id) override;
  Result<Done> update_conversation(const Scope& s, const std::string& id, ConversationStage stage,
                                   const std::string& summary,
                                   std::int64_t summary_through_seq) override;
  Result<Message> append_message(const Scope& s, const Message& m) override;
  Result<Done> update_message(const Scope& s, const Message& m) override;
  Result<std::vector<Message>> list_messages(const Scope& s, const std::string& conversation_id,
                                             std::int64_t after_seq, std::int64_t limit) override;
  Result<std::optional<Message>> get_message(const Scope& s, const std::string& id) override;

  Result<Done> record_event(const Scope& s, const CoachingEvent& e) override;
  Result<std::optional<CoachingEvent>> get_event(const Scope& s, const std::string& id) override;
  Result<bool> set_feedback(const Scope& s, const std::string& event_id, Feedback f,
                            const std::string& comment) override;
  Result<bool> set_outcome(const Scope& s, const std::string& event_id, Outcome o) override;

  Result<Done> record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) override;
  Result<double> month_spend_usd(const Scope& s, const std::string& month) override;
  Result<Budget> get_budget(const Scope& s) override;
  Result<Done> set_budget(const Scope& s, const Budget& b) override;
  Result<RateLimits> get_rate_limits(const Scope& s) override;
  Result<Done> set_rate_limits(const Scope& s, const RateLimits& r) override;

  Result<Done> put_experiment(const Scope& s, const Experiment& e) override;
  Result<std::vector<Experiment>> list_experiments(const Scope& s) override;
  Result<std::string> assign(const Scope& s, const std::string& experiment_id,
                             const std::string& agent_id, const std::string& variant) override;

  Result<bool> insert_webhook(const Scope& s, const WebhookRecord& w) override;
  Result<Done> finish_webhook(const Scope& s, const std::string& id, bool ok,
                              const std::string& error) override;

  Result<std::vector<EffectivenessRow>> effectiveness(const Scope& s, const std::string& from_day,
                                                      const std::string& to_day) override;
  Result<std::vector<UsageRow>> usage_by_agent(const Scope& s, const std::string& from_day,
                                               const std::string& to_day) override;
  Result<std::vector<std::int64_t>> latencies_ms(const Scope& s, const std::string& from_day,
                                                 const std::string& to_day) override;

  // Left to the backends: find_api_key_by_hash, revoke_api_key, claim_webhooks.

 protected:
  Database& db() { return *db_; }

  // Runs `f(Session&) -> Result<T>` in one transaction and returns its value.
  template <class T, class F>
  Result<T> in_tx(std::string_view tenant, TxMode mode, F&& f) {
    std::optional<T> out;
    auto done = db_->transact(tenant, mode, [&](Session& session) -> Result<Done> {
      Result<T> r = f(session);
      if (!r.ok()) return r.errors();
      out.emplace(std::move(r).value());
      return Done{};
    });
    if (!done.ok()) return done.errors();
    return std::move(*out);
  }

  // Column lists and row decoders the backends' admin statements share with the repository.
  static const char* const kApiKeyColumns;
  static const char* const kWebhookColumns;
  static Result<ApiKey> decode_api_key(const Rows& rows, std::size_t row);
  static Result<WebhookRecord> decode_webhook(const Rows& rows, std::size_t row);
  // How long a claimed webhook may stay in processing before another worker takes it again.
  static constexpr std::int64_t kWebhookClaimStaleMicros = 5LL * 60 * 1'000'000;

 private:
  std::unique_ptr<Database> db_;
};

}  // namespace porchlight::store::detail
