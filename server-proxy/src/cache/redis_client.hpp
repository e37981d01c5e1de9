// cache/redis_client.hpp: a small Redis client over hiredis, shared by the cache and the rate
// limiter: a bounded pool of connections with connect and command timeouts, a health flag, and
// reconnection with backoff; plus a pub/sub subscriber thread.
//
// A dead Redis costs milliseconds: after a failure, calls fail at once (redis.unavailable) until
// the backoff (50 ms doubling to 2 s) lets one caller try to reconnect. Arguments are binary
// safe. Errors: redis.invalid_url, redis.unavailable (no connection or a timeout; the command may
// or may not have run), redis.error (Redis answered with an error, e.g. NOSCRIPT or WRONGTYPE).
// Messages never contain the password.
//
// Constructing either class makes the process ignore SIGPIPE: hiredis writes with write(2), and a
// Redis that closes its end must not kill the proxy.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/error.hpp"

namespace porchlight::cache {

// redis://[[user]:password@]host[:port][/db][?connect_timeout_ms=200&command_timeout_ms=250]
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  // empty: AUTH with the password only (requirepass)
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{250};
};
Result<RedisUrl> parse_redis_url(std::string_view url);

struct RedisReply {
  enum class Type { nil, string, integer, array, status, error };
  Type type = Type::nil;
  std::string str;           // string, status and error replies
  std::int64_t integer = 0;  // integer replies
  std::vector<RedisReply> elements;
  bool is_nil() const { return type == Type::nil; }
};

// A Lua script and its SHA-1, for EVALSHA.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // hex
};

class RedisClient {
 public:
  explicit RedisClient(RedisUrl url, std::size_t pool_size = 4);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command: {"SET", key, value, "PX", "1000"}. An error reply is redis.error.
  Result<RedisReply> command(const std::vector<std::string_view>& args);
  // Several commands in one round trip; replies in order (error replies stay in the list).
  Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA keys and args; loads the script (EVAL) when Redis does not have it yet.
  Result<RedisReply> eval(const RedisScript& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);

  // False after a failure, until a command succeeds again.
  bool healthy() const;
  const RedisUrl& url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Listens on channels on its own connection and thread, reconnecting with backoff. Messages
// published while it was disconnected are lost, so on_resync runs every time the subscription
// (re)starts: drop whatever those messages would have invalidated.
class RedisSubscriber {
 public:
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;
  RedisSubscriber(RedisUrl url, std::vector<std::string> channels, OnMessage on_message,
                  std::function<void()> on_resync);
  ~RedisSubscriber();  // stops and joins the thread (promptly: it waits on a wake-up pipe too)
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace porchlight::cache
