// The crontab text `baton crontab` reads and `crontab -l` prints: one entry a
// line in cron's syntax, `#BATON` lines above an entry giving its options
// (submit options and cron options, as for `baton cron add`), CRON_TZ=ZONE
// lines setting the zone of the entries below, other `#` lines comments.
// An entry's command is the rest of its line, run by /bin/sh -c.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "baton.pb.h"
#include "core/status.h"

namespace baton::cli {

struct CrontabLine {
  int line = 0;                      // 1-based, for messages
  std::vector<std::string> options;  // from the #BATON lines above it
  std::string schedule, command, tz;
};

// `allow_seconds`: a sixth leading field of seconds (scheduler.cron_seconds).
// Errors are "line N: why".
Result<std::vector<CrontabLine>> parse_crontab(std::string_view text, bool allow_seconds);

// The crontab text of these entries (their options, schedule, zone and command).
std::string format_crontab(const std::vector<pb::CronEntry>& entries);

// A name for an entry without -J: the command's first word, made a valid
// entry name, with -2, -3 ... when `taken` has it.
std::string default_entry_name(const std::string& command, const std::vector<std::string>& taken);

}  // namespace baton::cli
