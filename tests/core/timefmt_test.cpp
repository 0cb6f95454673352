// Time as users write it: -t time limits, config durations, --begin times,
// and the forms `status` prints. Calendar forms are checked against the C
// library's own local time, so the tests hold in any time zone.
#include <doctest/doctest.h>

#include <ctime>

#include "core/timefmt.h"
#include "fakes.h"

using namespace baton;
using baton::test::kT0;

namespace {

std::int64_t limit(std::string_view text) {
  auto r = parse_time_limit(text);
  if (!r) FAIL("'" << std::string(text) << "' refused: " << r.error());
  return *r;
}

// Local wall-clock time -> ms, as mktime sees it.
TimeMs local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return static_cast<TimeMs>(std::mktime(&tm)) * 1000;
}

TimeMs begin(std::string_view text, TimeMs now) {
  auto r = parse_begin(text, now);
  if (!r) FAIL("'" << std::string(text) << "' refused: " << r.error());
  return *r;
}

}  // namespace

TEST_SUITE("core.timefmt") {

TEST_CASE("time limits in every sbatch form") {
  CHECK(limit("30") == 30 * 60);                       // minutes
  CHECK(limit("1:30") == 90);                          // minutes:seconds
  CHECK(limit("1:30:00") == 90 * 60);                  // hours:minutes:seconds
  CHECK(limit("2-12") == 2 * 86400 + 12 * 3600);       // days-hours
  CHECK(limit("2-12:30") == 2 * 86400 + 12 * 3600 + 30 * 60);
  CHECK(limit("2-12:30:15") == 2 * 86400 + 12 * 3600 + 30 * 60 + 15);
  CHECK(limit("0") == 0);
}

TEST_CASE("UNLIMITED and infinite mean no limit, in any case") {
  CHECK(limit("UNLIMITED") == 0);
  CHECK(limit("unlimited") == 0);
  CHECK(limit("Infinite") == 0);
}

TEST_CASE("time limits with units, rounded up to whole seconds") {
  CHECK(limit("90s") == 90);
  CHECK(limit("5m") == 300);
  CHECK(limit("2h") == 7200);
  CHECK(limit("1d") == 86400);
  CHECK(limit("1500ms") == 2);
}

TEST_CASE("bad time limits are refused with a message naming the input") {
  for (const char* bad : {"abc", "", "1:2:3:4", "-5", "1-", "1:x", "2-12:30:15:00", "5 m", "1-2-3", "3x"}) {
    CAPTURE(bad);
    auto r = parse_time_limit(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("'" + std::string(bad) + "'") != std::string::npos);
    CHECK(r.error().find("1:30:00") != std::string::npos);  // and shows the forms that work
  }
}

TEST_CASE("config durations take a unit, or plain seconds") {
  CHECK(*parse_duration("250ms") == 250);
  CHECK(*parse_duration("10s") == 10 * kSecond);
  CHECK(*parse_duration("5m") == 5 * kMinute);
  CHECK(*parse_duration("2h") == 2 * kHour);
  CHECK(*parse_duration("1d") == kDay);
  CHECK(*parse_duration("7") == 7 * kSecond);
  auto bad = parse_duration("ten");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("'ten'") != std::string::npos);
}

TEST_CASE("begin times relative to now: now+1h, now+90 (seconds), now+2days") {
  CHECK(begin("now", kT0) == kT0);
  CHECK(begin("now+1h", kT0) == kT0 + kHour);
  CHECK(begin("now+90", kT0) == kT0 + 90 * kSecond);
  CHECK(begin("now+2days", kT0) == kT0 + 2 * kDay);
  CHECK(begin("NOW+30M", kT0) == kT0 + 30 * kMinute);
}

TEST_CASE("a clock time means its next occurrence: today if still ahead, else tomorrow") {
  const TimeMs morning = local(2026, 11, 25, 10, 0);
  const TimeMs evening = local(2026, 11, 25, 17, 0);
  CHECK(begin("16:00", morning) == local(2026, 11, 25, 16, 0));
  CHECK(begin("16:00", evening) == local(2026, 11, 26, 16, 0));
  CHECK(begin("16:00:30", morning) == local(2026, 11, 25, 16, 0, 30));
  CHECK(begin("10:00", morning) == local(2026, 11, 26, 10, 0));  // now is not ahead
  CHECK(begin("noon", morning) == local(2026, 11, 25, 12, 0));
  CHECK(begin("teatime", evening) == local(2026, 11, 26, 16, 0));
}

TEST_CASE("calendar begin times: dates, date and time, today, tomorrow, midnight") {
  const TimeMs morning = local(2026, 11, 25, 10, 0);
  CHECK(begin("2026-12-01T08:00", morning) == local(2026, 12, 1, 8, 0));
  CHECK(begin("2026-12-01T08:00:05", morning) == local(2026, 12, 1, 8, 0, 5));
  CHECK(begin("2026-12-01", morning) == local(2026, 12, 1));
  CHECK(begin("tomorrow", morning) == local(2026, 11, 26));
  CHECK(begin("today", morning) == local(2026, 11, 25));
  CHECK(begin("midnight", morning) == local(2026, 11, 26));
  CHECK(begin("tomorrow", local(2026, 12, 31, 23, 0)) == local(2027, 1, 1));
}

TEST_CASE("MM/DD begin times mean the next such day; MM/DD/YY names the year") {
  const TimeMs morning = local(2026, 11, 25, 10, 0);
  CHECK(begin("12/25", morning) == local(2026, 12, 25));
  CHECK(begin("11/25", morning) == local(2026, 11, 25));  // today still counts
  CHECK(begin("11/01", morning) == local(2027, 11, 1));   // passed this year
  CHECK(begin("12/25/27", morning) == local(2027, 12, 25));
}

TEST_CASE("bad begin times are refused with a message naming the input") {
  for (const char* bad : {"now+x", "25:00", "12:60", "2026-13-01", "2026-12-01T25:00", "2026-12-01X08:00",
                          "yesterday", "", "13/01", "soon"}) {
    CAPTURE(bad);
    auto r = parse_begin(bad, kT0);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("'" + std::string(bad) + "'") != std::string::npos);
  }
}

TEST_CASE("elapsed times print like Slurm's TIME column") {
  CHECK(format_elapsed(0) == "0:00");
  CHECK(format_elapsed(5 * kSecond) == "0:05");
  CHECK(format_elapsed(12 * kMinute + 34 * kSecond) == "12:34");
  CHECK(format_elapsed(kHour + 2 * kMinute + 3 * kSecond) == "1:02:03");
  CHECK(format_elapsed(2 * kDay + 3 * kHour + 4 * kMinute + 5 * kSecond) == "2-03:04:05");
  CHECK(format_elapsed(-kSecond) == "0:00");
}

TEST_CASE("durations print compactly") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(10 * kSecond) == "10s");
  CHECK(format_duration(90 * kMinute) == "1h30m");
  CHECK(format_duration(kDay + kHour + kMinute + kSecond) == "1d1h1m1s");
  CHECK(format_duration(1500) == "1500ms");
}

TEST_CASE("local times print as ISO 8601 without a zone") {
  CHECK(format_local_time(local(2026, 12, 1, 8, 0, 5)) == "2026-12-01T08:00:05");
}

}  // TEST_SUITE
