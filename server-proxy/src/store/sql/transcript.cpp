// store/sql/transcript.cpp: conversations and messages (store/transcript.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kConversationColumns =
    "id, location_id, agent_id, lead_id, stage, summary, summary_through_seq, created_at, updated_at";

Result<Conversation> decode_conversation(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Conversation c;
  c.id = d.str();
  c.location_id = d.str();
  c.agent_id = d.str();
  c.lead_id = d.str();
  c.stage = d.enumeration<ConversationStage>();
  c.summary = d.str();
  c.summary_through_seq = d.i64();
  c.created_at = d.time();
  c.updated_at = d.time();
  if (!d.problem.empty()) return internal("conversations: " + d.problem);
  return c;
}

const std::string kMessageColumns =
    "id, conversation_id, location_id, seq, role, content, status, surface, specialist, model, " +
    std::string(kUsageColumns) + ", cost_usd, latency_ms, event_id, agent_id, created_at, updated_at";

Result<Message> decode_message(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Message m;
  m.id = d.str();
  m.conversation_id = d.str();
  m.location_id = d.str();
  m.seq = d.i64();
  m.role = d.str();
  m.content = d.str();
  const std::string status = d.str();
  if (auto st = parse_message_status(status)) m.status = *st;
  else d.note("status", status);
  m.surface = d.str();
  m.specialist = d.str();
  m.model = d.str();
  m.usage = d.usage();
  m.cost_usd = d.f64();
  m.latency_ms = d.i64();
  m.event_id = d.str();
  m.agent_id = d.str();
  m.created_at = d.time();
  m.updated_at = d.time();
  if (!d.problem.empty()) return internal("messages: " + d.problem);
  return m;
}

void check_message_fields(Checks& c, const Message& m) {
  if (!m.surface.empty() && !parse_enum<Surface>(m.surface)) c.fail("message.surface", "unknown surface '" + m.surface + "'");
  if (!m.specialist.empty() && !parse_enum<Specialist>(m.specialist))
    c.fail("message.specialist", "unknown specialist '" + m.specialist + "'");
  c.plain("message.model", m.model, 100);
  c.id("message.event_id", m.event_id, false);
  c.utf8("message.content", m.content, 4 * 1024 * 1024);
  c.usage("message.usage", m.usage);
  c.money("message.cost_usd", m.cost_usd);
  c.range("message.latency_ms", m.latency_ms, 0, 86'400'000);
}

class SqlTranscript final : public Transcript {
 public:
  explicit SqlTranscript(Database& db) : db_(db) {}

  Result<Conversation> open_conversation(const Scope& s, const Conversation& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    Conversation cv = input;
    Checks c;
    check_location(c, s, cv.location_id, "conversation.location_id");
    c.id("conversation.id", cv.id);
    c.id("conversation.agent_id", cv.agent_id);
    c.id("conversation.lead_id", cv.lead_id, false);
    c.utf8("conversation.summary", cv.summary, 100'000);
    if (cv.summary_through_seq != 0)
      c.fail("conversation.summary_through_seq", "a new conversation has no messages to summarize; expected 0");
    if (!c.ok()) return c.errors;
    const std::string now = now_rfc3339();
    return in_tx<Conversation>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<Conversation> {
      auto r = db.run(
          "INSERT INTO conversations (id, location_id, agent_id, lead_id, stage, summary, summary_through_seq, "
          "last_seq, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $7) ON CONFLICT DO NOTHING",
          P({text(cv.id), text(cv.location_id), text(cv.agent_id), text(cv.lead_id), text(name_of(cv.stage)),
             text(cv.summary), text(now)}));
      if (!r.ok()) return r.errors();
      r = db.run("SELECT " + kConversationColumns + " FROM conversations WHERE id = $1 AND location_id = $2",
                 P({text(cv.id), text(s.location_id)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty())
        return conflict("conversation.id", "conversation id '" + cv.id + "' is taken; use another id");
      return decode_conversation(r.value(), 0);
    });
  }

  Result<std::optional<Conversation>> get_conversation(const Scope& s, const std::string& id) override {
    return find_by_id<Conversation>(db_, s, id, "conversations", kConversationColumns, decode_conversation);
  }

  Result<Done> update_conversation(const Scope& s, const std::string& id, ConversationStage stage,
                                   const std::string& summary, std::int64_t summary_through_seq) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("id", id);
    c.utf8("summary", summary, 100'000);
    if (summary_through_seq < 0) c.fail("summary_through_seq", "expected 0 or more");
    if (!c.ok()) return c.errors;
    return in_tx<Done>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
      auto r = db.run("SELECT last_seq FROM conversations WHERE id = $1 AND location_id = $2",
                      P({text(id), text(s.location_id)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty()) return not_found("id", "conversation '" + id + "' does not exist in this location");
      if (summary_through_seq > r.value().integer(0, 0))
        return invalid("summary_through_seq", "is past the last message (seq " +
                                                  std::to_string(r.value().integer(0, 0)) + ")");
      r = db.run("UPDATE conversations SET stage = $3, summary = $4, summary_through_seq = $5, updated_at = $6 "
                 "WHERE id = $1 AND location_id = $2",
                 P({text(id), text(s.location_id), text(name_of(stage)), text(summary), integer(summary_through_seq),
                    text(now_rfc3339())}));
      if (!r.ok()) return r.errors();
      return Done{};
    });
  }

  Result<Message> append_message(const Scope& s, const Message& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    Message m = input;
    Checks c;
    check_location(c, s, m.location_id, "message.location_id");
    c.id("message.conversation_id", m.conversation_id);
    c.id("message.id", m.id, false);
    c.id("message.agent_id", m.agent_id, false);
    if (m.role != "user" && m.role != "assistant") c.fail("message.role", "expected user or assistant");
    check_message_fields(c, m);
    if (!c.ok()) return c.errors;
    if (m.id.empty()) m.id = random_id("msg_");
    m.created_at = m.updated_at = now_rfc3339();
    return in_tx<Message>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<Message> {
      // The conversation row is the lock that orders appends: seqs are dense and never reused.
      auto r = db.run("UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3 "
                      "WHERE id = $1 AND location_id = $2 RETURNING last_seq",
                      P({text(m.conversation_id), text(s.location_id), text(m.created_at)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty())
        return not_found("message.conversation_id", "conversation '" + m.conversation_id + "' does not exist in this location");
      m.seq = r.value().integer(0, 0);
      r = db.run("INSERT INTO messages (" + kMessageColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                 "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)",
                 P({text(m.id), text(m.conversation_id), text(m.location_id), integer(m.seq), text(m.role),
                    text(m.content), text(to_string(m.status)), text(m.surface), text(m.specialist), text(m.model),
                    integer(m.usage.input_tokens), integer(m.usage.output_tokens),
                    integer(m.usage.cache_creation_input_tokens), integer(m.usage.cache_creation_1h_input_tokens),
                    integer(m.usage.cache_read_input_tokens), real(m.cost_usd), integer(m.latency_ms),
                    text(m.event_id), text(m.agent_id), text(m.created_at)}));
      if (!r.ok()) return r.errors();
      return m;
    });
  }

  Result<Done> update_message(const Scope& s, const Message& m) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("message.id", m.id);
    c.id("message.conversation_id", m.conversation_id, false);
    check_message_fields(c, m);
    if (!c.ok()) return c.errors;
    return in_tx<Done>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
      // Model, specialist and event id are often known only at the end: empty keeps the stored one.
      auto r = db.run(
          "UPDATE messages SET content = $3, status = $4, input_tokens = $5, output_tokens = $6, "
          "cache_creation_input_tokens = $7, cache_creation_1h_input_tokens = $8, cache_read_input_tokens = $9, "
          "cost_usd = $10, latency_ms = $11, "
          "model = CASE WHEN $12 = '' THEN model ELSE $12 END, "
          "specialist = CASE WHEN $13 = '' THEN specialist ELSE $13 END, "
          "event_id = CASE WHEN $14 = '' THEN event_id ELSE $14 END, updated_at = $15 "
          "WHERE id = $1 AND location_id = $2 AND ($16 = '' OR conversation_id = $16)",
          P({text(m.id), text(s.location_id), text(m.content), text(to_string(m.status)),
             integer(m.usage.input_tokens), integer(m.usage.output_tokens),
             integer(m.usage.cache_creation_input_tokens), integer(m.usage.cache_creation_1h_input_tokens),
             integer(m.usage.cache_read_input_tokens), real(m.cost_usd), integer(m.latency_ms), text(m.model),
             text(m.specialist), text(m.event_id), text(now_rfc3339()), text(m.conversation_id)}));
      if (!r.ok()) return r.errors();
      if (r.value().affected() == 0) return not_found("message.id", "message '" + m.id + "' does not exist in this location");
      return Done{};
    });
  }

  Result<std::vector<Message>> list_messages(const Scope& s, const std::string& conversation_id,
                                             std::int64_t after_seq, std::int64_t limit) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("conversation_id", conversation_id);
    if (after_seq < 0) c.fail("after_seq", "expected 0 or more");
    c.range("limit", limit, 1, 10'000);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kMessageColumns + " FROM messages WHERE location_id = $1 AND conversation_id = $2 "
                     "AND seq > $3 ORDER BY seq LIMIT $4",
                     P({text(s.location_id), text(conversation_id), integer(after_seq), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<Message>(r.value(), decode_message);
  }

  Result<std::optional<Message>> get_message(const Scope& s, const std::string& id) override {
    return find_by_id<Message>(db_, s, id, "messages", kMessageColumns, decode_message);
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Transcript> make_sql_transcript(Database& db) { return std::make_unique<SqlTranscript>(db); }

}  // namespace porchlight::store::detail
