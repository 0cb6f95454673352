// Dependencies in the broker: a job waits (reason Dependency) until the jobs
// it names reach the state it asks for, or learns it never will.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec after(const std::string& name, const std::string& dep) {
  pb::JobSpec s = command(name);
  s.set_dependency(dep);
  return s;
}

std::string id_of(JobId id) { return std::to_string(id); }

}  // namespace

TEST_SUITE("core.dependencies") {

TEST_CASE("afterok runs when its parent completes; afternotok then never can") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId parent = h.submit(command("parent"));
  const JobId ok = h.submit(after("on-success", "afterok:" + id_of(parent)));
  const JobId notok = h.submit(after("on-failure", "afternotok:" + id_of(parent)));
  h.tick();
  CHECK(h.job(ok).reason == Reason::Dependency);
  CHECK(h.job(notok).reason == Reason::Dependency);
  CHECK(h.job(ok).tasks.empty());
  CHECK(h.job(notok).tasks.empty());

  h.complete(parent);
  h.tick();
  CHECK(h.task(ok).state == pb::RUNNING);
  CHECK(h.job(notok).tasks.empty());
  CHECK(h.job(notok).summary() == pb::PENDING);
  CHECK(h.job(notok).reason == Reason::DependencyNeverSatisfied);
}

TEST_CASE("afternotok runs when its parent fails; afterok then never can") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId parent = h.submit(command("parent"));
  const JobId ok = h.submit(after("on-success", "afterok:" + id_of(parent)));
  const JobId notok = h.submit(after("on-failure", "afternotok:" + id_of(parent)));
  h.tick();
  h.finish("A", h.ref(parent), 1);
  h.tick();
  CHECK(h.task(notok).state == pb::RUNNING);
  CHECK(h.job(ok).tasks.empty());
  CHECK(h.job(ok).reason == Reason::DependencyNeverSatisfied);
}

TEST_CASE("with kill_on_invalid_dep a job whose dependency can never hold is cancelled") {
  BrokerConfig cfg;
  cfg.kill_on_invalid_dep = true;
  BrokerHarness h(cfg);
  h.register_worker("A", 4);
  const JobId parent = h.submit(command("parent"));
  const JobId ok = h.submit(after("on-success", "afterok:" + id_of(parent)));
  h.tick();
  h.finish("A", h.ref(parent), 1);
  h.tick();
  CHECK(h.job(ok).summary() == pb::CANCELLED);
  CHECK(h.job(ok).worst_code == 125);

  SUBCASE("unless the job itself says otherwise") {
    pb::JobSpec keep = after("keep", "afterok:" + id_of(parent));
    keep.set_kill_on_invalid_dep(false);
    const JobId kept = h.submit(keep);
    h.tick();
    CHECK(h.job(kept).summary() == pb::PENDING);
    CHECK(h.job(kept).reason == Reason::DependencyNeverSatisfied);
  }
}

TEST_CASE("after runs once its parent has started; afterany once it has ended, however it ended") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId parent = h.submit(command("parent"));
  const JobId started = h.submit(after("after", "after:" + id_of(parent)));
  const JobId ended = h.submit(after("afterany", "afterany:" + id_of(parent)));
  h.tick();  // the parent starts in this pass
  h.tick();
  CHECK(h.task(started).state == pb::RUNNING);
  CHECK(h.job(ended).tasks.empty());
  h.finish("A", h.ref(parent), 9);
  h.tick();
  CHECK(h.task(ended).state == pb::RUNNING);
}

TEST_CASE("'?' needs any one term; ',' needs every term") {
  BrokerHarness h;
  h.register_worker("A", 8);
  const JobId x = h.submit(command("x"));
  const JobId y = h.submit(command("y"));
  const JobId any = h.submit(after("any", "afterok:" + id_of(x) + "?afterok:" + id_of(y)));
  const JobId all = h.submit(after("all", "afterok:" + id_of(x) + ",afterok:" + id_of(y)));
  h.tick();
  h.finish("A", h.ref(x), 1);  // x failed
  h.tick();
  CHECK(h.job(any).tasks.empty());
  CHECK(h.job(any).reason == Reason::Dependency);  // y may still complete
  CHECK(h.job(all).reason == Reason::DependencyNeverSatisfied);
  h.complete(y);
  h.tick();
  CHECK(h.task(any).state == pb::RUNNING);
  CHECK(h.job(all).tasks.empty());
}

TEST_CASE("afterok on an array waits for every task of it") {
  BrokerHarness h;
  h.register_worker("A", 8);
  pb::JobSpec arr = command("arr");
  arr.set_array("0-2");
  const JobId parent = h.submit(arr);
  const JobId child = h.submit(after("child", "afterok:" + id_of(parent)));
  h.tick();
  h.complete(parent, 0);
  h.complete(parent, 1);
  h.tick();
  CHECK(h.job(child).tasks.empty());
  h.complete(parent, 2);
  h.tick();
  CHECK(h.task(child).state == pb::RUNNING);
}

TEST_CASE("singleton jobs of one name and user never overlap; other names and users are not held") {
  BrokerHarness h;
  h.register_worker("A", 8);
  const JobId first = h.submit(after("nightly", "singleton"));
  const JobId second = h.submit(after("nightly", "singleton"));
  const JobId third = h.submit(after("nightly", "singleton"));
  const JobId other_name = h.submit(after("weekly", "singleton"));
  pb::JobSpec bobs = after("nightly", "singleton");
  bobs.set_user("bob");
  const JobId other_user = h.submit(bobs);
  h.tick();
  CHECK(h.task(first).state == pb::RUNNING);
  CHECK(h.job(second).tasks.empty());
  CHECK(h.job(second).reason == Reason::Dependency);
  CHECK(h.job(third).tasks.empty());
  CHECK(h.task(other_name).state == pb::RUNNING);
  CHECK(h.task(other_user).state == pb::RUNNING);

  h.finish("A", h.ref(first), 1);  // however it ends
  h.tick();
  CHECK(h.task(second).state == pb::RUNNING);
  CHECK(h.job(third).tasks.empty());
  h.complete(second);
  h.tick();
  CHECK(h.task(third).state == pb::RUNNING);
}

TEST_CASE("aftercorr starts each array task when its counterpart completes") {
  BrokerHarness h;
  h.register_worker("A", 8);
  pb::JobSpec a = command("stage1");
  a.set_array("0-2");
  const JobId one = h.submit(a);
  pb::JobSpec b = after("stage2", "aftercorr:" + id_of(one));
  b.set_array("0-2");
  const JobId two = h.submit(b);
  h.tick();
  CHECK(h.job(two).tasks.empty());
  CHECK(h.job(two).extras().corr_wait.size() == 3);

  h.complete(one, 1);
  h.tick();
  REQUIRE(h.job(two).tasks.count(1) == 1);
  CHECK(h.task(two, 1).state == pb::RUNNING);
  CHECK(h.job(two).tasks.count(0) == 0);

  h.finish("A", h.ref(one, 0), 1);  // its counterpart failed: task 0 never runs
  h.tick();
  CHECK(h.job(two).tasks.count(0) == 0);
  CHECK(h.job(two).extras().corr_never.contains(0));
}

TEST_CASE("cancelling a parent makes its afterok children wait forever") {
  BrokerHarness h;
  const JobId parent = h.submit(command("parent"));
  const JobId child = h.submit(after("child", "afterok:" + id_of(parent)));
  h.cancel(id_of(parent));
  h.tick();
  CHECK(h.job(child).reason == Reason::DependencyNeverSatisfied);
}

}  // TEST_SUITE
