// contract.cpp: the contract-to-close calculator (see porchlight/qualify.hpp): every deadline and
// TC task from the effective date and the contract's terms, by a form's counting rules
// (contract_forms.json).
//
// Sections:
//   [1] counting days
//   [2] checking the terms
//   [3] contract_timeline
//   [4] terms from a lead's facts

#include <algorithm>
#include <set>

#include "dates.hpp"
#include "fact_values.hpp"
#include "json_reader.hpp"
#include "policy_data.hpp"
#include "porchlight/qualify.hpp"
#include "text.hpp"

namespace porchlight {

using detail::ContractForm;
using detail::DayCount;
using detail::DeadlineRule;
using detail::Roll;

namespace {

// ---- [1] counting days -------------------------------------------------------------------------

struct Calendar {
  const ContractForm& form;
  // A business day under the form: Monday to Friday, not a federal holiday nor one of the form's.
  bool business(std::int64_t day) const {
    const int wd = detail::weekday(day);
    return wd != 0 && wd != 6 && !holiday(day);
  }
  const detail::HolidayRule* holiday(std::int64_t day) const {
    if (auto h = detail::holiday_on(day, detail::federal_holidays())) return h;
    return detail::holiday_on(day, form.holidays);
  }
  // One of the form's own (state) holidays, not a federal one: whether a form's "legal holiday"
  // takes it in is not always settled.
  const detail::HolidayRule* state_holiday(std::int64_t day) const {
    return detail::holiday_on(day, detail::federal_holidays()) ? nullptr : detail::holiday_on(day, form.holidays);
  }
  // Regulation Z's specific business day: every day but Sundays and federal legal holidays.
  static bool trid_business(std::int64_t day) {
    return detail::weekday(day) != 0 && !detail::holiday_on(day, detail::federal_holidays());
  }
};

const char* count_name(DayCount c) {
  return c == DayCount::calendar ? "calendar days" : c == DayCount::business ? "business days" : "business days (Regulation Z: all but Sundays and federal holidays)";
}

// `n` days after (sign 1) or before (sign -1) `from`, counted as `count` says. Calendar days
// start on the day after, unless the form counts the day of acceptance as day 1.
std::int64_t count_days(std::int64_t from, int n, int sign, DayCount count, bool acceptance_is_day_one, const Calendar& cal) {
  if (count == DayCount::calendar) return from + sign * (n - (acceptance_is_day_one && sign > 0 && n > 0 ? 1 : 0));
  std::int64_t day = from;
  for (int counted = 0; counted < n;) {
    day += sign;
    if (count == DayCount::business ? cal.business(day) : Calendar::trid_business(day)) ++counted;
  }
  return day;
}

std::string day_words(std::int64_t day) { return std::string(detail::weekday_name(day)) + " " + format_civil_date(day); }

// `day`, moved past the days that are not business days, forward or backward; `why` says which
// ones were passed ("Friday 2027-02-12 (Lincoln Day), Saturday..., Monday 2027-02-15 (Presidents'
// Day) are not business days").
// `state` names the form's own holidays passed, whose standing the agent should confirm.
std::int64_t rolled(std::int64_t day, Roll roll, const Calendar& cal, std::string* why = nullptr, std::string* state = nullptr) {
  if (roll == Roll::none || cal.business(day)) return day;
  std::string passed;
  int count = 0;
  for (; !cal.business(day); day += roll == Roll::forward ? 1 : -1, ++count) {
    const auto* h = cal.holiday(day);
    passed += (passed.empty() ? "" : ", ") + day_words(day) + (h ? " (" + h->name + ")" : "");
    if (const auto* s = cal.state_holiday(day); s && state) *state += (state->empty() ? "" : " and ") + s->name;
  }
  if (why) *why = passed + (count == 1 ? " is not a business day, so it moves to " : " are not business days, so it moves to ") + day_words(day);
  return day;
}

// ---- [2] checking the terms --------------------------------------------------------------------

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Every term name the form and the tasks know, for messages and for reading a lead's facts.
std::set<std::string> terms_of(const ContractForm& form, const detail::ContractData& data) {
  std::set<std::string> out;
  for (const auto& d : form.deadlines) if (!d.term.empty()) out.insert(d.term);
  for (const auto& d : data.tasks) if (!d.term.empty()) out.insert(d.term);
  return out;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

// ---- [3] contract_timeline ---------------------------------------------------------------------

Result<ContractTimeline> contract_timeline(const ContractTerms& t, std::string_view today, const Policy& policy) {
  const auto& data = policy.data().contracts;
  Errors errors;
  auto fail = [&](std::string code, std::string path, std::string message) {
    errors.push_back({"contract." + code, std::move(message), std::move(path)});
  };
  std::int64_t now = 0;
  if (!parse_civil_date(today, now)) fail("invalid_today", "today", "expected today's date as YYYY-MM-DD");
  const ContractForm* form = data.form(t.form);
  if (!form) {
    std::string known;
    for (const auto& f : data.forms) known += (known.empty() ? "" : ", ") + f.id;
    fail("unknown_form", "form", "no contract form '" + t.form + "'; expected one of " + known);
    return errors;
  }
  auto date = [&](const std::string& text, const std::string& path, std::optional<std::int64_t>& out) {
    if (text.empty()) return;
    std::int64_t d;
    if (parse_civil_date(text, d)) out = d;
    else fail("invalid_date", path, "expected a date as YYYY-MM-DD, got " + detail::in_quotes(text));
  };
  std::optional<std::int64_t> effective, closing, signing;
  date(t.effective_date, "effective_date", effective);
  date(t.closing_date, "closing_date", closing);
  date(t.loan_signing_date, "loan_signing_date", signing);
  std::map<std::string, std::int64_t> dates;
  for (const auto& [name, text] : t.dates) {
    std::optional<std::int64_t> d;
    date(text, "dates." + name, d);
    if (d) dates[name] = *d;
  }
  const auto known_terms = terms_of(*form, data);
  for (const auto& [term, n] : t.days) {
    if (!known_terms.count(term)) fail("unknown_term", "days." + term, "the " + form->id + " form has no term '" + term + "'; it knows " + joined(known_terms));
    else if (n < 0 || n > 3650) fail("invalid_term", "days." + term, "expected 0 to 3650 days");
  }
  std::set<std::string> conditions;
  for (const auto& c : t.conditions) {
    if (std::find(data.conditions.begin(), data.conditions.end(), c) == data.conditions.end())
      fail("unknown_condition", "conditions", "no condition '" + c + "'; expected one of " + joined({data.conditions.begin(), data.conditions.end()}));
    conditions.insert(c);
  }
  if (!errors.empty()) return errors;

  ContractTimeline out;
  out.form = form->id;
  out.form_name = form->name;
  out.counting = form->counting;
  out.source = form->source;

  // Financing decides the financing deadlines and whether the TRID rule (the Closing Disclosure) applies.
  const std::string financing = lower_ascii(t.financing);
  const bool cash = financing == "cash";
  const bool known_trid = std::find(data.trid_loans.begin(), data.trid_loans.end(), financing) != data.trid_loans.end();
  const bool known_other = std::find(data.other_loans.begin(), data.other_loans.end(), financing) != data.other_loans.end();
  if (financing.empty()) {
    out.notes.push_back("Financing not given: the loan deadlines and the Closing Disclosure are left out. Set financing (cash, conventional, fha, va, ...).");
  } else if (cash) {
    conditions.insert("cash");
    out.notes.push_back("Cash purchase: no loan deadlines and no Closing Disclosure (TRID covers consumer mortgage loans); the buyer's proof of funds should be in the file.");
  } else {
    conditions.insert("financed");
    if (known_other) out.notes.push_back("Financing '" + financing + "' is not a loan the TRID rule covers: no Closing Disclosure is required (the lender gives its own disclosures).");
    else conditions.insert("trid");
    if (!known_trid && !known_other)
      out.notes.push_back("Financing '" + financing + "' read as a consumer mortgage the TRID rule covers; confirm with the lender.");
  }

  const Calendar cal{*form};
  // A closing counted from closing_days is counted and rolled as the form's closing deadline is.
  if (!closing && effective)
    if (auto n = t.days.find("closing_days"); n != t.days.end()) {
      const auto rule = std::find_if(form->deadlines.begin(), form->deadlines.end(), [](const DeadlineRule& r) { return r.id == "closing"; });
      const bool has_rule = rule != form->deadlines.end();
      closing = rolled(count_days(*effective, n->second, 1, has_rule && rule->count ? *rule->count : form->count,
                                  form->acceptance_is_day_one, cal),
                       has_rule && rule->roll ? *rule->roll : form->roll, cal);
    }
  const std::optional<std::int64_t> consummation = signing ? signing : closing;
  if (signing && closing && *signing > *closing) out.notes.push_back("The loan signing date is after the closing date: check both.");
  if (closing && !cal.business(*closing))
    out.notes.push_back("Closing falls on " + day_words(*closing) + ", which is not a business day: title, lenders and recorders are usually closed.");

  std::map<std::string, std::int64_t> computed;  // deadline id -> date, for anchors
  std::vector<std::string> assumed_terms;        // typical periods used for want of the contract's
  auto add = [&](const DeadlineRule& r) {
    if (!r.when.empty() && !conditions.count(r.when)) return;
    // A date the lead typed in wins: the contract as written is the authority.
    ContractDeadline item;
    item.id = r.id;
    item.label = r.label;
    item.owner = r.owner;
    item.source = r.source;
    item.note = r.note;
    item.task = r.task;
    std::optional<std::int64_t> typed;
    std::string typed_as;
    if (auto it = dates.find(r.id); it != dates.end()) typed = it->second, typed_as = r.id;
    for (const auto& f : r.facts)
      if (!typed) if (auto it = dates.find(f); it != dates.end()) typed = it->second, typed_as = f;
    if (r.id == "closing" && !t.closing_date.empty() && closing) typed = *closing, typed_as = "closing_date";

    std::optional<int> n = r.days;
    bool assumed = r.typical;
    if (auto it = t.days.find(r.term); !r.term.empty() && it != t.days.end()) n = it->second, assumed = false;
    std::optional<std::int64_t> anchor;
    std::string anchor_words;
    if (r.anchor == "effective") anchor = effective, anchor_words = "the effective date";
    else if (r.anchor == "closing") anchor = closing, anchor_words = "closing";
    else if (r.anchor == "consummation") anchor = consummation, anchor_words = signing ? "the loan signing" : "the loan signing (closing)";
    else if (r.anchor.rfind("date:", 0) == 0) {
      const std::string name = r.anchor.substr(5);
      if (auto it = dates.find(name); it != dates.end()) anchor = it->second;
      anchor_words = name;
    } else if (auto it = computed.find(r.anchor); it != computed.end()) {
      anchor = it->second;
      anchor_words = "the " + r.anchor + " deadline";
    }

    std::optional<std::int64_t> when;
    if (anchor && n) {
      const DayCount count = r.count.value_or(form->count);
      std::int64_t day = count_days(*anchor, *n, r.sign, count, form->acceptance_is_day_one && r.anchor == "effective", cal);
      item.rule = std::to_string(*n) + (*n == 1 ? " day " : " days ") + (r.sign > 0 ? "after " : "before ") + anchor_words + " (" +
                  format_civil_date(*anchor) + "), " + count_name(count);
      // A typical period is not the contract's: the date says so, and a note asks for the number.
      if (assumed) {
        item.assumed = true;
        item.rule += "; ASSUMED: a typical period, not your contract's (give " + r.term + ")";
      }
      // Tasks land on working days (earlier when counting back to closing); a deadline counted
      // back from closing stands where it falls unless its rule says otherwise.
      const Roll roll = r.roll.value_or(r.task ? (r.sign > 0 ? Roll::forward : Roll::backward) : r.sign > 0 ? form->roll : Roll::none);
      // A cut-off time belongs to deadlines counted from the contract, not to closing-day events.
      const bool cut_off = !r.task && r.sign > 0 && r.anchor != "closing" && r.anchor != "consummation";
      item.time = !r.time.empty() ? r.time : cut_off ? form->time : "";
      if (count != DayCount::trid_business) {
        std::string why, state;
        day = rolled(day, roll, cal, &why, &state);
        if (!why.empty()) {
          item.rule += "; " + why;
          if (!form->rolled_time.empty() && !r.task) item.time = form->rolled_time;
        }
        if (!state.empty() && !r.task)  // moving a deadline later is the risky direction: say so
          item.note += std::string(item.note.empty() ? "" : " ") + "It moved past " + state +
                       ", a state holiday in this form's list: confirm your form treats it as a holiday before relying on the later date.";
      }
      // A 1031 exchange ends by the tax return's due date when that comes first (26 U.S.C. 1031(a)(3)(B)).
      if (r.tax_day_cap) {
        std::int64_t year;
        unsigned month, dom;
        detail::civil_from_days(*anchor, year, month, dom);
        const std::int64_t tax_day = detail::days_from_civil(year + 1, 4, 15);
        if (tax_day < day) {
          day = tax_day;
          item.rule += "; April 15 " + std::to_string(year + 1) +
                       ", the tax return's due date for a calendar-year taxpayer, comes first unless the return is extended";
        }
      }
      if (const auto* h = detail::observed_federal_holiday_on(day); h && count != DayCount::trid_business)
        item.note += std::string(item.note.empty() ? "" : " ") + day_words(day) + " is when " + h->name +
                     " is observed: confirm whether your form treats it as a holiday.";
      when = day;
    }
    if (typed) {
      if (when && *when != *typed)
        out.notes.push_back(r.label + ": entered as " + format_civil_date(*typed) + " (" + typed_as + "); the " + form->id +
                            " rules give " + format_civil_date(*when) + ". Check the contract.");
      // "matches" only where the form counts the date from something else (a rate lock's date is its own).
      const bool counted = r.anchor != "date:" + typed_as;
      item.rule = "as entered (" + typed_as + ")" + (counted && when && *when == *typed ? "; matches the form's count" : "");
      item.from_lead = true;
      item.assumed = false;
      when = typed;
    }
    if (!when) {
      if (r.task) return;  // a task without its anchor waits until the date is known
      if (!n && !r.term.empty()) out.notes.push_back(r.label + ": give " + r.term + " (the form leaves it blank).");
      else if (!anchor && r.anchor == "effective") return;  // one note below says the effective date is missing
      else if (!anchor) out.notes.push_back(r.label + ": enter " + anchor_words + (r.anchor.rfind("date:", 0) == 0 ? " (a date)" : "") + " to count it.");
      return;
    }
    computed[r.id] = *when;
    if (item.assumed) assumed_terms.push_back(r.term);
    item.date = format_civil_date(*when);
    item.days_left = *when - now;
    const bool done = std::find(t.done.begin(), t.done.end(), r.id) != t.done.end();
    item.status = done ? "done" : item.days_left < 0 ? "overdue" : item.days_left == 0 ? "due_today" : "upcoming";
    out.items.push_back(std::move(item));
  };
  for (const auto& r : form->deadlines) add(r);
  for (const auto& r : data.tasks) add(r);

  if (conditions.count("financed"))
    if (auto lock = computed.find("rate_lock"); lock != computed.end() && consummation && lock->second < *consummation)
      out.notes.push_back("The rate lock expires " + format_civil_date(lock->second) + ", before the loan signing " +
                          format_civil_date(*consummation) + ": ask the lender about an extension and who pays for it.");
  if (!assumed_terms.empty()) {
    std::string terms;
    for (const auto& term : assumed_terms) terms += (terms.empty() ? "" : ", ") + term;
    out.notes.push_back("ASSUMED dates: counted from typical periods, not your contract's numbers. Give " + terms +
                        " from the signed contract before relying on them.");
  }
  if (!effective) out.notes.push_back("No effective (acceptance) date: only dates counted back from closing, and dates entered, are shown.");
  std::stable_sort(out.items.begin(), out.items.end(), [](const ContractDeadline& a, const ContractDeadline& b) {
    return a.date != b.date ? a.date < b.date : !a.task && b.task;
  });
  return out;
}

// ---- [4] terms from a lead's facts -------------------------------------------------------------

std::optional<ContractTerms> contract_terms_from(const Lead& lead, const Policy& policy) {
  const auto& data = policy.data().contracts;
  const auto& q = policy.data().qualify;
  auto get = [&](std::initializer_list<const char*> names) -> const std::string* {
    for (const char* n : names)
      if (auto it = lead.facts.find(n); it != lead.facts.end()) return &it->second;
    return nullptr;
  };
  auto yes = [&](const std::string& v) {
    const auto t = detail::tokenize(v);
    for (const auto& p : q.yes) if (p.words.size() == t.size() && detail::find_phrase(t, p) == 0) return true;
    return false;
  };
  ContractTerms t;
  std::int64_t scratch;
  if (auto v = get({"effective_date", "acceptance_date", "contract_date"}); v && parse_civil_date(*v, scratch)) t.effective_date = *v;
  if (auto v = get({"closing_date", "close_of_escrow"}); v && parse_civil_date(*v, scratch)) t.closing_date = *v;
  if (auto v = get({"loan_signing_date", "signing_date"}); v && parse_civil_date(*v, scratch)) t.loan_signing_date = *v;

  // The form: named, or the property's state.
  if (auto v = get({"contract_form", "form", "state"})) {
    const std::string name = detail::normalize_for_matching(*v);
    for (const auto& f : data.forms) {
      bool match = " " + f.id + " " == name;
      for (const auto& a : f.aliases) match = match || name == " " + detail::normalize_for_matching(a).substr(1);
      if (match) { t.form = f.id; break; }
    }
  }
  const ContractForm* form = data.form(t.form);

  if (auto v = get({"cash_buyer"}); v && yes(*v)) t.financing = "cash";
  else if (auto v = get({"financing", "loan_type"})) {
    const auto tokens = detail::tokenize(*v);
    if (!tokens.empty()) t.financing = tokens[0].text == "cash" || (tokens.size() > 1 && tokens[1].text == "cash") ? "cash" : tokens[0].text;
  }
  // No financing named, but a pre-approval or a lender on file: a mortgage, which TRID covers.
  if (t.financing.empty()) {
    const std::string* approved = get({"pre_approved", "pre_approval"});
    if ((approved && yes(*approved)) || get({"lender"})) t.financing = "mortgage";
  }
  for (const auto& term : terms_of(*form, data))
    if (auto it = lead.facts.find(term); it != lead.facts.end()) {
      const auto tokens = detail::tokenize(it->second);
      if (!tokens.empty() && tokens[0].number && tokens[0].milli % 1000 == 0 && tokens[0].milli <= 3650000)
        t.days[term] = static_cast<int>(tokens[0].milli / 1000);
    }
  // Dates typed in, under a deadline's own facts or an anchor's name.
  bool typed = false;
  auto take_date = [&](const std::string& fact) {
    if (auto it = lead.facts.find(fact); it != lead.facts.end() && parse_civil_date(it->second, scratch)) {
      t.dates[fact] = it->second;
      typed = true;
    }
  };
  for (const auto* list : {&form->deadlines, &data.tasks})
    for (const auto& r : *list) {
      for (const auto& f : r.facts) if (f != "closing_date" && f != "close_of_escrow") take_date(f);
      if (r.anchor.rfind("date:", 0) == 0) take_date(r.anchor.substr(5));
      if (lead.facts.count(r.id + "_done") && yes(lead.facts.at(r.id + "_done"))) t.done.push_back(r.id);
    }
  // Conditions: a fact answered yes, and the year built for lead-based paint.
  for (const auto& c : data.conditions)
    if (auto it = lead.facts.find(c); it != lead.facts.end() && yes(it->second)) t.conditions.push_back(c);
  if (auto v = get({"year_built"})) {
    const auto tokens = detail::tokenize(*v);
    const std::int64_t year = !tokens.empty() && tokens[0].number ? tokens[0].milli / 1000 : 0;
    if (year >= 1600 && year < 1978) t.conditions.push_back("pre_1978");
  }
  if (auto v = get({"foreign_seller"}); v && yes(*v)) t.conditions.push_back("seller_foreign");
  if (lead.facts.count("rent_back_days") && t.days.count("rent_back_days")) t.conditions.push_back("rent_back");
  std::sort(t.conditions.begin(), t.conditions.end());
  t.conditions.erase(std::unique(t.conditions.begin(), t.conditions.end()), t.conditions.end());
  // financed/trid/cash are derived from financing, never taken from facts.
  std::erase_if(t.conditions, [](const std::string& c) { return c == "financed" || c == "trid" || c == "cash"; });

  if (t.effective_date.empty() && t.closing_date.empty() && !typed) return std::nullopt;
  return t;
}

}  // namespace porchlight
