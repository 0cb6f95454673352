// The workers a broker knows: what each has, what it is running, and whether
// it is still alive. A worker keeps its slot (and name) across reconnects, so
// task records can name where they ran.
//
// Liveness follows the Majordomo pattern: any traffic moves a worker to the
// back of a list; expiry walks from the front and stops at the first live one.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/resources.h"

namespace baton {

enum class WorkerState { Up, Draining, Lost };

struct Worker {
  WorkerSlot slot = kNoWorker;
  std::string name;
  std::string host;
  std::string peer;             // routing id of its current connection
  WorkerState state = WorkerState::Lost;
  bool admin_drain = false;     // `workers drain`; survives reconnects
  Resources capacity;
  Resources used;
  std::vector<std::uint32_t> gpu_ids;     // GPUs it has
  std::vector<std::uint32_t> gpus_free;   // sorted
  std::vector<std::string> queues;
  std::map<std::string, std::string> labels;
  std::uint32_t weight = 1;
  TimeMs last_seen = 0;
  TimeMs registered_ms = 0;
  std::set<TaskKey> tasks;      // running here
  std::unordered_set<JobId> specs;  // jobs whose spec this connection has been sent
  std::list<WorkerSlot>::iterator live_pos;
  std::uint32_t counted_free = 0;   // its share of WorkerPool::free_cpus()

  Resources free() const {
    Resources f = capacity;
    f -= used;
    return f;
  }
  bool accepts_work() const { return state == WorkerState::Up && !admin_drain; }
  bool serves(const std::string& queue) const;
  bool matches(const std::vector<std::pair<std::string, std::string>>& constraints) const;
  const char* state_label() const;   // idle, mixed, busy, draining, lost
};

class WorkerPool {
 public:
  // Registers (or re-registers) a worker by name; returns its slot.
  Worker& upsert(const std::string& name, const std::string& peer, TimeMs now);
  // The slot for a worker known only by name (from the journal): created
  // lost, and not listed until that worker registers.
  WorkerSlot intern(const std::string& name);
  Worker* by_peer(const std::string& peer);
  Worker* by_name(const std::string& name);
  Worker& at(WorkerSlot s) { return *slots_.at(s); }
  const Worker& at(WorkerSlot s) const { return *slots_.at(s); }
  const std::string& name_of(WorkerSlot s) const;
  std::size_t size() const { return slots_.size(); }

  void touch(Worker& w, TimeMs now);
  // Live workers silent since before `deadline`, longest-silent first. The
  // caller handles each (requeue its tasks) and then calls mark_lost().
  std::vector<WorkerSlot> expire(TimeMs deadline) const;
  void mark_lost(Worker& w);
  // last_seen of the longest-silent live worker, or kNever when none is live.
  TimeMs oldest_seen() const { return live_.empty() ? kNever : slots_[live_.front()]->last_seen; }

  // Resource accounting. allocate() picks the lowest free GPU ids.
  std::vector<std::uint32_t> allocate(Worker& w, const TaskKey& t, const Resources& need);
  void release(Worker& w, const TaskKey& t, const Resources& need, const std::vector<std::uint32_t>& gpus);

  // Workers that are up and have at least one free cpu, ascending slot.
  const std::set<WorkerSlot>& available() const { return available_; }
  std::uint64_t free_cpus() const { return free_cpus_; }
  // The most cpus free on any one available worker: a task needing more fits
  // nowhere now, which a scheduling pass can tell without a scan.
  std::uint32_t largest_free_cpus() const { return free_sizes_.empty() ? 0 : *free_sizes_.rbegin(); }
  // Could any registered, live worker ever run a task of this shape?
  bool could_ever_fit(const Job& job) const;
  bool eligible(const Worker& w, const Job& job) const;
  void refresh(Worker& w);   // recompute availability after a state change

  template <class F>
  void for_each(F&& f) const {
    for (const auto& w : slots_) f(*w);
  }
  template <class F>
  void for_each(F&& f) {
    for (auto& w : slots_) f(*w);
  }

 private:
  std::vector<std::unique_ptr<Worker>> slots_;
  std::map<std::string, WorkerSlot> by_name_;
  std::map<std::string, WorkerSlot> by_peer_;
  std::list<WorkerSlot> live_;          // least recently heard first
  std::set<WorkerSlot> available_;
  std::uint64_t free_cpus_ = 0;
  std::multiset<std::uint32_t> free_sizes_;  // counted_free of each available worker
  mutable WorkerSlot fit_hint_ = 0;          // where could_ever_fit() last found a fit
};

}  // namespace baton
