// vfork() + execve() with the child set up for a batch task; see spawn.h.
// The child shares the parent's memory until it execs: it may only make
// async-signal-safe calls, write its failure into `report`, and _exit.
#include "exec/spawn.h"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace baton {
namespace {

// Written by the child, read by the parent after vfork() returns (the parent
// is suspended until the child execs or exits, so there is no race).
struct ChildReport {
  volatile int step = 0;
  volatile int error = 0;
};

[[noreturn]] void fail(ChildReport* report, ChildStep step, int error) {
  report->error = error;
  report->step = static_cast<int>(step);
  _exit(127);
}

[[noreturn]] void run_child(const ChildPlan& plan, pid_t parent, ChildReport* report) {
  if (setsid() < 0) fail(report, ChildStep::setsid, errno);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) fail(report, ChildStep::deathsig, errno);
  // The parent may have died before the death signal was armed.
  if (getppid() != parent) fail(report, ChildStep::parent_gone, ESRCH);

  // The worker may ignore signals (SIGPIPE) or have handlers; a task starts
  // from defaults. Signals stay blocked until every handler is gone, so no
  // parent handler can run on the shared memory.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);  // 32/33: EINVAL, fine
  }

  if (fchdir(plan.cwd_fd) < 0) fail(report, ChildStep::chdir, errno);
  if (dup2(plan.stdin_fd, 0) < 0 || dup2(plan.stdout_fd, 1) < 0 || dup2(plan.stderr_fd, 2) < 0)
    fail(report, ChildStep::redirect, errno);
  // Belt and braces: a descriptor some library opened without O_CLOEXEC must
  // not reach the task either. Older kernels lack the flag; exec then relies
  // on O_CLOEXEC alone.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(plan.path, plan.argv, plan.envp);
  fail(report, ChildStep::exec, errno);
}

// Kept tiny so nothing in the parent's frame is live across the second return
// of vfork() (no -Wclobbered, no surprises): only `pid` is used afterwards.
pid_t vfork_and_run(const ChildPlan& plan, pid_t parent, ChildReport* report) {
  pid_t pid = vfork();
  if (pid == 0) run_child(plan, parent, report);
  return pid;
}

}  // namespace

SpawnOutcome spawn_child(const ChildPlan& plan) {
  ChildReport report;
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t parent = getpid();
  pid_t pid = vfork_and_run(plan, parent, &report);
  int vfork_error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  SpawnOutcome out;
  if (pid < 0) {
    out.failed = ChildStep::vfork;
    out.error = vfork_error;
    return out;
  }
  if (report.step != 0) {
    // The child has already _exit()ed: collect it here so the reaper never
    // reports a task that did not start.
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    out.failed = static_cast<ChildStep>(report.step);
    out.error = report.error;
    return out;
  }
  out.pid = pid;
  return out;
}

}  // namespace baton
