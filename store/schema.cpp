// DDL and migrations of the journal (see schema.h).
//
// Column conventions: enums are stored as their integer values; unsigned
// 64-bit counters (ids, ordinals, rss, cpu) as SQLite's signed 64-bit integers
// (the bits round-trip); times are milliseconds since the epoch, 0 meaning "not yet".
#include "store/schema.h"

#include <fmt/format.h>

#include <iterator>

#include "store/connection.h"

namespace baton::store {

namespace {

// 'batn': marks the file as a baton journal for file(1) and for open().
constexpr std::int64_t kApplicationId = 0x6261746e;

struct Migration {
  std::int64_t version;
  const char* sql;
};

// Append only. Never edit a migration that has shipped: add the next one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('next_job_id', 1);

CREATE TABLE jobs(
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  user      TEXT NOT NULL,
  submit_ms INTEGER NOT NULL,
  state     INTEGER NOT NULL,
  end_ms    INTEGER NOT NULL DEFAULT 0,
  wait_code INTEGER NOT NULL DEFAULT 0,
  is_array  INTEGER NOT NULL,
  n_tasks   INTEGER NOT NULL,
  spec      BLOB NOT NULL,
  cancelled TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_by_end ON jobs(end_ms);

CREATE TABLE tasks(
  job              INTEGER NOT NULL,
  ordinal          INTEGER NOT NULL,
  idx              INTEGER NOT NULL,
  state            INTEGER NOT NULL,
  reason           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  failures         INTEGER NOT NULL,
  crashes          INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  outcome          INTEGER NOT NULL,
  worker           TEXT NOT NULL,
  dispatched_ms    INTEGER NOT NULL,
  start_ms         INTEGER NOT NULL,
  end_ms           INTEGER NOT NULL,
  eligible_ms      INTEGER NOT NULL,
  exit_code        INTEGER NOT NULL,
  signal           INTEGER NOT NULL,
  max_rss_kb       INTEGER NOT NULL,
  cpu_ms           INTEGER NOT NULL,
  charged          REAL NOT NULL,
  gpus             TEXT NOT NULL,
  PRIMARY KEY(job, ordinal)
) WITHOUT ROWID;

CREATE TABLE events(
  seq       INTEGER PRIMARY KEY,
  time_ms   INTEGER NOT NULL,
  job       INTEGER NOT NULL,
  idx       INTEGER NOT NULL,
  attempt   INTEGER NOT NULL,
  state     INTEGER NOT NULL,
  reason    INTEGER NOT NULL,
  worker    TEXT NOT NULL,
  exit_code INTEGER NOT NULL,
  signal    INTEGER NOT NULL
);
)sql"},
    // Version 2: one row write per task transition, and no composite-key
    // searches. Each job owns a range of integer task keys, [first_task,
    // first_task + n_tasks), handed out at submit from meta.next_task_key,
    // so a task row lives in a rowid table under first_task + ordinal: in job
    // then ordinal order, found by an integer seek. The events table (one
    // row per transition, never read by baton) is replaced by tasks.ends, the
    // number of times the task was recorded in a final state: exactly-once
    // evidence in the row itself (1 for every finished task). Terminal states
    // are TaskState COMPLETED, FAILED, CANCELLED, TIMEOUT = 3, 4, 5, 6.
    {2, R"sql(
ALTER TABLE jobs ADD COLUMN first_task INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET first_task = r.first
  FROM (SELECT id, 1 + sum(n_tasks) OVER (ORDER BY id) - n_tasks AS first FROM jobs) AS r
  WHERE jobs.id = r.id;
INSERT INTO meta(key, value) VALUES('next_task_key', (SELECT 1 + coalesce(sum(n_tasks), 0) FROM jobs));

CREATE TABLE tasks_v2(
  key              INTEGER PRIMARY KEY,
  job              INTEGER NOT NULL,
  ordinal          INTEGER NOT NULL,
  idx              INTEGER NOT NULL,
  state            INTEGER NOT NULL,
  reason           INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  failures         INTEGER NOT NULL,
  crashes          INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  outcome          INTEGER NOT NULL,
  worker           TEXT NOT NULL,
  dispatched_ms    INTEGER NOT NULL,
  start_ms         INTEGER NOT NULL,
  end_ms           INTEGER NOT NULL,
  eligible_ms      INTEGER NOT NULL,
  exit_code        INTEGER NOT NULL,
  signal           INTEGER NOT NULL,
  max_rss_kb       INTEGER NOT NULL,
  cpu_ms           INTEGER NOT NULL,
  charged          REAL NOT NULL,
  gpus             TEXT NOT NULL,
  ends             INTEGER NOT NULL
);
INSERT INTO tasks_v2
  SELECT j.first_task + t.ordinal, t.job, t.ordinal, t.idx, t.state, t.reason, t.attempt, t.failures, t.crashes,
         t.cancel_requested, t.outcome, t.worker, t.dispatched_ms, t.start_ms, t.end_ms, t.eligible_ms, t.exit_code,
         t.signal, t.max_rss_kb, t.cpu_ms, t.charged, t.gpus,
         max(t.state IN (3, 4, 5, 6), coalesce(e.n, 0))
  FROM tasks AS t JOIN jobs AS j ON j.id = t.job
  LEFT JOIN (SELECT job, idx, count(*) AS n FROM events WHERE state IN (3, 4, 5, 6) GROUP BY job, idx) AS e
    ON e.job = t.job AND e.idx = t.idx
  ORDER BY 1;
DROP TABLE tasks;
DROP TABLE events;
ALTER TABLE tasks_v2 RENAME TO tasks;
)sql"},
    // Version 3: recurring jobs (`baton cron`). One row per entry, the entry
    // whole as a pb::CronEntry; last_scheduled_ms repeats the entry's own
    // field for people reading the file with sqlite3. A run's row and its
    // job's row are written in one group.
    {3, R"sql(
CREATE TABLE cron(
  name              TEXT PRIMARY KEY,
  user              TEXT NOT NULL,
  last_scheduled_ms INTEGER NOT NULL,
  entry             BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
};

Status version_error(const std::string& path, std::int64_t found) {
  return Status::error(fmt::format("journal {} has schema version {}; this baton understands up to {}",
                                   path, found, current_schema_version()));
}

// Version check shared by check_schema() and migrate(): both must see the
// same verdict whether or not they hold the write lock.
Result<std::int64_t> read_version(sqlite3* db, const std::string& path) {
  auto version = query_int(db, path, "PRAGMA user_version");
  if (!version) {
    if (sqlite3_errcode(db) == SQLITE_NOTADB)
      return Status::error(fmt::format("journal {} is not a SQLite database (is the path right?)", path));
    return version.status();
  }
  auto app = query_int(db, path, "PRAGMA application_id");
  if (!app) return app.status();
  if (*app != 0 && *app != kApplicationId)
    return Status::error(fmt::format("journal {} is a SQLite database of another application (id {:#x})",
                                     path, *app));
  if (*version == 0) {
    auto tables = query_int(db, path, "SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.status();
    if (*tables > 0)
      return Status::error(fmt::format("journal {} is a SQLite database but not a baton journal", path));
  }
  if (*version > current_schema_version()) return version_error(path, *version);
  return *version;
}

}  // namespace

std::int64_t current_schema_version() { return std::prev(std::end(kMigrations))->version; }

Result<std::int64_t> check_schema(sqlite3* db, const std::string& path) { return read_version(db, path); }

Result<std::int64_t> migrate(sqlite3* db, const std::string& path) {
  if (Status s = exec(db, path, "starting the schema migration", "BEGIN IMMEDIATE"); !s) return s;
  auto rollback = [&](Status why) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return why;
  };
  auto version = read_version(db, path);
  if (!version) return rollback(version.status());
  for (const Migration& m : kMigrations) {
    if (m.version <= *version) continue;
    const std::string what = fmt::format("migrating the schema to version {}", m.version);
    if (Status s = exec(db, path, what, m.sql); !s) return rollback(s);
    const std::string stamp =
        fmt::format("PRAGMA user_version = {}; PRAGMA application_id = {}", m.version, kApplicationId);
    if (Status s = exec(db, path, what, stamp.c_str()); !s) return rollback(s);
    *version = m.version;
  }
  if (Status s = exec(db, path, "committing the schema migration", "COMMIT"); !s) return rollback(s);
  return *version;
}

}  // namespace baton::store
