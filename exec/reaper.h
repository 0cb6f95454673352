// Collects exited task processes for the worker's poll loop: SIGCHLD arrives
// on a signalfd, and reap() waits for every child that has ended.
// May not touch: other signals (see signal_set.h), the processes themselves.
#pragma once

#include <memory>
#include <vector>

#include "core/launcher.h"
#include "core/status.h"

namespace baton {

class ChildReaper {
 public:
  // Blocks SIGCHLD in the calling thread and opens a signalfd for it.
  // REQUIRES: called before any other thread exists (before the ZeroMQ context,
  // before spdlog async sinks), so every thread inherits the blocked mask and
  // SIGCHLD can only be consumed through fd(). Call reap() from the same thread
  // that launches tasks.
  static Result<std::unique_ptr<ChildReaper>> create();
  // Closes the fd; unblocks SIGCHLD if it was not blocked before create().
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  // Readable when at least one child may have exited. Non-blocking, CLOEXEC.
  int fd() const { return fd_; }

  // Drains the signalfd and reaps every child that has exited so far (SIGCHLDs
  // coalesce, so it loops wait4 until none is left). Empty when none has.
  // Note: wait4(-1) reaps every child of this process, not only tasks.
  std::vector<ProcessExit> reap();

 private:
  ChildReaper(int fd, bool was_blocked) : fd_(fd), was_blocked_(was_blocked) {}
  const int fd_;
  const bool was_blocked_;
};

}  // namespace baton
