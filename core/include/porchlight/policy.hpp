// porchlight/policy.hpp: the domain content the core decides with: playbooks, adaptation texts,
// routing rules and weights, tiers and models, context settings and the price table.
//
// The content is data under core/data/, embedded at build time. Its version is the release named
// in policy.json plus a hash of every file, so any edit yields a new version and the browser and
// the proxy can tell whether they decide with the same policy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "porchlight/error.hpp"
#include "porchlight/model.hpp"

namespace porchlight {

namespace detail { struct PolicyData; }

// Router v2's weights, a file of the policy: not embedded in the browser's core (it loads them
// after first paint), and not part of the version (routing.json names the model's).
inline constexpr const char* kRouterModelFile = "router/model.json";

class Policy {
 public:
  // The policy compiled into this build.
  static const Policy& embedded();
  // A policy from file contents keyed by path relative to core/data ("routing.json",
  // "playbooks/qualification.md"): for tools that try edits before they are built in.
  static Result<Policy> from_files(const std::map<std::string, std::string>& files);

  const std::string& version() const;
  const std::string& release() const;
  const std::map<std::string, std::string>& files() const;
  const std::string& model_for(ModelTier tier) const;
  // Which router decides: "v1" (keywords), "v2" (the learned model), or "v2_awaiting_weights"
  // (v2 is on but its weights are not loaded yet: v1 decides until they are, as in a browser's
  // core before it fetched them).
  std::string_view router() const;

  const detail::PolicyData& data() const { return *data_; }

 private:
  explicit Policy(std::shared_ptr<const detail::PolicyData> data) : data_(std::move(data)) {}
  std::shared_ptr<const detail::PolicyData> data_;
};

}  // namespace porchlight
