// `baton logs` in the broker: it relays one read at a time between a client
// and the worker that ran the task, and always answers the client: with the
// chunk, or with an error when the worker is gone, fails, or stays silent.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec job_in_proj(const std::string& name, const std::string& user = "alice") {
  pb::JobSpec s = command(name);
  s.set_user(user);
  s.set_cwd("/home/" + user + "/proj");
  return s;
}

pb::Envelope logs(const std::string& target, std::uint64_t offset = 0, bool want_stderr = false) {
  pb::Envelope env;
  env.set_request_id(7);
  env.mutable_logs()->set_target(target);
  env.mutable_logs()->set_offset(offset);
  env.mutable_logs()->set_want_stderr(want_stderr);
  return env;
}

// Dispatches job `id` and starts it where it landed; returns that worker.
std::string run(BrokerHarness& h, JobId id) {
  h.tick();
  const std::string name = h.worker_of(id);
  REQUIRE(h.assigned_to(name).size() == 1);
  h.started(name, h.ref(id));
  return name;
}

std::vector<pb::ReadLog> reads_to(BrokerHarness& h, const std::string& name) {
  std::vector<pb::ReadLog> out;
  for (auto& env : h.take_to_peer(h.peer(name), [](const pb::Envelope& m) { return m.has_read_log(); }))
    out.push_back(env.read_log());
  return out;
}

// Job 1 (one task, "train") running on w1, and a client's read of its
// output sent on to w1: the one ReadLog w1 got.
pb::ReadLog read_in_flight(BrokerHarness& h, JobId& id) {
  id = h.submit(job_in_proj("train"));
  run(h, id);
  h.client(logs("1"));
  auto reads = reads_to(h, "w1");
  REQUIRE(reads.size() == 1);
  return reads[0];
}

void chunk(BrokerHarness& h, const std::string& name, std::uint64_t read_id, const std::string& data,
           std::uint64_t offset, std::uint64_t size) {
  pb::Envelope env;
  pb::LogChunk* c = env.mutable_log_chunk();
  c->set_read_id(read_id);
  c->set_data(data);
  c->set_offset(offset);
  c->set_size(size);
  h.from_worker(name, env);
}

// The client replies in the outbox, taken.
std::vector<pb::Envelope> to_client(BrokerHarness& h, const std::string& who = "client") {
  std::vector<pb::Envelope> out;
  for (Outgoing& o : h.outbox.take()) {
    if (o.channel == Channel::Client && o.peer == who) out.push_back(std::move(o.message));
    else h.outbox.send(o.channel, std::move(o.peer), std::move(o.message));
  }
  return out;
}

std::string error_of(const std::vector<pb::Envelope>& replies) {
  REQUIRE(replies.size() == 1);
  REQUIRE(replies[0].has_reply());
  CHECK_FALSE(replies[0].reply().ok());
  return replies[0].reply().error();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("core.logs") {

TEST_CASE("a read goes to the worker that ran the task, and its chunk back to the client and request that asked") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  h.register_worker("w2", 4);
  const JobId id = h.submit(job_in_proj("train"));
  const std::string ran_on = run(h, id);
  const std::string other = ran_on == "w1" ? "w2" : "w1";

  CHECK(h.client(logs("1", 100), "alice-term").empty());  // answered when the worker has read
  CHECK(reads_to(h, other).empty());
  auto reads = reads_to(h, ran_on);
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].path() == "/home/alice/proj/baton-1.out");
  CHECK(reads[0].offset() == 100);
  CHECK(reads[0].max_bytes() == 64u * 1024);
  CHECK(reads[0].user() == "alice");
  CHECK(h.engine.log_reads() == 1);

  chunk(h, ran_on, reads[0].read_id(), "hello\n", 100, 106);
  auto replies = to_client(h, "alice-term");
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].request_id() == 7);
  REQUIRE(replies[0].has_logs_reply());
  const pb::LogsReply& r = replies[0].logs_reply();
  CHECK(r.data() == "hello\n");
  CHECK(r.offset() == 100);
  CHECK(r.size() == 106);
  CHECK(r.started());
  CHECK(r.state() == pb::RUNNING);
  CHECK(r.worker() == ran_on);
  CHECK(h.engine.log_reads() == 0);
}

TEST_CASE("the state sent with a chunk is the task's when the chunk arrives: final means all output was seen") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  JobId id = 0;
  const std::vector<pb::ReadLog> reads{read_in_flight(h, id)};
  h.complete(id);  // FINISHED came before the chunk on the worker's connection
  chunk(h, "w1", reads[0].read_id(), "all\n", 0, 4);
  auto replies = to_client(h);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].logs_reply().state() == pb::COMPLETED);
}

TEST_CASE("a late or foreign chunk is ignored") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  h.register_worker("w2", 4);
  JobId id = 0;
  const std::vector<pb::ReadLog> reads{read_in_flight(h, id)};
  chunk(h, "w2", reads[0].read_id(), "not mine", 0, 8);
  chunk(h, "w1", 999, "unknown read", 0, 12);
  CHECK(to_client(h).empty());
  CHECK(h.engine.log_reads() == 1);
}

TEST_CASE("a finished task's worker that is gone is named, with where the output file was") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  const JobId id = h.submit(job_in_proj("train"));
  run(h, id);
  h.complete(id);
  pb::Envelope bye;
  bye.mutable_disconnect()->set_reason("stopped");
  h.from_worker("w1", bye);

  const std::string e = error_of(h.client(logs("1")));
  CHECK(e == "task 1 ran on worker w1, which is no longer connected; its output file was "
             "/home/alice/proj/baton-1.out on that host");
}

TEST_CASE("a read in flight when its worker is lost is answered with the worker-gone error") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  JobId id = 0;
  read_in_flight(h, id);
  h.pass_time(10 * h.engine.config().heartbeat_ms);  // silent: lost
  const std::string e = error_of(to_client(h));
  CHECK(contains(e, "worker w1, which is no longer connected"));
  CHECK(contains(e, "/home/alice/proj/baton-1.out"));
  CHECK(h.engine.log_reads() == 0);
}

TEST_CASE("a read the worker does not answer in time is answered with an error") {
  BrokerConfig cfg;
  cfg.heartbeat_ms = kMinute;  // the worker stays alive through the wait
  BrokerHarness h(cfg);
  h.register_worker("w1", 4);
  JobId id = 0;
  read_in_flight(h, id);
  CHECK(h.engine.next_deadline() <= h.now() + cfg.log_read_timeout_ms);
  h.advance(cfg.log_read_timeout_ms - 1);
  h.tick();
  CHECK(to_client(h).empty());
  h.advance(1);
  h.tick();
  CHECK(contains(error_of(to_client(h)), "worker w1 did not answer within 10 s"));
  CHECK(h.engine.log_reads() == 0);
}

TEST_CASE("the worker's read error comes back naming the worker and the task") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  JobId id = 0;
  const std::vector<pb::ReadLog> reads{read_in_flight(h, id)};
  pb::Envelope env;
  env.mutable_log_chunk()->set_read_id(reads[0].read_id());
  env.mutable_log_chunk()->set_error("cannot read /home/alice/proj/baton-1.out: Permission denied");
  h.from_worker("w1", env);
  CHECK(error_of(to_client(h)) == "worker w1 (task 1): cannot read /home/alice/proj/baton-1.out: Permission denied");
}

TEST_CASE("with private_jobs, users read only their own jobs' logs, as in status; admins any") {
  BrokerConfig cfg;
  cfg.private_jobs = true;
  BrokerHarness h(cfg);
  h.register_worker("w1", 4);
  const JobId id = h.submit(job_in_proj("train", "alice"));
  run(h, id);
  auto ask = [&](const Requester& who) {
    h.engine.on_client_message("client", logs("1"), h.now(), who);
    return to_client(h);
  };
  CHECK(error_of(ask({true, "bob", false})) == "job 1 belongs to another user (jobs are private here)");
  CHECK(reads_to(h, "w1").empty());
  CHECK(ask({true, "alice", false}).empty());
  REQUIRE(reads_to(h, "w1").size() == 1);
  h.engine.on_client_gone("client");
  CHECK(h.engine.log_reads() == 0);
  CHECK(ask({true, "root", true}).empty());
  CHECK(reads_to(h, "w1").size() == 1);
}

TEST_CASE("an array named without an index is a usage error that names its first task") {
  BrokerHarness h;
  pb::JobSpec s = job_in_proj("sweep");
  s.set_array("3-9");
  const JobId id = h.submit(s);
  auto replies = h.client(logs(std::to_string(id)));
  CHECK(error_of(replies) == "job 1 is an array: name one task, e.g. 1_3");
  CHECK(replies[0].reply().code() == 2);
  CHECK(error_of(h.client(logs("1_[3-4]"))) == "logs shows one task at a time; 1_[3-4] names 2");
  CHECK(error_of(h.client(logs("77"))).rfind("unknown job 77 (", 0) == 0);
}

TEST_CASE("a task that has not started says so, with its reason; one cancelled before it ran has no output") {
  BrokerHarness h;
  pb::JobSpec s = job_in_proj("later");
  s.set_hold(true);
  const JobId id = h.submit(s);
  auto replies = h.client(logs(std::to_string(id)));
  REQUIRE(replies.size() == 1);
  REQUIRE(replies[0].has_logs_reply());
  CHECK_FALSE(replies[0].logs_reply().started());
  CHECK(replies[0].logs_reply().reason() == "Held");

  h.cancel(std::to_string(id));
  CHECK(error_of(h.client(logs(std::to_string(id)))) == "task 1 was cancelled before it started; it has no output");
}

TEST_CASE("stderr is read from the -e file; without one, from the stdout file, and the reply says so") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  pb::JobSpec with_e = job_in_proj("a");
  with_e.set_stderr_pattern("err/%x-%j.err");
  const JobId a = h.submit(with_e);
  const JobId b = h.submit(job_in_proj("b"));
  h.tick();
  REQUIRE(h.assigned_to("w1").size() == 2);

  h.client(logs(std::to_string(a), 0, true));
  auto reads = reads_to(h, "w1");
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].path() == "/home/alice/proj/err/a-1.err");
  chunk(h, "w1", reads[0].read_id(), "", 0, 0);
  auto replies = to_client(h);
  REQUIRE(replies.size() == 1);
  CHECK_FALSE(replies[0].logs_reply().stderr_in_stdout());

  h.client(logs(std::to_string(b), 0, true));
  reads = reads_to(h, "w1");
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].path() == "/home/alice/proj/baton-2.out");
  chunk(h, "w1", reads[0].read_id(), "", 0, 0);
  replies = to_client(h);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].logs_reply().stderr_in_stdout());
}

TEST_CASE("one read per client connection is in flight at a time") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  const JobId id = h.submit(job_in_proj("train"));
  run(h, id);
  CHECK(h.client(logs("1")).empty());
  CHECK(contains(error_of(h.client(logs("1"))), "already in flight"));
  CHECK(h.client(logs("1"), "another").empty());
  CHECK(reads_to(h, "w1").size() == 2);
}

TEST_CASE("a worker that reconnects is asked again for the reads its old connection lost") {
  BrokerHarness h;
  h.register_worker("w1", 4);
  JobId id = 0;
  const std::vector<pb::ReadLog> first{read_in_flight(h, id)};
  pb::Register again = BrokerHarness::registration("w1", 4);
  pb::RunningTask* rt = again.add_running();
  *rt->mutable_task() = h.ref(id);
  h.register_worker(again);  // a new connection
  auto resent = reads_to(h, "w1");
  REQUIRE(resent.size() == 1);
  CHECK(resent[0].read_id() == first[0].read_id());
  chunk(h, "w1", resent[0].read_id(), "x", 0, 1);
  CHECK(to_client(h).size() == 1);
}

}  // TEST_SUITE
