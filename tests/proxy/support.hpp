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
  net::co_spawn(io, std::move(operation), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out.emplace(std::move(value));
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace porchlight::test
