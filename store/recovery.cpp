// Rebuilding RecoveredState from the tables (see recovery.h).
#include "store/recovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "store/connection.h"
#include "store/statement.h"
#include "store/task_row.h"

namespace baton::store {

namespace {

Result<JobId> next_job_id(sqlite3* db, const std::string& path) {
  auto stored = query_int(db, path, "SELECT coalesce((SELECT value FROM meta WHERE key = 'next_job_id'), 1)");
  if (!stored) return stored.status();
  auto highest = query_int(db, path, "SELECT coalesce(max(id), 0) FROM jobs");
  if (!highest) return highest.status();
  return static_cast<JobId>(std::max({*stored, *highest + 1, std::int64_t{1}}));
}

Status load_jobs(sqlite3* db, const std::string& path, std::vector<RecoveredJob>& out) {
  auto st = Statement::prepare(db, path, "SELECT id, submit_ms, end_ms, cancelled, spec FROM jobs ORDER BY id",
                               false);
  if (!st) return st.status();
  Statement& s = *st;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    RecoveredJob& job = out.emplace_back();
    job.id = s.uint64(0);
    job.submit_ms = s.int64(1);
    job.end_ms = s.int64(2);
    job.cancelled_pending.assign(s.text(3));
    const std::string_view spec = s.blob(4);
    if (!job.spec.ParseFromArray(spec.data(), static_cast<int>(spec.size())))
      return Status::error(fmt::format("journal {}: job {}: the stored spec does not parse", path, job.id));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, path, "reading jobs", rc);
  return Status::ok();
}

Status load_tasks(sqlite3* db, const std::string& path, std::vector<RecoveredTask>& out) {
  // Key order is (job, ordinal) order: jobs take their key ranges in id order.
  const std::string sql = fmt::format("SELECT job, ordinal, {} FROM tasks ORDER BY key", kTaskColumns);
  auto st = Statement::prepare(db, path, sql, false);
  if (!st) return st.status();
  Statement& s = *st;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    RecoveredTask& task = out.emplace_back();
    task.job = s.uint64(0);
    task.ordinal = s.uint64(1);
    auto record = read_task(s, 2, task.worker);
    if (!record)
      return Status::error(fmt::format("journal {}: job {} task ordinal {}: {}", path, task.job, task.ordinal,
                                       record.error()));
    task.record = std::move(*record);
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, path, "reading tasks", rc);
  // RecoveredState promises (job, ordinal) order whatever a hand edit did to the keys.
  auto by_task = [](const RecoveredTask& a, const RecoveredTask& b) {
    return std::tie(a.job, a.ordinal) < std::tie(b.job, b.ordinal);
  };
  if (!std::is_sorted(out.begin(), out.end(), by_task)) std::sort(out.begin(), out.end(), by_task);
  return Status::ok();
}

Status load_cron(sqlite3* db, const std::string& path, std::vector<pb::CronEntry>& out) {
  auto st = Statement::prepare(db, path, "SELECT name, entry FROM cron ORDER BY name", false);
  if (!st) return st.status();
  Statement& s = *st;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    pb::CronEntry& e = out.emplace_back();
    const std::string_view blob = s.blob(1);
    if (!e.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
      return Status::error(fmt::format("journal {}: cron entry {}: the stored entry does not parse", path, s.text(0)));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, path, "reading cron entries", rc);
  return Status::ok();
}

}  // namespace

Result<RecoveredState> load_state(sqlite3* db, const std::string& path) {
  RecoveredState state;
  auto next = next_job_id(db, path);
  if (!next) return next.status();
  state.next_job_id = *next;
  if (Status s = load_jobs(db, path, state.jobs); !s) return s;
  if (Status s = load_tasks(db, path, state.tasks); !s) return s;
  if (Status s = load_cron(db, path, state.cron); !s) return s;
  return state;
}

}  // namespace baton::store
