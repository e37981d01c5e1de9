// models.cpp: the model table, read from the price table embedded in porchlight::core.
#include "models.hpp"

#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "porchlight/policy.hpp"

namespace porchlight::fake {

namespace {

// "claude-sonnet-5-5" → family "sonnet", version 55; "claude-opus-5" → "opus", 50.
ModelInfo describe(const std::string& id, std::int64_t min_cacheable) {
  ModelInfo m;
  m.id = id;
  m.min_cacheable_tokens = min_cacheable;
  std::string rest = id.rfind("claude-", 0) == 0 ? id.substr(7) : id;
  auto dash = rest.find('-');
  m.family = rest.substr(0, dash);
  int major = 0, minor = 0;
  if (dash != std::string::npos) std::sscanf(rest.c_str() + dash + 1, "%d-%d", &major, &minor);
  m.version_tenths = major * 10 + minor;

  std::string family_title = m.family;
  if (!family_title.empty()) family_title[0] = static_cast<char>(std::toupper(family_title[0]));
  m.display_name =
      "Claude " + family_title + " " + std::to_string(major) + (minor ? "." + std::to_string(minor) : "");

  const bool gen5 = m.version_tenths >= 50;
  m.max_output_tokens = gen5 ? 128000 : 64000;
  m.context_window = gen5 && m.family != "haiku" ? 1000000 : 200000;
  m.rejects_sampling_params = gen5 && (m.family == "sonnet" || m.family == "opus");
  m.supports_prefill = m.version_tenths < 46;
  m.supports_manual_thinking = m.version_tenths < 47;
  m.thinking_can_be_disabled = !(m.family == "fable" || m.family == "mythos" || (m.family == "opus" && m.version_tenths >= 55));
  m.supports_between_tools = m.family == "sonnet" && m.version_tenths >= 55;
  m.sampling_params_exclusive = m.version_tenths == 45;
  return m;
}

}  // namespace

ModelCatalogue::ModelCatalogue() {
  const auto& files = Policy::embedded().files();
  auto it = files.find("prices.json");
  if (it == files.end()) return;
  auto prices = nlohmann::json::parse(it->second, nullptr, false);
  if (prices.is_discarded() || !prices.contains("models") || !prices["models"].is_object()) return;
  for (const auto& [id, entry] : prices["models"].items()) {
    std::int64_t min_cacheable = 1024;
    if (entry.is_object() && entry.contains("min_cacheable_tokens") &&
        entry["min_cacheable_tokens"].is_number_integer()) {
      min_cacheable = entry["min_cacheable_tokens"].get<std::int64_t>();
    }
    models_.push_back(describe(id, min_cacheable));
  }
}

const ModelCatalogue& ModelCatalogue::instance() {
  static const ModelCatalogue catalogue;
  return catalogue;
}

const ModelInfo* ModelCatalogue::find(std::string_view requested) const {
  for (const auto& m : models_) {
    if (requested == m.id) return &m;
    // A dated variant: the id, a dash and eight digits.
    if (requested.size() == m.id.size() + 9 && requested.substr(0, m.id.size()) == m.id &&
        requested[m.id.size()] == '-') {
      bool digits = true;
      for (char c : requested.substr(m.id.size() + 1))
        digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) return &m;
    }
  }
  return nullptr;
}

}  // namespace porchlight::fake
