// Dependency expressions as sbatch -d takes them, and what each kind needs of
// the jobs it names. (How the broker acts on them: job_dependencies_test.cpp.)
#include <doctest/doctest.h>

#include <map>

#include "core/array_spec.h"
#include "core/dependency.h"
#include "core/interval_set.h"

using namespace baton;

namespace {

Dependency parse_ok(std::string_view text) {
  auto r = parse_dependency(text);
  if (!r) FAIL("'" << std::string(text) << "' refused: " << r.error());
  return *r;
}

std::string parse_error(std::string_view text) {
  auto r = parse_dependency(text);
  if (r) FAIL("'" << std::string(text) << "' accepted");
  return r.error();
}

// Job states a dependency can see.
const DepView kPending{};
const DepView kRunning{true, false, false, false};
const DepView kCompleted{true, true, true, false};
const DepView kFailed{true, true, false, true};
const DepView kRunningSomeFailed{true, false, false, true};  // an array, one task failed, others run

DepState eval(std::string_view text, std::map<JobId, DepView> jobs, bool singleton_clear = true) {
  return evaluate(parse_ok(text), [&](JobId id) { return jobs.at(id); }, singleton_clear);
}

}  // namespace

TEST_SUITE("core.dependency") {

TEST_CASE("every dependency type parses, with one or more job ids") {
  struct Case {
    const char* text;
    DepType type;
    std::vector<JobId> jobs;
  };
  const Case cases[] = {
      {"after:41", DepType::After, {41}},
      {"afterany:41:40", DepType::AfterAny, {41, 40}},
      {"afterok:7", DepType::AfterOk, {7}},
      {"afternotok:7:8:9", DepType::AfterNotOk, {7, 8, 9}},
      {"aftercorr:42", DepType::AfterCorr, {42}},
      {"singleton", DepType::Singleton, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const Dependency d = parse_ok(c.text);
    REQUIRE(d.terms.size() == 1);
    CHECK(d.terms[0].type == c.type);
    CHECK(d.terms[0].jobs == c.jobs);
    CHECK_FALSE(d.any);
    CHECK(d.to_string() == c.text);
    CHECK(d.has(c.type));
  }
}

TEST_CASE("an empty dependency is no dependency") {
  const Dependency d = parse_ok("");
  CHECK(d.empty());
  CHECK(eval("", {}) == DepState::Satisfied);
}

TEST_CASE("',' joins terms that must all hold; '?' joins terms of which one is enough") {
  const Dependency all = parse_ok("afterok:41:40,afterany:43,singleton");
  CHECK_FALSE(all.any);
  CHECK(all.terms.size() == 3);
  CHECK(all.jobs() == std::vector<JobId>{40, 41, 43});
  CHECK(all.to_string() == "afterok:41:40,afterany:43,singleton");
  CHECK_FALSE(all.has(DepType::AfterNotOk));

  const Dependency any = parse_ok("afterok:41?afternotok:42");
  CHECK(any.any);
  CHECK(any.terms.size() == 2);
  CHECK(any.to_string() == "afterok:41?afternotok:42");
}

TEST_CASE("jobs() names each job once") {
  CHECK(parse_ok("afterok:5:3,afterany:3:5:1").jobs() == std::vector<JobId>{1, 3, 5});
}

TEST_CASE("mixing ',' and '?' is refused") {
  const std::string e = parse_error("afterok:1,afterok:2?afterok:3");
  CHECK(e.find("not both") != std::string::npos);
  CHECK(e.find("afterok:1,afterok:2?afterok:3") != std::string::npos);
}

TEST_CASE("bad terms and job ids are refused, naming them") {
  CHECK(parse_error("afterok:abc").find("'abc'") != std::string::npos);
  CHECK(parse_error("afterok:0").find("'0'") != std::string::npos);
  CHECK(parse_error("afterok:1::2").find("''") != std::string::npos);
  CHECK(parse_error("afterok:-1").find("'-1'") != std::string::npos);
  CHECK(parse_error("afterok:12x").find("'12x'") != std::string::npos);
  CHECK(parse_error("afterok").find("afterok:JOBID") != std::string::npos);
  CHECK(parse_error("afterok:").find("afterok:JOBID") != std::string::npos);
  CHECK(parse_error("singleton:5").find("no job ids") != std::string::npos);
  CHECK(parse_error("afterwards:1").find("'afterwards:1'") != std::string::npos);
  CHECK(parse_error("afterok:1,,afterok:2").find("''") != std::string::npos);
  CHECK(parse_error("AFTEROK:1").find("'AFTEROK:1'") != std::string::npos);
}

TEST_CASE("aftercorr cannot be joined with '?'") {
  CHECK(parse_error("aftercorr:1?afterok:2").find("aftercorr") != std::string::npos);
}

TEST_CASE("after: holds once the job has started") {
  CHECK(eval("after:1", {{1, kPending}}) == DepState::Waiting);
  CHECK(eval("after:1", {{1, kRunning}}) == DepState::Satisfied);
  CHECK(eval("after:1", {{1, kFailed}}) == DepState::Satisfied);
}

TEST_CASE("afterany: holds once the job has ended, however it ended") {
  CHECK(eval("afterany:1", {{1, kPending}}) == DepState::Waiting);
  CHECK(eval("afterany:1", {{1, kRunning}}) == DepState::Waiting);
  CHECK(eval("afterany:1", {{1, kCompleted}}) == DepState::Satisfied);
  CHECK(eval("afterany:1", {{1, kFailed}}) == DepState::Satisfied);
}

TEST_CASE("afterok: holds when every task completed; never, once any task did not") {
  CHECK(eval("afterok:1", {{1, kRunning}}) == DepState::Waiting);
  CHECK(eval("afterok:1", {{1, kCompleted}}) == DepState::Satisfied);
  CHECK(eval("afterok:1", {{1, kFailed}}) == DepState::Never);
  CHECK(eval("afterok:1", {{1, kRunningSomeFailed}}) == DepState::Never);
  CHECK(eval("afterok:1:2", {{1, kCompleted}, {2, kRunning}}) == DepState::Waiting);
  CHECK(eval("afterok:1:2", {{1, kCompleted}, {2, kCompleted}}) == DepState::Satisfied);
}

TEST_CASE("afternotok: holds when the job ended and some task did not complete; never if all completed") {
  CHECK(eval("afternotok:1", {{1, kRunning}}) == DepState::Waiting);
  CHECK(eval("afternotok:1", {{1, kRunningSomeFailed}}) == DepState::Waiting);  // not ended yet
  CHECK(eval("afternotok:1", {{1, kFailed}}) == DepState::Satisfied);
  CHECK(eval("afternotok:1", {{1, kCompleted}}) == DepState::Never);
}

TEST_CASE("aftercorr counts as satisfied at job level: the broker gates it task by task") {
  CHECK(eval("aftercorr:1", {{1, kPending}}) == DepState::Satisfied);
}

TEST_CASE("singleton holds when no other job of the same name and user is ahead") {
  CHECK(eval("singleton", {}, true) == DepState::Satisfied);
  CHECK(eval("singleton", {}, false) == DepState::Waiting);
}

TEST_CASE("all-of: waits for every term, never if any term never holds") {
  CHECK(eval("afterok:1,afterany:2", {{1, kCompleted}, {2, kRunning}}) == DepState::Waiting);
  CHECK(eval("afterok:1,afterany:2", {{1, kCompleted}, {2, kFailed}}) == DepState::Satisfied);
  CHECK(eval("afterok:1,afterany:2", {{1, kFailed}, {2, kRunning}}) == DepState::Never);
  CHECK(eval("afterok:1,singleton", {{1, kCompleted}}, false) == DepState::Waiting);
}

TEST_CASE("any-of: holds when one term holds, never only when every term never holds") {
  CHECK(eval("afterok:1?afterok:2", {{1, kFailed}, {2, kRunning}}) == DepState::Waiting);
  CHECK(eval("afterok:1?afterok:2", {{1, kFailed}, {2, kCompleted}}) == DepState::Satisfied);
  CHECK(eval("afterok:1?afterok:2", {{1, kFailed}, {2, kFailed}}) == DepState::Never);
  CHECK(eval("afterok:1?afternotok:1", {{1, kFailed}}) == DepState::Satisfied);
}

}  // TEST_SUITE

TEST_SUITE("core.dependency") {
  TEST_CASE("a trailing or doubled separator in a dependency or an index list is an error") {
    CHECK_FALSE(baton::parse_dependency("afterok:1:"));
    CHECK_FALSE(baton::parse_dependency("afterok:1,"));
    CHECK_FALSE(baton::parse_dependency("afterok:1,,afterany:2"));
    CHECK_FALSE(baton::ArraySpec::parse("1,", 100));
    CHECK_FALSE(baton::IntervalSet::parse("1,"));
    CHECK(baton::IntervalSet::parse("")->empty());
  }
}
