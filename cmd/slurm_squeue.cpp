// `squeue`: the queue with Slurm's options, letters (-o "%.18i %t"), field
// names (-O JobID:10,State) and state words. -h is --noheader, never help.
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

enum Id { kNoHeader = 1, kFormat, kFormatNames, kJobs, kUser, kMe, kStates, kName, kPartition, kArray, kLong,
          kHelp, kVersion, kSteps, kIterate, kNodelist, kAccount, kIgnore };

const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'h', "noheader", A::kNone, kNoHeader},   {'o', "format", A::kRequired, kFormat},
      {'O', "Format", A::kRequired, kFormatNames}, {'j', "jobs", A::kOptional, kJobs},
      {'u', "user", A::kRequired, kUser},       {0, "me", A::kNone, kMe},
      {'t', "states", A::kRequired, kStates},   {0, "state", A::kRequired, kStates},
      {'n', "name", A::kRequired, kName},       {'p', "partition", A::kRequired, kPartition},
      {'r', "array", A::kNone, kArray},         {'l', "long", A::kNone, kLong},
      {0, "help", A::kNone, kHelp},             {0, "usage", A::kNone, kHelp},
      {'V', "version", A::kNone, kVersion},     {'s', "steps", A::kOptional, kSteps},
      {'i', "iterate", A::kRequired, kIterate}, {'w', "nodelist", A::kRequired, kNodelist},
      {'A', "account", A::kRequired, kAccount}, {'a', "all", A::kNone, kIgnore},
      {'M', "clusters", A::kRequired, kIgnore}, {0, "only-job-state", A::kNone, kIgnore},
      {'q', "qos", A::kRequired, kIgnore},      {'R', "reservation", A::kRequired, kIgnore},
      {'S', "sort", A::kRequired, kIgnore},     {'v', "verbose", A::kNone, kIgnore},
      {0, "noconvert", A::kNone, kIgnore},      {'L', "licenses", A::kRequired, kIgnore},
      {0, "local", A::kNone, kIgnore},          {0, "federation", A::kNone, kIgnore},
      {0, "sibling", A::kNone, kIgnore},        {0, "hide", A::kNone, kIgnore},
      {'P', "priority", A::kNone, kIgnore},     {'k', "start", A::kNone, kIgnore},
  };
  return t;
}

}  // namespace

// squeue's letters and -O names; a row carries one cell per entry, in this order.
const std::vector<Field> kSqueueFields = {
    {'i', "jobid", "JOBID"},          {'A', "jobarrayid", "JOBID"},     {'F', "arrayjobid", "ARRAY_JOB_ID"},
    {'K', "arraytaskid", "ARRAY_TASK_ID"}, {'j', "name", "NAME"},        {'u', "username", "USER"},
    {'T', "state", "STATE"},          {'t', "statecompact", "ST"},      {'M', "timeused", "TIME"},
    {'l', "timelimit", "TIME_LIMIT"}, {'L', "timeleft", "TIME_LEFT"},  {'R', "reasonlist", "NODELIST(REASON)"},
    {'r', "reason", "REASON"},        {'N', "nodelist", "NODELIST"},    {'D', "numnodes", "NODES"},
    {'C', "numcpus", "CPUS"},         {'c', "mincpus", "MIN_CPUS"},    {'m', "minmemory", "MIN_MEMORY"},
    {'P', "partition", "PARTITION"},  {'q', "qos", "QOS"},              {'a', "account", "ACCOUNT"},
    {'Q', "prioritylong", "PRIORITY"}, {'p', "priority", "PRIORITY"},  {'V', "submittime", "SUBMIT_TIME"},
    {'S', "starttime", "START_TIME"}, {'e', "endtime", "END_TIME"},    {'Z', "workdir", "WORK_DIR"},
    {'o', "command", "COMMAND"},      {'E', "dependency", "DEPENDENCY"}, {'k', "comment", "COMMENT"},
    {'y', "nice", "NICE"},            {'B', "batchhost", "EXEC_HOST"},  {'b', "tres-per-node", "TRES_PER_NODE"},
    {'f', "feature", "FEATURES"},     {'U', "userid", "UID"},           {'h', "oversubscribe", "OVER_SUBSCRIBE"},
    {'v', "reservation", "RESERVATION"}, {'w', "wckey", "WCKEY"},       {'x', "excnodes", "EXC_NODES"},
    {'n', "reqnodes", "REQ_NODES"},   {'O', "contiguous", "CONTIGUOUS"}, {'d', "mintmpdisk", "MIN_TMP_DISK"},
    {'g', "groupname", "GROUP"},
};

namespace {

constexpr const char* kDefault = "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R";
constexpr const char* kLongDefault = "%.18i %.9P %.8j %.8u %.8T %.10M %.9l %.6D %R";

}  // namespace

std::vector<std::string> squeue_cells(const SlurmRow& r, TimeMs now) {
  const pb::JobInfo& j = *r.job;
  const bool spec = j.has_spec();
  const std::string base = std::to_string(j.id());
  const std::string limit = j.time_limit_s() ? squeue_duration(j.time_limit_s() * 1000) : "UNLIMITED";
  const TimeMs el = r.elapsed(now);
  const std::string left =
      !j.time_limit_s() ? "UNLIMITED" : squeue_duration(std::max<TimeMs>(0, j.time_limit_s() * 1000 - el));
  const std::string reason = r.reason.empty() ? "None" : r.reason;
  const std::string where = r.state == pb::PENDING ? "(" + reason + ")" : r.worker;
  std::string command;
  if (spec) command = !j.spec().script_path().empty() ? j.spec().script_path()
                      : j.spec().argv_size() ? j.spec().argv(0) : "";
  auto local = [](TimeMs ms) { return ms ? format_local_time(ms) : std::string("N/A"); };
  const std::string mem = spec && j.spec().resources().mem_mb() ? format_mem_mb(j.spec().resources().mem_mb()) : "0";
  const std::string gpus = spec && j.spec().resources().gpus() ? "gres/gpu:" + std::to_string(j.spec().resources().gpus()) : "N/A";
  return {r.id,
          r.id,
          base,
          r.index ? std::to_string(*r.index) : r.id.find('[') != std::string::npos ? r.id.substr(base.size() + 2, r.id.size() - base.size() - 3) : "N/A",
          j.name(),
          j.user(),
          slurm_state(r.state),
          slurm_state_code(r.state),
          squeue_duration(el),
          limit,
          left,
          where,
          reason,
          r.worker,
          "1",
          std::to_string(r.cpus()),
          std::to_string(r.cpus()),
          mem,
          j.queue().empty() ? "default" : j.queue(),
          "normal",
          "(null)",
          std::to_string(j.priority()),
          std::to_string(j.priority()),
          local(j.submit_ms()),
          local(r.start_ms),
          local(r.end_ms),
          spec ? j.spec().cwd() : "",
          command,
          spec && !j.spec().dependency().empty() ? j.spec().dependency() : "(null)",
          "(null)",
          std::to_string(j.nice()),
          r.worker.empty() ? "n/a" : r.worker,
          gpus,
          "(null)",
          spec ? std::to_string(j.spec().uid()) : "",
          "OK",
          "(null)",
          "(null)",
          "",
          "",
          "0",
          "0",
          j.user()};
}

namespace {

std::string current_user() {
  const passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

}  // namespace

int slurm_squeue(SlurmTool& t, const std::vector<std::string>& args) {
  auto parsed = parse_slurm_options(args, table(), true);
  if (!parsed) return t.error(kRefused, parsed.error());
  std::string format, names_format;
  bool header = true, expand = false, long_format = false, all_states = false;
  std::set<pb::TaskState> states;
  std::vector<std::string> users, names, partitions, nodes;
  SlurmQuery q;
  bool ids_given = false, steps = false;
  auto add_ids = [&](const std::string& v) -> bool {
    for (const std::string& id : split_list(v)) {
      auto n = slurm_job_number(id);
      if (!n) return false;
      q.ids.insert(*n);
      ids_given = true;
    }
    return true;
  };
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    switch (w.id) {
      case kNoHeader: header = false; break;
      case kFormat: format = v; break;
      case kFormatNames: names_format = v; break;
      case kJobs:
        if (!add_ids(v)) return t.error(kRefused, "Invalid job id: " + v);
        break;
      case kUser: for (auto& u : split_list(v)) users.push_back(u); break;
      case kMe: users.push_back(current_user()); break;
      case kStates:
        for (const std::string& s : split_list(v)) {
          if (iequals(s, "all")) all_states = true;
          else if (auto st = parse_slurm_state(s)) states.insert(*st);
          else states.insert(pb::TaskState(-1));  // a Slurm state baton never reaches: matches nothing
        }
        break;
      case kName: for (auto& n : split_list(v)) names.push_back(n); break;
      case kPartition: for (auto& p : split_list(v)) partitions.push_back(p); break;
      case kNodelist: for (auto& n : split_list(v)) nodes.push_back(n); break;
      case kArray: expand = true; break;
      case kLong: long_format = true; break;
      case kSteps: steps = true; break;
      case kAccount: return kOk;  // no job is in any account
      case kIterate: return t.error(kRefused, "--iterate is not supported; use watch(1)");
      case kHelp: std::cout << "Usage: squeue [OPTIONS]  (baton's squeue; see baton-slurm(7))\n"; return kOk;
      case kVersion: std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n"; return kOk;
      default: break;
    }
  }
  // Job ids may also come as operands (squeue 42 is not Slurm, but harmless).
  for (const std::string& op : parsed->operands)
    if (!add_ids(op)) return t.error(kRefused, "unexpected argument '" + op + "'");
  if (steps) {  // baton jobs have no steps
    if (header) std::cout << "         STEPID     NAME PARTITION     USER      TIME NODELIST\n";
    return kOk;
  }
  const bool by_name = format.empty() && !names_format.empty();
  auto parsed_format = parse_format(by_name ? names_format : format.empty() ? (long_format ? kLongDefault : kDefault) : format,
                                    kSqueueFields);
  if (!parsed_format) return t.error(kRefused, "Invalid job format specification: " + parsed_format.error());
  Format fmt = std::move(*parsed_format);
  for (Column& c : fmt.columns) {
    if (c.width == Column::kFit && !by_name) c.width = Column::kAsIs;  // Slurm: no width, no padding
    if (by_name && c.width == Column::kFit) c.width = 20, c.after = " ";
  }
  q.ended = all_states || !states.empty() || ids_given;
  q.expand = expand;
  q.specs = true;
  if (!all_states && states.empty() && !ids_given) states = {pb::PENDING, pb::RUNNING};
  SlurmJobs jobs;
  int code = 0;
  if (!jobs.fetch(t, q, code)) return code == kUnreachable ? code : kRefused;
  Table table(kSqueueFields, std::move(fmt));
  const TimeMs now = wall_now();
  auto listed = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  for (const SlurmRow& r : jobs.rows()) {
    const pb::JobInfo& j = *r.job;
    if (!states.empty() && !states.count(r.state)) continue;
    if (!listed(users, j.user()) || !listed(names, j.name())) continue;
    if (!listed(partitions, j.queue().empty() ? "default" : j.queue())) continue;
    if (!nodes.empty() && !listed(nodes, r.worker)) continue;
    table.add(squeue_cells(r, now));
  }
  std::cout << table.render(header, false);
  return kOk;
}

}  // namespace baton::cli
