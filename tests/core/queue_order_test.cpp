// The order in which queued jobs start, under each ordering policy. Jobs are
// queued with no worker up; then a one-cpu worker runs them one at a time, so
// the start order is the queue order.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ready_queue.h"
#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

// Registers a one-cpu worker and runs the queue to the end, one task at a
// time; returns job names in the order they started.
// Each task runs for `run_ms` of fake time (fair share charges what ran).
std::vector<std::string> start_order(BrokerHarness& h, TimeMs run_ms = 0) {
  h.register_worker("solo", 1);
  std::vector<std::string> order;
  for (int guard = 0; guard < 100; ++guard) {
    h.tick();
    const auto sent = h.assigned_to("solo");
    if (sent.empty()) break;
    REQUIRE(sent.size() == 1);
    order.push_back(sent[0].spec().name());
    h.pass_time(run_ms, {"solo"});
    h.finish("solo", sent[0].task(), 0);
  }
  return order;
}

BrokerConfig with_order(OrderPolicy p) {
  BrokerConfig cfg;
  cfg.scheduler.order = p;
  return cfg;
}

pb::JobSpec prio(const std::string& name, int priority, int nice = 0) {
  pb::JobSpec s = command(name);
  s.set_priority(priority);
  s.set_nice(nice);
  return s;
}

pb::JobSpec limited(const std::string& name, std::int64_t seconds) {
  pb::JobSpec s = command(name);
  s.set_time_limit_s(seconds);
  return s;
}

pb::JobSpec by(const std::string& user, const std::string& name, std::int64_t limit_s = 600) {
  pb::JobSpec s = command(name);
  s.set_user(user);
  s.set_time_limit_s(limit_s);
  return s;
}

}  // namespace

TEST_SUITE("core.queue_order") {

TEST_CASE("priority: higher priority first, nice lowers it point for point, then submit order") {
  BrokerHarness h(with_order(OrderPolicy::Priority));
  h.submit(prio("low", 0));
  h.submit(prio("nice-5", 3, 5));
  h.submit(prio("high", 10));
  h.submit(prio("mid-first", 3));
  h.submit(prio("mid-second", 3));
  h.submit(prio("mid-nice-1", 3, 1));
  // Effective: high 10, mid 3, 3, mid-nice-1 2, low 0, nice-5 3-5=-2.
  CHECK(start_order(h) == std::vector<std::string>{"high", "mid-first", "mid-second", "mid-nice-1", "low", "nice-5"});
}

TEST_CASE("priority: jobs submitted in the same millisecond keep submit order") {
  BrokerHarness h(with_order(OrderPolicy::Priority));
  for (const char* n : {"a", "b", "c", "d"}) h.submit(command(n));
  CHECK(start_order(h) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("aging: an old low-priority job overtakes a newer higher-priority one after enough waiting") {
  // age_weight 1: one priority point per hour of waiting.
  SUBCASE("a newer job two points higher goes first within two hours") {
    BrokerHarness h(with_order(OrderPolicy::Priority));
    h.submit(prio("old", 0));
    h.advance(1 * kHour);
    h.submit(prio("new", 2));
    CHECK(start_order(h) == std::vector<std::string>{"new", "old"});
  }
  SUBCASE("after more than two hours the old job has aged past it") {
    BrokerHarness h(with_order(OrderPolicy::Priority));
    h.submit(prio("old", 0));
    h.advance(2 * kHour + kMinute);
    h.submit(prio("new", 2));
    CHECK(start_order(h) == std::vector<std::string>{"old", "new"});
  }
  SUBCASE("a heavier age weight needs less waiting") {
    BrokerConfig cfg = with_order(OrderPolicy::Priority);
    cfg.scheduler.age_weight = 4;  // four points per hour
    BrokerHarness h(cfg);
    h.submit(prio("old", 0));
    h.advance(kHour);
    h.submit(prio("new", 2));
    CHECK(start_order(h) == std::vector<std::string>{"old", "new"});
  }
  SUBCASE("with age_weight 0 waiting earns nothing") {
    BrokerConfig cfg = with_order(OrderPolicy::Priority);
    cfg.scheduler.age_weight = 0;
    BrokerHarness h(cfg);
    h.submit(prio("old", 0));
    h.advance(100 * kHour);
    h.submit(prio("new", 1));
    CHECK(start_order(h) == std::vector<std::string>{"new", "old"});
  }
}

TEST_CASE("fifo ignores priority and nice") {
  BrokerHarness h(with_order(OrderPolicy::Fifo));
  h.submit(prio("first", 0, 10));
  h.submit(prio("second", 100));
  h.submit(prio("third", 5));
  CHECK(start_order(h) == std::vector<std::string>{"first", "second", "third"});
}

TEST_CASE("sjf runs the shortest time limit first and jobs without a limit last") {
  BrokerHarness h(with_order(OrderPolicy::Sjf));
  h.submit(command("unlimited"));
  h.submit(limited("hour", 3600));
  h.submit(limited("minute", 60));
  h.submit(limited("ten-minutes", 600));
  h.submit(limited("minute-too", 60));
  CHECK(start_order(h) == std::vector<std::string>{"minute", "minute-too", "ten-minutes", "hour", "unlimited"});
}

TEST_CASE("sjf breaks a tie on the time limit by priority") {
  BrokerHarness h(with_order(OrderPolicy::Sjf));
  h.submit(prio("plain", 0));
  h.submit(prio("urgent", 5));
  CHECK(start_order(h) == std::vector<std::string>{"urgent", "plain"});
}

TEST_CASE("fairshare interleaves two users, one worker slot at a time") {
  BrokerHarness h(with_order(OrderPolicy::Fairshare));
  for (const char* n : {"a1", "a2", "a3"}) h.submit(by("alice", n));
  for (const char* n : {"b1", "b2", "b3"}) h.submit(by("bob", n));
  CHECK(start_order(h, 10 * kSecond) == std::vector<std::string>{"a1", "b1", "a2", "b2", "a3", "b3"});
}

TEST_CASE("fairshare interleaves two users within one pass over many free cpus") {
  BrokerHarness h(with_order(OrderPolicy::Fairshare));
  for (const char* n : {"a1", "a2", "a3"}) h.submit(by("alice", n));
  for (const char* n : {"b1", "b2", "b3"}) h.submit(by("bob", n));
  h.register_worker("big", 6);
  h.tick();
  std::vector<std::string> order;
  for (const auto& a : h.assigned_to("big")) order.push_back(a.spec().name());
  CHECK(order == std::vector<std::string>{"a1", "b1", "a2", "b2", "a3", "b3"});
}

TEST_CASE("fairshare interleaves the tasks of two users' arrays within one pass") {
  BrokerHarness h(with_order(OrderPolicy::Fairshare));
  pb::JobSpec a = by("alice", "a");
  a.set_array("0-2");
  pb::JobSpec b = by("bob", "b");
  b.set_array("0-2");
  h.submit(a);
  h.submit(b);
  h.register_worker("big", 4);
  h.tick();
  std::vector<std::string> order;
  // (Later tasks of an array carry spec_cached, not the spec: look the user up.)
  for (const auto& x : h.assigned_to("big")) order.push_back(h.job(x.task().job()).spec.user());
  CHECK(order == std::vector<std::string>{"alice", "bob", "alice", "bob"});
}

TEST_CASE("fairshare prefers the user with less decayed usage, even one who submitted later") {
  BrokerConfig cfg = with_order(OrderPolicy::Fairshare);
  cfg.scheduler.fairshare_half_life = kHour;
  cfg.heartbeat_ms = kMinute;  // fewer steps through the hours below
  BrokerHarness h(cfg);
  h.register_worker("solo", 1);

  // alice uses 1000 cpu-seconds; two half-lives later bob uses 400.
  const JobId a = h.submit(by("alice", "a-old"));
  h.tick();
  h.pass_time(1000 * kSecond, {"solo"});
  h.complete(a);
  h.pass_time(2 * kHour, {"solo"});
  const JobId b = h.submit(by("bob", "b-old"));
  h.tick();
  h.pass_time(400 * kSecond, {"solo"});
  h.complete(b);
  h.assigned_to("solo");
  const double alice = h.engine.scheduler().queue().usage("alice", h.now());
  const double bob = h.engine.scheduler().queue().usage("bob", h.now());
  CHECK(alice == doctest::Approx(1000.0 / 4 * std::exp2(-400.0 / 3600)).epsilon(0.001));
  CHECK(bob == doctest::Approx(400.0));
  CHECK(alice < bob);  // more in total, but decayed below bob's fresh use

  h.submit(by("bob", "b-new"));
  h.submit(by("alice", "a-new"));
  h.tick();
  const auto sent = h.assigned_to("solo");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].spec().name() == "a-new");
}

TEST_CASE("fairshare usage halves after one half-life") {
  SchedulerConfig sc;
  sc.order = OrderPolicy::Fairshare;
  sc.fairshare_half_life = 7 * kDay;
  ReadyQueue q(sc, kT0);
  CHECK(q.usage("alice", kT0) == 0);
  q.charge("alice", 100, kT0);
  CHECK(q.usage("alice", kT0) == doctest::Approx(100));
  CHECK(q.usage("alice", kT0 + 7 * kDay) == doctest::Approx(50));
  CHECK(q.usage("alice", kT0 + 14 * kDay) == doctest::Approx(25));
  // A charge later adds at full weight then decays from there.
  q.charge("alice", 50, kT0 + 7 * kDay);
  CHECK(q.usage("alice", kT0 + 7 * kDay) == doctest::Approx(100));
  CHECK(q.usage("alice", kT0 + 14 * kDay) == doctest::Approx(50));
  // Usage never goes negative.
  q.charge("bob", -10, kT0);
  CHECK(q.usage("bob", kT0) == 0);
}

TEST_CASE("fairshare usage survives a very long idle time without overflow") {
  SchedulerConfig sc;
  sc.order = OrderPolicy::Fairshare;
  sc.fairshare_half_life = kSecond;
  ReadyQueue q(sc, kT0);
  q.charge("alice", 100, kT0);
  const TimeMs later = kT0 + 10000 * kSecond;  // 10000 half-lives
  q.charge("bob", 8, later);
  CHECK(q.usage("bob", later) == doctest::Approx(8));
  CHECK(q.usage("bob", later + kSecond) == doctest::Approx(4));
  CHECK(q.usage("alice", later) == doctest::Approx(0));
}

TEST_CASE("a finished task's fair-share charge is what it used: cpus times run time") {
  BrokerHarness h(with_order(OrderPolicy::Fairshare));
  h.register_worker("A", 4);
  pb::JobSpec two = by("alice", "two", 3600);
  two.mutable_resources()->set_cpus(2);
  const JobId j = h.submit(two);
  h.tick();
  // Dispatch charges the whole time limit provisionally: 2 cpus * 3600 s.
  CHECK(h.engine.scheduler().queue().usage("alice", h.now()) == doctest::Approx(2 * 3600.0));
  h.pass_time(100 * kSecond, {"A"});
  h.complete(j);
  CHECK(h.engine.scheduler().queue().usage("alice", h.now()) == doctest::Approx(200.0).epsilon(0.001));
}

TEST_CASE("the ready queue reports a job's position for explain") {
  SchedulerConfig sc;
  ReadyQueue q(sc, kT0);
  Job a, b, c;
  a.id = 1;
  a.submit_ms = kT0;
  b.id = 2;
  b.submit_ms = kT0;
  b.spec.edit([](pb::JobSpec& s) { s.set_priority(5); });
  c.id = 3;
  c.submit_ms = kT0;
  q.insert(a);
  q.insert(b);
  q.insert(c);
  CHECK(q.size() == 3);
  CHECK(q.position(b) == 0);
  CHECK(q.position(a) == 1);
  CHECK(q.position(c) == 2);
  q.erase(a);
  CHECK(q.size() == 2);
  CHECK(q.position(c) == 1);
}

}  // TEST_SUITE
