// A broker restart: restore() from what the journal kept rebuilds the queue,
// and tasks that were running wait for their worker to re-register (or are
// requeued when it does not come back within the orphan window).
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

// A second broker, started where the first one stopped, from its journal.
struct Restarted {
  explicit Restarted(const BrokerHarness& before, BrokerConfig cfg = {}) : h(std::move(cfg), before.now()) {
    h.engine.restore(before.journal.recovered(), h.now());
  }
  BrokerHarness h;
};

}  // namespace

TEST_SUITE("core.recovery") {

TEST_CASE("restore rebuilds pending jobs, which run when a worker registers; ids are not reused") {
  BrokerHarness before;
  const JobId plain = before.submit(command("plain"));
  pb::JobSpec arr = command("arr");
  arr.set_array("0-3%2");
  const JobId array = before.submit(arr);
  const JobId dropped = before.submit(command("dropped"));
  before.cancel(std::to_string(dropped));

  Restarted r(before);
  auto& h = r.h;
  CHECK(h.engine.jobs().size() == 3);
  CHECK(h.engine.next_job_id() == 4);
  CHECK(h.job(plain).summary() == pb::PENDING);
  CHECK(h.job(array).pending.size() == 4);
  CHECK(h.job(array).spec.throttle() == 2);
  CHECK(h.job(dropped).summary() == pb::CANCELLED);
  CHECK(h.job(dropped).worst_code == 125);
  CHECK(h.job(dropped).terminal());

  h.register_worker("A", 8);
  h.tick();
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 3);  // the plain job, and two array tasks (throttle %2)
  CHECK(h.job(plain).summary() == pb::RUNNING);
  CHECK(h.job(array).running == 2);
  CHECK(h.job(dropped).tasks.empty());
  CHECK(h.submit(command("new")) == 4);
}

TEST_CASE("finished jobs come back finished, with their exit status, and do not run again") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId id = before.submit(command("bad"));
  before.tick();
  before.finish("A", before.ref(id), 3);
  REQUIRE(before.job(id).summary() == pb::FAILED);

  Restarted r(before);
  CHECK(r.h.job(id).summary() == pb::FAILED);
  CHECK(r.h.job(id).worst_code == 3);
  CHECK(r.h.job(id).end_ms == before.job(id).end_ms);
  r.h.register_worker("A", 1);
  r.h.tick();
  CHECK(r.h.assigned_to("A").empty());
}

TEST_CASE("a running task is re-attached when its worker re-registers listing it: no new attempt, no Assign") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId running = before.submit(command("running"));
  const JobId waiting = before.submit(command("waiting"));
  before.tick();
  REQUIRE(before.task(running).state == pb::RUNNING);

  Restarted r(before);
  auto& h = r.h;
  CHECK(h.task(running).state == pb::RUNNING);
  CHECK(h.job(running).running == 1);
  CHECK(h.job(waiting).summary() == pb::PENDING);

  pb::Register again = BrokerHarness::registration("A", 1);
  *again.add_running()->mutable_task() = task_ref(running, 0, 1);
  h.register_worker(again);
  h.tick();
  CHECK(h.assigned_to("A").empty());  // A is full with the re-attached task
  CHECK(h.kills_to("A").empty());
  CHECK(h.task(running).state == pb::RUNNING);
  CHECK(h.task(running).attempt == 1);
  CHECK(h.worker_of(running) == "A");
  CHECK(h.worker("A")->used.cpus == 1);
  CHECK(h.journal.events.empty());  // nothing changed, nothing journaled

  h.complete(running);
  CHECK(h.task(running).state == pb::COMPLETED);
  h.tick();
  const auto next = h.assigned_to("A");
  REQUIRE(next.size() == 1);
  CHECK(next[0].task().job() == waiting);
  CHECK(next[0].task().attempt() == 1);
}

TEST_CASE("a running task whose worker does not come back within reattach_grace is requeued as attempt 2") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId id = before.submit(command("x"));
  before.tick();

  BrokerConfig cfg;
  cfg.reattach_grace_ms = 10 * kSecond;
  Restarted r(before, cfg);  // the worker has reattach_grace to come back
  auto& h = r.h;
  h.register_worker("B", 1);
  h.pass_time(9 * kSecond, {"B"});
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.assigned_to("B").empty());

  h.pass_time(kSecond, {"B"});
  const auto sent = h.assigned_to("B");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 2);
  CHECK(h.worker_of(id) == "B");
  CHECK(h.task(id).crashes == 1);
  CHECK(h.job(id).running == 1);
}

TEST_CASE("a running task its worker no longer reports after the restart is requeued at once") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId id = before.submit(command("x"));
  before.tick();

  Restarted r(before);
  auto& h = r.h;
  h.register_worker("A", 1);  // lists nothing
  CHECK(h.task(id).state == pb::PENDING);
  CHECK(h.task(id).reason == Reason::WorkerLost);
  CHECK(h.job(id).running == 0);
  h.tick();
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 2);
}

TEST_CASE("a task that finished while the broker was down is recorded from the registration, not re-run") {
  BrokerHarness before;
  before.register_worker("A", 2);
  const JobId id = before.submit(command("x"));
  before.tick();
  const pb::TaskRef ran = before.ref(id);

  Restarted r(before);
  auto& h = r.h;
  pb::Register again = BrokerHarness::registration("A", 2);  // lists nothing running...
  *again.add_unacked() = BrokerHarness::result(ran, pb::EXITED, 0);  // ...because it ended
  h.register_worker(again);
  CHECK(h.task(id).state == pb::COMPLETED);
  CHECK(h.task(id).attempt == 1);
  CHECK(h.task(id).crashes == 0);
  CHECK(h.job(id).running == 0);
  h.tick();
  CHECK(h.assigned_to("A").empty());
}

TEST_CASE("a second registration that cannot yet list a task just dispatched does not requeue it") {
  BrokerHarness h;
  h.register_worker("A", 2);
  const JobId id = h.submit(command("x"));
  h.tick();
  REQUIRE(h.assigned_to("A").size() == 1);
  // The worker registered again before the Assign reached it.
  h.register_worker("A", 2);
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.task(id).attempt == 1);
  CHECK(h.job(id).running == 1);
  CHECK(h.worker("A")->used.cpus == 1);
  h.tick();
  CHECK(h.assigned_to("A").empty());
  // Heartbeats settle it as for any task: one that never arrives is requeued.
  h.pass_time(3 * kSecond, {});
  h.heartbeat("A", {});
  CHECK(h.task(id).state != pb::RUNNING);
  CHECK(h.task(id).reason == Reason::WorkerLost);
}

TEST_CASE("cancelling a recovered running task whose worker has not returned ends it at once") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId id = before.submit(command("x"));
  before.tick();

  Restarted r(before);
  CHECK(r.h.cancel(std::to_string(id)).ok());
  CHECK(r.h.task(id).state == pb::CANCELLED);
  CHECK(r.h.job(id).summary() == pb::CANCELLED);
  CHECK(r.h.job(id).worst_code == 125);
}

TEST_CASE("a task waiting out a retry delay is still waiting after the restart") {
  BrokerHarness before;
  before.register_worker("A", 1);
  pb::JobSpec s = command("flaky");
  s.set_retries(1);
  s.set_retry_delay_ms(60 * kSecond);
  const JobId id = before.submit(s);
  before.tick();
  before.finish("A", before.ref(id), 1);
  REQUIRE(before.task(id).eligible_ms == kT0 + 60 * kSecond);
  before.advance(10 * kSecond);

  Restarted r(before);
  auto& h = r.h;
  CHECK(h.job(id).delayed == 1);
  CHECK(h.engine.next_deadline() <= kT0 + 60 * kSecond);
  h.register_worker("A", 1);
  h.pass_time(49 * kSecond, {"A"});
  CHECK(h.assigned_to("A").empty());
  h.pass_time(kSecond, {"A"});
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().attempt() == 2);
}

TEST_CASE("dependencies are re-evaluated after a restart") {
  BrokerHarness before;
  before.register_worker("A", 2);
  const JobId first = before.submit(command("first"));
  pb::JobSpec s = command("second");
  s.set_dependency("afterok:" + std::to_string(first));
  const JobId second = before.submit(s);
  before.tick();
  REQUIRE(before.task(first).state == pb::RUNNING);

  Restarted r(before);
  auto& h = r.h;
  CHECK(h.job(second).reason == Reason::Dependency);
  pb::Register again = BrokerHarness::registration("A", 2);
  *again.add_running()->mutable_task() = task_ref(first, 0, 1);
  h.register_worker(again);
  h.tick();
  CHECK(h.assigned_to("A").empty());
  h.complete(first);
  h.tick();
  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().job() == second);
}

}  // TEST_SUITE

TEST_SUITE("core.recovery") {
  TEST_CASE("after a restart a finished task still names the worker it ran on, which is not listed until it registers") {
    BrokerHarness before;
    before.register_worker("A", 1);
    const JobId id = before.submit(command("done"));
    before.tick();
    before.complete(id);
    Restarted r(before);
    auto& h = r.h;
    CHECK(h.worker_of(id) == "A");
    pb::Envelope req;
    req.set_request_id(5);
    req.mutable_workers();
    h.engine.on_client_message("c", req, h.now());
    auto out = h.outbox.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].message.workers_reply().workers_size() == 0);
    h.register_worker("A", 1);
    h.engine.on_client_message("c", req, h.now());
    out = h.outbox.take();
    REQUIRE(out.size() >= 1);
    CHECK(out.back().message.workers_reply().workers_size() == 1);
  }
}

TEST_SUITE("core.recovery") {
TEST_CASE("a restart keeps finished jobs older than min_job_age out of memory, but knows how they ended") {
  BrokerHarness before;
  before.register_worker("A", 1);
  const JobId old = before.submit(command("old"));
  before.tick();
  before.finish("A", before.ref(old), 2);
  before.pass_time(10 * kSecond, {"A"});
  const JobId recent = before.submit(command("recent"));
  before.tick();
  before.complete(recent);

  BrokerConfig cfg;
  cfg.min_job_age_ms = 5 * kSecond;
  Restarted r(before, cfg);
  CHECK(r.h.engine.jobs().count(old) == 0);
  CHECK(r.h.engine.jobs().count(recent) == 1);
  CHECK(r.h.engine.evicted_count() == 1);
  pb::Envelope wait;
  wait.mutable_wait()->add_targets(std::to_string(old));
  auto replies = r.h.client(wait);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].wait_reply().exit_code() == 2);
}
}  // TEST_SUITE
