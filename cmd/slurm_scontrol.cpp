// `scontrol`: show job|jobid [ID] (the key=value records tools grep for
// JobState, ExitCode, StdOut, WorkDir), show config|partition|node|hostnames,
// hold, release, update (time limit, name, priority, nice, throttle, begin of
// a pending job), ping, version. Anything else (requeue, ...) is refused.
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cmd/output.h"
#include "cmd/slurm_jobs.h"
#include "core/output_pattern.h"
#include "core/slurm_format.h"
#include "core/slurm_options.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

std::string when(TimeMs ms) { return ms ? format_local_time(ms) : "Unknown"; }

// One job record: lines of key=value pairs.
std::vector<std::string> job_record(const SlurmRow& r, TimeMs now) {
  const pb::JobInfo& j = *r.job;
  const pb::JobSpec& s = j.spec();
  const std::string id = std::to_string(j.id());
  const std::string uid = std::to_string(s.uid());
  const std::string cpus = std::to_string(r.cpus());
  const std::string host = r.worker.empty() ? "(null)" : r.worker;
  const TaskFiles files = task_files(s, {j.id(), r.index.value_or(0), j.is_array(), j.name(), j.user(),
                                         r.worker.empty() ? "%N" : r.worker});
  const std::string out = files.absolute(files.stdout_path);
  const std::string err = files.stderr_path.empty() ? out : files.absolute(files.stderr_path);
  std::string array;
  if (j.is_array())
    array = " ArrayJobId=" + id + " ArrayTaskId=" +
            (r.index ? std::to_string(*r.index) : r.id.substr(id.size() + 2, r.id.size() - id.size() - 3));
  const std::string reason = r.reason.empty() || r.state != pb::PENDING ? "None" : r.reason;
  const std::string mem = s.resources().mem_mb() ? std::to_string(s.resources().mem_mb()) + "M" : "0";
  const std::string command = !s.script_path().empty() ? s.script_path() : s.argv_size() ? s.argv(0) : "(null)";
  return {
      "JobId=" + id + array + " JobName=" + j.name(),
      "UserId=" + j.user() + "(" + uid + ") GroupId=" + j.user() + "(" + uid + ") MCS_label=N/A",
      "Priority=" + std::to_string(j.priority()) + " Nice=" + std::to_string(j.nice()) + " Account=(null) QOS=normal",
      std::string("JobState=") + slurm_state(r.state) + " Reason=" + reason +
          " Dependency=" + (s.dependency().empty() ? "(null)" : s.dependency()),
      "Requeue=1 Restarts=" + std::to_string(r.attempt > 1 ? r.attempt - 1 : 0) + " BatchFlag=1 Reboot=0 ExitCode=" +
          r.exit_field(),
      "RunTime=" + sacct_duration(r.elapsed(now)) +
          " TimeLimit=" + (j.time_limit_s() ? sacct_duration(j.time_limit_s() * 1000) : "UNLIMITED") + " TimeMin=N/A",
      "SubmitTime=" + when(j.submit_ms()) + " EligibleTime=" + when(j.submit_ms()),
      "StartTime=" + when(r.start_ms) + " EndTime=" + when(r.active() ? 0 : r.end_ms) + " Deadline=N/A",
      "Partition=" + (j.queue().empty() ? std::string("default") : j.queue()) + " AllocNode:Sid=" +
          (s.submit_host().empty() ? "localhost" : s.submit_host()) + ":0",
      "NodeList=" + host + " BatchHost=" + host,
      "NumNodes=1 NumCPUs=" + cpus + " NumTasks=1 CPUs/Task=" + cpus + " ReqB:S:C:T=0:0:*:*",
      "TRES=cpu=" + cpus + ",mem=" + mem + ",node=1" +
          (s.resources().gpus() ? ",gres/gpu=" + std::to_string(s.resources().gpus()) : ""),
      "MinCPUsNode=" + cpus + " MinMemoryNode=" + mem + " MinTmpDiskNode=0",
      "Command=" + command,
      "WorkDir=" + files.cwd,
      "StdErr=" + err,
      "StdIn=/dev/null",
      "StdOut=" + out,
  };
}

int show_jobs(SlurmTool& t, const std::vector<std::string>& ids, bool one_line) {
  SlurmQuery q;
  q.ended = true;
  q.specs = true;
  q.expand = true;
  std::optional<std::string> only_task;
  for (const std::string& id : ids) {
    auto n = slurm_job_number(id);
    if (!n) return t.error(kRefused, "Invalid job id specified");
    q.ids.insert(*n);
    if (id.find('_') != std::string::npos) only_task = id;
  }
  SlurmJobs jobs;
  int code = 0;
  if (!jobs.fetch(t, q, code)) return code;
  const TimeMs now = wall_now();
  std::string out;
  for (const SlurmRow& r : jobs.rows()) {
    if (only_task && r.id != *only_task) continue;
    const auto lines = job_record(r, now);
    for (std::size_t i = 0; i < lines.size(); ++i)
      out += (i == 0 ? "" : one_line ? " " : "   ") + lines[i] + (one_line ? "" : "\n");
    out += one_line ? "\n" : "\n";
  }
  if (out.empty()) {
    if (!ids.empty()) {
      std::cerr << "slurm_load_jobs error: Invalid job id specified\n";
      return kRefused;
    }
    std::cout << "No jobs in the system\n";
    return kOk;
  }
  std::cout << out;
  return kOk;
}

int show_config(SlurmTool& t) {
  const Settings& s = t.ctx.settings;
  auto line = [](const std::string& k, const std::string& v) {
    std::string key = k;
    key.resize(std::max<std::size_t>(key.size(), 23), ' ');
    return key + " = " + v + "\n";
  };
  std::string out = "Configuration data as of " + format_local_time(wall_now()) + "\n";
  out += line("AccountingStorageType", "accounting_storage/baton");
  out += line("AcctGatherNodeFreq", "0 sec");
  out += line("ClusterName", "baton");
  out += line("MaxArraySize", std::to_string(s.integer("broker.max_array_size") + 1));
  out += line("MinJobAge", std::to_string(s.duration("broker.min_job_age") / 1000) + " sec");
  out += line("SchedulerTimeSlice", "5 sec");
  out += line("SchedulerType", "sched/baton");
  out += line("SelectType", "select/cons_tres");
  out += line("SLURM_VERSION", std::string("baton ") + BATON_VERSION_STRING);
  std::cout << out;
  return kOk;
}

int show_partitions(SlurmTool& t, bool one_line) {
  pb::WorkersReply workers;
  int code = 0;
  if (!fetch_workers(t, workers, code)) return code;
  for (const std::string& p : slurm_partitions(t, workers)) {
    std::string nodes;
    std::uint64_t cpus = 0, n = 0;
    for (const pb::WorkerInfo& w : workers.workers())
      if (std::find(w.queues().begin(), w.queues().end(), p) != w.queues().end())
        nodes += (nodes.empty() ? "" : ",") + w.name(), cpus += w.capacity().cpus(), ++n;
    const std::string sep = one_line ? " " : "\n   ";
    std::cout << "PartitionName=" << p << sep << "Default=" << (p == "default" ? "YES" : "NO")
              << " MaxNodes=1 MaxTime=UNLIMITED" << sep << "Nodes=" << (nodes.empty() ? "(null)" : nodes) << sep
              << "State=UP TotalCPUs=" << cpus << " TotalNodes=" << n << "\n"
              << (one_line ? "" : "\n");
  }
  return kOk;
}

int show_nodes(SlurmTool& t, bool one_line) {
  pb::WorkersReply workers;
  int code = 0;
  if (!fetch_workers(t, workers, code)) return code;
  if (workers.workers_size() == 0) std::cout << "No nodes in the system\n";
  for (const pb::WorkerInfo& w : workers.workers()) {
    const std::string sep = one_line ? " " : "\n   ";
    std::string state = w.state() == "busy" ? "ALLOCATED" : w.state() == "lost" ? "DOWN" : w.state() == "draining" ? "DRAIN" : w.state() == "mixed" ? "MIXED" : "IDLE";
    std::cout << "NodeName=" << w.name() << sep << "CPUAlloc=" << w.used().cpus() << " CPUTot=" << w.capacity().cpus()
              << sep << "RealMemory=" << w.capacity().mem_mb() << " AllocMem=" << w.used().mem_mb() << sep
              << "State=" << state << "\n" << (one_line ? "" : "\n");
  }
  return kOk;
}

// "a[1-3,5],b" -> a1 a2 a3 a5 b.
int show_hostnames(const std::string& list) {
  std::string item;
  int depth = 0;
  std::vector<std::string> items;
  for (char c : list) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) items.push_back(item), item.clear();
    else item += c;
  }
  if (!item.empty()) items.push_back(item);
  for (const std::string& it : items) {
    const auto open = it.find('[');
    if (open == std::string::npos || it.back() != ']') {
      std::cout << it << "\n";
      continue;
    }
    const std::string prefix = it.substr(0, open);
    for (const std::string& r : split_list(it.substr(open + 1, it.size() - open - 2))) {
      const auto dash = r.find('-');
      if (dash == std::string::npos) {
        std::cout << prefix << r << "\n";
        continue;
      }
      const std::string a = r.substr(0, dash), b = r.substr(dash + 1);
      const long lo = std::stol(a), hi = std::stol(b);
      for (long k = lo; k <= hi; ++k) {
        std::string n = std::to_string(k);
        if (n.size() < a.size()) n.insert(0, a.size() - n.size(), '0');
        std::cout << prefix << n << "\n";
      }
    }
  }
  return kOk;
}

int hold(SlurmTool& t, const std::vector<std::string>& ids, bool on) {
  pb::Envelope req, reply;
  for (const std::string& id : ids)
    for (const std::string& one : split_list(id)) req.mutable_hold()->add_targets(one);
  req.mutable_hold()->set_hold(on);
  int code = 0;
  if (!t.ctx.call(req, reply, code)) return code;
  return kOk;
}

// scontrol update JobId=42 TimeLimit=2:00:00 ...: the keys baton can change
// on a pending job, under Slurm's names.
int update(SlurmTool& t, const std::vector<std::string>& words) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"timelimit", "time"}, {"jobname", "name"}, {"name", "name"}, {"priority", "priority"},
      {"nice", "nice"}, {"arraytaskthrottle", "throttle"}, {"starttime", "begin"}, {"begintime", "begin"}};
  std::vector<std::string> jobs;
  pb::Envelope req, reply;
  for (const std::string& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) return t.error(kRefused, "update: expected KEY=VALUE, got '" + w + "'");
    const std::string key = ascii_lower(w.substr(0, eq)), value = w.substr(eq + 1);
    if (key == "jobid" || key == "job") {
      jobs = split_list(value);
      continue;
    }
    const char* baton = nullptr;
    for (const auto& [slurm, ours] : kKeys)
      if (key == slurm) baton = ours;
    if (!baton) return t.error(kRefused, "update: " + w.substr(0, eq) + " is not supported by baton");
    (*req.mutable_update()->mutable_fields())[baton] = value;
  }
  if (jobs.empty()) return t.error(kRefused, "update: no JobId=ID given");
  if (req.update().fields().empty()) return t.error(kRefused, "update: nothing to change");
  req.mutable_update()->set_uid(getuid());
  for (const std::string& job : jobs) {
    pb::Envelope one = req;
    one.mutable_update()->set_target(job);
    int code = 0;
    if (!t.ctx.call(one, reply, code)) return code;
  }
  return kOk;
}

}  // namespace

int slurm_scontrol(SlurmTool& t, const std::vector<std::string>& args) {
  bool one_line = false;
  std::vector<std::string> words;
  for (const std::string& a : args) {
    if (a == "-o" || a == "--oneliner") one_line = true;
    else if (a == "-d" || a == "-dd" || a == "--details" || a == "-a" || a == "--all" || a == "-Q" || a == "--quiet" ||
             a == "-v" || a.rfind("--clusters", 0) == 0 || a == "--local")
      continue;
    else if (a == "-h" || a == "--help" || a == "--usage")
      return std::cout << "Usage: scontrol [OPTIONS] show job|config|partition|node|hostnames, hold, release, ping, version\n", kOk;
    else if (a == "-V" || a == "--version")
      return std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n", kOk;
    else words.push_back(a);
  }
  if (words.empty()) return t.error(kRefused, "no command given (interactive mode is not supported)");
  const std::string cmd = ascii_lower(words[0]);
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (cmd == "show") {
    if (rest.empty()) return t.error(kRefused, "show: what? (job, config, partition, node, hostnames)");
    const std::string what = ascii_lower(rest[0]);
    std::vector<std::string> ids(rest.begin() + 1, rest.end());
    if (what == "job" || what == "jobs" || what == "jobid") return show_jobs(t, ids, one_line);
    if (what == "config") return show_config(t);
    if (what == "partition" || what == "partitions") return show_partitions(t, one_line);
    if (what == "node" || what == "nodes") return show_nodes(t, one_line);
    if (what == "hostnames" || what == "hostname") {
      if (ids.empty()) {
        const char* env = std::getenv("SLURM_JOB_NODELIST");
        return show_hostnames(env ? env : "");
      }
      return show_hostnames(ids[0]);
    }
    return t.error(kRefused, "show " + rest[0] + " is not supported by baton");
  }
  if (cmd == "hold" || cmd == "release" || cmd == "uhold") {
    if (rest.empty()) return t.error(kRefused, cmd + ": no job id given");
    return hold(t, rest, cmd != "release");
  }
  if (cmd == "update") return update(t, rest);
  if (cmd == "ping") return std::cout << "Slurmctld(primary) at baton is UP\n", kOk;
  if (cmd == "version") return std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n", kOk;
  return t.error(kRefused, "'" + words[0] + "' is not supported by baton's scontrol (show, hold, release, update, ping, version)");
}

}  // namespace baton::cli
