// panels_send.cpp: sends the built request to a running proxy and streams the answer, with the
// actual usage, cost, latency, time to first token and cache reads.

#include <algorithm>
#include <cstdio>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "panels.hpp"
#include "porchlight/cost.hpp"
#include "widgets.hpp"

namespace porchlight::playground {

void draw_send_panel(AppState& app) {
  ImGui::PushItemWidth(-110);
  ImGui::InputText("proxy URL", &app.proxy_url);
  // Password field: the key is never drawn, saved or logged.
  ImGui::InputTextWithHint("secret key", "sk_...", &app.secret_key, ImGuiInputTextFlags_Password);
  ImGui::PopItemWidth();

  SendResult r = app.client.snapshot();
  const bool can_send = app.evaluation && app.errors.empty() && !r.in_flight();
  if (!can_send) ImGui::BeginDisabled();
  if (ImGui::Button("Send")) app.client.start(app.proxy_url, app.secret_key, app.evaluation->body);
  if (!can_send) ImGui::EndDisabled();
  ImGui::SameLine();
  if (!r.in_flight()) ImGui::BeginDisabled();
  if (ImGui::Button("Cancel")) app.client.cancel();
  if (!r.in_flight()) ImGui::EndDisabled();
  ImGui::SameLine();
  const ImVec4 color = r.state == SendResult::State::failed ? ui::kBad
                       : r.state == SendResult::State::done ? ui::kGood : ui::kWarn;
  ui::colored(color, std::string(state_name(r.state)) +
                         (r.http_status ? "  HTTP " + std::to_string(r.http_status) : std::string()));
  if (r.state == SendResult::State::idle) {
    ui::hint("Sends the request body above to POST /v1/messages with \"stream\": true.");
    return;
  }
  if (!r.error.empty()) ui::colored(ui::kBad, r.error);

  char line[256];
  std::snprintf(line, sizeof line, "latency %.0f ms   TTFT %s   stop %s", r.latency_ms,
                r.ttft_ms ? (std::to_string(static_cast<long long>(*r.ttft_ms)) + " ms").c_str() : "-",
                r.stop_reason.empty() ? "-" : r.stop_reason.c_str());
  ImGui::TextUnformatted(line);
  const Usage& u = r.usage;
  ImGui::Text("usage  in %lld  out %lld  cache read %lld  cache write %lld",
              static_cast<long long>(u.input_tokens), static_cast<long long>(u.output_tokens),
              static_cast<long long>(u.cache_read_input_tokens),
              static_cast<long long>(u.cache_creation_input_tokens));
  if (!r.model.empty()) {
    auto cost = cost_of(u, r.model, app.policy);
    if (cost) ImGui::Text("cost  $%.6f  (%s)%s", cost->total_usd, r.model.c_str(), r.in_flight() ? " so far" : "");
    else ui::colored(ui::kWarn, "cost: " + cost.errors().front().message);
  }
  if (!r.request_id.empty()) ImGui::Text("request-id %s", r.request_id.c_str());
  ImGui::BeginChild("answer", ImVec2(0, std::max(160.0f, ImGui::GetContentRegionAvail().y)), true);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(r.text.c_str());
  ImGui::PopTextWrapPos();
  if (r.in_flight()) ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
}

}  // namespace porchlight::playground
