// `baton history` reads finished jobs from the journal, newest first.
#include <doctest/doctest.h>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

std::string ids(const std::vector<pb::JobInfo>& jobs) {
  std::string out;
  for (const pb::JobInfo& j : jobs) out += (out.empty() ? "" : " ") + std::to_string(j.id());
  return out;
}

// Jobs 1-5 finished (end times out of id order), job 6 still running.
void record_jobs(SqliteJournal& journal) {
  const struct {
    JobId id;
    const char* user;
    TimeMs end_ms;
  } finished[] = {{1, "alice", 5000}, {2, "bob", 1000}, {3, "alice", 3000}, {4, "bob", 4000}, {5, "alice", 2000}};
  for (const auto& f : finished) {
    Job job = make_job(f.id, f.user);
    journal.record_job(job);
    journal.record_task(job, 0, finished_task(1, 0, f.end_ms), "node-a", f.end_ms);
    finish(job, f.end_ms);
    journal.record_job_state(job);
  }
  Job running = make_job(6, "alice");
  journal.record_job(running);
}

Result<std::vector<pb::JobInfo>> history(SqliteJournal& journal, const pb::HistoryRequest& filter) {
  auto h = journal.history(filter);
  REQUIRE_MESSAGE(h.is_ok(), (h.is_ok() ? "" : h.error()));
  return h;
}

Result<std::vector<pb::JobInfo>> history(SqliteJournal& journal, TimeMs since, std::uint32_t limit,
                                         const std::string& user) {
  pb::HistoryRequest f;
  f.set_since_ms(since);
  f.set_limit(limit);
  f.set_user(user);
  return history(journal, f);
}

}  // namespace

TEST_CASE("journal history lists finished jobs newest first, honouring since, limit and user") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  record_jobs(*journal);
  REQUIRE(journal->commit());

  CHECK(ids(*history(*journal, 0, 0, "")) == "1 4 3 5 2");
  CHECK(ids(*history(*journal, 0, 2, "")) == "1 4");
  CHECK(ids(*history(*journal, 0, 0, "bob")) == "4 2");
  CHECK(ids(*history(*journal, 3000, 0, "")) == "1 4 3");
  CHECK(ids(*history(*journal, 3000, 1, "alice")) == "1");
  CHECK(ids(*history(*journal, 0, 0, "carol")).empty());
}

TEST_CASE("journal history filters by end-time window, final state, name and job ids") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  record_jobs(*journal);
  Job failed = make_job(7, "carol");
  failed.spec.edit([](pb::JobSpec& s) { s.set_name("nightly"); });
  journal->record_job(failed);
  TaskRecord t = finished_task(1, 0, 6000);
  t.state = pb::FAILED;
  t.exit_code = 2;
  journal->record_task(failed, 0, t, "node-b", 6000);
  failed.pending.clear();
  failed.failed = 1;
  failed.worst_code = 2;
  failed.end_ms = 6000;
  journal->record_job_state(failed);
  REQUIRE(journal->commit());

  pb::HistoryRequest f;
  f.set_until_ms(4000);  // ended before 4000
  CHECK(ids(*history(*journal, f)) == "3 5 2");
  f.set_since_ms(2000);
  CHECK(ids(*history(*journal, f)) == "3 5");

  pb::HistoryRequest by_state;
  by_state.add_states(pb::FAILED);
  CHECK(ids(*history(*journal, by_state)) == "7");
  by_state.add_states(pb::COMPLETED);
  CHECK(ids(*history(*journal, by_state)) == "7 1 4 3 5 2");

  pb::HistoryRequest by_name;
  by_name.set_name("nightly");
  CHECK(ids(*history(*journal, by_name)) == "7");

  pb::HistoryRequest by_id;
  by_id.add_jobs(2);
  by_id.add_jobs(4);
  by_id.add_jobs(6);  // still running: not history
  CHECK(ids(*history(*journal, by_id)) == "4 2");
  by_id.set_user("alice");
  CHECK(ids(*history(*journal, by_id)).empty());
}

TEST_CASE("journal history carries each finished job's summary and its tasks") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  Job job = make_job(7, "alice", "0-2%2");
  job.spec.edit([](pb::JobSpec& s) {
    s.set_queue("gpu");
    s.set_throttle(2);
    s.set_priority(3);
  });
  journal->record_job(job);
  TaskRecord lost = finished_task(2, 0, 9000);
  lost.state = pb::FAILED;
  lost.reason = Reason::WorkerLost;
  lost.signal = 9;
  journal->record_task(job, 0, finished_task(1, 0, 8000), "node-a", 8000);
  journal->record_task(job, 2, lost, "node-b", 9000);
  job.edit_extras().cancelled_pending.insert(1);
  job.pending.clear();
  job.completed = 1;
  job.failed = 1;
  job.worst_code = 137;
  job.end_ms = 9000;
  journal->record_job_state(job);
  REQUIRE(journal->commit());

  auto h = history(*journal, 0, 0, "");
  REQUIRE(h->size() == 1);
  const pb::JobInfo& info = h->front();
  CHECK(info.id() == 7);
  CHECK(info.name() == "job7");
  CHECK(info.user() == "alice");
  CHECK(info.state() == pb::FAILED);
  CHECK(info.submit_ms() == job.submit_ms);
  CHECK(info.is_array());
  CHECK(info.total_tasks() == 3);
  CHECK(info.wait_code() == 137);
  CHECK(info.array() == "0-2");
  CHECK(info.throttle() == 2);
  CHECK(info.queue() == "gpu");
  CHECK(info.priority() == 3);
  REQUIRE(info.tasks_size() == 2);
  CHECK(info.tasks(0).index() == 0);
  CHECK(info.tasks(0).state() == pb::COMPLETED);
  CHECK(info.tasks(0).worker() == "node-a");
  CHECK(info.tasks(0).max_rss_kb() == 1024);
  CHECK(info.tasks(0).cpu_ms() == 700);
  CHECK(info.tasks(1).index() == 2);
  CHECK(info.tasks(1).state() == pb::FAILED);
  CHECK(info.tasks(1).reason() == "WorkerLost");
  CHECK(info.tasks(1).attempt() == 2);
  CHECK(info.tasks(1).signal() == 9);
  CHECK(info.tasks(1).start_ms() == 7500);
  CHECK(info.tasks(1).end_ms() == 9000);
  CHECK(info.tasks(1).outcome() == pb::EXITED);
}

TEST_CASE("retention purges finished jobs that ended before the cutoff, and their tasks, in batches") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  record_jobs(*journal);  // ended: 2@1000, 5@2000, 3@3000, 4@4000, 1@5000; 6 running
  REQUIRE(journal->commit());

  // A budget of 1 row per call: job 2's task, then job 2, then job 5's task...
  auto one = journal->purge(2500, 1);
  REQUIRE(one.is_ok());
  CHECK(*one == 1);
  REQUIRE(journal->commit());
  CHECK(RawDb(path).column("SELECT count(*) FROM tasks WHERE job = 2") == "0");
  CHECK(RawDb(path).column("SELECT count(*) FROM jobs WHERE id = 2") == "1");

  auto rest = journal->purge(2500, 100);
  REQUIRE(rest.is_ok());
  CHECK(*rest < 100);  // nothing older is left
  REQUIRE(journal->commit());
  CHECK(ids(*history(*journal, 0, 0, "")) == "1 4 3");
  CHECK(RawDb(path).column("SELECT count(*) FROM tasks WHERE job IN (2, 5)") == "0");
  CHECK(RawDb(path).column("SELECT group_concat(job) FROM tasks") == "1,3,4");
  CHECK(RawDb(path).column("SELECT count(*) FROM jobs WHERE id = 6") == "1");  // active: never purged

  auto none = journal->purge(2500, 100);
  REQUIRE(none.is_ok());
  CHECK(*none == 0);
  REQUIRE(journal->commit());
  CHECK(journal->check());
}
