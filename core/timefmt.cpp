#include "core/timefmt.h"

#include <cctype>
#include <cstdio>
#include <charconv>
#include <ctime>
#include <vector>

namespace baton {

namespace {

bool to_i64(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    auto p = s.find(sep);
    parts.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s = s.substr(p + 1);
  }
  return parts;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "90s", "5m", "2h", "1d", "250ms" -> ms. Units are required.
bool parse_unit_duration(std::string_view s, TimeMs& out) {
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  std::int64_t n = 0;
  if (i == 0 || !to_i64(s.substr(0, i), n)) return false;
  const std::string unit = lower(s.substr(i));
  TimeMs scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") scale = kSecond;
  else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") scale = kMinute;
  else if (unit == "h" || unit == "hour" || unit == "hours") scale = kHour;
  else if (unit == "d" || unit == "day" || unit == "days") scale = kDay;
  else if (unit == "w" || unit == "week" || unit == "weeks") scale = 7 * kDay;
  else return false;
  return !__builtin_mul_overflow(n, scale, &out);  // too large is not a duration
}

TimeMs local_midnight(TimeMs now, int day_offset) {
  std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mday += day_offset;
  tm.tm_isdst = -1;
  return static_cast<TimeMs>(std::mktime(&tm)) * 1000;
}

bool parse_clock(std::string_view s, int& h, int& m, int& sec) {
  auto parts = split(s, ':');
  if (parts.size() < 2 || parts.size() > 3) return false;
  std::int64_t v[3] = {0, 0, 0};
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!to_i64(parts[i], v[i])) return false;
  if (v[0] > 23 || v[1] > 59 || v[2] > 59) return false;
  h = static_cast<int>(v[0]);
  m = static_cast<int>(v[1]);
  sec = static_cast<int>(v[2]);
  return true;
}

TimeMs make_local(int year, int mon, int day, int h, int m, int s) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return static_cast<TimeMs>(std::mktime(&tm)) * 1000;
}

}  // namespace

Result<std::int64_t> parse_time_limit(std::string_view text) {
  const std::string bad = "bad time limit '" + std::string(text) +
                          "': expected minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S (for example 30, 1:30:00, 2-12)";
  const std::string low = lower(text);
  if (low == "unlimited" || low == "infinite") return std::int64_t{0};
  TimeMs unit_ms = 0;
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text.back()))) {
    if (!parse_unit_duration(text, unit_ms)) return Status::error(bad);
    return std::int64_t{unit_ms / 1000 + (unit_ms % 1000 != 0)};
  }
  std::int64_t days = 0;
  std::string_view rest = text;
  const bool has_days = rest.find('-') != std::string_view::npos;
  if (has_days) {
    auto dash = rest.find('-');
    if (!to_i64(rest.substr(0, dash), days)) return Status::error(bad);
    rest = rest.substr(dash + 1);
  }
  auto parts = split(rest, ':');
  std::int64_t v[3] = {0, 0, 0};
  if (parts.size() > 3) return Status::error(bad);
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!to_i64(parts[i], v[i])) return Status::error(bad);
  std::int64_t secs = 0;
  auto add = [&secs](std::int64_t n, std::int64_t scale) {  // false on overflow
    std::int64_t t = 0;
    return !__builtin_mul_overflow(n, scale, &t) && !__builtin_add_overflow(secs, t, &secs);
  };
  bool ok = true;
  if (has_days) {
    // D-H, D-H:M, D-H:M:S
    ok = add(days, 86400) && add(v[0], 3600) && add(v[1], 60) && add(v[2], 1);
  } else if (parts.size() == 1) {
    ok = add(v[0], 60);                                           // M
  } else if (parts.size() == 2) {
    ok = add(v[0], 60) && add(v[1], 1);                           // M:S
  } else {
    ok = add(v[0], 3600) && add(v[1], 60) && add(v[2], 1);        // H:M:S
  }
  if (!ok || secs > INT64_MAX / 1000) return Status::error(bad);  // limits are kept in ms too
  return secs;
}

Result<TimeMs> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  TimeMs ms = 0;
  if (to_i64(text, n)) {
    if (!__builtin_mul_overflow(n, kSecond, &ms)) return ms;
  } else if (parse_unit_duration(text, ms)) {
    return ms;
  }
  return Status::error("bad duration '" + std::string(text) + "': expected a number with a unit, like 500ms, 10s, 5m, 2h or 1d");
}

Result<TimeMs> parse_begin(std::string_view text, TimeMs now) {
  const std::string bad = "bad begin time '" + std::string(text) +
                          "': expected now+1h, 16:00, 2026-12-01T08:00, MM/DD, today or tomorrow";
  const std::string low = lower(text);
  if (low == "now") return now;
  if (low.rfind("now+", 0) == 0) {
    std::string_view rel = std::string_view(low).substr(4);
    std::int64_t n = 0;
    TimeMs ms = 0, when = 0;
    const bool rel_ok = to_i64(rel, n) ? !__builtin_mul_overflow(n, kSecond, &ms)  // sbatch: plain number is seconds
                                       : parse_unit_duration(rel, ms);
    if (rel_ok && !__builtin_add_overflow(now, ms, &when)) return when;
    return Status::error(bad);
  }
  if (low == "today" || low == "midnight") return local_midnight(now, low == "midnight" ? 1 : 0);
  if (low == "tomorrow") return local_midnight(now, 1);
  int h = 0, m = 0, s = 0;
  auto next_clock = [&](int hh, int mm, int ss) {
    // The next time the wall clock reads hh:mm:ss (today, or else tomorrow).
    std::time_t t = static_cast<std::time_t>(now / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    tm.tm_isdst = -1;
    std::tm copy = tm;
    TimeMs when = static_cast<TimeMs>(std::mktime(&copy)) * 1000;
    if (when <= now) {
      tm.tm_mday += 1;
      when = static_cast<TimeMs>(std::mktime(&tm)) * 1000;
    }
    return when;
  };
  if (low == "noon") return next_clock(12, 0, 0);
  if (low == "teatime") return next_clock(16, 0, 0);
  if (parse_clock(low, h, m, s)) return next_clock(h, m, s);
  // YYYY-MM-DD[THH:MM[:SS]]
  if (low.size() >= 10 && low[4] == '-' && low[7] == '-') {
    std::int64_t y = 0, mo = 0, d = 0;
    if (!to_i64(std::string_view(low).substr(0, 4), y) || !to_i64(std::string_view(low).substr(5, 2), mo) ||
        !to_i64(std::string_view(low).substr(8, 2), d) || mo < 1 || mo > 12 || d < 1 || d > 31)
      return Status::error(bad);
    if (low.size() == 10) return make_local(int(y), int(mo), int(d), 0, 0, 0);
    if (low[10] != 't' && low[10] != ' ') return Status::error(bad);
    if (!parse_clock(std::string_view(low).substr(11), h, m, s)) return Status::error(bad);
    return make_local(int(y), int(mo), int(d), h, m, s);
  }
  // MM/DD[/YY]
  auto parts = split(low, '/');
  if (parts.size() == 2 || parts.size() == 3) {
    std::int64_t mo = 0, d = 0, y = 0;
    if (!to_i64(parts[0], mo) || !to_i64(parts[1], d) || mo < 1 || mo > 12 || d < 1 || d > 31)
      return Status::error(bad);
    std::time_t t = static_cast<std::time_t>(now / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    int year = tm.tm_year + 1900;
    if (parts.size() == 3) {
      if (!to_i64(parts[2], y) || y > 9999) return Status::error(bad);
      year = y < 100 ? 2000 + int(y) : int(y);
    }
    TimeMs when = make_local(year, int(mo), int(d), 0, 0, 0);
    if (parts.size() == 2 && when + kDay <= now) when = make_local(year + 1, int(mo), int(d), 0, 0, 0);
    return when;
  }
  return Status::error(bad);
}

std::string format_elapsed(TimeMs ms) {
  if (ms < 0) ms = 0;
  std::int64_t s = ms / 1000;
  const std::int64_t d = s / 86400;
  s %= 86400;
  const std::int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  char buf[64];
  if (d > 0) std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", (long long)d, (long long)h, (long long)m, (long long)sec);
  else if (h > 0) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)h, (long long)m, (long long)sec);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)m, (long long)sec);
  return buf;
}

std::string format_duration(TimeMs ms) {
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  std::int64_t s = ms / 1000;
  std::string out;
  const std::int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (d) out += std::to_string(d) + "d";
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (sec) out += std::to_string(sec) + "s";
  return out;
}

std::string format_local_time(TimeMs ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace baton
