// The life of a task through the BrokerEngine: PENDING, RUNNING, and each way
// it can end, with the exit status `wait` reports for it.
#include <doctest/doctest.h>

#include "core/broker_engine.h"
#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.task_state") {

TEST_CASE("a submitted job is PENDING, waiting on priority until a pass finds no worker, then on resources") {
  BrokerHarness h;
  const JobId id = h.submit(command("solo"));
  CHECK(id == 1);
  CHECK(h.job(id).summary() == pb::PENDING);
  CHECK(h.job(id).reason == Reason::Priority);
  CHECK(h.job(id).tasks.empty());  // no record until it is dispatched
  CHECK(h.journal.jobs.count(id) == 1);

  h.tick();
  CHECK(h.job(id).summary() == pb::PENDING);
  CHECK(h.job(id).reason == Reason::Resources);
  CHECK(h.journal.events.empty());
}

TEST_CASE("dispatch makes the task RUNNING, journals attempt 1 and only then sends the Assign") {
  BrokerHarness h;
  h.register_worker("A", 4);
  const JobId id = h.submit(command("solo"));
  h.tick();

  // Journaled before the Assign was put in the outbox, and before anyone takes it.
  CHECK(h.journal.assign_before_journal == 0);
  REQUIRE(h.journal.events.size() == 1);
  CHECK(h.journal.events[0].task == "1");
  CHECK(h.journal.events[0].state == pb::RUNNING);
  CHECK(h.journal.events[0].attempt == 1);
  CHECK(h.journal.tasks.at({id, 0}).worker == "A");

  const auto sent = h.assigned_to("A");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].task().job() == id);
  CHECK(sent[0].task().index() == 0);
  CHECK(sent[0].task().attempt() == 1);
  CHECK(sent[0].spec().name() == "solo");
  CHECK_FALSE(sent[0].is_array());

  CHECK(h.job(id).summary() == pb::RUNNING);
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.task(id).attempt == 1);
  CHECK(h.worker_of(id) == "A");
  CHECK(h.worker("A")->used.cpus == 1);
}

TEST_CASE("a task that exits 0 is COMPLETED, the result is acked and the worker's cpus are free again") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("ok"));
  h.tick();
  h.sent_to("A");

  h.finish("A", h.ref(id), 0);
  CHECK(h.task(id).state == pb::COMPLETED);
  CHECK(h.job(id).summary() == pb::COMPLETED);
  CHECK(h.job(id).terminal());
  CHECK(h.job(id).worst_code == 0);
  CHECK(h.job(id).end_ms == h.now());
  CHECK(h.journal.events.back().state == pb::COMPLETED);
  CHECK(h.journal.jobs.at(id).end_ms == h.now());
  CHECK(h.worker("A")->used.cpus == 0);

  CHECK(h.sent_to("A").empty());  // acks leave at the end of the turn, after the commit
  h.tick();
  const auto acks = h.sent_to("A");
  REQUIRE(acks.size() == 1);
  REQUIRE(acks[0].has_finished_ack());
  REQUIRE(acks[0].finished_ack().tasks_size() == 1);
  CHECK(acks[0].finished_ack().tasks(0).attempt() == 1);
}

TEST_CASE("how a task ends decides its state and the exit status wait reports") {
  struct Case {
    const char* what;
    pb::Outcome outcome;
    int exit_code;
    int signal;
    TaskState state;
    int wait;
  };
  const Case cases[] = {
      {"exit 3", pb::EXITED, 3, 0, pb::FAILED, 3},
      {"killed by signal 9", pb::EXITED, 0, 9, pb::FAILED, 137},
      {"time limit", pb::TIMED_OUT, 0, 15, pb::TIMEOUT, 124},
      {"launch failure", pb::LAUNCH_FAILED, 127, 0, pb::FAILED, 127},
      {"killed at its --mem limit", pb::KILLED_OOM, 0, 9, pb::OUT_OF_MEMORY, 137},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    BrokerHarness h;
    h.register_worker("A", 1);
    const JobId id = h.submit(command("x"));
    h.tick();
    h.finish("A", h.ref(id), c.exit_code, c.outcome, c.signal);
    CHECK(h.task(id).state == c.state);
    CHECK(h.job(id).summary() == c.state);
    CHECK(wait_code(h.task(id)) == c.wait);
    CHECK(h.job(id).worst_code == c.wait);
    CHECK(h.journal.events.back().state == c.state);
  }
}

TEST_CASE("a launch failure without an exit code still reports 127") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.finish("A", h.ref(id), 0, pb::LAUNCH_FAILED);
  CHECK(h.task(id).state == pb::FAILED);
  CHECK(h.job(id).worst_code == 127);
}

TEST_CASE("cancelling a pending job makes it CANCELLED (125) without ever dispatching it") {
  BrokerHarness h;
  const JobId id = h.submit(command("x"));
  const pb::Reply r = h.cancel("1");
  CHECK(r.ok());
  CHECK(h.job(id).summary() == pb::CANCELLED);
  CHECK(h.job(id).terminal());
  CHECK(h.job(id).worst_code == 125);
  CHECK(h.job(id).extras().cancelled_pending.to_string() == "0");
  CHECK(h.journal.jobs.at(id).cancelled_pending == "0");

  h.register_worker("A", 1);
  h.tick();
  CHECK(h.assigned_to("A").empty());
  CHECK(h.job(id).tasks.empty());
}

TEST_CASE("cancelling a running job sends Kill{terminate} and ends CANCELLED when the worker reports KILLED_CANCEL") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.sent_to("A");

  CHECK(h.cancel("1").ok());
  const auto kills = h.kills_to("A");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].terminate());
  CHECK(kills[0].signal() == 0);
  CHECK(kills[0].task().job() == id);
  CHECK(kills[0].task().attempt() == 1);
  // Still running until the worker says it has stopped.
  CHECK(h.task(id).state == pb::RUNNING);
  CHECK(h.job(id).summary() == pb::RUNNING);

  h.finish("A", h.ref(id), 0, pb::KILLED_CANCEL, 15);
  CHECK(h.task(id).state == pb::CANCELLED);
  CHECK(h.job(id).summary() == pb::CANCELLED);
  CHECK(h.job(id).worst_code == 125);
  CHECK(h.worker("A")->used.cpus == 0);
}

TEST_CASE("a cancelled task that exits on its own before the Kill lands still ends CANCELLED") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.cancel("1");
  h.finish("A", h.ref(id), 0, pb::EXITED);
  CHECK(h.task(id).state == pb::CANCELLED);
  CHECK(h.job(id).worst_code == 125);
}

TEST_CASE("cancel with a signal delivers it and leaves the task running") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.cancel("1", 10);
  const auto kills = h.kills_to("A");
  REQUIRE(kills.size() == 1);
  CHECK_FALSE(kills[0].terminate());
  CHECK(kills[0].signal() == 10);
  CHECK(h.task(id).state == pb::RUNNING);
  h.finish("A", h.ref(id), 0);
  CHECK(h.task(id).state == pb::COMPLETED);
}

TEST_CASE("cancelling a finished job is refused politely and changes nothing") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  h.complete(id);
  const pb::Reply r = h.cancel("1");
  REQUIRE(r.messages_size() == 1);
  CHECK(r.messages(0).find("already finished") != std::string::npos);
  CHECK(h.job(id).summary() == pb::COMPLETED);
}

TEST_CASE("a wait on a running job is answered when it ends, with its exit status") {
  BrokerHarness h;
  h.register_worker("A", 1);
  const JobId id = h.submit(command("x"));
  h.tick();
  pb::Envelope wait;
  wait.set_request_id(7);
  wait.mutable_wait()->add_targets("1");
  CHECK(h.client(wait, "waiter").empty());
  CHECK(h.engine.waiter_count() == 1);

  h.finish("A", h.ref(id), 4);
  std::vector<pb::Envelope> replies;
  for (Outgoing& o : h.outbox.take())
    if (o.channel == Channel::Client && o.peer == "waiter") replies.push_back(o.message);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].request_id() == 7);
  REQUIRE(replies[0].has_wait_reply());
  CHECK(replies[0].wait_reply().exit_code() == 4);
  CHECK(h.engine.waiter_count() == 0);
}

TEST_CASE("submit refuses a spec with nothing to run, and a bad array or dependency, naming the problem") {
  BrokerHarness h;
  pb::JobSpec empty;
  auto r = h.engine.submit(empty, h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("nothing to run") != std::string::npos);

  pb::JobSpec bad_array = command("x");
  bad_array.set_array("5-1");
  r = h.engine.submit(bad_array, h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("5-1") != std::string::npos);

  pb::JobSpec unknown_dep = command("x");
  unknown_dep.set_dependency("afterok:99");
  r = h.engine.submit(unknown_dep, h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("unknown job 99") != std::string::npos);
  CHECK(h.engine.jobs().empty());
  CHECK(h.engine.next_job_id() == 1);  // refused submits use no id
}

}  // TEST_SUITE

TEST_SUITE("core.spec_cache") {
  TEST_CASE("a job's spec goes to a worker once; its later tasks there carry spec_cached") {
    BrokerHarness h;
    pb::JobSpec s = command("arr");
    s.set_array("0-3");
    const JobId id = h.submit(s);
    h.register_worker("w1", 2);
    h.tick();
    auto first = h.assigned_to("w1");
    REQUIRE(first.size() == 2);
    CHECK(first[0].spec().name() == "arr");
    CHECK_FALSE(first[0].spec_cached());
    CHECK(first[1].spec_cached());
    CHECK(first[1].spec().argv_size() == 0);
    h.complete(id, 0);
    h.tick();
    auto next = h.assigned_to("w1");
    REQUIRE(next.size() == 1);
    CHECK(next[0].spec_cached());
  }

  TEST_CASE("after the worker registers again, the spec is sent again") {
    BrokerHarness h;
    pb::JobSpec s = command("arr");
    s.set_array("0-3");
    const JobId id = h.submit(s);
    h.register_worker("w1", 1);
    h.tick();
    REQUIRE(h.assigned_to("w1").size() == 1);
    h.complete(id, 0);
    pb::Register r = BrokerHarness::registration("w1", 1);
    h.register_worker(r);  // a new connection: the worker's cache is empty
    h.tick();
    auto next = h.assigned_to("w1");
    REQUIRE(next.size() == 1);
    CHECK_FALSE(next[0].spec_cached());
    CHECK(next[0].spec().name() == "arr");
  }

  TEST_CASE("NEED_SPEC from a worker requeues the task without a crash and the spec is sent with the next try") {
    BrokerHarness h;
    pb::JobSpec s = command("arr");
    s.set_array("0-1");
    const JobId id = h.submit(s);
    h.register_worker("w1", 1);
    h.tick();
    REQUIRE(h.assigned_to("w1").size() == 1);
    h.complete(id, 0);
    h.tick();
    auto second = h.assigned_to("w1");
    REQUIRE(second.size() == 1);
    REQUIRE(second[0].spec_cached());
    h.finish("w1", second[0].task(), 0, pb::NEED_SPEC);
    CHECK(h.task(id, 1).state == pb::PENDING);
    CHECK(h.task(id, 1).crashes == 0);
    h.tick();
    auto retry = h.assigned_to("w1");
    REQUIRE(retry.size() == 1);
    CHECK_FALSE(retry[0].spec_cached());
    CHECK(retry[0].task().attempt() == 2);
  }
}

TEST_SUITE("core.task_state") {
  TEST_CASE("a finished job drops its environment and script from memory; the journal keeps them") {
    BrokerHarness h;
    h.register_worker("A", 1);
    pb::JobSpec s = command("env-heavy");
    s.add_env("BIG=" + std::string(4096, 'x'));
    s.set_script("#!/bin/sh\necho hi\n");
    const JobId id = h.submit(s);
    h.tick();
    CHECK(h.job(id).spec.full().env_size() == 1);
    h.complete(id);
    CHECK(h.job(id).summary() == pb::COMPLETED);
    CHECK(h.job(id).spec.full().env_size() == 0);
    CHECK(h.job(id).spec.full().script().empty());
    CHECK(h.job(id).spec.name() == "env-heavy");
    CHECK(h.journal.jobs.at(id).spec.env_size() == 1);
  }
}
