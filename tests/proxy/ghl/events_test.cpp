// ghl/events_test.cpp: reading a lead's text for an opt-out (ghl/events.hpp), as the FCC counts
// one: by any reasonable means, the named words in a short reply, English and Spanish.
#include <doctest/doctest.h>

#include "ghl/events.hpp"

using namespace porchlight::proxy;

TEST_CASE("an opt-out in ordinary wording is one") {
  for (const char* said : {"STOP", "Stop.", "stop please", "STOP 🛑", "Please stop texting me", "Unsubscribe me", "ok stop",
                           "ALTO", "BAJA", "No me escriba más", "Opt out", "pls remove me from this list", "Don’t text me again",
                           "cancel", "QUIT!!!", "I want to unsubscribe", "stop messaging me, I bought already", "quit texting me", "Alto por favor"})
    CHECK_MESSAGE(ghl::is_opt_out(said), said);
}

TEST_CASE("a message that only mentions the words is not an opt-out") {
  for (const char* said : {"Can we stop by the open house Saturday?", "stop in tomorrow at 5?", "I can't stop thinking about that house",
                           "What happens at the end of the option period?", "Is the cancel fee refundable if the inspection fails?",
                           "Cancel my showing tomorrow", "End of May works", "quit my job, moving in june",
                           "", "🛑", "Yes, Saturday works", "¿Cuándo podemos ver la casa?"})
    CHECK_MESSAGE(!ghl::is_opt_out(said), said);
}

TEST_CASE("START and UNSTOP opt back in") {
  CHECK(ghl::is_opt_in("START"));
  CHECK(ghl::is_opt_in(" unstop. "));
  CHECK(!ghl::is_opt_in("let's start looking"));
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
