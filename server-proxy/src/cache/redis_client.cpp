// redis_client.cpp: the hiredis connection pool and the pub/sub subscriber.
//
// Sections:
//   [1] URL parsing and scripts
//   [2] connecting (timeouts, AUTH, SELECT) and replies
//   [3] RedisClient: the pool, health and backoff
//   [4] RedisSubscriber: its own connection, a poll loop with a wake-up pipe, PING liveness

#include "cache/redis_client.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <optional>
#include <system_error>
#include <mutex>
#include <thread>

namespace porchlight::cache {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{2000};

Error unavailable(std::string message) { return Error{"redis.unavailable", std::move(message), ""}; }
Error bad_url(std::string message) { return Error{"redis.invalid_url", std::move(message), "redis_url"}; }

void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

std::string percent_decode(std::string_view s, bool& ok) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size()) {
      ok = false;
      return out;
    }
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) {
      ok = false;
      return out;
    }
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

bool parse_int(std::string_view s, int lo, int hi, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

}  // namespace

// ---- [1] URL parsing and scripts ---------------------------------------------------------------

Result<RedisUrl> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, 9) == "rediss://")
    return bad_url("rediss:// (TLS) is not supported by this build; use redis:// on a private network or a TLS tunnel");
  if (url.substr(0, kScheme.size()) != kScheme)
    return bad_url("expected redis://[:password@]host[:port][/db]");
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  RedisUrl u;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    bool ok = true;
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      u.username = percent_decode(userinfo.substr(0, colon), ok);
      u.password = percent_decode(userinfo.substr(colon + 1), ok);
    } else {
      u.password = percent_decode(userinfo, ok);  // redis://secret@host: the requirepass password
    }
    if (!ok) return bad_url("the user or password part has a bad %-escape");
  }
  std::string_view host = rest, port;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6379
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad_url("unclosed [ in the host");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad_url("expected :port after ]");
      port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return bad_url("the URL has no host");
  u.host = std::string(host);
  if (!port.empty() && !parse_int(port, 1, 65535, u.port)) return bad_url("the port must be 1..65535");
  if (!path.empty() && !parse_int(path, 0, 100000, u.db)) return bad_url("the path must be a database number: /0");
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq), value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    int ms = 0;
    if (key == "connect_timeout_ms" || key == "command_timeout_ms") {
      if (!parse_int(value, 1, 60000, ms)) return bad_url(std::string(key) + " must be 1..60000");
      (key == "connect_timeout_ms" ? u.connect_timeout : u.command_timeout) = milliseconds(ms);
    } else {
      return bad_url("unknown URL option '" + std::string(key) + "'; known: connect_timeout_ms, command_timeout_ms");
    }
  }
  return u;
}

RedisScript::RedisScript(std::string src) : source(std::move(src)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(source.data(), source.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    sha1 += kHex[digest[i] >> 4];
    sha1 += kHex[digest[i] & 0xf];
  }
}

// ---- [2] connecting and replies ----------------------------------------------------------------

namespace {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = RedisReply::Type::nil;
  }
  return out;
}

std::string where(const RedisUrl& u) { return u.host + ":" + std::to_string(u.port); }

Result<RedisReply> run_argv(redisContext* c, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr r(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r) return unavailable(std::string("Redis connection failed: ") + c->errstr);
  RedisReply out = convert(r.get());
  if (out.type == RedisReply::Type::error) return Error{"redis.error", out.str, ""};
  return out;
}

Result<ContextPtr> connect_redis(const RedisUrl& u, bool select_db) {
  ContextPtr c(redisConnectWithTimeout(u.host.c_str(), u.port, to_timeval(u.connect_timeout)));
  if (!c) return unavailable("cannot connect to Redis at " + where(u) + ": out of memory");
  if (c->err) return unavailable("cannot connect to Redis at " + where(u) + ": " + c->errstr);
  redisSetTimeout(c.get(), to_timeval(u.command_timeout));
  redisEnableKeepAlive(c.get());
  if (!u.password.empty()) {
    auto auth = u.username.empty() ? run_argv(c.get(), {"AUTH", u.password})
                                   : run_argv(c.get(), {"AUTH", u.username, u.password});
    if (!auth.ok()) {
      const Error& e = auth.errors().front();
      return unavailable("Redis at " + where(u) + " refused the credentials in the URL" +
                         (e.code == "redis.error" ? " (" + e.message + ")" : ": " + e.message));
    }
  }
  if (select_db && u.db != 0) {
    const std::string db = std::to_string(u.db);
    auto sel = run_argv(c.get(), {"SELECT", db});
    if (!sel.ok()) return unavailable("Redis at " + where(u) + " refused SELECT " + db + ": " + sel.errors().front().message);
  }
  return c;
}

// A failure on a connection that sat idle and that Redis had already closed (a restart): the
// command never ran, so it is safe to send again on a fresh connection.
bool closed_while_idle(const redisContext* c) {
  if (c->err == REDIS_ERR_EOF) return true;
  const std::string_view e = c->errstr;
  return c->err == REDIS_ERR_IO && (e == std::strerror(ECONNRESET) || e == std::strerror(EPIPE));
}

}  // namespace

// ---- [3] RedisClient ---------------------------------------------------------------------------

struct RedisClient::Impl {
  RedisUrl url;
  std::size_t max;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ContextPtr> idle;
  std::size_t open = 0;
  std::atomic<bool> healthy{true};
  Clock::time_point retry_at{};
  milliseconds backoff = kFirstBackoff;
  bool probing = false;  // one caller at a time tries to reconnect after a failure
  std::string last_error;

  struct Lease {
    ContextPtr conn;
    bool reused = false;
  };

  Result<Lease> acquire() {
    std::unique_lock lock(mu);
    const auto deadline = Clock::now() + url.command_timeout;
    for (;;) {
      if (!idle.empty()) {
        Lease l{std::move(idle.back()), true};
        idle.pop_back();
        return l;
      }
      const bool down = !healthy.load();
      if (down && (Clock::now() < retry_at || probing))
        return unavailable("Redis is unreachable (" + last_error + "); retrying in the background");
      if (open < max) {
        ++open;
        if (down) probing = true;
        lock.unlock();
        auto c = connect_redis(url, true);
        lock.lock();
        if (down) probing = false;
        if (!c.ok()) {
          --open;
          failed(c.errors().front().message);
          backoff = std::min(backoff * 2, kMaxBackoff);
          cv.notify_all();
          return c.errors();
        }
        healthy = true;
        backoff = kFirstBackoff;
        return Lease{std::move(c).value(), false};
      }
      if (cv.wait_until(lock, deadline) == std::cv_status::timeout && idle.empty())
        return unavailable("all " + std::to_string(max) + " Redis connections are busy");
    }
  }

  // Called with the lock held.
  void failed(std::string message) {
    healthy = false;
    last_error = std::move(message);
    retry_at = Clock::now() + backoff;
  }

  void release(Lease lease, bool ok, const std::string& error = "") {
    std::lock_guard lock(mu);
    if (ok) {
      idle.push_back(std::move(lease.conn));
      healthy = true;
    } else {
      lease.conn.reset();
      --open;
      // The idle ones were opened in the same era and are most likely dead too.
      open -= idle.size();
      idle.clear();
      if (healthy) backoff = kFirstBackoff;
      failed(error);
    }
    cv.notify_one();
  }

  // Runs `io` on a pooled connection; retries once on a fresh one when a reused connection
  // turns out to have been closed while idle.
  template <class T, class F>
  Result<T> with_connection(F io) {
    for (int attempt = 0;; ++attempt) {
      auto lease = acquire();
      if (!lease.ok()) return lease.errors();
      redisContext* c = lease.value().conn.get();
      Result<T> r = io(c);
      if (c->err) {
        const bool retry = attempt == 0 && lease.value().reused && closed_while_idle(c);
        const std::string error = c->errstr;
        release(std::move(lease).value(), false, error);
        if (retry) continue;
        return unavailable("Redis command failed: " + error);
      }
      release(std::move(lease).value(), true);
      return r;
    }
  }
};

RedisClient::RedisClient(RedisUrl url, std::size_t pool_size) : impl_(std::make_unique<Impl>()) {
  ignore_sigpipe();
  impl_->url = std::move(url);
  impl_->max = std::max<std::size_t>(pool_size, 1);
}

RedisClient::~RedisClient() = default;

bool RedisClient::healthy() const { return impl_->healthy.load(); }
const RedisUrl& RedisClient::url() const { return impl_->url; }

Result<RedisReply> RedisClient::command(const std::vector<std::string_view>& args) {
  if (args.empty()) return Error{"redis.error", "empty command", ""};
  return impl_->with_connection<RedisReply>([&](redisContext* c) { return run_argv(c, args); });
}

Result<std::vector<RedisReply>> RedisClient::pipeline(const std::vector<std::vector<std::string>>& commands) {
  return impl_->with_connection<std::vector<RedisReply>>([&](redisContext* c) -> Result<std::vector<RedisReply>> {
    for (const auto& cmd : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      for (const auto& a : cmd) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
        return unavailable(std::string("Redis connection failed: ") + c->errstr);
    }
    std::vector<RedisReply> out;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK || !raw) return unavailable(std::string("Redis connection failed: ") + c->errstr);
      ReplyPtr r(static_cast<redisReply*>(raw));
      out.push_back(convert(r.get()));
    }
    return out;
  });
}

Result<RedisReply> RedisClient::eval(const RedisScript& script, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  const std::string nkeys = std::to_string(keys.size());
  auto call = [&](std::string_view verb, std::string_view body) {
    std::vector<std::string_view> argv{verb, body, nkeys};
    for (const auto& k : keys) argv.push_back(k);
    for (const auto& a : args) argv.push_back(a);
    return command(argv);
  };
  auto r = call("EVALSHA", script.sha1);
  if (!r.ok() && r.errors().front().code == "redis.error" && r.errors().front().message.rfind("NOSCRIPT", 0) == 0)
    return call("EVAL", script.source);
  return r;
}

// ---- [4] RedisSubscriber -----------------------------------------------------------------------

struct RedisSubscriber::Impl {
  RedisUrl url;
  std::vector<std::string> channels;
  OnMessage on_message;
  std::function<void()> on_resync;
  std::atomic<bool> stop{false}, connected{false};
  int wake[2] = {-1, -1};
  std::thread thread;

  // Sleeps up to `ms`, returning early (true) when asked to stop.
  bool sleep(milliseconds ms) {
    pollfd p{wake[0], POLLIN, 0};
    poll(&p, 1, static_cast<int>(ms.count()));
    return stop.load();
  }

  static bool send_all(redisContext* c) {
    int done = 0;
    while (!done)
      if (redisBufferWrite(c, &done) != REDIS_OK) return false;
    return true;
  }

  void run() {
    milliseconds backoff = kFirstBackoff;
    while (!stop.load()) {
      auto conn = connect_redis(url, false);
      if (!conn.ok()) {
        if (sleep(backoff)) break;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      backoff = kFirstBackoff;
      listen(conn.value().get());
      if (connected.exchange(false) && on_resync) on_resync();
    }
  }

  // Subscribes and dispatches messages until the connection fails or stop is asked.
  void listen(redisContext* c) {
    std::vector<const char*> argv{"SUBSCRIBE"};
    std::vector<std::size_t> lens{9};
    for (const auto& ch : channels) {
      argv.push_back(ch.data());
      lens.push_back(ch.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK || !send_all(c))
      return;
    const milliseconds ping_every{1000}, ping_deadline = std::max(url.command_timeout * 4, milliseconds(1000));
    auto last_heard = Clock::now();
    std::optional<Clock::time_point> ping_sent;
    std::size_t confirmed = 0;
    while (!stop.load()) {
      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      const int n = poll(fds, 2, 250);
      if (n < 0 && errno != EINTR) return;
      if (fds[1].revents) return;
      if (n > 0 && fds[0].revents) {
        if (redisBufferRead(c) != REDIS_OK) return;
        last_heard = Clock::now();
        ping_sent.reset();
        void* raw = nullptr;
        while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw) {
          ReplyPtr r(static_cast<redisReply*>(raw));
          raw = nullptr;
          if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_REPLY_STRING) continue;
          const std::string_view kind(r->element[0]->str, r->element[0]->len);
          if (kind == "subscribe" && ++confirmed == channels.size()) {
            connected = true;
            if (on_resync) on_resync();  // anything published before now was missed
          } else if (kind == "message" && r->elements == 3 && on_message) {
            on_message(std::string_view(r->element[1]->str, r->element[1]->len),
                       std::string_view(r->element[2]->str, r->element[2]->len));
          }
        }
        if (c->err) return;
      }
      // A silent peer (a frozen server, a dropped network) is found by PING, not by waiting.
      const auto now = Clock::now();
      if (ping_sent && now - *ping_sent > ping_deadline) return;
      if (!ping_sent && now - last_heard > ping_every) {
        if (redisAppendCommand(c, "PING") != REDIS_OK || !send_all(c)) return;
        ping_sent = now;
      }
    }
  }
};

RedisSubscriber::RedisSubscriber(RedisUrl url, std::vector<std::string> channels, OnMessage on_message,
                                 std::function<void()> on_resync)
    : impl_(std::make_unique<Impl>()) {
  ignore_sigpipe();
  impl_->url = std::move(url);
  impl_->channels = std::move(channels);
  impl_->on_message = std::move(on_message);
  impl_->on_resync = std::move(on_resync);
  if (pipe2(impl_->wake, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

RedisSubscriber::~RedisSubscriber() {
  impl_->stop = true;
  const char byte = 1;
  [[maybe_unused]] auto n = write(impl_->wake[1], &byte, 1);
  impl_->thread.join();
  close(impl_->wake[0]);
  close(impl_->wake[1]);
}

bool RedisSubscriber::connected() const { return impl_->connected.load(); }

}  // namespace porchlight::cache
