// The broker's side of prefetch: which tasks it hands to a full worker ahead
// of time, how many, and that the slot they will take is not given away; and
// the other per-task saving, one ack per worker and turn.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec array(const std::string& name, const std::string& expr, std::uint32_t cpus = 1) {
  pb::JobSpec s = command(name, cpus);
  s.set_array(expr);
  return s;
}

// Prefetch depth 1 (one queued task per cpu), so the counts below stay small.
BrokerConfig depth1() {
  BrokerConfig cfg;
  cfg.scheduler.prefetch = 1;
  return cfg;
}

std::size_t count_queued(const std::vector<pb::Assignment>& as) {
  return std::count_if(as.begin(), as.end(), [](const pb::Assignment& a) { return a.queued(); });
}

// Runs the task for `ms` on its worker: Started, time passes, Finished (exit 0).
void run(BrokerHarness& h, JobId id, std::uint64_t ordinal, TimeMs ms) {
  const std::string w = h.worker_of(id, ordinal);
  const pb::TaskRef r = h.ref(id, ordinal);
  h.started(w, r);
  h.advance(ms);
  h.finish(w, r);
  h.tick();
}

}  // namespace

TEST_SUITE("core.prefetch") {

TEST_CASE("once a job's tasks prove short, a full worker gets one queued task per cpu") {
  BrokerHarness h(depth1());
  h.register_worker("A", 2);
  const JobId id = h.submit(array("tiny", "0-99"));
  h.tick();
  auto first = h.assigned_to("A");
  CHECK(first.size() == 2);
  CHECK(count_queued(first) == 0);  // nothing is known of the job yet

  run(h, id, 0, 5);
  auto next = h.assigned_to("A");
  REQUIRE(next.size() == 3);  // the freed slot, then two queued
  CHECK_FALSE(next[0].queued());
  CHECK(count_queued(next) == 2);
  CHECK(h.worker("A")->used.cpus == 4);
  CHECK(h.job(id).running == 4);

  h.tick();
  CHECK(h.assigned_to("A").empty());  // the queue is full

  // A task ends; the worker starts a queued one in its slot; the broker
  // refills the queue.
  run(h, id, 1, 5);
  auto refill = h.assigned_to("A");
  REQUIRE(refill.size() == 1);
  CHECK(refill[0].queued());
  CHECK(h.worker("A")->used.cpus == 4);
}

TEST_CASE("the slot a queued task will take is not given to another job") {
  BrokerHarness h(depth1());
  h.register_worker("A", 1);
  const JobId tiny = h.submit(array("tiny", "0-9"));
  h.tick();
  run(h, tiny, 0, 5);  // ordinal 1 runs, 2 is queued
  CHECK(h.worker("A")->used.cpus == 2);
  const JobId other = h.submit(command("other"));
  h.assigned_to("A");

  run(h, tiny, 1, 5);  // 2 takes the slot on the worker; 3 is queued
  CHECK(h.job(other).tasks.empty());
  auto as = h.assigned_to("A");
  for (const auto& a : as) CHECK(a.task().job() == tiny);
}

TEST_CASE("no prefetch when it is off, for jobs whose tasks run long, or for tasks needing GPUs") {
  SUBCASE("off") {
    BrokerConfig cfg;
    cfg.scheduler.prefetch = 0;
    BrokerHarness h(cfg);
    h.register_worker("A", 1);
    const JobId id = h.submit(array("tiny", "0-9"));
    h.tick();
    run(h, id, 0, 5);
    CHECK(count_queued(h.assigned_to("A")) == 0);
    CHECK(h.worker("A")->used.cpus == 1);
  }
  SUBCASE("long tasks") {
    BrokerHarness h;
    h.register_worker("A", 1);
    const JobId id = h.submit(array("slow", "0-9"));
    h.tick();
    run(h, id, 0, 5 * kSecond);
    CHECK(count_queued(h.assigned_to("A")) == 0);
  }
  SUBCASE("GPUs") {
    BrokerHarness h;
    pb::Register r = BrokerHarness::registration("A", 1);
    r.add_gpu_ids(0);
    h.register_worker(r);
    pb::JobSpec s = array("gpu", "0-9");
    s.mutable_resources()->set_gpus(1);
    const JobId id = h.submit(s);
    h.tick();
    h.assigned_to("A");
    run(h, id, 0, 5);
    auto as = h.assigned_to("A");
    CHECK(as.size() == 1);
    CHECK(count_queued(as) == 0);
  }
}

TEST_CASE("by default a full worker holds up to four queued tasks per cpu, for jobs of tasks under 200 ms") {
  BrokerHarness h;
  h.register_worker("A", 2);
  const JobId fast = h.submit(array("fast", "0-99"));
  h.tick();
  h.assigned_to("A");
  run(h, fast, 0, 150);
  CHECK(count_queued(h.assigned_to("A")) == 8);
  CHECK(h.worker("A")->used.cpus == 10);

  BrokerHarness slow_h;
  slow_h.register_worker("A", 2);
  const JobId slow = slow_h.submit(array("slow", "0-99"));
  slow_h.tick();
  slow_h.assigned_to("A");
  run(slow_h, slow, 0, 250);
  CHECK(count_queued(slow_h.assigned_to("A")) == 0);
}

TEST_CASE("queued tasks count against an array's throttle") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(array("tiny", "0-9%2"));
  h.tick();
  h.assigned_to("A");
  run(h, id, 0, 5);
  auto as = h.assigned_to("A");
  REQUIRE(as.size() == 2);  // one running, one queued: the throttle's 2
  CHECK(count_queued(as) == 1);
  CHECK(h.job(id).running == 2);
}

TEST_CASE("a lost worker's queued tasks go back to pending with its running ones") {
  BrokerHarness h(depth1());
  h.register_worker("A", 1);
  const JobId id = h.submit(array("tiny", "0-9"));
  h.tick();
  run(h, id, 0, 5);
  CHECK(h.job(id).running == 2);
  h.pass_time(10 * kSecond);  // A stays silent
  CHECK(h.job(id).running == 0);
  CHECK(h.job(id).pending.size() == 9);
}

TEST_CASE("results that arrive in one turn are acked in one message, after the turn's work") {
  BrokerHarness h;
  h.register_worker("A", 3);
  const JobId id = h.submit(array("tiny", "0-2"));
  h.tick();
  h.sent_to("A");
  for (std::uint64_t o = 0; o < 3; ++o) h.finish("A", h.ref(id, o));
  CHECK(h.sent_to("A").empty());
  h.tick();
  const auto sent = h.sent_to("A");
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].has_finished_ack());
  CHECK(sent[0].finished_ack().tasks_size() == 3);
}

}  // TEST_SUITE
