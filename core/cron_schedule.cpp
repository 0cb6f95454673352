// CronSchedule: the parser and the next-run search (see cron_schedule.h).
#include "core/cron_schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace baton {

namespace {

constexpr std::int64_t kDaySecs = 86400;
constexpr std::int64_t kSearchYears = 9;  // Feb 29 may be 8 years away (2096 -> 2104)

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct FieldDef {
  const char* name;
  int lo, hi;
  const char* const* names;  // index 0 is value `lo`
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", nullptr};
constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};

constexpr FieldDef kSecondField{"second", 0, 59, nullptr};
constexpr FieldDef kMinuteField{"minute", 0, 59, nullptr};
constexpr FieldDef kHourField{"hour", 0, 23, nullptr};
constexpr FieldDef kDomField{"day-of-month", 1, 31, nullptr};
constexpr FieldDef kMonthField{"month", 1, 12, kMonths};
constexpr FieldDef kDowField{"day-of-week", 0, 7, kDays};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<int> value(const FieldDef& f, std::string_view word) {
  if (word.empty()) return Status::error("a value is missing");
  if (std::isdigit(static_cast<unsigned char>(word[0]))) {
    int n = 0;
    for (char c : word) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1000) return Status::error("'" + std::string(word) + "' is not a number");
      n = n * 10 + (c - '0');
    }
    if (n < f.lo || n > f.hi)
      return Status::error(std::to_string(n) + " is out of range " + std::to_string(f.lo) + "-" + std::to_string(f.hi));
    return n;
  }
  if (f.names) {
    const std::string w = lower(word);
    for (int i = 0; f.names[i]; ++i)
      if (w == f.names[i]) return f.lo + i;
  }
  return Status::error("'" + std::string(word) + "' is not a " + (f.names ? "number or name" : "number"));
}

// Parses one field into `bits` (value v sets bit v). Returns an error naming the field.
template <std::size_t N>
Status field(const FieldDef& f, std::string_view text, std::bitset<N>& bits) {
  auto fail = [&](const std::string& why) {
    return Status::error(std::string(f.name) + " field '" + std::string(text) + "': " + why);
  };
  if (text.empty()) return fail("empty");
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return fail("empty list item");
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      int n = 0;
      if (s.empty() || s.size() > 4 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return fail("step '" + std::string(s) + "' is not a number");
      for (char c : s) n = n * 10 + (c - '0');
      if (n < 1) return fail("a step must be at least 1");
      step = n;
      item = item.substr(0, slash);
    }
    int lo = f.lo, hi = f.hi;
    if (item == "*") {
      if (f.lo == 0 && f.hi == 7) hi = 6;  // day-of-week: 7 is Sunday again
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      auto a = value(f, item.substr(0, dash));
      if (!a) return fail(a.error());
      auto b = value(f, item.substr(dash + 1));
      if (!b) return fail(b.error());
      if (*a > *b) return fail("range " + std::string(item) + " goes backwards");
      lo = *a;
      hi = *b;
    } else {
      auto a = value(f, item);
      if (!a) return fail(a.error());
      lo = *a;
      hi = step > 1 ? f.hi : *a;  // "a/n": from a to the end, every n
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(f.lo == 0 && f.hi == 7 && v == 7 ? 0 : v));
    if (comma == text.size()) break;
  }
  return Status::ok();
}

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text, bool allow_seconds) {
  auto words = words_of(text);
  if (words.empty()) return Status::error("the schedule is empty: expected five fields (minute hour day-of-month month day-of-week) or @daily and the like");
  std::string expanded;
  if (words.size() == 1 && words[0][0] == '@') {
    const std::string m = lower(words[0]);
    static constexpr std::array<std::pair<const char*, const char*>, 7> kMacros{{
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
        {"@daily", "0 0 * * *"}, {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"}}};
    if (m == "@reboot")
      return Status::error("@reboot is not supported: a broker restart is not a boot; use a schedule, or `baton cron run`");
    const char* found = nullptr;
    for (const auto& [k, v] : kMacros)
      if (m == k) found = v;
    if (!found) return Status::error("unknown schedule '" + std::string(words[0]) + "': use @yearly, @monthly, @weekly, @daily or @hourly");
    expanded = found;
    words = words_of(expanded);
  }
  const bool with_seconds = words.size() == 6 && allow_seconds;
  if (words.size() != 5 && !with_seconds) {
    std::string why = "expected five fields (minute hour day-of-month month day-of-week), got " + std::to_string(words.size());
    if (words.size() == 6) why += "; a leading seconds field needs scheduler.cron_seconds = true";
    if (words.size() > 6) why += "; in a crontab the command follows the fields";
    return Status::error(why);
  }
  CronSchedule s;
  s.text_ = std::string(text.substr(text.find_first_not_of(" \t")));
  while (!s.text_.empty() && std::isspace(static_cast<unsigned char>(s.text_.back()))) s.text_.pop_back();
  std::size_t i = 0;
  if (with_seconds) {
    if (Status st = field(kSecondField, words[i++], s.sec_); !st) return st;
  } else {
    s.sec_.set(0);
  }
  if (Status st = field(kMinuteField, words[i++], s.min_); !st) return st;
  if (Status st = field(kHourField, words[i], s.hour_); !st) return st;
  s.hour_star_ = s.hour_.all();
  ++i;
  s.dom_star_ = words[i][0] == '*';
  if (Status st = field(kDomField, words[i++], s.dom_); !st) return st;
  if (Status st = field(kMonthField, words[i++], s.mon_); !st) return st;
  s.dow_star_ = words[i][0] == '*';
  std::bitset<8> dow;
  if (Status st = field(kDowField, words[i], dow); !st) return st;
  for (std::size_t d = 0; d < 7; ++d) s.dow_[d] = dow[d];
  return s;
}

bool CronSchedule::day_ok(std::int64_t y, unsigned m, unsigned d) const {
  if (!mon_[m]) return false;
  const bool dom = dom_[d];
  const bool dow = dow_[weekday_from_days(days_from_civil(y, m, d))];
  // Vixie: both restricted -> either; else both (a `*` field matches anyway).
  return dom_star_ || dow_star_ ? dom && dow : dom || dow;
}

std::int64_t CronSchedule::next_civil(std::int64_t civil) const {
  std::int64_t days = floor_div(civil, kDaySecs);
  std::int64_t sod = civil - days * kDaySecs;  // second of the day
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const std::int64_t last_year = y + kSearchYears;
  int h = static_cast<int>(sod / 3600), mi = static_cast<int>(sod / 60 % 60), s = static_cast<int>(sod % 60);
  auto next_day = [&] {
    ++days;
    civil_from_days(days, y, m, d);
    h = mi = s = 0;
  };
  while (y <= last_year) {
    if (!mon_[m]) {  // the first day of the next month
      days += days_in_month(y, m) - d;
      next_day();
      continue;
    }
    if (!day_ok(y, m, d)) {
      next_day();
      continue;
    }
    if (h > 23) {
      next_day();
      continue;
    }
    if (!hour_[static_cast<std::size_t>(h)]) {
      ++h;
      mi = s = 0;
      continue;
    }
    if (mi > 59) {
      ++h;
      mi = s = 0;
      continue;
    }
    if (!min_[static_cast<std::size_t>(mi)]) {
      ++mi;
      s = 0;
      continue;
    }
    if (s > 59 || !sec_[static_cast<std::size_t>(s)]) {
      if (s > 59) {
        ++mi;
        s = 0;
      } else {
        ++s;
      }
      continue;
    }
    return days * kDaySecs + h * 3600 + mi * 60 + s;
  }
  return -1;
}

// Hour field `*`: walk real time, reading each instant's local date and time.
std::int64_t CronSchedule::next_real_time(std::int64_t after, const ZoneRules& zone) const {
  std::int64_t t = after + 1;
  const std::int64_t limit = after + kSearchYears * 366 * kDaySecs;
  while (t < limit) {
    const std::int64_t civil = t + zone.offset_s(t * 1000);
    const std::int64_t days = floor_div(civil, kDaySecs);
    const std::int64_t sod = civil - days * kDaySecs;
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    if (!day_ok(y, m, d)) {
      t += kDaySecs - sod;  // to the next local midnight (re-read after any offset change)
      continue;
    }
    const int mi = static_cast<int>(sod / 60 % 60), s = static_cast<int>(sod % 60);
    if (!min_[static_cast<std::size_t>(mi)]) {
      int next = mi + 1;
      while (next < 60 && !min_[static_cast<std::size_t>(next)]) ++next;
      t += (next - mi) * 60 - s;  // next == 60: the next hour
      continue;
    }
    if (!sec_[static_cast<std::size_t>(s)]) {
      int next = s + 1;
      while (next < 60 && !sec_[static_cast<std::size_t>(next)]) ++next;
      t += next - s;
      continue;
    }
    return t;
  }
  return -1;
}

// Restricted hours: find the next matching local wall time, then place it.
std::int64_t CronSchedule::next_wall_time(std::int64_t after, const ZoneRules& zone) const {
  auto off = [&](std::int64_t t) { return zone.offset_s(t * 1000); };
  // Just after `after` in local time; in a fall-back the earlier reading, so
  // the repeated wall times are looked at (and skipped, below, if run already).
  std::int64_t start = std::min(after + off(after) + 1, after + 1 + off(after + 1));
  for (int guard = 0; guard < 100000; ++guard) {
    const std::int64_t civil = next_civil(start);
    if (civil < 0) return -1;
    const int before = off(civil - kDaySecs), later = off(civil + kDaySecs);
    std::int64_t first = -1;
    for (int o : {std::max(before, later), std::min(before, later)}) {
      // The larger offset gives the earlier instant.
      const std::int64_t t = civil - o;
      if (off(t) == o && first < 0) first = t;
    }
    if (first < 0) {
      // In a gap (spring-forward): the first instant after it.
      std::int64_t lo = civil - later, hi = civil - before;  // off(lo) == before, off(hi) == later
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (off(mid) == before ? lo : hi) = mid;
      }
      first = hi;
    }
    if (first > after) return first;
    start = civil + 1;  // this wall time had its run (or its first occurrence passed)
  }
  return -1;
}

TimeMs CronSchedule::next_after(TimeMs after, const ZoneRules& zone) const {
  const std::int64_t a = floor_div(after, 1000);
  const std::int64_t t = hour_star_ ? next_real_time(a, zone) : next_wall_time(a, zone);
  return t < 0 ? kNever : t * 1000;
}

}  // namespace baton
