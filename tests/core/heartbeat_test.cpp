// Liveness on the broker: any traffic from a worker keeps it alive, silence
// for `liveness` heartbeat intervals loses it, and the broker heartbeats every
// live worker once per interval. Heartbeats also reconcile what runs where.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.heartbeat") {

TEST_CASE("a worker that sends any traffic within the window stays; silence for liveness intervals loses it") {
  BrokerHarness h;  // heartbeat 1 s, liveness 5: lost after 5 s of silence
  h.register_worker("A", 2);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.advance(4 * kSecond);

  SUBCASE("a heartbeat") { h.heartbeat("A"); }
  SUBCASE("a STARTED") { h.started("A", h.ref(id)); }
  SUBCASE("a result") { h.finish("A", h.ref(id), 0); }
  SUBCASE("a drain request") {
    pb::Envelope env;
    env.mutable_drain()->set_on(false);
    h.from_worker("A", env);
  }
  const TimeMs heard = h.now();
  CHECK(h.worker("A")->last_seen == heard);

  h.clock.set(heard + 5 * kSecond);
  h.tick();
  CHECK(h.worker("A")->state == WorkerState::Up);
  h.clock.set(heard + 5 * kSecond + 1);
  h.tick();
  CHECK(h.worker("A")->state == WorkerState::Lost);
}

TEST_CASE("liveness and the heartbeat interval together set the silence a worker is allowed") {
  BrokerConfig cfg;
  cfg.heartbeat_ms = 2 * kSecond;
  cfg.liveness = 3;
  BrokerHarness h(cfg);
  h.register_worker("A", 1);
  h.pass_time(6 * kSecond);
  CHECK(h.worker("A")->state == WorkerState::Up);
  h.advance(1);
  h.tick();
  CHECK(h.worker("A")->state == WorkerState::Lost);
}

TEST_CASE("only the silent worker is lost; the talkative one stays") {
  BrokerHarness h;
  h.register_worker("quiet", 1);
  h.register_worker("chatty", 1);
  h.pass_time(30 * kSecond, {"chatty"});
  CHECK(h.worker("quiet")->state == WorkerState::Lost);
  CHECK(h.worker("chatty")->state == WorkerState::Up);
}

TEST_CASE("the broker sends HEARTBEAT to every live worker once per interval") {
  BrokerHarness h;
  h.register_worker("A", 1);
  h.register_worker("B", 1);
  h.tick();
  CHECK(h.heartbeats_to("A") == 1);
  CHECK(h.heartbeats_to("B") == 1);

  h.advance(kSecond / 2);
  h.tick();
  CHECK(h.heartbeats_to("A") == 0);
  CHECK(h.heartbeats_to("B") == 0);

  h.advance(kSecond / 2);
  h.tick();
  CHECK(h.heartbeats_to("A") == 1);
  CHECK(h.heartbeats_to("B") == 1);

  // Over ten intervals, ten heartbeats each.
  std::size_t to_a = 0;
  for (int i = 0; i < 10; ++i) {
    h.advance(kSecond);
    h.heartbeat("A");
    h.heartbeat("B");
    h.tick();
    to_a += h.heartbeats_to("A");
  }
  CHECK(to_a == 10);

  // A lost worker gets none.
  h.pass_time(6 * kSecond, {"B"});
  REQUIRE(h.worker("A")->state == WorkerState::Lost);
  h.heartbeats_to("A");
  h.heartbeats_to("B");
  h.advance(kSecond);
  h.heartbeat("B");
  h.tick();
  CHECK(h.heartbeats_to("A") == 0);
  CHECK(h.heartbeats_to("B") == 1);
}

TEST_CASE("the next deadline is the next heartbeat or the first worker expiry") {
  BrokerHarness h;
  h.register_worker("A", 1);
  h.tick();
  CHECK(h.engine.next_deadline() == kT0 + kSecond);
  BrokerConfig slow;
  slow.heartbeat_ms = 10 * kSecond;
  slow.liveness = 1;
  BrokerHarness s(slow);
  s.register_worker("A", 1);
  s.tick();
  CHECK(s.engine.next_deadline() == kT0 + 10 * kSecond);
  s.advance(10 * kSecond);
  s.tick();  // heartbeats again; A expires 10 s after it was last heard, plus 1 ms
  CHECK(s.engine.next_deadline() == kT0 + 10 * kSecond + 1);
}

TEST_CASE("a heartbeat that does not list a task dispatched more than two intervals ago requeues it") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.assigned_to("A");

  // Within two intervals the Assign may still be in flight: no harm done.
  h.advance(kSecond);
  h.heartbeat("A", {});
  CHECK(h.task(id).state == pb::RUNNING);

  h.advance(kSecond);
  h.heartbeat("A", {});
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).reason == Reason::WorkerLost);
  CHECK(h.worker("A")->tasks.empty());
  h.tick();
  const auto again = h.assigned_to("A");
  REQUIRE(again.size() == 1);
  CHECK(again[0].task().attempt() == 2);
}

TEST_CASE("a heartbeat that lists a task the broker never placed there gets it killed") {
  BrokerHarness h;
  h.register_worker("A", 1);
  h.register_worker("B", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  REQUIRE(h.worker_of(id) == "A");
  h.heartbeat("B", {h.ref(id), task_ref(99, 0, 1)});
  const auto kills = h.kills_to("B");
  REQUIRE(kills.size() == 2);
  CHECK(kills[0].task().job() == id);
  CHECK(kills[1].task().job() == 99);
  CHECK(h.worker_of(id) == "A");
  CHECK(h.task(id).state == pb::RUNNING);
}

TEST_CASE("traffic from an unknown connection is answered with DISCONNECT so the worker registers again") {
  BrokerHarness h;
  pb::Envelope hb;
  hb.mutable_heartbeat();
  h.engine.on_worker_message("stranger", hb, h.now());
  const auto out = h.take_to_peer("stranger", [](const pb::Envelope&) { return true; });
  REQUIRE(out.size() == 1);
  CHECK(out[0].has_disconnect());
  CHECK(h.engine.workers().size() == 0);
}

TEST_CASE("a REGISTER without a name is refused") {
  BrokerHarness h;
  pb::Envelope env;
  env.mutable_register_()->mutable_capacity()->set_cpus(4);
  h.engine.on_worker_message("nameless", env, h.now());
  const auto out = h.take_to_peer("nameless", [](const pb::Envelope&) { return true; });
  REQUIRE(out.size() == 1);
  CHECK(out[0].has_disconnect());
  CHECK(h.engine.workers().size() == 0);
}

TEST_CASE("REGISTERED tells the worker the heartbeat interval and liveness") {
  BrokerConfig cfg;
  cfg.heartbeat_ms = 2500;
  cfg.liveness = 4;
  cfg.broker_id = "b-1";
  BrokerHarness h(cfg);
  h.register_worker("A", 1);
  const auto out = h.sent_to("A");
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].has_registered());
  CHECK(out[0].registered().heartbeat_ms() == 2500);
  CHECK(out[0].registered().liveness() == 4);
  CHECK(out[0].registered().broker_id() == "b-1");
}

}  // TEST_SUITE
