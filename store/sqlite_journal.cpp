// SqliteJournal: open, the group-commit write path, and the read entry points
// (see sqlite_journal.h). Schema, row layout, recovery, history and
// maintenance live in their own files.
#include "store/sqlite_journal.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

#include "store/connection.h"
#include "store/history.h"
#include "store/journal_batch.h"
#include "store/maintenance.h"
#include "store/recovery.h"
#include "store/schema.h"
#include "store/statement.h"
#include "store/task_row.h"

namespace baton {

using store::Statement;

namespace {

// "c = excluded.c" for each column of the task record: the upsert's update list.
std::string task_updates() {
  std::string out;
  std::string_view cols = store::kTaskColumns;
  while (!cols.empty()) {
    const std::size_t comma = cols.find(", ");
    const std::string_view col = cols.substr(0, comma);
    out += fmt::format("{}{} = excluded.{}", out.empty() ? "" : ", ", col, col);
    cols = comma == std::string_view::npos ? std::string_view() : cols.substr(comma + 2);
  }
  return out;
}

// Task rows are written kTaskBatch at a time by one multi-row statement: a
// statement's fixed cost (start, cursors, halt) is most of a small row's.
constexpr std::size_t kTaskBatch = 16;
constexpr int kTaskParams = 5 + store::kTaskColumnCount;  // key, job, ordinal, idx, the record, ends

// A task row staged by record_task, not yet written.
struct StagedTask {
  std::int64_t key = 0;
  JobId job = 0;
  std::uint64_t ordinal = 0;
  TaskIndex index = 0;
  bool is_array = false;
  TaskRecord record;
  std::string worker;
  std::string gpus_text;  // bound as text: lives until the row is written
};

}  // namespace

struct SqliteJournal::Sql {
  store::Connection db;  // declared first: closed after the statements are finalized
  Statement begin, commit, rollback;
  Statement put_job, raise_next_id, raise_next_task_key, first_task, put_job_state;
  Statement put_cron, remove_cron;
  Statement put_task;   // one task row
  Statement put_tasks;  // kTaskBatch task rows
  Statement put_applied, get_applied;  // replicated brokers: the last Raft index applied
  std::unique_ptr<store::HistoryQuery> history;
  // record_task's rows, not yet written: commit, purge and the open group's
  // reads write them first.
  std::array<StagedTask, kTaskBatch> staged;
  std::size_t staged_count = 0;

  Status prepare(const std::string& path) {
    sqlite3* h = db.get();
    // (?1, ?2, ... ?23), (?24, ...): kTaskParams parameters per row.
    auto task_rows = [](int rows) {
      std::string out;
      for (int r = 0; r < rows; ++r) {
        out += r == 0 ? "(" : ", (";
        for (int i = 1; i <= kTaskParams; ++i) out += fmt::format("{}?{}", i == 1 ? "" : ", ", r * kTaskParams + i);
        out += ")";
      }
      return out;
    };
    auto put_rows = [&](int rows) {
      return fmt::format("INSERT INTO tasks(key, job, ordinal, idx, {}, ends) VALUES {}"
                         " ON CONFLICT(key) DO UPDATE SET {}, ends = ends + excluded.ends",
                         store::kTaskColumns, task_rows(rows), task_updates());
    };
    const struct {
      Statement* st;
      std::string sql;
    } all[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        // A new job takes the next range of task keys; a job recorded again
        // (update, hold, release) keeps its range (its task count never changes).
        {&put_job,
         "INSERT INTO jobs(id, name, user, submit_ms, state, end_ms, wait_code, is_array, n_tasks, spec, cancelled,"
         " first_task) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
         " (SELECT value FROM meta WHERE key = 'next_task_key'))"
         " ON CONFLICT(id) DO UPDATE SET name = excluded.name, user = excluded.user, submit_ms = excluded.submit_ms,"
         " state = excluded.state, end_ms = excluded.end_ms, wait_code = excluded.wait_code,"
         " is_array = excluded.is_array, n_tasks = excluded.n_tasks, spec = excluded.spec,"
         " cancelled = excluded.cancelled"},
        {&raise_next_id, "UPDATE meta SET value = ?1 WHERE key = 'next_job_id' AND value < ?1"},
        {&raise_next_task_key,
         "UPDATE meta SET value = max(value, (SELECT first_task + n_tasks FROM jobs WHERE id = ?1))"
         " WHERE key = 'next_task_key'"},
        {&first_task, "SELECT first_task FROM jobs WHERE id = ?1"},
        {&put_job_state, "UPDATE jobs SET state = ?2, end_ms = ?3, wait_code = ?4, cancelled = ?5 WHERE id = ?1"},
        // One row write per transition. `ends` counts the final states ever
        // recorded for the task: exactly-once evidence (see schema.cpp).
        {&put_task, put_rows(1)},
        {&put_tasks, put_rows(kTaskBatch)},
        {&put_cron, "INSERT OR REPLACE INTO cron(name, user, last_scheduled_ms, entry) VALUES(?1, ?2, ?3, ?4)"},
        {&remove_cron, "DELETE FROM cron WHERE name = ?1"},
        {&put_applied, "INSERT OR REPLACE INTO meta(key, value) VALUES('raft_applied', ?1)"},
        {&get_applied, "SELECT value FROM meta WHERE key = 'raft_applied'"},
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
  put_job(JobFields{job.id, job.spec.name(), job.spec.user(), job.submit_ms, static_cast<int>(job.summary()),
                    job.end_ms, job.worst_code, job.is_array, job.total(), spec_buf_, text_buf_});
}

void SqliteJournal::put_job(const JobFields& f) {
  {
    Statement& s = sql_->put_job;
    Statement::Use use(s);
    s.bind(1, f.id);
    s.bind_text(2, f.name);
    s.bind_text(3, f.user);
    s.bind(4, f.submit_ms);
    s.bind(5, f.state);
    s.bind(6, f.end_ms);
    s.bind(7, f.wait_code);
    s.bind(8, f.is_array ? 1 : 0);
    s.bind(9, f.n_tasks);
    s.bind_blob(10, f.spec);
    s.bind_text(11, f.cancelled);
    if (const int rc = s.step(); rc != SQLITE_DONE) return fail(fmt::format("record_job {}", f.id), rc);
  }
  {
    Statement& s = sql_->raise_next_id;
    Statement::Use use(s);
    s.bind(1, f.id + 1);
    if (const int rc = s.step(); rc != SQLITE_DONE) return fail(fmt::format("record_job {} (next_job_id)", f.id), rc);
  }
  Statement& s = sql_->raise_next_task_key;
  Statement::Use use(s);
  s.bind(1, f.id);
  if (const int rc = s.step(); rc != SQLITE_DONE) fail(fmt::format("record_job {} (next_task_key)", f.id), rc);
}

void SqliteJournal::record_job_state(const Job& job) {
  if (!stage()) return;
  text_buf_ = job.extras().cancelled_pending.to_string();
  put_job_state(job.id, static_cast<int>(job.summary()), job.end_ms, job.worst_code, text_buf_);
}

void SqliteJournal::put_job_state(JobId id, int state, TimeMs end_ms, int wait_code, std::string_view cancelled) {
  Statement& s = sql_->put_job_state;
  Statement::Use use(s);
  s.bind(1, id);
  s.bind(2, state);
  s.bind(3, end_ms);
  s.bind(4, wait_code);
  s.bind_text(5, cancelled);
  if (const int rc = s.step(); rc != SQLITE_DONE) return fail(fmt::format("record_job_state {}", id), rc);
  // A state for a job that was never recorded would be lost on restart:
  // a broker bug, surfaced at commit rather than hidden.
  if (sqlite3_changes(sql_->db.get()) == 0)
    group_error_ = Status::error(
        fmt::format("journal {}: record_job_state {}: the job was never recorded", path_, id));
}

void SqliteJournal::record_cron(const pb::CronEntry& entry) {
  if (!stage()) return;
  if (!entry.SerializeToString(&spec_buf_)) {
    group_error_ = Status::error(fmt::format("journal {}: record_cron {}: the entry does not serialize", path_, entry.name()));
    return;
  }
  Statement& s = sql_->put_cron;
  Statement::Use use(s);
  s.bind_text(1, entry.name());
  s.bind_text(2, entry.user());
  s.bind(3, entry.last_scheduled_ms());
  s.bind_blob(4, spec_buf_);
  if (const int rc = s.step(); rc != SQLITE_DONE) fail(fmt::format("record_cron {}", entry.name()), rc);
}

void SqliteJournal::remove_cron(const std::string& name) {
  if (!stage()) return;
  Statement& s = sql_->remove_cron;
  Statement::Use use(s);
  s.bind_text(1, name);
  if (const int rc = s.step(); rc != SQLITE_DONE) fail(fmt::format("remove_cron {}", name), rc);
}

bool SqliteJournal::find_first_task(JobId job) {
  if (cached_job_ == job) return true;
  Statement& s = sql_->first_task;
  Statement::Use use(s);
  s.bind(1, job);
  const int rc = s.step();
  if (rc == SQLITE_DONE) {
    // Its task would be lost on restart: a broker bug, surfaced at commit.
    group_error_ = Status::error(fmt::format("journal {}: record_task: job {} was never recorded", path_, job));
    return false;
  }
  if (rc != SQLITE_ROW) {
    fail(fmt::format("record_task: the task keys of job {}", job), rc);
    return false;
  }
  cached_job_ = job;
  cached_first_task_ = s.int64(0);
  return true;
}

void SqliteJournal::record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& task,
                                const std::string& worker, TimeMs /*now*/) {
  if (!stage()) return;
  put_task(job.id, job.is_array, ordinal, job.index_of(ordinal), task, worker);
}

void SqliteJournal::put_task(JobId job, bool is_array, std::uint64_t ordinal, TaskIndex index,
                             const TaskRecord& task, std::string_view worker) {
  if (!find_first_task(job)) return;
  StagedTask& t = sql_->staged[sql_->staged_count++];
  t.key = cached_first_task_ + static_cast<std::int64_t>(ordinal);
  t.job = job;
  t.ordinal = ordinal;
  t.index = index;
  t.is_array = is_array;
  t.record = task;
  t.worker = worker;
  if (sql_->staged_count == kTaskBatch) write_staged();
}

bool SqliteJournal::write_staged() {
  std::size_t done = 0;
  auto bind_row = [&](Statement& s, int first, StagedTask& t) {
    s.bind_again(first, t.key);
    s.bind_again(first + 1, t.job);
    s.bind_again(first + 2, t.ordinal);
    s.bind_again(first + 3, t.index);
    store::bind_task(s, first + 4, t.record, t.worker, t.gpus_text);
    s.bind_again(first + 4 + store::kTaskColumnCount, is_terminal(t.record.state) ? 1 : 0);
  };
  auto& staged = sql_->staged;
  auto name = [&](std::size_t i) { return format_task(staged[i].job, staged[i].index, staged[i].is_array); };
  while (group_error_.is_ok() && done < sql_->staged_count) {
    const bool batch = sql_->staged_count - done == kTaskBatch;
    Statement& s = batch ? sql_->put_tasks : sql_->put_task;
    const std::size_t rows = batch ? kTaskBatch : 1;
    Statement::Use use(s);
    for (std::size_t r = 0; r < rows; ++r) bind_row(s, static_cast<int>(r) * kTaskParams + 1, staged[done + r]);
    if (const int rc = s.step(); rc != SQLITE_DONE)
      fail(rows == 1 ? "record_task " + name(done)
                     : fmt::format("record_task {} .. {}", name(done), name(done + rows - 1)), rc);
    done += rows;
  }
  sql_->staged_count = 0;
  return group_error_.is_ok();
}

Status SqliteJournal::commit() {
  if (!group_open_) return Status::ok();
  if (group_error_.is_ok()) write_staged();
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
  if (!stage() || !write_staged()) return group_error_;
  sqlite3* db = sql_->db.get();
  auto failed = [&](const char* what, int rc) -> Status {
    fail(fmt::format("purging rows older than the retention ({})", what), rc);
    return group_error_;
  };
  auto oldest = Statement::prepare(
      db, path_,
      fmt::format("SELECT id, first_task, n_tasks FROM jobs WHERE end_ms > 0 AND end_ms < ?1"
                  " AND state IN ({}, {}, {}, {}, {}) ORDER BY end_ms LIMIT 1",
                  static_cast<int>(pb::COMPLETED), static_cast<int>(pb::FAILED), static_cast<int>(pb::CANCELLED),
                  static_cast<int>(pb::TIMEOUT), static_cast<int>(pb::OUT_OF_MEMORY)),
      false);
  // A job's task rows are its key range, first_task + [0, n_tasks).
  auto tasks = Statement::prepare(
      db, path_,
      "DELETE FROM tasks WHERE key IN (SELECT key FROM tasks WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3)",
      false);
  auto job = Statement::prepare(db, path_, "DELETE FROM jobs WHERE id = ?1", false);
  if (!oldest) return oldest.status();
  if (!tasks) return tasks.status();
  if (!job) return job.status();

  std::size_t done = 0;
  while (done < budget) {
    std::int64_t id, first, count;
    {
      Statement::Use use(*oldest);
      oldest->bind(1, cutoff_ms);
      const int rc = oldest->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return failed("jobs", rc);
      id = oldest->int64(0);
      first = oldest->int64(1);
      count = oldest->int64(2);
    }
    {
      Statement::Use use(*tasks);
      tasks->bind(1, first);
      tasks->bind(2, first + count);
      tasks->bind(3, static_cast<std::int64_t>(budget - done));
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
  return done;
}

Status SqliteJournal::apply(const pb::JournalBatch& batch, std::uint64_t index) {
  if (group_open_) return Status::error(fmt::format("journal {}: apply with a group open", path_));
  auto applied = applied_index();
  if (!applied) return applied.status();
  if (index <= *applied) return Status::ok();  // replayed: already here
  if (!stage()) return commit();
  for (const pb::JournalOp& op : batch.ops()) {
    if (!group_error_.is_ok()) break;
    switch (op.op_case()) {
      case pb::JournalOp::kJob: {
        const pb::JobRow& r = op.job();
        put_job(JobFields{r.id(), r.name(), r.user(), r.submit_ms(), r.state(), r.end_ms(), r.wait_code(),
                          r.is_array(), r.n_tasks(), r.spec(), r.cancelled()});
        break;
      }
      case pb::JournalOp::kJobState: {
        const pb::JobStateRow& r = op.job_state();
        put_job_state(r.id(), r.state(), r.end_ms(), r.wait_code(), r.cancelled());
        break;
      }
      case pb::JournalOp::kTask: {
        const pb::TaskRow& r = op.task();
        put_task(r.job(), r.is_array(), r.ordinal(), static_cast<TaskIndex>(r.index()), task_record(r), r.worker());
        break;
      }
      case pb::JournalOp::kCron: record_cron(op.cron()); break;
      case pb::JournalOp::kCronRemoved: remove_cron(op.cron_removed()); break;
      case pb::JournalOp::kPurge:
        (void)purge(op.purge().cutoff_ms(), op.purge().budget());  // a failure poisons the group
        break;
      default:
        group_error_ = Status::error(fmt::format("journal {}: batch {} holds an operation this broker does not know "
                                                 "(a newer broker wrote it)",
                                                 path_, index));
    }
  }
  if (group_error_.is_ok() && write_staged()) {
    Statement& s = sql_->put_applied;
    Statement::Use use(s);
    s.bind(1, index);
    if (const int rc = s.step(); rc != SQLITE_DONE) fail(fmt::format("recording applied index {}", index), rc);
  }
  return commit();
}

Result<std::uint64_t> SqliteJournal::applied_index() {
  Statement& s = sql_->get_applied;
  Statement::Use use(s);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::uint64_t{0};
  if (rc != SQLITE_ROW) return store::sqlite_error(sql_->db.get(), path_, "reading the applied index", rc);
  return static_cast<std::uint64_t>(s.int64(0));
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
  sql_->staged_count = 0;
  cached_job_ = 0;  // its row may have been rolled back
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
  if (group_open_) write_staged();  // a failure poisons the group; commit() reports it
  sqlite3* db = sql_->db.get();
  return in_snapshot(db, path_, [&] { return store::load_state(db, path_); });
}

Result<std::vector<pb::JobInfo>> SqliteJournal::history(const pb::HistoryRequest& filter) {
  if (group_open_) write_staged();  // a failure poisons the group; commit() reports it
  return in_snapshot(sql_->db.get(), path_, [&] { return sql_->history->run(filter); });
}

Status SqliteJournal::check() {
  if (group_open_) write_staged();  // a failure poisons the group; commit() reports it
  sqlite3* db = sql_->db.get();
  return in_snapshot(db, path_, [&] { return store::check_journal(db, path_); });
}

Status SqliteJournal::backup(const std::string& dest_path) {
  if (group_open_)
    return Status::error(fmt::format("journal {}: backup with a group open; commit it first", path_));
  return store::backup_journal(sql_->db.get(), path_, dest_path);
}

}  // namespace baton
