// cron list / cron show output (see cron_view.h).
#include "cmd/cron_view.h"

#include <fmt/format.h>

#include "cmd/output.h"
#include "core/cron_table.h"
#include "core/job.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

std::string when(TimeMs ms) { return ms ? format_local_time(ms) : "-"; }

std::string policy(const pb::CronEntry& e) {
  return std::string(cron_concurrency_name(e.concurrency())) + "," + cron_catch_up_name(e.catch_up());
}

std::string command_text(const pb::CronEntry& e) {
  if (!e.command().empty()) return e.command();
  const pb::JobSpec& s = e.spec();
  if (!s.script_path().empty()) return "script " + s.script_path();
  std::string out;
  for (const auto& a : s.argv()) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

std::string cron_run_state(const pb::CronRun& run) {
  if (run.job_id() == 0) return run.note().rfind("skipped", 0) == 0 ? "SKIPPED" : "REFUSED";
  if (run.state() == pb::TASK_STATE_UNSPECIFIED) return "-";
  const std::string state = state_name(run.state());
  return is_terminal(run.state()) ? state + "/" + std::to_string(run.exit_code()) : state;
}

std::string cron_table(const pb::CronReply& reply, bool header, bool colour) {
  const std::vector<Field> fields = {{0, "name", "NAME"},   {0, "schedule", "SCHEDULE"},    {0, "next", "NEXT"},
                                     {0, "last", "LAST"},   {0, "state", "STATE/EXIT", true}, {0, "active", "ACTIVE"},
                                     {0, "policy", "POLICY"}};
  Format f;
  for (std::size_t i = 0; i < fields.size(); ++i) f.columns.push_back(Column{i, Column::kFit, false, i + 1 < fields.size() ? "  " : ""});
  Table t(fields, f);
  for (const pb::CronInfo& info : reply.entries()) {
    const pb::CronEntry& e = info.entry();
    const pb::CronRun* last = e.runs_size() ? &e.runs(e.runs_size() - 1) : nullptr;
    std::string schedule = e.schedule();
    if (!e.tz().empty()) schedule += " (" + e.tz() + ")";
    t.add({e.name(), schedule, e.paused() ? "paused" : when(info.next_ms()), last ? when(last->scheduled_ms()) : "-",
           last ? cron_run_state(*last) : "-", std::to_string(info.active_size()), policy(e)});
  }
  return t.render(header, colour);
}

std::string cron_details(const pb::CronInfo& info) {
  const pb::CronEntry& e = info.entry();
  std::string out;
  auto line = [&](const char* key, const std::string& value) { out += fmt::format("{:<18} {}\n", key, value); };
  line("name:", e.name());
  line("user:", e.user());
  line("schedule:", e.schedule() + "  (time zone: " + info.zone() + ")");
  line("command:", command_text(e));
  if (e.options_size()) {
    std::string opts;
    for (const auto& w : e.options()) opts += (opts.empty() ? "" : " ") + w;
    line("options:", opts);
  }
  line("concurrency:", cron_concurrency_name(e.concurrency()));
  line("catch-up:", std::string(cron_catch_up_name(e.catch_up())) +
                        (e.starting_deadline_ms() ? " (starting deadline " + format_duration(e.starting_deadline_ms()) + ")" : ""));
  line("history:", std::to_string(e.history() ? e.history() : CronTable::kDefaultHistory));
  if (!e.on_failure().empty()) line("on failure:", e.on_failure());
  if (e.from_crontab()) line("from:", "crontab");
  line("state:", e.paused() ? "paused" : "active");
  line("next run:", e.paused() ? "-" : when(info.next_ms()));
  std::string active;
  for (auto id : info.active()) active += (active.empty() ? "" : " ") + std::to_string(id);
  line("active runs:", active.empty() ? "-" : active);
  out += fmt::format("runs (newest last):\n  {:<20} {:>8}  {:<14} {}\n", "SCHEDULED", "JOB", "STATE/EXIT", "NOTE");
  for (const pb::CronRun& r : e.runs())
    out += fmt::format("  {:<20} {:>8}  {:<14} {}\n", when(r.scheduled_ms()), r.job_id() ? std::to_string(r.job_id()) : "-",
                       cron_run_state(r), r.note());
  return out;
}

}  // namespace baton::cli
