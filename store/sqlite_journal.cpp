// SqliteJournal: open, the group-commit write path, and the read entry points
// (see sqlite_journal.h). Schema, row layout, recovery, history and
// maintenance live in their own files.
#include "store/sqlite_journal.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/connection.h"
#include "store/history.h"
#include "store/maintenance.h"
#include "store/recovery.h"
#include "store/schema.h"
#include "store/statement.h"
#include "store/task_row.h"

namespace baton {

using store::Statement;

struct SqliteJournal::Sql {
  store::Connection db;  // declared first: closed after the statements are finalized
  Statement begin, commit, rollback;
  Statement put_job, raise_next_id, put_job_state;
  Statement put_task, add_event;
  std::unique_ptr<store::HistoryQuery> history;

  Status prepare(const std::string& path) {
    sqlite3* h = db.get();
    const struct {
      Statement* st;
      std::string sql;
    } all[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&put_job,
         "INSERT OR REPLACE INTO jobs(id, name, user, submit_ms, state, end_ms, wait_code, is_array, n_tasks,"
         " spec, cancelled) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
        {&raise_next_id, "UPDATE meta SET value = ?1 WHERE key = 'next_job_id' AND value < ?1"},
        {&put_job_state, "UPDATE jobs SET state = ?2, end_ms = ?3, wait_code = ?4, cancelled = ?5 WHERE id = ?1"},
        {&put_task, fmt::format("INSERT OR REPLACE INTO tasks(job, ordinal, idx, {}) VALUES(?1, ?2, ?3{})",
                                store::kTaskColumns, [] {
                                  std::string params;
                                  for (int i = 0; i < store::kTaskColumnCount; ++i)
                                    params += fmt::format(", ?{}", 4 + i);
                                  return params;
                                }())},
        {&add_event,
         "INSERT INTO events(time_ms, job, idx, attempt, state, reason, worker, exit_code, signal)"
         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    };
    for (const auto& [st, sql] : all) {
      auto prepared = Statement::prepare(h, path, sql);
      if (!prepared) return prepared.status();
      *st = std::move(*prepared);
    }
    auto query = store::HistoryQuery::prepare(h, path);
    if (!query) return query.status();
    history = std::make_unique<store::HistoryQuery>(std::move(*query));
    return Status::ok();
  }
};

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::open(const JournalOptions& options) {
  const std::string& path = options.path;
  auto conn = store::open_connection(path, options.vfs);
  if (!conn) return conn.status();
  auto sql = std::make_unique<Sql>();
  sql->db = std::move(*conn);
  sqlite3* db = sql->db.get();
  // Only another writer can make us wait: WAL readers (a backup, a check)
  // never block a writer.
  sqlite3_busy_timeout(db, options.busy_timeout_ms);

  // Refuse foreign and newer files before changing anything in them.
  auto found = store::check_schema(db, path);
  if (!found) return found.status();
  auto mode = store::query_text(db, path, "PRAGMA journal_mode = WAL");
  if (!mode) return mode.status();
  if (*mode != "wal")
    return Status::error(fmt::format("journal {}: cannot use WAL mode (SQLite kept '{}')", path, *mode));
  const char* sync = options.sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (Status s = store::exec(db, path, "setting synchronous", sync); !s) return s;
  // Up to date: no write lock taken, so `baton journal check` can open the
  // file beside a running broker without making it wait.
  Result<std::int64_t> version = *found;
  if (*found < store::current_schema_version()) version = store::migrate(db, path);
  if (!version) return version.status();
  if (Status s = sql->prepare(path); !s) return s;

  if (*found == 0)
    spdlog::info("journal {} created (schema version {})", path, *version);
  else if (*found != *version)
    spdlog::info("journal {}: schema migrated from version {} to {}", path, *found, *version);
  spdlog::debug("journal {} open (schema version {}, synchronous={})", path, *version,
                options.sync_full ? "FULL" : "NORMAL");
  return std::unique_ptr<SqliteJournal>(new SqliteJournal(path, std::move(sql), *version));
}

SqliteJournal::SqliteJournal(std::string path, std::unique_ptr<Sql> sql, std::int64_t schema_version)
    : path_(std::move(path)), schema_version_(schema_version), sql_(std::move(sql)) {}

SqliteJournal::~SqliteJournal() {
  if (group_open_) {
    spdlog::warn("journal {}: closing with an uncommitted group; it is rolled back", path_);
    end_group();
  }
}

// ---------------------------------------------------------------- write path

bool SqliteJournal::stage() {
  if (group_open_) return group_error_.is_ok();
  group_open_ = true;
  Statement::Use use(sql_->begin);
  if (const int rc = sql_->begin.step(); rc != SQLITE_DONE) {
    fail("opening a group (BEGIN IMMEDIATE)", rc);
    return false;
  }
  return true;
}

void SqliteJournal::fail(const std::string& what, int rc) {
  if (!group_error_.is_ok()) return;  // keep the first: later failures are usually its echo
  group_error_ = store::sqlite_error(sql_->db.get(), path_, what, rc);
  spdlog::debug("{}", group_error_.message());
}

void SqliteJournal::record_job(const Job& job) {
  if (!stage()) return;
  if (!job.spec.SerializeToString(&spec_buf_)) {
    group_error_ = Status::error(fmt::format("journal {}: record_job {}: the spec does not serialize", path_, job.id));
    return;
  }
  text_buf_ = job.extras().cancelled_pending.to_string();
  {
    Statement& s = sql_->put_job;
    Statement::Use use(s);
    s.bind(1, job.id);
    s.bind_text(2, job.spec.name());
    s.bind_text(3, job.spec.user());
    s.bind(4, job.submit_ms);
    s.bind(5, static_cast<int>(job.summary()));
    s.bind(6, job.end_ms);
    s.bind(7, job.worst_code);
    s.bind(8, job.is_array ? 1 : 0);
    s.bind(9, job.total());
    s.bind_blob(10, spec_buf_);
    s.bind_text(11, text_buf_);
    if (const int rc = s.step(); rc != SQLITE_DONE) return fail(fmt::format("record_job {}", job.id), rc);
  }
  Statement& s = sql_->raise_next_id;
  Statement::Use use(s);
  s.bind(1, job.id + 1);
  if (const int rc = s.step(); rc != SQLITE_DONE) fail(fmt::format("record_job {} (next_job_id)", job.id), rc);
}

void SqliteJournal::record_job_state(const Job& job) {
  if (!stage()) return;
  text_buf_ = job.extras().cancelled_pending.to_string();
  Statement& s = sql_->put_job_state;
  Statement::Use use(s);
  s.bind(1, job.id);
  s.bind(2, static_cast<int>(job.summary()));
  s.bind(3, job.end_ms);
  s.bind(4, job.worst_code);
  s.bind_text(5, text_buf_);
  if (const int rc = s.step(); rc != SQLITE_DONE) return fail(fmt::format("record_job_state {}", job.id), rc);
  // A state for a job that was never recorded would be lost on restart:
  // a broker bug, surfaced at commit rather than hidden.
  if (sqlite3_changes(sql_->db.get()) == 0)
    group_error_ = Status::error(
        fmt::format("journal {}: record_job_state {}: the job was never recorded", path_, job.id));
}

void SqliteJournal::record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& task,
                                const std::string& worker, TimeMs now) {
  if (!stage()) return;
  const TaskIndex idx = job.index_of(ordinal);
  {
    Statement& s = sql_->put_task;
    Statement::Use use(s);
    s.bind(1, job.id);
    s.bind(2, ordinal);
    s.bind(3, idx);
    store::bind_task(s, 4, task, worker, text_buf_);
    if (const int rc = s.step(); rc != SQLITE_DONE)
      return fail("record_task " + job.task_name(ordinal), rc);
  }
  Statement& s = sql_->add_event;
  Statement::Use use(s);
  s.bind(1, now);
  s.bind(2, job.id);
  s.bind(3, idx);
  s.bind(4, task.attempt);
  s.bind(5, static_cast<int>(task.state));
  s.bind(6, static_cast<int>(task.reason));
  s.bind_text(7, worker);
  s.bind(8, task.exit_code);
  s.bind(9, task.signal);
  if (const int rc = s.step(); rc != SQLITE_DONE) fail("record_task " + job.task_name(ordinal) + " (event)", rc);
}

Status SqliteJournal::commit() {
  if (!group_open_) return Status::ok();
  if (!group_error_.is_ok()) {
    Status failed = Status::error(group_error_.message() + "; the group was rolled back");
    end_group();
    return failed;
  }
  Status result;
  {
    Statement::Use use(sql_->commit);
    if (const int rc = sql_->commit.step(); rc != SQLITE_DONE)
      result = store::sqlite_error(sql_->db.get(), path_, "commit failed", rc);
  }
  end_group();  // after a failed COMMIT the transaction may still be open
  return result;
}

Result<std::size_t> SqliteJournal::purge(TimeMs cutoff_ms, std::size_t budget) {
  if (!stage()) return group_error_;
  sqlite3* db = sql_->db.get();
  auto failed = [&](const char* what, int rc) -> Status {
    fail(fmt::format("purging rows older than the retention ({})", what), rc);
    return group_error_;
  };
  auto oldest = Statement::prepare(
      db, path_,
      fmt::format("SELECT id FROM jobs WHERE end_ms > 0 AND end_ms < ?1 AND state IN ({}, {}, {}, {})"
                  " ORDER BY end_ms LIMIT 1",
                  static_cast<int>(pb::COMPLETED), static_cast<int>(pb::FAILED), static_cast<int>(pb::CANCELLED),
                  static_cast<int>(pb::TIMEOUT)),
      false);
  auto tasks = Statement::prepare(
      db, path_,
      "DELETE FROM tasks WHERE job = ?1 AND ordinal IN (SELECT ordinal FROM tasks WHERE job = ?1 ORDER BY ordinal LIMIT ?2)",
      false);
  auto job = Statement::prepare(db, path_, "DELETE FROM jobs WHERE id = ?1", false);
  auto events = Statement::prepare(
      db, path_, "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time_ms < ?1 ORDER BY seq LIMIT ?2)",
      false);
  if (!oldest) return oldest.status();
  if (!tasks) return tasks.status();
  if (!job) return job.status();
  if (!events) return events.status();

  std::size_t done = 0;
  while (done < budget) {
    std::int64_t id;
    {
      Statement::Use use(*oldest);
      oldest->bind(1, cutoff_ms);
      const int rc = oldest->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return failed("jobs", rc);
      id = oldest->int64(0);
    }
    {
      Statement::Use use(*tasks);
      tasks->bind(1, id);
      tasks->bind(2, static_cast<std::int64_t>(budget - done));
      if (const int rc = tasks->step(); rc != SQLITE_DONE) return failed("tasks", rc);
    }
    const auto removed = static_cast<std::size_t>(sqlite3_changes(db));
    done += removed;
    if (done >= budget) break;  // the job's remaining tasks go next time
    Statement::Use use(*job);
    job->bind(1, id);
    if (const int rc = job->step(); rc != SQLITE_DONE) return failed("jobs", rc);
    ++done;
  }
  if (done < budget) {
    Statement::Use use(*events);
    events->bind(1, cutoff_ms);
    events->bind(2, static_cast<std::int64_t>(budget - done));
    if (const int rc = events->step(); rc != SQLITE_DONE) return failed("events", rc);
    done += static_cast<std::size_t>(sqlite3_changes(db));
  }
  return done;
}

Status SqliteJournal::probe() {
  if (group_open_) return Status::error(fmt::format("journal {}: probe with a group open", path_));
  sqlite3* db = sql_->db.get();
  // Room for a real group, not just one page: a 64 KiB row, written and
  // deleted in one transaction, grows the WAL as a modest group would.
  Status s = store::exec(db, path_, "probing for space",
                         "BEGIN IMMEDIATE;"
                         "INSERT OR REPLACE INTO meta(key, value) VALUES('probe', zeroblob(65536));"
                         "DELETE FROM meta WHERE key = 'probe';"
                         "COMMIT;");
  if (!s && sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return s;
}

void SqliteJournal::end_group() {
  sqlite3* db = sql_->db.get();
  if (sqlite3_get_autocommit(db) == 0) {
    Statement::Use use(sql_->rollback);
    if (const int rc = sql_->rollback.step(); rc != SQLITE_DONE)
      spdlog::error("{}", store::sqlite_error(db, path_, "rollback failed", rc).message());
  }
  group_open_ = false;
  group_error_ = Status::ok();
}

// ---------------------------------------------------------------- reads and maintenance

namespace {

// Runs `read` under one read snapshot: its own transaction, or the open group's.
template <class Read>
auto in_snapshot(sqlite3* db, const std::string& path, Read read) -> decltype(read()) {
  const bool own = sqlite3_get_autocommit(db) != 0;
  if (own) {
    if (Status s = store::exec(db, path, "starting a read", "BEGIN"); !s) return s;
  }
  auto result = read();
  if (own) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);  // read-only: nothing to lose
  return result;
}

}  // namespace

Result<RecoveredState> SqliteJournal::load() {
  sqlite3* db = sql_->db.get();
  return in_snapshot(db, path_, [&] { return store::load_state(db, path_); });
}

Result<std::vector<pb::JobInfo>> SqliteJournal::history(const pb::HistoryRequest& filter) {
  return in_snapshot(sql_->db.get(), path_, [&] { return sql_->history->run(filter); });
}

Status SqliteJournal::check() {
  sqlite3* db = sql_->db.get();
  return in_snapshot(db, path_, [&] { return store::check_journal(db, path_); });
}

Status SqliteJournal::backup(const std::string& dest_path) {
  if (group_open_)
    return Status::error(fmt::format("journal {}: backup with a group open; commit it first", path_));
  return store::backup_journal(sql_->db.get(), path_, dest_path);
}

}  // namespace baton
