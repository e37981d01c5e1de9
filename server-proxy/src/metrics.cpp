#include "metrics.hpp"

#include <cstdio>

namespace porchlight::proxy {

namespace {
void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

template <class Value>
Value& Metrics::series(Family<Value>& family, std::string_view name, Labels labels) {
  key_.clear();  // name="value",name="value" (the Prometheus label set as it is rendered)
  for (const auto& [label, value] : labels) {
    if (!key_.empty()) key_ += ',';
    key_ += label;
    key_ += "=\"";
    append_escaped(key_, value);
    key_ += '"';
  }
  auto f = family.find(name);
  if (f == family.end()) f = family.emplace(std::string(name), typename Family<Value>::mapped_type{}).first;
  auto s = f->second.find(key_);
  if (s == f->second.end()) s = f->second.emplace(key_, Value{}).first;
  return s->second;
}

void Metrics::count(std::string_view name, Labels labels, double value) {
  std::lock_guard lock(mutex_);
  series(counters_, name, labels) += value;
}

void Metrics::set(std::string_view name, Labels labels, double value) {
  std::lock_guard lock(mutex_);
  series(gauges_, name, labels) = value;
}

void Metrics::observe(std::string_view name, Labels labels, double seconds) {
  std::lock_guard lock(mutex_);
  Histogram& h = series(histograms_, name, labels);
  for (std::size_t i = 0; i < std::size(kBuckets); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::help(const std::string& name, const std::string& type, const std::string& text) {
  std::lock_guard lock(mutex_);
  help_[name] = {type, text};
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto header = [&](const std::string& name, const char* fallback_type) {
    auto it = help_.find(name);
    if (it != help_.end()) out += "# HELP " + name + " " + it->second.second + "\n# TYPE " + name + " " + it->second.first + "\n";
    else out += "# TYPE " + name + " " + fallback_type + "\n";
  };
  auto with = [](const std::string& labels, const std::string& extra) {
    if (labels.empty() && extra.empty()) return std::string();
    if (labels.empty()) return "{" + extra + "}";
    if (extra.empty()) return "{" + labels + "}";
    return "{" + labels + "," + extra + "}";
  };
  for (const auto& [name, series] : counters_) {
    header(name, "counter");
    for (const auto& [labels, v] : series) out += name + with(labels, "") + " " + number(v) + "\n";
  }
  for (const auto& [name, series] : gauges_) {
    header(name, "gauge");
    for (const auto& [labels, v] : series) out += name + with(labels, "") + " " + number(v) + "\n";
  }
  for (const auto& [name, series] : histograms_) {
    header(name, "histogram");
    for (const auto& [labels, h] : series) {
      for (std::size_t i = 0; i < std::size(kBuckets); ++i)
        out += name + "_bucket" + with(labels, "le=\"" + number(kBuckets[i]) + "\"") + " " + std::to_string(h.buckets[i]) + "\n";
      out += name + "_bucket" + with(labels, "le=\"+Inf\"") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + with(labels, "") + " " + number(h.sum) + "\n";
      out += name + "_count" + with(labels, "") + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace porchlight::proxy
