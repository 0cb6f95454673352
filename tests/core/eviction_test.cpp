// Finished jobs leave broker memory after min_job_age; what is still needed
// of them (their outcome, for dependencies and wait) stays, and the journal
// keeps the rest for `history`.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

BrokerConfig aged(TimeMs min_age) {
  BrokerConfig cfg;
  cfg.min_job_age_ms = min_age;
  return cfg;
}

pb::Envelope wait_for(const std::string& target) {
  pb::Envelope env;
  env.mutable_wait()->add_targets(target);
  return env;
}

}  // namespace

TEST_SUITE("core.eviction") {

TEST_CASE("a finished job leaves memory after min_job_age; wait still gets its exit status") {
  BrokerHarness h(aged(60 * kSecond));
  h.register_worker("A", 2);
  const JobId bad = h.submit(command("bad"));
  const JobId good = h.submit(command("good"));
  h.tick();
  h.finish("A", h.ref(bad), 3);
  h.complete(good);
  h.pass_time(59 * kSecond, {"A"});
  CHECK(h.engine.jobs().count(bad) == 1);
  h.pass_time(2 * kSecond, {"A"});
  CHECK(h.engine.jobs().count(bad) == 0);
  CHECK(h.engine.jobs().count(good) == 0);
  CHECK(h.engine.evicted_count() == 2);

  auto replies = h.client(wait_for(std::to_string(bad)));
  REQUIRE(replies.size() == 1);
  REQUIRE(replies[0].has_wait_reply());
  CHECK(replies[0].wait_reply().exit_code() == 3);

  pb::Envelope status;
  status.mutable_status()->add_targets(std::to_string(bad));
  const pb::Reply r = BrokerHarness::only_reply(h.client(status));
  CHECK_FALSE(r.ok());
  CHECK(r.error().find("baton history " + std::to_string(bad)) != std::string::npos);

  // Cancelling it is what cancelling any finished job is: nothing, and fine.
  CHECK(h.cancel(std::to_string(good)).ok());
}

TEST_CASE("waiting on a gone job and a running one waits for the running one and keeps the worst status") {
  BrokerHarness h(aged(kSecond));
  h.register_worker("A", 2);
  const JobId bad = h.submit(command("bad"));
  h.tick();
  h.finish("A", h.ref(bad), 4);
  h.pass_time(2 * kSecond, {"A"});
  REQUIRE(h.engine.jobs().count(bad) == 0);
  const JobId later = h.submit(command("later"));
  h.tick();
  pb::Envelope env;
  env.mutable_wait()->add_targets(std::to_string(bad));
  env.mutable_wait()->add_targets(std::to_string(later));
  CHECK(h.client(env).empty());  // still waiting
  h.complete(later);
  bool answered = false;
  for (Outgoing& o : h.outbox.take())
    if (o.message.has_wait_reply()) {
      answered = true;
      CHECK(o.message.wait_reply().exit_code() == 4);
    }
  CHECK(answered);
}

TEST_CASE("dependencies on jobs that left memory are accepted and judged by their outcome") {
  BrokerHarness h(aged(kSecond));
  h.register_worker("A", 4);
  const JobId ok = h.submit(command("ok"));
  const JobId bad = h.submit(command("bad"));
  h.tick();
  h.complete(ok);
  h.finish("A", h.ref(bad), 1);
  h.pass_time(2 * kSecond, {"A"});
  REQUIRE(h.engine.evicted_count() == 2);

  pb::JobSpec after_ok = command("after-ok");
  after_ok.set_dependency("afterok:" + std::to_string(ok));
  const JobId runs = h.submit(after_ok);
  pb::JobSpec after_bad = command("after-bad");
  after_bad.set_dependency("afterok:" + std::to_string(bad));
  const JobId never = h.submit(after_bad);
  h.tick();
  CHECK(h.job(runs).summary() == pb::RUNNING);
  CHECK(h.job(never).summary() == pb::PENDING);
  CHECK(h.job(never).dep_state == DepState::Never);
}

TEST_CASE("min_job_age 0 keeps finished jobs in memory") {
  BrokerHarness h(aged(0));
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.complete(id);
  h.pass_time(10 * kSecond, {"A"});
  CHECK(h.engine.jobs().count(id) == 1);
}

}  // TEST_SUITE
