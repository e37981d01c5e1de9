// router_tools.cpp: `porchlight train` and `porchlight eval` (docs/coaching.md, section 9).
//
//   porchlight train DATA_DIR POLICY_DIR [--seed N]
//       trains router v2 on DATA_DIR/*.jsonl's train split, writes POLICY_DIR/router/model.json
//       and sets routing.json's learned.model_version to the new model's version
//   porchlight eval DATA_DIR [--split train|dev|test|all] [--seed N] [--policy POLICY_DIR] [--decisions]
//       router v2 beside router v1 on one split (the test split unless told): BENCH lines and a
//       confusion matrix; the built-in policy unless POLICY_DIR names a core/data folder.
//       --decisions prints each request's route instead (native and WASM must agree byte for byte)

#include "router_tools.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "porchlight/api.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/route.hpp"
#include "porchlight/router_train.hpp"

namespace fs = std::filesystem;
using porchlight::LabeledRequest;
using porchlight::ModelTier;
using porchlight::Specialist;

namespace {

constexpr std::uint64_t kDefaultSeed = 2026;

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

// Every labeled line of DIR/*.jsonl, files in name order; false (after saying why) on any problem.
bool read_dataset(const std::string& dir, std::vector<LabeledRequest>& out) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  if (ec || files.empty()) {
    std::cerr << "porchlight: no .jsonl files in " << dir << "\n";
    return false;
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> seen;
  for (const auto& path : files) {
    std::ifstream f(path, std::ios::binary);
    std::string line;
    for (std::size_t n = 1; std::getline(f, line); ++n) {
      if (line.empty()) continue;
      auto e = porchlight::read_labeled_request(line);
      if (!e) {
        std::cerr << "porchlight: " << path.filename().string() << ":" << n << ": " << e.errors()[0].message << "\n";
        return false;
      }
      if (auto [it, fresh] = seen.emplace(e->id, path.filename().string()); !fresh) {
        std::cerr << "porchlight: " << path.filename().string() << ":" << n << ": id " << e->id
                  << " is also in " << it->second << "\n";
        return false;
      }
      out.push_back(std::move(e).value());
    }
  }
  return true;
}

struct EvalOptions {
  std::string split = "test";
  std::string policy_dir;
  bool decisions = false;
};

bool parse_options(int argc, char** argv, int from, std::uint64_t& seed, EvalOptions* eval) {
  for (int i = from; i < argc; ++i) {
    const std::string a = argv[i];
    if (eval && a == "--decisions") {
      eval->decisions = true;
    } else if (a == "--seed" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18) return false;
      seed = std::stoull(v);
    } else if (eval && a == "--split" && i + 1 < argc) {
      eval->split = argv[++i];
      if (eval->split != "train" && eval->split != "dev" && eval->split != "test" && eval->split != "all") return false;
    } else if (eval && a == "--policy" && i + 1 < argc) {
      eval->policy_dir = argv[++i];
    } else {
      return false;
    }
  }
  return true;
}

// The policy's files with router v2 on or off: v1 is the baseline row of every eval.
porchlight::Policy policy_with_router(std::map<std::string, std::string> files, bool learned) {
  auto routing = nlohmann::json::parse(files.at("routing.json"));
  routing["learned"]["enabled"] = learned;
  files["routing.json"] = routing.dump();
  auto policy = porchlight::Policy::from_files(files);
  if (!policy) {
    std::cerr << "porchlight: the policy does not load: " << policy.errors()[0].message << "\n";
    std::exit(2);
  }
  return std::move(policy).value();
}

struct Scores {
  double accuracy = 0, macro_f1 = 0, plan_f1 = 0, under = 0, over = 0;
  double saving_vs_balanced = 0, saving_vs_deep = 0;
  double single_planned = 0;   // requests labeled with one specialist that ran as a plan
  double plan_step_share = 0;  // of what the routes cost, the share spent on plans' steps
  std::vector<std::vector<int>> confusion;  // [label][predicted]
};

Scores score(const std::vector<const LabeledRequest*>& set, const porchlight::Policy& policy) {
  constexpr std::size_t K = porchlight::enum_count<Specialist>();
  Scores s;
  s.confusion.assign(K, std::vector<int>(K, 0));
  int correct = 0, under = 0, over = 0;
  int plan_tp = 0, plan_fp = 0, plan_fn = 0, singles = 0, singles_planned = 0;
  double cost = 0, step_cost = 0, balanced = 0, deep = 0;
  for (const LabeledRequest* e : set) {
    const auto d = porchlight::route(e->request, policy);
    const auto label = e->specialists[0];
    s.confusion[static_cast<std::size_t>(label)][static_cast<std::size_t>(d.specialist)]++;
    correct += d.specialist == label;
    under += d.tier < e->tier;
    over += d.tier > e->tier;
    if (e->specialists.size() > 1) {
      const std::vector<Specialist> predicted = d.plan.empty() ? std::vector<Specialist>{d.specialist} : d.plan;
      for (Specialist p : predicted)
        (std::find(e->specialists.begin(), e->specialists.end(), p) != e->specialists.end() ? plan_tp : plan_fp)++;
      for (Specialist l : e->specialists)
        plan_fn += std::find(predicted.begin(), predicted.end(), l) == predicted.end();
    }
    if (e->specialists.size() == 1) ++singles, singles_planned += !d.plan.empty();
    // A plan is a call per step at the route's tier, then the synthesis (the route's own call);
    // the baselines run the same calls at their tier.
    auto calls_at = [&](ModelTier tier) {
      double sum = 0;
      for (Specialist step : d.plan) {
        auto forced = e->request;
        forced.specialist = step;
        forced.tier = tier;
        sum += porchlight::route(forced, policy).estimated_cost_usd;
      }
      return sum;
    };
    const double steps = calls_at(d.tier);
    cost += d.estimated_cost_usd + steps;
    step_cost += steps;
    for (auto [tier, sum] : {std::pair{ModelTier::balanced, &balanced}, std::pair{ModelTier::deep, &deep}}) {
      auto forced = e->request;
      forced.specialist = d.specialist;
      forced.tier = tier;
      *sum += porchlight::route(forced, policy).estimated_cost_usd + calls_at(tier);
    }
  }
  const double n = static_cast<double>(set.size());
  s.accuracy = correct / n;
  s.under = under / n;
  s.over = over / n;
  double f1_sum = 0;
  int classes = 0;
  for (std::size_t c = 0; c < K; ++c) {
    int tp = s.confusion[c][c], fn = 0, fp = 0;
    for (std::size_t o = 0; o < K; ++o)
      if (o != c) fn += s.confusion[c][o], fp += s.confusion[o][c];
    if (tp + fn == 0) continue;  // no such label in this split
    ++classes;
    f1_sum += tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }
  s.macro_f1 = classes ? f1_sum / classes : 0;
  s.plan_f1 = plan_tp ? 2.0 * plan_tp / (2.0 * plan_tp + plan_fp + plan_fn) : 0;
  s.single_planned = singles ? static_cast<double>(singles_planned) / singles : 0;
  s.plan_step_share = cost > 0 ? step_cost / cost : 0;
  s.saving_vs_balanced = balanced > 0 ? 1 - cost / balanced : 0;
  s.saving_vs_deep = deep > 0 ? 1 - cost / deep : 0;
  return s;
}

// Microseconds per route() at the 50th and 99th percentiles, over 20 rounds of the set.
std::pair<double, double> route_us(const std::vector<const LabeledRequest*>& set, const porchlight::Policy& policy) {
  std::vector<double> us;
  for (int round = 0; round < 20; ++round)
    for (const LabeledRequest* e : set) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto d = porchlight::route(e->request, policy);
      const auto t1 = std::chrono::steady_clock::now();
      if (d.policy_version.empty()) std::abort();  // keeps the call
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

// ---- prompt caching over sessions ----------------------------------------------------------------

// Each labeled request opens a three-turn session with the same agent and lead; the two follow-ups
// are routed like any request (so a router that switches specialists mid-session loses the cached
// playbook). The API's cache is modelled on the system prompt: a prefix up to a breakpoint is
// written once and read by any later turn that starts with the same bytes (within the TTL).
struct CacheFigures {
  double read_share_turn2plus = 0;   // system-prompt tokens read from the cache, turns 2 and 3
  double saving_usd_per_1k_sessions = 0;
  double cost_usd_per_1k_sessions = 0;  // what the sessions cost, caching counted
};

CacheFigures cache_figures(const std::vector<const LabeledRequest*>& set, const porchlight::Policy& policy) {
  static const char* const kFollowUps[] = {"ok thanks. what do I text her right now?",
                                           "and if she pushes back on that, what do I say?"};
  const std::string answer(900, 'a');  // a stand-in answer of about 225 tokens (its bytes do not matter)
  std::int64_t read_2plus = 0, system_2plus = 0;
  double saved = 0, spent = 0;
  for (const LabeledRequest* e : set) {
    std::vector<std::string> cached;  // prefixes written: model + the system blocks' text up to a breakpoint
    porchlight::PromptRequest turn;
    turn.profile = e->request.profile;
    turn.profile.id = "eval-agent";
    turn.stage = e->request.stage;
    turn.lead.name = "Lead";
    for (int t = 0; t < 3; ++t) {
      turn.query = t == 0 ? e->request.query : kFollowUps[t - 1];
      const auto built = porchlight::build_prompt(turn, policy);
      const auto body = nlohmann::json::parse(built.body);
      std::string prefix = built.route.model;
      std::int64_t system = 0, read = 0, last_breakpoint = 0;  // tokens: all, read, up to the last breakpoint
      for (std::size_t b = 0; b < built.blocks.size() && b < body["system"].size(); ++b) {
        prefix += '\x1f' + body["system"][b]["text"].get<std::string>();
        system += built.blocks[b].tokens;
        if (!built.blocks[b].cache_breakpoint) continue;
        last_breakpoint = system;
        if (std::find(cached.begin(), cached.end(), prefix) != cached.end()) read = system;
        else cached.push_back(prefix);
      }
      const std::int64_t written = std::max<std::int64_t>(0, last_breakpoint - read);
      if (t > 0) read_2plus += read, system_2plus += system;
      porchlight::Usage cold;
      cold.input_tokens = built.context.total_tokens();
      cold.output_tokens = built.route.estimated_output_tokens;
      porchlight::Usage warm = cold;
      warm.input_tokens -= read + written;
      warm.cache_read_input_tokens = read;
      warm.cache_creation_input_tokens = written;
      const auto a = porchlight::cost_of(cold, built.route.model, policy), b = porchlight::cost_of(warm, built.route.model, policy);
      if (a && b) saved += a->total_usd - b->total_usd, spent += b->total_usd;
      turn.previous_specialist = built.route.specialist;
      turn.history.push_back({porchlight::TurnRole::user, turn.query});
      turn.history.push_back({porchlight::TurnRole::assistant, answer});
    }
  }
  CacheFigures f;
  f.read_share_turn2plus = system_2plus ? static_cast<double>(read_2plus) / static_cast<double>(system_2plus) : 0;
  f.saving_usd_per_1k_sessions = saved / static_cast<double>(set.size()) * 1000;
  f.cost_usd_per_1k_sessions = spent / static_cast<double>(set.size()) * 1000;
  return f;
}

void print_bench(const std::string& prefix, const Scores& s) {
  std::printf("BENCH %s.specialist_macro_f1=%.3f ratio\n", prefix.c_str(), s.macro_f1);
  std::printf("BENCH %s.specialist_accuracy=%.3f ratio\n", prefix.c_str(), s.accuracy);
  std::printf("BENCH %s.plan_f1=%.3f ratio\n", prefix.c_str(), s.plan_f1);
  std::printf("BENCH %s.single_request_planned_rate=%.3f ratio\n", prefix.c_str(), s.single_planned);
  std::printf("BENCH %s.plan_step_cost_share=%.3f ratio\n", prefix.c_str(), s.plan_step_share);
  std::printf("BENCH %s.tier_underrouting_rate=%.3f ratio\n", prefix.c_str(), s.under);
  std::printf("BENCH %s.tier_overrouting_rate=%.3f ratio\n", prefix.c_str(), s.over);
  std::printf("BENCH %s.cost_saving_vs_balanced=%.3f ratio\n", prefix.c_str(), s.saving_vs_balanced);
  std::printf("BENCH %s.cost_saving_vs_deep=%.3f ratio\n", prefix.c_str(), s.saving_vs_deep);
}

}  // namespace

bool read_policy_folder(const std::string& dir, std::map<std::string, std::string>& files) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string content;
    if (!read_file(it->path(), content)) ec = std::make_error_code(std::errc::io_error);
    files[fs::relative(it->path(), dir).generic_string()] = content;
  }
  if (ec) std::cerr << "porchlight: cannot read the policy folder " << dir << ": " << ec.message() << "\n";
  return !ec;
}

int train_command(int argc, char** argv) {
  if (argc < 4) return -1;
  std::uint64_t seed = kDefaultSeed;
  if (!parse_options(argc, argv, 4, seed, nullptr)) return -1;
  std::vector<LabeledRequest> all;
  if (!read_dataset(argv[2], all)) return 2;
  std::vector<LabeledRequest> train;
  for (auto& e : all)
    if (porchlight::split_of(e.id, seed) == porchlight::Split::train) train.push_back(std::move(e));
  porchlight::TrainOptions options;
  options.seed = seed;
  options.release = porchlight::Policy::embedded().release();
  const fs::path dir = argv[3];
  std::map<std::string, std::string> files;
  if (!read_policy_folder(dir.string(), files)) return 2;
  files.erase(porchlight::kRouterModelFile);  // the model being replaced (stale or broken, it must not stop its retraining)
  const auto keywords = porchlight::Policy::from_files(files);
  if (!keywords) {
    std::cerr << "porchlight: the policy in " << dir.string() << " does not load: " << keywords.errors()[0].message << "\n";
    return 2;
  }
  const std::string model = porchlight::train_router(train, options, keywords.value());
  const std::string version = nlohmann::json::parse(model)["version"];

  std::string routing;
  if (!read_file(dir / "routing.json", routing)) {
    std::cerr << "porchlight: cannot read " << (dir / "routing.json").string() << "\n";
    return 2;
  }
  // One line changes in the hand-formatted routing.json: the model's version.
  const std::string key = "\"model_version\": \"";
  const auto at = routing.find(key);
  const auto end = at == std::string::npos ? at : routing.find('"', at + key.size());
  if (end == std::string::npos) {
    std::cerr << "porchlight: routing.json has no \"learned\": {\"model_version\": \"...\"}\n";
    return 2;
  }
  routing.replace(at + key.size(), end - at - key.size(), version);
  fs::create_directories(dir / "router");
  std::ofstream(dir / "router" / "model.json", std::ios::binary) << model;
  std::ofstream(dir / "routing.json", std::ios::binary) << routing;
  std::cout << "trained " << version << " on " << train.size() << " of " << all.size() << " requests (seed "
            << seed << ")\n";
  return 0;
}

int eval_command(int argc, char** argv) {
  if (argc < 3) return -1;
  std::uint64_t seed = kDefaultSeed;
  EvalOptions opt;
  if (!parse_options(argc, argv, 3, seed, &opt)) return -1;
  const std::string& split_name = opt.split;
  const auto split = split_name == "train" ? porchlight::Split::train
                   : split_name == "dev"   ? porchlight::Split::dev : porchlight::Split::test;
  std::vector<LabeledRequest> all;
  if (!read_dataset(argv[2], all)) return 2;
  std::vector<const LabeledRequest*> set;
  int compound = 0;
  for (const auto& e : all)
    if (split_name == "all" || porchlight::split_of(e.id, seed) == split)
      set.push_back(&e), compound += e.specialists.size() > 1;
  if (set.empty()) {
    std::cerr << "porchlight: the " << split_name << " split is empty\n";
    return 2;
  }
  std::map<std::string, std::string> files;
  if (opt.policy_dir.empty()) files = porchlight::Policy::embedded().files();
  else if (!read_policy_folder(opt.policy_dir, files)) return 2;
  const auto v2 = policy_with_router(files, true);
  if (!porchlight::route(set[0]->request, v2).learned) {
    std::cerr << "porchlight: the policy has no router v2 model (core/data/router/model.json): run porchlight train\n";
    return 2;
  }
  if (opt.decisions) {  // one decision per request: native and WebAssembly must print the same bytes
    for (const LabeledRequest* e : set)
      std::cout << nlohmann::json{{"id", e->id}, {"route", porchlight::to_json(porchlight::route(e->request, v2))}}.dump() << "\n";
    return 0;
  }
  const auto v1 = policy_with_router(files, false);
  std::printf("eval: %zu of %zu requests (%s split, seed %llu, %d compound); policy %s\n", set.size(), all.size(),
              split_name.c_str(), static_cast<unsigned long long>(seed), compound, v2.version().c_str());
  const Scores learned = score(set, v2), keywords = score(set, v1);
#ifdef __EMSCRIPTEN__
  const char* where = "wasm";
#else
  const char* where = "native";
#endif
  print_bench("eval", learned);
  const auto cache = cache_figures(set, v2), v1_cache = cache_figures(set, v1);
  std::printf("BENCH eval.cache_read_share_turn2plus=%.3f ratio\nBENCH eval.cache_saving_usd_per_1k_sessions=%.2f usd\n"
              "BENCH eval.session_cost_usd_per_1k_sessions=%.2f usd\n",
              cache.read_share_turn2plus, cache.saving_usd_per_1k_sessions, cache.cost_usd_per_1k_sessions);
  const auto [p50, p99] = route_us(set, v2);
  std::printf("BENCH eval.route_p50_us_%s=%.2f us\nBENCH eval.route_p99_us_%s=%.2f us\n", where, p50, where, p99);
  print_bench("eval.v1", keywords);
  std::printf("BENCH eval.v1.cache_read_share_turn2plus=%.3f ratio\nBENCH eval.v1.cache_saving_usd_per_1k_sessions=%.2f usd\n"
              "BENCH eval.v1.session_cost_usd_per_1k_sessions=%.2f usd\n",
              v1_cache.read_share_turn2plus, v1_cache.saving_usd_per_1k_sessions, v1_cache.cost_usd_per_1k_sessions);
  const auto [v1_p50, v1_p99] = route_us(set, v1);
  std::printf("BENCH eval.v1.route_p50_us_%s=%.2f us\nBENCH eval.v1.route_p99_us_%s=%.2f us\n", where, v1_p50, where,
              v1_p99);

  constexpr std::size_t K = porchlight::enum_count<Specialist>();
  std::printf("\nconfusion (router v2; rows: label, columns: routed)\n%-22s", "");
  for (std::size_t c = 0; c < K; ++c) std::printf("%6.5s", std::string(porchlight::name_of(static_cast<Specialist>(c))).c_str());
  std::printf("\n");
  for (std::size_t r = 0; r < K; ++r) {
    std::printf("%-22s", std::string(porchlight::name_of(static_cast<Specialist>(r))).c_str());
    for (std::size_t c = 0; c < K; ++c) std::printf("%6d", learned.confusion[r][c]);
    std::printf("\n");
  }
  return 0;
}
