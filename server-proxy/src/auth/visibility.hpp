// auth/visibility.hpp: what a caller may see inside its location. A secret key (a CRM's backend,
// an admin) sees the whole location. A browser sees its own agent's conversations only, and when
// its agent token names a lead (lead_id), that lead's only: a token minted for one lead's page
// cannot read, resume or coach another lead's conversation.
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
bool may_see(const Principal& caller, const AgentSession& session);

// The lead a browser's request is about: the token's lead when it names one (the request may
// repeat it, not change it), else the request's. Errors: auth.wrong_lead.
Result<std::string> lead_for(const Principal& caller, const std::string& requested_lead_id);

}  // namespace porchlight::proxy
