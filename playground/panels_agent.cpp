// panels_agent.cpp: the inputs: the agent's profile, the lead and the request options; the query
// with the routing decision under it, recomputed as it is typed.

#include <algorithm>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "panels.hpp"
#include "widgets.hpp"

namespace porchlight::playground {

namespace {

bool profile_editor(AgentProfile& p) {
  bool changed = false;
  changed |= ImGui::InputText("agent name", &p.name);
  changed |= ImGui::InputText("agent id", &p.id);
  changed |= ImGui::InputText("location id", &p.location_id);
  changed |= ui::enum_combo("role", p.role);
  changed |= ui::enum_combo("experience", p.experience);

  ImGui::TextUnformatted("specializations (at most 6)");
  if (ImGui::BeginTable("specializations", 2)) {
    for (std::size_t i = 0; i < enum_count<Specialization>(); ++i) {
      const auto s = static_cast<Specialization>(i);
      auto it = std::find(p.specializations.begin(), p.specializations.end(), s);
      bool on = it != p.specializations.end();
      ImGui::TableNextColumn();
      if (ImGui::Checkbox(std::string(name_of(s)).c_str(), &on)) {
        if (on) p.specializations.push_back(s);
        else p.specializations.erase(it);
        changed = true;
      }
    }
    ImGui::EndTable();
  }

  changed |= ui::enum_combo("tone", p.preferences.tone);
  changed |= ui::enum_combo("verbosity", p.preferences.verbosity);
  changed |= ImGui::InputText("language (BCP 47)", &p.preferences.language);
  return changed;
}

bool lead_editor(Lead& lead, std::string& new_key, std::string& new_value) {
  bool changed = false;
  changed |= ImGui::InputText("lead name", &lead.name);
  changed |= ImGui::InputText("lead id", &lead.id);
  changed |= ui::optional_enum_combo("lead stage", lead.stage, "(not recorded)");

  if (ImGui::BeginTable("facts", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("fact");
    ImGui::TableSetupColumn("value");
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 24.0f);
    ImGui::TableHeadersRow();
    std::string remove;
    for (auto& [key, value] : lead.facts) {
      ImGui::PushID(key.c_str());
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(key.c_str());
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-1);
      changed |= ImGui::InputText("##value", &value);
      ImGui::TableNextColumn();
      if (ImGui::SmallButton("x")) remove = key;
      ImGui::PopID();
    }
    ImGui::EndTable();
    if (!remove.empty()) { lead.facts.erase(remove); changed = true; }
  }
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.35f);
  ImGui::InputTextWithHint("##newkey", "fact_name", &new_key);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
  ImGui::InputTextWithHint("##newvalue", "value", &new_value);
  ImGui::SameLine();
  if (ImGui::Button("add fact") && !new_key.empty()) {
    lead.facts[new_key] = new_value;
    new_key.clear();
    new_value.clear();
    changed = true;
  }
  return changed;
}

bool history_editor(PromptRequest& req) {
  bool changed = false;
  changed |= ImGui::InputTextMultiline("summary", &req.summary, ImVec2(-1, 60));
  int remove = -1;
  for (std::size_t i = 0; i < req.history.size(); ++i) {
    Turn& t = req.history[i];
    ImGui::PushID(static_cast<int>(i));
    int role = t.role == TurnRole::user ? 0 : 1;
    ImGui::SetNextItemWidth(100);
    if (ImGui::Combo("##role", &role, "user\0assistant\0")) {
      t.role = role == 0 ? TurnRole::user : TurnRole::assistant;
      changed = true;
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = static_cast<int>(i);
    changed |= ImGui::InputTextMultiline("##content", &t.content, ImVec2(-1, 40));
    ImGui::PopID();
  }
  if (remove >= 0) { req.history.erase(req.history.begin() + remove); changed = true; }
  if (ImGui::Button("add turn")) {
    const bool user_next = req.history.empty() || req.history.back().role == TurnRole::assistant;
    req.history.push_back({user_next ? TurnRole::user : TurnRole::assistant, ""});
    changed = true;
  }
  return changed;
}

bool request_options(PromptRequest& req) {
  bool changed = false;
  changed |= ui::enum_combo("stage", req.stage);
  changed |= ui::optional_enum_combo("specialist", req.specialist, "(router decides)");
  changed |= ui::optional_enum_combo("tier", req.tier, "(router decides)");
  bool has_budget = req.budget.has_value();
  if (ImGui::Checkbox("monthly budget", &has_budget)) {
    if (has_budget) req.budget = Budget{50, 0};
    else req.budget.reset();
    changed = true;
  }
  if (req.budget) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    changed |= ImGui::InputDouble("USD##monthly", &req.budget->monthly_usd, 0, 0, "%.2f");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    changed |= ImGui::InputDouble("spent", &req.budget->spent_usd, 0, 0, "%.2f");
  }
  int budget = static_cast<int>(req.context_budget_tokens);
  if (ImGui::InputInt("context budget (0: policy)", &budget, 1000, 4000)) {
    req.context_budget_tokens = std::max(0, budget);
    changed = true;
  }
  return changed;
}

}  // namespace

void draw_agent_panel(AppState& app) {
  bool changed = false;
  ImGui::PushItemWidth(-170);
  if (ImGui::CollapsingHeader("Agent profile", ImGuiTreeNodeFlags_DefaultOpen))
    changed |= profile_editor(app.scenario.request.profile);
  if (ImGui::CollapsingHeader("Lead", ImGuiTreeNodeFlags_DefaultOpen))
    changed |= lead_editor(app.scenario.request.lead, app.new_fact_key, app.new_fact_value);
  if (ImGui::CollapsingHeader("Stage and overrides", ImGuiTreeNodeFlags_DefaultOpen))
    changed |= request_options(app.scenario.request);
  if (ImGui::CollapsingHeader("Conversation so far"))
    changed |= history_editor(app.scenario.request);
  ImGui::PopItemWidth();
  if (changed) app.dirty = true;
}

void draw_query_panel(AppState& app) {
  ImGui::TextUnformatted("Query");
  if (app.focus_query) { ImGui::SetKeyboardFocusHere(); app.focus_query = false; }
  if (ImGui::InputTextMultiline("##query", &app.scenario.request.query, ImVec2(-1, 70))) app.dirty = true;
  refresh(app);  // the decision below follows this keystroke, not the next frame

  if (!app.errors.empty()) {
    ui::colored(ui::kBad, "The API would reject this request (the decisions shown are from the last valid one):");
    for (const auto& e : app.errors) ui::colored(ui::kBad, "  " + e.code + ": " + e.message);
  }
  if (!app.evaluation) return;
  const RouteDecision& r = app.evaluation->built.route;
  ImGui::Separator();
  ImGui::Text("Specialist  %s", std::string(name_of(r.specialist)).c_str());
  ImGui::SameLine(260);
  ImGui::Text("Tier  %s (%s)", std::string(name_of(r.tier)).c_str(), r.model.c_str());
  ImGui::Text("Guidance    %s", std::string(name_of(r.guidance_type)).c_str());
  ImGui::SameLine(260);
  ImGui::TextUnformatted("Confidence");
  ImGui::SameLine();
  ImGui::ProgressBar(static_cast<float>(r.confidence), ImVec2(120, 0));
  if (r.budget_exhausted) ui::colored(ui::kBad, "The monthly budget is spent: capped to the fast tier.");
  ImGui::TextUnformatted("Why:");
  for (const auto& reason : r.reasons) ImGui::BulletText("%s", reason.c_str());
  const Evaluation& e = *app.evaluation;
  if (app.evaluated.expect) {
    if (e.expect_met) ui::colored(ui::kGood, "Scenario expectation met.");
    for (const auto& f : e.expect_failures) ui::colored(ui::kBad, "Expectation failed: " + f);
  }
}

}  // namespace porchlight::playground
