// Caps on running tasks: per user and per queue. (The per-array %N throttle
// is in arrays_test.cpp.) A capped job waits, and comes back when a task
// under the cap ends.
#include <doctest/doctest.h>

#include "core/limits.h"
#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec as(const std::string& user, const std::string& name) {
  pb::JobSpec s = command(name);
  s.set_user(user);
  return s;
}

}  // namespace

TEST_SUITE("core.limits") {

TEST_CASE("a user at the per-user limit waits (UserLimit) while other users run") {
  BrokerConfig cfg;
  cfg.scheduler.user_limit = 2;
  BrokerHarness h(cfg);
  h.register_worker("A", 8);
  const JobId a1 = h.submit(as("alice", "a1"));
  const JobId a2 = h.submit(as("alice", "a2"));
  const JobId a3 = h.submit(as("alice", "a3"));
  const JobId b1 = h.submit(as("bob", "b1"));
  h.tick();
  CHECK(h.task(a1).state == pb::RUNNING);
  CHECK(h.task(a2).state == pb::RUNNING);
  CHECK(h.job(a3).tasks.empty());
  CHECK(h.job(a3).reason == Reason::UserLimit);
  CHECK(h.job(a3).gate == Gate::Limit);
  CHECK(h.task(b1).state == pb::RUNNING);
  CHECK(h.engine.scheduler().limits().running("user:alice") == 2);

  h.tick();
  CHECK(h.job(a3).tasks.empty());  // still capped

  h.complete(a1);
  h.tick();
  CHECK(h.task(a3).state == pb::RUNNING);
  CHECK(h.engine.scheduler().limits().running("user:alice") == 2);
}

TEST_CASE("a per-user limit counts tasks, not jobs") {
  BrokerConfig cfg;
  cfg.scheduler.user_limit = 3;
  BrokerHarness h(cfg);
  h.register_worker("A", 8);
  pb::JobSpec arr = as("alice", "arr");
  arr.set_array("0-9");
  const JobId id = h.submit(arr);
  h.tick();
  CHECK(h.job(id).running == 3);
  CHECK(h.job(id).reason == Reason::UserLimit);
}

TEST_CASE("a queue at its limit holds its jobs back; other queues run") {
  BrokerConfig cfg;
  cfg.scheduler.queue_limits["short"] = 1;
  BrokerHarness h(cfg);
  pb::Register r = BrokerHarness::registration("A", 8);
  r.add_queues("short");
  r.add_queues("default");
  h.register_worker(r);
  pb::JobSpec s = command("s");
  s.set_queue("short");
  const JobId s1 = h.submit(s);
  const JobId s2 = h.submit(s);
  const JobId d1 = h.submit(command("d"));
  h.tick();
  CHECK(h.task(s1).state == pb::RUNNING);
  CHECK(h.job(s2).reason == Reason::QueueLimit);
  CHECK(h.task(d1).state == pb::RUNNING);
  h.complete(s1);
  h.tick();
  CHECK(h.task(s2).state == pb::RUNNING);
}

TEST_CASE("a capped job that is cancelled leaves the wait list and does not come back") {
  BrokerConfig cfg;
  cfg.scheduler.user_limit = 1;
  BrokerHarness h(cfg);
  h.register_worker("A", 8);
  const JobId first = h.submit(as("alice", "first"));
  const JobId capped = h.submit(as("alice", "capped"));
  const JobId next = h.submit(as("alice", "next"));
  h.tick();
  REQUIRE(h.job(capped).gate == Gate::Limit);
  h.cancel(std::to_string(capped));
  h.complete(first);
  h.tick();
  CHECK(h.job(capped).tasks.empty());
  CHECK(h.task(next).state == pb::RUNNING);
}

TEST_CASE("Limits releases only as many waiters as there is room") {
  SchedulerConfig sc;
  sc.user_limit = 2;
  Limits limits(sc);
  auto alice_job = [](JobId id) {
    Job j;
    j.id = id;
    pb::JobSpec spec;
    spec.set_user("alice");
    j.spec.assign(spec);
    j.queue = "default";
    return j;
  };
  Job running = alice_job(1), w1 = alice_job(2), w2 = alice_job(3), w3 = alice_job(4);
  limits.started(running);
  limits.started(running);
  REQUIRE(limits.blocked(w1));
  CHECK(limits.blocked(w1)->second == Reason::UserLimit);
  CHECK(limits.blocked(w1)->first == "user:alice");
  limits.wait(w1, "user:alice");
  limits.wait(w2, "user:alice");
  limits.wait(w3, "user:alice");
  CHECK(limits.ended(running) == std::vector<JobId>{2});
  CHECK(limits.ended(running) == std::vector<JobId>{3, 4});
  CHECK(limits.running("user:alice") == 0);
}

}  // TEST_SUITE
