// fake_upstream.hpp: the real fake Anthropic API (porchlight-fake-anthropic) as a child process
// for the upstream client's tests, and its control API (/_fake/*).
//
// The binary is looked up in $PORCHLIGHT_BIN, else in the build's bin/. A missing binary, or one
// that does not print "listening on HOST:PORT" within 10 s, FAILS the tests (they never skip).
#pragma once

#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace porchlight::test {

class FakeUpstream {
 public:
  // One fake for the whole run, started on first use and stopped at exit.
  static FakeUpstream& shared();

  std::string base_url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  unsigned short port() const { return port_; }

  void reset();                                  // POST /_fake/reset
  void script(const nlohmann::json& behaviours);  // POST /_fake/script, a list used in order
  void defaults(const nlohmann::json& behaviour); // POST /_fake/defaults
  nlohmann::json requests();                      // GET /_fake/requests, oldest first
  nlohmann::json stats();                         // GET /_fake/stats

  ~FakeUpstream();

 private:
  FakeUpstream();
  nlohmann::json call(const std::string& method, const std::string& target, const std::string& body);

  pid_t pid_ = -1;
  std::string host_;
  unsigned short port_ = 0;
};

// An address where nothing listens (a port bound, then released).
std::string closed_base_url();

}  // namespace porchlight::test
