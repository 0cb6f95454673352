// The accounting view of the journal (`baton history`, like sacct): finished
// jobs, newest first, with what their tasks did.
//
// Only store/ includes this; SqliteJournal owns one. Reads only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/statement.h"

namespace baton::store {

class HistoryQuery {
 public:
  // Prepares the statements once; `db` must outlive the query.
  static Result<HistoryQuery> prepare(sqlite3* db, const std::string& path);

  // See SqliteJournal::history.
  Result<std::vector<pb::JobInfo>> run(const pb::HistoryRequest& filter);

 private:
  HistoryQuery(sqlite3* db, std::string path, Statement jobs, Statement tasks)
      : db_(db), path_(std::move(path)), jobs_(std::move(jobs)), tasks_(std::move(tasks)) {}
  Status add_tasks(pb::JobInfo& job, std::int64_t first_task);  // the job's first task key

  sqlite3* db_;  // borrowed
  std::string path_;
  Statement jobs_;
  Statement tasks_;
};

}  // namespace baton::store
