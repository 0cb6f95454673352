// `scancel`: cancel (or signal, -s) jobs and array tasks by id, or every job
// matching --name, --user/--me, --state, --partition. Options may follow the
// ids (`scancel 1 2 --clusters=all`). Quiet on success, like Slurm's.
#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "cmd/slurm_jobs.h"
#include "core/ids.h"
#include "core/slurm_format.h"
#include "core/slurm_options.h"
#include "exec/signal_names.h"

namespace baton::cli {

namespace {

enum Id { kSignal = 1, kName, kUser, kMe, kState, kPartition, kJobs, kHelp, kVersion, kVerbose, kRefuse, kIgnore };

const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'s', "signal", A::kRequired, kSignal},  {'n', "name", A::kRequired, kName},
      {0, "jobname", A::kRequired, kName},     {'u', "user", A::kRequired, kUser},
      {0, "me", A::kNone, kMe},                {'t', "state", A::kRequired, kState},
      {'p', "partition", A::kRequired, kPartition}, {0, "jobs", A::kRequired, kJobs},
      {'h', "help", A::kNone, kHelp},          {0, "usage", A::kNone, kHelp},
      {'V', "version", A::kNone, kVersion},    {'v', "verbose", A::kNone, kVerbose},
      {'i', "interactive", A::kNone, kRefuse}, {'M', "clusters", A::kRequired, kIgnore},
      {'b', "batch", A::kNone, kIgnore},       {'f', "full", A::kNone, kIgnore},
      {'H', "hurry", A::kNone, kIgnore},       {'Q', "quiet", A::kNone, kIgnore},
      {'A', "account", A::kRequired, kIgnore}, {'q', "qos", A::kRequired, kIgnore},
      {'w', "nodelist", A::kRequired, kIgnore}, {0, "wckey", A::kRequired, kIgnore},
      {'R', "reservation", A::kRequired, kIgnore}, {0, "ctld", A::kNone, kIgnore},
      {0, "sibling", A::kRequired, kIgnore},
  };
  return t;
}

std::string current_user() {
  const passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

}  // namespace

int slurm_scancel(SlurmTool& t, const std::vector<std::string>& args) {
  auto parsed = parse_slurm_options(args, table(), true);
  if (!parsed) return t.error(kRefused, parsed.error());
  std::vector<std::string> targets, names, users, partitions;
  std::set<pb::TaskState> states;
  std::string signal;
  bool verbose = false;
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    switch (w.id) {
      case kSignal: signal = v; break;
      case kName: for (auto& n : split_list(v)) names.push_back(n); break;
      case kUser: for (auto& u : split_list(v)) users.push_back(u); break;
      case kMe: users.push_back(current_user()); break;
      case kState:
        for (const std::string& s : split_list(v)) {
          auto st = parse_slurm_state(s);
          if (!st) return t.error(kRefused, "Invalid job state specified: " + s);
          states.insert(*st);
        }
        break;
      case kPartition: for (auto& p : split_list(v)) partitions.push_back(p); break;
      case kJobs: for (auto& j : split_list(v)) targets.push_back(j); break;
      case kHelp: std::cout << "Usage: scancel [OPTIONS] [job_id[_array_id]...]  (baton's scancel; see baton-slurm(7))\n"; return kOk;
      case kVersion: std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n"; return kOk;
      case kVerbose: verbose = true; break;
      case kRefuse: return t.error(kRefused, w.name + " is not supported by baton");
      default: break;
    }
  }
  for (const std::string& op : parsed->operands)
    for (auto& id : split_list(op)) targets.push_back(id);
  for (const std::string& id : targets) {
    if (id.find('.') != std::string::npos)
      return t.error(kRefused, "Kill job error on job id " + id + ": baton jobs have no steps");
    if (!parse_target(id)) return t.error(kRefused, "Invalid job id " + id);
  }
  const bool filtered = !names.empty() || !users.empty() || !states.empty() || !partitions.empty();
  if (targets.empty() && !filtered) return t.error(kRefused, "No job identification provided");
  if (filtered) {
    // Every active job matching the filters (and the ids, when both are given).
    SlurmQuery q;
    for (const std::string& id : targets) q.ids.insert(*slurm_job_number(id));
    SlurmJobs jobs;
    int code = 0;
    if (!jobs.fetch(t, q, code)) return code;
    auto listed = [](const std::vector<std::string>& list, const std::string& v) {
      return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
    };
    std::set<std::string> chosen;
    for (const SlurmRow& r : jobs.rows()) {
      const pb::JobInfo& j = *r.job;
      if (!r.active() || !listed(names, j.name()) || !listed(users, j.user())) continue;
      if (!listed(partitions, j.queue().empty() ? "default" : j.queue())) continue;
      if (!states.empty() && !states.count(r.state)) continue;
      chosen.insert(std::to_string(j.id()));
    }
    if (chosen.empty()) return kOk;
    targets.assign(chosen.begin(), chosen.end());
  }
  pb::Envelope req, reply;
  for (const auto& id : targets) req.mutable_cancel()->add_targets(id);
  if (!signal.empty()) {
    auto sig = parse_signal(signal);
    if (!sig || *sig <= 0) return t.error(kRefused, "Invalid signal specified: " + signal);
    req.mutable_cancel()->set_signal(*sig);
  }
  int code = 0;
  if (!t.ctx.call(req, reply, code)) return code;
  if (verbose)
    for (const auto& m : reply.reply().messages()) std::cerr << "scancel: " << m << "\n";
  return kOk;
}

}  // namespace baton::cli
