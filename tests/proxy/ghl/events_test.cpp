// ghl/events_test.cpp: reading GoHighLevel events (ghl/events.hpp): a lead's text for an opt-out, as the
// FCC counts one (any reasonable means, English and Spanish), the CRM's DND, e-mail HTML.
#include <doctest/doctest.h>

#include "ghl/events.hpp"
#include "store/records.hpp"

using namespace porchlight::proxy;
namespace store = porchlight::store;
using porchlight::json;

TEST_CASE("an opt-out in ordinary wording is one (the core's extractor reads it)") {
  for (const char* said : {"STOP", "Stop.", "stop please", "STOP 🛑", "Please stop texting me", "Unsubscribe me", "ok stop",
                           "ALTO", "BAJA", "No me escriba más", "Opt out", "pls remove me from this list", "Don’t text me again",
                           "cancel", "QUIT!!!", "I want to unsubscribe", "stop messaging me, I bought already", "quit texting me", "Alto por favor",
                           "remove me", "no más mensajes", "Stop. Thanks", "dont text, email only"})
    CHECK_MESSAGE(ghl::is_opt_out(said, porchlight::Policy::embedded()), said);
}

TEST_CASE("a message that only mentions the words is not an opt-out") {
  for (const char* said : {"Can we stop by the open house Saturday?", "stop in tomorrow at 5?", "I can't stop thinking about that house",
                           "What happens at the end of the option period?", "Is the cancel fee refundable if the inspection fails?",
                           "Cancel my showing tomorrow", "End of May works", "quit my job, moving in june",
                           "", "🛑", "Yes, Saturday works", "¿Cuándo podemos ver la casa?",
                           "don't call, text is fine", "stop calling me at work"})
    CHECK_MESSAGE(!ghl::is_opt_out(said, porchlight::Policy::embedded()), said);
}

TEST_CASE("START and UNSTOP opt back in") {
  CHECK(ghl::is_opt_in("START"));
  CHECK(ghl::is_opt_in(" unstop. "));
  CHECK(!ghl::is_opt_in("let's start looking"));
  CHECK(ghl::is_opt_in("Start!"));
  CHECK(ghl::is_opt_in("UNSTOP 🙂"));
  CHECK(!ghl::is_opt_in("start over"));
}

TEST_CASE("the CRM's DND opts a lead out of texts; lifting it ends only the CRM's own opt-out") {
  const ghl::LocationConfig config;
  const auto contact = [](const char* extra) {
    return json::parse(std::string(R"({"type":"ContactUpdate","id":"c1","locationId":"L1")") + extra + "}");
  };
  store::LeadRecord l;
  ghl::apply_contact(contact(R"(,"dnd":false)"), config, l);
  CHECK(!l.sms_opt_out);
  // The SMS channel's DND alone is enough, and so is the whole contact's.
  ghl::apply_contact(contact(R"(,"dnd":false,"dndSettings":{"SMS":{"status":"active","message":"by the agent"}})"), config, l);
  CHECK(l.sms_opt_out);
  CHECK(l.facts["sms_opt_out"] == "yes");
  CHECK(l.facts["sms_opt_out_by"] == "gohighlevel_dnd");
  // Lifted in the CRM: the CRM's own opt-out ends.
  ghl::apply_contact(contact(R"(,"dnd":false,"dndSettings":{"SMS":{"status":"inactive"}})"), config, l);
  CHECK(!l.sms_opt_out);
  CHECK(l.facts.count("sms_opt_out") == 0);
  ghl::apply_contact(contact(R"(,"dnd":true)"), config, l);
  CHECK(l.sms_opt_out);
  ghl::apply_contact(contact(R"(,"dnd":false)"), config, l);
  CHECK(!l.sms_opt_out);
  // A lead who texted STOP stays opted out whatever the CRM's flag says, until they text START.
  ghl::set_sms_opt_out(l, true, "lead");
  ghl::apply_contact(contact(R"(,"dnd":false,"dndSettings":{"SMS":{"status":"inactive"}})"), config, l);
  CHECK(l.sms_opt_out);
  CHECK(l.facts["sms_opt_out_by"] == "lead");
  ghl::apply_contact(contact(R"(,"dnd":true)"), config, l);
  CHECK(l.facts["sms_opt_out_by"] == "lead");
  // DND on another channel only (e-mail) is not a text opt-out.
  store::LeadRecord other;
  ghl::apply_contact(contact(R"(,"dnd":false,"dndSettings":{"Email":{"status":"active"}})"), config, other);
  CHECK(!other.sms_opt_out);
}

TEST_CASE("an e-mail's HTML reads as its text") {
  CHECK(ghl::plain_text_of_html(R"(<div dir="ltr">Hi Dana,<br>We&#39;re pre-approved &amp; ready.<div><br></div><div>Can we see 12 Oak &lt;Sat&gt;?</div></div>)") ==
        "Hi Dana,\nWe're pre-approved & ready.\n\nCan we see 12 Oak <Sat>?");
  CHECK(ghl::plain_text_of_html("<html><head><style>p{color:red}</style></head><body><p>Yes</p><script>x()</script></body></html>") == "Yes");
  CHECK(ghl::plain_text_of_html("<SCRIPT>if (a</b) x()</Script><p>Hi</p>") == "Hi");
  CHECK(ghl::plain_text_of_html("<style>never closed <p>gone</p>") == "");
  CHECK(ghl::plain_text_of_html("No tags: 3 < 4 & fine") == "No tags: 3 < 4 & fine");
  CHECK(ghl::plain_text_of_html("cut off <div") == "cut off");
}
