// metrics.hpp: counters and histograms rendered as Prometheus text at /metrics.
// Thread-safe; labels are small fixed sets (route, status class, model, location).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

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
  static constexpr double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
  struct Histogram {
    std::array<std::uint64_t, std::size(kBuckets)> buckets{};  // cumulative: observations <= kBuckets[i]
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
