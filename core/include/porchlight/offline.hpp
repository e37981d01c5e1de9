// porchlight/offline.hpp: guidance from the playbooks alone, for when Claude cannot be reached
// (no API key configured, the upstream down, or its circuit open). Every offline answer says so
// in its first line.
#pragma once

#include <string>
#include <string_view>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"

namespace porchlight {

inline constexpr std::string_view kOfflineLabel =
    "**Offline guidance**: Claude is not connected right now, so this comes straight from "
    "Porchlight's playbooks.";

// What an offline answer says when the agent attached photos: nobody has looked at them.
inline constexpr std::string_view kOfflinePhotosNotice =
    "**Your photos were not reviewed**: looking at photos needs Claude. Try again when it is back; "
    "meanwhile, here is the playbook's photo checklist.";

// Markdown: the label, the next qualification question when one is open, the situation notes the
// lead or the query points to (situations.md), then the sections of the routed specialist's
// playbook that best match the query (rare words weigh more; two notes in all).
std::string offline_answer(const RouteDecision& route, std::string_view query, const AgentProfile& profile,
                           const Lead& lead, const Policy& policy = Policy::embedded());

}  // namespace porchlight
