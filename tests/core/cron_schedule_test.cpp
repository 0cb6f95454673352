// The cron schedule: every field form, errors that name the field, the next
// run across month ends and leap days, Vixie's day OR rule, and both
// daylight-saving transitions in three zones (rules as POSIX TZ strings, as
// the footer of their zoneinfo files has them).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/cron_schedule.h"
#include "core/cron_table.h"

using namespace baton;

namespace {

TimeMs utc(std::int64_t y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return (days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

CronSchedule sched(const char* text, bool seconds = false) {
  auto s = CronSchedule::parse(text, seconds);
  if (!s) FAIL("schedule '" << text << "' refused: " << s.error());
  return *s;
}

std::string error_of(const char* text, bool seconds = false) {
  auto s = CronSchedule::parse(text, seconds);
  return s ? std::string("(accepted)") : s.error();
}

ZoneRules zone(const char* posix) {
  auto z = ZoneRules::from_posix(posix);
  if (!z) FAIL(z.error());
  return *z;
}

const ZoneRules kUtc;
const char* kBerlin = "CET-1CEST,M3.5.0,M10.5.0/3";
const char* kNewYork = "EST5EDT,M3.2.0,M11.1.0";
const char* kSydney = "AEST-10AEDT,M10.1.0,M4.1.0/3";

// The next `n` runs after `from`, as "YYYY-MM-DDTHH:MM" in UTC.
std::vector<std::string> runs(const CronSchedule& s, TimeMs from, int n, const ZoneRules& z = kUtc) {
  std::vector<std::string> out;
  TimeMs t = from;
  for (int i = 0; i < n; ++i) {
    t = s.next_after(t, z);
    if (t == kNever) break;
    out.push_back(cron_local_time(t, kUtc));
  }
  return out;
}

}  // namespace

TEST_SUITE("core.cron_schedule") {

TEST_CASE("numbers, ranges, steps, lists and names each select the right minutes") {
  const TimeMs from = utc(2026, 11, 25, 8, 59);  // a Wednesday
  CHECK(runs(sched("*/15 9-10 * * *"), from, 3) ==
        std::vector<std::string>{"2026-11-25T09:00", "2026-11-25T09:15", "2026-11-25T09:30"});
  CHECK(runs(sched("5,10-12 * * * *"), from, 4) ==
        std::vector<std::string>{"2026-11-25T09:05", "2026-11-25T09:10", "2026-11-25T09:11", "2026-11-25T09:12"});
  CHECK(runs(sched("0-30/10 9 * * *"), from, 5) ==
        std::vector<std::string>{"2026-11-25T09:00", "2026-11-25T09:10", "2026-11-25T09:20", "2026-11-25T09:30",
                                 "2026-11-26T09:00"});
  CHECK(runs(sched("50/5 9 * * *"), from, 3) ==
        std::vector<std::string>{"2026-11-25T09:50", "2026-11-25T09:55", "2026-11-26T09:50"});
  CHECK(runs(sched("0 8 * * MON-fri"), from, 3) ==
        std::vector<std::string>{"2026-11-26T08:00", "2026-11-27T08:00", "2026-11-30T08:00"});
  CHECK(runs(sched("0 0 1 jan,Jul *"), from, 2) == std::vector<std::string>{"2027-01-01T00:00", "2027-07-01T00:00"});
  CHECK(runs(sched("0 0 * * 7"), from, 1) == std::vector<std::string>{"2026-11-29T00:00"});  // 7 is Sunday
  CHECK(runs(sched("0 0 * * sun"), from, 1) == std::vector<std::string>{"2026-11-29T00:00"});
}

TEST_CASE("the macros are the usual five-field schedules") {
  const TimeMs from = utc(2026, 11, 25, 8, 59);
  CHECK(runs(sched("@hourly"), from, 1) == std::vector<std::string>{"2026-11-25T09:00"});
  CHECK(runs(sched("@daily"), from, 1) == std::vector<std::string>{"2026-11-26T00:00"});
  CHECK(runs(sched("@midnight"), from, 1) == std::vector<std::string>{"2026-11-26T00:00"});
  CHECK(runs(sched("@weekly"), from, 1) == std::vector<std::string>{"2026-11-29T00:00"});
  CHECK(runs(sched("@monthly"), from, 1) == std::vector<std::string>{"2026-12-01T00:00"});
  CHECK(runs(sched("@yearly"), from, 1) == std::vector<std::string>{"2027-01-01T00:00"});
  CHECK(runs(sched("@annually"), from, 1) == std::vector<std::string>{"2027-01-01T00:00"});
}

TEST_CASE("bad schedules are refused with the offending field named") {
  CHECK(error_of("61 * * * *") == "minute field '61': 61 is out of range 0-59");
  CHECK(error_of("* 24 * * *") == "hour field '24': 24 is out of range 0-23");
  CHECK(error_of("* * 0 * *") == "day-of-month field '0': 0 is out of range 1-31");
  CHECK(error_of("* * * 13 *") == "month field '13': 13 is out of range 1-12");
  CHECK(error_of("* * * foo *") == "month field 'foo': 'foo' is not a number or name");
  CHECK(error_of("* * * * 8") == "day-of-week field '8': 8 is out of range 0-7");
  CHECK(error_of("*/0 * * * *") == "minute field '*/0': a step must be at least 1");
  CHECK(error_of("5-1 * * * *") == "minute field '5-1': range 5-1 goes backwards");
  CHECK(error_of("1,,2 * * * *") == "minute field '1,,2': empty list item");
  CHECK(error_of("* * * *").find("expected five fields") == 0);
  CHECK(error_of("0 * * * * *").find("scheduler.cron_seconds") != std::string::npos);
  CHECK(error_of("@reboot").find("@reboot is not supported") == 0);
  CHECK(error_of("@fortnightly").find("unknown schedule") == 0);
  CHECK(error_of("61 * * * * *", true) == "second field '61': 61 is out of range 0-59");
}

TEST_CASE("with scheduler.cron_seconds a sixth field leads with seconds") {
  const TimeMs from = utc(2026, 11, 25, 8, 59, 58);
  const CronSchedule s = sched("*/20 * * * * *", true);
  CHECK(s.next_after(from, kUtc) == utc(2026, 11, 25, 9, 0, 0));
  CHECK(s.next_after(utc(2026, 11, 25, 9, 0, 0), kUtc) == utc(2026, 11, 25, 9, 0, 20));
  CHECK(sched("0 * * * *", true).next_after(from, kUtc) == utc(2026, 11, 25, 9, 0));  // five fields still work
}

TEST_CASE("the next run crosses month ends and skips months without the day") {
  CHECK(runs(sched("0 0 31 * *"), utc(2026, 4, 15), 3) ==
        std::vector<std::string>{"2026-05-31T00:00", "2026-07-31T00:00", "2026-08-31T00:00"});
  CHECK(runs(sched("59 23 30 * *"), utc(2026, 1, 31), 2) ==
        std::vector<std::string>{"2026-03-30T23:59", "2026-04-30T23:59"});
  CHECK(runs(sched("0 0 1 * *"), utc(2026, 12, 31, 23, 59), 1) == std::vector<std::string>{"2027-01-01T00:00"});
}

TEST_CASE("February 29 runs only in leap years, and a day that never comes is never") {
  CHECK(runs(sched("0 12 29 2 *"), utc(2026, 3, 1), 2) ==
        std::vector<std::string>{"2028-02-29T12:00", "2032-02-29T12:00"});
  CHECK(runs(sched("0 12 29 2 *"), utc(2096, 3, 1), 1) == std::vector<std::string>{"2104-02-29T12:00"});  // 2100 is not leap
  CHECK(sched("0 0 30 2 *").next_after(utc(2026, 1, 1), kUtc) == kNever);
}

TEST_CASE("both day fields restricted: a day matches either (Vixie's OR rule); one a star: both must") {
  const TimeMs from = utc(2026, 11, 25);
  // Fridays in Nov/Dec 2026: 27, 4, 11, 18; and the 13th.
  CHECK(runs(sched("0 0 13 * fri"), from, 5) ==
        std::vector<std::string>{"2026-11-27T00:00", "2026-12-04T00:00", "2026-12-11T00:00", "2026-12-13T00:00",
                                 "2026-12-18T00:00"});
  CHECK(runs(sched("0 0 13 * *"), from, 1) == std::vector<std::string>{"2026-12-13T00:00"});
  // "*/2" starts with a star: AND, so odd days that are Fridays (Nov 27, Dec 11, Dec 25).
  CHECK(runs(sched("0 0 */2 * fri"), from, 3) ==
        std::vector<std::string>{"2026-11-27T00:00", "2026-12-11T00:00", "2026-12-25T00:00"});
}

TEST_CASE("POSIX zone rules give the offsets on each side of both transitions") {
  const ZoneRules berlin = zone(kBerlin), ny = zone(kNewYork), sydney = zone(kSydney);
  CHECK(berlin.offset_s(utc(2026, 3, 29, 0, 59)) == 3600);
  CHECK(berlin.offset_s(utc(2026, 3, 29, 1, 0)) == 7200);
  CHECK(berlin.offset_s(utc(2026, 10, 25, 0, 59)) == 7200);
  CHECK(berlin.offset_s(utc(2026, 10, 25, 1, 0)) == 3600);
  CHECK(ny.offset_s(utc(2026, 3, 8, 6, 59)) == -5 * 3600);
  CHECK(ny.offset_s(utc(2026, 3, 8, 7, 0)) == -4 * 3600);
  CHECK(ny.offset_s(utc(2026, 11, 1, 5, 59)) == -4 * 3600);
  CHECK(ny.offset_s(utc(2026, 11, 1, 6, 0)) == -5 * 3600);
  CHECK(sydney.offset_s(utc(2026, 7, 1)) == 10 * 3600);
  CHECK(sydney.offset_s(utc(2026, 1, 1)) == 11 * 3600);
  CHECK(sydney.offset_s(utc(2026, 10, 3, 15, 59)) == 10 * 3600);  // 02:00 AEST on Oct 4 is 16:00 UTC
  CHECK(sydney.offset_s(utc(2026, 10, 3, 16, 0)) == 11 * 3600);
  CHECK_FALSE(ZoneRules::from_posix("nonsense,"));
}

TEST_CASE("spring forward: a skipped wall time runs once, at the first instant after the gap") {
  const ZoneRules berlin = zone(kBerlin), ny = zone(kNewYork), sydney = zone(kSydney);
  // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
  CHECK(runs(sched("30 2 * * *"), utc(2026, 3, 28, 12), 2, berlin) ==
        std::vector<std::string>{"2026-03-29T01:00", "2026-03-30T00:30"});
  // Two skipped times in the gap: one run.
  CHECK(runs(sched("0,30 2 * * *"), utc(2026, 3, 28, 12), 2, berlin) ==
        std::vector<std::string>{"2026-03-29T01:00", "2026-03-30T00:00"});
  // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  CHECK(runs(sched("30 2 * * *"), utc(2026, 3, 7, 12), 2, ny) ==
        std::vector<std::string>{"2026-03-08T07:00", "2026-03-09T06:30"});
  // Sydney, 4 October 2026: 02:00 AEST jumps to 03:00 AEDT (16:00 UTC on the 3rd).
  CHECK(runs(sched("30 2 * * *"), utc(2026, 10, 3, 6), 2, sydney) ==
        std::vector<std::string>{"2026-10-03T16:00", "2026-10-04T15:30"});
  // Every hour: on real time, so the hour that does not exist has no run.
  CHECK(runs(sched("0 * * * *"), utc(2026, 3, 29, 0), 3, berlin) ==
        std::vector<std::string>{"2026-03-29T01:00", "2026-03-29T02:00", "2026-03-29T03:00"});
}

TEST_CASE("fall back: a repeated wall time runs once, at its first occurrence") {
  const ZoneRules berlin = zone(kBerlin), ny = zone(kNewYork);
  // Berlin, 25 October 2026: 02:00-02:59 happens at 00:xx CEST and again at 01:xx CET (UTC).
  CHECK(runs(sched("30 2 * * *"), utc(2026, 10, 24, 12), 2, berlin) ==
        std::vector<std::string>{"2026-10-25T00:30", "2026-10-26T01:30"});
  // Starting between the two occurrences: the first has passed, the second is not a new time.
  CHECK(runs(sched("30 2 * * *"), utc(2026, 10, 25, 1, 10), 1, berlin) == std::vector<std::string>{"2026-10-26T01:30"});
  // New York, 1 November 2026: 01:00-01:59 EDT (05:xx UTC), then again EST (06:xx UTC).
  CHECK(runs(sched("30 1 * * *"), utc(2026, 10, 31, 12), 2, ny) ==
        std::vector<std::string>{"2026-11-01T05:30", "2026-11-02T06:30"});
  // Hour field `*`: real time, so both passes of the repeated hour run.
  CHECK(runs(sched("*/30 * * * *"), utc(2026, 11, 1, 4, 59), 5, ny) ==
        std::vector<std::string>{"2026-11-01T05:00", "2026-11-01T05:30", "2026-11-01T06:00", "2026-11-01T06:30",
                                 "2026-11-01T07:00"});
}

TEST_CASE("local wall times follow the zone: 08:00 in Berlin is 07:00 UTC in winter, 06:00 in summer") {
  const ZoneRules berlin = zone(kBerlin);
  CHECK(runs(sched("0 8 * * *"), utc(2026, 1, 10), 1, berlin) == std::vector<std::string>{"2026-01-10T07:00"});
  CHECK(runs(sched("0 8 * * *"), utc(2026, 7, 10), 1, berlin) == std::vector<std::string>{"2026-07-10T06:00"});
  CHECK(cron_local_time(utc(2026, 7, 10, 6), berlin) == "2026-07-10T08:00");
}

TEST_CASE("a zoneinfo file's transitions and footer both read (when the system has tzdata)") {
  std::ifstream in("/usr/share/zoneinfo/Europe/Berlin", std::ios::binary);
  if (!in) {
    MESSAGE("no /usr/share/zoneinfo/Europe/Berlin here; TZif reading not exercised");
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto z = ZoneRules::from_tzif(ss.str());
  REQUIRE(z);
  CHECK(z->offset_s(utc(1979, 7, 1)) == 3600);   // West Germany had no summer time until 1980
  CHECK(z->offset_s(utc(1980, 7, 1)) == 7200);
  CHECK(z->offset_s(utc(2026, 1, 1)) == 3600);
  CHECK(z->offset_s(utc(2026, 7, 1)) == 7200);
  CHECK(z->offset_s(utc(2060, 7, 1)) == 7200);   // past any explicit transition: the footer rule
  CHECK(z->offset_s(utc(2060, 12, 1)) == 3600);
  CHECK_FALSE(ZoneRules::from_tzif("TZif2 but short"));
}

}  // TEST_SUITE
