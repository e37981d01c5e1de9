// dump.hpp: the scriptable mode. Prints, as JSON on stdout, what the panels show for one
// scenario, or the regression table for a folder; no window is opened.
#pragma once

#include <string>

#include "porchlight/policy.hpp"

namespace porchlight::playground {

struct DumpOptions {
  std::string scenario_file;       // one scenario: evaluate.hpp's to_json
  std::string scenarios_dir;       // or a folder: regression.hpp's to_json
  std::string baseline_file;       // compare the folder with this baseline
  std::string save_baseline_file;  // write the folder's decisions as a new baseline
  bool fail_on_change = false;     // exit 1 when a decision differs from the baseline
  std::string send_url;            // also send the scenario to a running proxy
  std::string secret_key;          // for send_url; never printed
};

// Exit status: 0 as expected; 1 an `expect` failed, a send failed, or (with fail_on_change) the
// baseline differs; 2 bad input (missing file, malformed JSON, invalid scenario or baseline).
int run_dump(const Policy& policy, const DumpOptions& options);

}  // namespace porchlight::playground
