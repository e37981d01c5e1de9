// live/card_hub.cpp: the in-process and Redis card hubs (live/card_hub.hpp).

#include "live/card_hub.hpp"

#include <map>
#include <mutex>
#include <vector>

#include "cache/redis_client.hpp"

namespace porchlight::proxy {

namespace {

// Who listens here, by "location\nagent". Handles hold it weakly: a socket may outlive the hub
// at shutdown.
class Listeners {
 public:
  std::shared_ptr<void> add(const std::string& key, CardHub::Deliver deliver) {
    std::lock_guard lock(state_->mu);
    const std::uint64_t id = ++state_->next;
    state_->by_key[key][id] = std::move(deliver);
    return std::shared_ptr<void>(nullptr, [weak = std::weak_ptr<State>(state_), key, id](void*) {
      auto state = weak.lock();
      if (!state) return;
      std::lock_guard lock(state->mu);
      auto it = state->by_key.find(key);
      if (it == state->by_key.end()) return;
      it->second.erase(id);
      if (it->second.empty()) state->by_key.erase(it);
    });
  }

  void deliver(const std::string& key, const std::string& frame) {
    std::vector<CardHub::Deliver> targets;
    {
      std::lock_guard lock(state_->mu);
      auto it = state_->by_key.find(key);
      if (it == state_->by_key.end()) return;
      for (const auto& [id, d] : it->second) targets.push_back(d);
    }
    for (const auto& d : targets) d(frame);  // outside the lock: a listener may unsubscribe
  }

 private:
  struct State {
    std::mutex mu;
    std::uint64_t next = 0;
    std::map<std::string, std::map<std::uint64_t, CardHub::Deliver>> by_key;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

std::string key_of(const std::string& location_id, const std::string& agent_id) { return location_id + "\n" + agent_id; }

class LocalCardHub final : public CardHub {
 public:
  std::shared_ptr<void> subscribe(const std::string& location_id, const std::string& agent_id, Deliver deliver) override {
    return listeners_.add(key_of(location_id, agent_id), std::move(deliver));
  }
  bool publish(const std::string& location_id, const std::string& agent_id, const std::string& frame) override {
    listeners_.deliver(key_of(location_id, agent_id), frame);
    return true;
  }

 private:
  Listeners listeners_;
};

// A message on the channel is "location\nagent\nframe" (ids hold no newline).
class RedisCardHub final : public CardHub {
 public:
  RedisCardHub(const cache::RedisUrl& url, std::string channel)
      : channel_(std::move(channel)),
        client_(url, 2),
        subscriber_(url, {channel_}, [this](std::string_view, std::string_view payload) { on_message(payload); }, [] {}) {}

  std::shared_ptr<void> subscribe(const std::string& location_id, const std::string& agent_id, Deliver deliver) override {
    return listeners_.add(key_of(location_id, agent_id), std::move(deliver));
  }

  bool publish(const std::string& location_id, const std::string& agent_id, const std::string& frame) override {
    const std::string payload = key_of(location_id, agent_id) + "\n" + frame;
    if (client_.command({"PUBLISH", channel_, payload})) return true;
    listeners_.deliver(key_of(location_id, agent_id), frame);  // Redis is away: this instance at least
    return false;
  }

 private:
  void on_message(std::string_view payload) {
    const auto first = payload.find('\n');
    const auto second = first == std::string_view::npos ? first : payload.find('\n', first + 1);
    if (second == std::string_view::npos) return;  // not ours
    listeners_.deliver(std::string(payload.substr(0, second)), std::string(payload.substr(second + 1)));
  }

  std::string channel_;
  Listeners listeners_;
  cache::RedisClient client_;
  cache::RedisSubscriber subscriber_;  // last: its thread uses the members above, and stops first
};

}  // namespace

std::unique_ptr<CardHub> make_local_card_hub() { return std::make_unique<LocalCardHub>(); }

Result<std::unique_ptr<CardHub>> make_redis_card_hub(const std::string& redis_url, const std::string& channel) {
  auto url = cache::parse_redis_url(redis_url);
  if (!url) return url.errors();
  return std::unique_ptr<CardHub>(std::make_unique<RedisCardHub>(url.value(), channel));
}

}  // namespace porchlight::proxy
