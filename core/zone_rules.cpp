// ZoneRules: POSIX TZ strings and TZif data (see zone_rules.h).
#include "core/zone_rules.h"

#include <algorithm>
#include <cctype>

namespace baton {

// ---------------------------------------------------------------- calendar

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap_year(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ---------------------------------------------------------------- POSIX TZ

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool number(int& out) {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) return false;
    out = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) out = out * 10 + (s[i++] - '0');
    return true;
  }
};

bool zone_abbrev(Cursor& c) {
  if (c.eat('<')) {
    while (!c.done() && c.peek() != '>') ++c.i;
    return c.eat('>');
  }
  const std::size_t start = c.i;
  while (std::isalpha(static_cast<unsigned char>(c.peek()))) ++c.i;
  return c.i - start >= 3;
}

// [+-]hh[:mm[:ss]] in seconds.
bool hms(Cursor& c, std::int64_t& out) {
  int sign = 1;
  if (c.eat('-')) sign = -1;
  else c.eat('+');
  int h = 0, m = 0, s = 0;
  if (!c.number(h)) return false;
  if (c.eat(':')) {
    if (!c.number(m)) return false;
    if (c.eat(':') && !c.number(s)) return false;
  }
  out = sign * (h * 3600LL + m * 60LL + s);
  return true;
}

bool rule_date(Cursor& c, ZoneRules::RuleDate& r) {
  if (c.eat('M')) {
    r.kind = ZoneRules::RuleDate::MonthWeekDay;
    if (!c.number(r.month) || !c.eat('.') || !c.number(r.week) || !c.eat('.') || !c.number(r.weekday)) return false;
    if (r.month < 1 || r.month > 12 || r.week < 1 || r.week > 5 || r.weekday > 6) return false;
  } else if (c.eat('J')) {
    r.kind = ZoneRules::RuleDate::JulianNoLeap;
    if (!c.number(r.day) || r.day < 1 || r.day > 365) return false;
  } else {
    r.kind = ZoneRules::RuleDate::DayOfYear;
    if (!c.number(r.day) || r.day > 365) return false;
  }
  r.time_s = 7200;
  if (c.eat('/') && !hms(c, r.time_s)) return false;
  return true;
}

// The day (days since the epoch) a rule date falls on in year `y`.
std::int64_t rule_day(const ZoneRules::RuleDate& r, std::int64_t y) {
  switch (r.kind) {
    case ZoneRules::RuleDate::JulianNoLeap: {
      int d = r.day;  // 1..365, February 29 never counted
      std::int64_t day = days_from_civil(y, 1, 1) + d - 1;
      if (is_leap_year(y) && d >= 60) ++day;
      return day;
    }
    case ZoneRules::RuleDate::DayOfYear: return days_from_civil(y, 1, 1) + r.day;
    case ZoneRules::RuleDate::MonthWeekDay: break;
  }
  const auto month = static_cast<unsigned>(r.month);
  const std::int64_t first = days_from_civil(y, month, 1);
  const unsigned wd = weekday_from_days(first);
  std::int64_t day = first + (static_cast<unsigned>(r.weekday) + 7 - wd) % 7 + 7 * (r.week - 1);
  while (day >= first + days_in_month(y, month)) day -= 7;  // week 5: the last one
  return day;
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}

std::int64_t be64(std::string_view b, std::size_t at) {
  return static_cast<std::int64_t>((std::uint64_t(be32(b, at)) << 32) | be32(b, at + 4));
}

}  // namespace

Result<ZoneRules> ZoneRules::from_posix(std::string_view tz) {
  auto bad = [&] { return Status::error("not a POSIX TZ rule: '" + std::string(tz) + "'"); };
  ZoneRules z;
  Cursor c{tz};
  std::int64_t off = 0;
  if (!zone_abbrev(c) || !hms(c, off)) return bad();
  z.has_rule_ = true;
  z.std_offset_ = static_cast<int>(-off);  // POSIX counts west of Greenwich as positive
  z.dst_offset_ = z.std_offset_;
  if (!c.done()) {
    if (!zone_abbrev(c)) return bad();
    z.has_dst_ = true;
    z.dst_offset_ = z.std_offset_ + 3600;
    if (c.peek() != ',' && !c.done()) {
      if (!hms(c, off)) return bad();
      z.dst_offset_ = static_cast<int>(-off);
    }
    // Without rules: the US rules of POSIX's default ("M3.2.0,M11.1.0").
    z.start_ = RuleDate{RuleDate::MonthWeekDay, 3, 2, 0, 0, 7200};
    z.end_ = RuleDate{RuleDate::MonthWeekDay, 11, 1, 0, 0, 7200};
    if (c.eat(',')) {
      if (!rule_date(c, z.start_) || !c.eat(',') || !rule_date(c, z.end_)) return bad();
    }
  }
  if (!c.done()) return bad();
  z.first_offset_ = z.std_offset_;
  return z;
}

Result<ZoneRules> ZoneRules::from_tzif(std::string_view b) {
  auto bad = [](const char* why) { return Status::error(std::string("not a TZif file: ") + why); };
  if (b.size() < 44 || b.substr(0, 4) != "TZif") return bad("no TZif header");
  // Sizes of one data block: counts at offset 20 of its header.
  auto block = [&](std::size_t hdr, int time_size, std::size_t& len, std::uint32_t cnt[6]) -> bool {
    if (b.size() < hdr + 44) return false;
    for (int i = 0; i < 6; ++i) cnt[i] = be32(b, hdr + 20 + 4 * i);
    const std::uint64_t isut = cnt[0], isstd = cnt[1], leap = cnt[2], time = cnt[3], type = cnt[4], chars = cnt[5];
    len = time * time_size + time + type * 6 + chars + leap * (time_size + 4) + isstd + isut;
    return b.size() >= hdr + 44 + len && type > 0;
  };
  std::uint32_t cnt[6];
  std::size_t len = 0;
  if (!block(0, 4, len, cnt)) return bad("truncated");
  std::size_t hdr = 0;
  int tsize = 4;
  if (b[4] >= '2') {  // version 2+: skip the 32-bit block; the 64-bit one follows
    hdr = 44 + len;
    tsize = 8;
    if (!block(hdr, 8, len, cnt)) return bad("truncated version 2 data");
  }
  const std::uint32_t timecnt = cnt[3], typecnt = cnt[4];
  std::size_t p = hdr + 44;
  std::vector<std::int64_t> at(timecnt);
  for (auto& t : at) {
    t = tsize == 8 ? be64(b, p) : static_cast<std::int32_t>(be32(b, p));
    p += tsize;
  }
  std::vector<std::uint8_t> idx(timecnt);
  for (auto& i : idx) i = static_cast<std::uint8_t>(b[p++]);
  std::vector<int> type_off(typecnt);
  for (auto& o : type_off) {
    o = static_cast<std::int32_t>(be32(b, p));
    p += 6;
  }
  ZoneRules z;
  for (std::uint32_t i = 0; i < timecnt; ++i) {
    if (idx[i] >= typecnt) return bad("transition type out of range");
    z.at_.push_back(at[i]);
    z.offset_after_.push_back(type_off[idx[i]]);
  }
  z.first_offset_ = type_off[0];
  if (tsize == 8) {
    // Footer: "\n<POSIX TZ>\n" after the block.
    const std::size_t foot = hdr + 44 + len;
    if (foot < b.size() && b[foot] == '\n') {
      const std::size_t end = b.find('\n', foot + 1);
      const std::string_view tz = b.substr(foot + 1, end == std::string_view::npos ? std::string_view::npos : end - foot - 1);
      if (!tz.empty()) {
        auto rule = from_posix(tz);
        if (!rule) return rule.status();
        z.has_rule_ = true;
        z.std_offset_ = rule->std_offset_;
        z.dst_offset_ = rule->dst_offset_;
        z.has_dst_ = rule->has_dst_;
        z.start_ = rule->start_;
        z.end_ = rule->end_;
      }
    }
  }
  return z;
}

int ZoneRules::rule_offset(std::int64_t t) const {
  if (!has_dst_) return std_offset_;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(t + std_offset_, 86400), y, m, d);
  // Both switches happen at local time: the start in standard time, the end in daylight time.
  const std::int64_t start = rule_day(start_, y) * 86400 + start_.time_s - std_offset_;
  const std::int64_t end = rule_day(end_, y) * 86400 + end_.time_s - dst_offset_;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? dst_offset_ : std_offset_;
}

int ZoneRules::offset_s(TimeMs utc) const {
  const std::int64_t t = floor_div(utc, 1000);
  if (!at_.empty() && t < at_.back()) {
    auto it = std::upper_bound(at_.begin(), at_.end(), t);
    if (it == at_.begin()) return first_offset_;
    return offset_after_[static_cast<std::size_t>(it - at_.begin() - 1)];
  }
  if (has_rule_) return rule_offset(t);
  return at_.empty() ? first_offset_ : offset_after_.back();
}

}  // namespace baton
