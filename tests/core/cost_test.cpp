#include <doctest/doctest.h>

#include "helpers.hpp"
#include "porchlight/cost.hpp"

using namespace porchlight;

TEST_CASE("cost: every kind of token is priced, cache writes and reads included") {
  Usage u;
  u.input_tokens = 1'000'000;
  u.output_tokens = 100'000;
  u.cache_creation_input_tokens = 200'000;
  u.cache_creation_1h_input_tokens = 50'000;
  u.cache_read_input_tokens = 2'000'000;
  auto c = cost_of(u, "claude-sonnet-5-5");
  REQUIRE(c.ok());
  CHECK(c->input_usd == doctest::Approx(2.0));
  CHECK(c->output_usd == doctest::Approx(1.0));
  CHECK(c->cache_write_usd == doctest::Approx(150'000 * 2.5 / 1e6 + 50'000 * 4.0 / 1e6));
  CHECK(c->cache_read_usd == doctest::Approx(0.2));
  CHECK(c->total_usd == doctest::Approx(2.0 + 1.0 + 0.575 + 0.2));
  CHECK_FALSE(c->long_context);
}

TEST_CASE("cost: web searches are priced per search (prices.json server_tools), beside the tokens") {
  Usage u;
  u.input_tokens = 1'000'000;
  u.web_search_requests = 3;
  auto c = cost_of(u, "claude-sonnet-5-5");
  REQUIRE(c.ok());
  CHECK(c->server_tools_usd == doctest::Approx(0.03));
  CHECK(c->total_usd == doctest::Approx(2.0 + 0.03));
  CHECK(cost_at_highest_rates(u, Policy::embedded()).server_tools_usd == doctest::Approx(0.03));
  u.web_search_requests = 0;
  CHECK(cost_of(u, "claude-sonnet-5-5")->server_tools_usd == 0);
}

TEST_CASE("cost: Haiku 5.5 prompts over 100k tokens use the long-context band") {
  Usage small;
  small.input_tokens = 100'000;
  small.output_tokens = 1000;
  auto a = cost_of(small, "claude-haiku-5-5");
  REQUIRE(a.ok());
  CHECK_FALSE(a->long_context);
  CHECK(a->total_usd == doctest::Approx(0.01 + 0.0005));
  Usage big = small;
  big.cache_read_input_tokens = 1;  // the prompt now counts 100,001 tokens
  auto b = cost_of(big, "claude-haiku-5-5");
  REQUIRE(b.ok());
  CHECK(b->long_context);
  CHECK(b->input_usd == doctest::Approx(0.05));
}

TEST_CASE("cost: an unknown model is an error, never a free request") {
  auto c = cost_of(Usage{}, "gpt-9");
  REQUIRE_FALSE(c.ok());
  CHECK(c.errors().front().code == "cost.unknown_model");
  CHECK(c.errors().front().message.find("claude-sonnet-5-5") != std::string::npos);
}

TEST_CASE("cost: JSON amounts are rounded to 1e-8 USD") {
  CHECK(round_usd(0.00017333000000000002) == 0.00017333);
  CHECK(round_usd(1.234567891) == 1.23456789);
}

TEST_CASE("cost: the highest-rates price of any usage is at least what any model in the table charges for it") {
  // A copy: a reference into the parsed document dangled once the temporary was gone (ASan).
  const json prices = json::parse(Policy::embedded().files().at("prices.json"))["models"];
  Usage mixes[4];
  mixes[0].input_tokens = 1000;
  mixes[1].output_tokens = 5000;
  mixes[2].cache_creation_input_tokens = 30'000;
  mixes[2].cache_creation_1h_input_tokens = 10'000;
  mixes[2].cache_read_input_tokens = 90'000;
  mixes[3].input_tokens = 400'000;  // past every long-context threshold
  mixes[3].output_tokens = 2000;
  for (const auto& u : mixes) {
    const CostBreakdown highest = cost_at_highest_rates(u);
    CHECK(highest.model == "highest-rates");
    CHECK(highest.total_usd > 0);
    for (const auto& [model, entry] : prices.items()) {
      auto known = cost_of(u, model);
      REQUIRE(known.ok());
      CHECK(highest.total_usd >= known->total_usd);
    }
  }
}

TEST_CASE("cost: the models the Claude API serves today are priced, and a model it does not know is an error") {
  for (const char* model : {"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-4-6", "claude-fable-5",
                            "claude-mythos-5-1", "claude-sonnet-5-5", "claude-haiku-4-5-20251001"})
    CHECK_MESSAGE(cost_of(Usage{}, model).ok(), model);
  auto unknown = cost_of(Usage{}, "claude-opus-9-9");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.errors().front().code == "cost.unknown_model");
  CHECK(unknown.errors().front().message.find("claude-opus-4-7") != std::string::npos);  // names the known ones
}
