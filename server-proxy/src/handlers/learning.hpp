// handlers/learning.hpp: what the handlers of the learning loop share with the rest (feedback,
// the policy): re-evaluating an experiment after a rating, and the location's published policy.
#pragma once

#include <string>

#include "app.hpp"
#include "learn/experiments.hpp"

namespace porchlight::proxy {

// After a rating of `event_id`: when the event was an experiment's, re-evaluates it and stores a
// new state if the test or the split moved. Never fails the caller (the rating is durable by
// now); a failure is counted.
awaitable<void> reevaluate_experiment_of(App& app, const store::Scope& scope, const std::string& event_id);

// The location's experiments as /v1/policy publishes them, with its policy version.
awaitable<Result<learning::PublishedPolicy>> location_policy(App& app, const store::Scope& scope);

}  // namespace porchlight::proxy
