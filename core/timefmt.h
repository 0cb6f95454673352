// Time values as users write them: Slurm time limits (-t 30, 1:30:00, 2-12),
// durations in config files (500ms, 10s, 5m), begin times (now+1h, 16:00,
// 2026-12-01T08:00, tomorrow), and the TIME column of `status`.
// Calendar forms use the local time zone (via the C library's mktime).
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace baton {

// sbatch -t formats: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S", and
// "UNLIMITED"/"infinite" (0). Also accepts "90s", "5m", "2h", "1d".
// Returns seconds; 0 means no limit.
Result<std::int64_t> parse_time_limit(std::string_view text);

// Config durations: "250ms", "10s", "5m", "2h", "1d", or plain seconds.
Result<TimeMs> parse_duration(std::string_view text);

// sbatch --begin forms, relative to `now`: "now", "now+90", "now+1h",
// "now+2days", "HH:MM[:SS]" (next occurrence), "YYYY-MM-DD[THH:MM[:SS]]",
// "MM/DD[/YY]", "today", "tomorrow", "midnight", "noon", "teatime".
Result<TimeMs> parse_begin(std::string_view text, TimeMs now);

// Slurm's elapsed-time style: "0:05", "12:34", "1:02:03", "2-03:04:05".
std::string format_elapsed(TimeMs ms);
// "1h30m", "10s": compact form for limits and delays.
std::string format_duration(TimeMs ms);
// Local "2026-11-25T08:00:00".
std::string format_local_time(TimeMs ms);

}  // namespace baton
