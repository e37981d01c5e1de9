// auth/visibility.cpp: what a caller may see inside its location (see the header).

#include "auth/visibility.hpp"

namespace porchlight::proxy {

namespace {
bool sees(const Principal& p, const std::string& agent_id, const std::string& lead_id) {
  if (!p.browser()) return true;
  if (agent_id != p.agent_id) return false;
  return p.claims.lead_id.empty() || lead_id == p.claims.lead_id;
}
}  // namespace

bool may_see(const Principal& p, const store::Conversation& c) { return sees(p, c.agent_id, c.lead_id); }
bool may_see(const Principal& p, const AgentSession& s) { return sees(p, s.agent_id, s.lead_id); }

Result<std::string> lead_for(const Principal& p, const std::string& requested) {
  if (!p.browser() || p.claims.lead_id.empty()) return requested;
  if (!requested.empty() && requested != p.claims.lead_id)
    return Error{"auth.wrong_lead", "this agent token was minted for another lead's page; coach lead " + requested +
                                        " with a token minted for it", "lead.id"};
  return p.claims.lead_id;
}

}  // namespace porchlight::proxy
