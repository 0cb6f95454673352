// The real Launcher (core/launcher.h): starts task processes on this host with
// vfork + execve, output in files, each task in its own session and killed if
// the worker dies. Script tasks are run from a snapshot in a spool directory.
// May not touch: SIGCHLD or waiting for tasks (ChildReaper does that), the
// worker's own fds, environment or working directory.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/launcher.h"
#include "core/status.h"
#include "exec/cgroup_tree.h"
#include "exec/unique_fd.h"

namespace baton {

struct ChildPlan;  // exec/spawn.h

class ProcessLauncher : public Launcher {
 public:
  // Creates `spool_dir` (mode 0700, parents too) if missing, for script
  // snapshots. Errors name the directory.
  static Result<std::unique_ptr<ProcessLauncher>> create(std::string spool_dir);
  // Removes the script snapshots of tasks not yet reported as reaped.
  ~ProcessLauncher() override;
  ProcessLauncher(const ProcessLauncher&) = delete;
  ProcessLauncher& operator=(const ProcessLauncher&) = delete;

  // Everything (files, PATH lookup, argv/envp) is prepared before the fork;
  // the child only sets itself up and execs. stdin is /dev/null; an empty
  // stdout_path discards output. Returns the pid (== process group id).
  // Errors name the cause: "cannot run 'x': No such file or directory",
  // "cannot chdir to /nope: ...", "cannot open output file /a/b: ...".
  // With spec.run_as (the worker must be root) the task runs as that user:
  // see core/launcher.h and exec/task_user.h for the errors it adds. Its
  // script snapshot is given to it as fd 3 and run as /proc/self/fd/3, so the
  // spool stays private to the worker.
  // REQUIRES: called from the thread that calls ChildReaper::reap(), which
  // must live as long as the tasks (PR_SET_PDEATHSIG follows the forking
  // thread). Not thread-safe.
  Result<int> launch(const LaunchSpec& spec) override;

  // kill(-pid, sig). A group already gone is fine; pid <= 0 is ignored.
  void signal_group(int pid, int sig) override;

  // Runs each task in its own cgroup of `tree` from now on (exec/cgroup_tree.h):
  // its limits written from LaunchSpec::limits, SIGKILL through signal_group
  // kills every process in it, and reaped() reads its usage and removes it.
  void contain(std::unique_ptr<CgroupTree> tree);
  const CgroupTree* cgroups() const { return cgroups_.get(); }

  // The worker loop calls this for each exit ChildReaper reports: it removes
  // the task's script snapshot, if any; for a contained task it kills what is
  // left of it, fills in the cgroup's peak memory, cpu time and OOM kill, and
  // removes the cgroup. Unknown pids are ignored.
  void reaped(ProcessExit& exit);
  void reaped(int pid);

  const std::string& spool_dir() const { return spool_dir_; }

 private:
  ProcessLauncher(std::string spool_dir, UniqueFd dev_null)
      : spool_dir_(std::move(spool_dir)), dev_null_(std::move(dev_null)) {}

  // Writes spec.script to the spool; returns its path.
  Result<std::string> write_script(const LaunchSpec& spec);
  // launch() for spec.run_as: the user is looked up here; the directory, the
  // PATH search and the output files are left to the child, as that user.
  Result<int> launch_as_user(const LaunchSpec& spec);
  // Both launch paths end here: starts the child; on success its script
  // snapshot (if any) is kept until it is reaped, on failure removed.
  Result<int> spawn(const ChildPlan& plan, const LaunchSpec& spec, std::string script_path);

  const std::string spool_dir_;
  const UniqueFd dev_null_;                          // O_RDWR, >= 3, CLOEXEC
  std::unordered_map<int, std::string> scripts_;    // pid -> snapshot path
  std::unique_ptr<CgroupTree> cgroups_;             // null: tasks are not contained
  std::unordered_map<int, TaskCgroup> tasks_;       // pid -> its cgroup
};

}  // namespace baton
