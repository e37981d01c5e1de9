// porchlight/qualify.hpp: the qualification orchestrator: what the agent knows about a lead and
// what it means, where the lead stands, what the lead just said, and what is coming due.
//
//   qualification_checklist  LPMAMA for buyers, its seller counterpart: each item read from the
//                            facts' values (unknown, ok or problem); problems with what to do
//                            (compliance ones are alerts); a lead score with weighted parts
//   advance_stage            the lead's stage moved by facts and events, each move with its reason
//   extract_facts            facts a text states ("pre-approved for 450"), proposed, never written
//   contract_timeline        every contract-to-close deadline and TC task from the acceptance date
//                            and the contract's terms, by the rules of a form
//   guidance_cards           the cards a surface shows beside an answer
//
// All rules, words, weights and texts are data (core/data/qualification.json, stages.json,
// extraction.json, contract_forms.json; docs/coaching.md says where each rule comes from). The
// core has no clock: `today` is a YYYY-MM-DD date given by the caller.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"

namespace porchlight {

// ---- checklist, problems, score ----------------------------------------------------------------

struct ChecklistItem {
  std::string id, label;
  std::string say;             // the question, word for word
  ItemStatus status = ItemStatus::unknown;
  std::string known_as;        // the fact that decided it
  std::string value;           // that fact's value
  std::string reading;         // what the value was read as: "pre_qualification", "signed"
  std::string reads;           // the same in words: "pre-qualified only"
  std::string problem;         // the problem's id when status is problem
  int months = -1;             // timeline items: months from today, -1 when not read
  bool shown = true;           // false for checks kept out of the list (consent to text and call)
};

struct Problem {
  std::string id, item;
  Severity severity = Severity::tip;
  std::string title, action, say, why, mistakes, edge, source;
  std::string ask_by;  // how the agent may still reach the lead: "by phone or e-mail, not by text"
};

struct ScorePart {
  std::string id, label;
  int weight = 0;       // of 100
  int points = 0;       // 0-100
  std::string reason;
};

struct LeadScore {
  int value = 0;        // 0-100: the weighted points
  std::vector<ScorePart> parts;
  std::string capped;   // why the score was capped, when it was
};

struct Checklist {
  std::string side;  // "buyer" or "seller"
  std::vector<ChecklistItem> items;
  std::vector<Problem> problems;  // alerts first, then tips, in item order
  LeadScore score;
  const ChecklistItem* next() const;  // the first shown item still unknown, or nullptr
  const ChecklistItem* item(std::string_view id) const;
};

// Buyer or seller side: the lead's "side" fact when given, else the agent's role. `today`
// (YYYY-MM-DD, may be empty) lets timelines such as "by March" be read.
Checklist qualification_checklist(const AgentProfile& profile, const Lead& lead, std::string_view today = {},
                                  const Policy& policy = Policy::embedded());

// ---- stages ------------------------------------------------------------------------------------

struct StageMove {
  ConversationStage from = ConversationStage::new_lead, to = ConversationStage::new_lead;
  std::string trigger;  // "event:agreement_signed" or "signal:contract_accepted"
  std::string reason;
};
struct StageResult {
  ConversationStage stage = ConversationStage::new_lead;
  std::vector<StageMove> moves;  // in order; empty when the stage stands
};

// True when `event` is one the stage machine knows (stages.json).
bool is_stage_event(std::string_view event, const Policy& policy = Policy::embedded());
StageResult advance_stage(const Checklist& checklist, const Lead& lead, ConversationStage from,
                          const std::vector<std::string>& events, const Policy& policy = Policy::embedded());

// ---- facts from what the lead said -------------------------------------------------------------

struct ProposedFact {
  std::string fact, value;
  std::string evidence;  // the clause it came from
  std::string current;   // the lead's value now, when it differs
};
// At most a dozen, one per fact (the last statement wins); facts already known with the same
// value are left out.
std::vector<ProposedFact> extract_facts(std::string_view text, const Lead& lead, std::string_view today = {},
                                        const Policy& policy = Policy::embedded());
// extract_facts in two steps, for a caller that reads one text several ways (the CRM's worker:
// an opt-out, a tour asked for, the facts to propose) and extracts once: every fact the text
// states, known or not; then those that would change the lead, at most a dozen.
std::vector<ProposedFact> facts_stated(std::string_view text, std::string_view today = {},
                                       const Policy& policy = Policy::embedded());
std::vector<ProposedFact> proposals_for(std::vector<ProposedFact> stated, const Lead& lead,
                                        const Policy& policy = Policy::embedded());

// ---- contract to close -------------------------------------------------------------------------

struct ContractTerms {
  std::string form = "generic";     // contract_forms.json: generic, texas_trec_resale, ...
  std::string effective_date;       // YYYY-MM-DD: the acceptance (effective) date
  std::string closing_date;         // YYYY-MM-DD, or from a closing_days term
  std::string loan_signing_date;    // consummation when it is not the closing day (escrow states)
  std::string financing;            // cash, conventional, fha, va, usda, jumbo, heloc, reverse, ...
  std::map<std::string, int> days;  // the contract's numbers: option_days, inspection_days, ...
  std::map<std::string, std::string> dates;  // known dates: rate_lock_expires, hoa_docs_received, ...
  std::vector<std::string> conditions;       // hoa, pre_1978, home_sale_contingency, seller_foreign, ...
  std::vector<std::string> done;             // deadline and task ids already met
};

struct ContractDeadline {
  std::string id, label, date, time;  // date YYYY-MM-DD; time the cut-off ("17:00"), may be empty
  std::int64_t days_left = 0;         // from today; negative when past
  std::string status;                 // overdue, due_today, upcoming, done
  std::string rule;                   // how the date was counted, in words
  std::string owner, source, note;
  bool task = false;                  // a TC task, not a contract deadline
  bool from_lead = false;             // the date was typed in, not computed
  bool assumed = false;               // counted from a typical period, not the contract's number
};

struct ContractTimeline {
  std::string form, form_name, counting, source;
  std::vector<ContractDeadline> items;  // every deadline and task, soonest first: nothing is hidden
  std::vector<std::string> notes;       // what could not be computed, and why
};

// Errors: contract.unknown_form, contract.invalid_effective_date, contract.unknown_term,
// contract.unknown_condition, contract.invalid_date, ...: every problem at once.
Result<ContractTimeline> contract_timeline(const ContractTerms& terms, std::string_view today,
                                           const Policy& policy = Policy::embedded());
// The terms a lead's facts give (effective_date, contract_form, financing, option_days, ...), or
// nullopt when there is no effective (acceptance) date among them.
std::optional<ContractTerms> contract_terms_from(const Lead& lead, const Policy& policy = Policy::embedded());

// ---- cards -------------------------------------------------------------------------------------

// The cards a surface shows beside an answer: compliance alerts; the next best action (the
// answer's first actionable line, or the next question); coaching tips; the checklist with its
// score (buyer and listing agents, early stages); the contract deadlines and TC tasks (contract
// stages, and always for transaction coordinators). What a card says depends on the agent's
// experience: a novice gets the words to say, why, and the common mistakes; an expert the action,
// the edge cases and the source. `said` is what was said this turn (the agent's question, or the
// lead's message): a compliance risk in it ("is it a safe area?", "no Section 8") is a card too.
json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage,
                    const RouteDecision& route, std::string_view answer, std::string_view today,
                    const Policy& policy = Policy::embedded(), std::string_view said = {});
// The same, with the facts `said` states (facts_stated) from a caller that has them already.
json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage,
                    const RouteDecision& route, std::string_view answer, std::string_view today,
                    const Policy& policy, std::string_view said, const std::vector<ProposedFact>& said_facts);

// Days since 1970-01-01 for a YYYY-MM-DD date; false when the text is not a valid date.
bool parse_civil_date(std::string_view text, std::int64_t& days);
std::string format_civil_date(std::int64_t days);

}  // namespace porchlight
