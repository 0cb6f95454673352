// Signals a daemon turns into events on its poll loop (by default SIGTERM,
// SIGINT, SIGHUP, to shut down cleanly), delivered through a signalfd.
// May not touch: SIGCHLD, which belongs to ChildReaper (reaper.h).
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/status.h"

namespace baton {

class SignalSet {
 public:
  // SIGTERM, SIGINT and SIGHUP.
  static std::vector<int> shutdown_signals();

  // Blocks `signals` in the calling thread and opens a signalfd for them.
  // REQUIRES: called before any other thread exists, so every thread inherits
  // the mask and the signals are only consumed through fd().
  static Result<std::unique_ptr<SignalSet>> create(const std::vector<int>& signals);
  // Closes the fd; unblocks the signals that were not blocked before create()
  // (one still pending then takes its default action).
  ~SignalSet();
  SignalSet(const SignalSet&) = delete;
  SignalSet& operator=(const SignalSet&) = delete;

  // Readable when a signal is pending. Non-blocking, CLOEXEC.
  int fd() const { return fd_; }

  // The next signal that arrived, or nullopt when none is pending.
  std::optional<int> take();

 private:
  SignalSet(int fd, std::vector<int> unblock) : fd_(fd), unblock_(std::move(unblock)) {}
  const int fd_;
  const std::vector<int> unblock_;
};

}  // namespace baton
