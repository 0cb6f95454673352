// The broker's scheduler: where each job's pending tasks wait (the gates),
// and the pass that turns free resources into dispatches.
//
// Gates, checked in this order: Held, Dependency, BeginTime; then the ready
// queue, where a pass may still hold a job back for a cap (Limits) or park it
// when no registered worker could ever run it (Resources; unparked when
// workers change).
//
// A pass walks the ready queue in policy order and places one task at a time.
// When a job cannot start, EASY backfill gives the first such job a
// reservation on the worker where it could start soonest; later jobs may use
// that worker only if their time limit ends before the reservation or they
// fit in what the reserved job leaves spare. With backfill off, a blocked job
// closes every worker it could use to the jobs behind it. Cost per dispatch is
// O(log n) in queued jobs plus O(workers); a pass looks past at most
// `backfill_depth` blocked jobs and stops when no cpu is free (with backfill
// off, when every worker with a free cpu is held).
#pragma once

#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/limits.h"
#include "core/placement.h"
#include "core/ready_queue.h"
#include "core/worker_pool.h"

namespace baton {

struct Dispatch {
  TaskKey task;
  WorkerSlot worker = kNoWorker;
  std::vector<std::uint32_t> gpus;
  double charged = 0;  // fair-share cpu-seconds charged provisionally
  bool queued = false; // prefetched: waits on the (full) worker until it fits
};

struct Reservation {
  JobId job = 0;
  WorkerSlot worker = kNoWorker;
  TimeMs start = kNever;   // kNever: running tasks there have no time limit
  Resources spare;         // free at `start` beyond what the job needs
};

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& cfg, JobTable& jobs, WorkerPool& pool, TimeMs start);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Put the job where its pending tasks belong now. Call after anything that
  // changes its gates: submit, hold, release, update, dependency, cancel.
  void regate(Job& job, TimeMs now);
  // Take the job out of every structure (its pending set became empty).
  void leave(Job& job);

  // Retry backoff: the task becomes pending again at `at`.
  void delay(Job& job, std::uint64_t ordinal, TimeMs at);
  void undelay(Job& job, std::uint64_t ordinal);
  // Begin times and retry delays that have come due.
  void advance(TimeMs now);
  TimeMs next_deadline() const;

  // Accounting around a task's life. ended() may return jobs to the queue.
  void task_started(Job& job);
  void task_ended(Job& job, const TaskRecord& task, TimeMs now);
  // Workers registered, left or changed: parked jobs get another look.
  void workers_changed(TimeMs now);

  std::vector<Dispatch> pass(TimeMs now);
  // After a pass: hands tasks of short-task jobs to full workers ahead of
  // time, up to cfg.prefetch queued cpus per worker cpu, in queue order, never
  // to a worker held for a reservation. See SchedulerConfig::prefetch.
  std::vector<Dispatch> prefetch(TimeMs now);

  // Limits changed for this key (update throttle=...).
  void limits_changed(const std::string& key, TimeMs now);

  const ReadyQueue& queue() const { return ready_; }
  ReadyQueue& queue() { return ready_; }
  const Limits& limits() const { return limits_; }
  const std::optional<Reservation>& reservation() const { return reservation_; }
  // Earliest start the job could get on an eligible worker, as a reservation
  // would compute it. For `explain`.
  std::optional<Reservation> estimate(const Job& job, TimeMs now) const;

 private:
  bool allowed(const Worker& w, const Job& job, TimeMs now) const;
  // A task of `job` was placed by `d`: count it against the caps, and charge
  // fair-share usage provisionally.
  void started(Job& job, Dispatch& d, TimeMs now);
  TimeMs expected_end(const TaskKey& t, TimeMs now) const;
  void park(Job& job);

  const SchedulerConfig& cfg_;
  JobTable& jobs_;
  WorkerPool& pool_;
  ReadyQueue ready_;
  Limits limits_;
  Placement placement_;
  std::set<std::pair<TimeMs, JobId>> begin_;
  std::set<std::tuple<TimeMs, JobId, std::uint64_t>> delayed_;
  std::set<JobId> parked_;
  std::optional<Reservation> reservation_;
  std::set<WorkerSlot> closed_;   // backfill off: workers held for a blocked job
};

}  // namespace baton
