// qualify_data.hpp (internal): the parsed form of qualification.json, stages.json,
// extraction.json and contract_forms.json, held by PolicyData. Loaded by policy_qualify.cpp;
// read by qualify.cpp, stages.cpp, extract.cpp and contract.cpp.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dates.hpp"
#include "fact_values.hpp"
#include "porchlight/model.hpp"

namespace porchlight::detail {

// ---- qualification.json ------------------------------------------------------------------------

inline constexpr int kBuyer = 0, kSeller = 1;

// How one fact of an item is read: a plain yes or no answer maps to a class; other values are
// matched against the item's classes, else take `otherwise` (the item's when empty).
struct FactRead {
  std::string fact, yes, no, otherwise;
};
struct ValueClass {
  std::string name;
  std::vector<Phrase> phrases;  // found anywhere in the value
  std::vector<Phrase> alone;    // only as the whole value ("end", not "end of May")
};
struct ItemOutcome {
  std::string reading;  // the class
  ItemStatus status = ItemStatus::unknown;
  std::string problem;  // when status is problem
  std::string reads;    // "{value}", "{months}" and "{basis}" are filled in
};
struct ItemRule {
  std::string id;
  std::array<bool, 2> sides{};  // buyer, seller
  std::array<std::string, 2> label, say;
  std::vector<FactRead> facts;
  std::vector<ValueClass> classes;  // tried in order: the first that matches names the value
  std::string otherwise;
  bool timeline = false;  // read as a timeline: classes dated, browsing, unread
  std::vector<ItemOutcome> outcomes;  // precedence across facts: the earliest outcome wins
  // Still unknown, the item is answered (ok) when another item reads so: our signed buyer
  // agreement answers "signed with another agent?".
  struct AnsweredBy { std::string item, reading, reads; };
  std::vector<AnsweredBy> answered_by;
};
struct ProblemText {
  Severity severity = Severity::tip;
  std::string title, action, say, why, mistakes, edge, source;
  std::string ask_by;  // optional: limits how the next question may be asked
  std::vector<std::string> closes;  // contact channels it shuts ("text"), with `because` why
  std::string because;
};
// How the next question may be asked: the channels, and the words of a lead's stated preference.
struct Reach {
  std::vector<std::string> channels;  // "phone", "text", "e-mail"
  std::vector<std::string> preference_facts;
  std::vector<std::pair<std::string, std::vector<Phrase>>> preferences;  // channel, its words
};
// Checks across facts; each raises its problem (of the same name) on `item`.
struct CrossChecks {
  struct Touring { std::string item, unless; std::vector<std::string> tour_facts, appointment_facts; std::vector<Phrase> tour_words; } touring;
  struct Approval { std::string item; std::vector<std::string> price_facts, approval_facts; } approval;
  struct Cma { std::string item; std::vector<std::string> price_facts, cma_facts; int tolerance_percent = 5; } cma;
  struct Equity { std::string item; std::vector<std::string> payoff_facts, price_facts; int selling_cost_percent = 8; } equity;
};
struct ScoreRule {
  std::string id, label, item;
  int weight = 0;
  std::vector<std::pair<int, int>> months;  // (within months, -1 for the rest; points)
  std::map<std::string, int> points;        // by reading
  std::map<std::string, int> problem_points;  // a cross-check problem caps the points
  int unknown = 0;
};
struct ScoreCap {
  std::string item, reading, reason;
  int max = 0;
};
// A problem raised by what was said this turn (the agent's question, or the lead's message), not
// by a fact: "is it a safe neighborhood?", "no Section 8", "leave the leak off the disclosure".
struct SaidCheck {
  std::string problem;
  std::vector<Phrase> phrases;
};
struct QualifyData {
  std::vector<ItemRule> items;
  std::vector<SaidCheck> said_checks;
  std::array<std::vector<std::size_t>, 2> shown, checks;  // item indices per side
  std::vector<Phrase> yes, no;
  TimelineWords timeline_words;
  std::map<std::string, ProblemText> problems;
  CrossChecks cross;
  Reach reach;
  std::array<std::vector<std::string>, enum_count<ExperienceLevel>()> card_detail;
  std::array<std::vector<ScoreRule>, 2> score;
  std::vector<ScoreCap> caps;
  const ItemRule* item(std::string_view id) const {
    for (const auto& i : items) if (i.id == id) return &i;
    return nullptr;
  }
};

// ---- situations.json and playbooks/situations.md -----------------------------------------------

struct Situation {
  std::string id, title, text;  // text: the section's markdown, heading included
  std::int64_t tokens = 0;
  std::vector<std::string> facts;  // answered yes
  std::vector<std::pair<std::string, std::vector<Phrase>>> values;  // a fact's value has a phrase (none: any value)
  std::vector<Phrase> query;
};
struct SituationData {
  std::vector<Situation> list;
  std::size_t max_per_request = 3;
};

// ---- stages.json -------------------------------------------------------------------------------

struct StageSignal {
  std::string name;
  std::vector<std::string> facts;     // any of them present and not answered "no"
  std::string item;                   // or an item's reading among `readings`
  std::vector<std::string> readings;
  int months_over = -1;               // or the timeline item over this many months
  int known_items = 0;                // or at least this many shown items known
};
struct StageRule {
  ConversationStage to = ConversationStage::new_lead;
  std::vector<ConversationStage> from;
  std::vector<std::string> events, signals;
  std::string reason;
};
struct StageData {
  std::map<std::string, std::string> events;  // name -> what it means
  std::vector<StageSignal> signals;
  std::array<std::vector<StageRule>, 2> rules;
};

// ---- extraction.json ---------------------------------------------------------------------------

struct ExtractRule {
  std::string fact;
  std::string value;    // the fact's value, unless captured
  std::string negated;  // the value when a negation comes just before the phrase ("" skips)
  std::string capture;  // "", "money", "timeline", "count_before", "clause"
  std::vector<Phrase> phrases;
  bool alone = false;   // only when the phrase is the whole message ("STOP")
};
struct ExtractData {
  std::vector<ExtractRule> rules;
  std::vector<Phrase> negations;
  std::vector<Phrase> day_words;   // capture "day": what names a day ("saturday", "tmrw", "this weekend")
  std::vector<Phrase> time_words;  // and may follow it ("at", "@", "pm", "a las", "morning")
  std::size_t max_proposals = 12;
};

// ---- contract_forms.json -----------------------------------------------------------------------

enum class DayCount { calendar, business, trid_business };
enum class Roll { none, forward, backward };

struct DeadlineRule {
  std::string id, label, owner, source, note;
  std::string anchor = "effective";  // effective, closing, consummation, received:<fact>, or a deadline id
  std::string term;                  // the contract term that sets the number of days
  std::optional<int> days;           // the form's default; none: only when the term is given
  bool typical = false;              // days is a common period, printed on no form: shown as assumed
  bool tax_day_cap = false;          // ends by April 15 after the anchor's year if that comes first (1031)
  int sign = 1;                      // 1 after the anchor, -1 before it
  std::optional<DayCount> count;     // the form's when not set
  std::optional<Roll> roll;
  std::string time;                  // the cut-off, local time at the property ("17:00")
  std::string when;                  // a condition: financed, trid, hoa, pre_1978, ...
  std::vector<std::string> facts;    // lead facts that give this date as typed ("inspection_deadline")
  bool task = false;                 // a TC task rather than a contract deadline
};
struct ContractForm {
  std::string id, name, source, counting;
  std::vector<std::string> aliases;    // how a lead's contract_form or state fact may name it
  DayCount count = DayCount::calendar;
  bool acceptance_is_day_one = false;  // false: day 1 is the day after the effective date
  Roll roll = Roll::forward;
  std::string time = "23:59";
  std::string rolled_time;             // the cut-off of a deadline that rolled, when the form says
  std::vector<HolidayRule> holidays;   // the form's, besides the federal ones
  std::vector<DeadlineRule> deadlines;
};
struct ContractData {
  std::vector<ContractForm> forms;  // "generic" first
  std::vector<DeadlineRule> tasks;
  std::vector<std::string> trid_loans, other_loans;  // financing kinds the TRID rule covers, and not
  std::vector<std::string> conditions;               // every condition a rule may name
  const ContractForm* form(std::string_view id) const {
    for (const auto& f : forms) if (f.id == id) return &f;
    return nullptr;
  }
};

}  // namespace porchlight::detail
