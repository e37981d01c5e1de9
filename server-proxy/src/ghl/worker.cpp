// ghl/worker.cpp: the webhook inbox worker (ghl/worker.hpp).

#include "ghl/worker.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "ghl/events.hpp"
#include "ghl/links.hpp"
#include "ghl/sign_in.hpp"
#include "handlers/json_util.hpp"
#include "handlers/lead_moves.hpp"
#include "learn/outcomes.hpp"
#include "live/suggestion.hpp"
#include "log.hpp"
#include "porchlight/qualify.hpp"

namespace porchlight::proxy {

namespace {

constexpr std::int64_t kBatch = 100;
constexpr auto kPoll = std::chrono::milliseconds(250);

// A claimed inbox row and its body, parsed once.
struct Event {
  store::WebhookRecord record;
  json body;
};

// What an event changes, written with its inbox outcome in one transaction (store.atomically):
// a crash leaves all of it or none, and an event is never half applied.
struct Effects {
  std::optional<store::LeadRecord> lead;      // upserted
  std::optional<store::LeadMessage> message;  // appended once (by its id)
  std::string lead_id;                        // whose moves
  std::vector<store::StageChange> moves;      // appended after `moves_after`, the seq read
  std::int64_t moves_after = 0;
  std::optional<store::LiveCard> card;        // stored once, then published
  std::optional<learning::OutcomeReport> outcome;  // credited to the lead's coaching (once per event)
  bool empty() const { return !lead && !message && moves.empty() && !card && !outcome; }
};

// What applying an event came to.
struct Applied {
  bool ok = true;
  bool permanent = false;  // retrying cannot help (a bad payload, a location not linked)
  std::string message;     // the error, or a note for an event that changed nothing
  store::Scope scope;      // the location its effects belong to
  Effects effects;
  static Applied fail(std::string why, bool permanent = false) { return {false, permanent, std::move(why), {}, {}}; }
  static Applied note(std::string what) { return {true, false, std::move(what), {}, {}}; }
};

// RFC 3339, `seconds` from now.
std::string seconds_from_now(std::int64_t seconds) {
  return store::detail::timestamp_at(store::detail::now_unix_micros() + seconds * 1'000'000);
}

}  // namespace

// The worker's loop runs on its strand and claims events; each lead's events run on a strand of
// their own, one at a time and in order, so that leads are worked on in parallel. The loop claims
// more while fewer than half a batch are in flight: a slow event holds up its own lead only.
struct WebhookWorker::Impl : std::enable_shared_from_this<Impl> {
  Impl(App& a, net::io_context& own) : app(a), io(own), strand(net::make_strand(own)), timer(strand) {}

  App& app;
  net::io_context& io;  // the worker's own event loop (WebhookWorker)
  // How much nicer than the requests the worker's threads run. PostgreSQL: a notch below
  // (kBelowRequests), so that a backlog of events does not take the cores from the requests (a
  // webhook's acknowledgement among them). SQLite: the requests' own, since acknowledgements wait
  // there only for the committer (store::GroupCommit, which serves them first), and a niced
  // worker waited about 30 ms for a core at each step of an event on two busy cores, falling
  // behind at 1,000 webhooks a second (bench/webhooks: card p95 1.3 s against 0.5 s).
  const int niceness = app.store().backend() == "sqlite" ? 0 : kBelowRequests;
  // The worker's store calls have threads of their own: they must not queue ahead of the requests
  // on the app's pool. PostgreSQL runs their transactions at once (bench/webhooks: a backlog
  // clears about 30% sooner with 12 threads than with 4); SQLite has one writer, and the worker's
  // writes wait for the committer without a thread (group_write).
  WorkerPool pool{app.store().backend() == "sqlite" ? 4u : 12u, niceness};
  net::strand<net::io_context::executor_type> strand;
  net::steady_timer timer;
  bool woken = false;
  std::mutex flight_mu;  // guards the two below
  std::size_t in_flight = 0;                         // claimed and not yet finished
  std::map<std::string, std::deque<Event>> waiting;  // by lead: the events behind the running one
  PendingWrites writes;  // group_write's, whose completions have not run yet
  std::mutex jitter_mu;
  std::mt19937 jitter{std::random_device{}()};

  template <class F>
  auto db(const F& f) {
    return pool.blocking(f);
  }

  awaitable<void> run() {
    auto self = shared_from_this();
    while (!app.stopping) {
      std::size_t room = 0;
      {
        std::lock_guard lock(flight_mu);
        if (in_flight < kBatch / 2) room = static_cast<std::size_t>(kBatch) - in_flight;
      }
      if (room > 0) {
        const auto stale = app.config().webhook_claim_timeout;
        auto claim = [this, stale, room] { return app.store().webhook_inbox().claim(static_cast<std::int64_t>(room), stale); };
        auto claimed = co_await db(claim);
        if (claimed && !claimed.value().empty()) {
          co_await start(std::move(claimed).value());
          continue;  // more may be waiting
        }
        if (!claimed) log::write(log::Level::warn, "webhook worker: cannot claim: " + claimed.errors().front().message);
      }
      if (woken) {  // an event arrived, or the events in flight fell below half a batch
        woken = false;
        continue;
      }
      timer.expires_after(kPoll);
      auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      (void)ec;
    }
  }

  // Each claimed event joins its lead's line (a lead's events run in order, different leads' at
  // once). Installs and uninstalls run first, one by one: the events after them depend on the
  // link they make.
  awaitable<void> start(std::vector<store::WebhookRecord> batch) {
    for (auto& w : batch) {
      Event e{std::move(w), {}};
      e.body = json::parse(e.record.body, nullptr, false);
      if (e.record.event_type == "INSTALL" || e.record.event_type == "UNINSTALL") {
        co_await handle(std::move(e));
        continue;
      }
      const std::string contact = ghl::contact_of(e.body);
      std::string key = contact.empty() ? "event:" + e.record.id : e.record.external_location + "/" + contact;
      std::lock_guard lock(flight_mu);
      ++in_flight;
      if (auto line = waiting.find(key); line != waiting.end()) {
        line->second.push_back(std::move(e));
      } else {
        waiting.emplace(key, std::deque<Event>{});
        net::co_spawn(net::make_strand(io), run_lead(std::move(key), std::move(e)), net::detached);
      }
    }
  }

  // One lead's events, the first and then those that joined its line meanwhile.
  awaitable<void> run_lead(std::string key, Event e) {
    auto self = shared_from_this();
    for (;;) {
      co_await handle(std::move(e));
      std::lock_guard lock(flight_mu);
      if (in_flight-- == kBatch / 2) wake();  // room to claim more
      auto line = waiting.find(key);
      if (line->second.empty()) {
        waiting.erase(line);
        co_return;
      }
      e = std::move(line->second.front());
      line->second.pop_front();
    }
  }

  void wake() {
    net::post(strand, [self = shared_from_this()] {
      self->woken = true;
      self->timer.cancel();
    });
  }

  // One event: apply it, then record its effects and how it went (done, retry later, or the
  // dead letter). A card is published once its transaction has committed.
  awaitable<void> handle(Event e) {
    const store::WebhookRecord& w = e.record;
    Applied a;
    try {
      a = co_await apply(w, e.body);
    } catch (const std::exception& e) {  // a bug: keep the event, count it, go on
      a = Applied::fail(std::string("internal error: ") + e.what());
    }
    const store::Scope scope{w.location_id};
    const std::string type = w.event_type.empty() ? "unknown" : w.event_type;
    Result<store::Done> recorded = store::Done{};
    if (a.ok) {
      recorded = co_await commit(w, a);
      if (!recorded && recorded.errors().front().code != "store.unavailable") {  // e.g. the lead moved meanwhile
        a = Applied::fail(recorded.errors().front().message);
        recorded = store::Done{};
      }
    }
    if (a.ok) {
      app.metrics().count("porchlight_webhooks_processed_total", {{"type", type}, {"result", "done"}});
      if (recorded && a.effects.card) co_await publish(a.scope, a.effects.card->agent_id, a.effects.card->card_json);
    } else if (a.permanent || w.attempts >= app.config().webhook_max_attempts) {
      const std::string why = a.permanent ? a.message : "dead letter after " + std::to_string(w.attempts) + " attempts: " + a.message;
      recorded = co_await db([&] { return app.store().webhook_inbox().finish(scope, w.id, false, why); });
      app.metrics().count("porchlight_webhooks_processed_total", {{"type", type}, {"result", a.permanent ? "kept" : "dead"}});
      log::write(log::Level::warn, "webhook " + w.id + " (" + type + ") failed: " + why);
    } else {
      // 2 s, 4 s, 8 s ... up to 10 minutes, with jitter so a burst of failures does not return at once.
      const std::int64_t base = std::min<std::int64_t>(600, std::int64_t{1} << std::min<std::int64_t>(w.attempts, 9));
      std::int64_t wait = base;
      {
        std::lock_guard lock(jitter_mu);
        wait += std::uniform_int_distribution<std::int64_t>(0, base / 2)(jitter);
      }
      const std::string when = seconds_from_now(wait);
      recorded = co_await db([&] { return app.store().webhook_inbox().retry_later(scope, w.id, a.message, when); });
      app.metrics().count("porchlight_webhooks_processed_total", {{"type", type}, {"result", "retry"}});
    }
    // Not recorded (the store went away): the claim goes stale and the event is taken again.
    if (!recorded) log::write(log::Level::warn, "webhook " + w.id + ": cannot record its outcome: " + recorded.errors().front().message);
    // Kept for a location not linked: its INSTALL may have linked it meanwhile (on another
    // instance, after that INSTALL requeued what was waiting). Then it goes back to pending now.
    if (recorded && a.permanent && a.message.rfind("ghl.unknown_location", 0) == 0 && !w.external_location.empty()) {
      auto link = co_await db([&] { return app.store().ghl_links().find(w.external_location); });
      if (link && link.value() && link.value()->installed)
        (void)co_await db([&] { return app.store().webhook_inbox().requeue(w.id, false); });
    }
  }

  // The event's effects and its `done`, in one transaction. An event kept in the intake before
  // its location was linked has its row there: its effects commit first, then the row (each
  // effect is keyed, so a crash between the two changes nothing twice).
  awaitable<Result<store::Done>> commit(const store::WebhookRecord& w, const Applied& a) {
    const store::Scope row{w.location_id};
    const Effects& fx = a.effects;
    auto finish = [&](store::Store& tx) { return tx.webhook_inbox().finish(row, w.id, true, a.message); };
    auto write = [&](store::Store& tx) -> Result<store::Done> {
      const store::Scope& s = a.scope;
      if (fx.lead)
        if (auto put = tx.leads().put(s, *fx.lead); !put) return put.errors();
      if (fx.message) {
        auto appended = tx.leads().append_message(s, *fx.message);
        if (!appended && appended.errors().front().code == "store.invalid") {  // an odd date: the time we got it
          store::LeadMessage m = *fx.message;
          m.at.clear();
          appended = tx.leads().append_message(s, m);
        }
        if (!appended) return appended.errors();
      }
      if (!fx.moves.empty())
        if (auto moved = tx.lead_stages().append(s, fx.lead_id, fx.moves_after, fx.moves); !moved)
          return moved.errors();
      if (fx.card)
        if (auto put = tx.live_cards().put(s, *fx.card); !put) return put.errors();
      if (fx.outcome)
        if (auto recorded = learning::record_outcome(tx, s, *fx.outcome); !recorded) return recorded.errors();
      return store::Done{};
    };
    const store::Store::Work finish_only = finish;
    if (fx.empty() || a.scope.location_id.empty()) co_return co_await group_write(row, finish_only);
    const store::Store::Work write_and_finish = [&](store::Store& tx) -> Result<store::Done> {
      if (auto done = write(tx); !done) return done;
      return finish(tx);
    };
    if (a.scope.location_id == row.location_id)  // with other events' (group commit)
      co_return co_await group_write(row, write_and_finish);
    auto written = co_await db([&] { return app.store().atomically(a.scope, write); });
    if (!written) co_return written;
    co_return co_await db([&] { return finish(app.store()); });
  }

  // A write in the group commit, behind the acknowledgements, without holding one of the pool's
  // threads (group_write.hpp): the events in flight then share commits. (With a thread waiting
  // for each, the threads ran out first: bench/webhooks' worker kept 790 events a second against
  // 900 with this.)
  awaitable<Result<store::Done>> group_write(const store::Scope& s, const store::Store::Work& work) {
    return proxy::group_write(app.group_commit(), pool, s, work, store::GroupCommit::Lane::background, &writes);
  }

  awaitable<Applied> apply(const store::WebhookRecord& w, const json& body) {
    if (!body.is_object()) co_return Applied::fail("the stored body is not a JSON object", true);
    const std::string type = ghl::str(body, "type");
    if (type == "INSTALL") co_return co_await install(w, body);
    if (type == "UNINSTALL") co_return co_await uninstall(w);
    if (w.external_location.empty()) co_return Applied::fail("the event names no locationId", true);

    auto link = co_await ghl::find_link(app, w.external_location);
    if (!link) co_return Applied::fail(link.errors().front().message);
    if (!link.value() || !link.value()->installed)  // the cache may lag a link just made elsewhere
      link = co_await db([&] { return app.store().ghl_links().find(w.external_location); });
    if (!link) co_return Applied::fail(link.errors().front().message);
    if (!link.value() || !link.value()->installed)
      co_return Applied::fail("ghl.unknown_location: GoHighLevel location " + w.external_location +
                                  " is not linked (no INSTALL yet, or uninstalled); the event is kept and runs once it is",
                              true);
    const store::Scope scope{link.value()->location_id};
    const ghl::LocationConfig config = ghl::parse_location_config(json::parse(link.value()->config_json, nullptr, false));
    Context ctx{w, body, scope, config};

    if (type == "ContactCreate" || type == "ContactUpdate" || type == "ContactTagUpdate" || type == "ContactDndUpdate")
      co_return co_await contact(ctx, false);
    if (type == "ContactDelete") co_return co_await contact(ctx, true);
    if (type.rfind("Opportunity", 0) == 0) co_return co_await opportunity(ctx);
    if (type == "AppointmentCreate" || type == "AppointmentUpdate") co_return co_await appointment(ctx);
    if (type == "NoteCreate" || type == "TaskCreate") co_return co_await note_or_task(ctx, type == "TaskCreate");
    if (type == "InboundMessage" || type == "OutboundMessage") co_return co_await message(ctx, type == "InboundMessage");
    co_return Applied::note("ignored: Porchlight does not use " + type + " events");
  }

  struct Context {
    const store::WebhookRecord& w;
    const json& body;
    store::Scope scope;
    ghl::LocationConfig config;
    std::string source() const { return "ghl:" + w.id; }
    // Taken before (a worker died mid-event, or an operator replays it): side effects may exist
    // already, so each is looked for first. A first attempt skips those reads.
    bool again() const { return w.attempts > 1 || !w.processed_at.empty(); }
  };

  // ---- locations ----

  awaitable<Applied> install(const store::WebhookRecord& w, const json& body) {
    std::vector<std::string> ids;
    if (auto id = ghl::str(body, "locationId"); !id.empty()) ids.push_back(id);
    if (body.contains("locationIds") && body["locationIds"].is_array())
      for (const auto& id : body["locationIds"])
        if (id.is_string() && ids.size() < 1000) ids.push_back(id.get<std::string>());
    if (ids.empty()) co_return Applied::note("a company-level install names no location: nothing to link");
    const std::string company = ghl::str(body, "companyName");
    for (const auto& ghl_id : ids) {
      if (!is_valid_id(ghl_id)) co_return Applied::fail("locationId is not a valid id", true);
      auto link = co_await ghl::find_link(app, ghl_id);
      if (!link) co_return Applied::fail(link.errors().front().message);
      store::GhlLink l;
      if (link.value()) {
        l = *link.value();
      } else {
        // A new GoHighLevel location becomes a Porchlight location of the same id.
        const std::string name = (company.empty() ? std::string("GoHighLevel") : company) + " (" + ghl_id + ")";
        auto made = co_await db([&] { return app.store().admin().ensure_location(ghl_id, name); });
        if (!made) co_return Applied::fail(made.errors().front().message);
        l.ghl_location_id = ghl_id;
        l.location_id = ghl_id;
      }
      l.installed = true;
      auto put = co_await ghl::put_link(app, l);
      if (!put) co_return Applied::fail(put.errors().front().message, put.errors().front().code == "store.conflict");
      // Events that arrived before the install wait in the intake: now they can run.
      auto requeued = co_await db([&] { return app.store().webhook_inbox().requeue_location(store::Scope{ghl::kIntakeLocation}, ghl_id); });
      if (!requeued) co_return Applied::fail(requeued.errors().front().message);
      log::write(log::Level::info, "GoHighLevel location " + ghl_id + " installed as location " + l.location_id + " (" +
                                       std::to_string(requeued.value()) + " waiting events requeued)");
    }
    (void)w;
    co_return Applied{};
  }

  awaitable<Applied> uninstall(const store::WebhookRecord& w) {
    if (w.external_location.empty()) co_return Applied::note("a company-level uninstall names no location: nothing to unlink");
    auto link = co_await ghl::find_link(app, w.external_location);
    if (!link) co_return Applied::fail(link.errors().front().message);
    if (!link.value()) co_return Applied::note("not linked: nothing to uninstall");
    store::GhlLink l = *link.value();
    l.installed = false;
    // The widget's key goes with the app: its pages and agent tokens stop working now, not when
    // the tokens expire. A new install signs in with a new key.
    if (!l.publishable_key.empty()) {
      auto revoked = co_await db([&] { return ghl::revoke_link_key(app.store(), l.publishable_key); });
      if (!revoked) co_return Applied::fail(revoked.errors().front().message);
      l.publishable_key.clear();
    }
    auto put = co_await ghl::put_link(app, l);
    if (!put) co_return Applied::fail(put.errors().front().message);
    co_return Applied{};
  }

  // ---- leads ----

  // What an event about a lead reads first, in one trip to the pool: the lead (a new one if the
  // CRM's contact is new here), its last stage move, and whether this event moved it already.
  struct LeadState {
    store::LeadRecord lead;
    bool stored = false;
    std::optional<store::StageChange> last;
    bool moved_already = false;  // a move with this event's source exists (the event is replayed)
  };

  awaitable<Result<LeadState>> read_lead(const Context& c, const std::string& id) {
    auto read = [&]() -> Result<LeadState> {
      LeadState st;
      auto got = app.store().leads().get(c.scope, id);
      if (!got) return got.errors();
      if (got.value()) {
        st.lead = *got.value();
        st.stored = true;
      } else {
        st.lead.location_id = c.scope.location_id;
        st.lead.id = id;
      }
      auto last = app.store().lead_stages().last(c.scope, id);
      if (!last) return last.errors();
      st.last = last.value();
      if (c.again() && st.last) {
        auto history = app.store().lead_stages().history(c.scope, id, 50);
        if (!history) return history.errors();
        for (const auto& h : history.value()) st.moved_already |= h.source == c.source();
      }
      return st;
    };
    co_return co_await db(read);
  }

  static Lead core_lead(const store::LeadRecord& r) {
    Lead l;
    l.id = r.id;
    l.name = r.name;
    l.facts = r.facts;
    return l;
  }

  // The agent's profile; a GoHighLevel user seen for the first time gets a default one (the
  // agent sets role and experience in the widget). No agent: an "unknown" one, not stored.
  awaitable<Result<AgentProfile>> agent_profile(const Context& c, const std::string& agent_id) {
    AgentProfile p;
    p.id = agent_id.empty() ? "unknown" : agent_id;
    if (agent_id.empty()) co_return p;
    auto got = co_await db([&] { return app.store().profiles().get(c.scope, agent_id); });
    if (!got) co_return got.errors();
    if (got.value()) co_return *got.value();
    p.location_id = c.scope.location_id;
    p.name = "GoHighLevel user " + agent_id;
    auto put = co_await db([&] { return app.store().profiles().put(c.scope, p); });
    if (!put) co_return put.errors();
    co_return put.value();
  }

  // The stage moves the event makes, into `a`'s effects (once: a replayed event that moved the
  // lead already moves it no more). Returns where the lead stands after them.
  ConversationStage plan_moves(const Context& c, Applied& a, const LeadState& st, const AgentProfile& agent,
                               const store::LeadRecord& lead, std::optional<ConversationStage> crm_stage,
                               const std::vector<std::string>& events) {
    const ConversationStage now = st.last ? st.last->to : ConversationStage::new_lead;
    if ((!crm_stage && events.empty()) || st.moved_already) return now;
    LeadMoves moves = plan_lead_moves(app, st.last, agent, core_lead(lead), crm_stage, events, c.source());
    a.effects.lead_id = lead.id;
    a.effects.moves_after = moves.after_seq;
    a.effects.moves = std::move(moves.changes);
    return moves.stage;
  }

  // An applied event whose effects are the lead (when it changed or is new) and `extra`.
  static Applied changed(const Context& c, const LeadState& st, const store::LeadRecord& l) {
    Applied a;
    a.scope = c.scope;
    if (!st.stored || l.agent_id != st.lead.agent_id || l.sms_opt_out != st.lead.sms_opt_out || l.facts != st.lead.facts ||
        l.deleted != st.lead.deleted || l.name != st.lead.name || l.email != st.lead.email || l.phone != st.lead.phone ||
        l.tags != st.lead.tags || l.source != st.lead.source)
      a.effects.lead = l;
    return a;
  }

  awaitable<Applied> contact(const Context& c, bool deleted) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the contact has no valid id", true);
    auto st = co_await read_lead(c, id);
    if (!st) co_return Applied::fail(st.errors().front().message);
    store::LeadRecord l = st.value().lead;
    if (deleted) l.deleted = true;
    else ghl::apply_contact(c.body, c.config, l);
    co_return changed(c, st.value(), l);
  }

  awaitable<Applied> opportunity(const Context& c) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the opportunity has no valid contactId", true);
    auto st = co_await read_lead(c, id);
    if (!st) co_return Applied::fail(st.errors().front().message);
    store::LeadRecord l = st.value().lead;
    if (auto assigned = ghl::agent_for(c.config, ghl::str(c.body, "assignedTo")); !assigned.empty()) l.agent_id = assigned;
    if (auto value = c.body.find("monetaryValue"); value != c.body.end() && value->is_number() && value->get<double>() > 0)
      l.facts["opportunity_value"] = value->dump();
    const std::string status = ghl::str(c.body, "status");
    std::optional<ConversationStage> stage =
        ghl::stage_for(c.config, ghl::str(c.body, "pipelineStageId"), ghl::str(c.body, "pipelineStageName"));
    std::vector<std::string> events;
    if (status == "won") events.push_back("closed");
    if (status == "lost" || status == "abandoned") events.push_back("lost");
    // A won opportunity closes from wherever the pipeline had it; the stage map may lag.
    if (status == "won") stage = ConversationStage::closed_won;
    if (status == "lost" || status == "abandoned") stage = ConversationStage::closed_lost;
    auto agent = co_await agent_profile(c, l.agent_id);
    if (!agent) co_return Applied::fail(agent.errors().front().message);
    Applied a = changed(c, st.value(), l);
    plan_moves(c, a, st.value(), agent.value(), l, stage, events);
    a.effects.outcome = outcome_report(c, l, learning::outcome_of_ghl(c.w.event_type, status));
    co_return a;
  }

  // Won, lost, an appointment set: the learning loop's outcome, keyed by the event.
  static std::optional<learning::OutcomeReport> outcome_report(const Context& c, const store::LeadRecord& l,
                                                               std::optional<Outcome> outcome) {
    if (!outcome) return std::nullopt;
    learning::OutcomeReport r;
    r.lead_id = l.id;
    r.agent_id = l.agent_id;
    r.outcome = *outcome;
    r.source = "gohighlevel";
    r.external_id = c.w.dedupe_key.empty() ? c.w.id : c.w.dedupe_key;
    return r;
  }

  awaitable<Applied> appointment(const Context& c) {
    const json& appt = c.body.contains("appointment") && c.body["appointment"].is_object() ? c.body["appointment"] : c.body;
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the appointment has no valid contactId", true);
    auto st = co_await read_lead(c, id);
    if (!st) co_return Applied::fail(st.errors().front().message);
    store::LeadRecord l = st.value().lead;
    const std::string status = ghl::str(appt, "appointmentStatus");
    const bool cancelled = status == "cancelled" || status == "noshow" || status == "invalid";
    const std::string title = ghl::str(appt, "title"), start = ghl::str(appt, "startTime");
    if (cancelled) {
      l.facts.erase("appointment");
    } else {
      l.facts["appointment"] = (title.empty() ? std::string("appointment") : title.substr(0, 200)) + (start.empty() ? "" : " at " + start);
    }
    if (auto assigned = ghl::agent_for(c.config, ghl::str(appt, "assignedUserId")); !assigned.empty() && l.agent_id.empty())
      l.agent_id = assigned;
    Applied a = changed(c, st.value(), l);
    if (cancelled) co_return a;
    auto agent = co_await agent_profile(c, l.agent_id);
    if (!agent) co_return Applied::fail(agent.errors().front().message);
    plan_moves(c, a, st.value(), agent.value(), l, std::nullopt, {"appointment_set"});
    a.effects.outcome = outcome_report(c, l, learning::outcome_of_ghl(c.w.event_type));
    co_return a;
  }

  awaitable<Applied> note_or_task(const Context& c, bool task) {
    const json& n = c.body.contains("task") && c.body["task"].is_object() ? c.body["task"] : c.body;
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the note or task has no valid contactId", true);
    auto st = co_await read_lead(c, id);
    if (!st) co_return Applied::fail(st.errors().front().message);
    store::LeadRecord l = st.value().lead;
    if (task) {
      const std::string title = ghl::str(n, "title"), due = ghl::str(n, "dueDate");
      l.facts["open_task"] = title.substr(0, 300) + (due.empty() ? "" : " (due " + due + ")");
    } else {
      const std::string text = ghl::str(n, "body");
      l.facts["crm_note"] = text.substr(0, 2000);
      // What the agent wrote down is the agent's word: the facts it states are taken as known.
      for (const auto& f : extract_facts(text, core_lead(l), app.today(), app.policy()))
        if (!l.facts.count(f.fact)) l.facts[f.fact] = f.value;
    }
    co_return changed(c, st.value(), l);
  }

  // ---- the thread, and live guidance ----

  awaitable<Applied> message(const Context& c, bool inbound) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the message has no valid contactId", true);
    auto st = co_await read_lead(c, id);
    if (!st) co_return Applied::fail(st.errors().front().message);
    store::LeadRecord l = st.value().lead;
    const std::string channel = ghl::channel_of(c.body);
    const std::string raw = ghl::str(c.body, "body").substr(0, 64000);
    const std::string text = (channel == "Email" ? ghl::plain_text_of_html(raw) : raw).substr(0, 16000);
    std::string agent_id = ghl::agent_for(c.config, ghl::str(c.body, "userId"));
    if (agent_id.empty()) agent_id = l.agent_id;
    if (l.agent_id.empty()) l.agent_id = agent_id;

    store::LeadMessage m;
    m.id = ghl::str(c.body, "messageId");
    if (m.id.empty() || m.id.size() > 128) m.id = c.w.id;
    m.lead_id = id;
    m.direction = inbound ? "inbound" : "outbound";
    m.channel = channel;
    m.body = text;
    m.agent_id = agent_id;
    m.at = ghl::str(c.body, "dateAdded");

    // What the lead's message states, read once: an opt-out, a tour asked for, facts to propose.
    const std::vector<ProposedFact> stated = inbound ? facts_stated(text, app.today(), app.policy()) : std::vector<ProposedFact>{};
    bool opted_out_now = false;
    if (inbound && ghl::is_texting_channel(channel)) {
      if (ghl::opts_out(stated) && !l.sms_opt_out) {
        ghl::set_sms_opt_out(l, true, "lead");
        opted_out_now = true;
      } else if (ghl::is_opt_in(text) && l.sms_opt_out) {
        ghl::set_sms_opt_out(l, false, "");
      }
    }

    auto agent = co_await agent_profile(c, agent_id);
    if (!agent) co_return Applied::fail(agent.errors().front().message);
    Applied a = changed(c, st.value(), l);
    a.effects.message = m;
    const ConversationStage stage = plan_moves(c, a, st.value(), agent.value(), l, std::nullopt, {inbound ? "replied" : "contacted"});
    if (!inbound || text.empty()) co_return a;
    if (l.deleted) {  // kept in the thread, but nobody is coached on a contact the CRM deleted
      a.message = "the contact was deleted in GoHighLevel: no live card";
      co_return a;
    }
    if (agent_id.empty()) {
      a.message = "no agent assigned to the lead: no live card";
      co_return a;
    }
    co_await card_for(c, a, l, agent.value(), channel, text, stated, opted_out_now, stage);
    co_return a;
  }

  // Guidance for the lead's message, into `a`'s effects: stored with the event, then pushed to
  // the agent's sockets. A replayed event's card, if stored already, is published again unless
  // it was delivered.
  awaitable<void> card_for(const Context& c, Applied& a, const store::LeadRecord& l, const AgentProfile& agent,
                           const std::string& channel, const std::string& text, const std::vector<ProposedFact>& stated,
                           bool opted_out_now, ConversationStage stage) {
    const std::string card_id = "card_" + c.w.id;
    if (c.again()) {
      auto existing = co_await db([&] { return app.store().live_cards().get(c.scope, card_id); });
      if (!existing) {
        a = Applied::fail(existing.errors().front().message);
        co_return;
      }
      if (existing.value()) {
        if (existing.value()->delivered_at.empty()) co_await publish(c.scope, agent.id, existing.value()->card_json);
        co_return;
      }
    }
    const Lead lead = core_lead(l);
    RouteDecision route;
    Suggestion suggestion;
    if (opted_out_now) {
      // Nothing to ask Claude: the answer to STOP is to stop (TCPA; the CRM marks the contact DND).
      suggestion.text = "The lead replied \"" + text.substr(0, 40) + "\": they opted out of texts. Do not text them again; "
                        "GoHighLevel should mark the contact DND for SMS. Reach out only by a channel they have consented to.";
      suggestion.offline = true;
    } else {
      SuggestionRequest sr;
      sr.payer = Payer{"ghl", c.scope.location_id, agent.id};
      sr.agent = agent;
      sr.lead = lead;
      sr.stage = stage;
      sr.lead_text = text;
      sr.channel = channel;
      sr.may_text = !l.sms_opt_out;
      sr.request_id = "req_ghl_" + c.w.id;
      suggestion = co_await suggest_reply(app, sr, route);
    }
    // The lead's own words are checked too ("is it a safe area?" asks for steering).
    const json cards = guidance_cards(agent, lead, stage, route, suggestion.text, app.today(), app.policy(), text, stated);
    json batch = JSON_OBJ({{"push", card_id},
                           {"lead_id", l.id},
                           {"source", "gohighlevel"},
                           {"lead_message", {{"channel", channel}, {"text", text.substr(0, 2000)}, {"may_text", !l.sms_opt_out}}}});
    if (!l.name.empty()) batch["lead_name"] = l.name;
    // Facts the lead just stated, for the agent to accept (the widget's proposed facts).
    json proposed = json::array();
    for (const auto& f : proposals_for(stated, lead, app.policy()))
      proposed.push_back(JSON_OBJ({{"fact", f.fact}, {"value", f.value}, {"evidence", f.evidence}}));
    if (!proposed.empty()) batch["proposed_facts"] = proposed;
    const json frames = card_frames(cards.get<std::vector<json>>(), suggestion, batch);

    store::LiveCard card;
    card.id = card_id;
    card.agent_id = agent.id;
    card.lead_id = l.id;
    card.card_json = frames.dump();
    card.expires_at = seconds_from_now(app.config().live_card_ttl.count());
    a.effects.card = std::move(card);
  }

  awaitable<void> publish(const store::Scope& scope, const std::string& agent_id, const std::string& frames) {
    const bool sent = co_await db([&] { return app.card_hub().publish(scope.location_id, agent_id, frames); });
    app.metrics().count("porchlight_live_pushes_total", {{"when", sent ? "published" : "local_only"}});
  }
};

WebhookWorker::WebhookWorker(App& app) : impl_(std::make_shared<Impl>(app, io_)) {}

WebhookWorker::~WebhookWorker() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
  impl_->pool.join();  // a store call under way ends (its completion waits, unrun, in io_)
  impl_->writes.wait_idle();  // so does a group commit's, which the committer is still running
  impl_.reset();       // the coroutines' frames, which hold it too, go with io_
}

// The worker's loop has a thread of its own: a webhook's acknowledgement (and every other request)
// is never queued behind the worker's guidance work on the event loop's threads. On PostgreSQL it
// runs a notch below the requests (Impl::niceness), which take the core first when both are ready.
void WebhookWorker::start() {
  net::co_spawn(impl_->strand, impl_->run(), net::detached);
  thread_ = std::thread([this] {
    if (impl_->niceness > 0 && !lower_this_thread(impl_->niceness))
      log::write(log::Level::warn, "the webhook worker runs at the requests' priority (setpriority refused)");
    io_.run();
  });
}

void WebhookWorker::wake() { impl_->wake(); }

}  // namespace porchlight::proxy
