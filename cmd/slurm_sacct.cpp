// `sacct`: jobs and array tasks from the broker (pending and running ones too)
// and the journal, in sacct's fields and layouts. Unknown ids print nothing
// and exit 0, as Slurm's sacct does for jobs it has no record of.
#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "cmd/output.h"
#include "cmd/slurm_jobs.h"
#include "core/resources.h"
#include "core/slurm_format.h"
#include "core/slurm_options.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

enum Id { kJobs = 1, kFormat, kNoHeader, kParsable, kParsable2, kBrief, kLong, kName, kStart, kEnd, kState,
          kUser, kAllUsers, kDelimiter, kPartition, kHelpFormat, kHelp, kVersion, kAccounts, kIgnore, kRefuse };

const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'j', "jobs", A::kRequired, kJobs},          {'o', "format", A::kRequired, kFormat},
      {'n', "noheader", A::kNone, kNoHeader},      {'p', "parsable", A::kNone, kParsable},
      {'P', "parsable2", A::kNone, kParsable2},    {'b', "brief", A::kNone, kBrief},
      {'l', "long", A::kNone, kLong},              {0, "name", A::kRequired, kName},
      {'S', "starttime", A::kRequired, kStart},    {'E', "endtime", A::kRequired, kEnd},
      {'s', "state", A::kRequired, kState},        {'u', "user", A::kRequired, kUser},
      {0, "uid", A::kRequired, kUser},             {'a', "allusers", A::kNone, kAllUsers},
      {0, "delimiter", A::kRequired, kDelimiter},  {'r', "partition", A::kRequired, kPartition},
      {'e', "helpformat", A::kNone, kHelpFormat},  {'h', "help", A::kNone, kHelp},
      {0, "usage", A::kNone, kHelp},               {'V', "version", A::kNone, kVersion},
      {'A', "accounts", A::kRequired, kAccounts},  {'X', "allocations", A::kNone, kIgnore},
      {'D', "duplicates", A::kNone, kIgnore},      {'L', "allclusters", A::kNone, kIgnore},
      {'M', "clusters", A::kRequired, kIgnore},    {'T', "truncate", A::kNone, kIgnore},
      {0, "units", A::kRequired, kIgnore},         {'v', "verbose", A::kNone, kIgnore},
      {0, "noconvert", A::kNone, kIgnore},         {'q', "qos", A::kRequired, kIgnore},
      {'W', "wckeys", A::kRequired, kIgnore},      {'N', "nodelist", A::kRequired, kIgnore},
      {'x', "associations", A::kRequired, kIgnore}, {'i', "nnodes", A::kRequired, kIgnore},
      {'I', "ncpus", A::kRequired, kIgnore},       {0, "local", A::kNone, kIgnore},
      {0, "array", A::kNone, kIgnore},             {'B', "batch-script", A::kNone, kRefuse},
      {0, "env-vars", A::kNone, kRefuse},
  };
  return t;
}

constexpr const char* kDefaultFormat = "JobID,JobName,Partition,Account,AllocCPUS,State,ExitCode";
constexpr const char* kBriefFormat = "JobID,State,ExitCode";
constexpr const char* kLongFormat =
    "JobID,JobIDRaw,JobName,Partition,MaxRSS,AllocCPUS,Elapsed,TotalCPU,State,ExitCode,Start,End,Submit,NodeList";

std::string timestamp(TimeMs ms) { return ms ? format_local_time(ms) : "Unknown"; }

}  // namespace

std::vector<std::string> sacct_cells(const SlurmRow& r, TimeMs now) {
  const pb::JobInfo& j = *r.job;
  const bool spec = j.has_spec();
  const std::string cpus = std::to_string(r.cpus());
  const std::string raw = r.index ? std::to_string(j.id()) + "_" + std::to_string(*r.index) : r.id;
  const TimeMs el = r.elapsed(now);
  std::string reason = r.reason == "None" ? "" : r.reason;
  if (reason.empty()) reason = "None";
  const std::string mem = spec && j.spec().resources().mem_mb() ? std::to_string(j.spec().resources().mem_mb()) + "M" : "";
  return {r.id,
          raw,
          j.name(),
          slurm_state(r.state),
          r.exit_field(),
          r.exit_field(),
          j.queue().empty() ? "default" : j.queue(),
          "",
          "baton",
          "normal",
          r.state == pb::PENDING ? "0" : cpus,
          r.state == pb::PENDING ? "0" : cpus,
          cpus,
          sacct_duration(el),
          std::to_string(el / 1000),
          r.state == pb::PENDING ? "Unknown" : timestamp(r.start_ms),
          r.active() ? "Unknown" : timestamp(r.end_ms),
          timestamp(j.submit_ms()),
          timestamp(j.submit_ms()),
          r.max_rss_kb ? std::to_string(r.max_rss_kb) + "K" : "",
          sacct_duration(r.cpu_ms),
          sacct_duration(el * r.cpus()),
          j.time_limit_s() ? sacct_duration(j.time_limit_s() * 1000) : "UNLIMITED",
          j.user(),
          spec ? std::to_string(j.spec().uid()) : "",
          r.worker.empty() ? (r.state == pb::PENDING ? "None assigned" : "") : r.worker,
          "1",
          "1",
          reason,
          mem,
          spec ? j.spec().cwd() : "",
          std::to_string(r.attempt > 1 ? r.attempt - 1 : 0),
          std::to_string(j.priority()),
          "",
          "1",
          "cpu=" + cpus + (mem.empty() ? "" : ",mem=" + mem) + ",node=1",
          "cpu=" + cpus + (mem.empty() ? "" : ",mem=" + mem) + ",node=1",
          "",
          ""};
}

namespace {

std::string current_user() {
  const passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

Result<TimeMs> sacct_time(const std::string& text) {
  std::string s = ascii_lower(text);
  if (s == "now") return wall_now();
  if (s.rfind("now-", 0) == 0) {
    auto d = parse_duration(s.substr(4));
    if (!d) return d.status();
    return wall_now() - *d;
  }
  if (s.rfind("1970-01-01", 0) == 0 || s == "0") return TimeMs{1};
  return parse_begin(s, wall_now());
}

}  // namespace

int slurm_sacct(SlurmTool& t, const std::vector<std::string>& args) {
  auto parsed = parse_slurm_options(args, table(), true);
  if (!parsed) return t.error(kRefused, parsed.error());
  if (!parsed->operands.empty()) return t.error(kRefused, "unexpected argument '" + parsed->operands.front() + "'");
  std::string format, delimiter = "|";
  bool header = true, all_users = false, accounts = false;
  SacctLayout layout = SacctLayout::kFixed;
  SlurmQuery q;
  q.ended = q.journal = true;
  q.specs = true;
  std::vector<std::string> names, users, partitions;
  std::set<pb::TaskState> states;
  std::string since, until;
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    switch (w.id) {
      case kJobs:
        for (const std::string& id : split_list(v)) {
          auto n = slurm_job_number(id);
          if (!n) return t.error(kRefused, "Invalid job id: " + id);
          q.ids.insert(*n);
        }
        break;
      case kFormat: format += (format.empty() ? "" : ",") + v; break;
      case kNoHeader: header = false; break;
      case kParsable: layout = SacctLayout::kParsable; break;
      case kParsable2: layout = SacctLayout::kParsable2; break;
      case kBrief: format = kBriefFormat; break;
      case kLong: format = kLongFormat; break;
      case kName: for (auto& n : split_list(v)) names.push_back(n); break;
      case kStart: since = v; break;
      case kEnd: until = v; break;
      case kState:
        for (const std::string& s : split_list(v)) {
          auto st = parse_slurm_state(s);
          if (st) states.insert(*st);
          // Other Slurm states (NODE_FAIL, OUT_OF_MEMORY, ...) never happen here: they match nothing.
        }
        if (states.empty()) states.insert(pb::TaskState(-1));
        break;
      case kUser: for (auto& u : split_list(v)) users.push_back(u); break;
      case kAllUsers: all_users = true; break;
      case kDelimiter: delimiter = v; break;
      case kPartition: for (auto& p : split_list(v)) partitions.push_back(p); break;
      case kAccounts: accounts = true; break;
      case kHelpFormat: {
        std::string out;
        for (const SacctField& f : sacct_fields()) out += std::string(f.name) + "\n";
        std::cout << out;
        return kOk;
      }
      case kHelp: std::cout << "Usage: sacct [OPTIONS]  (baton's sacct; see baton-slurm(7))\n"; return kOk;
      case kVersion: std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n"; return kOk;
      case kRefuse: return t.error(kRefused, w.name + " is not supported by baton");
      default: break;
    }
  }
  auto cols = parse_sacct_format(format.empty() ? kDefaultFormat : format);
  if (!cols) return t.error(kRefused, cols.error());
  // Like Slurm: with no job ids, jobs since midnight; with ids, any time.
  if (!since.empty()) {
    auto s = sacct_time(since);
    if (!s) return t.error(kRefused, "--starttime: " + s.error());
    q.since_ms = *s;
  } else if (q.ids.empty()) {
    auto midnight = parse_begin("today", wall_now());
    if (midnight) q.since_ms = *midnight;
  }
  if (!until.empty()) {
    auto u = sacct_time(until);
    if (!u) return t.error(kRefused, "--endtime: " + u.error());
    q.until_ms = ascii_lower(until) == "now" ? 0 : *u;
  }
  if (users.empty() && !all_users && q.ids.empty() && getuid() != 0) users.push_back(current_user());
  SlurmJobs jobs;
  int code = 0;
  if (!jobs.fetch(t, q, code)) return code == kUnreachable ? code : kRefused;
  std::vector<std::vector<std::string>> rows;
  const TimeMs now = wall_now();
  auto listed = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  for (const SlurmRow& r : jobs.rows()) {
    if (accounts) break;  // baton keeps no accounts: no job is in any
    const pb::JobInfo& j = *r.job;
    if (!listed(names, j.name()) || !listed(users, j.user())) continue;
    if (!listed(partitions, j.queue().empty() ? "default" : j.queue())) continue;
    if (!states.empty() && !states.count(r.state)) continue;
    // Time window: ended jobs must overlap it; active ones always do.
    if (!r.active() && q.since_ms && r.end_ms && r.end_ms < q.since_ms) continue;
    if (q.until_ms && j.submit_ms() >= q.until_ms) continue;
    rows.push_back(sacct_cells(r, now));
  }
  std::cout << render_sacct(*cols, rows, layout, header, delimiter);
  return kOk;
}

}  // namespace baton::cli
