// Reading the journal back at broker start-up: every job and every task row,
// and the job id high-water mark.
//
// Only store/ includes this. Reads only; runs once, so it prepares its
// statements on the spot rather than caching them.
#pragma once

#include <sqlite3.h>

#include <string>

#include "core/journal.h"
#include "core/status.h"

namespace baton::store {

// next_job_id = max(meta.next_job_id, highest job id + 1, 1). A row that does
// not decode (a spec that does not parse, an unknown enum value) is an error
// naming the job, never a crash or a silent skip.
Result<RecoveredState> load_state(sqlite3* db, const std::string& path);

}  // namespace baton::store
