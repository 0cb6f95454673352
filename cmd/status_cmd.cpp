// `baton status` (alias `queue`): the queue in Slurm's squeue shape, and
// `baton history`: finished jobs from the journal.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

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
  bool json = false, all = false, expand = false;
  std::string user;
};

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

void add_rows(Table& table, const pb::JobInfo& j, bool expand, bool show_finished, TimeMs now) {
  const std::string id = std::to_string(j.id());
  const std::string throttle = j.throttle() ? "%" + std::to_string(j.throttle()) : "";
  if (!j.is_array()) {
    if (j.tasks_size() > 0) {
      const pb::TaskInfo& t = j.tasks(0);
      const std::string where = t.state() == pb::PENDING ? "(" + (j.reason().empty() ? t.reason() : j.reason()) + ")" : outcome(t);
      table.add({id, j.name(), j.user(), state_name(t.state()), elapsed(t, now), where});
    } else {
      const std::string where = j.state() == pb::PENDING ? "(" + j.reason() + ")" : "";
      table.add({id, j.name(), j.user(), state_name(j.state()), "0:00", where});
    }
    return;
  }
  // Array: running (and requeued) tasks one per line, finished ones grouped by
  // state, never-started pending ones collapsed unless -r.
  std::map<int, std::vector<std::uint32_t>> finished;
  for (const pb::TaskInfo& t : j.tasks()) {
    if (t.state() == pb::RUNNING || t.state() == pb::PENDING) {
      const std::string where = t.state() == pb::PENDING ? "(" + t.reason() + ")" : outcome(t);
      table.add({id + "_" + std::to_string(t.index()), j.name(), j.user(), state_name(t.state()), elapsed(t, now), where});
    } else if (show_finished) {
      finished[t.state()].push_back(t.index());
    }
  }
  if (j.pending_count() > 0) {
    if (expand) {
      auto set = ArraySpec::parse(j.pending(), UINT64_MAX);
      if (set) {
        const ArraySpec& a = set->spec;
        for (std::uint64_t o = 0; o < a.count(); ++o)
          table.add({id + "_" + std::to_string(a.index_at(o)), j.name(), j.user(), "PENDING", "0:00", "(" + j.reason() + ")"});
      }
    } else {
      table.add({id + "_[" + j.pending() + throttle + "]", j.name(), j.user(), "PENDING", "0:00", "(" + j.reason() + ")"});
    }
  }
  if (show_finished) {
    for (auto& [state, idx] : finished) {
      std::sort(idx.begin(), idx.end());
      table.add({id + "_[" + compress(idx) + "]", j.name(), j.user(), state_name(static_cast<TaskState>(state)), "", ""});
    }
    if (j.cancelled_count() > 0) table.add({id + "_[" + j.cancelled() + "]", j.name(), j.user(), "CANCELLED", "", ""});
  }
}

int run_status(Context& ctx, const StatusFlags& f) {
  pb::Envelope req, reply;
  for (const auto& t : f.targets) req.mutable_status()->add_targets(t);
  req.mutable_status()->set_all(f.all);
  req.mutable_status()->set_user(f.user);
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const pb::StatusReply& s = reply.status_reply();
  if (f.json) {
    std::cout << to_json(s) << "\n";
    return kOk;
  }
  Table table({"JOBID", "NAME", "USER", "STATE", "TIME", "WORKER/REASON"});
  const TimeMs now = wall_now();
  for (const pb::JobInfo& j : s.jobs()) add_rows(table, j, f.expand, f.all || !f.targets.empty(), now);
  std::cout << table.render();
  return kOk;
}

struct HistoryFlags {
  std::string since, user;
  std::uint32_t limit = 50;
  bool json = false;
};

int run_history(Context& ctx, const HistoryFlags& f) {
  pb::Envelope req, reply;
  if (f.since.rfind("now-", 0) == 0) {  // a relative time in the past
    auto d = parse_duration(f.since.substr(4));
    if (!d) return ctx.fail(kUsage, "--since: " + d.error());
    req.mutable_history()->set_since_ms(wall_now() - *d);
  } else if (!f.since.empty()) {
    auto t = parse_begin(f.since, wall_now());
    if (!t) return ctx.fail(kUsage, "--since: " + t.error());
    req.mutable_history()->set_since_ms(*t);
  }
  req.mutable_history()->set_limit(f.limit);
  req.mutable_history()->set_user(f.user);
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const pb::StatusReply& s = reply.status_reply();
  if (f.json) {
    std::cout << to_json(s) << "\n";
    return kOk;
  }
  Table table({"JOBID", "NAME", "USER", "STATE", "EXIT", "ELAPSED", "MAXRSS", "CPU", "END"});
  for (const pb::JobInfo& j : s.jobs()) {
    for (const pb::TaskInfo& t : j.tasks()) {
      const std::string exit = t.signal() ? "sig " + std::to_string(t.signal()) : std::to_string(t.exit_code());
      const std::string el = t.start_ms() && t.end_ms() ? format_elapsed(t.end_ms() - t.start_ms()) : "";
      table.add({format_task(j.id(), t.index(), j.is_array()), j.name(), j.user(), state_name(t.state()), exit, el,
                 t.max_rss_kb() ? std::to_string(t.max_rss_kb() / 1024) + "M" : "", format_elapsed(t.cpu_ms()),
                 t.end_ms() ? format_local_time(t.end_ms()) : ""});
    }
    if (j.tasks_size() == 0)
      table.add({std::to_string(j.id()), j.name(), j.user(), state_name(j.state()), std::to_string(j.wait_code()), "", "", "",
                 j.end_ms() ? format_local_time(j.end_ms()) : ""});
  }
  std::cout << table.render();
  return kOk;
}

}  // namespace

Runner install_status(CLI::App& sub, Context&) {
  auto f = std::make_shared<StatusFlags>();
  sub.add_option("jobs", f->targets, "Jobs or tasks to show (42, 42_7, 42_[1-5]); default: all active jobs");
  sub.add_flag("--json", f->json, "Print JSON (the StatusReply message)");
  sub.add_flag("-a,--all", f->all, "Include finished jobs and finished array tasks");
  sub.add_flag("-r,--array", f->expand, "One line per array task, pending ones too");
  sub.add_option("-u,--user", f->user, "Only this user's jobs");
  sub.footer("Columns: JOBID NAME USER STATE TIME WORKER/REASON. Pending arrays collapse to 42_[5-999%10].\n"
             "Reasons: Priority, Resources, Dependency, DependencyNeverSatisfied, BeginTime, Held, Throttle,\n"
             "UserLimit, QueueLimit, WorkerLost.");
  return [f](Context& ctx) { return run_status(ctx, *f); };
}

Runner install_history(CLI::App& sub, Context&) {
  auto f = std::make_shared<HistoryFlags>();
  sub.add_option("--since", f->since, "Only jobs that ended since: now-1h, 2026-12-01, 16:00");
  sub.add_option("-n,--limit", f->limit, "At most N jobs, newest first (default 50; 0 = all)");
  sub.add_option("-u,--user", f->user, "Only this user's jobs");
  sub.add_flag("--json", f->json, "Print JSON");
  return [f](Context& ctx) { return run_history(ctx, *f); };
}

}  // namespace baton::cli
