// live/card_hub.hpp: guidance cards to an agent's live sockets, on whichever proxy instance holds
// them: Redis pub/sub between instances, in-process without Redis.
//
// Delivery is best effort by design: a card is stored first (store.live_cards()), and a socket
// that connects later, or missed a message while Redis was away, reads what waits for it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "porchlight/error.hpp"

namespace porchlight::proxy {

class CardHub {
 public:
  // Called on the hub's thread (Redis's subscriber) or the publisher's: hand off, do not block.
  using Deliver = std::function<void(const std::string& frame)>;

  virtual ~CardHub() = default;
  // Until the returned handle is dropped, `deliver` gets every frame published for the agent.
  virtual std::shared_ptr<void> subscribe(const std::string& location_id, const std::string& agent_id, Deliver deliver) = 0;
  // Sends a frame to the agent's sockets on every instance. Blocking (a Redis round trip): call it
  // from the worker pool. False when Redis could not take it (this instance's sockets still got it).
  virtual bool publish(const std::string& location_id, const std::string& agent_id, const std::string& frame) = 0;
};

// In-process: one instance, no Redis.
std::unique_ptr<CardHub> make_local_card_hub();
// Redis pub/sub on `channel`; redis.invalid_url for a bad URL (a Redis that is down is fine).
Result<std::unique_ptr<CardHub>> make_redis_card_hub(const std::string& redis_url, const std::string& channel = "porchlight:live");

}  // namespace porchlight::proxy
