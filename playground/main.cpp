// porchlight-playground: a developer app to see what the core decides for a scenario (route,
// prompt blocks and cache breakpoints, context window, cost per tier), send it to a running
// proxy, and run a folder of scenarios against a baseline. This file only reads the command line.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "app_state.hpp"
#include "dump.hpp"
#include "window.hpp"

namespace {

using namespace porchlight::playground;

constexpr const char* kUsage = R"(usage: porchlight-playground [options]

Window:
  porchlight-playground [--scenario FILE] [--scenarios DIR [--baseline FILE]] [--policy DIR]
                        [--proxy-url URL] [--send URL]
                        [--frames N [--screenshot PNG] [--state-out JSON] [--type-query TEXT]]
                        [--size WxH]
Scriptable (no window):
  porchlight-playground --scenario FILE --dump [--policy DIR] [--send URL]
  porchlight-playground --scenarios DIR [--baseline FILE] [--save-baseline FILE]
                        [--fail-on-change] --dump [--policy DIR]

  --scenario FILE       a scenario: a buildPrompt request plus "name" and "expect"
  --scenarios DIR       a folder of scenario files (*.json): the regression view
  --baseline FILE       decisions to compare with: {name: {specialist, tier, model, ...}}
  --save-baseline FILE  write this run's decisions as a baseline (--dump with --scenarios)
  --fail-on-change      exit 1 when a decision differs from the baseline or one is missing
  --policy DIR          decide with an edited copy of core/data instead of the embedded policy
  --send URL            send the scenario to a running proxy (http://host:port); the secret key
                        comes from the environment variable PORCHLIGHT_PLAYGROUND_KEY
  --proxy-url URL       fill in the send panel's proxy URL
  --frames N            close the window after N frames (tests); --screenshot and --state-out
                        write a PNG of the last frame and JSON of what was loaded and decided
  --type-query TEXT     (tests) type TEXT over the query box through ImGui's input queue
  --dump                print JSON instead of opening a window

Exit status: 0 ok; 1 an expectation failed, a send failed, a change with --fail-on-change, or no
window could be opened; 2 bad usage or bad input (missing file, malformed JSON, invalid scenario).
)";

int usage_error(const std::string& why) {
  std::cerr << "porchlight-playground: " << why << "\n\n" << kUsage;
  return 2;
}

struct Args {
  DumpOptions dump;
  WindowOptions window;
  std::string policy_dir, proxy_url;
  bool dump_mode = false;
  bool help = false;
};

// Returns an error message, or "" when the command line is well-formed.
std::string parse(int argc, char** argv, Args& a) {
  bool has_frames = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    auto take = [&]() {
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    auto need = [&](std::string& into) -> std::string {
      if (!take() || value.empty()) return arg + " needs a value";
      into = value;
      return "";
    };
    std::string err;
    if (arg == "--help" || arg == "-h") a.help = true;
    else if (arg == "--dump") a.dump_mode = true;
    else if (arg == "--fail-on-change") a.dump.fail_on_change = true;
    else if (arg == "--scenario") err = need(a.dump.scenario_file);
    else if (arg == "--scenarios") err = need(a.dump.scenarios_dir);
    else if (arg == "--baseline") err = need(a.dump.baseline_file);
    else if (arg == "--save-baseline") err = need(a.dump.save_baseline_file);
    else if (arg == "--policy") err = need(a.policy_dir);
    else if (arg == "--send") err = need(a.dump.send_url);
    else if (arg == "--proxy-url") err = need(a.proxy_url);
    else if (arg == "--screenshot") err = need(a.window.screenshot);
    else if (arg == "--state-out") err = need(a.window.state_out);
    else if (arg == "--type-query") err = need(a.window.type_query);
    else if (arg == "--frames") {
      std::string n;
      err = need(n);
      char* end = nullptr;
      const long frames = err.empty() ? std::strtol(n.c_str(), &end, 10) : 0;
      if (err.empty() && (*end != '\0' || frames < 1 || frames > 100000))
        err = "--frames needs a number of frames from 1 to 100000, got '" + n + "'";
      a.window.frames = static_cast<int>(frames);
      has_frames = true;
    } else if (arg == "--size") {
      std::string size;
      err = need(size);
      int w = 0, h = 0;
      const bool parsed = err.empty() && std::sscanf(size.c_str(), "%dx%d", &w, &h) == 2;
      if (err.empty() && (!parsed || w < 400 || h < 300 || w > 8192 || h > 8192))
        err = "--size needs WIDTHxHEIGHT, e.g. 1600x1000, got '" + size + "'";
      a.window.width = w;
      a.window.height = h;
    } else err = "unknown option '" + arg + "'";
    if (!err.empty()) return err;
  }
  if (a.help) return "";
  if (a.dump_mode) {
    if (a.dump.scenario_file.empty() == a.dump.scenarios_dir.empty())
      return "--dump needs exactly one of --scenario FILE or --scenarios DIR";
    if (has_frames || !a.window.screenshot.empty() || !a.window.state_out.empty())
      return "--frames, --screenshot and --state-out are for the window, not --dump";
  } else {
    if (!a.dump.save_baseline_file.empty() || a.dump.fail_on_change)
      return "--save-baseline and --fail-on-change go with --scenarios DIR --dump";
    if ((!a.window.screenshot.empty() || !a.window.state_out.empty()) && !has_frames)
      return "--screenshot and --state-out need --frames N (the frame to capture)";
    if (!a.window.type_query.empty() && a.window.frames < 8)
      return "--type-query needs --frames 8 or more (it types over several frames)";
  }
  if (!a.dump.baseline_file.empty() && a.dump.scenarios_dir.empty())
    return "--baseline goes with --scenarios DIR";
  if (!a.dump.send_url.empty() && a.dump_mode && a.dump.scenario_file.empty())
    return "--send goes with --scenario FILE";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (std::string err = parse(argc, argv, args); !err.empty()) return usage_error(err);
  if (args.help) { std::cout << kUsage; return 0; }
  // From the environment, not the command line: arguments are visible to every user in `ps`.
  if (const char* key = std::getenv("PORCHLIGHT_PLAYGROUND_KEY")) args.dump.secret_key = key;

  // The app state is large (and owns a client thread): keep it off the stack and never move it.
  auto app = std::make_unique<AppState>();
  if (!args.policy_dir.empty() && !use_policy_folder(*app, args.policy_dir)) {
    std::cerr << "porchlight-playground: " << app->status;
    return 2;
  }
  if (args.dump_mode) return run_dump(app->policy, args.dump);

  if (!args.dump.scenario_file.empty() && !open_scenario(*app, args.dump.scenario_file)) {
    std::cerr << "porchlight-playground: " << args.dump.scenario_file << " is not valid:\n" << app->status;
    return 2;
  }
  if (!args.dump.scenarios_dir.empty()) {
    app->scenarios_dir = args.dump.scenarios_dir;
    app->baseline_path = args.dump.baseline_file;
    if (!run_regression(*app)) {
      std::cerr << "porchlight-playground: " << app->status;
      return 2;
    }
  }
  app->secret_key = args.dump.secret_key;
  if (!args.proxy_url.empty()) app->proxy_url = args.proxy_url;
  if (!args.dump.send_url.empty()) {
    app->proxy_url = args.dump.send_url;
    args.window.send_on_start = true;
  }
  return run_window(*app, args.window);
}
