// The worker's side of prefetch: a task the broker hands over while the
// worker is full waits, starts the moment a running task ends, and leaves
// cleanly when it is cancelled or the worker drains.
#include <doctest/doctest.h>

#include "worker_harness.h"

using namespace baton;
using namespace baton::test;
using namespace baton::test::worker_test;

namespace {

pb::Assignment queued(JobId job, TaskIndex index, Attempt attempt = 1) {
  pb::Assignment a = array_assignment(job, index, attempt);
  a.set_queued(true);
  return a;
}

// A 4-cpu worker running two 2-cpu tasks of job 7 (pids 1000 and 1001).
void fill(WorkerHarness& w) {
  w.connect();
  w.assign(array_assignment(7, 0, 1));
  pb::Assignment second = array_assignment(7, 1, 1);
  second.clear_spec();
  second.set_spec_cached(true);
  w.assign(second);
  REQUIRE(w.launcher.launched.size() == 2);
  w.outbox.take();
}

}  // namespace

TEST_SUITE("core.worker_prefetch") {

TEST_CASE("a queued task waits while the worker is full, and starts when a task ends, before that task's result") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2));
  CHECK(w.launcher.launched.size() == 2);
  CHECK(w.engine.queued() == 1);
  CHECK(w.outbox.take().empty());  // no Started for it yet

  w.clock.advance(5);
  w.exit(1000, 0);
  REQUIRE(w.launcher.launched.size() == 3);
  CHECK(w.launcher.launched[2].task.index == 2);
  CHECK(w.engine.queued() == 0);
  CHECK(w.engine.running() == 2);
  auto sent = w.outbox.take();
  REQUIRE(sent.size() == 2);
  REQUIRE(sent[0].message.has_started());
  CHECK(sent[0].message.started().task().index() == 2);
  CHECK(sent[0].message.started().start_ms() == w.now());
  REQUIRE(sent[1].message.has_finished());
  CHECK(sent[1].message.finished().result().task().index() == 0);
}

TEST_CASE("a queued task that fits starts at once; one too big for what is free waits, and later ones may pass it") {
  WorkerHarness w;
  w.connect();
  w.assign(queued(7, 0));  // 2 of 4 cpus free: starts
  CHECK(w.launcher.launched.size() == 1);
  pb::JobSpec big = spec("big");
  big.mutable_resources()->set_cpus(4);
  pb::Assignment b = assignment(8, 0, 1, big);
  b.set_queued(true);
  w.assign(b);  // needs 4, 2 free: waits
  CHECK(w.engine.queued() == 1);
  w.assign(queued(7, 1));  // needs 2, 2 free: starts, ahead of the big one
  CHECK(w.launcher.launched.size() == 2);
  CHECK(w.engine.queued() == 1);

  w.exit(1000, 0);
  CHECK(w.engine.queued() == 1);  // 2 free, still not 4
  w.exit(1001, 0);
  REQUIRE(w.launcher.launched.size() == 3);
  CHECK(w.launcher.launched[2].task.job == 8);
  CHECK(w.engine.queued() == 0);
}

TEST_CASE("heartbeats and a new registration list queued tasks with the running ones, without a start time") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2));
  w.advance(kSecond);
  std::size_t listed = 0;
  for (auto& o : w.outbox.take())
    if (o.message.has_heartbeat()) listed = o.message.heartbeat().running_size();
  CHECK(listed == 3);

  const pb::Register reg = w.connect();
  REQUIRE(reg.running_size() == 3);
  int unstarted = 0;
  for (const auto& rt : reg.running()) unstarted += rt.start_ms() == 0 ? 1 : 0;
  CHECK(unstarted == 1);

  // The job's spec survives the reconnect, so the queued task can still start.
  w.exit(1000, 0);
  CHECK(w.launcher.launched.size() == 3);
  CHECK(w.results().size() == 1);
}

TEST_CASE("cancelling a queued task reports it at once with nothing signalled; a signal alone is ignored") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2, 3));
  w.kill(ref(7, 3, 2), /*terminate=*/false, SIGUSR1);
  CHECK(w.launcher.signals.empty());
  CHECK(w.engine.queued() == 1);

  w.kill(ref(7, 3, 2), /*terminate=*/true);
  CHECK(w.launcher.signals.empty());
  CHECK(w.engine.queued() == 0);
  auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].task().index() == 2);
  CHECK(results[0].outcome() == pb::KILLED_CANCEL);

  w.exit(1000, 0);
  CHECK(w.launcher.launched.size() == 2);  // nothing left to start
}

TEST_CASE("draining hands queued tasks back at once and starts none of them") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2));
  w.assign(queued(7, 3));
  w.engine.drain(w.now());
  auto results = w.results();
  REQUIRE(results.size() == 2);
  for (const auto& r : results) CHECK(r.outcome() == pb::HANDED_BACK);
  CHECK(w.engine.queued() == 0);
  w.exit(1000, 0);
  CHECK(w.launcher.launched.size() == 2);
}

TEST_CASE("a newer attempt replaces a queued one that never started; a duplicate is ignored") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2, 1));
  w.assign(queued(7, 2, 1));
  CHECK(w.engine.queued() == 1);
  w.assign(queued(7, 2, 2));
  CHECK(w.engine.queued() == 1);
  w.exit(1000, 0);
  REQUIRE(w.launcher.launched.size() == 3);
  CHECK(w.launcher.launched[2].attempt == 2);
}

// worker.report_batch: the loop asks hold_output() before it sends the outbox.
TEST_CASE("while a queued task waits behind the running ones, results wait up to report_batch and then go together") {
  WorkerHarness w;  // report_batch_ms 5, the default
  fill(w);
  w.assign(queued(7, 2));
  w.assign(queued(7, 3));
  w.exit(1000, 0);  // task 0 ends, queued 2 starts; 3 still waits
  REQUIRE(w.engine.queued() == 1);
  CHECK(w.engine.hold_output(w.now()));
  CHECK(w.engine.next_deadline() == w.now() + 5);
  w.clock.advance(3);
  w.exit(1001, 0);  // task 1 ends, 3 starts: nothing is queued any more
  CHECK(w.engine.queued() == 0);
  CHECK_FALSE(w.engine.hold_output(w.now()));  // the broker has room to fill: send now
  auto sent = w.outbox.take();
  CHECK(sent.size() == 4);  // two starts, two results, in the order they happened
  CHECK(sent[1].message.finished().result().task().index() == 0);
  CHECK(sent[3].message.finished().result().task().index() == 1);
}

TEST_CASE("a task that started and ended within one batch is reported by its result alone, which has its start") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2));
  w.assign(queued(7, 3));
  w.assign(queued(7, 4));
  w.exit(1000, 0);  // task 0 ends, 2 starts (pid 1002)
  const TimeMs started = w.now();
  CHECK(w.engine.hold_output(w.now()));
  w.clock.advance(2);
  w.exit(1002, 0);  // task 2 ends, 3 starts (pid 1003); 4 still waits
  CHECK(w.engine.hold_output(w.now()));
  w.clock.advance(3);
  CHECK_FALSE(w.engine.hold_output(w.now()));
  auto sent = w.outbox.take();
  REQUIRE(sent.size() == 3);
  REQUIRE(sent[0].message.has_finished());
  CHECK(sent[0].message.finished().result().task().index() == 0);
  REQUIRE(sent[1].message.has_started());  // task 3 still runs: its start is news
  CHECK(sent[1].message.started().task().index() == 3);
  REQUIRE(sent[2].message.has_finished());
  CHECK(sent[2].message.finished().result().task().index() == 2);
  CHECK(sent[2].message.finished().result().start_ms() == started);
  CHECK(sent[2].message.finished().result().end_ms() == started + 2);
}

TEST_CASE("held results go out report_batch after the first one even while tasks stay queued") {
  WorkerHarness w;
  fill(w);
  w.assign(queued(7, 2));
  w.assign(queued(7, 3));
  w.assign(queued(7, 4));
  w.exit(1000, 0);
  const TimeMs first = w.now();
  CHECK(w.engine.hold_output(w.now()));
  w.clock.advance(4);
  CHECK(w.engine.hold_output(w.now()));
  CHECK(w.engine.next_deadline() == first + 5);
  w.clock.advance(1);
  CHECK_FALSE(w.engine.hold_output(w.now()));
  w.outbox.take();  // the loop sent them
  CHECK_FALSE(w.engine.hold_output(w.now()));  // nothing to hold
  CHECK(w.engine.next_deadline() > w.now() + 5);  // no wait left behind
}

TEST_CASE("results go at once with an empty queue, while draining, and with report_batch 0") {
  {
    WorkerHarness w;
    fill(w);
    w.exit(1000, 0);
    CHECK_FALSE(w.engine.hold_output(w.now()));
  }
  {
    WorkerConfig c = config();
    c.report_batch_ms = 0;
    WorkerHarness w(c);
    fill(w);
    w.assign(queued(7, 2));
    w.assign(queued(7, 3));
    w.exit(1000, 0);
    CHECK_FALSE(w.engine.hold_output(w.now()));
  }
  {
    WorkerHarness w;
    fill(w);
    w.assign(queued(7, 2));
    w.exit(1000, 0);
    w.engine.drain(w.now());
    CHECK_FALSE(w.engine.hold_output(w.now()));
  }
}

}  // TEST_SUITE
