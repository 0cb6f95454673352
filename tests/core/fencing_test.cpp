// The fencing rule: every message about a running task carries its attempt,
// and one that names an attempt other than the current one is ignored.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

// Job 1 ran as attempt 1 on A; A went silent, and attempt 2 now runs on B.
struct Requeued {
  BrokerHarness h;
  JobId id = 0;
  pb::TaskRef old_attempt;

  Requeued() {
    h.register_worker("A", 1);
    id = h.submit(command("x"));
    h.tick();
    old_attempt = h.ref(id);
    REQUIRE(old_attempt.attempt() == 1);
    h.pass_time(5 * kSecond + 1);
    REQUIRE(h.worker("A")->state == WorkerState::Lost);
    h.register_worker("B", 1);
    h.tick();
    REQUIRE(h.worker_of(id) == "B");
    REQUIRE(h.task(id).attempt == 2);
    h.outbox.clear();
  }
  void check_unchanged() {
    CHECK(h.task(id).state == pb::RUNNING);
    CHECK(h.task(id).attempt == 2);
    CHECK(h.worker_of(id) == "B");
    CHECK(h.job(id).running == 1);
    CHECK(h.worker("B")->used.cpus == 1);
  }
};

}  // namespace

TEST_SUITE("core.fencing") {

TEST_CASE("a late attempt-1 result from the lost worker changes nothing; attempt 2 on B completes the task") {
  Requeued r;
  auto& h = r.h;
  const auto events_before = h.journal.events.size();

  SUBCASE("sent before the lost worker registers again: it is told to register") {
    h.finish("A", r.old_attempt, 0);
    const auto sent = h.sent_to("A");
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].has_disconnect());
    r.check_unchanged();
  }
  SUBCASE("sent after it registered again: acked, and ignored") {
    h.register_worker("A", 1);
    h.outbox.clear();
    h.finish("A", r.old_attempt, 0);
    h.tick();
    const auto sent = h.sent_to("A");
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].has_finished_ack());
    CHECK(sent[0].finished_ack().tasks(0).attempt() == 1);
    r.check_unchanged();
  }
  SUBCASE("carried as an unacked result in its new REGISTER: acked, and ignored") {
    pb::Register reg = BrokerHarness::registration("A", 1);
    *reg.add_unacked() = BrokerHarness::result(r.old_attempt, pb::EXITED, 1);
    h.register_worker(reg);
    bool acked = false;
    for (const auto& m : h.sent_to("A"))
      if (m.has_finished_ack()) acked = m.finished_ack().tasks(0).attempt() == 1;
    CHECK(acked);
    r.check_unchanged();
  }
  SUBCASE("still running there by its own account: the broker kills the stale attempt") {
    pb::Register reg = BrokerHarness::registration("A", 1);
    pb::RunningTask* rt = reg.add_running();
    *rt->mutable_task() = r.old_attempt;
    h.register_worker(reg);
    const auto kills = h.kills_to("A");
    REQUIRE(kills.size() == 1);
    CHECK(kills[0].terminate());
    CHECK(kills[0].task().attempt() == 1);
    CHECK(h.worker("A")->tasks.empty());
    r.check_unchanged();
  }
  CHECK(h.journal.events.size() == events_before);

  h.finish("B", h.ref(r.id), 0);
  CHECK(h.task(r.id).state == pb::COMPLETED);
  CHECK(h.task(r.id).attempt == 2);
  CHECK(h.job(r.id).summary() == pb::COMPLETED);
}

TEST_CASE("a result for the current attempt from a worker that does not run it is ignored") {
  Requeued r;
  r.h.register_worker("A", 1);
  r.h.finish("A", r.h.ref(r.id), 3);  // right attempt, wrong worker
  r.check_unchanged();
}

TEST_CASE("a resent result of a failed attempt does not end its retry") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("flaky");
  s.set_retries(1);
  const JobId id = h.submit(s);
  h.tick();
  const pb::TaskRef first = h.ref(id);
  h.finish("A", first, 1);
  h.tick();  // no delay: attempt 2 starts at once
  REQUIRE(h.task(id).attempt == 2);
  REQUIRE(h.task(id).state == pb::RUNNING);
  h.finish("A", first, 1);  // the worker did not see the ack and sends it again
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.task(id).attempt == 2);
  CHECK(h.task(id).failures == 1);
}

TEST_CASE("a duplicate result after the task ended is acked and changes nothing") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  const pb::TaskRef t = h.ref(id);
  h.finish("A", t, 0);
  h.tick();
  h.outbox.clear();
  h.finish("A", t, 9);
  h.tick();
  CHECK(h.task(id).state == pb::COMPLETED);
  CHECK(h.job(id).worst_code == 0);
  CHECK(h.job(id).completed == 1);
  const auto sent = h.sent_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].has_finished_ack());
}

TEST_CASE("a STARTED for an older attempt does not move the current attempt's start time") {
  Requeued r;
  auto& h = r.h;
  h.register_worker("A", 1);
  h.advance(kSecond);
  h.started("A", r.old_attempt);
  CHECK(h.task(r.id).start_ms == 0);
  h.started("B", h.ref(r.id));
  CHECK(h.task(r.id).start_ms == h.now());
}

TEST_CASE("a heartbeat that lists a stale attempt gets it killed, and keeps the current one") {
  Requeued r;
  auto& h = r.h;
  h.register_worker("A", 1);
  h.outbox.clear();
  h.heartbeat("A", {r.old_attempt});
  const auto kills = h.kills_to("A");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task().attempt() == 1);
  r.check_unchanged();
}

TEST_CASE("a Kill for a cancelled task names its current attempt") {
  Requeued r;
  auto& h = r.h;
  h.cancel("1");
  const auto kills = h.kills_to("B");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task().attempt() == 2);
  h.finish("B", h.ref(r.id), 0, pb::KILLED_CANCEL, 15);
  CHECK(h.task(r.id).state == pb::CANCELLED);
}

}  // TEST_SUITE
