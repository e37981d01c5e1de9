// auth/visibility.hpp: what a caller may see inside its location, by its credentials alone. A
// secret key (a CRM's backend, an admin) sees the whole location. A browser whose agent token
// names a lead (lead_id) sees that lead's conversation only, whichever agent began it: the CRM
// minted the token for the agent working the lead, so a TC handed the lead continues its thread,
// and a token minted for one lead's page cannot read, resume or coach another lead's. A browser
// whose token names no lead sees the conversations its own agent began. (A team lead's and a
// location admin's wider view needs their profile: handlers/access.hpp.)
//
// A conversation the caller may not see answers like one that does not exist (not_found), so
// that ids cannot be probed; coaching for another lead than the token's is refused as what it is
// (auth.wrong_lead).
#pragma once

#include <string>

#include "auth/authenticator.hpp"
#include "porchlight/error.hpp"
#include "store/records.hpp"

namespace porchlight::proxy {

bool may_see(const Principal& caller, const store::Conversation& conversation);
bool may_see(const Principal& caller, const AgentSession& session);  // sessions are the agent's own

// The lead a browser's request is about: the token's lead when it names one (the request may
// repeat it, not change it), else the request's. Errors: auth.wrong_lead.
Result<std::string> lead_for(const Principal& caller, const std::string& requested_lead_id);

}  // namespace porchlight::proxy
