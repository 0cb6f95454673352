// Time-zone rules for cron schedules: the UTC offset of a zone at any instant.
//
// Pure: a zone is built from the bytes of a TZif file (RFC 8536, what
// /usr/share/zoneinfo holds) or from a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3");
// cmd/ reads the files. libstdc++ 12 (Debian 12) has no std::chrono tzdb, so
// this is the seam. A TZif file's explicit transitions cover the past; its
// footer (a POSIX TZ string) gives the rule for every later instant, which is
// what schedules need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace baton {

class ZoneRules {
 public:
  // UTC: offset 0 always.
  ZoneRules() = default;

  static Result<ZoneRules> from_posix(std::string_view tz);
  static Result<ZoneRules> from_tzif(std::string_view bytes);

  // Seconds to add to UTC to get local wall time at `utc`.
  int offset_s(TimeMs utc) const;

  // The name the zone was asked for ("Europe/Berlin"; empty for the broker's local zone).
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  // One switch of a POSIX rule: month (1-12), week (1-5, 5 = last), weekday
  // (0 = Sunday), or a Julian day; and the local time of day it happens.
  struct RuleDate {
    enum Kind { MonthWeekDay, JulianNoLeap, DayOfYear } kind = MonthWeekDay;
    int month = 0, week = 0, weekday = 0, day = 0;
    std::int64_t time_s = 7200;
  };

 private:
  std::string name_;
  // Explicit transitions (seconds since the epoch) and the offset from each on.
  std::vector<std::int64_t> at_;
  std::vector<int> offset_after_;
  int first_offset_ = 0;  // before the first transition
  // The POSIX rule, for instants from the last explicit transition on.
  bool has_rule_ = false;
  int std_offset_ = 0, dst_offset_ = 0;
  bool has_dst_ = false;
  RuleDate start_, end_;

  int rule_offset(std::int64_t t) const;
};

// Civil calendar arithmetic (proleptic Gregorian), shared by the schedule.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);
// 0 = Sunday.
inline unsigned weekday_from_days(std::int64_t z) { return static_cast<unsigned>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6); }
bool is_leap_year(std::int64_t y);
unsigned days_in_month(std::int64_t y, unsigned m);

}  // namespace baton
