// `baton journal check` and `baton journal backup`: verifying a journal and
// copying it while the broker runs.
//
// Only store/ includes this. Neither function writes to the journal itself.
#pragma once

#include <sqlite3.h>

#include <string>

#include "core/status.h"

namespace baton::store {

// SQLite's integrity check, then the journal's own invariants: the id
// high-water mark is above every job id, every task row belongs to a job,
// every spec parses and every task row decodes. The error lists the first
// problems found.
Status check_journal(sqlite3* db, const std::string& path);

// Copies the committed contents of `db` into a standalone rollback-journal
// file at `dest`: written to "<dest>.partial", then renamed over `dest`, so an
// interrupted backup never leaves a half-written file under the final name.
Status backup_journal(sqlite3* db, const std::string& path, const std::string& dest);

}  // namespace baton::store
