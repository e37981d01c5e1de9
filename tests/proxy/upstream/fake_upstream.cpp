// fake_upstream.cpp: starts porchlight-fake-anthropic and talks to its control API.
#include "fake_upstream.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "net.hpp"

namespace porchlight::test {

namespace {

std::string fake_path() {
  const char* dir = std::getenv("PORCHLIGHT_BIN");
  return std::string(dir && *dir ? dir : PORCHLIGHT_DEFAULT_BIN_DIR) + "/porchlight-fake-anthropic";
}

}  // namespace

FakeUpstream& FakeUpstream::shared() {
  static FakeUpstream fake;
  return fake;
}

FakeUpstream::FakeUpstream() {
  const std::string path = fake_path();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw std::runtime_error("fake upstream not found at " + path +
                             "; build porchlight-fake-anthropic or set PORCHLIGHT_BIN to its directory");
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe() failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork() failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the test run, even if it crashes
    if (::getppid() != parent) ::_exit(1);
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(path.c_str(), path.c_str(), "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    const auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);  // the fake prints nothing else; a closed pipe only matters if it does
  const std::string prefix = "listening on ";
  const auto colon = line.rfind(':');
  if (line.rfind(prefix, 0) != 0 || colon == std::string::npos) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error(path + " did not print 'listening on HOST:PORT' within 10 s; it printed '" + line + "'");
  }
  host_ = line.substr(prefix.size(), colon - prefix.size());
  port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}

FakeUpstream::~FakeUpstream() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

nlohmann::json FakeUpstream::call(const std::string& method, const std::string& target, const std::string& body) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(net::ip::make_address(host_), port_));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_);
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (res.result_int() != 200)
    throw std::runtime_error("fake control " + method + " " + target + " answered " +
                             std::to_string(res.result_int()) + ": " + res.body());
  return nlohmann::json::parse(res.body());
}

void FakeUpstream::reset() { call("POST", "/_fake/reset", "{}"); }
void FakeUpstream::script(const nlohmann::json& behaviours) { call("POST", "/_fake/script", behaviours.dump()); }
void FakeUpstream::defaults(const nlohmann::json& behaviour) { call("POST", "/_fake/defaults", behaviour.dump()); }
nlohmann::json FakeUpstream::requests() { return call("GET", "/_fake/requests", ""); }
nlohmann::json FakeUpstream::stats() { return call("GET", "/_fake/stats", ""); }

std::string closed_base_url() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace porchlight::test
