// The one-line progress bar of `wait --progress` and `submit --wait
// --progress`: task counts from a status reply, a rate and an ETA. Pure, so
// the tests drive it with made-up replies and times.
#pragma once

#include <cstdint>
#include <string>

#include "baton.pb.h"
#include "core/clock.h"

namespace baton::cli {

struct ProgressCounts {
  std::uint64_t total = 0, pending = 0, running = 0, done = 0, failed = 0;  // failed: not COMPLETED
  std::uint64_t ended() const { return done + failed; }
};

ProgressCounts count_tasks(const pb::StatusReply& s);

class Progress {
 public:
  explicit Progress(TimeMs start_ms) : start_(start_ms) {}
  // The line for `c` at `now`, at most `width` columns; empty when it would
  // not change what is on the screen (so a quiet queue is not redrawn).
  std::string update(const ProgressCounts& c, TimeMs now, std::size_t width);
  // "1000 tasks: 998 completed, 2 failed in 0:18".
  std::string summary(const ProgressCounts& c, TimeMs now) const;

 private:
  TimeMs start_;
  std::string last_;
};

}  // namespace baton::cli
