// How the worker engine starts and signals task processes. exec/ implements it
// with real processes; tests use a fake that records launches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/status.h"

namespace baton {

// What a task may use, for a launcher that contains tasks (exec/cgroup_tree.h):
// --mem as a hard memory limit and -c as a cpu weight or quota, as the
// worker's settings say. Zero: no limit of that kind.
struct TaskLimits {
  std::uint64_t mem_mb = 0;
  std::uint32_t cpus = 0;
};

struct LaunchSpec {
  TaskId task;
  Attempt attempt = 0;
  std::vector<std::string> argv;  // the command; with a script, the script's arguments
  std::string script;             // when set: run this text (its #! line, else /bin/sh)
  std::vector<std::string> env;   // the complete environment, KEY=VALUE
  std::string cwd;                // working directory (must exist)
  std::string stdout_path;        // relative paths are relative to cwd
  std::string stderr_path;        // empty: stderr goes to the stdout file
  bool append = false;            // else truncate
  // Whose rights the task runs with. Unset: the worker's own. Set (a root
  // worker with worker.run_as_submitter): this user's, looked up by name on
  // the worker's host, with that user's groups, HOME, USER, LOGNAME and SHELL;
  // the working directory is entered and the output files are opened with
  // that user's rights, never root's. An empty or unknown name fails the launch.
  std::optional<std::string> run_as;
  bool allow_root = false;        // with run_as: may the name resolve to uid 0
  TaskLimits limits;
};

// How a task process ended, as the reaper saw it.
struct ProcessExit {
  int pid = 0;
  int exit_code = 0;        // valid when signal == 0
  int signal = 0;           // the signal that killed it, or 0
  std::uint64_t max_rss_kb = 0;
  std::uint64_t cpu_ms = 0; // user + system
  // Contained tasks: the kernel's OOM killer ended a process of the task's
  // cgroup (max_rss_kb and cpu_ms are then the whole cgroup's, too).
  bool out_of_memory = false;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts the task in a new session (so its pid is its process group id), with
  // stdout/stderr in files, and tied to the worker's life. Errors name the cause
  // ("cannot open output file /x/y: Permission denied").
  virtual Result<int> launch(const LaunchSpec& spec) = 0;
  // Sends `sig` to the task's whole process group. A group already gone is fine.
  virtual void signal_group(int pid, int sig) = 0;
};

}  // namespace baton
