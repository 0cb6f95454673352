// CronTable: validation, catch-up decisions and run records (see cron_table.h).
#include "core/cron_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

namespace baton {

Result<ZoneRules> UtcZoneSource::load(const std::string& name) {
  if (name.empty() || name == "UTC" || name == "Etc/UTC") return ZoneRules();
  return Status::error("unknown time zone '" + name + "'");
}

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string cron_local_time(TimeMs t, const ZoneRules& zone) {
  const std::int64_t local = floor_div(t, 1000) + zone.offset_s(t);
  const std::int64_t days = floor_div(local, 86400), sod = local - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", y, m, d, sod / 3600, sod / 60 % 60);
  if (sod % 60) out += fmt::format(":{:02}", sod % 60);
  return out;
}

bool parse_cron_concurrency(const std::string& s, pb::CronConcurrency& out) {
  if (s == "allow") out = pb::CRON_ALLOW;
  else if (s == "forbid") out = pb::CRON_FORBID;
  else if (s == "replace") out = pb::CRON_REPLACE;
  else return false;
  return true;
}

bool parse_cron_catch_up(const std::string& s, pb::CronCatchUp& out) {
  if (s == "none") out = pb::CRON_CATCH_UP_NONE;
  else if (s == "last") out = pb::CRON_CATCH_UP_LAST;
  else if (s == "all") out = pb::CRON_CATCH_UP_ALL;
  else return false;
  return true;
}

const char* cron_concurrency_name(pb::CronConcurrency c) {
  return c == pb::CRON_FORBID ? "forbid" : c == pb::CRON_REPLACE ? "replace" : "allow";
}

const char* cron_catch_up_name(pb::CronCatchUp c) {
  return c == pb::CRON_CATCH_UP_LAST ? "last" : c == pb::CRON_CATCH_UP_ALL ? "all" : "none";
}

Result<CronState> CronTable::prepare(const pb::CronEntry& entry, TimeMs now) {
  if (!valid_name(entry.name()))
    return Status::error("bad cron entry name '" + entry.name() + "': use 1-64 letters, digits, '-', '_' or '.'");
  auto schedule = CronSchedule::parse(entry.schedule(), allow_seconds_);
  if (!schedule) return Status::error("schedule '" + entry.schedule() + "': " + schedule.error());
  auto zone = zones_.load(entry.tz());
  if (!zone) return Status::error("--tz: " + zone.error());
  zone->set_name(entry.tz());
  if (schedule->next_after(now, *zone) == kNever)
    return Status::error("schedule '" + entry.schedule() + "' never runs (no matching day in the next nine years)");
  if (entry.starting_deadline_ms() < 0) return Status::error("--starting-deadline must not be negative");
  if (entry.history() > 1000) return Status::error("--history is at most 1000");
  CronState s;
  s.entry = entry;
  s.schedule = std::move(*schedule);
  s.zone = std::move(*zone);
  return s;
}

CronState* CronTable::find(const std::string& name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

CronState& CronTable::put(CronState state) {
  const std::string name = state.entry.name();
  return entries_.insert_or_assign(name, std::move(state)).first->second;
}

void CronTable::erase(const std::string& name) { entries_.erase(name); }

TimeMs CronTable::latest_due(const CronState& s, TimeMs after, TimeMs now) const {
  // Look back in widening windows: a schedule with seconds over a long outage
  // would otherwise mean millions of steps.
  for (TimeMs window : {kHour, kDay, 32 * kDay, 400 * kDay, kNever}) {
    const TimeMs start = window == kNever || now - window < after ? after : now - window;
    TimeMs found = 0;
    for (TimeMs t = s.schedule.next_after(start, s.zone); t <= now; t = s.schedule.next_after(t, s.zone)) found = t;
    if (found || start == after) return found;
  }
  return 0;
}

std::vector<TimeMs> CronTable::come_back(CronState& s, TimeMs now) const {
  std::vector<TimeMs> out;
  s.next_ms = s.entry.paused() ? kNever : s.schedule.next_after(now, s.zone);
  if (s.entry.paused()) return out;
  TimeMs lower = s.entry.last_scheduled_ms();
  if (s.entry.starting_deadline_ms() > 0) lower = std::max(lower, now - s.entry.starting_deadline_ms() - 1);
  if (lower >= now) return out;
  switch (s.entry.catch_up()) {
    case pb::CRON_CATCH_UP_LAST:
      if (TimeMs t = latest_due(s, lower, now)) out.push_back(t);
      break;
    case pb::CRON_CATCH_UP_ALL: {
      // The latest kMaxCatchUp times: find where they start by stepping back.
      std::deque<TimeMs> times;
      TimeMs from = lower;
      if (TimeMs last = latest_due(s, lower, now); last > 0) {
        for (TimeMs window = kHour; window < kNever / 2; window *= 4) {
          from = std::max(lower, now - window);
          std::size_t n = 0;
          for (TimeMs t = s.schedule.next_after(from, s.zone); t <= now && n <= kMaxCatchUp;
               t = s.schedule.next_after(t, s.zone))
            ++n;
          if (n > kMaxCatchUp || from == lower) break;
        }
        for (TimeMs t = s.schedule.next_after(from, s.zone); t <= now; t = s.schedule.next_after(t, s.zone)) {
          times.push_back(t);
          if (times.size() > kMaxCatchUp) times.pop_front();
        }
      }
      out.assign(times.begin(), times.end());
      break;
    }
    default: break;
  }
  return out;
}

void CronTable::add_run(pb::CronEntry& e, pb::CronRun run) {
  *e.add_runs() = std::move(run);
  const int keep = static_cast<int>(e.history() ? e.history() : kDefaultHistory);
  if (e.runs_size() > keep) e.mutable_runs()->DeleteSubrange(0, e.runs_size() - keep);
}

pb::CronRun* CronTable::run_of(pb::CronEntry& e, JobId job) {
  for (int i = e.runs_size() - 1; i >= 0; --i)
    if (e.runs(i).job_id() == job) return e.mutable_runs(i);
  return nullptr;
}

TimeMs CronTable::next_deadline() const {
  TimeMs t = kNever;
  for (const auto& [name, s] : entries_) t = std::min(t, s.next_ms);
  return t;
}

}  // namespace baton
