// Memory per pending job: the broker holds a queue of 100,000 one-task jobs in
// at most 1 KiB each (BENCHMARKS.md, section 5). These bounds keep Job lean:
// what few jobs use lives in JobExtras, allocated only when a job needs it,
// the spec is compact, and a plain job's array shape allocates nothing.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

TEST_SUITE("core.job_memory") {

TEST_CASE("a Job holds inline only what every job uses") {
  // Was 1040 bytes, with the rarely used parts and a pb::JobSpec inline; 536
  // now. The slack is for a counter or two, not for another set or string.
  CHECK(sizeof(Job) <= 576);
}

TEST_CASE("a plain pending job allocates no extras, even after a scheduling pass") {
  BrokerHarness h;
  const JobId id = h.submit(command("plain"));
  h.tick();
  CHECK(h.job(id).summary() == pb::PENDING);
  CHECK_FALSE(h.job(id).has_extras());
  CHECK(h.job(id).array.runs().size() == 1);  // the one task, index 0, from a shared run
  CHECK(h.job(id).array.index_at(0) == 0);
}

TEST_CASE("extras appear when a job needs them, and reads never create them") {
  BrokerHarness h;
  const JobId first = h.submit(command("first"));
  pb::JobSpec after = command("after");
  after.set_dependency("afterok:" + std::to_string(first));
  const JobId second = h.submit(after);
  pb::JobSpec labelled = command("labelled");
  (*labelled.mutable_constraints())["arch"] = "arm64";
  const JobId third = h.submit(labelled);
  h.tick();

  CHECK(h.job(first).extras().dependents == std::vector<JobId>{second});  // depended on
  CHECK_FALSE(h.job(second).has_extras());                                // only depends
  CHECK(h.job(third).extras().constraints.size() == 1);
  CHECK(h.job(second).extras().cancelled_pending.empty());
  CHECK_FALSE(h.job(second).has_extras());
}

}  // TEST_SUITE
