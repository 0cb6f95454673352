// `baton status` (alias `queue`): the queue in Slurm's squeue shape, and
// `baton history`: finished jobs from the journal.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <set>

#include "cmd/context.h"
#include "cmd/output.h"
#include "core/array_spec.h"
#include "core/ids.h"
#include "core/job.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

struct StatusFlags {
  std::vector<std::string> targets;
  bool json = false, all = false, expand = false, noheader = false;
  std::string user, format;
};

// What `status --format` can show; each row has one cell per field, in this order.
const std::vector<Field> kStatusFields = {
    {'i', "jobid", "JOBID"},          {'j', "name", "NAME"},          {'u', "user", "USER"},
    {'T', "state", "STATE", true},    {'t', "st", "ST", true},        {'M', "time", "TIME"},
    {'R', "reason", "WORKER/REASON"}, {'N', "worker", "WORKER"},      {'P', "queue", "QUEUE"},
    {'Q', "priority", "PRIORITY"},    {'y', "nice", "NICE"},          {'l', "timelimit", "TIME_LIMIT"},
    {'V', "submit", "SUBMIT"},        {'S', "start", "START"},        {'e', "end", "END"},
};
constexpr const char* kStatusDefault = "%i  %j  %u  %T  %M  %R";

// squeue's compact state codes (%t).
const char* compact_state(pb::TaskState s) {
  switch (s) {
    case pb::PENDING: return "PD";
    case pb::RUNNING: return "R";
    case pb::COMPLETED: return "CD";
    case pb::FAILED: return "F";
    case pb::CANCELLED: return "CA";
    case pb::TIMEOUT: return "TO";
    case pb::OUT_OF_MEMORY: return "OOM";
    default: return "?";
  }
}

std::string local_time(TimeMs ms) { return ms ? format_local_time(ms) : std::string(); }

std::string elapsed(const pb::TaskInfo& t, TimeMs now) {
  if (t.start_ms() == 0) return "0:00";
  const TimeMs end = t.end_ms() ? t.end_ms() : now;
  return format_elapsed(end - t.start_ms());
}

std::string outcome(const pb::TaskInfo& t) {
  if (t.state() == pb::RUNNING || t.state() == pb::PENDING) return t.worker();
  std::string s = t.worker();
  if (t.state() == pb::FAILED) {
    if (!t.error().empty()) s += " (" + t.error() + ")";
    else if (!t.reason().empty() && t.reason() != "None") s += " (" + t.reason() + ")";
    else if (t.signal()) s += " (signal " + std::to_string(t.signal()) + ")";
    else s += " (exit " + std::to_string(t.exit_code()) + ")";
  }
  return s;
}

// A line of `status`: one cell per kStatusFields entry. `t` is the task the
// line shows, if it is one task.
std::vector<std::string> status_row(const std::string& id, const pb::JobInfo& j, pb::TaskState state,
                                    const std::string& time, const std::string& where, const pb::TaskInfo* t) {
  const std::string limit = j.time_limit_s() ? format_elapsed(j.time_limit_s() * 1000) : "UNLIMITED";
  return {id,
          j.name(),
          j.user(),
          state_name(state),
          compact_state(state),
          time,
          where,
          t ? t->worker() : "",
          j.queue(),
          std::to_string(j.priority()),
          std::to_string(j.nice()),
          limit,
          local_time(j.submit_ms()),
          t ? local_time(t->start_ms()) : "",
          t ? local_time(t->end_ms()) : ""};
}

void add_rows(Table& table, const pb::JobInfo& j, bool expand, bool show_finished, TimeMs now) {
  const std::string id = std::to_string(j.id());
  const std::string throttle = j.throttle() ? "%" + std::to_string(j.throttle()) : "";
  if (!j.is_array()) {
    if (j.tasks_size() > 0) {
      const pb::TaskInfo& t = j.tasks(0);
      const std::string where = t.state() == pb::PENDING ? "(" + (j.reason().empty() ? t.reason() : j.reason()) + ")" : outcome(t);
      table.add(status_row(id, j, t.state(), elapsed(t, now), where, &t));
    } else {
      const std::string where = j.state() == pb::PENDING ? "(" + j.reason() + ")" : "";
      table.add(status_row(id, j, j.state(), "0:00", where, nullptr));
    }
    return;
  }
  // Array: running (and requeued) tasks one per line, finished ones grouped by
  // state, never-started pending ones collapsed unless -r.
  std::map<int, std::vector<std::uint32_t>> finished;
  for (const pb::TaskInfo& t : j.tasks()) {
    if (t.state() == pb::RUNNING || t.state() == pb::PENDING) {
      const std::string where = t.state() == pb::PENDING ? "(" + t.reason() + ")" : outcome(t);
      table.add(status_row(id + "_" + std::to_string(t.index()), j, t.state(), elapsed(t, now), where, &t));
    } else if (show_finished) {
      finished[t.state()].push_back(t.index());
    }
  }
  if (j.pending_count() > 0) {
    const std::string why = "(" + j.reason() + ")";
    if (expand) {
      auto set = ArraySpec::parse(j.pending(), UINT64_MAX);
      if (set) {
        const ArraySpec& a = set->spec;
        for (std::uint64_t o = 0; o < a.count(); ++o)
          table.add(status_row(id + "_" + std::to_string(a.index_at(o)), j, pb::PENDING, "0:00", why, nullptr));
      }
    } else {
      table.add(status_row(id + "_[" + j.pending() + throttle + "]", j, pb::PENDING, "0:00", why, nullptr));
    }
  }
  if (show_finished) {
    for (auto& [state, idx] : finished) {
      std::sort(idx.begin(), idx.end());
      table.add(status_row(id + "_[" + compress(idx) + "]", j, static_cast<pb::TaskState>(state), "", "", nullptr));
    }
    for (const pb::TaskRange& r : j.finished())  // summarized by the broker
      table.add(status_row(id + "_[" + r.indices() + "]", j, r.state(), "", "", nullptr));
    if (j.cancelled_count() > 0) table.add(status_row(id + "_[" + j.cancelled() + "]", j, pb::CANCELLED, "", "", nullptr));
  }
}

int run_status(Context& ctx, const StatusFlags& f) {
  auto format = parse_format(f.format.empty() ? kStatusDefault : f.format, kStatusFields);
  if (!format) return ctx.fail(kUsage, "--format: " + format.error());
  pb::Envelope req, reply;
  for (const auto& t : f.targets) req.mutable_status()->add_targets(t);
  req.mutable_status()->set_all(f.all);
  req.mutable_status()->set_user(f.user);
  req.mutable_status()->set_tasks(f.expand);
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const pb::StatusReply& s = reply.status_reply();
  if (f.json) {
    std::cout << to_json(s) << "\n";
    return kOk;
  }
  Table table(kStatusFields, std::move(*format));
  const TimeMs now = wall_now();
  for (const pb::JobInfo& j : s.jobs()) add_rows(table, j, f.expand, f.all || !f.targets.empty(), now);
  std::cout << table.render(!f.noheader, use_colour());
  return kOk;
}

struct HistoryFlags {
  std::vector<std::string> targets;
  std::string since, until, user, states, name, format;
  std::uint32_t limit = 50;
  bool json = false, parsable = false, noheader = false;
};

// What `history --format` can show (sacct's names; squeue's letters where one
// fits); each row has one cell per field, in this order.
const std::vector<Field> kHistoryFields = {
    {'i', "jobid", "JOBID"},     {'j', "jobname", "NAME"},   {'u', "user", "USER"},       {'T', "state", "STATE", true},
    {0, "exitcode", "EXIT"},     {'V', "submit", "SUBMIT"},  {'S', "start", "START"},     {'e', "end", "END"},
    {'M', "elapsed", "ELAPSED"}, {0, "maxrss", "MAXRSS"},    {0, "cpu", "CPU"},           {'N', "worker", "WORKER"},
    {0, "attempts", "ATTEMPTS"}, {'r', "reason", "REASON"},
};
constexpr const char* kHistoryDefault =
    "jobid,jobname,user,state,exitcode,submit,start,end,elapsed,maxrss,cpu,worker,attempts,reason";

// "now-1h", "2026-12-01", "16:00", ... as an absolute time.
Result<TimeMs> history_time(const std::string& text) {
  if (text.rfind("now-", 0) == 0) {  // a relative time in the past
    auto d = parse_duration(text.substr(4));
    if (!d) return d.status();
    return wall_now() - *d;
  }
  return parse_begin(text, wall_now());
}

// sacct's state names and abbreviations, any case.
std::optional<pb::TaskState> final_state(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s == "COMPLETED" || s == "CD") return pb::COMPLETED;
  if (s == "FAILED" || s == "F") return pb::FAILED;
  if (s == "CANCELLED" || s == "CA") return pb::CANCELLED;
  if (s == "TIMEOUT" || s == "TO") return pb::TIMEOUT;
  if (s == "OUT_OF_MEMORY" || s == "OOM") return pb::OUT_OF_MEMORY;
  return std::nullopt;
}

std::string exit_signal(const pb::TaskInfo& t) {
  return std::to_string(t.exit_code()) + ":" + std::to_string(t.signal());
}

int run_history(Context& ctx, const HistoryFlags& f) {
  auto format = parse_format(f.format.empty() ? kHistoryDefault : f.format, kHistoryFields);
  if (!format) return ctx.fail(kUsage, "--format: " + format.error());
  pb::Envelope req, reply;
  pb::HistoryRequest& h = *req.mutable_history();
  if (!f.since.empty()) {
    auto t = history_time(f.since);
    if (!t) return ctx.fail(kUsage, "--since: " + t.error());
    h.set_since_ms(*t);
  }
  if (!f.until.empty()) {
    auto t = history_time(f.until);
    if (!t) return ctx.fail(kUsage, "--until: " + t.error());
    h.set_until_ms(*t);
  }
  std::string rest = f.states;
  while (!rest.empty()) {
    const std::string item = rest.substr(0, rest.find(','));
    rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : "";
    auto st = final_state(item);
    if (!st)
      return ctx.fail(kUsage, "--state: '" + item + "' is not a final state (COMPLETED/CD, FAILED/F, CANCELLED/CA, TIMEOUT/TO, OUT_OF_MEMORY/OOM)");
    h.add_states(*st);
  }
  // Tasks asked for by index, per job (none: the whole job).
  std::map<JobId, std::optional<std::set<std::uint32_t>>> only;
  for (const std::string& text : f.targets) {
    auto t = parse_target(text);
    if (!t) return ctx.fail(kUsage, "'" + text + "' is not a job id (42, 42_7 or 42_[1-5])");
    h.add_jobs(t->job);
    auto& want = only[t->job];
    if (!t->indices) {
      want.reset();
      only[t->job] = std::nullopt;
      continue;
    }
    auto set = ArraySpec::parse(*t->indices, UINT64_MAX);
    if (!set) return ctx.fail(kUsage, "'" + text + "': " + set.error());
    if (!want) want.emplace();
    for (std::uint64_t o = 0; o < set->spec.count(); ++o) want->insert(static_cast<std::uint32_t>(set->spec.index_at(o)));
  }
  h.set_name(f.name);
  h.set_limit(f.limit);
  h.set_user(f.user);
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  pb::StatusReply& s = *reply.mutable_status_reply();
  const bool only_ids = f.since.empty() && f.until.empty() && f.states.empty() && f.name.empty() && f.user.empty();
  if (!f.targets.empty() && only_ids && s.jobs_size() == 0) {  // asked for by id: say it is not there
    std::string ids;
    for (const auto& t : f.targets) ids += (ids.empty() ? "" : " ") + t;
    return ctx.fail(kRefused, "no finished job " + ids + " in the journal (`baton status " + ids +
                                  "` shows active jobs; journal.retention purges old ones)");
  }
  for (pb::JobInfo& j : *s.mutable_jobs()) {
    auto o = only.find(j.id());
    if (o == only.end() || !o->second) continue;
    auto* tasks = j.mutable_tasks();
    for (int i = tasks->size() - 1; i >= 0; --i)
      if (!o->second->count(tasks->Get(i).index())) tasks->DeleteSubrange(i, 1);
  }
  if (f.json) {
    std::cout << to_json(s) << "\n";
    return kOk;
  }
  if (f.parsable) {  // sacct --parsable2: '|' between fields, nothing padded
    format->lead.clear();
    for (Column& c : format->columns) c = Column{c.field, Column::kAsIs, false, "|"};
    format->columns.back().after.clear();
  }
  Table table(kHistoryFields, std::move(*format));
  for (const pb::JobInfo& j : s.jobs()) {
    for (const pb::TaskInfo& t : j.tasks()) {
      const std::string el = t.start_ms() && t.end_ms() ? format_elapsed(t.end_ms() - t.start_ms()) : "";
      std::string reason = t.error().empty() ? t.reason() : t.error();
      if (reason == "None") reason.clear();
      table.add({format_task(j.id(), t.index(), j.is_array()), j.name(), j.user(), state_name(t.state()),
                 exit_signal(t), local_time(j.submit_ms()), local_time(t.start_ms()), local_time(t.end_ms()), el,
                 t.max_rss_kb() ? std::to_string(t.max_rss_kb()) + "K" : "", format_elapsed(t.cpu_ms()), t.worker(),
                 std::to_string(t.attempt()), reason});
    }
    if (j.cancelled_count() > 0)  // pending array tasks cancelled before they ever ran
      table.add({std::to_string(j.id()) + "_[" + j.cancelled() + "]", j.name(), j.user(), "CANCELLED", "0:0",
                 local_time(j.submit_ms()), "", local_time(j.end_ms()), "", "", "", "", "0", ""});
    if (j.tasks_size() == 0 && j.cancelled_count() == 0)
      table.add({std::to_string(j.id()), j.name(), j.user(), state_name(j.state()), "0:0", local_time(j.submit_ms()),
                 "", local_time(j.end_ms()), "", "", "", "", "0", ""});
  }
  std::cout << table.render(!f.noheader, !f.parsable && use_colour());
  return kOk;
}

}  // namespace

Runner install_status(CLI::App& sub, Context&) {
  auto f = std::make_shared<StatusFlags>();
  sub.add_option("jobs", f->targets, "Jobs or tasks to show (42, 42_7, 42_[1-5]); default: all active jobs");
  sub.add_flag("--json", f->json, "Print JSON (schema version 1, in baton-status(1))");
  sub.add_flag("-a,--all", f->all, "Include finished jobs and finished array tasks");
  sub.add_flag("-r,--array", f->expand, "One line per array task, pending and finished ones too (in --json: every task)");
  sub.add_option("-u,--user", f->user, "Only this user's jobs");
  sub.add_option("-o,--format", f->format, "Fields to show: \"%i %.10j %T\" (squeue letters) or jobid,name:.10,state");
  sub.add_flag("-H,--noheader", f->noheader, "No header line");
  sub.footer("Columns: JOBID NAME USER STATE TIME WORKER/REASON (--format \"%i  %j  %u  %T  %M  %R\").\n"
             "Pending arrays collapse to 42_[5-999%10]. Reasons: Priority, Resources, Dependency,\n"
             "DependencyNeverSatisfied, BeginTime, Held, Throttle, UserLimit, QueueLimit, WorkerLost.\n"
             "--format fields (%.10i: right-justified, 10 wide; %-10i or name:10: left-justified):\n" +
             describe_fields(kStatusFields, 96) +
             "\nThe STATE column is coloured on a terminal, unless NO_COLOR is set.");
  return [f](Context& ctx) { return run_status(ctx, *f); };
}

Runner install_history(CLI::App& sub, Context&) {
  auto f = std::make_shared<HistoryFlags>();
  sub.add_option("jobs", f->targets, "Only these jobs or tasks (42, 42_7, 42_[1-5])");
  sub.add_option("-S,--since", f->since, "Only jobs that ended at or after: now-1h, 2026-12-01, 16:00");
  sub.add_option("-E,--until", f->until, "Only jobs that ended before (same forms as --since)");
  sub.add_option("-u,--user", f->user, "Only this user's jobs");
  sub.add_option("-s,--state", f->states, "Only jobs that ended so: COMPLETED,FAILED,CANCELLED,TIMEOUT,OUT_OF_MEMORY (or CD,F,CA,TO,OOM)");
  sub.add_option("--name", f->name, "Only jobs with this name");
  sub.add_option("-n,--limit", f->limit, "At most N jobs, newest first (default 50; 0 = all)");
  sub.add_flag("--json", f->json, "Print JSON (schema version 1, in baton-history(1))");
  sub.add_flag("-p,--parsable", f->parsable, "Print fields separated by '|', with a header line (like sacct -P)");
  sub.add_option("-o,--format", f->format, "Fields to show: jobid,state,exitcode (sacct names; name:.10 right-justifies)");
  sub.add_flag("-H,--noheader", f->noheader, "No header line");
  sub.footer("One line per task: JOBID NAME USER STATE EXIT (code:signal) SUBMIT START END ELAPSED MAXRSS\n"
             "CPU (user+system time) WORKER ATTEMPTS REASON. Reads the broker's journal, so it reaches jobs the\n"
             "broker no longer holds in memory (broker.min_job_age), back to journal.retention.\n"
             "--format fields (names, or squeue letters where one fits: \"%i %T\"):\n" +
             describe_fields(kHistoryFields, 96));
  return [f](Context& ctx) { return run_history(ctx, *f); };
}

}  // namespace baton::cli
