// What holds a pending job back before the queue: a hold, a begin time, and
// a retry's backoff delay.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.gates") {

TEST_CASE("a job submitted held waits (Held) until released") {
  BrokerHarness h;
  h.register_worker("A", 2);
  pb::JobSpec s = command("held");
  s.set_hold(true);
  const JobId id = h.submit(s);
  h.tick();
  CHECK(h.job(id).reason == Reason::Held);
  CHECK(h.job(id).tasks.empty());
  h.pass_time(10 * kSecond, {"A"});
  CHECK(h.job(id).tasks.empty());

  CHECK(h.release(std::to_string(id)).ok());
  CHECK_FALSE(h.journal.jobs.at(id).spec.hold());  // the change is journaled
  h.tick();
  CHECK(h.task(id).state == pb::RUNNING);
}

TEST_CASE("holding a pending job keeps it from starting; releasing puts it back in line") {
  BrokerHarness h;
  const JobId id = h.submit(command("x"));
  CHECK(h.hold(std::to_string(id)).ok());
  CHECK(h.job(id).reason == Reason::Held);
  CHECK(h.journal.jobs.at(id).spec.hold());
  h.register_worker("A", 1);
  h.tick();
  CHECK(h.job(id).tasks.empty());
  h.release(std::to_string(id));
  h.tick();
  CHECK(h.worker_of(id) == "A");
}

TEST_CASE("a job with nothing pending cannot be held") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  const pb::Reply r = h.hold(std::to_string(id));
  CHECK_FALSE(r.ok());
  CHECK(r.code() == 1);
  REQUIRE(r.messages_size() == 1);
  CHECK(r.messages(0).find("no pending tasks") != std::string::npos);
}

TEST_CASE("a begin time keeps a job waiting (BeginTime) until the clock reaches it") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("later");
  s.set_begin_ms(kT0 + kMinute);
  const JobId id = h.submit(s);
  h.tick();
  CHECK(h.job(id).reason == Reason::BeginTime);
  CHECK(h.engine.next_deadline() == kT0 + kSecond);  // the next heartbeat comes first
  h.pass_time(kMinute - 1, {"A"});
  CHECK(h.job(id).tasks.empty());
  CHECK(h.engine.next_deadline() == kT0 + kMinute);
  h.pass_time(1, {"A"});
  CHECK(h.task(id).state == pb::RUNNING);
}

TEST_CASE("a begin time in the past does not hold a job back") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("x");
  s.set_begin_ms(kT0 - kHour);
  const JobId id = h.submit(s);
  h.tick();
  CHECK(h.task(id).state == pb::RUNNING);
}

TEST_CASE("a failed task retries after delay, then 2*delay, with the next attempt each time, then fails for good") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("flaky");
  s.set_retries(2);
  s.set_retry_delay_ms(10 * kSecond);
  const JobId id = h.submit(s);
  h.tick();
  REQUIRE(h.assigned_to("A").size() == 1);

  // Attempt 1 fails: back to pending for 10 s.
  h.finish("A", h.ref(id), 1);
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).reason == Reason::BeginTime);
  CHECK(h.task(id).failures == 1);
  CHECK(h.task(id).eligible_ms == h.now() + 10 * kSecond);
  CHECK(h.job(id).summary() == pb::PENDING);
  CHECK(h.journal.events.back().state == pb::PENDING);
  h.pass_time(10 * kSecond - 1, {"A"});
  CHECK(h.assigned_to("A").empty());
  h.pass_time(1, {"A"});
  auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 2);

  // Attempt 2 fails: 20 s this time.
  h.finish("A", h.ref(id), 1);
  CHECK(h.task(id).eligible_ms == h.now() + 20 * kSecond);
  h.pass_time(20 * kSecond - 1, {"A"});
  CHECK(h.assigned_to("A").empty());
  h.pass_time(1, {"A"});
  sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 3);

  // Attempt 3 fails: no retries left.
  h.finish("A", h.ref(id), 4);
  CHECK(h.task(id).state == pb::FAILED);
  CHECK(h.task(id).attempt == 3);
  CHECK(h.task(id).failures == 2);
  CHECK(h.job(id).worst_code == 4);
  h.pass_time(kMinute, {"A"});
  CHECK(h.assigned_to("A").empty());
}

TEST_CASE("a task that times out is retried too; one that completes is not") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("x");
  s.set_retries(1);
  const JobId id = h.submit(s);
  h.tick();
  h.finish("A", h.ref(id), 0, pb::TIMED_OUT, 15);
  CHECK(h.task(id).state == pb::PENDING);
  h.tick();
  CHECK(h.task(id).attempt == 2);
  h.complete(id);
  CHECK(h.task(id).state == pb::COMPLETED);
  CHECK(h.job(id).worst_code == 0);
}

TEST_CASE("a cancelled task is not retried") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("x");
  s.set_retries(3);
  const JobId id = h.submit(s);
  h.tick();
  h.cancel(std::to_string(id));
  h.finish("A", h.ref(id), 0, pb::KILLED_CANCEL, 15);
  CHECK(h.task(id).state == pb::CANCELLED);
  h.tick();
  CHECK(h.task(id).attempt == 1);
}

TEST_CASE("cancelling a task while it waits out a retry delay ends it CANCELLED") {
  BrokerHarness h;
  h.register_worker("A", 1);
  pb::JobSpec s = command("x");
  s.set_retries(3);
  s.set_retry_delay_ms(kMinute);
  const JobId id = h.submit(s);
  h.tick();
  REQUIRE(h.assigned_to("A").size() == 1);
  h.finish("A", h.ref(id), 1);
  REQUIRE(h.task(id).state == pb::PENDING);
  CHECK(h.cancel(std::to_string(id)).ok());
  CHECK(h.task(id).state == pb::CANCELLED);
  CHECK(h.job(id).summary() == pb::CANCELLED);
  CHECK(h.job(id).delayed == 0);
  h.pass_time(2 * kMinute, {"A"});
  CHECK(h.assigned_to("A").empty());
  CHECK(h.task(id).attempt == 1);
}

}  // TEST_SUITE
