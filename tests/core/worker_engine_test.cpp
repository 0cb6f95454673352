// The worker engine: registration, launching, results and their acks.
#include <doctest/doctest.h>

#include "worker_harness.h"

using namespace baton;
using namespace baton::test;
using namespace baton::test::worker_test;

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

TEST_CASE("a worker that runs jobs as their submitters asks the launcher for the job's user") {
  WorkerConfig c = config();
  c.run_as_submitter = true;
  WorkerHarness w(c);
  w.connect();
  w.assign(assignment(1, 0, 1));
  pb::JobSpec root = spec();
  root.set_user("root");
  c.allow_root_jobs = true;
  WorkerHarness allowing(c);
  allowing.connect();
  allowing.assign(assignment(2, 0, 1, root));
  REQUIRE(w.launcher.launched.size() == 1);
  CHECK(w.launcher.launched[0].run_as == std::optional<std::string>("alice"));
  CHECK_FALSE(w.launcher.launched[0].allow_root);
  REQUIRE(allowing.launcher.launched.size() == 1);
  CHECK(allowing.launcher.launched[0].run_as == std::optional<std::string>("root"));
  CHECK(allowing.launcher.launched[0].allow_root);

  // A job with no user name still asks for one: the launcher refuses it
  // rather than running it as the (root) worker.
  pb::JobSpec nameless = spec();
  nameless.clear_user();
  w.assign(assignment(3, 0, 1, nameless));
  REQUIRE(w.launcher.launched.size() == 2);
  CHECK(w.launcher.launched[1].run_as == std::optional<std::string>(""));
}

TEST_CASE("a worker that does not run jobs as their submitters runs them as itself") {
  WorkerHarness w;
  w.connect();
  w.assign(assignment(1, 0, 1));
  REQUIRE(w.launcher.launched.size() == 1);
  CHECK_FALSE(w.launcher.launched[0].run_as.has_value());
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

TEST_CASE("a burst of 'register again' answers (a restarted broker) sends one REGISTER per heartbeat interval") {
  WorkerHarness w;  // heartbeat 1 s
  w.connect();
  pb::Envelope bye;
  bye.mutable_disconnect()->set_reason("unknown worker; register again");
  for (int i = 0; i < 25; ++i) w.receive(bye);  // one per message queued during the outage
  CHECK(w.count_sent([](const pb::Envelope& m) { return m.has_register_(); }) == 1);
  // Unanswered for a heartbeat interval: the next one registers again.
  w.clock.advance(1000);
  w.receive(bye);
  CHECK(w.count_sent([](const pb::Envelope& m) { return m.has_register_(); }) == 1);
  // Once registered, a new 'register again' is obeyed at once.
  pb::Envelope ok;
  ok.mutable_registered()->set_heartbeat_ms(1000);
  w.receive(ok);
  w.receive(bye);
  CHECK(w.count_sent([](const pb::Envelope& m) { return m.has_register_(); }) == 1);
}

}  // TEST_SUITE

TEST_SUITE("core.worker_engine") {
TEST_CASE("a task assigned with spec_cached runs from the spec the job's first task brought") {
  WorkerHarness w;
  w.connect();
  w.assign(array_assignment(42, 0, 1));
  pb::Assignment cached = array_assignment(42, 1, 1, pb::JobSpec());
  cached.set_spec_cached(true);
  w.assign(cached);
  REQUIRE(w.launcher.launched.size() == 2);
  CHECK(w.launcher.launched[1].argv == w.launcher.launched[0].argv);
  CHECK(env_of(w.launcher.launched[1]).at("BATON_ARRAY_TASK_ID") == "1");
}

TEST_CASE("a spec_cached task for a job the worker does not know is answered NEED_SPEC, not run") {
  WorkerHarness w;
  w.connect();
  pb::Assignment cached = array_assignment(43, 1, 1, pb::JobSpec());
  cached.set_spec_cached(true);
  w.assign(cached);
  CHECK(w.launcher.launched.empty());
  const auto results = w.results();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome() == pb::NEED_SPEC);
}

TEST_CASE("BATON_* variables inherited from the submitter are replaced, never passed through") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.add_env("BATON_ARRAY_TASK_ID=99");
  s.add_env("BATON_JOB_ID=7");
  s.add_env("KEEP=me");
  w.assign(assignment(44, 0, 1, s));
  REQUIRE(w.launcher.launched.size() == 1);
  const auto env = env_of(w.launcher.launched[0]);
  CHECK(env.count("BATON_ARRAY_TASK_ID") == 0);
  CHECK(env.at("BATON_JOB_ID") == "44");
  CHECK(env.at("KEEP") == "me");
}
}  // TEST_SUITE
