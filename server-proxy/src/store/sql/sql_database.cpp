// store/sql/sql_database.cpp: parameters and rows, the values that cross sql_database.hpp.

#include "store/sql/sql_database.hpp"

#include <charconv>

namespace porchlight::store::detail {

Param null_param() { return Param{}; }
Param text(std::string_view v) {
  Param p;
  p.kind = Param::Kind::text;
  p.text = std::string(v);
  return p;
}
Param integer(std::int64_t v) {
  Param p;
  p.kind = Param::Kind::integer;
  p.integer = v;
  return p;
}
Param real(double v) {
  Param p;
  p.kind = Param::Kind::real;
  p.real = v;
  return p;
}
Param boolean(bool v) {
  Param p;
  p.kind = Param::Kind::boolean;
  p.boolean = v;
  return p;
}
Param blob(std::string_view bytes) {
  Param p;
  p.kind = Param::Kind::blob;
  p.text = std::string(bytes);
  return p;
}

std::string format_real(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

std::int64_t Rows::integer(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) {  // Postgres prints sum(bigint) as numeric: "12" or "12.0"
    double d = 0;
    std::from_chars(s.data(), s.data() + s.size(), d);
    return static_cast<std::int64_t>(d);
  }
  return v;
}

double Rows::real(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool Rows::boolean(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  return s == "1" || s == "t" || s == "true";
}

}  // namespace porchlight::store::detail
