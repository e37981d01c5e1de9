// cached_store.cpp: the cache-aside decorator.
//
// Keys name the tenant ("pl1|p|<location>|<profile id>"); '|' cannot occur in an id, so two
// tenants' keys never meet. Values are JSON, except profiles (a compact record, see [1]). A value
// that does not decode is treated as a miss.
//
// A read that misses fills the cache only if no write to the same key began meanwhile: each key
// hashes to a generation counter that writers bump after they commit, and a reader that sees the
// counter move after its fill removes what it just wrote. Without that, a read that started
// before a write could put the old value back after the write's invalidation.
//
// Sections:
//   [1] codecs
//   [2] cache-aside: keys and write generations
//   [3] profiles
//   [4] session context
//   [5] the store

#include "store/cached_store.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <set>

namespace porchlight::store {

namespace {

// ---- [1] codecs --------------------------------------------------------------------------------

std::optional<std::string> str(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}
std::optional<std::int64_t> int64(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

json conversation_to_json(const Conversation& c) {
  return json{{"id", c.id}, {"location_id", c.location_id}, {"agent_id", c.agent_id}, {"lead_id", c.lead_id},
              {"stage", name_of(c.stage)}, {"summary", c.summary}, {"summary_through_seq", c.summary_through_seq},
              {"created_at", c.created_at}, {"updated_at", c.updated_at}};
}

std::optional<Conversation> conversation_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  Conversation c;
  auto id = str(j, "id"), loc = str(j, "location_id"), agent = str(j, "agent_id"), lead = str(j, "lead_id"),
       stage = str(j, "stage"), summary = str(j, "summary"), created = str(j, "created_at"),
       updated = str(j, "updated_at");
  auto through = int64(j, "summary_through_seq");
  if (!id || !loc || !agent || !lead || !stage || !summary || !created || !updated || !through) return std::nullopt;
  auto st = parse_enum<ConversationStage>(*stage);
  if (!st) return std::nullopt;
  c.id = *id;
  c.location_id = *loc;
  c.agent_id = *agent;
  c.lead_id = *lead;
  c.stage = *st;
  c.summary = *summary;
  c.summary_through_seq = *through;
  c.created_at = *created;
  c.updated_at = *updated;
  return c;
}

json message_to_json(const Message& m) {
  return json{{"id", m.id}, {"conversation_id", m.conversation_id}, {"location_id", m.location_id},
              {"seq", m.seq}, {"role", m.role}, {"content", m.content}, {"status", to_string(m.status)},
              {"surface", m.surface}, {"specialist", m.specialist}, {"model", m.model},
              {"usage", to_json(m.usage)}, {"cost_usd", m.cost_usd}, {"latency_ms", m.latency_ms},
              {"event_id", m.event_id}, {"created_at", m.created_at}, {"updated_at", m.updated_at}};
}

std::optional<Message> message_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  Message m;
  auto id = str(j, "id"), cv = str(j, "conversation_id"), loc = str(j, "location_id"), role = str(j, "role"),
       content = str(j, "content"), status = str(j, "status"), surface = str(j, "surface"),
       specialist = str(j, "specialist"), model = str(j, "model"), event = str(j, "event_id"),
       created = str(j, "created_at"), updated = str(j, "updated_at");
  auto seq = int64(j, "seq"), latency = int64(j, "latency_ms");
  auto cost = j.find("cost_usd");
  auto usage_it = j.find("usage");
  if (!id || !cv || !loc || !role || !content || !status || !surface || !specialist || !model || !event ||
      !created || !updated || !seq || !latency || cost == j.end() || !cost->is_number() || usage_it == j.end())
    return std::nullopt;
  auto st = parse_message_status(*status);
  auto usage = usage_from_json(*usage_it);
  if (!st || !usage.ok()) return std::nullopt;
  m.id = *id;
  m.conversation_id = *cv;
  m.location_id = *loc;
  m.seq = *seq;
  m.role = *role;
  m.content = *content;
  m.status = *st;
  m.surface = *surface;
  m.specialist = *specialist;
  m.model = *model;
  m.usage = usage.value();
  m.cost_usd = cost->get<double>();
  m.latency_ms = *latency;
  m.event_id = *event;
  m.created_at = *created;
  m.updated_at = *updated;
  return m;
}

json parse(const std::string& s) { return json::parse(s, nullptr, false); }

// Profiles are read on every request, so their cache form is a compact length-prefixed record
// ("P1" then "<length>:<bytes>" fields) that decodes in well under a microsecond; JSON parsing
// and the model's validation would cost several. A value that does not decode is a miss.
void put_field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
}

std::string encode_profile(const AgentProfile& p) {
  std::string out = "P2";  // P2: with access and team (a P1 entry from an older proxy reads as a miss)
  put_field(out, p.id);
  put_field(out, p.location_id);
  put_field(out, p.shared_pool ? "1" : "0");
  put_field(out, std::to_string(p.served_locations.size()));
  for (const auto& l : p.served_locations) put_field(out, l);
  put_field(out, p.name);
  put_field(out, name_of(p.role));
  put_field(out, name_of(p.experience));
  put_field(out, std::to_string(p.specializations.size()));
  for (auto sp : p.specializations) put_field(out, name_of(sp));
  put_field(out, name_of(p.preferences.tone));
  put_field(out, name_of(p.preferences.verbosity));
  put_field(out, p.preferences.language);
  put_field(out, name_of(p.access));
  put_field(out, p.team_id);
  return out;
}

struct FieldReader {
  std::string_view rest;
  bool ok = true;
  std::string_view next() {
    std::size_t len = 0, i = 0;
    while (i < rest.size() && i < 8 && rest[i] >= '0' && rest[i] <= '9') len = len * 10 + static_cast<std::size_t>(rest[i++] - '0');
    if (i == 0 || i >= rest.size() || rest[i] != ':' || rest.size() - i - 1 < len) {
      ok = false;
      rest = {};
      return {};
    }
    std::string_view v = rest.substr(i + 1, len);
    rest.remove_prefix(i + 1 + len);
    return v;
  }
  std::size_t count(std::size_t max) {
    std::string_view v = next();
    std::size_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') ok = false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (v.empty() || v.size() > 3 || n > max) ok = false;
    return ok ? n : 0;
  }
  template <class E> E enumeration() {
    auto v = parse_enum<E>(next());
    if (!v) ok = false;
    return v.value_or(E{});
  }
  std::string id() {
    std::string_view v = next();
    if (!is_valid_id(v)) ok = false;
    return std::string(v);
  }
};

std::optional<AgentProfile> decode_profile(std::string_view value) {
  if (value.substr(0, 2) != "P2") return std::nullopt;
  FieldReader r{value.substr(2)};
  AgentProfile p;
  p.id = r.id();
  p.location_id = r.id();
  p.shared_pool = r.next() == "1";
  for (std::size_t i = 0, n = r.count(64); i < n && r.ok; ++i) p.served_locations.push_back(r.id());
  p.name = std::string(r.next());
  p.role = r.enumeration<AgentRole>();
  p.experience = r.enumeration<ExperienceLevel>();
  for (std::size_t i = 0, n = r.count(16); i < n && r.ok; ++i) p.specializations.push_back(r.enumeration<Specialization>());
  p.preferences.tone = r.enumeration<Tone>();
  p.preferences.verbosity = r.enumeration<Verbosity>();
  p.preferences.language = std::string(r.next());
  p.access = r.enumeration<AccessRole>();
  p.team_id = std::string(r.next());
  if (!r.ok || !r.rest.empty()) return std::nullopt;
  return p;
}

// ---- [2] cache-aside: keys and write generations -----------------------------------------------

constexpr std::size_t kMaxValueBytes = 1 << 20;

std::string profile_key(const std::string& loc, const std::string& id) { return "pl1|p|" + loc + "|" + id; }
std::string conversation_key(const std::string& loc, const std::string& id) { return "pl1|c|" + loc + "|" + id; }
std::string messages_key(const std::string& loc, const std::string& id) { return "pl1|m|" + loc + "|" + id; }

// The cache, its options and the write generations, shared by the two decorated aggregates.
class CacheAside {
 public:
  CacheAside(std::shared_ptr<cache::Cache> cache, CachedStoreOptions options)
      : cache_(std::move(cache)), options_(options) {}

  cache::Cache& cache() { return *cache_; }
  const CachedStoreOptions& options() const { return options_; }

  std::atomic<std::uint64_t>& generation(const std::string& key) {
    return generations_[std::hash<std::string>{}(key) % generations_.size()];
  }

  void fill(const std::string& key, std::uint64_t before, const std::string& value, std::chrono::milliseconds ttl) {
    cache_->set(key, value, ttl);
    if (generation(key).load() != before) cache_->invalidate(key);  // a write raced this read
  }

  // Called after a write committed: bump, then invalidate (the order fill() relies on).
  void touch(const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
      generation(key).fetch_add(1);
      cache_->invalidate(key);
    }
  }

 private:
  std::shared_ptr<cache::Cache> cache_;
  const CachedStoreOptions options_;
  std::array<std::atomic<std::uint64_t>, 256> generations_{};
};

// ---- [3] profiles ------------------------------------------------------------------------------

class CachedProfiles final : public Profiles {
 public:
  CachedProfiles(Profiles& inner, CacheAside& aside) : inner_(inner), aside_(aside) {}

  Result<std::optional<AgentProfile>> get(const Scope& s, const std::string& id) override {
    if (!is_valid_id(s.location_id) || !is_valid_id(id)) return inner_.get(s, id);  // it explains
    const std::string key = profile_key(s.location_id, id);
    if (auto hit = aside_.cache().get(key)) {
      if (*hit == "null") return std::optional<AgentProfile>{};
      if (auto p = decode_profile(*hit)) return p;
    }
    const std::uint64_t before = aside_.generation(key).load();
    auto r = inner_.get(s, id);
    if (!r.ok()) return r;
    if (r.value()) aside_.fill(key, before, encode_profile(*r.value()), aside_.options().profile_ttl);
    else aside_.fill(key, before, "null", aside_.options().not_found_ttl);
    return r;
  }

  Result<AgentProfile> put(const Scope& s, const AgentProfile& p) override {
    const auto before = served_by(s, p.id);
    auto r = inner_.put(s, p);
    if (r.ok()) touch_profile(s, p.id, before, r.value().served_locations);
    return r;
  }

  Result<bool> remove(const Scope& s, const std::string& id) override {
    const auto before = served_by(s, id);
    auto r = inner_.remove(s, id);
    if (r.ok()) touch_profile(s, id, before, {});
    return r;
  }

  // A consent given or taken back changes which pools' profiles `s` sees: every profile from
  // elsewhere that `s` saw before or sees after is dropped from its cache.
  Result<std::vector<std::string>> accept_pools(const Scope& s, const std::vector<std::string>& homes) override {
    auto before = inner_.list(s);
    auto r = inner_.accept_pools(s, homes);
    if (!r.ok()) return r;
    auto after = inner_.list(s);
    std::vector<std::string> keys;
    for (const auto* seen : {&before, &after}) {
      if (!seen->ok()) continue;
      for (const auto& p : seen->value())
        if (p.location_id != s.location_id) keys.push_back(profile_key(s.location_id, p.id));
    }
    aside_.touch(keys);
    return r;
  }

  // Not cached.
  Result<std::vector<std::string>> accepted_pools(const Scope& s) override { return inner_.accepted_pools(s); }
  Result<std::vector<std::string>> accepting(const Scope& s, const std::vector<std::string>& locations) override {
    return inner_.accepting(s, locations);
  }
  Result<std::vector<AgentProfile>> list(const Scope& s) override { return inner_.list(s); }
  Result<AgentSession> put_session(const Scope& s, const AgentSession& x) override { return inner_.put_session(s, x); }
  Result<std::optional<AgentSession>> get_session(const Scope& s, const std::string& id) override {
    return inner_.get_session(s, id);
  }

 private:
  // The locations a profile is visible in before a write, so that all their keys are dropped.
  std::vector<std::string> served_by(const Scope& s, const std::string& id) {
    if (!is_valid_id(s.location_id) || !is_valid_id(id)) return {};
    auto current = inner_.get(s, id);
    if (!current.ok() || !current.value() || current.value()->location_id != s.location_id) return {};
    return current.value()->served_locations;
  }

  void touch_profile(const Scope& s, const std::string& id, const std::vector<std::string>& before,
                     const std::vector<std::string>& after) {
    std::set<std::string> locations(before.begin(), before.end());
    locations.insert(after.begin(), after.end());
    locations.insert(s.location_id);
    std::vector<std::string> keys;
    for (const auto& loc : locations) keys.push_back(profile_key(loc, id));
    aside_.touch(keys);
  }

  Profiles& inner_;
  CacheAside& aside_;
};

// ---- [4] session context: the conversation and the tail of its transcript ----------------------

class CachedTranscript final : public Transcript {
 public:
  CachedTranscript(Transcript& inner, CacheAside& aside) : inner_(inner), aside_(aside) {}

  Result<std::optional<Conversation>> get_conversation(const Scope& s, const std::string& id) override {
    if (!is_valid_id(s.location_id) || !is_valid_id(id)) return inner_.get_conversation(s, id);
    const std::string key = conversation_key(s.location_id, id);
    if (auto hit = aside_.cache().get(key))
      if (auto c = conversation_from_json(parse(*hit))) return std::optional<Conversation>(std::move(*c));
    const std::uint64_t before = aside_.generation(key).load();
    auto r = inner_.get_conversation(s, id);
    if (r.ok() && r.value())
      aside_.fill(key, before, conversation_to_json(*r.value()).dump(), aside_.options().conversation_ttl);
    return r;
  }

  Result<Done> update_conversation(const Scope& s, const std::string& id, ConversationStage stage,
                                   const std::string& summary, std::int64_t through) override {
    auto r = inner_.update_conversation(s, id, stage, summary, through);
    if (r.ok()) aside_.touch({conversation_key(s.location_id, id)});
    return r;
  }

  Result<Message> append_message(const Scope& s, const Message& m) override {
    auto r = inner_.append_message(s, m);
    if (r.ok())
      aside_.touch({conversation_key(s.location_id, m.conversation_id), messages_key(s.location_id, m.conversation_id)});
    return r;
  }

  Result<Done> update_message(const Scope& s, const Message& m) override {
    std::string conversation = m.conversation_id;
    if (conversation.empty() && is_valid_id(s.location_id) && is_valid_id(m.id)) {
      auto found = inner_.get_message(s, m.id);
      if (!found.ok()) return found.errors();  // the store is down: the update would fail too
      if (found.value()) conversation = found.value()->conversation_id;
    }
    auto r = inner_.update_message(s, m);
    if (r.ok() && !conversation.empty()) aside_.touch({messages_key(s.location_id, conversation)});
    return r;
  }

  // Served from a cached tail {from, messages} when it covers the request: the tail holds every
  // message with seq > from as of when it was read, and any append since would have dropped it.
  Result<std::vector<Message>> list_messages(const Scope& s, const std::string& conversation_id,
                                             std::int64_t after_seq, std::int64_t limit) override {
    if (!is_valid_id(s.location_id) || !is_valid_id(conversation_id) || after_seq < 0 || limit < 1 ||
        limit >= aside_.options().max_cached_messages)
      return inner_.list_messages(s, conversation_id, after_seq, limit);
    const std::string key = messages_key(s.location_id, conversation_id);
    if (auto hit = aside_.cache().get(key)) {
      if (auto tail = decode_tail(*hit); tail && tail->first <= after_seq) {
        std::vector<Message> out;
        for (Message& m : tail->second)
          if (m.seq > after_seq && static_cast<std::int64_t>(out.size()) < limit) out.push_back(std::move(m));
        return out;
      }
    }
    const std::uint64_t before = aside_.generation(key).load();
    auto r = inner_.list_messages(s, conversation_id, after_seq, limit + 1);  // one more: is this the end?
    if (!r.ok()) return r;
    std::vector<Message> out = std::move(r).value();
    const bool complete = static_cast<std::int64_t>(out.size()) <= limit;
    if (!complete) out.resize(static_cast<std::size_t>(limit));
    if (complete) {
      json messages = json::array();
      for (const Message& m : out) messages.push_back(message_to_json(m));
      std::string value = json{{"from", after_seq}, {"messages", std::move(messages)}}.dump();
      if (value.size() <= kMaxValueBytes) aside_.fill(key, before, value, aside_.options().conversation_ttl);
    }
    return out;
  }

  // Not cached.
  Result<Conversation> open_conversation(const Scope& s, const Conversation& c) override {
    return inner_.open_conversation(s, c);
  }
  Result<std::optional<Message>> get_message(const Scope& s, const std::string& id) override {
    return inner_.get_message(s, id);
  }

 private:
  static std::optional<std::pair<std::int64_t, std::vector<Message>>> decode_tail(const std::string& value) {
    json j = parse(value);
    if (!j.is_object()) return std::nullopt;
    auto from = int64(j, "from");
    auto it = j.find("messages");
    if (!from || it == j.end() || !it->is_array()) return std::nullopt;
    std::vector<Message> out;
    for (const json& m : *it) {
      auto msg = message_from_json(m);
      if (!msg) return std::nullopt;
      out.push_back(std::move(*msg));
    }
    return std::pair{*from, std::move(out)};
  }

  Transcript& inner_;
  CacheAside& aside_;
};

// ---- [5] the store: the two decorated aggregates, and the inner store's others as they are -----

class CachedStore final : public Store {
 public:
  CachedStore(std::unique_ptr<Store> inner, std::shared_ptr<cache::Cache> cache, CachedStoreOptions options)
      : CachedStore(*inner, std::make_shared<CacheAside>(std::move(cache), options)) {
    owned_ = std::move(inner);
  }

  std::string_view backend() const override { return inner_.backend(); }
  Result<Done> ping() override { return inner_.ping(); }

  Profiles& profiles() override { return profiles_; }
  Transcript& transcript() override { return transcript_; }

  Admin& admin() override { return inner_.admin(); }
  CoachingHistory& coaching_history() override { return inner_.coaching_history(); }
  Ledger& ledger() override { return inner_.ledger(); }
  Experiments& experiments() override { return inner_.experiments(); }
  WebhookInbox& webhook_inbox() override { return inner_.webhook_inbox(); }
  LeadStages& lead_stages() override { return inner_.lead_stages(); }
  GhlLinks& ghl_links() override { return inner_.ghl_links(); }
  Leads& leads() override { return inner_.leads(); }
  LiveCards& live_cards() override { return inner_.live_cards(); }
  Outcomes& outcomes() override { return inner_.outcomes(); }
  Analytics& analytics() override { return inner_.analytics(); }

  // Inside, profiles and transcript go through the cache over the joined store: a write still
  // invalidates what it touches (before the commit: an invalidation is never wrong).
  Result<Done> atomically(const Scope& s, const std::function<Result<Done>(Store&)>& work) override {
    return inner_.atomically(s, [&](Store& joined) -> Result<Done> {
      CachedStore inside(joined, aside_);
      return work(inside);
    });
  }

  Result<std::vector<Result<Done>>> atomically_each(const Scope& s, const std::vector<Work>& works) override {
    std::vector<Work> cached;
    cached.reserve(works.size());
    for (const auto& work : works)
      cached.push_back([this, &work](Store& joined) -> Result<Done> {
        CachedStore inside(joined, aside_);
        return work(inside);
      });
    return inner_.atomically_each(s, cached);
  }

 private:
  CachedStore(Store& inner, std::shared_ptr<CacheAside> aside)
      : inner_(inner), aside_(std::move(aside)), profiles_(inner.profiles(), *aside_), transcript_(inner.transcript(), *aside_) {}

  std::unique_ptr<Store> owned_;  // the inner store (none for a view over a joined one)
  Store& inner_;
  std::shared_ptr<CacheAside> aside_;
  CachedProfiles profiles_;
  CachedTranscript transcript_;
};

}  // namespace

std::unique_ptr<Store> make_cached_store(std::unique_ptr<Store> inner, std::shared_ptr<cache::Cache> cache,
                                         CachedStoreOptions options) {
  return std::make_unique<CachedStore>(std::move(inner), std::move(cache), options);
}

}  // namespace porchlight::store
