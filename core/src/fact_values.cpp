// fact_values.cpp: tokens, phrases, clauses, money and timelines (see fact_values.hpp).
//
// Sections:
//   [1] tokens
//   [2] phrases and clauses
//   [3] money
//   [4] timelines

#include "fact_values.hpp"

#include <algorithm>

#include "dates.hpp"
#include "porchlight/qualify.hpp"

namespace porchlight::detail {

// ---- [1] tokens --------------------------------------------------------------------------------

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// An apostrophe inside a word ("don't", "we’re"): ASCII or U+2019; its length in bytes, or 0.
std::size_t apostrophe_at(std::string_view t, std::size_t i) {
  if (t[i] == '\'') return 1;
  if (i + 2 < t.size() && static_cast<unsigned char>(t[i]) == 0xE2 && static_cast<unsigned char>(t[i + 1]) == 0x80 &&
      static_cast<unsigned char>(t[i + 2]) == 0x99)
    return 3;
  return 0;
}

// Scales a number token by a following multiplier word; true when one was applied.
bool apply_multiplier(Token& n, std::string_view word) {
  std::int64_t by = 0;
  if (word == "k" || word == "thousand" || word == "grand") by = 1000;
  // "mil": "1.2 mil" is a million; "380 mil" (Spanish) is thousands: no home costs 380 million.
  else if (word == "mil" && n.milli >= 100 * 1000) by = 1000;
  else if (word == "m" || word == "mm" || word == "mil" || word == "million" || word == "millions") by = 1000000;
  if (!by || n.milli > (std::int64_t{1} << 50) / by) return false;
  n.milli *= by;
  n.money = true;
  return true;
}

}  // namespace

std::vector<Token> tokenize(std::string_view t) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    const bool dollar = c == '$' && i + 1 < t.size() && is_digit(t[i + 1]);
    if (dollar || is_digit(c)) {
      Token n;
      n.number = true;
      n.money = dollar;
      n.begin = i;
      if (dollar) ++i;
      std::int64_t whole = 0;
      int digits = 0;
      // Digits, with "," grouping only where three digits follow ("450,000"; "3,4" is two numbers).
      while (i < t.size()) {
        if (is_digit(t[i])) {
          if (digits < 15) whole = whole * 10 + (t[i] - '0');
          ++digits;
          ++i;
        } else if (t[i] == ',' && i + 3 < t.size() && is_digit(t[i + 1]) && is_digit(t[i + 2]) &&
                   is_digit(t[i + 3]) && (i + 4 >= t.size() || !is_digit(t[i + 4]))) {
          ++i;
        } else {
          break;
        }
      }
      std::int64_t milli = whole * 1000;
      if (i + 1 < t.size() && t[i] == '.' && is_digit(t[i + 1])) {  // up to three decimals
        ++i;
        std::int64_t scale = 100;
        while (i < t.size() && is_digit(t[i])) {
          if (scale) milli += (t[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
      }
      n.milli = milli;
      n.end = i;
      n.text = std::string(t.substr(n.begin, n.end - n.begin));
      out.push_back(std::move(n));
      continue;
    }
    if (is_alpha(c)) {
      Token w;
      w.begin = i;
      while (i < t.size()) {
        if (is_alpha(t[i]) || is_digit(t[i])) {
          w.text += lower(t[i]);
          ++i;
        } else if (const std::size_t a = apostrophe_at(t, i); a && i + a < t.size() && is_alpha(t[i + a])) {
          i += a;  // "don't" reads "dont"
        } else {
          break;
        }
      }
      w.end = i;
      // "450k", "1.2m", "450 thousand": the multiplier belongs to the number before it.
      if (!out.empty() && out.back().number && apply_multiplier(out.back(), w.text)) {
        out.back().end = w.end;
        continue;
      }
      out.push_back(std::move(w));
      continue;
    }
    ++i;
  }
  return out;
}

// ---- [2] phrases and clauses -------------------------------------------------------------------

std::optional<Phrase> make_phrase(std::string_view text) {
  Phrase p;
  p.label = std::string(text);
  std::string_view body = text;
  if (!body.empty() && body.back() == '*') {
    p.prefix = true;
    body.remove_suffix(1);
  }
  for (auto& tok : tokenize(body)) p.words.push_back(std::move(tok.text));
  if (p.words.empty()) return std::nullopt;
  return p;
}

std::size_t find_phrase(const std::vector<Token>& tokens, const Phrase& p, std::size_t from) {
  const std::size_t n = p.words.size();
  if (n == 0 || tokens.size() < n) return std::string::npos;
  for (std::size_t i = from; i + n <= tokens.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < n && match; ++k) {
      const std::string& word = tokens[i + k].text;
      const bool last = k + 1 == n;
      match = last && p.prefix ? word.rfind(p.words[k], 0) == 0 : word == p.words[k];
    }
    if (match) return i;
  }
  return std::string::npos;
}

bool has_phrase(const std::vector<Token>& tokens, const std::vector<Phrase>& phrases) {
  for (const auto& p : phrases)
    if (find_phrase(tokens, p) != std::string::npos) return true;
  return false;
}

std::vector<Clause> clauses(std::string_view text) {
  std::vector<Clause> out;
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    std::string_view c = text.substr(start, end - start);
    while (!c.empty() && (c.front() == ' ' || c.front() == '\t' || c.front() == '"')) c.remove_prefix(1);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t' || c.back() == '\r' || c.back() == '"')) c.remove_suffix(1);
    if (!c.empty()) {
      Clause clause{c, tokenize(c)};
      if (!clause.tokens.empty()) out.push_back(std::move(clause));
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool decimal = c == '.' && i > 0 && i + 1 < text.size() && is_digit(text[i - 1]) && is_digit(text[i + 1]);
    if ((c == '.' && !decimal) || c == '!' || c == '?' || c == ';' || c == '\n') {
      flush(i);
      start = i + 1;
    }
  }
  flush(text.size());
  return out;
}

// ---- [3] money ---------------------------------------------------------------------------------

namespace {
std::int64_t dollars(const Token& n, bool bare_is_thousands) {
  std::int64_t d = n.milli / 1000;
  if (d > 0 && d < 10000 && (bare_is_thousands || n.money)) d *= 1000;  // "450", "$450-500k"
  return d;
}
}  // namespace

std::optional<std::int64_t> money_in(const std::vector<Token>& tokens, std::size_t from, std::size_t within,
                                     bool bare_is_thousands) {
  for (std::size_t i = from; i < tokens.size() && i < from + within; ++i) {
    if (!tokens[i].number) continue;
    if (!tokens[i].money && !bare_is_thousands) return std::nullopt;
    const std::int64_t d = dollars(tokens[i], true);
    return d > 0 ? std::optional<std::int64_t>(d) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> money_value(std::string_view text) {
  std::optional<std::int64_t> best;
  for (const Token& t : tokenize(text)) {
    if (!t.number) continue;
    const std::int64_t d = dollars(t, true);
    if (d > 0 && (!best || d > *best)) best = d;
  }
  return best;
}

std::string format_money(std::int64_t d) {
  std::string digits = std::to_string(d < 0 ? -d : d), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (d < 0 ? "-$" : "$") + out;
}

// ---- [4] timelines -----------------------------------------------------------------------------

namespace {

int months_from_days(std::int64_t days) { return days <= 0 ? 0 : static_cast<int>((days + 29) / 30); }

// "one".."twelve", "a", "couple", "few": small counts written as words.
std::optional<std::int64_t> count_word(std::string_view w) {
  static constexpr std::string_view words[] = {"zero", "one", "two", "three", "four", "five", "six",
                                               "seven", "eight", "nine", "ten", "eleven", "twelve"};
  for (std::size_t i = 0; i < std::size(words); ++i)
    if (w == words[i]) return static_cast<std::int64_t>(i);
  if (w == "a" || w == "an") return 1;
  if (w == "couple") return 2;
  if (w == "few") return 3;
  if (w == "several") return 4;
  return std::nullopt;
}

// Months in one unit, or 0 when the word is not a unit of time.
int unit_days(std::string_view w) {
  if (w == "day" || w == "days") return 1;
  if (w == "week" || w == "weeks" || w == "wk" || w == "wks") return 7;
  if (w == "month" || w == "months" || w == "mo" || w == "mos" || w == "mths") return 30;
  if (w == "year" || w == "years" || w == "yr" || w == "yrs") return 365;
  return 0;
}

int month_number(std::string_view w) {
  static constexpr std::string_view names[] = {"january", "february", "march", "april", "may", "june", "july",
                                               "august", "september", "october", "november", "december"};
  for (int m = 0; m < 12; ++m) {
    if (w == names[m]) return m + 1;
    if (w.size() == 3 && names[m].substr(0, 3) == w && w != "may" && w != "mar" && w != "jun") return m + 1;
  }
  if (w == "sept") return 9;
  return 0;
}

int season_month(std::string_view w) {
  if (w == "spring") return 3;
  if (w == "summer") return 6;
  if (w == "fall" || w == "autumn") return 9;
  if (w == "winter") return 12;
  return 0;
}

// Words after which "may", "march" or a season name a time rather than a verb.
bool time_preposition(std::string_view w) {
  return w == "by" || w == "in" || w == "until" || w == "before" || w == "after" || w == "early" ||
         w == "late" || w == "mid" || w == "end" || w == "of" || w == "around" || w == "next" || w == "this";
}

}  // namespace

TimelineReading read_timeline(std::string_view text, std::int64_t today, const TimelineWords& vocab) {
  TimelineReading r;
  const std::vector<Token> t = tokenize(text);
  for (const Phrase& p : vocab.now)
    if (find_phrase(t, p) != std::string::npos) return {0, false, p.label};

  std::int64_t y0 = 0;
  unsigned m0 = 0, d0 = 0;
  if (today >= 0) civil_from_days(today, y0, m0, d0);

  // A date written out: YYYY-MM-DD.
  for (std::size_t i = 0; today >= 0 && i + 10 <= text.size(); ++i) {
    std::int64_t when;
    if (is_digit(text[i]) && (i == 0 || !is_digit(text[i - 1])) && parse_civil_date(text.substr(i, 10), when))
      return {months_from_days(when - today), false, std::string(text.substr(i, 10))};
  }

  for (std::size_t i = 0; i < t.size(); ++i) {
    // "half a year"
    if (t[i].text == "half" && i + 2 < t.size() && t[i + 1].text == "a" && unit_days(t[i + 2].text) == 365)
      return {6, false, "half a year"};
    // A count, an optional second count of a range ("3-6 months", "3 to 6 months"), a unit.
    std::optional<std::int64_t> n;
    if (t[i].number) n = t[i].milli / 1000;
    else n = count_word(t[i].text);
    if (!n) continue;
    std::size_t j = i + 1;
    if (j < t.size() && t[j].text == "to") ++j;
    if (j < t.size() && (t[j].number || count_word(t[j].text))) ++j;
    if (j < t.size() && t[j].text == "of" && t[i].text == "couple") ++j;
    if (j >= t.size()) continue;
    const int per = unit_days(t[j].text);
    if (!per) continue;
    const std::int64_t days = std::min<std::int64_t>(*n, 1000) * per;
    const int months = per == 365 ? static_cast<int>(std::min<std::int64_t>(*n, 100) * 12)
                       : per == 30 ? static_cast<int>(std::min<std::int64_t>(*n, 1200))
                                   : months_from_days(days);
    return {months, false, std::string(text.substr(t[i].begin, t[j].end - t[i].begin))};
  }

  if (today >= 0) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      const std::string& w = t[i].text;
      const bool after_preposition = i > 0 && time_preposition(t[i - 1].text);
      int month = month_number(w);
      if ((w == "may" || w == "march") && !after_preposition && !(i + 1 < t.size() && t[i + 1].number)) month = 0;
      if (!month) month = season_month(w);
      if (month) {
        std::int64_t year = y0 + (static_cast<unsigned>(month) < m0 ? 1 : 0);
        std::size_t end = t[i].end;
        if (i + 1 < t.size() && t[i + 1].number && t[i + 1].milli >= 2000000 && t[i + 1].milli <= 2100000) {
          year = t[i + 1].milli / 1000;
          end = t[i + 1].end;
        }
        const std::int64_t months = std::max<std::int64_t>(0, (year - y0) * 12 + month - static_cast<int>(m0));
        return {static_cast<int>(std::min<std::int64_t>(months, 1200)), false,
                std::string(text.substr(t[i].begin, end - t[i].begin))};
      }
      if (w == "year" && after_preposition && t[i - 1].text == "next") return {12, false, "next year"};
      if (w == "year" && after_preposition) return {static_cast<int>(12 - m0), false, "this year"};
      if (t[i].number && t[i].milli >= 2000000 && t[i].milli <= 2100000 && after_preposition) {
        const std::int64_t months = std::max<std::int64_t>(0, (t[i].milli / 1000 - y0) * 12 + 1 - static_cast<int>(m0));
        return {static_cast<int>(std::min<std::int64_t>(months, 1200)), false, t[i].text};
      }
    }
  }
  for (const Phrase& p : vocab.browsing)
    if (find_phrase(t, p) != std::string::npos) return {-1, true, p.label};
  return r;
}

}  // namespace porchlight::detail
