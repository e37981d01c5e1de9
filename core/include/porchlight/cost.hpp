// porchlight/cost.hpp: what a usage record costs, from the price table in core/data/prices.json.
#pragma once

#include <string_view>

#include "porchlight/error.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"

namespace porchlight {

struct CostBreakdown {
  std::string model;          // the price-table entry used (dated ids map to their family)
  double input_usd = 0;
  double output_usd = 0;
  double cache_write_usd = 0;
  double cache_read_usd = 0;
  double server_tools_usd = 0;  // web searches, priced per search (prices.json server_tools)
  double total_usd = 0;
  bool long_context = false;  // the prompt crossed the model's long-context price band
};

// Unknown models are an error ("cost.unknown_model"): a cost we cannot price is never zero.
Result<CostBreakdown> cost_of(const Usage& usage, std::string_view model,
                              const Policy& policy = Policy::embedded());
// A price that never undercharges, for a model the table does not price (a deployment may allow
// such models instead of refusing them): every kind of token at the highest rate any model in the
// table charges for it, long-context bands included. `model` is "highest-rates".
CostBreakdown cost_at_highest_rates(const Usage& usage, const Policy& policy = Policy::embedded());
json to_json(const CostBreakdown& cost);

// USD amounts in JSON are rounded to 1e-8 (a millionth of a cent): readable, and exact enough
// that sums over a month stay right to the cent.
double round_usd(double usd);

}  // namespace porchlight
