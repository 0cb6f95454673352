// `baton journal check` and `baton journal backup`.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

TEST_CASE("journal check passes a healthy journal and lists broken invariants") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  for (JobId id = 1; id <= 3; ++id) journal->record_job(make_job(id, "alice"));
  REQUIRE(journal->commit());
  CHECK(journal->check());

  RawDb raw(path);
  raw.exec("UPDATE meta SET value = 2 WHERE key = 'next_job_id'");
  raw.exec("UPDATE jobs SET spec = x'ff' WHERE id = 1");
  raw.exec("INSERT INTO tasks SELECT 900, 77, 0, 0, 1, 0, 0, 0, 0, 0, 0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, '', 0");
  raw.exec("INSERT INTO tasks SELECT 901, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, '', 0");
  raw.exec("UPDATE meta SET value = 3 WHERE key = 'next_task_key'");
  Status s = journal->check();
  REQUIRE_FALSE(s.is_ok());
  CHECK(contains(s.message(), "journal " + path + " failed its check: "));
  CHECK(contains(s.message(), "next_job_id 2 is not above the highest job id 3"));
  CHECK(contains(s.message(), "tasks of job 77 have no job row"));
  CHECK(contains(s.message(), "job 2 task ordinal 0 is stored under key 901, outside its job's range"));
  CHECK(contains(s.message(), "next_task_key 3 is inside a job's task key range (which ends at 4)"));
  CHECK(contains(s.message(), "job 1: the stored spec does not parse"));
}

TEST_CASE("a journal backup is one standalone file that opens with the same state") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  const std::string copy = dir.file("backup.db");
  auto journal = open_journal(path);
  Job job = make_job(1, "alice");
  journal->record_job(job);
  journal->record_task(job, 0, finished_task(1, 0, 100), "node-a", 100);
  REQUIRE(journal->commit());

  journal->record_job(make_job(2, "alice"));  // staged, not committed
  Status refused = journal->backup(copy);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(contains(refused.message(), "commit it first"));
  REQUIRE(journal->commit());

  Status s = journal->backup(copy);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK_FALSE(std::filesystem::exists(copy + ".partial"));
  CHECK_FALSE(std::filesystem::exists(copy + "-wal"));
  CHECK(RawDb(copy).column("PRAGMA journal_mode") == "delete");

  auto restored = open_journal(copy);
  CHECK(restored->check());
  auto state = restored->load();
  REQUIRE(state.is_ok());
  CHECK(state->next_job_id == 3);
  CHECK(state->jobs.size() == 2);
  CHECK(state->tasks.size() == 1);
  restored.reset();

  Status again = journal->backup(copy);  // replaces the old backup
  CHECK_MESSAGE(again.is_ok(), again.message());
  Status onto_itself = journal->backup(path);
  REQUIRE_FALSE(onto_itself.is_ok());
  CHECK(contains(onto_itself.message(), "cannot back up onto the journal itself"));
}
