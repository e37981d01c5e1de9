// learn/insights.hpp: what a team lead acts on (GET /v1/insights), per agent, per team and for
// the location: recurring objections, guidance used, ignored or edited heavily, speed to lead,
// where leads stall on the qualification checklist, cost per outcome, cache share; and
// recommendations computed from them, each with the numbers behind it. Pure: the store's
// aggregates in (store/analytics.hpp), JSON out. docs/learning.md explains how to read it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "store/records.hpp"

namespace porchlight::proxy::insights {

// The kinds of objection the insights count, and the words of an agent's question that name them.
const std::vector<store::ObjectionTopic>& objection_topics();

// What the figures are computed from: the store's rows over [from, to], already limited to the
// agents the caller may see.
struct Inputs {
  std::string from, to;  // UTC days, inclusive
  std::vector<store::GuidanceUseRow> guidance;
  std::vector<store::EditDistanceRow> edits;
  std::vector<store::ObjectionRow> objections;
  std::vector<store::FirstResponseRow> responses;
  std::vector<store::OpenLeadRow> leads;
  std::vector<store::OutcomeCountRow> outcomes;
  std::vector<store::UsageRow> usage;
  std::map<std::string, AgentProfile> agents;  // by id: names, teams and roles (a lead's side)
};

// {from, to, thresholds, location, teams[], agents[], recommendations[]}. The checklists are
// read with `policy`: the proxy's, a --policy-dir's files included.
json compute(const Inputs& in, const Policy& policy);

}  // namespace porchlight::proxy::insights
