// The worker engine: time limits, signals, cancels, liveness and draining.
#include <doctest/doctest.h>

#include "worker_harness.h"

using namespace baton;
using namespace baton::test;
using namespace baton::test::worker_test;

TEST_SUITE("core.worker_engine") {

TEST_CASE("at its time limit a task gets SIGTERM, SIGKILL after kill_grace, and is reported TIMED_OUT") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.set_time_limit_s(60);
  w.assign(assignment(42, 0, 1, s));
  const int pid = w.launcher.next_pid - 1;
  CHECK(w.engine.next_deadline() <= kT0 + 60 * kSecond);

  w.clock.set(kT0 + 60 * kSecond - 1);
  w.tick();
  CHECK(w.signals_to(pid).empty());
  w.clock.set(kT0 + 60 * kSecond);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});

  w.clock.set(kT0 + 70 * kSecond - 1);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
  w.clock.set(kT0 + 70 * kSecond);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM, SIGKILL});
  w.advance(kSecond);
  CHECK(w.signals_to(pid).size() == 2);  // SIGKILL once

  w.outbox.clear();
  w.exit(pid, 0, SIGKILL);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::TIMED_OUT);
  CHECK(results[0].signal() == SIGKILL);
}

TEST_CASE("a contained task gets its --mem and cpus as limits, and one the OOM killer ended is reported KILLED_OOM") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.mutable_resources()->set_mem_mb(512);
  s.mutable_resources()->set_cpus(3);
  w.assign(assignment(42, 0, 1, s));
  REQUIRE(w.launcher.launched.size() == 1);
  CHECK(w.launcher.launched[0].limits.mem_mb == 512);
  CHECK(w.launcher.launched[0].limits.cpus == 3);
  const int pid = w.launcher.next_pid - 1;
  w.outbox.clear();
  ProcessExit e;
  e.pid = pid;
  e.signal = SIGKILL;
  e.out_of_memory = true;
  w.engine.on_exit(e, w.clock.now());
  auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::KILLED_OOM);

  // An OOM kill of some helper process, after which the task still exits 0: it completed.
  w.assign(assignment(43, 0, 1, s));
  e.pid = w.launcher.next_pid - 1;
  e.signal = 0;
  e.exit_code = 0;
  w.engine.on_exit(e, w.clock.now());
  results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::EXITED);
}

TEST_CASE("a task that stops at SIGTERM is still reported TIMED_OUT and gets no SIGKILL") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.set_time_limit_s(1);
  w.assign(assignment(42, 0, 1, s));
  const int pid = w.launcher.next_pid - 1;
  w.advance(kSecond);
  w.outbox.clear();
  w.exit(pid, 0, SIGTERM);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::TIMED_OUT);
  w.advance(20 * kSecond);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
}

TEST_CASE("--signal sends the warning signal the given seconds before the time limit") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.set_time_limit_s(60);
  s.set_warn_signal(SIGUSR1);
  s.set_warn_before_s(30);
  w.assign(assignment(42, 0, 1, s));
  const int pid = w.launcher.next_pid - 1;
  w.clock.set(kT0 + 30 * kSecond - 1);
  w.tick();
  CHECK(w.signals_to(pid).empty());
  w.clock.set(kT0 + 30 * kSecond);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGUSR1});
  w.advance(kSecond);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGUSR1});
}

TEST_CASE("Kill{terminate} ends the task (SIGTERM, then SIGKILL) and reports KILLED_CANCEL") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 2));
  const int pid = w.launcher.next_pid - 1;
  w.kill(ref(42, 2), true);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
  w.advance(10 * kSecond);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM, SIGKILL});
  w.outbox.clear();
  w.exit(pid, 0, SIGKILL);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::KILLED_CANCEL);
}

TEST_CASE("a Kill for another attempt of the task is ignored") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 2));
  w.kill(ref(42, 1), true);
  CHECK(w.launcher.signals.empty());
}

TEST_CASE("Kill with a signal delivers it to the task's process group and leaves it running") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int pid = w.launcher.next_pid - 1;
  w.kill(ref(42, 1), false, SIGUSR2);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGUSR2});
  CHECK(w.engine.running() == 1);
  w.advance(30 * kSecond);
  CHECK(w.signals_to(pid) == std::vector<int>{SIGUSR2});  // no SIGKILL follows
  w.exit(pid, 0);
  const auto results = w.results();
  REQUIRE(results.size() >= 1);
  CHECK(results.back().outcome() == pb::EXITED);
}

TEST_CASE("a launch failure is reported LAUNCH_FAILED with exit 127 and the reason") {
  WorkerHarness w;
  w.connect();
  w.launcher.fail_next = true;
  w.assign(assignment(42, 0, 1));
  CHECK(w.launcher.launched.empty());
  CHECK(w.engine.running() == 0);
  auto sent = w.outbox.take();
  REQUIRE(sent.size() == 1);  // no STARTED
  REQUIRE(sent[0].message.has_finished());
  const pb::TaskResult& r = sent[0].message.finished().result();
  CHECK(r.outcome() == pb::LAUNCH_FAILED);
  CHECK(r.exit_code() == 127);
  CHECK(r.error().find("python") != std::string::npos);
  CHECK(w.engine.unacked() == 1);
}

TEST_CASE("the same Assign delivered twice starts the task once") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  w.assign(assignment(42, 0, 1));
  CHECK(w.launcher.launched.size() == 1);
  CHECK(w.engine.running() == 1);
}

TEST_CASE("a newer attempt of a task still running replaces it; the old process's exit goes unreported") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int old_pid = w.launcher.next_pid - 1;
  w.assign(assignment(42, 0, 2));
  REQUIRE(w.launcher.launched.size() == 2);
  const int new_pid = w.launcher.next_pid - 1;
  CHECK(w.signals_to(old_pid) == std::vector<int>{SIGTERM});
  w.outbox.clear();
  w.exit(old_pid, 0, SIGTERM);
  CHECK(w.results().empty());
  w.exit(new_pid, 0);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].task().attempt() == 2);
  CHECK(results[0].outcome() == pb::EXITED);
}

TEST_CASE("the worker heartbeats every interval, listing what it runs") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  w.assign(assignment(43, 0, 5));
  w.outbox.clear();
  std::vector<pb::Heartbeat> beats;
  for (int i = 0; i < 10; ++i) {
    w.advance(kSecond / 2);
    for (auto& o : w.outbox.take())
      if (o.message.has_heartbeat()) beats.push_back(o.message.heartbeat());
  }
  CHECK(beats.size() == 5);
  REQUIRE_FALSE(beats.empty());
  REQUIRE(beats.back().running_size() == 2);
  CHECK(beats.back().running(0).job() == 42);
  CHECK(beats.back().running(1).attempt() == 5);
}

TEST_CASE("the broker is lost after liveness heartbeat intervals without a word from it") {
  WorkerHarness w;  // heartbeat 1 s, liveness 5
  w.connect();
  w.clock.advance(5 * kSecond);
  CHECK_FALSE(w.engine.broker_lost(w.now()));
  w.clock.advance(1);
  CHECK(w.engine.broker_lost(w.now()));

  pb::Envelope hb;
  hb.mutable_heartbeat();
  w.receive(hb);
  CHECK_FALSE(w.engine.broker_lost(w.now()));
  CHECK(w.engine.broker_lost(w.now() + 5 * kSecond + 1));
}

TEST_CASE("draining starts no new tasks and hands back running ones after drain_timeout") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int pid = w.launcher.next_pid - 1;
  w.outbox.clear();

  w.engine.drain(w.now());
  CHECK(w.count_sent([](const pb::Envelope& m) { return m.has_drain() && m.drain().on(); }) == 1);
  CHECK_FALSE(w.engine.done(w.now()));

  // A new task arriving now is handed straight back.
  w.assign(assignment(43, 0, 1));
  CHECK(w.launcher.launched.size() == 1);
  auto back = w.results();
  REQUIRE(back.size() == 1);
  CHECK(back[0].task().job() == 43);
  CHECK(back[0].outcome() == pb::HANDED_BACK);

  // The running one may finish until the drain timeout...
  w.clock.set(kT0 + 30 * kSecond - 1);
  w.tick();
  CHECK(w.signals_to(pid).empty());
  // ...then it is stopped and handed back.
  w.clock.set(kT0 + 30 * kSecond);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
  w.outbox.clear();
  w.exit(pid, 0, SIGTERM);
  back = w.results();
  REQUIRE(back.size() == 1);
  CHECK(back[0].task().job() == 42);
  CHECK(back[0].outcome() == pb::HANDED_BACK);

  CHECK_FALSE(w.engine.done(w.now()));  // results not yet acked
  w.ack(back[0].task());
  w.ack(ref(43, 1));
  CHECK(w.engine.done(w.now()));
}

TEST_CASE("a task that finishes during the drain is reported as usual") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  w.engine.drain(w.now());
  w.clock.advance(10 * kSecond);
  w.outbox.clear();
  w.exit(w.launcher.next_pid - 1, 0);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::EXITED);
}

TEST_CASE("a task already stopping at its time limit when the drain times out is still reported TIMED_OUT") {
  WorkerHarness w;  // kill_grace 10 s, drain_timeout 30 s
  w.connect();
  pb::JobSpec s = spec();
  s.set_time_limit_s(20);
  w.assign(assignment(42, 0, 1, s));
  const int pid = w.launcher.next_pid - 1;
  w.engine.drain(w.now());
  w.clock.set(kT0 + 20 * kSecond);
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
  w.clock.set(kT0 + 30 * kSecond);  // SIGKILL is due, and so is the drain timeout
  w.tick();
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM, SIGKILL});
  w.outbox.clear();
  w.exit(pid, 0, SIGKILL);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::TIMED_OUT);  // not HANDED_BACK: it must not run again
}

TEST_CASE("a task being cancelled when the worker drains is still reported KILLED_CANCEL") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int pid = w.launcher.next_pid - 1;
  w.kill(ref(42, 1), true);
  w.engine.drain(w.now());
  w.engine.drain(w.now());  // hand back everything now
  w.outbox.clear();
  w.exit(pid, 0, SIGTERM);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::KILLED_CANCEL);
}

TEST_CASE("a second drain request hands back running tasks at once") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int pid = w.launcher.next_pid - 1;
  w.engine.drain(w.now());
  CHECK(w.launcher.signals.empty());
  w.engine.drain(w.now());
  CHECK(w.signals_to(pid) == std::vector<int>{SIGTERM});
  // A handed-back task is still listed while its process lives, so the broker
  // waits for its HANDED_BACK result instead of counting it as lost.
  const pb::Register reg = w.connect();
  CHECK(reg.running_size() == 1);
  CHECK(reg.draining());
  w.exit(pid, 0, SIGTERM);
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::HANDED_BACK);
}

TEST_CASE("a drained worker with unacked results gives up on them after the liveness window") {
  WorkerHarness w;
  w.connect();
  w.engine.drain(w.now());
  CHECK(w.engine.done(w.now()));  // nothing running, nothing to deliver
  w.assign(assignment(42, 0, 1));  // handed back; the broker never acks
  CHECK_FALSE(w.engine.done(w.now()));
  CHECK_FALSE(w.engine.done(kT0 + 35 * kSecond - 1));
  CHECK(w.engine.done(kT0 + 35 * kSecond));
}

}  // TEST_SUITE
