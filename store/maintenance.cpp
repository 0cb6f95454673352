// Journal check and online backup (see maintenance.h).
#include "store/maintenance.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "baton.pb.h"
#include "store/connection.h"
#include "store/statement.h"
#include "store/task_row.h"

namespace baton::store {

namespace {

constexpr std::size_t kMaxProblems = 10;

// Runs `sql` and calls `row` for each result row; SQLite errors end the scan.
template <class Row>
Status scan(sqlite3* db, const std::string& path, const std::string& sql, Row row) {
  auto st = Statement::prepare(db, path, sql, false);
  if (!st) return st.status();
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    if (!row(*st)) return Status::ok();
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, path, "check", rc);
  return Status::ok();
}

}  // namespace

Status check_journal(sqlite3* db, const std::string& path) {
  std::vector<std::string> problems;
  auto note = [&](std::string p) {
    problems.push_back(std::move(p));
    return problems.size() < kMaxProblems;
  };

  Status s = scan(db, path, fmt::format("PRAGMA integrity_check({})", kMaxProblems), [&](const Statement& r) {
    return r.text(0) == "ok" || note(std::string(r.text(0)));
  });
  if (s && problems.empty()) {
    s = scan(db, path,
             "SELECT (SELECT value FROM meta WHERE key = 'next_job_id'), (SELECT max(id) FROM jobs)",
             [&](const Statement& r) {
               if (r.is_null(0)) return note("meta has no next_job_id");
               if (!r.is_null(1) && r.int64(0) <= r.int64(1))
                 return note(fmt::format("next_job_id {} is not above the highest job id {}", r.int64(0),
                                         r.int64(1)));
               return true;
             });
  }
  if (s && problems.size() < kMaxProblems) {
    s = scan(db, path,
             "SELECT (SELECT value FROM meta WHERE key = 'next_task_key'), (SELECT max(first_task + n_tasks) FROM jobs)",
             [&](const Statement& r) {
               if (r.is_null(0)) return note("meta has no next_task_key");
               if (!r.is_null(1) && r.int64(0) < r.int64(1))
                 return note(fmt::format("next_task_key {} is inside a job's task key range (which ends at {})",
                                         r.int64(0), r.int64(1)));
               return true;
             });
  }
  if (s && problems.size() < kMaxProblems) {
    s = scan(db, path, "SELECT DISTINCT job FROM tasks WHERE job NOT IN (SELECT id FROM jobs)",
             [&](const Statement& r) { return note(fmt::format("tasks of job {} have no job row", r.int64(0))); });
  }
  if (s && problems.size() < kMaxProblems) {
    // A task row must sit at its job's first_task + ordinal, inside the job's range.
    s = scan(db, path,
             "SELECT t.job, t.ordinal, t.key FROM tasks AS t JOIN jobs AS j ON j.id = t.job"
             " WHERE t.key <> j.first_task + t.ordinal OR t.ordinal < 0 OR t.ordinal >= j.n_tasks",
             [&](const Statement& r) {
               return note(fmt::format("job {} task ordinal {} is stored under key {}, outside its job's range",
                                       r.int64(0), r.int64(1), r.int64(2)));
             });
  }
  if (s && problems.size() < kMaxProblems) {
    pb::JobSpec spec;
    s = scan(db, path, "SELECT id, spec FROM jobs", [&](const Statement& r) {
      const std::string_view blob = r.blob(1);
      return spec.ParseFromArray(blob.data(), static_cast<int>(blob.size())) ||
             note(fmt::format("job {}: the stored spec does not parse", r.int64(0)));
    });
  }
  if (s && problems.size() < kMaxProblems) {
    std::string worker;
    s = scan(db, path, fmt::format("SELECT job, ordinal, {} FROM tasks", kTaskColumns), [&](const Statement& r) {
      auto t = read_task(r, 2, worker);
      return t.is_ok() ||
             note(fmt::format("job {} task ordinal {}: {}", r.int64(0), r.int64(1), t.error()));
    });
  }
  if (!s) return s;
  if (problems.empty()) return Status::ok();
  std::string list;
  for (const std::string& p : problems) list += (list.empty() ? "" : "; ") + p;
  return Status::error(fmt::format("journal {} failed its check: {}", path, list));
}

Status backup_journal(sqlite3* db, const std::string& path, const std::string& dest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dest, ec) && fs::equivalent(dest, path, ec))
    return Status::error(fmt::format("journal {}: cannot back up onto the journal itself", path));
  const std::string what = "backup to " + dest;
  const std::string partial = dest + ".partial";
  fs::remove(partial, ec);  // left by an interrupted backup

  auto copy = [&]() -> Status {
    auto out = open_connection(partial, "");
    if (!out) return out.status();
    sqlite3_backup* b = sqlite3_backup_init(out->get(), "main", db, "main");
    if (b == nullptr) return sqlite_error(out->get(), partial, what, sqlite3_errcode(out->get()));
    const int rc = sqlite3_backup_step(b, -1);  // all pages, under one read snapshot
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return sqlite_error(out->get(), path, what, rc);
    // The copy carries the WAL flag in its header; a backup is one file.
    return exec(out->get(), partial, what, "PRAGMA journal_mode = DELETE");
  };
  if (Status s = copy(); !s) {
    fs::remove(partial, ec);
    return s;
  }
  // A -wal beside the destination would be replayed onto the new file by the
  // next opener; it belongs to whatever `dest` was before.
  fs::remove(dest + "-wal", ec);
  fs::remove(dest + "-shm", ec);
  fs::rename(partial, dest, ec);
  if (ec) return Status::error(fmt::format("journal {}: {}: {}", path, what, ec.message()));
  return Status::ok();
}

}  // namespace baton::store
