// What a replicated broker relies on: a turn's writes recorded as a
// pb::JournalBatch and applied to another SQLite file leave exactly the rows
// the same writes leave when made directly, and a replayed batch changes
// nothing.
#include <doctest/doctest.h>

#include "store/journal_batch.h"
#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

const char* kRows =
    "SELECT id || '|' || name || '|' || user || '|' || submit_ms || '|' || state || '|' || end_ms || '|' || "
    "wait_code || '|' || is_array || '|' || n_tasks || '|' || hex(spec) || '|' || cancelled || '|' || first_task "
    "FROM jobs ORDER BY id";
const char* kTasks =
    "SELECT key || '|' || job || '|' || ordinal || '|' || idx || '|' || state || '|' || attempt || '|' || worker || "
    "'|' || exit_code || '|' || max_rss_kb || '|' || cpu_ms || '|' || gpus || '|' || ends FROM tasks ORDER BY key";

// One turn's writes, to any Journal: two jobs, an array, task transitions.
void write_turn(Journal& j) {
  Job a = make_job(1, "ann");
  Job b = make_job(2, "bob", "0-9");
  j.record_job(a);
  j.record_job(b);
  TaskRecord running;
  running.state = pb::RUNNING;
  running.attempt = 1;
  running.start_ms = 1000;
  running.gpus = {0, 3};
  j.record_task(b, 4, running, "node1", 1000);
  j.record_task(b, 4, finished_task(1, 3, 2000), "node1", 2000);
  j.record_task(a, 0, finished_task(1, 0, 2100), "node2", 2100);
  finish(a, 2100);
  j.record_job_state(a);
}

}  // namespace

TEST_CASE("a batch applied to a journal leaves the rows that direct writes leave") {
  TempDir dir;
  auto direct = open_journal(dir.file("direct.db"));
  write_turn(*direct);
  REQUIRE(direct->commit().is_ok());

  BatchJournal batch;
  write_turn(batch);
  CHECK(batch.batch().ops_size() == 6);
  auto replica = open_journal(dir.file("replica.db"));
  REQUIRE(replica->apply(batch.batch(), 7).is_ok());

  RawDb d(dir.file("direct.db")), r(dir.file("replica.db"));
  CHECK(r.column(kRows) == d.column(kRows));
  CHECK(r.column(kTasks) == d.column(kTasks));
  CHECK(!d.column(kTasks).empty());
  CHECK(replica->applied_index().value() == 7);
  CHECK(direct->applied_index().value() == 0);
}

TEST_CASE("a batch at or below the applied index is skipped, so replaying the log counts no task end twice") {
  TempDir dir;
  auto j = open_journal(dir.file("j.db"));
  BatchJournal batch;
  write_turn(batch);
  REQUIRE(j->apply(batch.batch(), 5).is_ok());
  REQUIRE(j->apply(batch.batch(), 5).is_ok());
  REQUIRE(j->apply(batch.batch(), 3).is_ok());
  RawDb raw(dir.file("j.db"));
  CHECK(raw.column("SELECT sum(ends) FROM tasks") == "2");
  // The same rows at a new index are a new turn: ends counts them again.
  REQUIRE(j->apply(batch.batch(), 6).is_ok());
  CHECK(raw.column("SELECT sum(ends) FROM tasks") == "4");
  CHECK(j->applied_index().value() == 6);
}

TEST_CASE("a failing batch leaves nothing behind, not even its index") {
  TempDir dir;
  auto j = open_journal(dir.file("j.db"));
  BatchJournal batch;
  Job a = make_job(1, "ann");
  // A task of a job that was never recorded: the whole batch is refused.
  batch.record_task(a, 0, finished_task(1, 0, 10), "w", 10);
  const Status s = j->apply(batch.batch(), 1);
  CHECK(!s.is_ok());
  CHECK(contains(s.message(), "never recorded"));
  CHECK(j->applied_index().value() == 0);
  batch.clear();
  batch.record_job(a);
  REQUIRE(j->apply(batch.batch(), 1).is_ok());
  CHECK(j->applied_index().value() == 1);
}

TEST_CASE("a replicated purge deletes the same old jobs as the single broker's") {
  TempDir dir;
  auto j = open_journal(dir.file("j.db"));
  BatchJournal batch;
  Job old = make_job(1, "ann"), fresh = make_job(2, "ann");
  batch.record_job(old);
  batch.record_job(fresh);
  finish(old, 100);
  finish(fresh, 5000);
  batch.record_job_state(old);
  batch.record_job_state(fresh);
  batch.record_purge(1000, 100);
  REQUIRE(j->apply(batch.batch(), 1).is_ok());
  RawDb raw(dir.file("j.db"));
  CHECK(raw.column("SELECT id FROM jobs") == "2");
}

TEST_CASE("a task row carries every field of its record through the batch") {
  TaskRecord t = finished_task(3, 9, 5000);
  t.reason = Reason::Held;
  t.failures = 2;
  t.crashes = 1;
  t.cancel_requested = true;
  t.eligible_ms = 777;
  t.signal = 15;
  t.charged = 0.25;
  t.gpus = {1, 2};
  BatchJournal batch;
  Job job = make_job(4, "ann", "0-3");
  batch.record_task(job, 2, t, "w9", 0);
  const pb::TaskRow& row = batch.batch().ops(0).task();
  CHECK(row.worker() == "w9");
  CHECK(row.index() == 2);
  const TaskRecord back = task_record(row);
  CHECK(back.state == t.state);
  CHECK(back.reason == t.reason);
  CHECK(back.attempt == t.attempt);
  CHECK(back.failures == t.failures);
  CHECK(back.crashes == t.crashes);
  CHECK(back.cancel_requested);
  CHECK(back.outcome == t.outcome);
  CHECK(back.dispatched_ms == t.dispatched_ms);
  CHECK(back.start_ms == t.start_ms);
  CHECK(back.end_ms == t.end_ms);
  CHECK(back.eligible_ms == 777);
  CHECK(back.exit_code == 9);
  CHECK(back.signal == 15);
  CHECK(back.max_rss_kb == t.max_rss_kb);
  CHECK(back.cpu_ms == t.cpu_ms);
  CHECK(back.charged == 0.25);
  CHECK(back.gpus == t.gpus);
}
