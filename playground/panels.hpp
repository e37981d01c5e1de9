// panels.hpp: the window's panels. Each draws one part of AppState; window.cpp lays them out.
//   panels_agent.cpp      agent profile, lead and request options; query and routing decision
//   panels_prompt.cpp     built prompt (blocks, breakpoints, body); context window; cost by tier
//   panels_send.cpp       proxy settings; send and stream the answer
//   panels_scenarios.cpp  scenario and policy files; the regression view
#pragma once

#include "app_state.hpp"

namespace porchlight::playground {

void draw_agent_panel(AppState& app);
void draw_query_panel(AppState& app);
void draw_prompt_panel(AppState& app);
void draw_context_panel(AppState& app);
void draw_cost_panel(AppState& app);
void draw_send_panel(AppState& app);
void draw_files_panel(AppState& app);
void draw_regression_panel(AppState& app);

}  // namespace porchlight::playground
