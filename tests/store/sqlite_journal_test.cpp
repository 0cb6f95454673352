// What the SQLite journal promises the broker: what is committed comes back
// from load() as it was written, ids are never reused, nothing uncommitted
// survives, and every task's end is counted in its row (exactly-once evidence).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

bool same_spec(const pb::JobSpec& a, const pb::JobSpec& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

void check_same_task(const TaskRecord& got, const TaskRecord& want) {
  CHECK(got.state == want.state);
  CHECK(got.reason == want.reason);
  CHECK(got.attempt == want.attempt);
  CHECK(got.failures == want.failures);
  CHECK(got.crashes == want.crashes);
  CHECK(got.cancel_requested == want.cancel_requested);
  CHECK(got.outcome == want.outcome);
  CHECK(got.worker == kNoWorker);  // slots are the broker's; the name comes back beside the record
  CHECK(got.dispatched_ms == want.dispatched_ms);
  CHECK(got.start_ms == want.start_ms);
  CHECK(got.end_ms == want.end_ms);
  CHECK(got.eligible_ms == want.eligible_ms);
  CHECK(got.exit_code == want.exit_code);
  CHECK(got.signal == want.signal);
  CHECK(got.max_rss_kb == want.max_rss_kb);
  CHECK(got.cpu_ms == want.cpu_ms);
  CHECK(got.charged == want.charged);
  CHECK(got.gpus == want.gpus);
}

}  // namespace

TEST_CASE("a committed journal group comes back from load() field for field") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));

  Job plain = make_job(1, "alice");
  pb::JobSpec spec = plain.spec.full();
  spec.set_script(std::string("#!/bin/sh\0echo hi\n", 18));  // bytes, NUL included
  spec.add_env("HOME=/home/alice");
  spec.mutable_resources()->set_cpus(4);
  spec.mutable_resources()->set_mem_mb(8192);
  (*spec.mutable_resources()->mutable_named())["licence"] = 2;
  (*spec.mutable_constraints())["arch"] = "x86_64";
  spec.set_time_limit_s(3600);
  spec.set_priority(-5);
  spec.set_dependency("afterok:41");
  spec.set_kill_on_invalid_dep(false);
  plain.spec.assign(spec);

  Job array = make_job(2, "bob", "0-9:2");  // indices 0,2,4,6,8
  array.edit_extras().cancelled_pending.insert(3, 4);     // indices 6 and 8 cancelled before they ran
  array.pending.erase(3, 4);

  TaskRecord running;
  running.state = pb::RUNNING;
  running.attempt = 2;
  running.failures = 1;
  running.crashes = 1;
  running.cancel_requested = true;
  running.worker = 7;
  running.dispatched_ms = 1000;
  running.start_ms = 1100;
  running.eligible_ms = 900;
  running.charged = 1.5;
  running.gpus = {0, 3};

  TaskRecord failed;
  failed.state = pb::FAILED;
  failed.reason = Reason::WorkerLost;
  failed.attempt = 1;
  failed.outcome = pb::EXITED;
  failed.start_ms = 2000;
  failed.end_ms = 2500;
  failed.exit_code = 3;
  failed.signal = 9;
  failed.max_rss_kb = 5'000'000'000ULL;  // above 32 bits
  failed.cpu_ms = 42;

  journal->record_job(plain);
  journal->record_job(array);
  journal->record_task(plain, 0, running, "node-a", 1100);
  journal->record_task(array, 1, failed, "node-b", 2500);
  array.failed = 1;
  journal->record_job_state(array);
  REQUIRE(journal->commit());

  auto state = journal->load();
  REQUIRE_MESSAGE(state.is_ok(), (state.is_ok() ? "" : state.error()));
  CHECK(state->next_job_id == 3);
  REQUIRE(state->jobs.size() == 2);
  CHECK(state->jobs[0].id == 1);
  CHECK(same_spec(state->jobs[0].spec, plain.spec.full()));
  CHECK(state->jobs[0].submit_ms == plain.submit_ms);
  CHECK(state->jobs[0].cancelled_pending.empty());
  CHECK(state->jobs[1].id == 2);
  CHECK(same_spec(state->jobs[1].spec, array.spec.full()));
  CHECK(state->jobs[1].cancelled_pending == "3-4");

  REQUIRE(state->tasks.size() == 2);
  CHECK(state->tasks[0].job == 1);
  CHECK(state->tasks[0].ordinal == 0);
  CHECK(state->tasks[0].worker == "node-a");
  check_same_task(state->tasks[0].record, running);
  CHECK(state->tasks[1].job == 2);
  CHECK(state->tasks[1].ordinal == 1);
  CHECK(state->tasks[1].worker == "node-b");
  check_same_task(state->tasks[1].record, failed);
}

TEST_CASE("the journal stores a task's array index beside its ordinal") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job job = make_job(5, "alice", "10-20:5");  // ordinal 2 is index 20
  journal->record_job(job);
  journal->record_task(job, 2, finished_task(1, 0, 5000), "node-a", 5000);
  REQUIRE(journal->commit());
  RawDb raw(path);
  CHECK(raw.column("SELECT idx FROM tasks WHERE job = 5 AND ordinal = 2") == "20");
}

TEST_CASE("reopening the journal rebuilds next_job_id so ids are never reused") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto journal = open_journal(path);
    for (JobId id = 1; id <= 3; ++id) journal->record_job(make_job(id, "alice"));
    REQUIRE(journal->commit());
  }
  {
    auto journal = open_journal(path);
    auto state = journal->load();
    REQUIRE(state.is_ok());
    CHECK(state->next_job_id == 4);
    CHECK(state->jobs.size() == 3);
  }
  RawDb(path).exec("DELETE FROM jobs WHERE id = 3");  // e.g. retention, or a hand edit
  auto journal = open_journal(path);
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->next_job_id == 4);
  CHECK(state->jobs.size() == 2);
}

TEST_CASE("an empty journal hands out job id 1") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->next_job_id == 1);
  CHECK(state->jobs.empty());
  CHECK(state->tasks.empty());
}

TEST_CASE("recording a journal job again replaces its row (update, hold, release)") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  Job job = make_job(1, "alice");
  journal->record_job(job);
  REQUIRE(journal->commit());
  job.spec.edit([](pb::JobSpec& s) {
    s.set_hold(true);
    s.set_priority(10);
  });
  journal->record_job(job);
  REQUIRE(journal->commit());
  auto state = journal->load();
  REQUIRE(state.is_ok());
  REQUIRE(state->jobs.size() == 1);
  CHECK(state->jobs[0].spec.hold());
  CHECK(state->jobs[0].spec.priority() == 10);
}

TEST_CASE("nothing the journal staged without a commit survives a reopen") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  {
    auto journal = open_journal(path);
    journal->record_job(make_job(1, "alice"));
    REQUIRE(journal->commit());
    Job lost = make_job(2, "alice");
    journal->record_job(lost);
    journal->record_task(lost, 0, finished_task(1, 0, 100), "node-a", 100);
    CHECK(journal->group_open());
    // Destroyed without commit(): the crash case. The destructor rolls back.
  }
  auto journal = open_journal(path);
  auto state = journal->load();
  REQUIRE(state.is_ok());
  REQUIRE(state->jobs.size() == 1);
  CHECK(state->jobs[0].id == 1);
  CHECK(state->tasks.empty());
  CHECK(state->next_job_id == 2);
  CHECK(RawDb(path).column("SELECT count(*) FROM tasks") == "0");
}

TEST_CASE("a journal commit with nothing staged succeeds and changes nothing") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  CHECK_FALSE(journal->group_open());
  CHECK(journal->commit());
  CHECK(journal->commit());
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->jobs.empty());
}

TEST_CASE("the journal file runs in WAL mode with either sync setting") {
  TempDir dir;
  for (bool sync_full : {true, false}) {
    const std::string path = dir.file(sync_full ? "full.db" : "normal.db");
    auto journal = open_journal(path, sync_full);
    journal->record_job(make_job(1, "alice"));
    REQUIRE(journal->commit());
    CHECK(RawDb(path).column("PRAGMA journal_mode") == "wal");
  }
}

TEST_CASE("a task row keeps its latest state and counts the final states recorded for it") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job job = make_job(1, "alice", "0-1");
  journal->record_job(job);
  REQUIRE(journal->commit());

  TaskRecord t;
  t.state = pb::RUNNING;
  t.attempt = 1;
  journal->record_task(job, 0, t, "node-a", 1000);
  t.state = pb::PENDING;
  t.reason = Reason::WorkerLost;
  journal->record_task(job, 0, t, "node-a", 2000);
  REQUIRE(journal->commit());
  RawDb raw(path);
  CHECK(raw.column("SELECT ends FROM tasks") == "0");  // requeued, not ended

  t.state = pb::RUNNING;
  t.reason = Reason::None;
  t.attempt = 2;
  journal->record_task(job, 0, t, "node-b", 3000);
  journal->record_task(job, 1, finished_task(1, 0, 3500), "node-c", 3500);
  t.state = pb::FAILED;
  t.exit_code = 2;
  journal->record_task(job, 0, t, "node-b", 4000);
  REQUIRE(journal->commit());

  const std::string ordered = " FROM tasks ORDER BY ordinal";
  CHECK(raw.column("SELECT state" + ordered) == "4 3");  // FAILED COMPLETED
  CHECK(raw.column("SELECT attempt" + ordered) == "2 1");
  CHECK(raw.column("SELECT worker" + ordered) == "node-b node-c");
  CHECK(raw.column("SELECT exit_code" + ordered) == "2 0");
  CHECK(raw.column("SELECT ends" + ordered) == "1 1");

  // A result recorded twice (a broker bug) shows: that is what durability.bats looks for.
  journal->record_task(job, 1, finished_task(1, 0, 3500), "node-c", 5000);
  REQUIRE(journal->commit());
  CHECK(raw.column("SELECT ends" + ordered) == "1 2");
}

TEST_CASE("each job's task rows sit in its own key range, handed out at submit and kept across updates") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job a = make_job(1, "alice", "0-2");
  Job b = make_job(2, "bob");
  Job c = make_job(3, "carol", "0-4");
  journal->record_job(a);
  journal->record_job(b);
  journal->record_job(c);
  REQUIRE(journal->commit());
  c.spec.edit([](pb::JobSpec& s) { s.set_priority(7); });  // an update records the job again
  journal->record_job(c);
  // Interleaved, as tasks of several jobs end in one turn.
  journal->record_task(c, 4, finished_task(1, 0, 100), "w", 100);
  journal->record_task(a, 2, finished_task(1, 0, 100), "w", 100);
  journal->record_task(c, 0, finished_task(1, 0, 100), "w", 100);
  journal->record_task(b, 0, finished_task(1, 0, 100), "w", 100);
  journal->record_task(a, 0, finished_task(1, 0, 100), "w", 100);
  REQUIRE(journal->commit());

  RawDb raw(path);
  CHECK(raw.column("SELECT first_task FROM jobs ORDER BY id") == "1 4 5");
  CHECK(raw.column("SELECT value FROM meta WHERE key = 'next_task_key'") == "10");
  CHECK(raw.column("SELECT key FROM tasks ORDER BY key") == "1 3 4 5 9");
  auto state = journal->load();
  REQUIRE(state.is_ok());
  std::string order;
  for (const RecoveredTask& t : state->tasks) order += fmt::format("{}:{} ", t.job, t.ordinal);
  CHECK(order == "1:0 1:2 2:0 3:0 3:4 ");
  CHECK(journal->check());
}

TEST_CASE("after a rolled-back group the journal forgets the task keys of the jobs it recorded") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job first = make_job(1, "alice", "0-2");
  journal->record_job(first);
  journal->record_task(first, 1, finished_task(1, 0, 100), "w", 100);
  journal->abandon();  // e.g. a commit the broker knew would fail

  journal->record_task(first, 2, finished_task(1, 0, 150), "w", 150);
  Status s = journal->commit();
  REQUIRE_FALSE(s.is_ok());
  CHECK(contains(s.message(), "record_task: job 1 was never recorded"));

  Job again = make_job(1, "bob", "0-6");  // the id was never shown to anyone: handed out again
  journal->record_job(again);
  journal->record_task(again, 6, finished_task(1, 0, 200), "w", 200);
  REQUIRE(journal->commit());
  auto state = journal->load();
  REQUIRE(state.is_ok());
  REQUIRE(state->tasks.size() == 1);
  CHECK(state->tasks[0].ordinal == 6);
  CHECK(RawDb(path).column("SELECT value FROM meta WHERE key = 'next_task_key'") == "8");
  CHECK(journal->check());
}

TEST_CASE("a task of a job the journal never recorded fails the group") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job ghost = make_job(9, "alice");
  journal->record_task(ghost, 0, finished_task(1, 0, 100), "w", 100);
  Status s = journal->commit();
  REQUIRE_FALSE(s.is_ok());
  CHECK(contains(s.message(), "record_task: job 9 was never recorded"));
  CHECK(RawDb(path).column("SELECT count(*) FROM tasks") == "0");
}

TEST_CASE("task rows of an open group, written in batches or not yet, are seen by its reads and kept only by its commit") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job job = make_job(1, "alice", "0-99");
  journal->record_job(job);
  REQUIRE(journal->commit());

  // 41 rows: more than two full batches and some left over, every row different.
  auto write = [&](int n) {
    for (int i = 0; i < n; ++i) {
      TaskRecord t = finished_task(1, i % 3, 1000 + i);
      if (i % 5 == 0) t.gpus = {static_cast<std::uint32_t>(i)};
      journal->record_task(job, static_cast<std::uint64_t>(i), t, "node-" + std::to_string(i % 4), 1000 + i);
    }
  };
  auto summary = [](const RecoveredState& state) {
    std::string out;
    for (const RecoveredTask& t : state.tasks)
      out += fmt::format("{}:{}:{}:{}:{} ", t.ordinal, t.record.exit_code, t.record.end_ms, t.worker,
                         t.record.gpus.empty() ? -1 : static_cast<int>(t.record.gpus[0]));
    return out;
  };
  std::string want;
  for (int i = 0; i < 41; ++i)
    want += fmt::format("{}:{}:{}:node-{}:{} ", i, i % 3, 1000 + i, i % 4, i % 5 == 0 ? i : -1);

  write(41);
  auto inside = journal->load();  // reads through the open group
  REQUIRE(inside.is_ok());
  CHECK(summary(*inside) == want);
  CHECK(journal->check());
  journal->abandon();
  auto after_abandon = journal->load();
  REQUIRE(after_abandon.is_ok());
  CHECK(after_abandon->tasks.empty());

  write(41);
  REQUIRE(journal->commit());
  auto reopened = open_journal(path)->load();
  REQUIRE(reopened.is_ok());
  CHECK(summary(*reopened) == want);
  CHECK(RawDb(path).column("SELECT sum(ends) FROM tasks") == "41");
}
