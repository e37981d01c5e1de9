// auth/visibility.cpp: what a caller may see inside its location (see the header).

#include "auth/visibility.hpp"

namespace porchlight::proxy {

bool may_see(const Principal& p, const store::Conversation& c) {
  if (!p.browser()) return true;
  if (!p.claims.lead_id.empty()) return c.lead_id == p.claims.lead_id;
  return c.agent_id == p.agent_id;
}

bool may_see(const Principal& p, const AgentSession& s) {
  if (!p.browser()) return true;
  return s.agent_id == p.agent_id && (p.claims.lead_id.empty() || s.lead_id == p.claims.lead_id);
}

Result<std::string> lead_for(const Principal& p, const std::string& requested) {
  if (!p.browser() || p.claims.lead_id.empty()) return requested;
  if (!requested.empty() && requested != p.claims.lead_id)
    return Error{"auth.wrong_lead", "this agent token was minted for another lead's page; coach lead " + requested +
                                        " with a token minted for it", "lead.id"};
  return p.claims.lead_id;
}

}  // namespace porchlight::proxy
