// dates.cpp: civil dates, weekdays and US federal holidays (see dates.hpp), and the public
// parse_civil_date / format_civil_date of porchlight/qualify.hpp.

#include <algorithm>
#include "dates.hpp"

#include <cstdio>

#include "porchlight/qualify.hpp"

namespace porchlight {

namespace detail {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

int weekday(std::int64_t days) { return static_cast<int>(((days + 4) % 7 + 7) % 7); }

std::string_view weekday_name(std::int64_t days) {
  static constexpr std::string_view names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                               "Thursday", "Friday", "Saturday"};
  return names[weekday(days)];
}

std::int64_t nth_weekday(std::int64_t year, unsigned month, int wd, int n) {
  if (n > 0) {
    const std::int64_t first = days_from_civil(year, month, 1);
    return first + (wd - weekday(first) + 7) % 7 + 7 * (n - 1);
  }
  const std::int64_t last =
      days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
  return last - (weekday(last) - wd + 7) % 7;
}

const std::vector<HolidayRule>& federal_holidays() {
  static const std::vector<HolidayRule> rules = {
      {"New Year's Day", 1, 1, 0, 0},
      {"Birthday of Martin Luther King, Jr.", 1, 0, 1, 3},
      {"Washington's Birthday", 2, 0, 1, 3},
      {"Memorial Day", 5, 0, 1, -1},
      {"Juneteenth National Independence Day", 6, 19, 0, 0},
      {"Independence Day", 7, 4, 0, 0},
      {"Labor Day", 9, 0, 1, 1},
      {"Columbus Day", 10, 0, 1, 2},
      {"Veterans Day", 11, 11, 0, 0},
      {"Thanksgiving Day", 11, 0, 4, 4},
      {"Christmas Day", 12, 25, 0, 0},
  };
  return rules;
}

const HolidayRule* holiday_on(std::int64_t days, const std::vector<HolidayRule>& rules) {
  std::int64_t y;
  unsigned m, d;
  for (const auto& r : rules) {
    const std::int64_t base = days - r.days_after;  // the date the rule names (Thanksgiving, for the day after)
    civil_from_days(base, y, m, d);
    if (r.month != m) continue;
    if (r.day ? r.day == d : nth_weekday(y, m, r.weekday, r.nth) == base) return &r;
  }
  return nullptr;
}

const HolidayRule* observed_federal_holiday_on(std::int64_t days) {
  const int wd = weekday(days);
  if (wd == 5) {  // a Friday: the holiday may be tomorrow
    if (const HolidayRule* h = holiday_on(days + 1, federal_holidays()); h && h->day) return h;
  } else if (wd == 1) {  // a Monday: the holiday may have been yesterday
    if (const HolidayRule* h = holiday_on(days - 1, federal_holidays()); h && h->day) return h;
  }
  return nullptr;
}

}  // namespace detail

bool parse_civil_date(std::string_view t, std::int64_t& days) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < lens[k]; ++i) {
      const char c = t[starts[k] + i];
      if (c < '0' || c > '9') return false;
      v[k] = v[k] * 10 + (c - '0');
    }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[0] < 1900) return false;
  days = detail::days_from_civil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2]));
  std::int64_t y;
  unsigned m, d;
  detail::civil_from_days(days, y, m, d);
  return static_cast<int>(d) == v[2];  // rejects 2026-02-30
}

std::string format_civil_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  detail::civil_from_days(days, y, m, d);
  // As "%04lld-%02u-%02u" would print it, without printf (which would pull the C library's
  // formatter and its 128-bit float code into the browser's core).
  std::string year = std::to_string(y < 0 ? -y : y);
  year.insert(0, static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, (y < 0 ? 3 : 4) - static_cast<std::ptrdiff_t>(year.size()))), '0');
  if (y < 0) year.insert(0, 1, '-');
  auto two = [](unsigned v) { return std::string(1, static_cast<char>('0' + v / 10 % 10)) + static_cast<char>('0' + v % 10); };
  return year + "-" + two(m) + "-" + two(d);
}

}  // namespace porchlight
