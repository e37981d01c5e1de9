// panels_prompt.cpp: what the core built: the system blocks with their cache breakpoints and
// tokens, the request body, the context window, and the cost of the prompt on each tier.

#include <algorithm>
#include <cstdio>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "panels.hpp"
#include "widgets.hpp"

namespace porchlight::playground {

namespace {

std::string usd(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.6f", value);
  return buf;
}

bool stale_or_missing(const AppState& app) {
  if (app.evaluation) return false;
  ui::hint("Nothing built yet: fix the request errors shown under the query.");
  return true;
}

// One horizontal bar: each part of the prompt as wide as its tokens, breakpoints as orange ticks.
struct Segment { std::string label; std::int64_t tokens; bool breakpoint; ImU32 color; };

void token_bar(const std::vector<Segment>& parts) {
  std::int64_t total = 0;
  for (const auto& p : parts) total += p.tokens;
  if (total <= 0) return;
  const float width = ImGui::GetContentRegionAvail().x, height = 22.0f;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  float x = origin.x;
  for (const auto& p : parts) {
    const float w = width * static_cast<float>(p.tokens) / static_cast<float>(total);
    draw->AddRectFilled(ImVec2(x, origin.y), ImVec2(x + w, origin.y + height), p.color);
    draw->AddRect(ImVec2(x, origin.y), ImVec2(x + w, origin.y + height), IM_COL32(20, 20, 24, 255));
    if (w > ImGui::CalcTextSize(p.label.c_str()).x + 6)
      draw->AddText(ImVec2(x + 4, origin.y + 3), IM_COL32(15, 15, 15, 255), p.label.c_str());
    x += w;
    if (p.breakpoint)
      draw->AddRectFilled(ImVec2(x - 2, origin.y - 4), ImVec2(x + 2, origin.y + height + 4),
                          ImGui::GetColorU32(ui::kBreakpoint));
    if (ImGui::IsMouseHoveringRect(ImVec2(x - w, origin.y), ImVec2(x, origin.y + height)))
      ImGui::SetTooltip("%s: %lld tokens%s", p.label.c_str(), static_cast<long long>(p.tokens),
                        p.breakpoint ? " (cache breakpoint after it)" : "");
  }
  ImGui::Dummy(ImVec2(width, height + 6));
}

}  // namespace

void draw_prompt_panel(AppState& app) {
  if (stale_or_missing(app)) return;
  const Evaluation& e = *app.evaluation;
  const BuiltPrompt& b = e.built;
  const json& body = e.body;
  const std::size_t kept_turns = body["messages"].size() - 1;  // the last message is the query
  const bool turn_breakpoint = e.breakpoints > static_cast<int>(std::count_if(
      b.blocks.begin(), b.blocks.end(), [](const SystemBlockInfo& s) { return s.cache_breakpoint; }));

  ImGui::Text("%d cache breakpoints (at most 4), %lld input tokens estimated, max_tokens %d",
              e.breakpoints, static_cast<long long>(b.route.estimated_input_tokens),
              body.value("max_tokens", 0));
  static const ImU32 kColors[] = {IM_COL32(110, 150, 220, 255), IM_COL32(120, 200, 160, 255),
                                  IM_COL32(200, 170, 110, 255), IM_COL32(180, 130, 200, 255)};
  std::vector<Segment> parts;
  for (std::size_t i = 0; i < b.blocks.size(); ++i)
    parts.push_back({b.blocks[i].name, b.blocks[i].tokens, b.blocks[i].cache_breakpoint, kColors[i % 4]});
  if (kept_turns > 0)
    parts.push_back({"turns", b.context.turn_tokens, turn_breakpoint, IM_COL32(150, 150, 160, 255)});
  parts.push_back({"lead+query", b.context.pinned_tokens, false, IM_COL32(230, 230, 120, 255)});
  token_bar(parts);

  if (ImGui::BeginTable("blocks", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("part");
    ImGui::TableSetupColumn("tokens", ImGuiTableColumnFlags_WidthFixed, 60);
    ImGui::TableSetupColumn("prefix", ImGuiTableColumnFlags_WidthFixed, 60);
    ImGui::TableSetupColumn("cache", ImGuiTableColumnFlags_WidthFixed, 90);
    ImGui::TableHeadersRow();
    std::int64_t prefix = 0;
    auto row = [&](const std::string& name, std::int64_t tokens, bool breakpoint) {
      prefix += tokens;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(tokens));
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(prefix));
      ImGui::TableNextColumn();
      if (breakpoint) ui::colored(ui::kBreakpoint, "breakpoint");
    };
    for (const auto& block : b.blocks) row("system: " + block.name, block.tokens, block.cache_breakpoint);
    if (kept_turns > 0)
      row("messages: " + std::to_string(kept_turns) + " kept turns", b.context.turn_tokens, turn_breakpoint);
    row("message: lead context + query", b.context.pinned_tokens, false);
    ImGui::EndTable();
  }

  if (ImGui::TreeNode("System block texts")) {
    const json& system = body["system"];
    for (std::size_t i = 0; i < system.size() && i < b.blocks.size(); ++i) {
      if (ImGui::TreeNode(b.blocks[i].name.c_str())) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(system[i].value("text", std::string()).c_str());
        ImGui::PopTextWrapPos();
        ImGui::TreePop();
      }
    }
    ImGui::TreePop();
  }
  if (ImGui::TreeNode("Request body (Messages API)")) {
    std::string text = body.dump(2, ' ', false, json::error_handler_t::replace);
    ImGui::InputTextMultiline("##body", &text, ImVec2(-1, 260), ImGuiInputTextFlags_ReadOnly);
    ImGui::TreePop();
  }
}

void draw_context_panel(AppState& app) {
  if (stale_or_missing(app)) return;
  const Evaluation& e = *app.evaluation;
  const ContextWindow& w = e.built.context;
  const float used =
      w.budget_tokens > 0 ? static_cast<float>(w.total_tokens()) / static_cast<float>(w.budget_tokens) : 0;
  char label[96];
  std::snprintf(label, sizeof label, "%lld / %lld tokens", static_cast<long long>(w.total_tokens()),
                static_cast<long long>(w.budget_tokens));
  ImGui::ProgressBar(std::min(used, 1.0f), ImVec2(-1, 0), label);
  if (w.over_budget)
    ui::colored(ui::kBad, "Over budget even with no history: the system prompt and query alone do not fit.");
  ImGui::Text("system %lld   lead+query %lld   summary %lld   kept turns %lld",
              static_cast<long long>(w.system_tokens), static_cast<long long>(w.pinned_tokens),
              static_cast<long long>(w.summary_tokens), static_cast<long long>(w.turn_tokens));
  ImGui::Text("%zu turns folded into the summary, %zu kept verbatim", w.first_kept,
              e.turns.size() - std::min(e.turns.size(), w.first_kept));

  if (!e.turns.empty() &&
      ImGui::BeginTable("turns", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY,
                        ImVec2(0, std::min(200.0f, 26.0f * static_cast<float>(e.turns.size() + 1))))) {
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, 24);
    ImGui::TableSetupColumn("role", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("tokens", ImGuiTableColumnFlags_WidthFixed, 50);
    ImGui::TableSetupColumn("turn");
    ImGui::TableHeadersRow();
    for (const auto& t : e.turns) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%zu", t.index);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(t.role == TurnRole::user ? "user" : "assistant");
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(t.tokens));
      ImGui::TableNextColumn();
      const std::string& content = app.evaluated.request.history[t.index].content;
      std::string preview = content.substr(0, 90) + (content.size() > 90 ? "..." : "");
      ui::colored(t.kept ? ui::kGood : ui::kMuted, (t.kept ? "kept    " : "folded  ") + preview);
    }
    ImGui::EndTable();
  }
  if (!w.summary.empty() && ImGui::TreeNode("Summary slot")) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(w.summary.c_str());
    ImGui::PopTextWrapPos();
    ImGui::TreePop();
  }
}

void draw_cost_panel(AppState& app) {
  if (stale_or_missing(app)) return;
  const Evaluation& e = *app.evaluation;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("cost", 6, flags)) {
    ImGui::TableSetupColumn("tier");
    ImGui::TableSetupColumn("model");
    ImGui::TableSetupColumn("in/out");
    ImGui::TableSetupColumn("cold");
    ImGui::TableSetupColumn("cached");
    ImGui::TableSetupColumn("x1000", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const auto& c : e.cost_by_tier) {
      ImGui::TableNextRow();
      if (c.routed) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, IM_COL32(40, 90, 60, 255));
      ImGui::TableNextColumn();
      ImGui::Text("%s%s", std::string(name_of(c.tier)).c_str(), c.routed ? " (routed)" : "");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(c.model.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%lld / %lld", static_cast<long long>(c.input_tokens), static_cast<long long>(c.output_tokens));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(usd(c.cost_usd).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(usd(c.cost_usd_cached).c_str());
      ImGui::TableNextColumn();
      ImGui::Text("$%.2f", c.cost_usd_cached * 1000);
    }
    ImGui::EndTable();
  }
  ui::hint("The same prompt and specialist priced on each tier (the budget cap is ignored here); "
           "\"cached\" reads the cacheable prefix from the prompt cache; x1000 is 1,000 such cached turns.");
}

}  // namespace porchlight::playground
