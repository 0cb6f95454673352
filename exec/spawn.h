// The part of a launch that runs in the child, between vfork() and execve():
// new session, death signal, clean signal state, working directory, standard
// fds, and for a run-as task the switch to the task's user. Everything it
// needs is prepared by the caller; the child only makes async-signal-safe
// system calls and allocates nothing.
// May not touch: the environment, user and group databases, or anything that
// allocates (the caller resolves paths, commands and users); the only paths
// it uses are a run-as task's directory and output files, as that user.
#pragma once

#include <sys/types.h>

namespace baton {

// Running as another user (a root worker's run-as-submitter task): the
// identity and the things that must be done with that user's rights. The
// parent resolves the user (getpwnam_r, getgrouplist); the child only makes
// the system calls.
struct ChildUser {
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;  // supplementary groups, `group_count` of them
  int group_count = 0;
  const char* cwd = nullptr;      // chdir()ed by path after the switch (cwd_fd unused)
  // When set (null-terminated): instead of plan.path, exec the first of these
  // that is a regular file the user may execute, as execvp would (relative
  // ones are relative to cwd); none: the exec step fails, ENOENT or EACCES.
  const char* const* candidates = nullptr;
  // Opened (relative to cwd) after the switch with `open_flags` and
  // `open_mode`; null: use stdout_fd / stderr_fd. stderr_same: stderr shares
  // stdout's open file.
  const char* stdout_path = nullptr;
  const char* stderr_path = nullptr;
  bool stderr_same = false;
  int open_flags = 0;
  mode_t open_mode = 0;
  int script_fd = -1;             // >= 3 or -1: becomes fd 3, kept across exec
};

// What the child does, all prepared in the parent.
struct ChildPlan {
  const char* path = nullptr;     // passed to execve as is (after the chdir)
  char* const* argv = nullptr;    // null-terminated
  char* const* envp = nullptr;    // null-terminated
  int cwd_fd = -1;                // directory to fchdir to (unless as_user)
  int stdin_fd = -1;              // these become 0, 1, 2; each must be >= 3
  int stdout_fd = -1;
  int stderr_fd = -1;
  const ChildUser* as_user = nullptr;  // null: stay the worker's user
  // A contained task: the cgroup.procs files of its cgroup, one per
  // hierarchy. The child writes "0" to each (joins) right after setsid, before
  // anything else, so every process the task makes is inside.
  const int* join_fds = nullptr;
  int join_count = 0;
};

// Which step failed. exec is the usual one (missing command, bad interpreter).
enum class ChildStep {
  none, vfork, setsid, deathsig, parent_gone, chdir, redirect, exec,
  setgid, setgroups, setuid, open_stdout, open_stderr, script_fd, cgroup,
};

struct SpawnOutcome {
  pid_t pid = -1;                 // valid when failed == ChildStep::none
  ChildStep failed = ChildStep::none;
  int error = 0;                  // errno of the failed step
};

// Starts plan.path in a new session (pid == process group id) that gets
// SIGKILL when the calling *thread* exits, with an empty signal mask and
// default signal dispositions, no fds beyond 0/1/2 (and 3, a run-as task's
// script), and returns once the child has exec'ed. With plan.as_user the
// child becomes that user (gid, groups, then uid; every call checked) before
// it arms the death signal, enters its directory, looks up its command, opens
// its output files and execs. If the child fails before exec it has been
// reaped already and the outcome says which step failed and why.
// REQUIRES: call from the long-lived thread that reaps children (the death
// signal is tied to the thread that forked).
SpawnOutcome spawn_child(const ChildPlan& plan);

}  // namespace baton
