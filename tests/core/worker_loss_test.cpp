// Losing a worker: its tasks go back to pending with the next attempt, and a
// task that keeps losing its workers fails once past crash_limit.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.worker_loss") {

TEST_CASE("a silent worker is declared lost and its task goes back to PENDING (WorkerLost), then runs elsewhere as attempt 2") {
  BrokerHarness h;  // heartbeat 1 s, liveness 5
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  const auto first = h.assigned_to("A");
  REQUIRE(first.size() == 1);
  CHECK(first[0].task().attempt() == 1);

  // A says nothing more. Five silent intervals are tolerated...
  h.pass_time(5 * kSecond);
  CHECK(h.worker("A")->state == WorkerState::Up);
  CHECK(h.task(id).state == pb::RUNNING);

  // ...one millisecond more and it is lost.
  h.advance(1);
  h.tick();
  CHECK(h.worker("A")->state == WorkerState::Lost);
  CHECK(h.worker("A")->tasks.empty());
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).reason == Reason::WorkerLost);
  CHECK(h.task(id).crashes == 1);
  CHECK(h.task(id).attempt == 1);  // attempts count dispatches
  CHECK(h.job(id).summary() == pb::PENDING);
  CHECK(h.job(id).running == 0);
  CHECK(h.journal.events.back().state == pb::PENDING);

  h.register_worker("B", 1);
  h.tick();
  const auto second = h.assigned_to("B");
  REQUIRE(second.size() == 1);
  CHECK(second[0].task().job() == id);
  CHECK(second[0].task().attempt() == 2);
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.task(id).attempt == 2);
  CHECK(h.worker_of(id) == "B");
  CHECK(h.journal.events.back().state == pb::RUNNING);
  CHECK(h.journal.events.back().attempt == 2);

  h.complete(id);
  CHECK(h.job(id).summary() == pb::COMPLETED);
}

TEST_CASE("the requeued task is dispatched to a live worker in the same tick that declares the loss") {
  BrokerHarness h;
  h.register_worker("A", 1);
  h.register_worker("B", 1);
  const JobId busy = h.submit(command("on-b"));
  const JobId id = h.submit(command("on-a"));
  h.tick();
  REQUIRE(h.worker_of(busy) == "A");
  REQUIRE(h.worker_of(id) == "B");
  h.complete(busy);  // A is free again; B keeps running and heartbeating
  h.sent_to("A");
  h.sent_to("B");

  // B goes silent this time, A keeps talking.
  h.pass_time(5 * kSecond + 1, {"A"});
  CHECK(h.worker("B")->state == WorkerState::Lost);
  CHECK(h.worker("A")->state == WorkerState::Up);
  const auto moved = h.assigned_to("A");
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].task().attempt() == 2);
  CHECK(h.worker_of(id) == "A");
  CHECK(h.task(id).state == pb::RUNNING);
}

TEST_CASE("a task that loses its worker more than crash_limit times fails with reason WorkerLost") {
  BrokerConfig cfg;
  cfg.crash_limit = 2;
  BrokerHarness h(cfg);
  const JobId id = h.submit(command("unlucky"));
  for (int n = 1; n <= 3; ++n) {
    CAPTURE(n);
    const std::string name = "W" + std::to_string(n);
    h.register_worker(name, 1);
    h.tick();
    const auto sent = h.assigned_to(name);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].task().attempt() == Attempt(n));
    h.pass_time(5 * kSecond + 1);
    CHECK(h.worker(name)->state == WorkerState::Lost);
    CHECK(h.task(id).crashes == n);
    if (n <= 2) {
      CHECK(h.task(id).state == pb::PENDING);
    }
  }
  CHECK(h.task(id).state == pb::FAILED);
  CHECK(h.task(id).reason == Reason::WorkerLost);
  CHECK(h.job(id).summary() == pb::FAILED);
  CHECK(h.job(id).worst_code == 1);  // failed without an exit code of its own
  CHECK(h.journal.events.back().state == pb::FAILED);

  h.register_worker("W4", 1);
  h.tick();
  CHECK(h.assigned_to("W4").empty());
}

TEST_CASE("a worker that says DISCONNECT is lost at once") {
  BrokerHarness h;
  h.register_worker("A", 2);
  const JobId id = h.submit(command("x"));
  h.tick();
  pb::Envelope bye;
  bye.mutable_disconnect()->set_reason("shutting down");
  h.from_worker("A", bye);
  CHECK(h.worker("A")->state == WorkerState::Lost);
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).reason == Reason::WorkerLost);
}

TEST_CASE("an Assign that cannot be routed to its worker means the worker is gone") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  auto sent = h.take_to_peer(h.peer("A"), [](const pb::Envelope& m) { return m.has_assign(); });
  REQUIRE(sent.size() == 1);
  h.engine.on_unroutable(Channel::Worker, h.peer("A"), sent[0], h.now());
  CHECK(h.worker("A")->state == WorkerState::Lost);
  CHECK(h.task(id).state == pb::PENDING);
}

TEST_CASE("a task being cancelled when its worker is lost ends CANCELLED instead of running again") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.cancel("1");
  REQUIRE(h.kills_to("A").size() == 1);
  h.pass_time(5 * kSecond + 1);
  CHECK(h.worker("A")->state == WorkerState::Lost);
  CHECK(h.task(id).state == pb::CANCELLED);
  CHECK(h.job(id).summary() == pb::CANCELLED);
  CHECK(h.job(id).worst_code == 125);
}

TEST_CASE("a task handed back by a draining worker is requeued without counting as a crash") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  REQUIRE(h.assigned_to("A").size() == 1);
  h.finish("A", h.ref(id), 0, pb::HANDED_BACK, 15);
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).crashes == 0);
  CHECK(h.task(id).failures == 0);
  pb::Envelope drain;
  drain.mutable_drain()->set_on(true);
  h.from_worker("A", drain);
  h.register_worker("B", 1);
  h.tick();
  const auto sent = h.assigned_to("B");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 2);
  CHECK(h.assigned_to("A").empty());
}

}  // TEST_SUITE
