// What `baton cron list` and `baton cron show` print for people.
#pragma once

#include <string>

#include "baton.pb.h"

namespace baton::cli {

// NAME SCHEDULE NEXT LAST STATE/EXIT ACTIVE POLICY, one entry a line.
std::string cron_table(const pb::CronReply& reply, bool header, bool colour);
// One entry: its definition, its next run, and its kept runs.
std::string cron_details(const pb::CronInfo& info);
// "COMPLETED/0", "FAILED/3", "RUNNING", "SKIPPED", "REFUSED", "-".
std::string cron_run_state(const pb::CronRun& run);

}  // namespace baton::cli
