// A cron schedule: parsing the five fields (minute hour day-of-month month
// day-of-week, optionally a leading seconds field) and finding the next run.
//
// Syntax is Vixie cron's: `*`, numbers, ranges `a-b`, steps `*/n` `a-b/n` `a/n`,
// lists `a,b-c`, names (`jan`-`dec`, `sun`-`sat`, 7 = Sunday), and the macros
// @yearly @annually @monthly @weekly @daily @midnight @hourly (no @reboot: a
// broker has no boot to speak of). Vixie's rule for the two day fields: when
// both are restricted (neither starts with `*`), a day matches if EITHER does.
//
// Time zones and daylight saving (the zone's rules come in as ZoneRules):
// - an entry whose hour field is `*` runs on real time: in a repeated hour
//   (fall-back) it runs in both passes, and a skipped hour has no runs;
// - any other entry runs once per local wall time: a time skipped by a
//   spring-forward runs once, at the first instant after the gap (03:00 for
//   02:30 in Europe/Berlin), and a time repeated by a fall-back runs once, at
//   its first occurrence.
// Pure: no clock, no I/O.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "core/zone_rules.h"

namespace baton {

class CronSchedule {
 public:
  // `allow_seconds`: a six-field schedule is read as seconds first (the
  // scheduler.cron_seconds setting). Errors name the offending field.
  static Result<CronSchedule> parse(std::string_view text, bool allow_seconds = false);

  // The first run strictly after `after` (ms since the epoch), or kNever when
  // there is none in the next nine years (e.g. "0 0 30 2 *").
  TimeMs next_after(TimeMs after, const ZoneRules& zone) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> sec_, min_;
  std::bitset<24> hour_;
  std::bitset<32> dom_;  // 1..31
  std::bitset<13> mon_;  // 1..12
  std::bitset<7> dow_;   // 0 = Sunday
  bool dom_star_ = false, dow_star_ = false, hour_star_ = false;

  bool day_ok(std::int64_t y, unsigned m, unsigned d) const;
  // The first local wall-clock second >= `civil` (seconds, local time read
  // as if it were UTC) that matches, or -1.
  std::int64_t next_civil(std::int64_t civil) const;
  std::int64_t next_real_time(std::int64_t after, const ZoneRules& zone) const;
  std::int64_t next_wall_time(std::int64_t after, const ZoneRules& zone) const;
};

}  // namespace baton
