// CompactSpec: the broker's in-memory form of a job's spec (wire bytes plus
// the fields scheduling reads, decoded) gives back exactly what it was given.
#include <doctest/doctest.h>

#include "core/compact_spec.h"

using namespace baton;

namespace {

pb::JobSpec sample() {
  pb::JobSpec s;
  s.set_name("nightly");
  s.set_user("alice");
  s.set_uid(1000);
  s.add_argv("/bin/sh");
  s.add_argv("-c");
  s.set_script(std::string("#!/bin/sh\0echo hi\n", 18));  // bytes, NUL included
  s.add_env("PATH=/usr/bin:/bin");
  s.set_cwd("/home/alice");
  s.mutable_resources()->set_cpus(4);
  (*s.mutable_constraints())["arch"] = "x86_64";
  s.set_array("0-9:2");
  s.set_throttle(3);
  s.set_time_limit_s(3600);
  s.set_priority(7);
  s.set_nice(-2);
  s.set_retries(2);
  s.set_retry_delay_ms(500);
  s.set_begin_ms(1795564800000);
  s.set_hold(true);
  s.set_kill_on_invalid_dep(false);
  return s;
}

}  // namespace

TEST_SUITE("core.compact_spec") {

TEST_CASE("a compact spec gives back the whole spec it was given") {
  const pb::JobSpec s = sample();
  const CompactSpec c(s);
  CHECK(c.full().SerializeAsString() == s.SerializeAsString());
  pb::JobSpec into;
  into.set_name("overwritten");
  c.decode_into(&into);
  CHECK(into.SerializeAsString() == s.SerializeAsString());
  std::string wire;
  CHECK(c.SerializeToString(&wire));
  CHECK(wire == s.SerializeAsString());
}

TEST_CASE("the fields scheduling reads are there without decoding") {
  const CompactSpec c(sample());
  CHECK(c.name() == "nightly");
  CHECK(c.user() == "alice");
  CHECK(c.throttle() == 3);
  CHECK(c.time_limit_s() == 3600);
  CHECK(c.priority() == 7);
  CHECK(c.nice() == -2);
  CHECK(c.retries() == 2);
  CHECK(c.retry_delay_ms() == 500);
  CHECK(c.begin_ms() == 1795564800000);
  CHECK(c.hold());
  CHECK(c.has_kill_on_invalid_dep());
  CHECK_FALSE(c.kill_on_invalid_dep());
  CHECK_FALSE(CompactSpec(pb::JobSpec{}).has_kill_on_invalid_dep());
}

TEST_CASE("an edit changes the whole spec and the decoded fields together") {
  CompactSpec c(sample());
  c.edit([](pb::JobSpec& s) {
    s.set_hold(false);
    s.set_priority(1);
    s.clear_env();
  });
  CHECK_FALSE(c.hold());
  CHECK(c.priority() == 1);
  CHECK(c.full().env().empty());
  CHECK(c.full().argv_size() == 2);
}

}  // TEST_SUITE
