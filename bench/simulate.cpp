// baton_sim: replays the synthetic trace of tests/sim/ under every order
// policy (with and without backfill) and every placement policy, and prints a
// Markdown table for BENCHMARKS.md: what users pick a policy from.
//
//   baton_sim [--jobs N] [--workers N] [--seed S] [--repeat R]
//
// Results are deterministic; only the speed columns vary, so each row runs R
// times (default 3) and reports the fastest.
//
// Exits 1 if any run broke an invariant (the violations go to stderr).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/sim/simulator.h"

namespace {

using namespace baton;
using namespace baton::sim;

struct Options {
  std::size_t jobs = 10000;
  std::size_t workers = 50;
  std::uint64_t seed = 42;
  unsigned repeat = 3;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (i + 1 >= argc) return false;
    const unsigned long long v = std::strtoull(argv[++i], nullptr, 10);
    if (!std::strcmp(a, "--jobs") && v > 0) o.jobs = v;
    else if (!std::strcmp(a, "--workers") && v > 0) o.workers = v;
    else if (!std::strcmp(a, "--seed")) o.seed = v;
    else if (!std::strcmp(a, "--repeat") && v > 0) o.repeat = static_cast<unsigned>(v);
    else return false;
  }
  return true;
}

std::string minutes(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", seconds / 60.0);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // not every worker registration
  Options opt;
  if (!parse(argc, argv, opt)) {
    std::fprintf(stderr, "usage: baton_sim [--jobs N] [--workers N] [--seed S] [--repeat R]\n");
    return 2;
  }
  const std::vector<SimJob> trace = synthetic_trace(opt.jobs, opt.seed);
  const std::vector<SimWorker> workers = mixed_workers(opt.workers);

  std::uint64_t cpus = 0;
  for (const SimWorker& w : workers) cpus += w.cpus;
  double cpu_s = 0;
  std::size_t big = 0;
  for (const SimJob& j : trace) {
    cpu_s += double(j.cpus) * double(j.runtime) / 1000.0;
    if (j.cpus >= 16) ++big;
  }
  std::printf("Trace: %zu jobs (seed %llu), %zu of them 16-32 cpus; %.0f cpu-hours of work arriving over %.1f h; "
              "%zu workers, %llu cpus; offered load %.2f.\n\n",
              trace.size(), static_cast<unsigned long long>(opt.seed), big, cpu_s / 3600.0,
              trace.empty() ? 0.0 : double(trace.back().arrival - trace.front().arrival) / 3.6e6, workers.size(),
              static_cast<unsigned long long>(cpus), offered_load(trace, workers));
  std::printf("Trace shape: %s.\n\n", trace_shape().c_str());

  struct Row {
    OrderPolicy order;
    PlacementPolicy placement;
    bool backfill;
  };
  std::vector<Row> rows;
  for (OrderPolicy o : {OrderPolicy::Priority, OrderPolicy::Fifo, OrderPolicy::Sjf, OrderPolicy::Fairshare})
    for (bool bf : {true, false}) rows.push_back({o, PlacementPolicy::LeastLoaded, bf});
  for (PlacementPolicy p : {PlacementPolicy::RoundRobin, PlacementPolicy::Weighted, PlacementPolicy::Pack})
    rows.push_back({OrderPolicy::Fifo, p, true});

  std::printf("| order | placement | backfill | utilization | makespan (h) | mean wait (min) | p95 wait (min) "
              "| max wait (h) | passes/s | dispatches/s |\n");
  std::printf("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  int failed = 0;
  for (const Row& row : rows) {
    BrokerConfig cfg;
    cfg.scheduler.order = row.order;
    cfg.scheduler.placement = row.placement;
    cfg.scheduler.backfill = row.backfill;
    SimResult r = simulate(trace, workers, cfg);
    double wall = r.wall_s;
    for (unsigned i = 1; i < opt.repeat; ++i) wall = std::min(wall, simulate(trace, workers, cfg).wall_s);
    wall = std::max(wall, 1e-9);
    std::printf("| %s | %s | %s | %.1f%% | %.1f | %s | %s | %.1f | %.0f | %.0f |\n", order_policy_name(row.order),
                placement_policy_name(row.placement), row.backfill ? "on" : "off", 100.0 * r.utilization,
                double(r.makespan) / 3.6e6, minutes(r.mean_wait_s).c_str(), minutes(r.p95_wait_s).c_str(),
                r.max_wait_s / 3600.0, double(r.passes) / wall, double(r.dispatches) / wall);
    std::fflush(stdout);
    if (!r.violations.empty()) {
      ++failed;
      std::fprintf(stderr, "%s/%s/backfill %s: %zu violation(s)\n", order_policy_name(row.order),
                   placement_policy_name(row.placement), row.backfill ? "on" : "off", r.violations.size());
      for (const std::string& v : r.violations) std::fprintf(stderr, "  %s\n", v.c_str());
    }
  }
  return failed ? 1 : 0;
}
