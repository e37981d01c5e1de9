// ghl/worker.cpp: the webhook inbox worker (ghl/worker.hpp).

#include "ghl/worker.hpp"

#include <map>
#include <mutex>
#include <random>

#include "ghl/events.hpp"
#include "ghl/links.hpp"
#include "handlers/json_util.hpp"
#include "handlers/lead_moves.hpp"
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

// What applying an event came to.
struct Applied {
  bool ok = true;
  bool permanent = false;  // retrying cannot help (a bad payload, a location not linked)
  std::string message;     // the error, or a note for an event that changed nothing
  static Applied fail(std::string why, bool permanent = false) { return {false, permanent, std::move(why)}; }
  static Applied note(std::string what) { return {true, false, std::move(what)}; }
};

// RFC 3339, `seconds` from now.
std::string seconds_from_now(std::int64_t seconds) {
  return store::detail::timestamp_at(store::detail::now_unix_micros() + seconds * 1'000'000);
}

}  // namespace

// The worker's loop runs on its strand; each group of a batch (one lead's events) on a strand of
// its own, so that leads are worked on in parallel across the event loop's threads. What the
// groups share is the batch's count (decremented on the loop's strand) and the jitter (locked).
struct WebhookWorker::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(App& a) : app(a), strand(net::make_strand(a.io())), timer(strand), latch(strand) {}

  App& app;
  // The worker's store calls have threads of their own: a backlog of events must not queue
  // ahead of the requests (a webhook's acknowledgement among them) on the app's pool.
  WorkerPool pool{4};
  net::strand<net::io_context::executor_type> strand;
  net::steady_timer timer, latch;
  bool woken = false;
  std::size_t running = 0;  // groups of the current batch still at work (the loop's strand)
  std::mutex jitter_mu;
  std::mt19937 jitter{std::random_device{}()};

  template <class F>
  auto db(const F& f) {
    return pool.blocking(f);
  }

  awaitable<void> run() {
    auto self = shared_from_this();
    while (!app.stopping) {
      const auto stale = app.config().webhook_claim_timeout;
      auto claim = [this, stale] { return app.store().webhook_inbox().claim(kBatch, stale); };
      auto claimed = co_await db(claim);
      if (claimed && !claimed.value().empty()) {
        co_await handle_batch(std::move(claimed).value());
        continue;  // more may be waiting
      }
      if (!claimed) log::write(log::Level::warn, "webhook worker: cannot claim: " + claimed.errors().front().message);
      if (woken) {
        woken = false;
        continue;
      }
      timer.expires_after(kPoll);
      auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      (void)ec;
    }
  }

  // One lead's events in order, different leads at once: a batch is grouped by contact. Installs
  // and uninstalls go first, one by one: the others depend on the link they make.
  awaitable<void> handle_batch(std::vector<store::WebhookRecord> batch) {
    std::map<std::string, std::vector<Event>> groups;
    for (auto& w : batch) {
      Event e{std::move(w), {}};
      e.body = json::parse(e.record.body, nullptr, false);
      if (e.record.event_type == "INSTALL" || e.record.event_type == "UNINSTALL") {
        co_await handle(std::move(e));
        continue;
      }
      const std::string contact = ghl::contact_of(e.body);
      const std::string key = contact.empty() ? "event:" + e.record.id : e.record.external_location + "/" + contact;
      groups[key].push_back(std::move(e));
    }
    running = groups.size();
    latch.expires_at(net::steady_timer::time_point::max());
    for (auto& [key, group] : groups)
      net::co_spawn(net::make_strand(app.io()), handle_group(std::move(group)), net::detached);
    while (running > 0) {
      auto [ec] = co_await latch.async_wait(net::as_tuple(net::use_awaitable));
      (void)ec;
      latch.expires_at(net::steady_timer::time_point::max());
    }
  }

  awaitable<void> handle_group(std::vector<Event> group) {
    auto self = shared_from_this();
    for (auto& e : group) co_await handle(std::move(e));
    net::post(strand, [self] {
      if (--self->running == 0) self->latch.cancel();
    });
  }

  void wake() {
    net::post(strand, [self = shared_from_this()] {
      self->woken = true;
      self->timer.cancel();
    });
  }

  // One event: apply it, then record how it went (done, retry later, or the dead letter).
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
      recorded = co_await db([&] { return app.store().webhook_inbox().finish(scope, w.id, true, a.message); });
      app.metrics().count("porchlight_webhooks_processed_total", {{"type", type}, {"result", "done"}});
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
    auto put = co_await ghl::put_link(app, l);
    if (!put) co_return Applied::fail(put.errors().front().message);
    co_return Applied{};
  }

  // ---- leads ----

  awaitable<Result<store::LeadRecord>> load_lead(const Context& c, const std::string& id) {
    auto got = co_await db([&] { return app.store().leads().get(c.scope, id); });
    if (!got) co_return got.errors();
    if (got.value()) co_return *got.value();
    store::LeadRecord fresh;
    fresh.location_id = c.scope.location_id;
    fresh.id = id;
    co_return fresh;
  }

  awaitable<Result<store::Done>> save_lead(const Context& c, const store::LeadRecord& lead) {
    co_return co_await db([&] { return app.store().leads().put(c.scope, lead); });
  }

  static Lead core_lead(const store::LeadRecord& r) {
    Lead l;
    l.id = r.id;
    l.name = r.name;
    l.facts = r.facts;
    return l;
  }

  // The agent's profile; a GoHighLevel user seen for the first time gets a default one (the
  // agent sets role and experience in the widget).
  awaitable<Result<AgentProfile>> agent_profile(const Context& c, const std::string& agent_id) {
    auto got = co_await db([&] { return app.store().profiles().get(c.scope, agent_id); });
    if (!got) co_return got.errors();
    if (got.value()) co_return *got.value();
    AgentProfile p;
    p.id = agent_id;
    p.location_id = c.scope.location_id;
    p.name = "GoHighLevel user " + agent_id;
    auto put = co_await db([&] { return app.store().profiles().put(c.scope, p); });
    if (!put) co_return put.errors();
    co_return put.value();
  }

  // Stage moves, once per event: moves already recorded with this event's source are not again.
  // `now` gets the lead's stage after them.
  awaitable<Applied> move(const Context& c, const store::LeadRecord& lead, std::optional<ConversationStage> crm_stage,
                          const std::vector<std::string>& events, ConversationStage* now = nullptr) {
    if (!crm_stage && events.empty()) co_return Applied{};
    if (c.again()) {
      auto history = co_await db([&] { return app.store().lead_stages().history(c.scope, lead.id, 50); });
      if (!history) co_return Applied::fail(history.errors().front().message);
      for (const auto& h : history.value())
        if (h.source == c.source()) {
          if (now) *now = history.value().back().to;
          co_return Applied{};
        }
    }
    AgentProfile agent;
    agent.id = lead.agent_id.empty() ? "unknown" : lead.agent_id;
    if (!lead.agent_id.empty()) {
      auto p = co_await db([&] { return app.store().profiles().get(c.scope, lead.agent_id); });
      if (p && p.value()) agent = *p.value();
    }
    auto moved = co_await record_lead_moves(app, c.scope, agent, core_lead(lead), crm_stage, events, c.source());
    if (!moved) co_return Applied::fail(moved.errors().front().message);
    if (now) *now = moved.value().stage;
    co_return Applied{};
  }

  awaitable<Applied> contact(const Context& c, bool deleted) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the contact has no valid id", true);
    auto lead = co_await load_lead(c, id);
    if (!lead) co_return Applied::fail(lead.errors().front().message);
    store::LeadRecord l = lead.value();
    if (deleted) l.deleted = true;
    else ghl::apply_contact(c.body, c.config, l);
    if (l.sms_opt_out) l.facts["sms_opt_out"] = "yes";
    auto saved = co_await save_lead(c, l);
    if (!saved) co_return Applied::fail(saved.errors().front().message);
    co_return Applied{};
  }

  awaitable<Applied> opportunity(const Context& c) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the opportunity has no valid contactId", true);
    auto lead = co_await load_lead(c, id);
    if (!lead) co_return Applied::fail(lead.errors().front().message);
    store::LeadRecord l = lead.value();
    if (auto assigned = ghl::agent_for(c.config, ghl::str(c.body, "assignedTo")); !assigned.empty()) l.agent_id = assigned;
    if (auto value = c.body.find("monetaryValue"); value != c.body.end() && value->is_number() && value->get<double>() > 0)
      l.facts["opportunity_value"] = value->dump();
    auto saved = co_await save_lead(c, l);
    if (!saved) co_return Applied::fail(saved.errors().front().message);
    const std::string status = ghl::str(c.body, "status");
    std::optional<ConversationStage> stage =
        ghl::stage_for(c.config, ghl::str(c.body, "pipelineStageId"), ghl::str(c.body, "pipelineStageName"));
    std::vector<std::string> events;
    if (status == "won") events.push_back("closed");
    if (status == "lost" || status == "abandoned") events.push_back("lost");
    // A won opportunity closes from wherever the pipeline had it; the stage map may lag.
    if (status == "won") stage = ConversationStage::closed_won;
    if (status == "lost" || status == "abandoned") stage = ConversationStage::closed_lost;
    co_return co_await move(c, l, stage, events);
  }

  awaitable<Applied> appointment(const Context& c) {
    const json& a = c.body.contains("appointment") && c.body["appointment"].is_object() ? c.body["appointment"] : c.body;
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the appointment has no valid contactId", true);
    auto lead = co_await load_lead(c, id);
    if (!lead) co_return Applied::fail(lead.errors().front().message);
    store::LeadRecord l = lead.value();
    const std::string status = ghl::str(a, "appointmentStatus");
    const bool cancelled = status == "cancelled" || status == "noshow" || status == "invalid";
    const std::string title = ghl::str(a, "title"), start = ghl::str(a, "startTime");
    if (cancelled) {
      l.facts.erase("appointment");
    } else {
      l.facts["appointment"] = (title.empty() ? std::string("appointment") : title.substr(0, 200)) + (start.empty() ? "" : " at " + start);
    }
    if (auto assigned = ghl::agent_for(c.config, ghl::str(a, "assignedUserId")); !assigned.empty() && l.agent_id.empty())
      l.agent_id = assigned;
    auto saved = co_await save_lead(c, l);
    if (!saved) co_return Applied::fail(saved.errors().front().message);
    if (cancelled) co_return Applied{};
    const std::vector<std::string> events(1, "appointment_set");
    co_return co_await move(c, l, std::nullopt, events);
  }

  awaitable<Applied> note_or_task(const Context& c, bool task) {
    const json& n = c.body.contains("task") && c.body["task"].is_object() ? c.body["task"] : c.body;
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the note or task has no valid contactId", true);
    auto lead = co_await load_lead(c, id);
    if (!lead) co_return Applied::fail(lead.errors().front().message);
    store::LeadRecord l = lead.value();
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
    auto saved = co_await save_lead(c, l);
    if (!saved) co_return Applied::fail(saved.errors().front().message);
    co_return Applied{};
  }

  // ---- the thread, and live guidance ----

  awaitable<Applied> message(const Context& c, bool inbound) {
    const std::string id = ghl::contact_of(c.body);
    if (!is_valid_id(id)) co_return Applied::fail("the message has no valid contactId", true);
    auto lead = co_await load_lead(c, id);
    if (!lead) co_return Applied::fail(lead.errors().front().message);
    store::LeadRecord l = lead.value();
    const std::string channel = ghl::channel_of(c.body);
    const std::string text = ghl::str(c.body, "body").substr(0, 16000);
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
    auto appended = co_await db([&] { return app.store().leads().append_message(c.scope, m); });
    if (!appended && appended.errors().front().code == "store.invalid") {  // an odd date: the time we got it
      m.at.clear();
      appended = co_await db([&] { return app.store().leads().append_message(c.scope, m); });
    }
    if (!appended) co_return Applied::fail(appended.errors().front().message);

    bool opted_out_now = false;
    if (inbound && ghl::is_texting_channel(channel)) {
      if (ghl::is_opt_out(text) && !l.sms_opt_out) opted_out_now = l.sms_opt_out = true;
      else if (ghl::is_opt_in(text)) l.sms_opt_out = false;
    }
    if (l.sms_opt_out) l.facts["sms_opt_out"] = "yes";
    else l.facts.erase("sms_opt_out");
    const store::LeadRecord& was = lead.value();
    if (l.agent_id != was.agent_id || l.sms_opt_out != was.sms_opt_out || l.facts != was.facts || was.updated_at.empty()) {
      auto saved = co_await save_lead(c, l);
      if (!saved) co_return Applied::fail(saved.errors().front().message);
    }

    const std::vector<std::string> events(1, inbound ? "replied" : "contacted");
    ConversationStage stage = ConversationStage::new_lead;
    Applied moved = co_await move(c, l, std::nullopt, events, &stage);
    if (!moved.ok) co_return moved;
    if (!inbound || text.empty()) co_return Applied{};
    if (agent_id.empty()) co_return Applied::note("no agent assigned to the lead: no live card");
    co_return co_await push_card(c, l, agent_id, channel, text, opted_out_now, stage);
  }

  // Guidance for the lead's message, stored (once) and pushed to the agent's sockets.
  awaitable<Applied> push_card(const Context& c, const store::LeadRecord& l, const std::string& agent_id,
                               const std::string& channel, const std::string& text, bool opted_out_now,
                               ConversationStage stage) {
    const std::string card_id = "card_" + c.w.id;
    if (c.again()) {
      auto existing = co_await db([&] { return app.store().live_cards().get(c.scope, card_id); });
      if (!existing) co_return Applied::fail(existing.errors().front().message);
      if (existing.value()) {  // made before a crash: publish again unless it was delivered
        if (existing.value()->delivered_at.empty()) co_await publish(c.scope, agent_id, existing.value()->card_json);
        co_return Applied{};
      }
    }
    auto agent = co_await agent_profile(c, agent_id);
    if (!agent) co_return Applied::fail(agent.errors().front().message);
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
      sr.payer = Payer{"ghl", c.scope.location_id, agent_id};
      sr.agent = agent.value();
      sr.lead = lead;
      sr.stage = stage;
      sr.lead_text = text;
      sr.channel = channel;
      sr.may_text = !l.sms_opt_out;
      sr.request_id = "req_ghl_" + c.w.id;
      suggestion = co_await suggest_reply(app, sr, route);
    }
    const json cards = guidance_cards(agent.value(), lead, stage, route, suggestion.text, app.today(), app.policy());
    json batch = JSON_OBJ({{"push", card_id},
                           {"lead_id", l.id},
                           {"source", "gohighlevel"},
                           {"lead_message", {{"channel", channel}, {"text", text.substr(0, 2000)}, {"may_text", !l.sms_opt_out}}}});
    if (!l.name.empty()) batch["lead_name"] = l.name;
    // Facts the lead just stated, for the agent to accept (the widget's proposed facts).
    json proposed = json::array();
    for (const auto& f : extract_facts(text, lead, app.today(), app.policy()))
      proposed.push_back(JSON_OBJ({{"fact", f.fact}, {"value", f.value}, {"evidence", f.evidence}}));
    if (!proposed.empty()) batch["proposed_facts"] = proposed;
    const json frames = card_frames(cards.get<std::vector<json>>(), suggestion, batch);

    store::LiveCard card;
    card.id = card_id;
    card.agent_id = agent_id;
    card.lead_id = l.id;
    card.card_json = frames.dump();
    card.expires_at = seconds_from_now(app.config().live_card_ttl.count());
    auto put = co_await db([&] { return app.store().live_cards().put(c.scope, card); });
    if (!put) co_return Applied::fail(put.errors().front().message);
    co_await publish(c.scope, agent_id, card.card_json);
    co_return Applied{};
  }

  awaitable<void> publish(const store::Scope& scope, const std::string& agent_id, const std::string& frames) {
    const bool sent = co_await db([&] { return app.card_hub().publish(scope.location_id, agent_id, frames); });
    app.metrics().count("porchlight_live_pushes_total", {{"when", sent ? "published" : "local_only"}});
  }
};

WebhookWorker::WebhookWorker(App& app) : impl_(std::make_shared<Impl>(app)) {}
WebhookWorker::~WebhookWorker() = default;

void WebhookWorker::start() { net::co_spawn(impl_->strand, impl_->run(), net::detached); }
void WebhookWorker::wake() { impl_->wake(); }

}  // namespace porchlight::proxy
