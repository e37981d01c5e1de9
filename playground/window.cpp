// window.cpp: GLFW window, ImGui setup, the layout of the panels, the frame loop, and the
// screenshot and state file the smoke test reads.
//
// Sections:
//   [1] layout
//   [2] screenshot
//   [3] frame loop

#include "window.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include "panels.hpp"
#include "widgets.hpp"

namespace porchlight::playground {

namespace {

// ---- [1] layout --------------------------------------------------------------------------------

// Three columns (inputs | decision | what was built) over the regression view.
void draw_layout(AppState& app) {
  refresh(app);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags host = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("Porchlight playground", nullptr, host);
  ImGui::Text("Porchlight playground   scenario: %s   policy %s%s", app.scenario.name.c_str(),
              app.policy.version().c_str(), app.policy_dir.empty() ? " (embedded)" : " (folder)");

  const float regression_height = ImGui::GetContentRegionAvail().y * 0.28f;
  const float columns_height = ImGui::GetContentRegionAvail().y - regression_height - 8;
  if (ImGui::BeginTable("columns", 3, ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("inputs", ImGuiTableColumnFlags_WidthStretch, 0.29f);
    ImGui::TableSetupColumn("decision", ImGuiTableColumnFlags_WidthStretch, 0.36f);
    ImGui::TableSetupColumn("built", ImGuiTableColumnFlags_WidthStretch, 0.35f);
    // Each column scrolls on its own; a fixed height keeps the regression view below in sight.
    const ImVec2 column(0, columns_height);
    ImGui::TableNextColumn();
    ImGui::BeginChild("inputs", column);
    if (ImGui::CollapsingHeader("Scenario and policy", ImGuiTreeNodeFlags_DefaultOpen)) draw_files_panel(app);
    draw_agent_panel(app);
    ImGui::EndChild();

    ImGui::TableNextColumn();
    ImGui::BeginChild("decision", column);
    if (ImGui::CollapsingHeader("Query and routing", ImGuiTreeNodeFlags_DefaultOpen)) draw_query_panel(app);
    if (ImGui::CollapsingHeader("Estimated cost by tier", ImGuiTreeNodeFlags_DefaultOpen)) draw_cost_panel(app);
    if (ImGui::CollapsingHeader("Send to a running proxy", ImGuiTreeNodeFlags_DefaultOpen)) draw_send_panel(app);
    ImGui::EndChild();

    ImGui::TableNextColumn();
    ImGui::BeginChild("built", column);
    refresh(app);  // edits in the first two columns this frame show here at once
    if (ImGui::CollapsingHeader("Built prompt", ImGuiTreeNodeFlags_DefaultOpen)) draw_prompt_panel(app);
    if (ImGui::CollapsingHeader("Context window", ImGuiTreeNodeFlags_DefaultOpen)) draw_context_panel(app);
    ImGui::EndChild();
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::TextUnformatted("Scenarios: regression view");
  ImGui::BeginChild("regression");
  draw_regression_panel(app);
  ImGui::EndChild();
  ImGui::End();
}

// ---- [2] screenshot ----------------------------------------------------------------------------

// Reads the back buffer of the frame just rendered (before the swap) into a PNG.
bool write_screenshot(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  if (w <= 0 || h <= 0) return false;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (glGetError() != GL_NO_ERROR) return false;
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  stbi_flip_vertically_on_write(1);  // GL rows start at the bottom
  return stbi_write_png(path.c_str(), w, h, 3, pixels.data(), w * 3) != 0;
}

std::string glfw_error;

// The scripted keystrokes of --type-query, one step per frame, injected between the backend's
// NewFrame (which reads the real keyboard) and ImGui's.
void type_into_query(AppState& app, const std::string& text, int frame) {
  ImGuiIO& io = ImGui::GetIO();
  io.KeysDown[GLFW_KEY_A] = io.KeysDown[GLFW_KEY_DELETE] = false;
  io.KeyCtrl = false;
  switch (frame) {
    case 2: app.focus_query = true; break;
    case 4: io.KeysDown[GLFW_KEY_A] = true; io.KeyCtrl = true; break;  // select all
    case 6: io.KeysDown[GLFW_KEY_DELETE] = true; break;
    case 7: io.AddInputCharactersUTF8(text.c_str()); break;
    default: break;
  }
}

void load_font(ImGuiIO& io) {
  // A proportional font reads better than ImGui's 13 px bitmap font; fall back when absent.
  const char* path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && io.Fonts->AddFontFromFileTTF(path, 15.0f)) return;
  io.Fonts->AddFontDefault();
}

}  // namespace

// ---- [3] frame loop ----------------------------------------------------------------------------

int run_window(AppState& app, const WindowOptions& options) {
  glfwSetErrorCallback([](int, const char* description) { glfw_error = description ? description : ""; });
  if (!glfwInit()) {
    std::cerr << "porchlight-playground: cannot open a window: " << glfw_error
              << "\n  (no display? run under xvfb-run, or use --dump for the scriptable mode)\n";
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window =
      glfwCreateWindow(options.width, options.height, "Porchlight playground", nullptr, nullptr);
  if (!window) {
    std::cerr << "porchlight-playground: cannot create an OpenGL 3 window: " << glfw_error << "\n";
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(options.frames > 0 ? 0 : 1);  // scripted runs should not wait for vsync

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini dropped into whatever folder we were started from
  ImGui::StyleColorsDark();
  ImGui::GetStyle().FrameRounding = 3;
  load_font(io);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  if (options.send_on_start) {
    refresh(app);
    if (app.evaluation && app.errors.empty())
      app.client.start(app.proxy_url, app.secret_key, app.evaluation->body);
  }

  int status = 0, rendered = 0;
  const auto send_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int frame = 1; !glfwWindowShouldClose(window); ++frame) {
    const bool in_flight = app.client.snapshot().in_flight();
    // Idle: wake on input, not 60 times a second (the cores are shared); streaming: ~60 fps.
    if (options.frames > 0 && !in_flight) glfwPollEvents();
    else glfwWaitEventsTimeout(in_flight ? 1.0 / 60 : 0.25);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (!options.type_query.empty()) type_into_query(app, options.type_query, frame);
    ImGui::NewFrame();
    draw_layout(app);
    ImGui::Render();
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(0.10f, 0.10f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    // A scripted run ends after its frames, once a send it started has finished.
    const bool last = options.frames > 0 && frame >= options.frames &&
                      (!in_flight || std::chrono::steady_clock::now() > send_deadline);
    if (last && !options.screenshot.empty() && !write_screenshot(window, options.screenshot)) {
      std::cerr << "porchlight-playground: cannot write the screenshot " << options.screenshot << "\n";
      status = 1;
    }
    glfwSwapBuffers(window);
    ++rendered;
    if (last) {
      if (in_flight) app.client.cancel();
      break;
    }
  }

  if (!options.state_out.empty()) {
    json state = state_json(app);
    state["frames_rendered"] = rendered;
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    state["framebuffer"] = {{"width", w}, {"height", h}};
    const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    state["gl_renderer"] = renderer ? renderer : "";
    if (Errors errors = write_text_file(options.state_out, state.dump(2) + "\n"); !errors.empty()) {
      std::cerr << "porchlight-playground: " << describe(errors);
      status = 1;
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return status;
}

}  // namespace porchlight::playground
