// tests/proxy/support.hpp: running the proxy's coroutines in a test, to completion.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "net.hpp"

namespace porchlight::test {

// Runs `operation` on a fresh event loop until it finishes; rethrows what it threw.
template <class T>
T run(net::io_context& io, awaitable<T> operation) {
  std::optional<T> out;
  std::exception_ptr failure;
  auto wrapper = [&out, op = std::move(operation)]() mutable -> awaitable<void> { out.emplace(co_await std::move(op)); };
  net::co_spawn(io, wrapper(), [&](std::exception_ptr e) { failure = e; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace porchlight::test
