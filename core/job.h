// The broker's model of jobs and their tasks.
//
// A job has one task (index 0) or, as an array, one per index. Tasks are keyed
// by ordinal (see ArraySpec). A task that has never been dispatched lives only
// as an ordinal in `pending` (or in an aftercorr wait set); once dispatched it
// gets a TaskRecord, which it keeps through retries and requeues.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "baton.pb.h"
#include "core/array_spec.h"
#include "core/clock.h"
#include "core/compact_spec.h"
#include "core/dependency.h"
#include "core/ids.h"
#include "core/interval_set.h"
#include "core/resources.h"

namespace baton {

using TaskState = pb::TaskState;  // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT

const char* state_name(TaskState s);
bool is_terminal(TaskState s);

// Why a pending task is not running (Slurm's reason names), or why a task failed.
enum class Reason : std::uint8_t {
  None,
  Priority,
  Resources,
  Dependency,
  DependencyNeverSatisfied,
  BeginTime,
  Held,
  Throttle,
  UserLimit,
  QueueLimit,
  WorkerLost,
  Cancelled,
};
const char* reason_name(Reason r);

// A task inside the broker: its job and its ordinal (see ArraySpec).
struct TaskKey {
  JobId job = 0;
  std::uint64_t ordinal = 0;
  auto operator<=>(const TaskKey&) const = default;
};

using WorkerSlot = std::uint32_t;
constexpr WorkerSlot kNoWorker = UINT32_MAX;

struct TaskRecord {
  TaskState state = pb::PENDING;
  Reason reason = Reason::None;
  Attempt attempt = 0;         // dispatches so far; the running attempt when RUNNING
  std::uint16_t failures = 0;  // failed attempts (retries used)
  std::uint16_t crashes = 0;   // attempts lost with their worker
  bool cancel_requested = false;
  pb::Outcome outcome = pb::OUTCOME_UNSPECIFIED;
  WorkerSlot worker = kNoWorker;
  TimeMs dispatched_ms = 0;
  TimeMs start_ms = 0;
  TimeMs end_ms = 0;
  TimeMs eligible_ms = 0;      // retry backoff: not before this time
  std::int32_t exit_code = 0;
  std::int32_t signal = 0;
  std::uint64_t max_rss_kb = 0;
  std::uint64_t cpu_ms = 0;
  double charged = 0;          // fair-share usage charged at dispatch (normalized)
  std::vector<std::uint32_t> gpus;
};

// The exit status `wait` reports for one task (DESIGN.md section 5).
int wait_code(const TaskRecord& t);

// Where a job's pending tasks are held back, if anywhere.
enum class Gate : std::uint8_t { None, Ready, Held, Dependency, Begin, Limit, Parked };

// What few jobs use: aftercorr dependencies, cancelling tasks that never
// ran, launch failures, constraints, caps, and being depended on. Kept behind
// one pointer in Job (see there) and allocated on first write.
struct JobExtras {
  std::vector<std::pair<std::string, std::string>> constraints;  // LABEL=VALUE, sorted
  IntervalSet corr_wait;          // aftercorr: waiting on the matching task
  IntervalSet corr_never;         // aftercorr: the matching task did not complete
  IntervalSet cancelled_pending;  // cancelled before they ever ran (journaled with the job)
  std::map<std::uint64_t, std::string> errors;  // why a task could not start (launch failures only)
  std::string limit_key;          // the cap that holds it back, when gate == Limit
  std::vector<JobId> dependents;  // jobs whose dependency names this one
};

// Memory per pending job is a stated goal (BENCHMARKS.md, section 5: at most
// 1 KiB in the broker, all structures counted): a queue of a million one-task
// jobs must fit. So Job holds inline only what every job uses:
// - the rarely used parts live in JobExtras behind `extras_`, which stays null
//   for a plain job. extras() reads (the defaults when there are none, without
//   allocating); edit_extras() is for writes and allocates on first use;
// - the spec is a CompactSpec (its wire form plus the fields scheduling reads),
//   not a pb::JobSpec, which costs ~850 bytes even for `true`;
// - a plain job's ArraySpec allocates nothing.
// tests/core/job_memory_test.cpp holds these to a bound.
struct Job {
  JobId id = 0;
  CompactSpec spec;               // decoded where scheduling reads it (compact_spec.h)
  TimeMs submit_ms = 0;
  ArraySpec array;
  bool is_array = false;
  Resources need;                 // per task
  std::string queue;              // "default" when the spec names none
  Dependency dep;

  IntervalSet pending;            // ordinals that may be dispatched (gates permitting)
  std::map<std::uint64_t, TaskRecord> tasks;  // by ordinal

  std::uint32_t running = 0;
  std::uint32_t delayed = 0;      // retry backoff or requeued, not yet back in `pending`
  std::uint32_t completed = 0, failed = 0, timed_out = 0, cancelled = 0;  // ended task records
  std::uint32_t out_of_memory = 0;
  int worst_code = 0;
  bool ever_started = false;
  std::uint32_t ran_tasks = 0;    // tasks that ran to an exit, and their total run time:
  TimeMs ran_ms = 0;              // how long this job's tasks take (for prefetch)

  DepState dep_state = DepState::Satisfied;
  Gate gate = Gate::None;
  Reason reason = Reason::Priority;
  std::int64_t order_a = 0;       // ready-queue key, fixed while queued
  std::int64_t order_b = 0;
  TimeMs end_ms = 0;

  const JobExtras& extras() const { return extras_ ? *extras_ : kNoExtras; }
  JobExtras& edit_extras();
  bool has_extras() const { return extras_ != nullptr; }

  std::uint64_t total() const { return array.count(); }
  std::uint64_t pending_total() const {
    return pending.size() + extras().corr_wait.size() + extras().corr_never.size() + delayed;
  }
  bool terminal() const { return running == 0 && pending_total() == 0; }
  TaskState summary() const;
  DepView dep_view() const;
  // A finished job never runs again: drop what only running needs (the
  // environment and the script, often kilobytes), keeping what views show.
  // The journal keeps the full spec.
  void shed_run_state();
  // Its tasks that ran so far took less than `below` on average.
  bool short_tasks(TimeMs below) const {
    return ran_tasks > 0 && ran_ms < below * static_cast<TimeMs>(ran_tasks);
  }
  TaskIndex index_of(std::uint64_t ordinal) const { return array.index_at(ordinal); }
  std::string task_name(std::uint64_t ordinal) const { return format_task(id, index_of(ordinal), is_array); }

 private:
  static const JobExtras kNoExtras;
  std::unique_ptr<JobExtras> extras_;
};

// Jobs by id. Hashed: lookups stay O(1) with a million jobs queued. Not
// ordered; listings walk an ordered id set instead. References to elements
// stay valid while the element exists.
using JobTable = std::unordered_map<JobId, Job>;

}  // namespace baton
