// Which worker gets a task, among those where it fits:
//   least-loaded - the lowest share of cpus in use (default);
//   round-robin  - the next worker after the last one chosen;
//   weighted     - weighted least connections: fewest tasks per unit of --weight;
//   pack         - best fit: the fullest worker that still fits, keeping whole
//                  hosts free for big jobs.
// Ties go to the lowest slot, so choices are deterministic.
#pragma once

#include <functional>

#include "core/config.h"
#include "core/worker_pool.h"

namespace baton {

class Placement {
 public:
  explicit Placement(const SchedulerConfig& cfg) : cfg_(cfg) {}

  // Best worker in `pool.available()` that `allow` accepts and where the job's
  // task fits now; kNoWorker if none. O(available workers), and O(1) when the
  // task needs more cpus than any one worker has free.
  WorkerSlot choose(const WorkerPool& pool, const Job& job,
                    const std::function<bool(const Worker&)>& allow);
  // Ranks two candidates: true when `a` is preferred over `b`.
  bool better(const Worker& a, const Worker& b) const;
  void chosen(WorkerSlot s) { last_ = s; }

 private:
  const SchedulerConfig& cfg_;
  WorkerSlot last_ = kNoWorker;   // for round-robin
};

}  // namespace baton
