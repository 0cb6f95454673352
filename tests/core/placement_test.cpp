// Which worker a task goes to, how many fit, and what happens to running
// tasks when their worker registers again.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

// Names of the workers, in the order the pass placed `n` one-cpu jobs.
std::vector<std::string> placements(BrokerHarness& h, int n) {
  std::vector<JobId> ids;
  for (int i = 0; i < n; ++i) ids.push_back(h.submit(command("j" + std::to_string(i))));
  h.tick();
  std::vector<std::string> where;
  for (JobId id : ids) where.push_back(h.job(id).tasks.empty() ? "-" : h.worker_of(id));
  return where;
}

BrokerConfig with_placement(PlacementPolicy p) {
  BrokerConfig cfg;
  cfg.scheduler.placement = p;
  return cfg;
}

}  // namespace

TEST_SUITE("core.placement") {

TEST_CASE("least-loaded spreads tasks across equal workers") {
  BrokerHarness h;
  h.register_worker("A", 4);
  h.register_worker("B", 4);
  CHECK(placements(h, 4) == std::vector<std::string>{"A", "B", "A", "B"});
  CHECK(h.worker("A")->used.cpus == 2);
  CHECK(h.worker("B")->used.cpus == 2);
}

TEST_CASE("least-loaded compares the share of cpus in use, so a bigger worker takes more") {
  BrokerHarness h;
  h.register_worker("small", 2);
  h.register_worker("big", 8);
  // 0/2 vs 0/8: a tie goes to the bigger worker. Then 0/2 < 1/8; then 1/2 vs
  // 1/8, 2/8, 3/8: big; then 1/2 vs 4/8: a tie, big again.
  CHECK(placements(h, 5) == std::vector<std::string>{"big", "small", "big", "big", "big"});
}

TEST_CASE("each worker runs at most its cpus of one-cpu tasks; the rest wait for Resources") {
  BrokerHarness h;
  h.register_worker("A", 2);
  h.register_worker("B", 3);
  const auto where = placements(h, 7);
  CHECK(std::count(where.begin(), where.end(), "A") == 2);
  CHECK(std::count(where.begin(), where.end(), "B") == 3);
  CHECK(std::count(where.begin(), where.end(), "-") == 2);
  CHECK(h.worker("A")->used.cpus == 2);
  CHECK(h.worker("B")->used.cpus == 3);
  CHECK(h.engine.workers().free_cpus() == 0);
  CHECK(h.job(6).reason == Reason::Resources);
  CHECK(h.assigned_to("A").size() == 2);
  CHECK(h.assigned_to("B").size() == 3);

  // One ends on A: exactly one more starts, on A.
  for (JobId id = 1; id <= 5; ++id) {
    if (h.worker_of(id) == "A") {
      h.complete(id);
      break;
    }
  }
  h.tick();
  CHECK(h.assigned_to("A").size() == 1);
  CHECK(h.assigned_to("B").empty());
}

TEST_CASE("a multi-cpu task needs all its cpus free on one worker") {
  BrokerHarness h;
  h.register_worker("A", 2);
  h.register_worker("B", 2);
  h.submit(command("one"));          // A
  h.submit(command("other"));        // B
  const JobId two = h.submit(command("two", 2));
  h.tick();
  CHECK(h.job(two).tasks.empty());   // 1 + 1 cpu free, but not on one worker
  h.complete(1);
  h.tick();
  CHECK(h.worker_of(two) == "A");
}

TEST_CASE("pack fills the fullest worker that still fits") {
  BrokerHarness h(with_placement(PlacementPolicy::Pack));
  h.register_worker("A", 4);
  h.register_worker("B", 4);
  CHECK(placements(h, 5) == std::vector<std::string>{"A", "A", "A", "A", "B"});
}

TEST_CASE("round-robin takes the next worker after the last one chosen") {
  BrokerHarness h(with_placement(PlacementPolicy::RoundRobin));
  h.register_worker("A", 4);
  h.register_worker("B", 4);
  h.register_worker("C", 4);
  CHECK(placements(h, 5) == std::vector<std::string>{"A", "B", "C", "A", "B"});
}

TEST_CASE("weighted gives each worker tasks in proportion to its weight") {
  BrokerHarness h(with_placement(PlacementPolicy::Weighted));
  pb::Register a = BrokerHarness::registration("A", 8);
  a.set_weight(1);
  pb::Register b = BrokerHarness::registration("B", 8);
  b.set_weight(3);
  h.register_worker(a);
  h.register_worker(b);
  const auto where = placements(h, 8);
  CHECK(std::count(where.begin(), where.end(), "A") == 2);
  CHECK(std::count(where.begin(), where.end(), "B") == 6);
}

TEST_CASE("a task goes only to a worker serving its queue and carrying its labels") {
  BrokerHarness h;
  pb::Register gpu = BrokerHarness::registration("gpu-node", 4);
  gpu.add_queues("gpu");
  (*gpu.mutable_labels())["arch"] = "x86";
  pb::Register plain = BrokerHarness::registration("plain", 4);
  (*plain.mutable_labels())["arch"] = "arm";
  h.register_worker(gpu);
  h.register_worker(plain);
  pb::JobSpec in_gpu = command("in-gpu-queue");
  in_gpu.set_queue("gpu");
  pb::JobSpec on_arm = command("on-arm");
  (*on_arm.mutable_constraints())["arch"] = "arm";
  pb::JobSpec x86_default = command("x86-in-default");  // no x86 worker serves "default"
  (*x86_default.mutable_constraints())["arch"] = "x86";
  const JobId a = h.submit(in_gpu);
  const JobId b = h.submit(on_arm);
  const JobId c = h.submit(x86_default);
  h.tick();
  CHECK(h.worker_of(a) == "gpu-node");
  CHECK(h.worker_of(b) == "plain");
  CHECK(h.job(c).tasks.empty());
  CHECK(h.job(c).reason == Reason::Resources);
  CHECK(h.job(c).gate == Gate::Parked);
}

TEST_CASE("tasks asking for GPUs get distinct GPU ids, freed when they end") {
  BrokerHarness h;
  pb::Register r = BrokerHarness::registration("G", 8);
  r.add_gpu_ids(0);
  r.add_gpu_ids(1);
  h.register_worker(r);
  pb::JobSpec s = command("train");
  s.mutable_resources()->set_gpus(1);
  const JobId a = h.submit(s);
  const JobId b = h.submit(s);
  const JobId c = h.submit(s);
  h.tick();
  const auto sent = h.assigned_to("G");
  REQUIRE(sent.size() == 2);
  REQUIRE(sent[0].gpus_size() == 1);
  REQUIRE(sent[1].gpus_size() == 1);
  CHECK(sent[0].gpus(0) == 0);
  CHECK(sent[1].gpus(0) == 1);
  CHECK(h.job(c).tasks.empty());  // cpus are free, GPUs are not

  h.complete(a);
  h.tick();
  const auto third = h.assigned_to("G");
  REQUIRE(third.size() == 1);
  REQUIRE(third[0].gpus_size() == 1);
  CHECK(third[0].gpus(0) == 0);
  CHECK(h.task(b).gpus == std::vector<std::uint32_t>{1});
}

TEST_CASE("a worker registering again with its running tasks keeps them: no requeue, no new attempt") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId j1 = h.submit(command("one"));
  const JobId j2 = h.submit(command("two"));
  const JobId j3 = h.submit(command("three"));
  h.tick();
  REQUIRE(h.assigned_to("A").size() == 3);
  const auto events = h.journal.events.size();

  pb::Register again = BrokerHarness::registration("A", 4);
  for (JobId id : {j1, j2, j3}) {
    pb::RunningTask* rt = again.add_running();
    *rt->mutable_task() = h.ref(id);
    rt->set_start_ms(kT0 + 5);
  }
  h.advance(kSecond);
  h.register_worker(again);  // a new connection
  h.tick();
  CHECK(h.assigned_to("A").empty());
  CHECK(h.kills_to("A").empty());
  CHECK(h.journal.events.size() == events);
  for (JobId id : {j1, j2, j3}) {
    CAPTURE(id);
    CHECK(h.task(id).state == pb::RUNNING);
    CHECK(h.task(id).attempt == 1);
    CHECK(h.worker_of(id) == "A");
    CHECK(h.task(id).start_ms == kT0 + 5);
  }
  CHECK(h.worker("A")->tasks.size() == 3);
  CHECK(h.worker("A")->used.cpus == 3);
  CHECK(h.engine.workers().free_cpus() == 1);

  // Results now come over the new connection.
  h.complete(j2);
  CHECK(h.task(j2).state == pb::COMPLETED);
  CHECK(h.worker("A")->used.cpus == 2);
}

TEST_CASE("a worker registering again without a task it was running gets that task requeued") {
  BrokerHarness h;
  h.register_worker("A", 2);
  const JobId kept = h.submit(command("kept"));
  const JobId gone = h.submit(command("gone"));
  h.tick();
  h.assigned_to("A");
  h.pass_time(3 * kSecond, {"A"});  // long enough that no Assign can still be in flight

  pb::Register again = BrokerHarness::registration("A", 2);
  *again.add_running()->mutable_task() = h.ref(kept);
  h.register_worker(again);
  CHECK(h.task(kept).state == pb::RUNNING);
  CHECK(h.task(gone).state == pb::PENDING);
  CHECK(h.task(gone).reason == Reason::WorkerLost);
  CHECK(h.task(gone).crashes == 1);
  CHECK(h.worker("A")->used.cpus == 1);

  h.tick();
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().job() == gone);
  CHECK(sent[0].task().attempt() == 2);
}

TEST_CASE("a re-attached task keeps the GPUs it was given, and the others stay free") {
  BrokerHarness h;
  pb::Register r = BrokerHarness::registration("G", 4);
  r.add_gpu_ids(0);
  r.add_gpu_ids(1);
  h.register_worker(r);
  pb::JobSpec s = command("train");
  s.mutable_resources()->set_gpus(1);
  const JobId first = h.submit(s);
  const JobId second = h.submit(s);
  h.tick();
  REQUIRE(h.task(second).gpus == std::vector<std::uint32_t>{1});
  h.complete(first);  // GPU 0 is free; GPU 1 busy

  pb::Register again = r;
  *again.add_running()->mutable_task() = h.ref(second);
  h.register_worker(again);
  CHECK(h.task(second).gpus == std::vector<std::uint32_t>{1});
  CHECK(h.worker("G")->gpus_free == std::vector<std::uint32_t>{0});

  const JobId third = h.submit(s);
  h.tick();
  CHECK(h.task(third).state == pb::RUNNING);
  CHECK(h.task(third).gpus == std::vector<std::uint32_t>{0});
}

TEST_CASE("a worker that registers as draining gets no tasks; resume lets it take them") {
  BrokerHarness h;
  pb::Register r = BrokerHarness::registration("A", 2);
  r.set_draining(true);
  h.register_worker(r);
  const JobId id = h.submit(command("x"));
  h.tick();
  CHECK(h.job(id).tasks.empty());
  pb::Envelope resume;
  resume.mutable_drain()->set_on(false);
  h.from_worker("A", resume);
  h.tick();
  CHECK(h.worker_of(id) == "A");
}

TEST_CASE("an operator drain (workers drain) keeps new tasks off a worker") {
  BrokerHarness h;
  h.register_worker("A", 2);
  h.register_worker("B", 2);
  pb::Envelope drain;
  drain.mutable_workers()->set_drain("A");
  const auto replies = h.client(drain);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].has_workers_reply());
  CHECK(placements(h, 3) == std::vector<std::string>{"B", "B", "-"});
}

}  // TEST_SUITE
