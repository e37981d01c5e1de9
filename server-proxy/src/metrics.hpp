// metrics.hpp: counters and histograms rendered as Prometheus text at /metrics.
// Thread-safe; labels are small fixed sets (route, status class, model, location).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace porchlight::proxy {

class Metrics {
 public:
  // Label names and values are read during the call only; a series that exists already is
  // found without allocating (these run several times per request).
  using Label = std::pair<std::string_view, std::string_view>;
  using Labels = std::initializer_list<Label>;

  void count(std::string_view name, Labels labels, double value = 1);
  void set(std::string_view name, Labels labels, double value);  // gauges
  // Histogram in seconds with fixed buckets from 100 µs to 60 s.
  void observe(std::string_view name, Labels labels, double seconds);
  void help(const std::string& name, const std::string& type, const std::string& text);

  std::string render() const;

 private:
  static constexpr std::size_t kBucketCount = 18;
  struct Histogram {
    std::array<std::uint64_t, kBucketCount> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  template <class Value>
  using Family = std::map<std::string, std::map<std::string, Value, std::less<>>, std::less<>>;
  // The series of `name` with `labels` in `family`, created on first use. Caller holds mutex_.
  template <class Value>
  Value& series(Family<Value>& family, std::string_view name, Labels labels);

  mutable std::mutex mutex_;
  std::string key_;  // scratch for series(): its capacity is kept between calls
  Family<double> counters_;
  Family<double> gauges_;
  Family<Histogram> histograms_;
  std::map<std::string, std::pair<std::string, std::string>> help_;
};

}  // namespace porchlight::proxy
