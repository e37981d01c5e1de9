// panels_scenarios.cpp: scenario files (open, save, expectation), the policy folder, and the
// regression view: a folder of scenarios against a saved baseline, changes highlighted.

#include <filesystem>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "panels.hpp"
#include "widgets.hpp"

namespace porchlight::playground {

namespace {

const ImU32 kChangedBg = IM_COL32(120, 40, 40, 255);   // what the agent gets changed
const ImU32 kDriftBg = IM_COL32(110, 90, 30, 255);     // numbers moved, decision did not
const ImU32 kNewBg = IM_COL32(40, 60, 110, 255);

const Change* find_change(const RegressionRow& row, std::string_view field) {
  for (const auto& c : row.changes)
    if (c.field == field) return &c;
  return nullptr;
}

// One decision cell: the current value, highlighted with the baseline's value in a tooltip.
void decision_cell(const RegressionRow& row, std::string_view field, const std::string& now) {
  ImGui::TableNextColumn();
  const Change* c = find_change(row, field);
  if (c) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, c->decision ? kChangedBg : kDriftBg);
  ImGui::TextUnformatted(c ? (c->was + " -> " + now).c_str() : now.c_str());
}

}  // namespace

void draw_files_panel(AppState& app) {
  ImGui::PushItemWidth(-140);
  if (ImGui::InputText("scenario name", &app.scenario.name)) app.dirty = true;
  ImGui::InputTextWithHint("file", "scenarios/example.json", &app.scenario_path);
  ImGui::PopItemWidth();
  if (ImGui::Button("Open")) open_scenario(app, app.scenario_path);
  ImGui::SameLine();
  if (ImGui::Button("Save")) save_scenario_as(app, app.scenario_path);
  ImGui::SameLine();
  if (ImGui::Button("New")) {
    app.scenario = example_scenario();
    app.scenario_path.clear();
    app.dirty = true;
  }

  bool has_expect = app.scenario.expect.has_value();
  if (ImGui::Checkbox("expect", &has_expect)) {
    if (has_expect) app.scenario.expect = Expectation{};
    else app.scenario.expect.reset();
    app.dirty = true;
  }
  if (app.scenario.expect) {
    ImGui::SameLine();
    if (ImGui::SmallButton("= current decision") && app.evaluation) {
      app.scenario.expect->specialist = app.evaluation->built.route.specialist;
      app.scenario.expect->tier = app.evaluation->built.route.tier;
      app.dirty = true;
    }
    ImGui::PushItemWidth(-140);
    if (ui::optional_enum_combo("expect specialist", app.scenario.expect->specialist, "(any)")) app.dirty = true;
    if (ui::optional_enum_combo("expect tier", app.scenario.expect->tier, "(any)")) app.dirty = true;
    ImGui::PopItemWidth();
  }

  ImGui::Separator();
  ImGui::Text("Policy %s  %s", app.policy.version().c_str(),
              app.policy_dir.empty() ? "(embedded)" : ("from " + app.policy_dir).c_str());
  ImGui::PushItemWidth(-140);
  ImGui::InputTextWithHint("policy folder", "an edited copy of core/data", &app.policy_dir_input);
  ImGui::PopItemWidth();
  if (ImGui::Button("Load policy")) use_policy_folder(app, app.policy_dir_input);
  ImGui::SameLine();
  if (ImGui::Button("Reload")) use_policy_folder(app, app.policy_dir);  // after editing the files
  ImGui::SameLine();
  if (ImGui::Button("Embedded")) use_policy_folder(app, "");

  if (!app.status.empty()) {
    ImGui::Separator();
    ImGui::PushTextWrapPos(0);
    ui::colored(app.status_is_error ? ui::kBad : ui::kMuted, app.status);
    ImGui::PopTextWrapPos();
  }
}

void draw_regression_panel(AppState& app) {
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("scenarios folder", "tests/playground/scenarios", &app.scenarios_dir);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("baseline", "baseline.json (optional)", &app.baseline_path);
  ImGui::SameLine();
  if (ImGui::Button("Run")) run_regression(app);
  ImGui::SameLine();
  if (ImGui::Button("Save as baseline")) save_baseline(app);
  if (!app.regression) {
    ui::hint("Run a folder of scenario files to see every decision; with a baseline, the changes an "
             "edit to the playbooks or routing rules made are highlighted.");
    return;
  }
  const RegressionRun& run = *app.regression;
  ImGui::Text("%zu scenarios, policy %s%s", run.rows.size(), run.policy_version.c_str(),
              run.has_baseline ? "" : ", no baseline: every row is new");
  ImGui::SameLine();
  ui::colored(run.changed ? ui::kBad : ui::kGood, std::to_string(run.changed) + " changed");
  ImGui::SameLine();
  ImGui::Text("%d new  %zu missing", run.added, run.missing.size());
  ImGui::SameLine();
  ui::colored(run.invalid || run.expect_failed ? ui::kBad : ui::kGood,
              std::to_string(run.invalid) + " invalid  " + std::to_string(run.expect_failed) +
                  " expectations failed");

  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("regression", 8, flags, ImVec2(0, ImGui::GetContentRegionAvail().y))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* h :
       {"scenario", "status", "specialist", "tier", "model", "confidence", "input tokens", "expect"})
    ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  std::string open;
  for (const auto& row : run.rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    // Clicking a row opens that scenario in the editor.
    if (ImGui::Selectable((row.name + "##" + row.file).c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
      open = (std::filesystem::path(run.folder) / row.file).string();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", row.file.c_str());
    ImGui::TableNextColumn();
    if (row.status == RowStatus::added) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, kNewBg);
    if (row.status == RowStatus::changed) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, kChangedBg);
    ImGui::TextUnformatted(std::string(status_name(row.status)).c_str());
    if (row.status == RowStatus::invalid) {
      ImGui::TableNextColumn();
      ui::colored(ui::kBad, row.errors.empty() ? "" : row.errors.front().code + ": " + row.errors.front().message);
      continue;
    }
    char conf[16], tokens[24];
    std::snprintf(conf, sizeof conf, "%.2f", row.now.confidence);
    std::snprintf(tokens, sizeof tokens, "%lld", static_cast<long long>(row.now.input_tokens));
    decision_cell(row, "specialist", row.now.specialist);
    decision_cell(row, "tier", row.now.tier);
    decision_cell(row, "model", row.now.model);
    decision_cell(row, "confidence", conf);
    decision_cell(row, "input_tokens", tokens);
    ImGui::TableNextColumn();
    if (!row.expect) ImGui::TextUnformatted("-");
    else if (row.expect_failures.empty()) ui::colored(ui::kGood, "met");
    else ui::colored(ui::kBad, row.expect_failures.front());
  }
  for (const auto& name : run.missing) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name.c_str());
    ImGui::TableNextColumn();
    ui::colored(ui::kWarn, "missing (in the baseline only)");
  }
  ImGui::EndTable();
  if (!open.empty()) open_scenario(app, open);
}

}  // namespace porchlight::playground
