// vfork() + execve() with the child set up for a batch task; see spawn.h.
// The child shares the parent's memory until it execs: it may only make
// async-signal-safe calls, write its failure into `report`, and _exit.
#include "exec/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

// Raw system calls, not glibc's setresuid() & co: those broadcast the change
// to every thread of the process (the worker's threads, as glibc sees the
// memory this child shares) and are not async-signal-safe. The kernel calls
// change this process alone.
#ifdef SYS_setresuid32
constexpr long kSetresuid = SYS_setresuid32, kSetresgid = SYS_setresgid32, kSetgroups = SYS_setgroups32;
#else
constexpr long kSetresuid = SYS_setresuid, kSetresgid = SYS_setresgid, kSetgroups = SYS_setgroups;
#endif

// gid, groups, then uid (after which the other two are no longer allowed).
// Real, effective and saved ids all change, so nothing can switch back.
// Once the uid changes the kernel marks this memory (shared with the worker
// until exec) not dumpable, so the user cannot ptrace or /proc/PID/mem its
// way into it; exec gives the task fresh, dumpable memory. (The mark stays on
// the worker's memory too: a root worker dumps no core, as fs.suid_dumpable says.)
void become(const ChildUser& u, ChildReport* report) {
  if (syscall(kSetresgid, u.gid, u.gid, u.gid) != 0) fail(report, ChildStep::setgid, errno);
  if (syscall(kSetgroups, u.group_count, u.groups) != 0) fail(report, ChildStep::setgroups, errno);
  if (syscall(kSetresuid, u.uid, u.uid, u.uid) != 0) fail(report, ChildStep::setuid, errno);
}

// An output file opened as the task's user; never 0..2, which the redirects
// are about to overwrite (the worker may run with its stdio closed).
int open_task_output(const char* path, int flags, mode_t mode) {
  int fd = open(path, flags, mode);
  if (fd < 0 || fd > 2) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int error = errno;
  close(fd);
  errno = error;
  return high;
}

// find_command() (command_path.h) without allocating, for the child.
const char* find_executable(const char* const* candidates, ChildReport* report) {
  int error = ENOENT;
  for (const char* const* c = candidates; *c; ++c) {
    struct stat st;
    if (stat(*c, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (access(*c, X_OK) == 0) return *c;
    error = EACCES;
  }
  fail(report, ChildStep::exec, error);
}

[[noreturn]] void run_child(const ChildPlan& plan, pid_t parent, ChildReport* report) {
  if (setsid() < 0) fail(report, ChildStep::setsid, errno);
  for (int i = 0; i < plan.join_count; ++i)
    if (write(plan.join_fds[i], "0", 1) != 1) fail(report, ChildStep::cgroup, errno);
  // Before the death signal: a change of credentials clears it.
  if (plan.as_user) become(*plan.as_user, report);
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

  const char* path = plan.path;
  int out_fd = plan.stdout_fd;
  int err_fd = plan.stderr_fd;
  if (const ChildUser* u = plan.as_user) {
    // By path and as the user: a directory or an output path the user may not
    // use (a symlink to a file only root may write) fails here.
    if (chdir(u->cwd) < 0) fail(report, ChildStep::chdir, errno);
    // The PATH search, as the user; before the output files, so a missing
    // command does not truncate them (as in the parent's lookup).
    if (u->candidates) path = find_executable(u->candidates, report);
    if (u->stdout_path && (out_fd = open_task_output(u->stdout_path, u->open_flags, u->open_mode)) < 0)
      fail(report, ChildStep::open_stdout, errno);
    if (u->stderr_same) err_fd = out_fd;
    else if (u->stderr_path && (err_fd = open_task_output(u->stderr_path, u->open_flags, u->open_mode)) < 0)
      fail(report, ChildStep::open_stderr, errno);
  } else if (fchdir(plan.cwd_fd) < 0) {
    fail(report, ChildStep::chdir, errno);
  }
  if (dup2(plan.stdin_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
    fail(report, ChildStep::redirect, errno);
  // Belt and braces: a descriptor some library opened without O_CLOEXEC must
  // not reach the task either. Older kernels lack the flag; exec then relies
  // on O_CLOEXEC alone.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  // A run-as task's script is read through /proc/self/fd/3: the spool
  // directory stays root's, and only this task holds the file.
  if (plan.as_user && plan.as_user->script_fd >= 0) {
    const int fd = plan.as_user->script_fd;
    if ((fd != 3 && dup2(fd, 3) < 0) || fcntl(3, F_SETFD, 0) < 0) fail(report, ChildStep::script_fd, errno);
  }

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(path, plan.argv, plan.envp);
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
