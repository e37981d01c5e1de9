// porchlight: the core on the command line, JSON in and out. A developer tool (and, until the
// proxy lands, what `npm start` shows).
//
//   porchlight version
//   porchlight enums             every enum's JSON spellings (web/gen-enums.mjs writes them as TypeScript)
//   porchlight route|prompt|context|cost|validate|cards|offline|qualify|extract|timeline|assign|evaluate|plan [FILE]
//                                request from FILE or stdin
//   porchlight corpus FILE       runs a JSONL corpus: {"fn": "...", "input": <json or string>}
//                                (or "input_b64": bytes that are not text, e.g. invalid UTF-8)
//   porchlight policy check DIR  loads a core/data folder and lists every problem
//   porchlight train DATA_DIR POLICY_DIR [--seed N]          trains router v2 (router_tools.cpp)
//   porchlight eval DATA_DIR [--split S] [--seed N] [--policy DIR] [--decisions]  router v2 beside v1
//
// Exit status: 0 answered, 1 the answer is an error, 2 usage or I/O problem.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "porchlight/api.hpp"
#include "porchlight/policy.hpp"
#include "router_tools.hpp"

namespace {

constexpr std::size_t kMaxInput = 16u << 20;  // the API itself rejects past 1 MiB

const std::map<std::string, std::string (*)(std::string_view)> kCommands = {
    {"route", porchlight::api::route},
    {"prompt", porchlight::api::build_prompt},
    {"context", porchlight::api::fit_context},
    {"cost", porchlight::api::estimate_cost},
    {"validate", porchlight::api::validate_profile},
    {"cards", porchlight::api::guidance_cards},
    {"offline", porchlight::api::offline_answer},
    {"qualify", porchlight::api::qualify},
    {"extract", porchlight::api::extract_facts},
    {"timeline", porchlight::api::contract_timeline},
    {"assign", porchlight::api::assign_variant},
    {"evaluate", porchlight::api::evaluate_experiment},
    {"plan", porchlight::api::plan_experiment},
};

// Corpus lines name functions as the JS API does, so one corpus serves native and WASM.
const std::map<std::string, std::string (*)(std::string_view)> kApiNames = {
    {"route", porchlight::api::route},
    {"buildPrompt", porchlight::api::build_prompt},
    {"fitContext", porchlight::api::fit_context},
    {"estimateCost", porchlight::api::estimate_cost},
    {"validateProfile", porchlight::api::validate_profile},
    {"guidanceCards", porchlight::api::guidance_cards},
    {"offlineAnswer", porchlight::api::offline_answer},
    {"qualify", porchlight::api::qualify},
    {"extractFacts", porchlight::api::extract_facts},
    {"contractTimeline", porchlight::api::contract_timeline},
    {"assignVariant", porchlight::api::assign_variant},
    {"evaluateExperiment", porchlight::api::evaluate_experiment},
    {"planExperiment", porchlight::api::plan_experiment},
    {"loadPolicy", porchlight::api::load_policy},  // changes what later lines decide with
};

int usage() {
  std::cerr << "usage: porchlight version\n"
               "       porchlight enums\n"
               "       porchlight route|prompt|context|cost|validate|cards|offline|qualify|extract|timeline|assign|evaluate|plan [FILE]\n"
               "       porchlight corpus FILE\n"
               "       porchlight policy check DIR\n"
               "       porchlight train DATA_DIR POLICY_DIR [--seed N]\n"
               "       porchlight eval DATA_DIR [--split train|dev|test|all] [--seed N] [--policy DIR] [--decisions]\n";
  return 2;
}

bool read_all(std::istream& in, std::string& out) {
  out.clear();
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > kMaxInput) return true;  // enough to be rejected as too large
  }
  return !in.bad();
}

bool read_input(const char* path, std::string& out) {
  if (!path || std::string(path) == "-") return read_all(std::cin, out);
  std::ifstream f(path, std::ios::binary);
  if (!f) { std::cerr << "porchlight: cannot open " << path << "\n"; return false; }
  return read_all(f, out);
}

bool is_error(const std::string& answer) { return answer.rfind("{\"error\":", 0) == 0; }

std::string base64_decode(const std::string& in) {
  std::string out;
  unsigned value = 0;
  int bits = -8;
  for (unsigned char c : in) {
    int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
          : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (d < 0) continue;  // padding and line breaks
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((value >> bits) & 0xFF);
      bits -= 8;
    }
  }
  return out;
}

// Each corpus line names a function and its input: a JSON value, or a string to pass verbatim
// (for malformed-input cases). Output: one answer per line, in order.
int run_corpus(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) { std::cerr << "porchlight: cannot open " << path << "\n"; return 2; }
  std::string line;
  std::size_t n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.empty()) continue;
    auto c = nlohmann::json::parse(line, nullptr, false);
    const bool b64 = c.is_object() && c.contains("input_b64") && c["input_b64"].is_string();
    if (c.is_discarded() || !c.is_object() || !c.contains("fn") || !c["fn"].is_string() ||
        !(c.contains("input") || b64)) {
      std::cerr << "porchlight: corpus line " << n << " is not {\"fn\", \"input\"}\n";
      return 2;
    }
    const std::string fn = c["fn"];
    const std::string input = b64 ? base64_decode(c["input_b64"].get<std::string>())
                              : c["input"].is_string() ? c["input"].get<std::string>()
                                                       : c["input"].dump();
    if (fn == "version") std::cout << porchlight::api::version() << "\n";
    else if (auto it = kApiNames.find(fn); it != kApiNames.end()) std::cout << it->second(input) << "\n";
    else { std::cerr << "porchlight: corpus line " << n << ": unknown fn " << fn << "\n"; return 2; }
  }
  return 0;
}

int check_policy(const char* dir) {
  std::map<std::string, std::string> files;
  if (!read_policy_folder(dir, files)) return 2;
  auto policy = porchlight::Policy::from_files(files);
  if (!policy) {
    for (const auto& e : policy.errors()) std::cout << e.code << "  " << e.message << "\n";
    return 1;
  }
  std::cout << "ok: policy " << policy->version() << " (" << files.size() << " files)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "version") { std::cout << porchlight::api::version() << "\n"; return 0; }
  if (cmd == "enums") { std::cout << porchlight::api::enums() << "\n"; return 0; }
  if (cmd == "corpus") return argc == 3 ? run_corpus(argv[2]) : usage();
  if (cmd == "train" || cmd == "eval") {
    const int status = cmd == "train" ? train_command(argc, argv) : eval_command(argc, argv);
    return status < 0 ? usage() : status;
  }
  if (cmd == "policy") return argc == 4 && std::string(argv[2]) == "check" ? check_policy(argv[3]) : usage();
  auto it = kCommands.find(cmd);
  if (it == kCommands.end() || argc > 3) return usage();
  std::string input;
  if (!read_input(argc == 3 ? argv[2] : nullptr, input)) return 2;
  const std::string answer = it->second(input);
  std::cout << answer << "\n";
  return is_error(answer) ? 1 : 0;
}
