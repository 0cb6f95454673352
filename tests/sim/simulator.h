// A discrete-event simulation of a baton cluster, for checking the scheduler
// at scale and comparing its policies. It drives the real BrokerEngine through
// its public API only: jobs arrive through submit(), workers are scripted
// peers that Register, acknowledge each Assign with Started and later report
// Finished, and the broker ticks after every instant at which something
// happened. There are no sockets, no journal (a null one) and no clock: time
// moves only by the simulator's own event queue.
//
// Invariants are checked independently of the engine's own bookkeeping and
// recorded as violations (never asserted), so a test can print them all:
// - no over-commit: the cpus of the tasks a worker was assigned, and has not
//   yet finished, never exceed the cpus it registered;
// - every job is dispatched exactly once, with attempt 1 (no failures are
//   injected, so nothing should ever be retried or requeued), and completes;
// - under order=fifo with backfill on, backfill never delays the reserved
//   job: the first time a job holds the reservation with a finite start T,
//   it must later be dispatched no later than T.
//
// May use only core/'s public headers; nothing here touches the network, the
// disk or the wall clock (simulate() reads a steady clock only to report its
// own speed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"

namespace baton::sim {

// One job of a trace. `arrival` is relative to the start of the trace;
// `runtime` is how long it really runs, at most `limit_s` seconds (the time
// limit it was submitted with, which the scheduler plans with).
struct SimJob {
  TimeMs arrival = 0;
  std::uint32_t cpus = 1;
  std::int64_t limit_s = 0;
  TimeMs runtime = 0;
  std::int32_t priority = 0;
  std::string user;
};

struct SimWorker {
  std::string name;
  std::uint32_t cpus = 1;
};

struct SimResult {
  TimeMs makespan = 0;          // first arrival to last completion
  double utilization = 0;       // cpu-time used / (cluster cpus * makespan), 0..1
  double mean_wait_s = 0;       // arrival to dispatch, over every dispatched job
  double p95_wait_s = 0;
  double max_wait_s = 0;        // starvation shows here
  std::uint64_t dispatches = 0;
  std::vector<std::string> violations;

  // How the run went, for reports.
  std::uint64_t completed = 0;     // jobs that finished
  std::uint64_t passes = 0;        // broker ticks; every tick follows an event, so each runs a pass
  std::uint64_t reservations = 0;  // distinct jobs that held a finite reservation
  double wall_s = 0;               // steady-clock seconds simulate() took
};

// A deterministic synthetic trace of `n` jobs (same n and seed, same trace on
// every platform: it uses its own generator, not <random>'s distributions).
// Jobs come in bursts of alike jobs from 8 users of unequal activity; sizes
// run from 1 to 32 cpus (16- and 32-cpu jobs exist so reservations matter);
// time limits are round values from 5 minutes to 4 hours, and each job runs
// 15-100% of its limit. Arrivals offer 1.1 times the cpu-time that
// mixed_workers(50) can serve, so the queue grows and policies differ.
// trace_shape() gives the exact distributions.
std::vector<SimJob> synthetic_trace(std::size_t n, std::uint64_t seed);
// The trace's shape in words (users, sizes, limits, runtimes, load), for reports.
std::string trace_shape();

// `n` workers whose sizes repeat the pattern 4,4,4,4,8,8,8,16,16,32 cpus
// (50 workers: 20x4, 15x8, 10x16, 5x32 = 520 cpus).
std::vector<SimWorker> mixed_workers(std::size_t n);

// Cpu-seconds the trace asks for over the cpu-seconds the workers offer while
// jobs arrive: > 1 means oversubscribed.
double offered_load(const std::vector<SimJob>& jobs, const std::vector<SimWorker>& workers);

// Replays the trace against a fresh BrokerEngine configured with `cfg`
// (heartbeat_ms is raised so no worker expires in simulated time).
SimResult simulate(const std::vector<SimJob>& jobs, const std::vector<SimWorker>& workers, const BrokerConfig& cfg);

}  // namespace baton::sim
