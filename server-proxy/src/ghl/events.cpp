// ghl/events.cpp: reading GoHighLevel payloads (ghl/events.hpp).

#include "ghl/events.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "porchlight/qualify.hpp"

namespace porchlight::proxy::ghl {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::map<std::string, std::string> string_map(const json& config, const char* key) {
  std::map<std::string, std::string> out;
  if (!config.is_object() || !config.contains(key) || !config[key].is_object()) return out;
  for (const auto& [k, v] : config[key].items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

// Keywords of common pipeline stage names, most specific first.
struct NameRule {
  const char* words;  // all must appear
  ConversationStage stage;
};
constexpr NameRule kNameRules[] = {
    {"closed lost", ConversationStage::closed_lost},
    {"lost", ConversationStage::closed_lost},
    {"dead", ConversationStage::closed_lost},
    {"closed won", ConversationStage::closed_won},
    {"closed", ConversationStage::closed_won},
    {"sold", ConversationStage::closed_won},
    {"clear to close", ConversationStage::clear_to_close},
    {"under contract", ConversationStage::under_contract},
    {"pending", ConversationStage::under_contract},
    {"escrow", ConversationStage::under_contract},
    {"offer", ConversationStage::offer_negotiation},
    {"negotiat", ConversationStage::offer_negotiation},
    {"showing", ConversationStage::active},
    {"active", ConversationStage::active},
    {"touring", ConversationStage::active},
    {"listed", ConversationStage::active},
    {"agreement", ConversationStage::agreement_signed},
    {"signed", ConversationStage::agreement_signed},
    {"appointment", ConversationStage::appointment_set},
    {"consult", ConversationStage::appointment_set},
    {"nurtur", ConversationStage::nurturing},
    {"long term", ConversationStage::nurturing},
    {"qualif", ConversationStage::qualifying},
    {"contacted", ConversationStage::contacted},
    {"attempt", ConversationStage::contacted},
    {"new", ConversationStage::new_lead},
};

// Do Not Disturb: the whole contact's (`dnd`) or its SMS channel's (`dndSettings.SMS.status`:
// active or permanent). The CRM turning it on opts the lead out of texts. The CRM turning it off
// ends only an opt-out the CRM made: a lead's own STOP ends with the lead's own START (consent is
// the lead's to give back), and an update that merely carries `dnd: false` changes nothing else.
void apply_dnd(const json& c, store::LeadRecord& lead) {
  const json* sms = nullptr;
  if (c.contains("dndSettings") && c["dndSettings"].is_object())
    for (const char* key : {"SMS", "sms"})
      if (c["dndSettings"].contains(key) && c["dndSettings"][key].is_object()) sms = &c["dndSettings"][key];
  const std::string sms_status = sms ? lower(str(*sms, "status")) : "";
  const bool dnd = c.contains("dnd") && c["dnd"].is_boolean() && c["dnd"].get<bool>();
  const bool dnd_off = c.contains("dnd") && c["dnd"].is_boolean() && !c["dnd"].get<bool>();
  if (dnd || sms_status == "active" || sms_status == "permanent") {
    if (!lead.sms_opt_out) set_sms_opt_out(lead, true, "gohighlevel_dnd");
  } else if (dnd_off && (!sms || sms_status == "inactive") && lead.sms_opt_out) {
    const auto by = lead.facts.find("sms_opt_out_by");
    if (by != lead.facts.end() && by->second == "gohighlevel_dnd") set_sms_opt_out(lead, false, "");
  }
}

}  // namespace

std::string contact_of(const json& event) {
  if (str(event, "type").rfind("Contact", 0) == 0)
    if (auto id = str(event, "id"); !id.empty()) return id;
  for (const json* where : {&event, event.is_object() && event.contains("appointment") ? &event["appointment"] : nullptr,
                            event.is_object() && event.contains("task") ? &event["task"] : nullptr}) {
    if (!where) continue;
    for (const char* key : {"contactId", "contact_id"})
      if (auto v = str(*where, key); !v.empty()) return v;
  }
  return "";
}

LocationConfig parse_location_config(const json& config) {
  return {string_map(config, "field_map"), string_map(config, "stage_map"), string_map(config, "stage_names"),
          string_map(config, "user_map")};
}

Errors check_location_config(const json& config, std::string_view path) {
  Errors errors;
  const std::string at(path);
  if (!config.is_object()) return {Error{"ghl.invalid_config", at + " must be a JSON object", at}};
  for (const auto& [key, value] : config.items()) {
    if (key != "field_map" && key != "stage_map" && key != "stage_names" && key != "user_map") {
      errors.push_back({"ghl.invalid_config", "unknown key; expected field_map, stage_map, stage_names or user_map", at + "." + key});
      continue;
    }
    if (!value.is_object() || value.size() > 500) {
      errors.push_back({"ghl.invalid_config", "expected an object of at most 500 string values", at + "." + key});
      continue;
    }
    for (const auto& [k, v] : value.items()) {
      const std::string where = at + "." + key + "." + k;
      if (!v.is_string() || k.empty() || k.size() > 128 || v.get_ref<const std::string&>().size() > 200)
        errors.push_back({"ghl.invalid_config", "expected a string (keys and values of at most 128 and 200 bytes)", where});
      else if (key == "stage_map" && !parse_enum<ConversationStage>(v.get<std::string>()))
        errors.push_back({"ghl.invalid_config", "not a stage; expected one of new_lead, contacted, qualifying, nurturing, "
                          "appointment_set, agreement_signed, active, offer_negotiation, under_contract, clear_to_close, "
                          "closed_won, closed_lost", where});
      else if ((key == "user_map" || key == "field_map") && !is_valid_id(v.get<std::string>()))
        errors.push_back({"ghl.invalid_config", "expected 1-64 of A-Z a-z 0-9 _ . : -", where});
    }
  }
  return errors;
}

std::string agent_for(const LocationConfig& config, std::string_view ghl_user_id) {
  if (ghl_user_id.empty()) return "";
  auto it = config.user_map.find(std::string(ghl_user_id));
  const std::string id = it != config.user_map.end() ? it->second : std::string(ghl_user_id);
  return is_valid_id(id) ? id : "";
}

std::optional<ConversationStage> stage_by_name(std::string_view name) {
  const std::string n = lower(name);
  if (n.empty()) return std::nullopt;
  for (const auto& rule : kNameRules)
    if (n.find(rule.words) != std::string::npos) return rule.stage;
  return std::nullopt;
}

std::optional<ConversationStage> stage_for(const LocationConfig& config, std::string_view stage_id, std::string_view stage_name) {
  if (auto it = config.stage_map.find(std::string(stage_id)); it != config.stage_map.end())
    return parse_enum<ConversationStage>(it->second);
  if (auto it = config.stage_names.find(std::string(stage_id)); it != config.stage_names.end())
    return stage_by_name(it->second);
  return stage_by_name(stage_name);
}

void apply_contact(const json& c, const LocationConfig& config, store::LeadRecord& lead) {
  auto set = [&](std::string& field, std::string_view key, std::size_t max) {
    if (c.contains(key) && c[key].is_string()) field = c[key].get<std::string>().substr(0, max);
  };
  std::string first, last;
  set(first, "firstName", 100);
  set(last, "lastName", 100);
  set(lead.name, "name", 200);
  if (lead.name.empty() || c.contains("firstName") || c.contains("lastName")) {
    std::string full = first + (first.empty() || last.empty() ? "" : " ") + last;
    if (!full.empty()) lead.name = full;
  }
  set(lead.email, "email", 320);
  set(lead.phone, "phone", 64);
  set(lead.source, "source", 200);
  if (c.contains("tags") && c["tags"].is_array()) {
    lead.tags.clear();
    for (const auto& t : c["tags"])
      if (t.is_string() && lead.tags.size() < 100) lead.tags.push_back(t.get<std::string>().substr(0, 200));
  }
  if (const std::string assigned = str(c, "assignedTo"); !assigned.empty()) lead.agent_id = agent_for(config, assigned);
  apply_dnd(c, lead);
  // Standard fields the qualification checklist reads, then the location's custom fields.
  const std::string city = str(c, "city"), state = str(c, "state"), zip = str(c, "postalCode");
  // Where the contact lives now: not where a buyer wants to live (LPMAMA's Location stays open).
  if (!city.empty() || !state.empty()) lead.facts["current_area"] = city + (city.empty() || state.empty() ? "" : ", ") + state;
  if (!zip.empty()) lead.facts["zip"] = zip.substr(0, 20);
  for (const auto& [field, fact] : config.field_map)
    if (c.contains(field) && (c[field].is_string() || c[field].is_number())) {
      const json& v = c[field];
      lead.facts[fact] = v.is_string() ? v.get<std::string>().substr(0, 2000) : v.dump();
    }
  if (c.contains("customFields") && c["customFields"].is_array())
    for (const auto& f : c["customFields"]) {
      const std::string id = str(f, "id");
      auto it = config.field_map.find(id);
      if (it == config.field_map.end() || !f.contains("value")) continue;
      const json& v = f["value"];
      if (v.is_string()) lead.facts[it->second] = v.get<std::string>().substr(0, 2000);
      else if (v.is_number() || v.is_boolean()) lead.facts[it->second] = v.dump();
    }
  if (lead.facts.size() > 100) lead.facts.erase(std::next(lead.facts.begin(), 100), lead.facts.end());
}

// The message's words, lower case: ASCII letters and digits, and the accented letters of two-byte
// UTF-8 (U+00C0 on: "más"); punctuation, "¡¿", emoji and other symbols separate words, and
// apostrophes vanish ("Don't!" is "dont").
std::vector<std::string> words_of(std::string_view text) {
  const std::string t = lower(text.substr(0, 2000));
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::exchange(word, {}));
  };
  for (std::size_t i = 0; i < t.size();) {
    const auto u = static_cast<unsigned char>(t[i]);
    if (u < 0x80) {
      if (std::isalnum(u)) word += t[i];
      else if (t[i] != '\'') flush();
      ++i;
    } else if (u >= 0xC3 && u <= 0xDF && i + 1 < t.size()) {  // a letter from U+00C0 on
      word.append(t, i, 2);
      i += 2;
    } else if (u == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x80 &&
               static_cast<unsigned char>(t[i + 2]) == 0x99) {  // ’, the typographic apostrophe
      i += 3;
    } else {  // a symbol: skip its bytes
      flush();
      i += u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC0 ? 2 : 1;
    }
  }
  flush();
  return words;
}

bool opts_out(const std::vector<ProposedFact>& stated) {
  return std::any_of(stated.begin(), stated.end(), [](const ProposedFact& f) { return f.fact == "texting_opt_out" && f.value == "yes"; });
}

bool is_opt_out(std::string_view text, const Policy& policy) { return opts_out(facts_stated(text.substr(0, 2000), {}, policy)); }

bool is_opt_in(std::string_view text) {
  const std::vector<std::string> words = words_of(text);
  return words.size() == 1 && (words[0] == "start" || words[0] == "unstop");
}

void set_sms_opt_out(store::LeadRecord& lead, bool opted_out, std::string_view by) {
  lead.sms_opt_out = opted_out;
  if (opted_out) {
    lead.facts["sms_opt_out"] = "yes";
    lead.facts["sms_opt_out_by"] = std::string(by);
  } else {
    lead.facts.erase("sms_opt_out");
    lead.facts.erase("sms_opt_out_by");
  }
}

std::string channel_of(const json& message) {
  std::string t = str(message, "messageType");
  if (t.rfind("TYPE_", 0) == 0) t = t.substr(5);
  const std::string l = lower(t);
  if (l == "sms") return "SMS";
  if (l == "email") return "Email";
  if (l == "whatsapp") return "WhatsApp";
  if (l == "fb" || l == "facebook") return "FB";
  if (l == "ig" || l == "instagram") return "IG";
  if (l == "live_chat" || l == "webchat") return "Live_Chat";
  if (l == "call" || l == "phone") return "Call";
  if (l == "gmb") return "GMB";
  return t.empty() ? "unknown" : t.substr(0, 40);
}

bool is_texting_channel(std::string_view channel) { return channel == "SMS" || channel == "WhatsApp"; }

namespace {

// Where "</name" (any case) starts at or after `from`, or the end: found in place, one pass.
std::size_t closing_tag(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t at = html.find("</", from); at != std::string_view::npos; at = html.find("</", at + 2)) {
    const std::string_view candidate = html.substr(at + 2, name.size());
    if (candidate.size() == name.size() &&
        std::equal(name.begin(), name.end(), candidate.begin(), [](char n, char c) { return n == std::tolower(static_cast<unsigned char>(c)); }))
      return at;
  }
  return html.size();
}

}  // namespace

std::string plain_text_of_html(std::string_view html) {
  if (html.find('<') == std::string_view::npos) return std::string(html);
  std::string out;
  for (std::size_t i = 0; i < html.size();) {
    const bool tag_start = html[i] == '<' && i + 1 < html.size() &&
                           (std::isalpha(static_cast<unsigned char>(html[i + 1])) || html[i + 1] == '/' || html[i + 1] == '!');
    if (tag_start) {  // "3 < 4" is text
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;  // a tag cut off: the rest is markup
      const std::string tag = lower(html.substr(i + 1, std::min<std::size_t>(close - i - 1, 16)));
      i = close + 1;
      for (const std::string_view skipped : {"style", "script", "head"})  // their content is not text
        if (tag.starts_with(skipped)) i = closing_tag(html, i, skipped);
      if (tag.rfind("br", 0) == 0 || tag.rfind("/p", 0) == 0 || tag.rfind("/div", 0) == 0 || tag.rfind("/li", 0) == 0 ||
          tag.rfind("/tr", 0) == 0 || tag.rfind("/h", 0) == 0)
        out += '\n';
      continue;
    }
    if (html[i] == '&') {
      static const std::pair<const char*, const char*> kEntities[] = {
          {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
      bool decoded = false;
      for (const auto& [entity, text] : kEntities)
        if (html.substr(i).starts_with(entity)) {
          out += text;
          i += std::string_view(entity).size();
          decoded = true;
          break;
        }
      if (decoded) continue;
    }
    out += html[i++];
  }
  // Collapse: spaces within a line, at most one blank line between paragraphs, no edge blanks.
  std::string text;
  int newlines = 0;
  bool space = false;
  for (const char c : out) {
    if (c == '\n') { ++newlines; space = false; continue; }
    if (c == ' ' || c == '\t' || c == '\r') { space = true; continue; }
    if (!text.empty()) text += newlines ? std::string(std::min(newlines, 2), '\n') : space ? " " : "";
    newlines = 0;
    space = false;
    text += c;
  }
  return text;
}

}  // namespace porchlight::proxy::ghl
