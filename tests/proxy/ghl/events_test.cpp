// ghl/events_test.cpp: reading a lead's text for an opt-out (ghl/events.hpp), as the FCC counts
// one: by any reasonable means, the named words in a short reply, English and Spanish.
#include <doctest/doctest.h>

#include "ghl/events.hpp"

using namespace porchlight::proxy;

TEST_CASE("an opt-out in ordinary wording is one") {
  for (const char* said : {"STOP", "Stop.", "stop please", "STOP 🛑", "Please stop texting me", "Unsubscribe me", "ok stop",
                           "ALTO", "BAJA", "No me escriba más", "Opt out", "pls remove me from this list", "Don’t text me again",
                           "cancel", "QUIT!!!", "I want to unsubscribe", "stop messaging me, I bought already"})
    CHECK_MESSAGE(ghl::is_opt_out(said), said);
}

TEST_CASE("a message that only mentions the words is not an opt-out") {
  for (const char* said : {"Can we stop by the open house Saturday?", "stop in tomorrow at 5?", "I can't stop thinking about that house",
                           "What happens at the end of the option period?", "Is the cancel fee refundable if the inspection fails?",
                           "", "🛑", "Yes, Saturday works", "¿Cuándo podemos ver la casa?"})
    CHECK_MESSAGE(!ghl::is_opt_out(said), said);
}

TEST_CASE("START and UNSTOP opt back in") {
  CHECK(ghl::is_opt_in("START"));
  CHECK(ghl::is_opt_in(" unstop. "));
  CHECK(!ghl::is_opt_in("let's start looking"));
}
