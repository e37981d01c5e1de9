// porchlight-loadgen: an open-loop HTTP load generator for bench/gateway.
//
//   --url http://HOST:PORT/PATH --body FILE [--header "K: V"]...
//   (--url again: several instances of one service; connection or stream i goes to URL i mod n)
//   --mode rate    --rate R --duration S [--connections C]   fixed arrival rate; latency measured
//                  from each request's scheduled start (no coordinated omission)
//   --mode ttft    --requests N                              streaming; time to first text delta
//   --mode soak    --streams N [--watch-pid PID]...          N concurrent streams to the end; peak RSS
//   --latencies FILE    also writes "start_ms latency_ms index" per answered request (start: its
//                       scheduled time, from the run's start): to see when slow requests happen
//   --requests-file FILE --line-header NAME   (rate mode) request i sends line i of FILE, each line
//                       "VALUE<TAB>BODY" with VALUE in header NAME: prepared requests (e.g. signed
//                       webhooks), so that preparing them costs the run no CPU; replaces --body
//
// Prints one JSON object. Plain HTTP/1.1 with keep-alive; one event-loop thread.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

struct Endpoint {
  std::string host, port, target;
};

struct Options {
  std::vector<Endpoint> endpoints;
  std::string body, mode = "rate";
  std::vector<std::pair<std::string, std::string>> headers;
  double rate = 1000, duration = 5;
  int connections = 64, requests = 200, streams = 1000;
  std::vector<int> watch;
  std::string latencies_file;
  std::vector<std::pair<std::string, std::string>> lines;  // --requests-file: (header value, body)
  std::string line_header;
};

struct Stats {
  std::vector<double> latency_ms, ttft_ms;
  struct Answered {
    double start_ms, latency_ms;
    long index;
  };
  std::vector<Answered> timeline;  // with --latencies
  Clock::time_point t0;
  long ok = 0, errors = 0, sent = 0, completed_streams = 0;
  long shed = 0;  // answered 429 or 503 (an overloaded server refusing at once): not errors
  long peak_rss_kb = 0, base_rss_kb = 0;
  long open_streams = 0, max_open_streams = 0;  // connected and not yet ended: the concurrency reached
};

double pct(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

long rss_kb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

http::request<http::string_body> make_request(const Options& o, const Endpoint& to, long index) {
  http::request<http::string_body> req{http::verb::post, to.target, 11};
  req.set(http::field::host, to.host + ":" + to.port);
  req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : o.headers) req.set(k, v);
  if (o.lines.empty()) {
    req.body() = o.body;
  } else {
    const auto& [value, body] = o.lines[static_cast<std::size_t>(index) % o.lines.size()];
    req.set(o.line_header, value);
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

// One request on `stream`; returns false on any failure (the caller reconnects). For streams,
// reports the first text delta and waits for message_stop. A 429 or 503 answer is counted as shed
// (and the connection kept when the server keeps it).
net::awaitable<bool> exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer, const Options& o, const Endpoint& to,
                              Clock::time_point start, Stats& s, bool streaming, bool* shed = nullptr, long index = 0) {
  auto req = make_request(o, to, index);
  stream.expires_after(std::chrono::seconds(120));
  auto [ec, n] = co_await http::async_write(stream, req, kTuple);
  if (ec) co_return false;
  if (!streaming) {
    http::response<http::string_body> res;
    auto [ec2, n2] = co_await http::async_read(stream, buffer, res, kTuple);
    if (!ec2 && shed && (res.result_int() == 429 || res.result_int() == 503)) {
      *shed = true;
      co_return res.keep_alive();
    }
    if (ec2 || res.result_int() != 200) co_return false;
    s.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!o.latencies_file.empty())
      s.timeline.push_back({std::chrono::duration<double, std::milli>(start - s.t0).count(), s.latency_ms.back(), index});
    co_return res.keep_alive();
  }
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [ec3, n3] = co_await http::async_read_header(stream, buffer, parser, kTuple);
  if (ec3 || parser.get().result_int() != 200) co_return false;
  bool first = false, stopped = false;
  std::string tail;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec4, n4] = co_await http::async_read_some(stream, buffer, parser, kTuple);
    if (ec4 == http::error::need_buffer) ec4 = {};
    if (ec4) co_return false;
    tail.append(chunk, sizeof chunk - parser.get().body().size);
    if (!first && tail.find("content_block_delta") != std::string::npos) {
      first = true;
      s.ttft_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    if (tail.find("message_stop") != std::string::npos) stopped = true;
    if (tail.size() > 64) tail.erase(0, tail.size() - 64);
  }
  s.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  if (stopped) ++s.completed_streams;
  co_return stopped && parser.get().keep_alive();
}

net::awaitable<bool> connect(beast::tcp_stream& stream, const Endpoint& to) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [ec, results] = co_await resolver.async_resolve(to.host, to.port, kTuple);
  if (ec) co_return false;
  stream.expires_after(std::chrono::seconds(10));
  auto [ec2, ep] = co_await stream.async_connect(results, kTuple);
  if (!ec2) stream.socket().set_option(tcp::no_delay(true));
  co_return !ec2;
}

// Fixed-rate: worker w takes requests w, w+C, w+2C... each scheduled at t0 + i / rate.
net::awaitable<void> rate_worker(const Options& o, Stats& s, int w, long total, Clock::time_point t0) {
  auto ex = co_await net::this_coro::executor;
  const Endpoint& to = o.endpoints[static_cast<std::size_t>(w) % o.endpoints.size()];
  auto stream = std::make_unique<beast::tcp_stream>(ex);
  beast::flat_buffer buffer;
  bool connected = co_await connect(*stream, to);
  net::steady_timer timer(ex);
  for (long i = w; i < total; i += o.connections) {
    const auto at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / o.rate));
    timer.expires_at(at);
    co_await timer.async_wait(kTuple);
    ++s.sent;
    if (!connected) {
      stream = std::make_unique<beast::tcp_stream>(ex);
      buffer.clear();
      connected = co_await connect(*stream, to);
    }
    bool shed = false;
    const bool kept = connected && co_await exchange(*stream, buffer, o, to, at, s, false, &shed, i);
    if (shed) ++s.shed;
    else if (kept) ++s.ok;
    else ++s.errors;
    connected = kept;
  }
}

net::awaitable<void> stream_worker(const Options& o, const Endpoint& to, Stats& s, int count) {
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < count; ++i) {
    beast::tcp_stream stream(ex);
    beast::flat_buffer buffer;
    ++s.sent;
    const auto start = Clock::now();
    bool ok = co_await connect(stream, to);
    if (ok) {
      s.max_open_streams = std::max(s.max_open_streams, ++s.open_streams);
      ok = co_await exchange(stream, buffer, o, to, start, s, true);
      --s.open_streams;
    }
    ok ? ++s.ok : ++s.errors;
  }
}

net::awaitable<void> watch_rss(const Options& o, Stats& s, bool& done) {
  net::steady_timer timer(co_await net::this_coro::executor);
  while (!done) {
    long total = 0;
    for (int pid : o.watch) total += rss_kb(pid);
    s.peak_rss_kb = std::max(s.peak_rss_kb, total);
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(kTuple);
  }
}

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> urls;
  std::string body_file, requests_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--url") urls.push_back(v);
    else if (k == "--body") body_file = v;
    else if (k == "--header") { auto c = v.find(':'); o.headers.emplace_back(v.substr(0, c), v.substr(v.find_first_not_of(' ', c + 1))); }
    else if (k == "--mode") o.mode = v;
    else if (k == "--rate") o.rate = std::stod(v);
    else if (k == "--duration") o.duration = std::stod(v);
    else if (k == "--connections") o.connections = std::stoi(v);
    else if (k == "--requests") o.requests = std::stoi(v);
    else if (k == "--streams") o.streams = std::stoi(v);
    else if (k == "--watch-pid") o.watch.push_back(std::stoi(v));
    else if (k == "--latencies") o.latencies_file = v;
    else if (k == "--requests-file") requests_file = v;
    else if (k == "--line-header") o.line_header = v;
    else { std::cerr << "loadgen: unknown option " << k << "\n"; return 2; }
  }
  for (const auto& url : urls) {
    if (url.rfind("http://", 0) != 0) break;
    const std::string rest = url.substr(7);
    const auto slash = rest.find('/');
    const std::string hostport = rest.substr(0, slash);
    o.endpoints.push_back({hostport.substr(0, hostport.rfind(':')), hostport.substr(hostport.rfind(':') + 1),
                           slash == std::string::npos ? "/" : rest.substr(slash)});
  }
  if (urls.empty() || o.endpoints.size() != urls.size() || (body_file.empty() == requests_file.empty()) ||
      (!requests_file.empty() && (o.line_header.empty() || o.mode != "rate"))) {
    std::cerr << "loadgen: --url http://... and either --body FILE or (rate mode) --requests-file FILE --line-header NAME\n";
    return 2;
  }
  if (!requests_file.empty()) {
    std::ifstream rf(requests_file);
    for (std::string line; std::getline(rf, line);) {
      const auto tab = line.find('\t');
      if (tab == std::string::npos) {
        std::cerr << "loadgen: " << requests_file << ": a line without VALUE<TAB>BODY\n";
        return 2;
      }
      o.lines.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
    if (o.lines.empty()) {
      std::cerr << "loadgen: " << requests_file << " has no requests\n";
      return 2;
    }
  } else {
    std::ifstream bf(body_file);
    std::stringstream ss;
    ss << bf.rdbuf();
    o.body = ss.str();
  }
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);

  net::io_context io(1);
  Stats s;
  bool done = false;
  for (int pid : o.watch) s.base_rss_kb += rss_kb(pid);
  const auto t0 = Clock::now() + std::chrono::milliseconds(50);
  s.t0 = t0;
  // The same instant on the wall clock, for a peer process that times what follows a request.
  const double t0_unix_ms =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count() + 50.0;
  if (o.mode == "rate") {
    const long total = static_cast<long>(o.rate * o.duration);
    for (int w = 0; w < o.connections; ++w) net::co_spawn(io, rate_worker(o, s, w, total, t0), net::detached);
  } else if (o.mode == "ttft") {
    net::co_spawn(io, stream_worker(o, o.endpoints[0], s, o.requests), net::detached);
  } else if (o.mode == "soak") {
    for (int i = 0; i < o.streams; ++i)
      net::co_spawn(io, stream_worker(o, o.endpoints[static_cast<std::size_t>(i) % o.endpoints.size()], s, 1), net::detached);
  } else {
    std::cerr << "loadgen: --mode is rate, ttft or soak\n";
    return 2;
  }
  if (!o.watch.empty()) {
    net::co_spawn(io, watch_rss(o, s, done), net::detached);
    std::thread([&] {
      while (s.ok + s.errors + s.shed < (o.mode == "soak" ? o.streams : o.mode == "ttft" ? o.requests : static_cast<long>(o.rate * o.duration)))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      net::post(io, [&] { done = true; });
    }).detach();
  }
  const auto started = Clock::now();
  io.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  if (!o.latencies_file.empty()) {
    std::ofstream out(o.latencies_file);
    for (const auto& a : s.timeline) out << a.start_ms << ' ' << a.latency_ms << ' ' << a.index << '\n';
    if (!out) { std::cerr << "loadgen: cannot write " << o.latencies_file << "\n"; return 2; }
  }
  std::printf("{\"mode\":\"%s\",\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"shed\":%ld,\"completed_streams\":%ld,\"elapsed_s\":%.3f,"
              "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"ttft_p50_ms\":%.3f,\"ttft_p99_ms\":%.3f,"
              "\"peak_rss_kb\":%ld,\"base_rss_kb\":%ld,\"max_open_streams\":%ld,\"t0_unix_ms\":%.3f}\n",
              o.mode.c_str(), s.sent, s.ok, s.errors, s.shed, s.completed_streams, elapsed, pct(s.latency_ms, 0.5),
              pct(s.latency_ms, 0.9), pct(s.latency_ms, 0.99), pct(s.latency_ms, 1.0), pct(s.ttft_ms, 0.5),
              pct(s.ttft_ms, 0.99), s.peak_rss_kb, s.base_rss_kb, s.max_open_streams, t0_unix_ms);
  return s.errors == 0 ? 0 : 1;
}
