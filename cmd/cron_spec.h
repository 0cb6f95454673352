// Building a cron entry on the client: the submit options (shared with
// `baton submit`: command line, #BATON lines of a script, BATON_SUBMIT_*)
// plus the entry's own (--tz, --concurrency, --catch-up, --starting-deadline,
// --history, --on-failure). Used by `baton cron add` and `baton crontab`.
#pragma once

#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/status.h"

namespace baton::cli {

// `words`: options, then `-- CMD ARGS`, or `SCRIPT ARGS`, or nothing with
// --wrap (as after `baton submit`). `allow_replace` accepts --replace.
// The entry has its spec, policies and the option words; not its name or
// schedule. `replace` is set when --replace was given.
Result<pb::CronEntry> cron_entry_from_words(const std::vector<std::string>& words, bool* replace = nullptr);

}  // namespace baton::cli
