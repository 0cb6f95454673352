// Contained tasks: one cgroup per task under a subtree the worker owns, so
// --mem is a hard limit, -c a cpu weight or quota, every process of a task
// (setsid'd grandchildren too) can be killed, and usage is the whole tree's.
// Both kernels' interfaces sit behind this one class: the unified v2
// hierarchy (memory.max, cgroup.kill, memory.peak, cpu.stat) and the v1
// memory/freezer/cpu/cpuacct controllers (memory.limit_in_bytes, freezer then
// SIGKILL, memory.max_usage_in_bytes, cpuacct.usage). The core never sees it:
// ProcessLauncher turns LaunchSpec::limits into a cgroup and the cgroup's
// usage into ProcessExit.
// May not touch: processes outside its subtree, the worker's own cgroup
// (exec/cgroup_setup.h moves the worker, once, at start).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/launcher.h"
#include "core/status.h"
#include "exec/unique_fd.h"

namespace baton {

enum class CpuLimit { none, weight, quota };

// Where the task cgroups go and what is asked of them.
struct CgroupLayout {
  int version = 0;                 // 1 or 2
  // v2: `memory` is the one directory task cgroups are made in. v1: the
  // directory in each hierarchy; memory is required, the others are used
  // when set (cpu only with a cpu limit). Hierarchies mounted together
  // (cpu,cpuacct) may name the same directory: it is used once.
  std::string memory, freezer, cpuacct, cpu;
  bool enforce_mem = true;         // worker.mem_limit = enforce
  CpuLimit cpu_limit = CpuLimit::weight; // worker.cpu_limit
};

// Peak memory, cpu time and OOM kills of one task cgroup.
struct CgroupUsage {
  std::uint64_t peak_kb = 0;
  std::uint64_t cpu_ms = 0;
  bool oom_killed = false;
  bool valid = false;              // false: the files could not be read
};

// One task's cgroup, made ahead of its task.
struct TaskCgroup {
  std::string name;                // "t<worker pid>.<n>"
  std::vector<std::string> paths;  // the cgroup in each of CgroupTree::dirs(); "" where not made
  std::vector<UniqueFd> join;      // each one's cgroup.procs, for the child to write "0" to
};

class CgroupTree {
 public:
  // Keeps `pool` empty cgroups made ahead, so a launch only writes limits.
  explicit CgroupTree(CgroupLayout layout, std::size_t pool = 8);
  ~CgroupTree();
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;

  const CgroupLayout& layout() const { return layout_; }
  // The directories task cgroups are made in: memory's first.
  const std::vector<std::string>& dirs() const { return dirs_; }

  // Kills and removes the task cgroups a previous worker left here (one that
  // died by SIGKILL: its tasks' grandchildren may still run, and its pool of
  // empty cgroups is still there). Returns how many still had processes.
  std::size_t sweep();

  // From now on a thread of its own keeps the pool full and removes released
  // cgroups, so the worker's loop only writes limits and reads usage: mkdir
  // and rmdir of a cgroup cost more than the rest of a launch together.
  // Call after sweep(), and after the worker has blocked its signals (the
  // thread inherits the mask). Without it, refill() and release() do the work.
  void start_janitor();

  // A cgroup for one task with these limits written (from the pool when it
  // has one). Errors name the file.
  Result<TaskCgroup> take(const TaskLimits& limits);
  // Tops the pool up (a launch took one): call outside the launch path.
  void refill();

  // SIGKILL to every process in the cgroup: cgroup.kill on v2; on v1 freeze,
  // kill each, thaw (a frozen fork bomb cannot outrun it). Without those
  // files, kills every listed process a few rounds over.
  void kill(const TaskCgroup& cg);
  CgroupUsage usage(const TaskCgroup& cg) const;
  // Kills what is left and removes the cgroup (with the janitor: it kills
  // now, the janitor removes); one still busy (processes dying) is retried
  // by later calls (retry_removals).
  void release(TaskCgroup cg);
  void retry_removals();

 private:
  Result<TaskCgroup> make();
  Status write_limits(const TaskCgroup& cg, const TaskLimits& limits) const;
  bool remove(const TaskCgroup& cg);
  // Makes the cgroup in dirs_[i] and opens its cgroup.procs.
  Status add(TaskCgroup& cg, std::size_t i);
  std::vector<int> pids(const std::string& dir) const;
  // The task's cgroup in the hierarchy `dir` (a member of dirs_), or "".
  std::string in(const TaskCgroup& cg, const std::string& dir) const;

  void janitor();
  // Kills (when not already), waits a little for the processes to go, removes.
  void bury(TaskCgroup cg);

  const CgroupLayout layout_;
  std::vector<std::string> dirs_;
  std::string lazy_cpu_;           // v1: a cpu hierarchy made per task only when it needs a cpu limit
  const std::size_t pool_size_;
  std::mutex mu_;                  // guards pool_, released_ and stop_ once the janitor runs
  std::condition_variable wake_;
  std::vector<TaskCgroup> pool_;
  std::vector<TaskCgroup> released_;  // handed to the janitor
  bool stop_ = false;
  std::thread janitor_;
  std::vector<TaskCgroup> dying_;  // busy at removal; the janitor's (or the caller's) alone
  std::atomic<std::uint64_t> next_{0};
  const std::string prefix_;       // "t<worker pid>."
};

// Small file helpers, shared with cgroup_setup.
Status write_text(const std::string& path, const std::string& text);
Result<std::string> read_text(const std::string& path);
// The value of `key` in a "key value" file (memory.events, cpu.stat, memory.oom_control).
std::uint64_t keyed_value(const std::string& text, const std::string& key);

}  // namespace baton
