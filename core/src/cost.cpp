#include "porchlight/cost.hpp"

#include <algorithm>
#include <cmath>

#include "policy_data.hpp"

namespace porchlight {

namespace {

// `band`'s price of `u`, and its server tools' at `per_search`, into `c`.
void price_with(const Usage& u, const detail::PriceBand& band, double per_search, CostBreakdown& c) {
  // Prices are USD per million tokens.
  auto usd = [](std::int64_t tokens, double per_million) {
    return static_cast<double>(tokens) * per_million / 1e6;
  };
  const std::int64_t writes_1h = u.cache_creation_1h_input_tokens;
  const std::int64_t writes_5m = u.cache_creation_input_tokens - writes_1h;
  c.input_usd = usd(u.input_tokens, band.input);
  c.output_usd = usd(u.output_tokens, band.output);
  c.cache_write_usd = usd(writes_5m, band.cache_write_5m) + usd(writes_1h, band.cache_write_1h);
  c.cache_read_usd = usd(u.cache_read_input_tokens, band.cache_read);
  c.server_tools_usd = static_cast<double>(std::max<std::int64_t>(u.web_search_requests, 0)) * per_search;
  c.total_usd = c.input_usd + c.output_usd + c.cache_write_usd + c.cache_read_usd + c.server_tools_usd;
}

}  // namespace

Result<CostBreakdown> cost_of(const Usage& u, std::string_view model, const Policy& policy) {
  CostBreakdown c;
  const detail::ModelPrice* price = policy.data().price_for(model, &c.model);
  if (!price) {
    std::string known;
    for (const auto& [id, p] : policy.data().prices) { if (!known.empty()) known += ", "; known += id; }
    return Error{"cost.unknown_model",
                 "model '" + std::string(model.substr(0, 100)) +
                     "' is not in the price table (core/data/prices.json); known models: " + known,
                 "model"};
  }
  const std::int64_t prompt_tokens =
      u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
  const detail::PriceBand* band = &price->base;
  if (price->long_context && prompt_tokens > price->long_context_above_tokens) {
    band = &*price->long_context;
    c.long_context = true;
  }
  price_with(u, *band, policy.data().web_search_per_search, c);
  return c;
}

CostBreakdown cost_at_highest_rates(const Usage& u, const Policy& policy) {
  detail::PriceBand highest;
  auto raise = [&](const detail::PriceBand& b) {
    highest.input = std::max(highest.input, b.input);
    highest.output = std::max(highest.output, b.output);
    highest.cache_write_5m = std::max(highest.cache_write_5m, b.cache_write_5m);
    highest.cache_write_1h = std::max(highest.cache_write_1h, b.cache_write_1h);
    highest.cache_read = std::max(highest.cache_read, b.cache_read);
  };
  for (const auto& [id, price] : policy.data().prices) {
    raise(price.base);
    if (price.long_context) raise(*price.long_context);
  }
  CostBreakdown c;
  c.model = "highest-rates";
  price_with(u, highest, policy.data().web_search_per_search, c);
  return c;
}

double round_usd(double usd) { return std::round(usd * 1e8) / 1e8; }

json to_json(const CostBreakdown& c) {
  return json{{"model", c.model},
              {"input_usd", round_usd(c.input_usd)},
              {"output_usd", round_usd(c.output_usd)},
              {"cache_write_usd", round_usd(c.cache_write_usd)},
              {"cache_read_usd", round_usd(c.cache_read_usd)},
              {"server_tools_usd", round_usd(c.server_tools_usd)},
              {"total_usd", round_usd(c.total_usd)},
              {"long_context", c.long_context}};
}

}  // namespace porchlight
