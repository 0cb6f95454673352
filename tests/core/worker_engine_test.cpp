// The worker engine: what it launches for an Assign (environment, output
// files), how it reports results until acked, and how it ends tasks at a time
// limit, on cancel, and when it drains. Processes are a FakeLauncher's;
// time is a FakeClock's.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "core/worker_engine.h"
#include "fakes.h"

using namespace baton;
using namespace baton::test;

namespace {

WorkerConfig config() {
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

pb::JobSpec spec(const std::string& name = "train") {
  pb::JobSpec s;
  s.set_name(name);
  s.set_user("alice");
  s.add_argv("python");
  s.add_argv("train.py");
  s.set_submit_dir("/home/alice/proj");
  s.mutable_resources()->set_cpus(2);
  return s;
}

pb::Assignment assignment(JobId job, TaskIndex index, Attempt attempt, pb::JobSpec s = spec()) {
  pb::Assignment a;
  a.mutable_task()->set_job(job);
  a.mutable_task()->set_index(index);
  a.mutable_task()->set_attempt(attempt);
  *a.mutable_spec() = std::move(s);
  return a;
}

pb::Assignment array_assignment(JobId job, TaskIndex index, Attempt attempt, pb::JobSpec s = spec()) {
  pb::Assignment a = assignment(job, index, attempt, std::move(s));
  a.set_is_array(true);
  a.set_array_count(10);
  a.set_array_min(0);
  a.set_array_max(9);
  return a;
}

pb::TaskRef ref(JobId job, Attempt attempt, TaskIndex index = 0) {
  pb::TaskRef t;
  t.set_job(job);
  t.set_index(index);
  t.set_attempt(attempt);
  return t;
}

std::map<std::string, std::string> env_of(const LaunchSpec& l) {
  std::map<std::string, std::string> env;
  for (const auto& kv : l.env) {
    const auto eq = kv.find('=');
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

struct WorkerHarness {
  explicit WorkerHarness(WorkerConfig cfg = config()) : engine(std::move(cfg), launcher, outbox, clock.now()) {}

  FakeClock clock;
  FakeLauncher launcher;
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

}  // namespace

TEST_SUITE("core.worker_engine") {

TEST_CASE("connecting sends REGISTER with the worker's name, resources, queues and labels") {
  WorkerConfig c = config();
  c.labels["arch"] = "x86";
  c.gpu_ids = {0, 1};
  c.weight = 3;
  WorkerHarness w(c);
  CHECK_FALSE(w.engine.registered());
  w.engine.on_connected(w.now());
  auto sent = w.outbox.take();
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].message.has_register_());
  const pb::Register& r = sent[0].message.register_();
  CHECK(r.name() == "w1");
  CHECK(r.host() == "node7");
  CHECK(r.capacity().cpus() == 4);
  CHECK(r.queues_size() == 1);
  CHECK(r.labels().at("arch") == "x86");
  CHECK(r.gpu_ids_size() == 2);
  CHECK(r.weight() == 3);
  CHECK_FALSE(r.version().empty());
  CHECK(r.running_size() == 0);
  CHECK_FALSE(w.engine.registered());

  pb::Envelope ok;
  ok.mutable_registered();
  w.receive(ok);
  CHECK(w.engine.registered());
}

TEST_CASE("an Assign launches the task with the BATON_* environment and sends STARTED") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.add_env("HOME=/home/alice");
  s.add_env("PATH=/opt/bin");
  w.assign(assignment(42, 0, 3, s));

  REQUIRE(w.launcher.launched.size() == 1);
  const LaunchSpec& l = w.launcher.launched[0];
  CHECK(l.task.job == 42);
  CHECK(l.attempt == 3);
  CHECK(l.argv == std::vector<std::string>{"python", "train.py"});
  CHECK(l.cwd == "/home/alice/proj");  // no -D: the submit directory
  CHECK(l.stdout_path == "baton-42.out");
  CHECK(l.stderr_path.empty());
  const auto env = env_of(l);
  CHECK(env.at("BATON_JOB_ID") == "42");
  CHECK(env.at("BATON_TASK_ID") == "42");
  CHECK(env.at("BATON_JOB_NAME") == "train");
  CHECK(env.at("BATON_ATTEMPT") == "3");
  CHECK(env.at("BATON_CPUS") == "2");
  CHECK(env.at("BATON_WORKER") == "w1");
  CHECK(env.at("BATON_SUBMIT_DIR") == "/home/alice/proj");
  CHECK(env.at("HOME") == "/home/alice");
  CHECK(env.at("PATH") == "/opt/bin");  // the job's own PATH wins over the default
  CHECK(env.count("BATON_ARRAY_JOB_ID") == 0);
  CHECK(env.count("BATON_ARRAY_TASK_ID") == 0);
  CHECK(env.count("CUDA_VISIBLE_DEVICES") == 0);  // a worker without GPUs leaves it alone

  auto sent = w.outbox.take();
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].message.has_started());
  CHECK(sent[0].message.started().task().job() == 42);
  CHECK(sent[0].message.started().task().attempt() == 3);
  CHECK(sent[0].message.started().start_ms() == w.now());
  CHECK(w.engine.running() == 1);
}

TEST_CASE("a task without PATH gets a default one, and -D sets its working directory") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.set_cwd("/scratch/run1");
  w.assign(assignment(7, 0, 1, s));
  REQUIRE(w.launcher.launched.size() == 1);
  CHECK(w.launcher.launched[0].cwd == "/scratch/run1");
  CHECK(env_of(w.launcher.launched[0]).at("PATH") == "/usr/local/bin:/usr/bin:/bin");
}

TEST_CASE("an array task sees BATON_ARRAY_* and its output file names its index") {
  WorkerHarness w;
  w.connect();
  w.assign(array_assignment(42, 7, 1));
  REQUIRE(w.launcher.launched.size() == 1);
  const LaunchSpec& l = w.launcher.launched[0];
  const auto env = env_of(l);
  CHECK(env.at("BATON_JOB_ID") == "42");
  CHECK(env.at("BATON_TASK_ID") == "42_7");
  CHECK(env.at("BATON_ARRAY_JOB_ID") == "42");
  CHECK(env.at("BATON_ARRAY_TASK_ID") == "7");
  CHECK(env.at("BATON_ARRAY_TASK_COUNT") == "10");
  CHECK(env.at("BATON_ARRAY_TASK_MIN") == "0");
  CHECK(env.at("BATON_ARRAY_TASK_MAX") == "9");
  CHECK(l.stdout_path == "baton-42_7.out");
  CHECK(l.task.index == 7);
}

TEST_CASE("output paths are expanded from the job's -o and -e patterns") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec("train");
  s.set_stdout_pattern("logs/%x-%A_%4a.%N.out");
  s.set_stderr_pattern("logs/%u-%j.err");
  s.set_open_append(true);
  w.assign(array_assignment(42, 7, 1, s));
  REQUIRE(w.launcher.launched.size() == 1);
  CHECK(w.launcher.launched[0].stdout_path == "logs/train-42_0007.node7.out");
  CHECK(w.launcher.launched[0].stderr_path == "logs/alice-42_7.err");
  CHECK(w.launcher.launched[0].append);
}

TEST_CASE("CUDA_VISIBLE_DEVICES lists the GPUs assigned, and is empty for a task that asked for none") {
  WorkerConfig c = config();
  c.gpu_ids = {0, 1, 2, 3};
  WorkerHarness w(c);
  w.connect();
  pb::Assignment with = assignment(1, 0, 1);
  with.add_gpus(1);
  with.add_gpus(3);
  w.assign(with);
  w.assign(assignment(2, 0, 1));
  REQUIRE(w.launcher.launched.size() == 2);
  CHECK(env_of(w.launcher.launched[0]).at("CUDA_VISIBLE_DEVICES") == "1,3");
  CHECK(env_of(w.launcher.launched[1]).at("CUDA_VISIBLE_DEVICES") == "");
}

TEST_CASE("a task's exit is reported as FINISHED and re-sent until the broker acks it") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 1));
  const int pid = w.launcher.next_pid - 1;
  w.outbox.clear();
  w.clock.advance(5 * kSecond);
  w.exit(pid, 3);

  auto results = w.results();
  REQUIRE(results.size() == 1);
  const pb::TaskResult r = results[0];
  CHECK(r.task().job() == 42);
  CHECK(r.task().attempt() == 1);
  CHECK(r.outcome() == pb::EXITED);
  CHECK(r.exit_code() == 3);
  CHECK(r.signal() == 0);
  CHECK(r.start_ms() == kT0);
  CHECK(r.end_ms() == kT0 + 5 * kSecond);
  CHECK(r.max_rss_kb() == 2048);
  CHECK(r.cpu_ms() == 1500);
  CHECK(w.engine.running() == 0);
  CHECK(w.engine.unacked() == 1);

  // Not acked: sent again every two heartbeat intervals.
  w.advance(2 * kSecond);
  results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].exit_code() == 3);

  w.ack(r.task());
  CHECK(w.engine.unacked() == 0);
  w.advance(10 * kSecond);
  CHECK(w.results().empty());
}

TEST_CASE("an ack for another attempt does not clear a result") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(42, 0, 2));
  w.exit(w.launcher.next_pid - 1, 0);
  w.ack(ref(42, 1));
  CHECK(w.engine.unacked() == 1);
}

TEST_CASE("after a reconnect, REGISTER carries the running tasks and the unacked results") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(1, 0, 1));
  const int first_pid = w.launcher.next_pid - 1;
  w.clock.advance(kSecond);
  w.assign(assignment(2, 0, 4));
  w.exit(first_pid, 0);  // job 1's process ends
  w.outbox.clear();

  const pb::Register reg = w.connect();
  REQUIRE(reg.running_size() == 1);
  CHECK(reg.running(0).task().job() == 2);
  CHECK(reg.running(0).task().attempt() == 4);
  CHECK(reg.running(0).start_ms() == kT0 + kSecond);
  REQUIRE(reg.unacked_size() == 1);
  CHECK(reg.unacked(0).task().job() == 1);
  CHECK(reg.unacked(0).outcome() == pb::EXITED);
}

TEST_CASE("a broker DISCONNECT makes the worker register again") {
  WorkerHarness w;
  w.connect();
  pb::Envelope bye;
  bye.mutable_disconnect()->set_reason("unknown worker");
  w.receive(bye);
  CHECK_FALSE(w.engine.registered());
  CHECK(w.count_sent([](const pb::Envelope& m) { return m.has_register_(); }) == 1);
}

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
