// WorkerHarness: a WorkerEngine with a FakeLauncher, a fake clock and an
// outbox, for the worker engine tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "core/worker_engine.h"
#include "fakes.h"

namespace baton::test::worker_test {

inline WorkerConfig config() {
  WorkerConfig c;
  c.name = "w1";
  c.host = "node7";
  c.capacity.cpus = 4;
  c.queues = {"default"};
  c.heartbeat_ms = kSecond;
  c.liveness = 5;
  c.kill_grace_ms = 10 * kSecond;
  c.drain_timeout_ms = 30 * kSecond;
  return c;
}

inline pb::JobSpec spec(const std::string& name = "train") {
  pb::JobSpec s;
  s.set_name(name);
  s.set_user("alice");
  s.add_argv("python");
  s.add_argv("train.py");
  s.set_submit_dir("/home/alice/proj");
  s.mutable_resources()->set_cpus(2);
  return s;
}

inline pb::Assignment assignment(JobId job, TaskIndex index, Attempt attempt, pb::JobSpec s = spec()) {
  pb::Assignment a;
  a.mutable_task()->set_job(job);
  a.mutable_task()->set_index(index);
  a.mutable_task()->set_attempt(attempt);
  *a.mutable_spec() = std::move(s);
  return a;
}

inline pb::Assignment array_assignment(JobId job, TaskIndex index, Attempt attempt, pb::JobSpec s = spec()) {
  pb::Assignment a = assignment(job, index, attempt, std::move(s));
  a.set_is_array(true);
  a.set_array_count(10);
  a.set_array_min(0);
  a.set_array_max(9);
  return a;
}

inline pb::TaskRef ref(JobId job, Attempt attempt, TaskIndex index = 0) {
  pb::TaskRef t;
  t.set_job(job);
  t.set_index(index);
  t.set_attempt(attempt);
  return t;
}

inline std::map<std::string, std::string> env_of(const LaunchSpec& l) {
  std::map<std::string, std::string> env;
  for (const auto& kv : l.env) {
    const auto eq = kv.find('=');
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

struct WorkerHarness {
  explicit WorkerHarness(WorkerConfig cfg = config()) : engine(std::move(cfg), launcher, reader, outbox, clock.now()) {}

  FakeClock clock;
  FakeLauncher launcher;
  FakeOutputReader reader;
  Outbox outbox;
  WorkerEngine engine;

  TimeMs now() const { return clock.now(); }
  void tick() { engine.on_tick(clock.now()); }
  void advance(TimeMs ms) {
    clock.advance(ms);
    tick();
  }
  void receive(const pb::Envelope& env) { engine.on_message(env, clock.now()); }

  // Connects and gets REGISTERED back; returns the REGISTER it sent.
  pb::Register connect() {
    engine.on_connected(clock.now());
    pb::Register reg;
    int n = 0;
    for (auto& o : outbox.take()) {
      if (o.message.has_register_()) {
        reg = o.message.register_();
        ++n;
      }
    }
    REQUIRE(n == 1);
    pb::Envelope ok;
    ok.mutable_registered()->set_heartbeat_ms(1000);
    receive(ok);
    return reg;
  }
  void assign(const pb::Assignment& a) {
    pb::Envelope env;
    *env.mutable_assign()->add_tasks() = a;
    receive(env);
  }
  void kill(const pb::TaskRef& t, bool terminate, int signal = 0) {
    pb::Envelope env;
    *env.mutable_kill()->mutable_task() = t;
    env.mutable_kill()->set_terminate(terminate);
    env.mutable_kill()->set_signal(signal);
    receive(env);
  }
  void ack(const pb::TaskRef& t) {
    pb::Envelope env;
    *env.mutable_finished_ack()->add_tasks() = t;
    receive(env);
  }
  void exit(int pid, int code, int signal = 0) {
    ProcessExit e;
    e.pid = pid;
    e.exit_code = code;
    e.signal = signal;
    e.max_rss_kb = 2048;
    e.cpu_ms = 1500;
    engine.on_exit(e, clock.now());
  }

  // Takes the sent messages and returns the results among them.
  std::vector<pb::TaskResult> results() {
    std::vector<pb::TaskResult> out;
    for (auto& o : outbox.take())
      if (o.message.has_finished()) out.push_back(o.message.finished().result());
    return out;
  }
  template <class Pred>
  std::size_t count_sent(Pred p) {
    std::size_t n = 0;
    for (auto& o : outbox.take()) n += p(o.message) ? 1 : 0;
    return n;
  }
  std::vector<int> signals_to(int pid) const {
    std::vector<int> out;
    for (auto [p, sig] : launcher.signals)
      if (p == pid) out.push_back(sig);
    return out;
  }
};

}  // namespace baton::test::worker_test
