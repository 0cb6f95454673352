// status replies stay small while a big array runs: finished array tasks come
// as ranges per state unless every task is asked for (status -r).
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.status_view") {

TEST_CASE("an array's finished tasks come as ranges per state; -r lists each task") {
  BrokerHarness h;
  h.register_worker("A", 8);
  pb::JobSpec spec = command("arr");
  spec.set_array("0-5");
  const JobId id = h.submit(spec);
  h.tick();
  for (std::uint64_t o : {0, 1, 2}) h.complete(id, o);
  h.finish("A", h.ref(id, 3), 1);

  auto status = [&](bool tasks) {
    pb::Envelope env;
    env.mutable_status()->add_targets(std::to_string(id));
    env.mutable_status()->set_tasks(tasks);
    auto replies = h.client(env);
    REQUIRE(replies.size() == 1);
    REQUIRE(replies[0].status_reply().jobs_size() == 1);
    return replies[0].status_reply().jobs(0);
  };
  const pb::JobInfo brief = status(false);
  CHECK(brief.tasks_size() == 2);  // 4 and 5 still run
  REQUIRE(brief.finished_size() == 2);
  CHECK(brief.finished(0).state() == pb::COMPLETED);
  CHECK(brief.finished(0).indices() == "0-2");
  CHECK(brief.finished(0).count() == 3);
  CHECK(brief.finished(1).state() == pb::FAILED);
  CHECK(brief.finished(1).indices() == "3");

  const pb::JobInfo full = status(true);
  CHECK(full.tasks_size() == 6);
  CHECK(full.finished_size() == 0);
}

TEST_CASE("a plain job is never summarized") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("one"));
  h.tick();
  h.complete(id);
  pb::Envelope env;
  env.mutable_status()->add_targets(std::to_string(id));
  auto replies = h.client(env);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status_reply().jobs(0).tasks_size() == 1);
  CHECK(replies[0].status_reply().jobs(0).finished_size() == 0);
}

}  // TEST_SUITE
