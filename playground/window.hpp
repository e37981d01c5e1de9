// window.hpp: the interactive window (GLFW + OpenGL 3 + Dear ImGui) and its frame loop, with the
// options the Xvfb smoke test uses to render a fixed number of frames and record what it showed.
#pragma once

#include <string>

#include "app_state.hpp"

namespace porchlight::playground {

struct WindowOptions {
  int width = 1600, height = 1000;
  int frames = 0;           // > 0: close after this many frames (and after a send started by --send)
  std::string screenshot;   // a PNG of the last frame
  std::string state_out;    // state_json() after the last frame
  bool send_on_start = false;
  // Typed into the query box through ImGui's own input queue (select all, delete, characters),
  // so the smoke test sees the route follow real keystrokes. Needs frames >= 8.
  std::string type_query;
};

// Exit status: 0 closed normally, 1 no window could be opened or an output could not be written.
int run_window(AppState& app, const WindowOptions& options);

}  // namespace porchlight::playground
