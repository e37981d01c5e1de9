// metrics.hpp: counters and histograms rendered as Prometheus text at /metrics.
// Thread-safe; labels are small fixed sets (route, status class, model, location).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace porchlight::proxy {

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void count(const std::string& name, const Labels& labels, double value = 1);
  void set(const std::string& name, const Labels& labels, double value);  // gauges
  // Histogram in seconds with fixed buckets from 100 µs to 60 s.
  void observe(const std::string& name, const Labels& labels, double seconds);
  void help(const std::string& name, const std::string& type, const std::string& text);

  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    std::uint64_t count = 0;
    double sum = 0;
  };
  static std::string key(const Labels& labels);
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, double>> counters_;
  std::map<std::string, std::map<std::string, double>> gauges_;
  std::map<std::string, std::map<std::string, Histogram>> histograms_;
  std::map<std::string, std::pair<std::string, std::string>> help_;
};

}  // namespace porchlight::proxy
