// The daemons' clock: wall time at start plus steady elapsed time, so it
// reads like the wall clock but never jumps (an NTP step cannot expire every
// worker at once).
#pragma once

#include <chrono>

#include "core/clock.h"

namespace baton::cli {

class SystemClock : public Clock {
 public:
  SystemClock()
      : wall0_(std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count()),
        mono0_(std::chrono::steady_clock::now()) {}
  TimeMs now() const override {
    return wall0_ + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - mono0_).count();
  }

 private:
  const TimeMs wall0_;
  const std::chrono::steady_clock::time_point mono0_;
};

}  // namespace baton::cli
