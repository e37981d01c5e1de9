// dates.hpp (internal): civil dates as day numbers, weekdays, US federal holidays and business
// days. Contract deadlines, the Closing Disclosure and timelines all count days with these.
// Integer arithmetic only, so native and WASM agree to the day.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace porchlight::detail {

// Howard Hinnant's days_from_civil / civil_from_days: days since 1970-01-01, proleptic Gregorian.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day);
int weekday(std::int64_t days);  // 0 = Sunday ... 6 = Saturday
std::string_view weekday_name(std::int64_t days);
// The n-th (1-based) given weekday of a month; n = -1 for the last.
std::int64_t nth_weekday(std::int64_t year, unsigned month, int weekday, int n);

// A holiday rule: a fixed date (month, day), or the n-th weekday of a month (n = -1: the last),
// plus `days_after` days ("the day after Thanksgiving": the 4th Thursday of November, plus 1).
struct HolidayRule {
  std::string name;
  unsigned month = 1;
  unsigned day = 0;   // fixed date when non-zero
  int weekday = 0;    // otherwise the n-th weekday
  int nth = 0;
  int days_after = 0;
};

// The legal public holidays of 5 U.S.C. 6103(a), on their actual dates: how Regulation Z's
// "specific" business day (the Closing Disclosure's) counts them.
const std::vector<HolidayRule>& federal_holidays();
// The holiday on `days` among `rules`, or nullptr.
const HolidayRule* holiday_on(std::int64_t days, const std::vector<HolidayRule>& rules);
// Where a fixed-date federal holiday falls on a weekend, federal offices close the Friday before
// or the Monday after (5 U.S.C. 6103(b)); forms differ on whether that day counts.
const HolidayRule* observed_federal_holiday_on(std::int64_t days);

}  // namespace porchlight::detail
