// ArraySpec: array index expressions as sbatch -a takes them.
#include <doctest/doctest.h>

#include "core/array_spec.h"

using namespace baton;

namespace {

ArraySpec::Parsed parse_ok(std::string_view text, std::uint64_t cap = 1000000) {
  auto r = ArraySpec::parse(text, cap);
  if (!r) FAIL("'" << std::string(text) << "' refused: " << r.error());
  return *r;
}

std::string parse_error(std::string_view text, std::uint64_t cap = 1000000) {
  auto r = ArraySpec::parse(text, cap);
  if (r) FAIL("'" << std::string(text) << "' accepted");
  return r.error();
}

std::vector<TaskIndex> indices(const ArraySpec& a) {
  std::vector<TaskIndex> out;
  for (std::uint64_t o = 0; o < a.count(); ++o) out.push_back(a.index_at(o));
  return out;
}

}  // namespace

TEST_SUITE("core.array_spec") {

TEST_CASE("a plain job is a one-task array with index 0") {
  ArraySpec a;
  CHECK(a.count() == 1);
  CHECK(a.index_at(0) == 0);
  CHECK(a.min() == 0);
  CHECK(a.max() == 0);
}

TEST_CASE("a range: 0-99") {
  const auto p = parse_ok("0-99");
  CHECK(p.spec.count() == 100);
  CHECK(p.spec.min() == 0);
  CHECK(p.spec.max() == 99);
  CHECK(p.throttle == 0);
  CHECK(p.spec.index_at(42) == 42);
  CHECK(p.spec.to_string() == "0-99");
  CHECK(p.spec.runs().size() == 1);
}

TEST_CASE("a list: 1,3,5-9") {
  const auto p = parse_ok("1,3,5-9");
  CHECK(p.spec.count() == 7);
  CHECK(indices(p.spec) == std::vector<TaskIndex>{1, 3, 5, 6, 7, 8, 9});
  CHECK(p.spec.to_string() == "1,3,5-9");
  CHECK(p.spec.ordinal_of(5) == 2u);
  CHECK_FALSE(p.spec.ordinal_of(4));
  CHECK_FALSE(p.spec.ordinal_of(0));
  CHECK_FALSE(p.spec.ordinal_of(10));
}

TEST_CASE("a step: 0-99:4") {
  const auto p = parse_ok("0-99:4");
  CHECK(p.spec.count() == 25);
  CHECK(p.spec.max() == 96);
  CHECK(p.spec.index_at(3) == 12);
  CHECK(p.spec.ordinal_of(12) == 3u);
  CHECK_FALSE(p.spec.ordinal_of(13));
  CHECK_FALSE(p.spec.ordinal_of(100));
  CHECK(p.spec.to_string() == "0-96:4");
  CHECK(parse_ok(p.spec.to_string()).spec.count() == 25);  // normalized form round-trips
}

TEST_CASE("a throttle: %N after the expression") {
  const auto p = parse_ok("0-99%10");
  CHECK(p.throttle == 10);
  CHECK(p.spec.count() == 100);
  CHECK(p.spec.to_string() == "0-99");  // the throttle is kept apart
  CHECK(parse_ok("1,3,5-9:2%2").throttle == 2);
}

TEST_CASE("a throttle needs an expression and a positive count") {
  CHECK(parse_error("%10") == "empty array index expression");
  CHECK(parse_error("0-9%0").find("%0") != std::string::npos);
  CHECK(parse_error("0-9%x").find("%x") != std::string::npos);
  CHECK(parse_error("0-9%").find("throttle") != std::string::npos);
}

TEST_CASE("overlapping terms count each index once") {
  const auto p = parse_ok("0-10,5-15");
  CHECK(p.spec.count() == 16);
  CHECK(p.spec.to_string() == "0-15");
  const auto q = parse_ok("0-6:3,2");
  CHECK(indices(q.spec) == std::vector<TaskIndex>{0, 2, 3, 6});
  CHECK(q.spec.count() == 4);
  CHECK(parse_ok(q.spec.to_string()).spec.count() == 4);
  const auto r = parse_ok("4,4,4");
  CHECK(r.spec.count() == 1);
  CHECK(r.spec.to_string() == "4");
}

TEST_CASE("terms given out of order come out sorted") {
  const auto p = parse_ok("20-22,1,5");
  CHECK(indices(p.spec) == std::vector<TaskIndex>{1, 5, 20, 21, 22});
  CHECK(p.spec.to_string() == "1,5,20-22");
}

TEST_CASE("an array over the size cap is refused, naming the cap") {
  const std::string e = parse_error("0-1000", 1000);
  CHECK(e.find("1001") != std::string::npos);
  CHECK(e.find("1000") != std::string::npos);
  CHECK(e.find("max_array_size") != std::string::npos);
  CHECK(parse_ok("0-999", 1000).spec.count() == 1000);
  CHECK(parse_ok("0-4294967295:65536", 1000000).spec.count() == 65536);
}

TEST_CASE("bad index expressions are refused, naming the bad term") {
  CHECK(parse_error("").find("empty") != std::string::npos);
  CHECK(parse_error("5-1").find("'5-1'") != std::string::npos);
  CHECK(parse_error("5-1").find("ends before it starts") != std::string::npos);
  CHECK(parse_error("1,x").find("'x'") != std::string::npos);
  CHECK(parse_error("1,,2").find("''") != std::string::npos);
  CHECK(parse_error("0-9:0").find("step") != std::string::npos);
  CHECK(parse_error("0-9:-1").find("step") != std::string::npos);
  CHECK(parse_error("-3").find("'-3'") != std::string::npos);
  CHECK(parse_error("99999999999").find("'99999999999'") != std::string::npos);
}

TEST_CASE("ordinals_in maps an index expression onto the array's ordinals, ignoring missing indices") {
  const auto strided = parse_ok("0-99:4").spec;
  CHECK(strided.ordinals_in("8-20")->to_string() == "2-5");
  CHECK(strided.ordinals_in("9-11")->empty());
  CHECK(strided.ordinals_in("0-20:2")->to_string() == "0-5");
  CHECK(strided.ordinals_in("96-1000")->to_string() == "24");
  CHECK(strided.ordinals_in("4,12")->to_string() == "1,3");

  const auto listed = parse_ok("1,3,5-9").spec;
  CHECK(listed.ordinals_in("3")->to_string() == "1");
  CHECK(listed.ordinals_in("2-6")->to_string() == "1-3");
  CHECK(listed.ordinals_in("0-100")->to_string() == "0-6");
  CHECK(listed.ordinals_in("4")->empty());
  CHECK_FALSE(listed.ordinals_in("x"));
}

TEST_CASE("format_ordinals writes the indices of ordinals compactly") {
  const auto strided = parse_ok("0-99:4").spec;
  CHECK(strided.format_ordinals(IntervalSet::range(2, 5)) == "8-20:4");
  CHECK(strided.format_ordinals(IntervalSet::range(0, 24)) == "0-96:4");

  const auto listed = parse_ok("1,3,5-9").spec;
  CHECK(listed.format_ordinals(IntervalSet::range(0, 6)) == "1,3,5-9");
  CHECK(listed.format_ordinals(*IntervalSet::parse("1,3-4")) == "3,6-7");
  CHECK(listed.format_ordinals(IntervalSet()) == "");

  const auto wide = parse_ok("0-999").spec;
  IntervalSet gaps;
  for (std::uint64_t o = 0; o < 20; o += 2) gaps.insert(o);
  CHECK(wide.format_ordinals(gaps, 3) == "0,2,4,...");
  CHECK(wide.format_ordinals(IntervalSet::range(5, 999)) == "5-999");
}

}  // TEST_SUITE

TEST_CASE("overlapping ranges too large to merge are refused instead of expanded") {
  auto r = ArraySpec::parse("0-4294967294,0", UINT64_MAX);
  REQUIRE_FALSE(r);
  CHECK(r.error().find("overlapping") != std::string::npos);
  CHECK(ArraySpec::parse("0-99,50-149", UINT64_MAX));
}
