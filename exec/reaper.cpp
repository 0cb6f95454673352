// SIGCHLD through a signalfd, then wait4 until no exited child is left; see
// reaper.h. Reports how each child ended and its resource usage.
#include "exec/reaper.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace baton {
namespace {

std::uint64_t to_ms(const timeval& tv) {
  return static_cast<std::uint64_t>(tv.tv_sec) * 1000 +
         static_cast<std::uint64_t>(tv.tv_usec) / 1000;
}

ProcessExit to_exit(pid_t pid, int status, const rusage& ru) {
  ProcessExit e;
  e.pid = pid;
  if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  } else {
    e.exit_code = WEXITSTATUS(status);
  }
  e.max_rss_kb = static_cast<std::uint64_t>(ru.ru_maxrss);  // KiB on Linux
  e.cpu_ms = to_ms(ru.ru_utime) + to_ms(ru.ru_stime);
  return e;
}

}  // namespace

Result<std::unique_ptr<ChildReaper>> ChildReaper::create() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigset_t old;
  if (int rc = pthread_sigmask(SIG_BLOCK, &chld, &old); rc != 0)
    return Status::error(std::string("cannot block SIGCHLD: ") + std::strerror(rc));
  bool was_blocked = sigismember(&old, SIGCHLD) == 1;
  int fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (!was_blocked) pthread_sigmask(SIG_UNBLOCK, &chld, nullptr);
    return Status::error(std::string("cannot open signalfd for SIGCHLD: ") + std::strerror(err));
  }
  return std::unique_ptr<ChildReaper>(new ChildReaper(fd, was_blocked));
}

ChildReaper::~ChildReaper() {
  close(fd_);
  if (!was_blocked_) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &chld, nullptr);
  }
}

std::vector<ProcessExit> ChildReaper::reap() {
  // The signalfd only says "something happened": drain it so poll() sleeps
  // again, then ask the kernel for every exited child, however many there are.
  signalfd_siginfo infos[16];
  for (;;) {
    ssize_t n = read(fd_, infos, sizeof infos);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: drained
  }
  std::vector<ProcessExit> exits;
  for (;;) {
    int status = 0;
    rusage ru{};
    pid_t pid = wait4(-1, &status, WNOHANG, &ru);
    if (pid > 0) {
      exits.push_back(to_exit(pid, status, ru));
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0 && errno != ECHILD) spdlog::warn("wait4: {}", std::strerror(errno));
    break;  // 0: children remain but none has exited; ECHILD: no children
  }
  return exits;
}

}  // namespace baton
