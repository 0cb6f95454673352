// IntervalSet: sets of integers kept as disjoint closed intervals.
#include <doctest/doctest.h>

#include <cstdint>

#include "core/interval_set.h"

using namespace baton;

TEST_SUITE("core.interval_set") {

TEST_CASE("inserting merges overlapping and touching intervals") {
  IntervalSet s;
  CHECK(s.empty());
  s.insert(1, 3);
  s.insert(7, 9);
  CHECK(s.to_string() == "1-3,7-9");
  CHECK(s.size() == 6);
  s.insert(4);  // touches 1-3
  CHECK(s.to_string() == "1-4,7-9");
  s.insert(6);  // touches 7-9
  CHECK(s.to_string() == "1-4,6-9");
  s.insert(5);  // joins both
  CHECK(s.to_string() == "1-9");
  CHECK(s.intervals().size() == 1);
  CHECK(s.size() == 9);
  s.insert(0, 20);  // swallows everything
  CHECK(s.to_string() == "0-20");
  CHECK(s.size() == 21);
  s.insert(2, 5);   // already inside
  CHECK(s.size() == 21);
  s.insert(5, 2);   // empty range: no-op
  CHECK(s.size() == 21);
}

TEST_CASE("inserting across several intervals merges them all") {
  IntervalSet s;
  for (std::uint64_t v : {1, 3, 5, 7, 9}) s.insert(v);
  CHECK(s.intervals().size() == 5);
  s.insert(2, 8);
  CHECK(s.to_string() == "1-9");
  CHECK(s.size() == 9);
}

TEST_CASE("erasing splits, trims and removes intervals") {
  IntervalSet s = IntervalSet::range(0, 10);
  s.erase(3, 5);
  CHECK(s.to_string() == "0-2,6-10");
  CHECK(s.size() == 8);
  s.erase(0);
  CHECK(s.to_string() == "1-2,6-10");
  s.erase(10);
  CHECK(s.to_string() == "1-2,6-9");
  s.erase(2, 7);  // spans a gap
  CHECK(s.to_string() == "1,8-9");
  CHECK(s.size() == 3);
  s.erase(100, 200);  // nothing there
  CHECK(s.size() == 3);
  s.erase(0, 50);
  CHECK(s.empty());
  CHECK(s.size() == 0);
}

TEST_CASE("inserting and erasing whole sets") {
  IntervalSet a = *IntervalSet::parse("0-9,20-29");
  a.erase(*IntervalSet::parse("5-24"));
  CHECK(a.to_string() == "0-4,25-29");
  a.insert(*IntervalSet::parse("5,24"));
  CHECK(a.to_string() == "0-5,24-29");
}

TEST_CASE("contains, first and pop_first") {
  IntervalSet s = *IntervalSet::parse("3-4,8");
  CHECK_FALSE(s.contains(2));
  CHECK(s.contains(3));
  CHECK(s.contains(4));
  CHECK_FALSE(s.contains(5));
  CHECK(s.contains(8));
  CHECK_FALSE(s.contains(9));
  CHECK(s.first() == 3u);
  CHECK(s.pop_first() == 3u);
  CHECK(s.pop_first() == 4u);
  CHECK(s.pop_first() == 8u);
  CHECK_FALSE(s.pop_first());
  CHECK_FALSE(s.first());
  CHECK(s.size() == 0);
}

TEST_CASE("intersection keeps what both sets hold") {
  const IntervalSet a = *IntervalSet::parse("0-10,20-30,40");
  const IntervalSet b = *IntervalSet::parse("5-25,28,35-45");
  const IntervalSet both = a.intersect(b);
  CHECK(both.to_string() == "5-10,20-25,28,40");
  CHECK(both.size() == 6 + 6 + 1 + 1);
  CHECK(a.intersect(IntervalSet()).empty());
  CHECK(b.intersect(a) == both);
}

TEST_CASE("the largest values do not overflow") {
  IntervalSet s;
  s.insert(UINT64_MAX - 1, UINT64_MAX);
  s.insert(UINT64_MAX - 5, UINT64_MAX - 2);
  CHECK(s.intervals().size() == 1);
  CHECK(s.size() == 6);
  CHECK(s.contains(UINT64_MAX));
  s.erase(UINT64_MAX);
  CHECK(s.size() == 5);
  CHECK_FALSE(s.contains(UINT64_MAX));
}

TEST_CASE("text form round-trips and bad text is refused") {
  auto s = IntervalSet::parse("0-4,7,9-12");
  REQUIRE(s);
  CHECK(s->size() == 10);
  CHECK(s->to_string() == "0-4,7,9-12");
  CHECK(IntervalSet::parse("4,0-2")->to_string() == "0-2,4");
  CHECK(IntervalSet::parse("0-3,2-5")->to_string() == "0-5");
  CHECK(IntervalSet::parse("")->empty());
  CHECK_FALSE(IntervalSet::parse("4-0"));
  CHECK_FALSE(IntervalSet::parse("1,,2"));
  CHECK_FALSE(IntervalSet::parse("a"));
  CHECK_FALSE(IntervalSet::parse("1-"));
  CHECK_FALSE(IntervalSet::parse("-1"));
}

}  // TEST_SUITE
