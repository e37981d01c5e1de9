// ghl/events.hpp: what a GoHighLevel webhook's payload says, in Porchlight's terms: a lead's
// fields and facts, a stage, an agent, a message. Pure functions (no I/O): the worker
// (ghl/worker.hpp) applies what they return.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/json_util.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/qualify.hpp"
#include "store/records.hpp"

namespace porchlight::proxy::ghl {

// A location's maps (ghl_locations.config; docs/ghl.md):
//   field_map    custom field id (or a standard field's name) -> lead fact ("pre_approved")
//   stage_map    pipeline stage id -> Porchlight stage ("appointment_set")
//   stage_names  pipeline stage id -> its name in GoHighLevel ("Showing Scheduled"), for the
//                defaults by name when stage_map does not say
//   user_map     GoHighLevel user id -> agent profile id (default: the same id)
struct LocationConfig {
  std::map<std::string, std::string> field_map, stage_map, stage_names, user_map;
};
LocationConfig parse_location_config(const json& config);
// Errors at `path` for a config a location admin (or the CLI) gives: unknown keys, a stage that
// is not one, values that are not strings.
Errors check_location_config(const json& config, std::string_view path = "config");

// The agent profile id for a GoHighLevel user (empty when the user id is not a valid id).
std::string agent_for(const LocationConfig& config, std::string_view ghl_user_id);

// The stage for a pipeline stage: the map, else by its name ("Under Contract" -> under_contract).
std::optional<ConversationStage> stage_for(const LocationConfig& config, std::string_view stage_id,
                                           std::string_view stage_name = {});
std::optional<ConversationStage> stage_by_name(std::string_view name);

// Contact fields onto the lead: name, email, phone, source, tags, the assigned agent, DND (see
// apply_dnd in events.cpp: the CRM lifting DND ends only an opt-out it made), and the
// custom fields the field map names (as facts). Fields the payload does not carry stay as they are.
void apply_contact(const json& contact, const LocationConfig& config, store::LeadRecord& lead);

// A text that opts out of texts, as the FCC's 2025 revocation rule reads one (any reasonable means):
// the core's fact extractor proposes `texting_opt_out` (extraction.json: STOP, QUIT, END, REVOKE,
// OPT OUT, CANCEL, UNSUBSCRIBE alone or with a sign-off, their Spanish, or plain words anywhere),
// so the coach and the CRM's worker hear the same words. Or back in (START, UNSTOP).
bool is_opt_out(std::string_view text, const Policy& policy);
bool opts_out(const std::vector<ProposedFact>& stated);  // the same, from the text's facts_stated
bool is_opt_in(std::string_view text);

// The lead's text opt-out, as a flag and as facts the coach reads: `sms_opt_out` ("yes") and
// `sms_opt_out_by` (who made it: "lead" for a STOP text, "gohighlevel_dnd" for the CRM's DND).
void set_sms_opt_out(store::LeadRecord& lead, bool opted_out, std::string_view by);

// The channel a messageType names ("TYPE_SMS" and "SMS" are both SMS); texting channels are those
// a STOP applies to.
std::string channel_of(const json& message);
bool is_texting_channel(std::string_view channel);

// An e-mail's HTML as the text a person reads: tags dropped (style and script with their content),
// line breaks where blocks end, the common entities decoded, blank runs collapsed. Text without
// tags comes back as it was.
std::string plain_text_of_html(std::string_view html);

// The contact an event is about: a contact event's own id, else its contactId (inside
// "appointment" or "task" when the payload nests it); "" when it names none.
std::string contact_of(const json& event);

// A string field, or "" when absent or not a string.
inline std::string str(const json& j, std::string_view key) { return string_field(j, key); }

}  // namespace porchlight::proxy::ghl
