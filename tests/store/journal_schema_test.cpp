// Which files the journal agrees to open, and what it says about the others.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

Result<std::unique_ptr<SqliteJournal>> try_open(const std::string& path) {
  JournalOptions options;
  options.path = path;
  return SqliteJournal::open(options);
}

}  // namespace

TEST_CASE("a new journal file gets the current schema and the baton application id") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 3);
  RawDb raw(path);
  CHECK(raw.column("PRAGMA user_version") == "3");
  CHECK(raw.column("PRAGMA application_id") == std::to_string(0x6261746e));
  CHECK(raw.column("SELECT value FROM meta WHERE key = 'next_job_id'") == "1");
  CHECK(raw.column("SELECT value FROM meta WHERE key = 'next_task_key'") == "1");
}

TEST_CASE("an empty existing file becomes a journal") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  std::ofstream(path).close();
  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 3);
}

TEST_CASE("a journal with a newer schema version is refused and left untouched") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  open_journal(path).reset();
  RawDb(path).exec("PRAGMA user_version = 7");

  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " has schema version 7; this baton understands up to 3");
  CHECK(RawDb(path).column("PRAGMA user_version") == "7");
}

TEST_CASE("a file that is not a SQLite database is refused as a journal, naming the path") {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  {
    std::ofstream out(path);
    for (int i = 0; i < 200; ++i) out << "these are my notes, not a database\n";
  }
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " is not a SQLite database (is the path right?)");
}

TEST_CASE("a SQLite database of something else is refused as a journal") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  RawDb(path).exec("CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)");
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " is a SQLite database but not a baton journal");
  CHECK(RawDb(path).column("SELECT count(*) FROM sqlite_schema") == "1");  // nothing added

  RawDb(path).exec("DROP TABLE photos; PRAGMA application_id = 42");
  auto tagged = try_open(path);
  REQUIRE_FALSE(tagged.is_ok());
  CHECK(contains(tagged.error(), "a SQLite database of another application"));
}

TEST_CASE("a journal path in a missing directory is refused, naming the path") {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/journal.db");
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + ": cannot open: directory " + dir.file("no/such/dir") +
                               " does not exist");
  auto directory = try_open(dir.file(""));
  REQUIRE_FALSE(directory.is_ok());
  CHECK(contains(directory.error(), "cannot open: it is a directory"));
}

namespace {

// A journal as schema version 1 wrote it (frozen: this is the old file format,
// not the current one). Tasks had a (job, ordinal) key and every transition
// added a row to `events`.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('next_job_id', 5);
CREATE TABLE jobs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, user TEXT NOT NULL, submit_ms INTEGER NOT NULL,
  state INTEGER NOT NULL, end_ms INTEGER NOT NULL DEFAULT 0, wait_code INTEGER NOT NULL DEFAULT 0,
  is_array INTEGER NOT NULL, n_tasks INTEGER NOT NULL, spec BLOB NOT NULL, cancelled TEXT NOT NULL DEFAULT '');
CREATE INDEX jobs_by_end ON jobs(end_ms);
CREATE TABLE tasks(job INTEGER NOT NULL, ordinal INTEGER NOT NULL, idx INTEGER NOT NULL, state INTEGER NOT NULL,
  reason INTEGER NOT NULL, attempt INTEGER NOT NULL, failures INTEGER NOT NULL, crashes INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL, outcome INTEGER NOT NULL, worker TEXT NOT NULL, dispatched_ms INTEGER NOT NULL,
  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, eligible_ms INTEGER NOT NULL, exit_code INTEGER NOT NULL,
  signal INTEGER NOT NULL, max_rss_kb INTEGER NOT NULL, cpu_ms INTEGER NOT NULL, charged REAL NOT NULL,
  gpus TEXT NOT NULL, PRIMARY KEY(job, ordinal)) WITHOUT ROWID;
CREATE TABLE events(seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, job INTEGER NOT NULL, idx INTEGER NOT NULL,
  attempt INTEGER NOT NULL, state INTEGER NOT NULL, reason INTEGER NOT NULL, worker TEXT NOT NULL,
  exit_code INTEGER NOT NULL, signal INTEGER NOT NULL);
PRAGMA user_version = 1;
PRAGMA application_id = 1650553966;
)sql";

}  // namespace

TEST_CASE("a version 1 journal is migrated: same state, task keys by job range, ends counted from its events") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    RawDb raw(path);
    raw.exec(kVersion1);
    // Job 1 (plain) finished; job 2 (array 10-14) has index 10 COMPLETED and
    // index 13 RUNNING; job 4 (array 0-2) has index 2 FAILED, its event
    // already purged by retention.
    raw.exec("INSERT INTO jobs(id, name, user, submit_ms, state, end_ms, is_array, n_tasks, spec) VALUES"
             " (1, 'one', 'alice', 100, 3, 900, 0, 1, x''), (2, 'two', 'bob', 200, 2, 0, 1, 5, x''),"
             " (4, 'four', 'alice', 300, 2, 0, 1, 3, x'')");
    raw.exec("INSERT INTO tasks VALUES"
             " (1, 0, 0, 3, 0, 1, 0, 0, 0, 1, 'w1', 500, 600, 900, 0, 0, 0, 64, 5, 1.0, ''),"
             " (2, 0, 10, 3, 0, 1, 0, 0, 0, 1, 'w1', 500, 600, 950, 0, 0, 0, 64, 5, 1.0, ''),"
             " (2, 3, 13, 2, 0, 2, 0, 1, 0, 0, 'w2', 700, 750, 0, 0, 0, 0, 0, 0, 1.0, '0,1'),"
             " (4, 2, 2, 4, 0, 1, 0, 0, 0, 1, 'w1', 500, 600, 990, 0, 3, 0, 64, 5, 1.0, '')");
    raw.exec("INSERT INTO events(time_ms, job, idx, attempt, state, reason, worker, exit_code, signal) VALUES"
             " (500, 1, 0, 1, 2, 0, 'w1', 0, 0), (900, 1, 0, 1, 3, 0, 'w1', 0, 0),"
             " (500, 2, 10, 1, 2, 0, 'w1', 0, 0), (950, 2, 10, 1, 3, 0, 'w1', 0, 0),"
             " (700, 2, 13, 2, 2, 0, 'w2', 0, 0)");
  }

  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 3);
  CHECK(journal->check());
  RawDb raw(path);
  CHECK(raw.column("PRAGMA user_version") == "3");
  CHECK(raw.column("SELECT count(*) FROM sqlite_schema WHERE name = 'events'") == "0");
  CHECK(raw.column("SELECT first_task FROM jobs ORDER BY id") == "1 2 7");
  CHECK(raw.column("SELECT value FROM meta WHERE key = 'next_task_key'") == "10");
  CHECK(raw.column("SELECT key || ':' || ends FROM tasks ORDER BY key") == "1:1 2:1 5:0 9:1");

  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->next_job_id == 5);
  REQUIRE(state->jobs.size() == 3);
  REQUIRE(state->tasks.size() == 4);
  const RecoveredTask& running = state->tasks[2];
  CHECK(running.job == 2);
  CHECK(running.ordinal == 3);
  CHECK(running.worker == "w2");
  CHECK(running.record.state == pb::RUNNING);
  CHECK(running.record.attempt == 2);
  CHECK(running.record.crashes == 1);
  CHECK(running.record.start_ms == 750);
  CHECK(running.record.gpus == std::vector<std::uint32_t>{0, 1});
  CHECK(state->tasks[3].job == 4);
  CHECK(state->tasks[3].record.exit_code == 3);

  // The broker carries on where the old one stopped: the running task ends
  // in its row, and a new job's tasks go after every old range.
  Job two = make_job(2, "bob", "10-14");
  TaskRecord done = state->tasks[2].record;
  done.state = pb::COMPLETED;
  done.end_ms = 1200;
  journal->record_task(two, 3, done, "w2", 1200);
  Job five = make_job(5, "carol", "0-1");
  journal->record_job(five);
  journal->record_task(five, 1, finished_task(1, 0, 1300), "w1", 1300);
  REQUIRE(journal->commit());
  CHECK(raw.column("SELECT key || ':' || state || ':' || ends FROM tasks WHERE job = 2 ORDER BY key") ==
        "2:3:1 5:3:1");
  CHECK(raw.column("SELECT key FROM tasks WHERE job = 5") == "11");
  CHECK(journal->check());
}
