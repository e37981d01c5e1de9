// porchlight/error.hpp: the one error type of the core, and Result<T>.
//
// The core never throws across its API. A failed call returns every problem it found, each with a
// stable code ("profile.invalid_role"), a field path ("profile.role") and a message that says what
// the caller did wrong and how to fix it. Codes are part of the API: never rename one.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace porchlight {

struct Error {
  std::string code;     // stable, dotted: "<object>.<problem>"
  std::string message;  // a diagnosis, in English
  std::string path;     // where in the input: "profile.specializations[2]"; empty for the whole input
};

using Errors = std::vector<Error>;

// A value or the errors that prevented it. Small on purpose: ok(), value(), errors().
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Errors errors) : state_(std::move(errors)) {}
  Result(Error error) : state_(Errors{std::move(error)}) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T* operator->() const { return &std::get<0>(state_); }

  const Errors& errors() const { return std::get<1>(state_); }

 private:
  std::variant<T, Errors> state_;
};

}  // namespace porchlight
