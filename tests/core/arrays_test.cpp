// Job arrays in the broker: tasks by index, the %N throttle, per-task cancel,
// and the job's summary over its tasks.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec array(const std::string& expr) {
  pb::JobSpec s = command("arr");
  s.set_array(expr);
  return s;
}

}  // namespace

TEST_SUITE("core.arrays") {

TEST_CASE("an array's tasks are dispatched by index, each with the array's shape in its Assign") {
  BrokerHarness h;
  h.register_worker("A", 8);
  const JobId id = h.submit(array("1,3,5-9"));
  CHECK(h.job(id).total() == 7);
  h.tick();
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 7);
  std::vector<std::uint32_t> indices;
  for (const auto& a : sent) {
    indices.push_back(a.task().index());
    CHECK(a.is_array());
    CHECK(a.array_count() == 7);
    CHECK(a.array_min() == 1);
    CHECK(a.array_max() == 9);
    CHECK(a.task().attempt() == 1);
  }
  CHECK(indices == std::vector<std::uint32_t>{1, 3, 5, 6, 7, 8, 9});
  CHECK(h.job(id).task_name(2) == "1_5");
}

TEST_CASE("a throttled array never runs more than N tasks at once") {
  BrokerHarness h;
  h.register_worker("A", 16);
  const JobId id = h.submit(array("0-9%3"));
  CHECK(h.job(id).spec.throttle() == 3);
  CHECK(h.job(id).spec.full().array() == "0-9");

  std::vector<pb::TaskRef> running;
  std::size_t most = 0;
  for (int turn = 0; turn < 50 && h.job(id).completed < 10; ++turn) {
    h.tick();
    for (const auto& a : h.assigned_to("A")) running.push_back(a.task());
    most = std::max(most, running.size());
    CHECK(h.job(id).running <= 3);
    if (!h.job(id).pending.empty()) CHECK(h.job(id).reason == Reason::Throttle);
    // The oldest running task ends; one more may start.
    REQUIRE_FALSE(running.empty());
    h.finish("A", running.front(), 0);
    running.erase(running.begin());
  }
  CHECK(most == 3);
  CHECK(h.job(id).completed == 10);
  CHECK(h.job(id).summary() == pb::COMPLETED);
}

TEST_CASE("raising an array's throttle lets more of it run at once") {
  BrokerHarness h;
  h.register_worker("A", 16);
  const JobId id = h.submit(array("0-9%2"));
  h.tick();
  CHECK(h.job(id).running == 2);
  pb::Envelope up;
  up.mutable_update()->set_target(std::to_string(id));
  (*up.mutable_update()->mutable_fields())["throttle"] = "5";
  const pb::Reply r = BrokerHarness::only_reply(h.client(up));
  CHECK(r.ok());
  h.tick();
  CHECK(h.job(id).running == 5);
}

TEST_CASE("cancelling some pending tasks of an array leaves the rest to run") {
  BrokerHarness h;
  const JobId id = h.submit(array("0-9"));
  CHECK(h.cancel(std::to_string(id) + "_[3-5]").ok());
  CHECK(h.job(id).extras().cancelled_pending.to_string() == "3-5");
  CHECK(h.job(id).pending.to_string() == "0-2,6-9");
  h.register_worker("A", 16);
  h.tick();
  CHECK(h.assigned_to("A").size() == 7);
  for (std::uint64_t o : {0, 1, 2, 6, 7, 8, 9}) h.complete(id, o);
  CHECK(h.job(id).terminal());
  CHECK(h.job(id).summary() == pb::CANCELLED);  // some tasks never ran
  CHECK(h.job(id).worst_code == 125);
}

TEST_CASE("cancelling a task index the array does not have is refused, naming it") {
  BrokerHarness h;
  const JobId id = h.submit(array("0-9:2"));
  const pb::Reply r = h.cancel(std::to_string(id) + "_3");
  CHECK_FALSE(r.ok());
  REQUIRE(r.messages_size() == 1);
  CHECK(r.messages(0).find("no task 3") != std::string::npos);
}

TEST_CASE("an array's state summarises its tasks and its exit status is the worst task's") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId id = h.submit(array("0-2"));
  h.tick();
  CHECK(h.job(id).summary() == pb::RUNNING);
  h.finish("A", h.ref(id, 0), 0);
  h.finish("A", h.ref(id, 1), 2);
  CHECK(h.job(id).summary() == pb::RUNNING);
  h.finish("A", h.ref(id, 2), 7);
  CHECK(h.job(id).summary() == pb::FAILED);
  CHECK(h.job(id).worst_code == 7);
  CHECK(h.job(id).completed == 1);
  CHECK(h.job(id).failed == 2);
}

TEST_CASE("a million-task array is a few intervals until its tasks start") {
  BrokerHarness h;
  const JobId id = h.submit(array("0-999999"));
  CHECK(h.job(id).total() == 1000000);
  CHECK(h.job(id).pending.size() == 1000000);
  CHECK(h.job(id).pending.intervals().size() == 1);
  h.register_worker("A", 4);
  h.tick();
  CHECK(h.job(id).tasks.size() == 4);
  CHECK(h.job(id).pending.to_string() == "4-999999");
}

TEST_CASE("an array larger than broker.max_array_size is refused") {
  BrokerConfig cfg;
  cfg.max_array_size = 100;
  BrokerHarness h(cfg);
  auto r = h.engine.submit(array("0-100"), h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("101") != std::string::npos);
  CHECK(r.error().find("100") != std::string::npos);
}

}  // TEST_SUITE
