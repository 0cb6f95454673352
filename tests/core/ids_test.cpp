#include <doctest/doctest.h>

#include "core/array_spec.h"
#include "core/ids.h"
#include "core/interval_set.h"

using namespace baton;

TEST_SUITE("core.ids") {

TEST_CASE("task targets parse as job, task or index range") {
  auto a = parse_target("42");
  REQUIRE(a);
  CHECK(a->job == 42);
  CHECK_FALSE(a->indices);
  auto b = parse_target("42_7");
  REQUIRE(b);
  CHECK(*b->indices == "7");
  auto c = parse_target("42_[1-5,9]");
  REQUIRE(c);
  CHECK(*c->indices == "1-5,9");
  CHECK_FALSE(parse_target("x"));
  CHECK_FALSE(parse_target("0"));
  CHECK_FALSE(parse_target("42_"));
  CHECK_FALSE(parse_target("42_x"));
  CHECK(format_task(42, 7, true) == "42_7");
  CHECK(format_task(42, 0, false) == "42");
}

}  // TEST_SUITE
