// Caps on running tasks: per user, per queue, and per array job (the %N
// throttle). One mechanism for all three: a key, a cap, a running count, and
// the jobs waiting for that key, in queue order.
//
// A job that meets a full cap leaves the ready queue and waits on that key.
// When a task under the key ends, as many waiters return as there are free
// places, so the cost of a cap is O(log n) per task, not a rescan.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/ready_queue.h"

namespace baton {

class Limits {
 public:
  explicit Limits(const SchedulerConfig& cfg) : cfg_(cfg) {}

  // The first cap this job is at, as (key, reason), if any.
  std::optional<std::pair<std::string, Reason>> blocked(const Job& job) const;

  void started(const Job& job);
  // A task of `job` ended. Returns the jobs to put back in the ready queue.
  std::vector<JobId> ended(const Job& job);
  // A cap changed (update throttle=...): waiters that may now run.
  std::vector<JobId> reopen(const std::string& key);

  void wait(const Job& job, const std::string& key);
  void unwait(const Job& job);   // it left the wait for other reasons (cancel, hold)

  std::uint32_t running(const std::string& key) const;
  static std::string user_key(const Job& j) { return "user:" + j.spec.user(); }
  static std::string queue_key(const Job& j) { return "queue:" + j.queue; }
  static std::string job_key(const Job& j) { return "job:" + std::to_string(j.id); }

 private:
  std::uint32_t cap(const std::string& key, const Job& job) const;
  std::vector<JobId> release(const std::string& key, std::uint32_t cap);

  const SchedulerConfig& cfg_;
  std::map<std::string, std::uint32_t> running_;
  std::map<std::string, std::set<ReadyQueue::Entry>> waiting_;
};

}  // namespace baton
