// Cron entries in the SQLite journal: stored whole, in the same group as the
// run's job, loaded back at start-up; schema version 3 adds their table.
#include <doctest/doctest.h>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

pb::CronEntry cron_entry(const std::string& name, TimeMs last) {
  pb::CronEntry e;
  e.set_name(name);
  e.set_user("alice");
  e.set_schedule("*/5 * * * *");
  e.set_last_scheduled_ms(last);
  e.mutable_spec()->add_argv("backup.sh");
  e.add_runs()->set_job_id(7);
  return e;
}

}  // namespace

TEST_CASE("a cron entry is stored whole, replaced by name, removed, and loaded back") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  journal->record_cron(cron_entry("backup", 1000));
  journal->record_cron(cron_entry("report", 2000));
  REQUIRE(journal->commit());
  journal->record_cron(cron_entry("backup", 3000));
  journal->remove_cron("report");
  REQUIRE(journal->commit());
  CHECK(RawDb(path).column("SELECT name || ':' || last_scheduled_ms FROM cron") == "backup:3000");

  auto state = journal->load();
  REQUIRE(state.is_ok());
  REQUIRE(state->cron.size() == 1);
  CHECK(state->cron[0].name() == "backup");
  CHECK(state->cron[0].last_scheduled_ms() == 3000);
  CHECK(state->cron[0].spec().argv(0) == "backup.sh");
  CHECK(state->cron[0].runs(0).job_id() == 7);
}

TEST_CASE("a run's job and its entry's last scheduled time commit together, or neither does") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto journal = open_journal(path);
    journal->record_cron(cron_entry("backup", 1000));
    REQUIRE(journal->commit());
    Job run = make_job(1, "alice");
    journal->record_job(run);
    journal->record_cron(cron_entry("backup", 2000));
    // Destroyed without commit: the broker crashed in the middle of the turn.
  }
  auto journal = open_journal(path);
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->jobs.empty());
  REQUIRE(state->cron.size() == 1);
  CHECK(state->cron[0].last_scheduled_ms() == 1000);
}

TEST_CASE("a version 2 journal is migrated to version 3 with an empty cron table, its jobs kept") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto journal = open_journal(path);
    Job job = make_job(1, "alice");
    journal->record_job(job);
    REQUIRE(journal->commit());
  }
  RawDb(path).exec("DROP TABLE cron; PRAGMA user_version = 2");
  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 3);
  CHECK(journal->check());
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->jobs.size() == 1);
  CHECK(state->cron.empty());
  journal->record_cron(cron_entry("backup", 1000));
  CHECK(journal->commit());
}
