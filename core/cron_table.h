// The broker's recurring entries (`baton cron`), as plain bookkeeping: each
// entry with its parsed schedule, zone, next run and active runs, and the
// policy decisions that need no jobs (which missed times a catch-up runs,
// how many runs an entry keeps). BrokerEngine (broker_cron.cpp) turns the
// decisions into jobs, cancels and journal writes.
//
// Pure: zones come through ZoneSource, time through the `now` arguments.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/cron_schedule.h"
#include "core/job.h"
#include "core/status.h"
#include "core/zone_rules.h"

namespace baton {

// Where zone rules come from. "" is the broker's local zone. cmd/ reads
// /usr/share/zoneinfo; tests pass POSIX rules.
class ZoneSource {
 public:
  virtual ~ZoneSource() = default;
  virtual Result<ZoneRules> load(const std::string& name) = 0;
};

// Knows only UTC (also for ""): the default when nothing is injected.
class UtcZoneSource final : public ZoneSource {
 public:
  Result<ZoneRules> load(const std::string& name) override;
};

// A failed run, for the entry's --on-failure command (run on the broker host
// by cmd/, with these in its environment).
struct CronFailure {
  std::string command, entry, user, state;
  JobId job = 0;
  int exit_code = 0;
  TimeMs scheduled_ms = 0;
};

class CronNotifier {
 public:
  virtual ~CronNotifier() = default;
  virtual void run_failed(const CronFailure& failure) = 0;
};

struct CronState {
  pb::CronEntry entry;
  CronSchedule schedule;
  ZoneRules zone;
  TimeMs next_ms = kNever;  // kNever while paused
  std::set<JobId> active;   // runs not yet finished
};

class CronTable {
 public:
  static constexpr std::uint32_t kDefaultHistory = 10;
  static constexpr std::size_t kMaxCatchUp = 100;

  CronTable(bool allow_seconds, ZoneSource& zones) : allow_seconds_(allow_seconds), zones_(zones) {}
  CronTable(const CronTable&) = delete;
  CronTable& operator=(const CronTable&) = delete;

  // Checks an entry (name, schedule, zone, a run within nine years) and
  // builds its state, next_ms unset. Errors say what is wrong.
  Result<CronState> prepare(const pb::CronEntry& entry, TimeMs now);

  CronState* find(const std::string& name);
  CronState& put(CronState state);
  void erase(const std::string& name);
  std::map<std::string, CronState>& entries() { return entries_; }
  const std::map<std::string, CronState>& entries() const { return entries_; }

  // For an entry coming (back) into service at `now` (broker start, resume):
  // the scheduled times after last_scheduled_ms and up to `now` that its
  // catch-up policy runs (none: no time; last: the latest; all: each, at
  // most kMaxCatchUp, the latest ones), within --starting-deadline. Sets
  // next_ms to the first time after `now`. The entry's last_scheduled_ms is
  // left for the caller to raise as it runs or drops times.
  std::vector<TimeMs> come_back(CronState& s, TimeMs now) const;
  // The latest scheduled time in (after, now], or 0 when there is none.
  TimeMs latest_due(const CronState& s, TimeMs after, TimeMs now) const;

  // Appends a run record, keeping the newest `history` ones.
  static void add_run(pb::CronEntry& e, pb::CronRun run);
  // The record of this job's run, or null.
  static pb::CronRun* run_of(pb::CronEntry& e, JobId job);

  // The earliest next_ms of the entries (kNever when none is due ever).
  TimeMs next_deadline() const;

 private:
  const bool allow_seconds_;
  ZoneSource& zones_;
  std::map<std::string, CronState> entries_;
};

// Policy names as users type them: allow forbid replace; none last all.
bool parse_cron_concurrency(const std::string& s, pb::CronConcurrency& out);
bool parse_cron_catch_up(const std::string& s, pb::CronCatchUp& out);
const char* cron_concurrency_name(pb::CronConcurrency c);
const char* cron_catch_up_name(pb::CronCatchUp c);

// "2026-12-05T08:00" (":SS" added when not on a minute) in the zone: run names.
std::string cron_local_time(TimeMs t, const ZoneRules& zone);

}  // namespace baton
