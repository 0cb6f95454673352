// Time in baton, and the one seam through which core/ learns it.
// core/ never reads a clock itself: engines take `now` from their caller, which
// reads an injected Clock once per loop turn. Tests use a fake clock they advance.
#pragma once

#include <cstdint>

namespace baton {

// Milliseconds since the Unix epoch. Journaled, shown to users, and compared for
// deadlines. The daemon's clock never goes backwards (see SystemClock).
using TimeMs = std::int64_t;

constexpr TimeMs kSecond = 1000;
constexpr TimeMs kMinute = 60 * kSecond;
constexpr TimeMs kHour = 60 * kMinute;
constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kNever = INT64_MAX;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now() const = 0;
};

}  // namespace baton
