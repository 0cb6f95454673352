// EASY backfill: the first job that cannot start gets a reservation; jobs
// behind it may start early only if they end before it, or fit beside it.
// With backfill off they wait their turn. A job no worker could ever run is
// parked (Resources) and does not block the queue.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::JobSpec job(const std::string& name, std::uint32_t cpus, std::int64_t limit_s) {
  pb::JobSpec s = command(name, cpus);
  s.set_time_limit_s(limit_s);
  return s;
}

// One 4-cpu worker, busy with a 3-cpu job for up to an hour; then a 4-cpu job
// queues, blocked until that hour is up.
struct Blocked {
  explicit Blocked(BrokerConfig cfg = {}) : h(std::move(cfg)) {
    h.register_worker("W", 4);
    running = h.submit(job("running", 3, 3600));
    h.tick();
    REQUIRE(h.task(running).state == pb::RUNNING);
    big = h.submit(job("big", 4, 3600));
  }
  BrokerHarness h;
  JobId running = 0;
  JobId big = 0;
};

}  // namespace

TEST_SUITE("core.backfill") {

TEST_CASE("a short job runs in front of a blocked big job when it ends before the big job's reservation") {
  Blocked b;
  auto& h = b.h;
  const JobId quick = h.submit(job("quick", 1, 30 * 60));
  h.tick();
  CHECK(h.job(b.big).tasks.empty());
  CHECK(h.job(b.big).reason == Reason::Resources);
  const auto& res = h.engine.scheduler().reservation();
  REQUIRE(res);
  CHECK(res->job == b.big);
  CHECK(res->start == kT0 + kHour);
  CHECK(h.task(quick).state == pb::RUNNING);
}

TEST_CASE("a small job whose time limit would delay the reservation does not backfill") {
  Blocked b;
  auto& h = b.h;
  const JobId too_long = h.submit(job("too-long", 1, 2 * 3600));
  const JobId unlimited = h.submit(job("unlimited", 1, 0));
  h.tick();
  CHECK(h.job(too_long).tasks.empty());
  CHECK(h.job(unlimited).tasks.empty());
  CHECK(h.job(too_long).reason == Reason::Priority);
  CHECK(h.job(b.big).reason == Reason::Resources);

  // When the hour is up the big job goes first.
  h.complete(b.running);
  h.tick();
  CHECK(h.task(b.big).state == pb::RUNNING);
  CHECK(h.job(too_long).tasks.empty());
}

TEST_CASE("a job that ends exactly when the reservation starts may backfill") {
  Blocked b;
  const JobId exact = b.h.submit(job("exact", 1, 3600));
  b.h.tick();
  CHECK(b.h.task(exact).state == pb::RUNNING);
}

TEST_CASE("the reservation counts from when the running task really started") {
  Blocked b;
  auto& h = b.h;
  h.advance(10 * kMinute);
  h.started("W", h.ref(b.running));  // it started 10 minutes late
  const JobId fits = h.submit(job("fits", 1, 55 * 60));
  h.tick();
  REQUIRE(h.engine.scheduler().reservation());
  CHECK(h.engine.scheduler().reservation()->start == kT0 + 70 * kMinute);
  CHECK(h.task(fits).state == pb::RUNNING);
}

TEST_CASE("a job of any length may backfill into what the reserved job leaves spare") {
  BrokerHarness h;
  h.register_worker("W", 8);
  const JobId running = h.submit(job("running", 4, 3600));
  h.tick();
  REQUIRE(h.task(running).state == pb::RUNNING);
  // big needs 6 of 8 cpus: it starts in an hour, leaving 2 spare beside it.
  const JobId big = h.submit(job("big", 6, 3600));
  const JobId side = h.submit(job("side", 1, 0));
  const JobId side2 = h.submit(job("side2", 1, 0));
  const JobId side3 = h.submit(job("side3", 1, 0));
  h.tick();
  CHECK(h.job(big).tasks.empty());
  REQUIRE(h.engine.scheduler().reservation());
  CHECK(h.task(side).state == pb::RUNNING);
  CHECK(h.task(side2).state == pb::RUNNING);
  CHECK(h.job(side3).tasks.empty());  // 2 cpus free now, but none spare at the reservation
  CHECK(h.job(side3).reason == Reason::Priority);
  CHECK(h.engine.scheduler().reservation()->spare.cpus == 0);
}

TEST_CASE("a job blocked behind tasks placed earlier in the same pass reserves from their time limits") {
  BrokerHarness h;
  h.register_worker("W", 4);
  const JobId first = h.submit(job("first", 2, 600));
  const JobId big = h.submit(job("big", 4, 3600));
  const JobId quick = h.submit(job("quick", 1, 300));
  const JobId slow = h.submit(job("slow", 1, 1200));
  h.tick();  // one pass places first, blocks big, backfills quick
  CHECK(h.task(first).state == pb::RUNNING);
  CHECK(h.job(big).tasks.empty());
  REQUIRE(h.engine.scheduler().reservation());
  CHECK(h.engine.scheduler().reservation()->job == big);
  CHECK(h.engine.scheduler().reservation()->start == kT0 + 600 * kSecond);
  CHECK(h.task(quick).state == pb::RUNNING);
  CHECK(h.job(slow).tasks.empty());
}

TEST_CASE("with backfill off a blocked job holds back every job behind it on its workers") {
  BrokerConfig cfg;
  cfg.scheduler.backfill = false;
  Blocked b(cfg);
  auto& h = b.h;
  const JobId quick = h.submit(job("quick", 1, 60));
  h.tick();
  CHECK(h.job(quick).tasks.empty());
  CHECK(h.job(quick).reason == Reason::Priority);
  CHECK(h.job(b.big).reason == Reason::Resources);
  CHECK_FALSE(h.engine.scheduler().reservation());

  h.complete(b.running);
  h.tick();
  CHECK(h.task(b.big).state == pb::RUNNING);
  CHECK(h.job(quick).tasks.empty());
  h.complete(b.big);
  h.tick();
  CHECK(h.task(quick).state == pb::RUNNING);
}

TEST_CASE("with backfill off a job may still run on a worker the blocked job could not use") {
  BrokerConfig cfg;
  cfg.scheduler.backfill = false;
  BrokerHarness h(cfg);
  pb::Register gpu = BrokerHarness::registration("G", 4);
  gpu.add_queues("gpu");
  h.register_worker("W", 4);
  h.register_worker(gpu);
  const JobId running = h.submit(job("running", 3, 3600));
  h.tick();
  REQUIRE(h.worker_of(running) == "W");
  const JobId big = h.submit(job("big", 4, 3600));  // default queue: W only
  pb::JobSpec g = job("gpu-job", 1, 0);
  g.set_queue("gpu");
  const JobId other = h.submit(g);
  h.tick();
  CHECK(h.job(big).tasks.empty());
  CHECK(h.worker_of(other) == "G");
}

TEST_CASE("a job bigger than every worker is parked (Resources) without blocking the jobs behind it") {
  BrokerHarness h;
  h.register_worker("small", 4);
  const JobId huge = h.submit(command("huge", 16));
  const JobId normal = h.submit(command("normal", 1));
  h.tick();
  CHECK(h.job(huge).tasks.empty());
  CHECK(h.job(huge).gate == Gate::Parked);
  CHECK(h.job(huge).reason == Reason::Resources);
  CHECK(h.task(normal).state == pb::RUNNING);

  h.register_worker("big", 32);
  h.tick();
  CHECK(h.task(huge).state == pb::RUNNING);
  CHECK(h.worker_of(huge) == "big");
}

TEST_CASE("submitting a job no registered worker can run warns but queues it") {
  BrokerHarness h;
  h.register_worker("small", 4);
  std::vector<std::string> warnings;
  auto r = h.engine.submit(command("huge", 16), h.now(), &warnings);
  REQUIRE(r);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("16 cpus") != std::string::npos);
  CHECK(warnings[0].find("small") != std::string::npos);
  CHECK(h.job(*r).summary() == pb::PENDING);
}

}  // TEST_SUITE
