// The part of a launch that runs in the child, between vfork() and execve():
// new session, death signal, clean signal state, working directory, standard
// fds. Everything it needs is prepared by the caller; the child only makes
// async-signal-safe system calls and allocates nothing.
// May not touch: files, paths or the environment (the caller resolves them).
#pragma once

#include <sys/types.h>

namespace baton {

// What the child does, all prepared in the parent.
struct ChildPlan {
  const char* path = nullptr;     // passed to execve as is (after the chdir)
  char* const* argv = nullptr;    // null-terminated
  char* const* envp = nullptr;    // null-terminated
  int cwd_fd = -1;                // directory to fchdir to
  int stdin_fd = -1;              // these become 0, 1, 2; each must be >= 3
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Which step failed. exec is the usual one (missing command, bad interpreter).
enum class ChildStep { none, vfork, setsid, deathsig, parent_gone, chdir, redirect, exec };

struct SpawnOutcome {
  pid_t pid = -1;                 // valid when failed == ChildStep::none
  ChildStep failed = ChildStep::none;
  int error = 0;                  // errno of the failed step
};

// Starts plan.path in a new session (pid == process group id) that gets
// SIGKILL when the calling *thread* exits, with an empty signal mask and
// default signal dispositions, no fds beyond 0/1/2, and returns once the
// child has exec'ed. If the child fails before exec it has been reaped already
// and the outcome says which step failed and why.
// REQUIRES: call from the long-lived thread that reaps children (the death
// signal is tied to the thread that forked).
SpawnOutcome spawn_child(const ChildPlan& plan);

}  // namespace baton
