// Daemon signals (SIGTERM, SIGINT, SIGHUP) as events on a signalfd; see
// signal_set.h. Never handles SIGCHLD (that is ChildReaper's).
#include "exec/signal_set.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace baton {

std::vector<int> SignalSet::shutdown_signals() { return {SIGTERM, SIGINT, SIGHUP}; }

Result<std::unique_ptr<SignalSet>> SignalSet::create(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) {
    if (sig == SIGCHLD) return Status::error("SIGCHLD belongs to ChildReaper, not SignalSet");
    if (sigaddset(&set, sig) != 0) return Status::error("invalid signal " + std::to_string(sig));
  }
  sigset_t old;
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, &old); rc != 0)
    return Status::error(std::string("cannot block signals: ") + std::strerror(rc));
  std::vector<int> unblock;
  for (int sig : signals) {
    if (sigismember(&old, sig) != 1) unblock.push_back(sig);
  }
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return Status::error(std::string("cannot open signalfd: ") + std::strerror(err));
  }
  return std::unique_ptr<SignalSet>(new SignalSet(fd, std::move(unblock)));
}

SignalSet::~SignalSet() {
  close(fd_);
  sigset_t set;
  sigemptyset(&set);
  for (int sig : unblock_) sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

std::optional<int> SignalSet::take() {
  signalfd_siginfo info;
  for (;;) {
    ssize_t n = read(fd_, &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;  // EAGAIN: nothing pending
  }
}

}  // namespace baton
