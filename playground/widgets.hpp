// widgets.hpp (internal to the playground): small ImGui helpers the panels share: combos over
// the core's enums, and the colors that mark breakpoints, changes and errors.
#pragma once

#include <optional>
#include <string>

#include <imgui.h>

#include "porchlight/model.hpp"

namespace porchlight::playground::ui {

inline const ImVec4 kGood{0.45f, 0.85f, 0.45f, 1.0f};
inline const ImVec4 kWarn{0.95f, 0.80f, 0.30f, 1.0f};
inline const ImVec4 kBad{1.00f, 0.40f, 0.40f, 1.0f};
inline const ImVec4 kMuted{0.60f, 0.60f, 0.65f, 1.0f};
inline const ImVec4 kBreakpoint{0.95f, 0.55f, 0.20f, 1.0f};

// A combo over every value of a core enum, spelled as in JSON. Returns true when changed.
template <class E> bool enum_combo(const char* label, E& value) {
  bool changed = false;
  const std::string current(name_of(value));
  if (ImGui::BeginCombo(label, current.c_str())) {
    for (std::size_t i = 0; i < enum_count<E>(); ++i) {
      const E option = static_cast<E>(i);
      const std::string name(name_of(option));
      if (ImGui::Selectable(name.c_str(), option == value)) { value = option; changed = true; }
    }
    ImGui::EndCombo();
  }
  return changed;
}

// The same with a first entry meaning "not set" (the router decides, the lead has no stage...).
template <class E> bool optional_enum_combo(const char* label, std::optional<E>& value, const char* unset) {
  bool changed = false;
  const std::string current = value ? std::string(name_of(*value)) : unset;
  if (ImGui::BeginCombo(label, current.c_str())) {
    if (ImGui::Selectable(unset, !value)) { value.reset(); changed = true; }
    for (std::size_t i = 0; i < enum_count<E>(); ++i) {
      const E option = static_cast<E>(i);
      const std::string name(name_of(option));
      if (ImGui::Selectable(name.c_str(), value && *value == option)) { value = option; changed = true; }
    }
    ImGui::EndCombo();
  }
  return changed;
}

inline void colored(const ImVec4& color, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopStyleColor();
}

inline void hint(const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kMuted);
  ImGui::TextWrapped("%s", text);
  ImGui::PopStyleColor();
}

}  // namespace porchlight::playground::ui
